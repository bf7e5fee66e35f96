//! The SCIM 2.0 calls roster makes to Atlassian's user provisioning API (or any SCIM server).
//!
//! Every request carries the directory key as a bearer token. Lists page with the 1-based
//! `startIndex` and `count` under the shared [`paging`](crate::service::paging) rules: once the
//! first page announces a believable `totalResults`, the rest are fetched concurrently, as many as
//! the connection's request window allows, and delivered in order, and a page that starts at
//! another `startIndex` than asked is asked for again, then stops the listing. Writes are built
//! as [`PlannedRequest`]s (with `If-Match` when the record's version is known) and sent by
//! [`Client::send_planned`]; building one sends nothing.

#![deny(clippy::arithmetic_side_effects)]

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use super::mapping;
use super::wire::{self, Identified, ListResponse, Listed, PatchRequest};
use crate::config::{Connection, Credentials};
use crate::secret::Secret;
use crate::service::error::{ServiceError, StatusError};
use crate::service::http::{HttpClient, Request, Response, endpoint};
use crate::service::pace::Pace;
use crate::service::paging::{Fetched, Listing, Page};
use crate::service::plan::PlannedRequest;

/// Users per page: a call returns at most 100 users (Atlassian support KB, api-facts §2.2); how a
/// larger `count` is handled is UNCONFIRMED (api-facts §4), so none is asked.
pub const PAGE_SIZE: usize = 100;
/// The most requests in flight on a SCIM connection unless `max_concurrency` says otherwise.
/// Atlassian publishes no numbers for the user provisioning API but may answer 429 (api-facts
/// §2.5, UNCONFIRMED limits; Atlassian Cloud generally sends `Retry-After`), and one key serves a
/// whole organisation's directory, shared with its identity provider's sync: a modest eight.
pub const DEFAULT_MAX_CONCURRENCY: usize = 8;
/// What `Accept` asks for: SCIM's media type, plain JSON as a fallback.
const ACCEPT: &str = "application/scim+json, application/json;q=0.9";
/// The attributes a listing asks for (`id` and `schemas` always come back).
pub const SUMMARY_ATTRIBUTES: &str = "userName,displayName,name,emails,active";

/// A SCIM connection.
#[derive(Debug, Clone)]
pub struct Client {
    pub(super) connection: String,
    http: HttpClient,
    base: Url,
    authorization: Secret,
}

/// One page of a listing.
#[derive(Debug, Clone)]
pub struct UsersPage<T = Value> {
    /// The resources: JSON objects, or typed views ([`Listed`]).
    pub resources: Vec<T>,
    /// `totalResults`, saturated to `usize`.
    pub total: Option<usize>,
    /// `startIndex` as the server answered it (1-based).
    pub start_index: Option<usize>,
}

impl Client {
    /// A client for a SCIM connection; the resources are at `{url}/Users`, `{url}/Groups`.
    pub fn new(http: HttpClient, connection: &Connection) -> Result<Self, ServiceError> {
        let Credentials::Bearer { token } = &connection.credentials else {
            return Err(ServiceError::Invalid(format!(
                "connection `{}` needs a `token` (the directory API key)",
                connection.name
            )));
        };
        Ok(Self {
            connection: connection.name.clone(),
            http,
            base: connection.url.clone(),
            authorization: Secret::new(format!("Bearer {}", token.expose())),
        })
    }

    /// The HTTP client of this connection.
    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    /// The URL of a path below the base URL; each segment is percent-encoded.
    pub fn url(&self, segments: &[&str]) -> Url {
        endpoint(&self.base, segments)
    }

    /// Sends an authorised request. A 412 (the `If-Match` version is stale) becomes a conflict.
    pub async fn send(&self, request: Request) -> Result<Response, ServiceError> {
        self.send_decoded(request, |response| Ok(response.clone()))
            .await
    }

    /// Sends an authorised request and decodes the answer; an undecodable answer to a request
    /// that may be repeated is retried with it.
    pub async fn send_decoded<T>(
        &self,
        mut request: Request,
        decode: impl Fn(&Response) -> Result<T, ServiceError>,
    ) -> Result<T, ServiceError> {
        request.authorization = Some(self.authorization.clone());
        request.accept = ACCEPT;
        self.http
            .send_decoded(&request, decode)
            .await
            .map_err(|error| match error {
                ServiceError::Status(status) if status.status == 412 => {
                    ServiceError::Conflict(format!(
                        "the server refused the write because the user changed since it was read ({})",
                        status.reason
                    ))
                }
                other => other,
            })
    }

