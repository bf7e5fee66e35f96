//! The Looker API 4.0 calls roster makes, with login, token reuse and paging.
//!
//! Login is a form-encoded `POST /login`; the token is reused until shortly before it expires (a
//! lifetime of at most [`MAX_TOKEN_LIFETIME`], whatever the server claims) and fetched again after
//! a 401. Lists page with `limit`/`offset` under the shared [`paging`](crate::service::paging)
//! rules: once the first page announces a believable `X-Total-Count`, the remaining pages are
//! fetched concurrently, as many as the connection's request window allows.

#![deny(clippy::arithmetic_side_effects)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::Value;
use tokio::sync::Mutex;
use url::Url;

use super::attributes::GroupNames;
use super::wire;
use crate::config::{Connection, Credentials};
use crate::secret::Secret;
use crate::service::error::ServiceError;
use crate::service::http::{Body, FormValue, HttpClient, Request, Response, endpoint};
use crate::service::pace::Pace;
use crate::service::paging::{Fetched, Listing, Page};
use crate::service::plan::PlannedRequest;

/// Users per page when listing. The maximum `limit` is UNCONFIRMED (api-facts §3.2 and §4), and
/// without `limit` a list endpoint returns every user in one answer (api-facts §3.2, sdk-codegen
/// `docs/paging.md`), so a server takes large pages; 1000 is what the official SDK comparison of
/// issue 13 pages with. A server that answers with fewer is followed at its own size by the paging
/// rules.
pub const PAGE_SIZE: usize = 1000;
/// The most requests in flight on a Looker connection unless `max_concurrency` says otherwise.
/// The spec flags the user and attribute endpoints `x-looker-rate-limited` and lists a 429 for
/// every endpoint, but Looker publishes no numbers and no `Retry-After` behaviour (api-facts §3.2,
/// UNCONFIRMED). The window starts at [`crate::service::window::START`], halves at the first 429
/// and honours any `Retry-After`, so the cap only bounds how far it probes: sixteen pages of 1000
/// in flight hide 100 ms of latency per page, a small load for one Looker node.
pub const DEFAULT_MAX_CONCURRENCY: usize = 16;
/// A token is renewed when it has less than this left.
const RENEW_BEFORE_EXPIRY: Duration = Duration::from_secs(60);
/// The longest a token is reused, whatever `expires_in` claims (Looker's tokens last an hour).
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);
/// The fields a listing asks for.
pub const SUMMARY_FIELDS: &str =
    "id,first_name,last_name,display_name,email,is_disabled,credentials_email(email),group_ids";

/// A Looker connection.
#[derive(Debug, Clone)]
pub struct Client {
    pub(super) connection: String,
    http: HttpClient,
    api: Url,
    client_id: String,
    client_secret: Secret,
    token: Arc<Mutex<Option<CachedToken>>>,
    /// The groups' names, read once (`attributes.rs`).
    pub(super) group_names: GroupNames,
}

#[derive(Debug)]
struct CachedToken {
    header: Secret,
    renew_at: Instant,
}

/// One page of users and the total the server announced.
pub struct UsersPage {
    /// The users.
    pub users: Vec<wire::User>,
    /// `X-Total-Count`, when sent.
    pub total: Option<usize>,
}

impl Client {
    /// A client for a Looker connection; the API is at `{url}/api/4.0`.
    pub fn new(http: HttpClient, connection: &Connection) -> Result<Self, ServiceError> {
        let Credentials::ClientCredentials {
            client_id,
            client_secret,
        } = &connection.credentials
        else {
            return Err(ServiceError::Invalid(format!(
                "connection `{}` needs client_id and client_secret",
                connection.name
            )));
        };
        let base = connection.url.as_str().trim_end_matches('/');
        let api = if base.ends_with("/api/4.0") {
            connection.url.clone()
        } else {
            endpoint(&connection.url, &["api", "4.0"])
        };
        Ok(Self {
            connection: connection.name.clone(),
            http,
            api,
            client_id: client_id.clone(),
            client_secret: client_secret.clone(),
            token: Arc::new(Mutex::new(None)),
            group_names: GroupNames::default(),
        })
    }

    /// The HTTP client of this connection.
    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    /// The API root, `{url}/api/4.0`.
    pub fn api(&self) -> &Url {
        &self.api
    }

    /// The URL of an API path.
    pub fn url(&self, segments: &[&str]) -> Url {
        endpoint(&self.api, segments)
    }

