//! The Crowd `usermanagement/1` calls roster makes, with application basic auth and paging.
//!
//! Every call carries the application's name and password as HTTP basic credentials. Usernames
//! travel only as query parameters (`?username=`), encoded by [`Url`]. User searches page with
//! `start-index`/`max-results` under the shared [`paging`](crate::service::paging) rules; Crowd
//! announces no total, so pages are read until a short one arrives, with as many pages fetched
//! ahead concurrently as the connection's request window allows (they are GETs, so a page fetched
//! past the end costs only a wasted request). This module builds and sends requests; it decides
//! nothing about edits.

#![deny(clippy::arithmetic_side_effects)]

use base64::Engine as _;
use reqwest::Method;
use serde_json::{Value, json};
use url::Url;

use super::wire;
use crate::config::{Connection, Credentials};
use crate::secret::Secret;
use crate::service::error::ServiceError;
use crate::service::http::{HttpClient, Request, Response, endpoint};
use crate::service::pace::Pace;
use crate::service::paging::{Fetched, Listing, Page};
use crate::service::plan::PlannedRequest;

/// Users per search page: Crowd's own default for `max-results` (`DEFAULT_SEARCH_RESULT_SIZE`
/// in the REST plugin's `AbstractResource`, api-facts §1.3).
pub const PAGE_SIZE: usize = 1000;
/// The most requests in flight on a Crowd connection unless `max_concurrency` says otherwise.
/// Crowd Data Center 5.x+ has optional rate limiting (a token bucket answering 429 with
/// `Retry-After`, switched on by an admin); whether it applies to application-authenticated
/// `usermanagement` calls is UNCONFIRMED and older servers have none (api-facts §1.6). Crowd is
/// one self-hosted server that authenticates every other application's users at the same time,
/// and each search page of 1000 users with `expand=user` is a directory query: a modest eight.
pub const DEFAULT_MAX_CONCURRENCY: usize = 8;
/// The API below the base URL.
const API_PATH: [&str; 3] = ["rest", "usermanagement", "1"];

/// A Crowd connection.
#[derive(Debug, Clone)]
pub struct Client {
    pub(super) connection: String,
    http: HttpClient,
    api: Url,
    authorization: Secret,
    page_size: usize,
}