    /// `GET /Users` one page: `start_index` is 1-based; the resources are decoded as `T`.
    pub async fn users_page<T: DeserializeOwned>(
        &self,
        filter: Option<&str>,
        start_index: usize,
        count: usize,
        attributes: Option<&str>,
    ) -> Result<UsersPage<T>, ServiceError> {
        let mut url = self.url(&["Users"]);
        {
            let mut query = url.query_pairs_mut();
            if let Some(filter) = filter {
                query.append_pair("filter", filter);
            }
            query
                .append_pair("startIndex", &start_index.to_string())
                .append_pair("count", &count.to_string());
            if let Some(attributes) = attributes {
                query.append_pair("attributes", attributes);
            }
        }
        let list: ListResponse<T> = self
            .send_decoded(Request::new(Method::GET, url), Response::json)
            .await?;
        Ok(UsersPage {
            resources: list.resources,
            total: list.total_results,
            start_index: list.start_index,
        })
    }

    /// Every user (or every match of a server `filter`), page by page, in order, under the shared
    /// paging rules; `on_page` returns false to stop.
    ///
    /// The first page tells the total and the server's page size; the remaining pages are then
    /// fetched as many at a time as the connection's window allows. A page that comes back short
    /// (users deleted meanwhile) is followed by the rest of its range before the next page is
    /// delivered, so nothing is skipped. Each page is decoded once, its resources as `T`: whole
    /// JSON objects, or [`Listed`] typed views for a listing that needs no more.
    pub async fn list_pages<T: DeserializeOwned + Identified + Send>(
        &self,
        filter: Option<&str>,
        attributes: Option<&str>,
        pace: Option<&Pace>,
        on_page: &mut (dyn FnMut(Page<T>) -> bool + Send),
    ) -> Result<(), ServiceError> {
        Listing::new(
            &self.connection,
            "startIndex",
            1,
            PAGE_SIZE,
            self.http.window(),
        )
        .with_pace(pace)
        .run(
            |position, count| async move {
                let start_index = position.saturating_add(1);
                let page = self
                    .users_page(filter, start_index, count, attributes)
                    .await?;
                Ok(Fetched {
                    items: page.resources,
                    total: page.total,
                    position: page.start_index.map(|index| index.saturating_sub(1)),
                })
            },
            |resource: &T| resource.id(),
            on_page,
        )
        .await
    }

    /// [`Client::list_pages`] for callers that want only the resources and the total.
    pub async fn all_users(
        &self,
        filter: Option<&str>,
        attributes: Option<&str>,
        on_page: &mut (dyn FnMut(Vec<Value>, Option<usize>) -> bool + Send),
    ) -> Result<(), ServiceError> {
        self.list_pages(filter, attributes, None, &mut |page| {
            on_page(page.items, page.total)
        })
        .await
    }

    /// `GET /Users/{id}`: the full resource, with `meta.version` set from `ETag` when only the
    /// header carries it.
    pub async fn user(&self, id: &str) -> Result<Value, ServiceError> {
        let (mut resource, etag) = self
            .send_decoded(Request::new(Method::GET, self.url(&["Users", id])), |r| {
                Ok((r.json::<Value>()?, r.header("etag").map(str::to_owned)))
            })
            .await?;
        if mapping::version(&resource).is_none()
            && let Some(etag) = etag
            && let Some(object) = resource.as_object_mut()
        {
            let meta = object
                .entry("meta")
                .or_insert_with(|| Value::Object(serde_json::Map::new()));
            if let Some(meta) = meta.as_object_mut() {
                meta.insert("version".to_owned(), Value::String(etag));
            }
        }
        Ok(resource)
    }

    /// The users whose `userName` equals `user_name` (the server's `userName eq` filter).
    pub async fn find_by_user_name(&self, user_name: &str) -> Result<Vec<Value>, ServiceError> {
        let filter = eq_filter("userName", user_name);
        Ok(self
            .users_page::<Value>(Some(&filter), 1, 2, None)
            .await?
            .resources)
    }