    /// Logs in (or reuses the current token) and returns the `Authorization` header value.
    async fn authorization(&self) -> Result<Secret, ServiceError> {
        let mut cached = self.token.lock().await;
        if let Some(token) = cached.as_ref().filter(|t| Instant::now() < t.renew_at) {
            return Ok(token.header.clone());
        }
        let mut request = Request::new(Method::POST, self.url(&["login"]))
            .reads_only()
            .repeatable();
        request.body = Some(Body::Form(vec![
            ("client_id", FormValue::Plain(self.client_id.clone())),
            (
                "client_secret",
                FormValue::Secret(self.client_secret.clone()),
            ),
        ]));
        let (token, _) = self
            .http
            .send_json::<wire::AccessToken>(&request)
            .await
            .map_err(|error| match error {
                ServiceError::Status(status) if matches!(status.status, 400 | 404) => {
                    ServiceError::Auth {
                        status: status.status,
                        reason: format!(
                            "Looker refused the client id and secret: {}",
                            status.reason
                        ),
                    }
                }
                other => other,
            })?;
        let header = Secret::new(format!("Bearer {}", token.access_token));
        *cached = Some(CachedToken {
            header: header.clone(),
            renew_at: renewal_time(Instant::now(), token.expires_in),
        });
        Ok(header)
    }

    /// Sends an authorised request and decodes the answer; decoding is retried with the request.
    /// After a 401 the token is renewed and the request sent once more.
    pub async fn send_with<T>(
        &self,
        mut request: Request,
        decode: impl Fn(&Response) -> Result<T, ServiceError>,
    ) -> Result<T, ServiceError> {
        let used = self.authorization().await?;
        request.authorization = Some(used.clone());
        match self.http.send_decoded(&request, &decode).await {
            Err(ServiceError::Auth { status: 401, .. }) => {
                // Drop the token only if it is still the one refused: concurrent requests that
                // failed with it must share one new login, not discard each other's.
                {
                    let mut cached = self.token.lock().await;
                    if cached
                        .as_ref()
                        .is_some_and(|t| t.header.expose() == used.expose())
                    {
                        cached.take();
                    }
                }
                request.authorization = Some(self.authorization().await?);
                self.http.send_decoded(&request, &decode).await
            }
            other => other,
        }
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: Url) -> Result<T, ServiceError> {
        self.send_with(Request::new(Method::GET, url), Response::json)
            .await
    }