impl Client {
    /// A client for a Crowd connection; the API is at `{url}/rest/usermanagement/1`.
    pub fn new(http: HttpClient, connection: &Connection) -> Result<Self, ServiceError> {
        let Credentials::Basic { username, password } = &connection.credentials else {
            return Err(ServiceError::Invalid(format!(
                "connection `{}` needs the Crowd application's username and password",
                connection.name
            )));
        };
        let base = connection.url.as_str().trim_end_matches('/');
        let api = if base.ends_with("/rest/usermanagement/1") {
            connection.url.clone()
        } else {
            endpoint(&connection.url, &API_PATH)
        };
        let pair = format!("{username}:{}", password.expose());
        let authorization = Secret::new(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        ));
        Ok(Self {
            connection: connection.name.clone(),
            http,
            api,
            authorization,
            page_size: PAGE_SIZE,
        })
    }

    /// Uses pages of `size` users (at least 1) instead of [`PAGE_SIZE`].
    pub fn with_page_size(mut self, size: usize) -> Self {
        self.page_size = size.max(1);
        self
    }

    /// The HTTP client of this connection.
    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    /// The API root, `{url}/rest/usermanagement/1`.
    pub fn api(&self) -> &Url {
        &self.api
    }

    /// The URL of an API path with query pairs (values are encoded).
    pub fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = endpoint(&self.api, segments);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    /// Sends an authorised request; 401 and 403 become errors that say what Crowd refused.
    pub async fn send(&self, mut request: Request) -> Result<Response, ServiceError> {
        request.authorization = Some(self.authorization.clone());
        self.http
            .send(&request)
            .await
            .map_err(|error| self.explain(error))
    }

    fn explain(&self, error: ServiceError) -> ServiceError {
        match error {
            ServiceError::Auth {
                status: 401,
                reason,
            } => ServiceError::Auth {
                status: 401,
                reason: format!(
                    "Crowd refused the application name and password of `{}` ({reason})",
                    self.connection
                ),
            },
            ServiceError::Auth {
                status: 403,
                reason,
            } => ServiceError::Auth {
                status: 403,
                reason: format!(
                    "Crowd denied the application of `{}` (is it allowed from this address and \
                     permitted to do this?): {reason}",
                    self.connection
                ),
            },
            other => other,
        }
    }

    /// GETs and decodes a JSON body; an undecodable body is retried like a failed request.
    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: Url) -> Result<T, ServiceError> {
        self.get_decoded(url, Response::json).await
    }

    async fn get_decoded<T>(
        &self,
        url: Url,
        decode: impl Fn(&Response) -> Result<T, ServiceError>,
    ) -> Result<T, ServiceError> {
        let request = Request::new(Method::GET, url).authorization(self.authorization.clone());
        self.http
            .send_decoded(&request, decode)
            .await
            .map_err(|error| self.explain(error))
    }

    /// `GET /search?entity-type=user&expand=user` for one page, with an optional CQL restriction.
    pub async fn search_page(
        &self,
        restriction: Option<&str>,
        start: usize,
        max: usize,
    ) -> Result<Vec<wire::User>, ServiceError> {
        let start = start.to_string();
        let max = max.to_string();
        let mut query = vec![
            ("entity-type", "user"),
            ("expand", "user"),
            ("start-index", start.as_str()),
            ("max-results", max.as_str()),
        ];
        if let Some(restriction) = restriction {
            query.push(("restriction", restriction));
        }
        let page: wire::UserSearch = self.get_json(self.url(&["search"], &query)).await?;
        Ok(page.users)
    }

    /// Every user matching `restriction` (all users without one), page by page, up to `limit`.
    ///
    /// The first page is read alone so that small directories cost one request and the first
    /// rows arrive early; then as many pages as the connection's window allows are fetched at a
    /// time and delivered in order until a page comes back short, under the shared paging rules.
    pub async fn all_users(
        &self,
        restriction: Option<&str>,
        limit: Option<usize>,
        pace: Option<&Pace>,
        on_page: &mut (dyn FnMut(Page<wire::User>) + Send),
    ) -> Result<(), ServiceError> {
        Listing::new(
            &self.connection,
            "start-index",
            0,
            self.page_size,
            self.http.window(),
        )
        .with_limit(limit)
        .with_pace(pace)
        .run(
            |start, max| async move {
                Ok(Fetched {
                    items: self.search_page(restriction, start, max).await?,
                    total: None,
                    position: None,
                })
            },
            |user: &wire::User| Some(user.name.as_str()),
            &mut |page| {
                on_page(page);
                true
            },
        )
        .await
    }

    /// `GET /user?username=U&expand=attributes`: the user and its raw JSON.
    pub async fn user(&self, username: &str) -> Result<(wire::User, Value), ServiceError> {
        let url = self.url(
            &["user"],
            &[("username", username), ("expand", "attributes")],
        );
        self.get_decoded(url, Response::json_and_tree).await
    }

    /// `GET /user/attribute?username=U`.
    pub async fn attributes(&self, username: &str) -> Result<Vec<wire::Attribute>, ServiceError> {
        let url = self.url(&["user", "attribute"], &[("username", username)]);
        let list: wire::AttributeList = self.get_json(url).await?;
        Ok(list.attributes)
    }

    /// `GET /user/group/direct?username=U`: the names of the user's direct groups, exactly as
    /// Crowd sends them (printing and drawing sanitise them).
    pub async fn direct_groups(&self, username: &str) -> Result<Vec<String>, ServiceError> {
        let url = self.url(&["user", "group", "direct"], &[("username", username)]);
        let groups: wire::GroupList = self.get_json(url).await?;
        Ok(groups.groups.into_iter().map(|g| g.name).collect())
    }

    /// The request for `PUT /user?username=U`; the body's `name` must be `username`.
    pub fn update_user_request(&self, username: &str, body: Value) -> PlannedRequest {
        PlannedRequest::new(Method::PUT, self.url(&["user"], &[("username", username)]))
            .with_body(body)
    }

    /// The request for `POST /user/attribute?username=U` storing the given attributes.
    ///
    /// Each named attribute gets exactly these values and others stay unchanged, so sending it
    /// twice has the effect of sending it once: it is marked idempotent.
    pub fn store_attributes_request(
        &self,
        username: &str,
        attributes: &[wire::Attribute],
    ) -> PlannedRequest {
        let mut request = PlannedRequest::new(
            Method::POST,
            self.url(&["user", "attribute"], &[("username", username)]),
        )
        .with_body(json!({ "attributes": attributes }));
        request.idempotent = true;
        request
    }

    /// The request for `DELETE /user/attribute?username=U&attributename=N`.
    pub fn delete_attribute_request(&self, username: &str, name: &str) -> PlannedRequest {
        PlannedRequest::new(
            Method::DELETE,
            self.url(
                &["user", "attribute"],
                &[("username", username), ("attributename", name)],
            ),
        )
    }

    /// The request for `POST /user` (201 with the new user).
    pub fn create_user_request(&self, body: Value) -> PlannedRequest {
        PlannedRequest::new(Method::POST, self.url(&["user"], &[])).with_body(body)
    }

    /// The request for `PUT /user/password?username=U`; its body is masked whole in previews.
    pub fn password_request(&self, username: &str, password: &str) -> PlannedRequest {
        let mut request = PlannedRequest::new(
            Method::PUT,
            self.url(&["user", "password"], &[("username", username)]),
        )
        .with_body(json!({ "value": password }));
        request.confidential = true;
        request
    }

    /// Sends a planned request and returns the response.
    pub async fn send_planned(&self, planned: &PlannedRequest) -> Result<Response, ServiceError> {
        let mut request = Request::new(planned.method.clone(), planned.url.clone());
        request.idempotent = planned.idempotent;
        if let Some(body) = &planned.body {
            request = request.json(body.clone());
        }
        self.send(request).await
    }
}

/// A CQL string literal: the text in double quotes, with `\` and `"` escaped.
pub fn cql_quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len().saturating_add(2));
    quoted.push('"');
    for c in text.chars() {
        if matches!(c, '"' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

/// The CQL restriction for a list filter: the text anywhere in name, email or the names.
pub fn filter_restriction(text: &str) -> String {
    let pattern = cql_quote(&format!("*{text}*"));
    ["name", "email", "firstName", "lastName", "displayName"]
        .iter()
        .map(|property| format!("{property} = {pattern}"))
        .collect::<Vec<_>>()
        .join(" or ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cql_literals_escape_quotes_and_backslashes() {
        assert_eq!(cql_quote(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(
            filter_restriction("ann"),
            r#"name = "*ann*" or email = "*ann*" or firstName = "*ann*" or lastName = "*ann*" or displayName = "*ann*""#
        );
    }
}