    /// The request for `POST /Users`.
    pub fn create_request(&self, body: Value) -> PlannedRequest {
        PlannedRequest::new(Method::POST, self.url(&["Users"])).with_body(body)
    }

    /// The request for `PUT /Users/{id}` (`If-Match` when the version is known).
    pub fn replace_request(&self, id: &str, body: Value, version: Option<&str>) -> PlannedRequest {
        with_version(
            PlannedRequest::new(Method::PUT, self.url(&["Users", id])).with_body(body),
            version,
        )
    }

    /// The request for `PATCH /Users/{id}`; retried only when repeating it changes nothing more.
    pub fn patch_request(
        &self,
        id: &str,
        body: &PatchRequest,
        version: Option<&str>,
    ) -> PlannedRequest {
        let mut request = PlannedRequest::new(Method::PATCH, self.url(&["Users", id]))
            .with_body(serde_json::to_value(body).unwrap_or(Value::Null));
        request.idempotent = body
            .operations
            .iter()
            .all(|op| !op.op.eq_ignore_ascii_case("add"));
        with_version(request, version)
    }

    /// The request for `DELETE /Users/{id}`.
    pub fn delete_request(&self, id: &str, version: Option<&str>) -> PlannedRequest {
        with_version(
            PlannedRequest::new(Method::DELETE, self.url(&["Users", id])),
            version,
        )
    }

    /// Sends a planned request; returns its JSON body (None for an empty body, e.g. a 204).
    ///
    /// A 409 answer to a create is reported as "already exists".
    pub async fn send_planned(
        &self,
        planned: &PlannedRequest,
    ) -> Result<Option<Value>, ServiceError> {
        let mut request = Request::new(planned.method.clone(), planned.url.clone());
        request.idempotent = planned.idempotent;
        request.headers = planned.headers.clone();
        if let Some(body) = &planned.body {
            request = request.json(body.clone());
        }
        let decode = |response: &Response| {
            if response.body.iter().all(u8::is_ascii_whitespace) {
                Ok(None)
            } else {
                response.json().map(Some)
            }
        };
        self.send_decoded(request, decode)
            .await
            .map_err(|error| match error {
                ServiceError::Status(status)
                    if status.status == 409 && planned.method == Method::POST =>
                {
                    ServiceError::Status(Box::new(StatusError {
                        reason: format!("the user already exists: {}", status.reason),
                        ..*status
                    }))
                }
                other => other,
            })
    }
}

fn with_version(request: PlannedRequest, version: Option<&str>) -> PlannedRequest {
    match version {
        Some(version) => request.with_header("If-Match", version),
        None => request,
    }
}

/// `attribute eq "value"` with the value quoted as a JSON string (RFC 7644 §3.4.2.2).
pub fn eq_filter(attribute: &str, value: &str) -> String {
    format!("{attribute} eq {}", Value::String(value.to_owned()))
}

/// True for the filters Atlassian evaluates itself: `userName eq "…"` and `externalId eq "…"`.
pub fn is_server_filter(text: &str) -> bool {
    let mut words = text.trim().splitn(3, ' ');
    let (Some(attribute), Some(op), Some(value)) = (words.next(), words.next(), words.next())
    else {
        return false;
    };
    (attribute.eq_ignore_ascii_case("userName") || attribute.eq_ignore_ascii_case("externalId"))
        && op.eq_ignore_ascii_case("eq")
        && serde_json::from_str::<String>(value.trim()).is_ok()
}

/// The summary of a listed resource, or None when it lacks an id or has another shape.
pub fn summary_of(resource: Listed<wire::User>) -> Option<crate::domain::UserSummary> {
    resource.0.as_ref().map(mapping::summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_quote_their_values() {
        assert_eq!(eq_filter("userName", "a\"b@x"), r#"userName eq "a\"b@x""#);
        assert!(is_server_filter(r#"userName eq "jdoe@example.com""#));
        assert!(is_server_filter(r#"externalId EQ "00u1""#));
        assert!(!is_server_filter(r#"displayName eq "Jane""#));
        assert!(!is_server_filter(r#"userName sw "j""#));
        assert!(!is_server_filter("jane"));
    }
}