    /// `GET /users` (or `/users/search` with `search` pairs) one page at `offset`.
    pub async fn users_page(
        &self,
        search: &[(&str, String)],
        offset: usize,
        limit: usize,
    ) -> Result<UsersPage, ServiceError> {
        let mut url = if search.is_empty() {
            self.url(&["users"])
        } else {
            self.url(&["users", "search"])
        };
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("fields", SUMMARY_FIELDS)
                .append_pair("sorts", "id")
                .append_pair("limit", &limit.to_string())
                .append_pair("offset", &offset.to_string());
            for (key, value) in search {
                query.append_pair(key, value);
            }
        }
        // The page is decoded once and only the header is kept besides (no copy of the body).
        self.send_with(Request::new(Method::GET, url), |response| {
            Ok(UsersPage {
                users: response.json()?,
                total: response
                    .header("x-total-count")
                    .and_then(|t| t.trim().parse().ok()),
            })
        })
        .await
    }

    /// Every user (or every match of `search`), page by page, up to `limit`.
    ///
    /// Pages after the first are fetched as many at a time as the connection's window allows and
    /// delivered to `on_page` in order, under the shared paging rules.
    pub async fn all_users(
        &self,
        search: &[(&str, String)],
        limit: Option<usize>,
        pace: Option<&Pace>,
        on_page: &mut (dyn FnMut(Page<wire::User>) + Send),
    ) -> Result<(), ServiceError> {
        Listing::new(&self.connection, "offset", 0, PAGE_SIZE, self.http.window())
            .with_limit(limit)
            .with_pace(pace)
            .run(
                |offset, count| async move {
                    let page = self.users_page(search, offset, count).await?;
                    Ok(Fetched {
                        items: page.users,
                        total: page.total,
                        position: None,
                    })
                },
                |user: &wire::User| Some(user.id.as_str()),
                &mut |page| {
                    on_page(page);
                    true
                },
            )
            .await
    }

    /// `GET /users/{id}`.
    pub async fn user(&self, id: &str) -> Result<(wire::User, Value), ServiceError> {
        self.send_with(
            Request::new(Method::GET, self.url(&["users", id])),
            Response::json_and_tree,
        )
        .await
    }

    /// `GET /user_attributes`, sorted by name.
    pub async fn user_attributes(&self) -> Result<Vec<wire::UserAttribute>, ServiceError> {
        let mut url = self.url(&["user_attributes"]);
        url.query_pairs_mut().append_pair("sorts", "name");
        self.get_json(url).await
    }

    /// `GET /users/{id}/attribute_values` with the whole lookup path and unset attributes.
    pub async fn attribute_values(
        &self,
        user_id: &str,
        attribute_ids: &[&str],
        all_values: bool,
        include_unset: bool,
    ) -> Result<Vec<wire::UserAttributeWithValue>, ServiceError> {
        let mut url = self.url(&["users", user_id, "attribute_values"]);
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("all_values", &all_values.to_string())
                .append_pair("include_unset", &include_unset.to_string());
            if !attribute_ids.is_empty() {
                query.append_pair("user_attribute_ids", &attribute_ids.join(","));
            }
        }
        self.get_json(url).await
    }

    /// `GET /user_attributes/{id}/group_values`, in precedence order.
    pub async fn group_values(
        &self,
        attribute_id: &str,
    ) -> Result<Vec<wire::UserAttributeGroupValue>, ServiceError> {
        self.get_json(self.url(&["user_attributes", attribute_id, "group_values"]))
            .await
    }

    /// `GET /groups` (all of them).
    pub async fn groups(&self) -> Result<Vec<wire::Group>, ServiceError> {
        let mut url = self.url(&["groups"]);
        url.query_pairs_mut().append_pair("fields", "id,name");
        self.get_json(url).await
    }

    /// The request for `PATCH /users/{id}/attribute_values/{attribute_id}`.
    pub fn set_attribute_value_request(
        &self,
        user_id: &str,
        attribute_id: &str,
        value: &str,
    ) -> PlannedRequest {
        let mut request = PlannedRequest::new(
            Method::PATCH,
            self.url(&["users", user_id, "attribute_values", attribute_id]),
        )
        .with_body(serde_json::json!({ "value": value }));
        request.idempotent = true;
        request
    }

    /// The request for `DELETE /users/{id}/attribute_values/{attribute_id}`.
    pub fn delete_attribute_value_request(
        &self,
        user_id: &str,
        attribute_id: &str,
    ) -> PlannedRequest {
        PlannedRequest::new(
            Method::DELETE,
            self.url(&["users", user_id, "attribute_values", attribute_id]),
        )
    }

    /// The request for `PATCH /users/{id}` with a partial user.
    pub fn update_user_request(&self, user_id: &str, body: Value) -> PlannedRequest {
        let mut request =
            PlannedRequest::new(Method::PATCH, self.url(&["users", user_id])).with_body(body);
        request.idempotent = true;
        request
    }

    /// The request for `PATCH /users/{id}/credentials_email`.
    pub fn update_email_request(&self, user_id: &str, email: &str) -> PlannedRequest {
        let mut request = PlannedRequest::new(
            Method::PATCH,
            self.url(&["users", user_id, "credentials_email"]),
        )
        .with_body(serde_json::json!({ "email": email }));
        request.idempotent = true;
        request
    }

    /// The request for `POST /users`.
    pub fn create_user_request(&self, body: Value) -> PlannedRequest {
        PlannedRequest::new(Method::POST, self.url(&["users"])).with_body(body)
    }

    /// Sends a planned request and returns its JSON body (None for an empty body).
    pub async fn send_planned(
        &self,
        planned: &PlannedRequest,
    ) -> Result<Option<Value>, ServiceError> {
        let mut request = Request::new(planned.method.clone(), planned.url.clone());
        request.idempotent = planned.idempotent;
        if let Some(body) = &planned.body {
            request = request.json(body.clone());
        }
        self.send_with(request, |response| {
            if response.body.is_empty() {
                Ok(None)
            } else {
                response.json().map(Some)
            }
        })
        .await
    }

    /// `DELETE /logout`: ends the session when a token is held.
    pub async fn logout(&self) -> Result<(), ServiceError> {
        if self.token.lock().await.is_none() {
            return Ok(());
        }
        let request = Request::new(Method::DELETE, self.url(&["logout"])).reads_only();
        let result = self.send_with(request, |_| Ok(())).await;
        self.token.lock().await.take();
        result
    }
}

/// When a token that the server says expires in `expires_in` seconds should be renewed: shortly
/// before it expires and at most [`MAX_TOKEN_LIFETIME`] from `now`; at once when the lifetime is
/// zero or negative, after Looker's default hour when it is missing.
fn renewal_time(now: Instant, expires_in: Option<i64>) -> Instant {
    let seconds = expires_in.map_or(3600, |s| u64::try_from(s).unwrap_or(0));
    let lifetime = Duration::from_secs(seconds).min(MAX_TOKEN_LIFETIME);
    let margin = RENEW_BEFORE_EXPIRY.min(lifetime.checked_div(2).unwrap_or_default());
    now.checked_add(lifetime.saturating_sub(margin))
        .unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_claimed_lifetime_gives_a_renewal_time_without_overflow() {
        let now = Instant::now();
        for claimed in [
            None,
            Some(i64::MAX),
            Some(i64::MIN),
            Some(-1),
            Some(0),
            Some(3600),
        ] {
            let renew = renewal_time(now, claimed);
            assert!(
                renew >= now && renew <= now + MAX_TOKEN_LIFETIME,
                "{claimed:?}"
            );
        }
        assert_eq!(
            renewal_time(now, Some(3600)),
            now + Duration::from_secs(3540)
        );
        assert_eq!(renewal_time(now, Some(0)), now, "renewed at once");
    }
}
