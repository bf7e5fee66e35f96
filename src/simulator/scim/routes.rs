//! HTTP routes of the simulated Atlassian SCIM API, served under `/scim`.
//!
//! Atlassian's behaviour where a client can tell: bearer auth with the directory key, filters
//! `userName eq` and `externalId eq` only (`displayName eq` on groups; anything else is 400
//! `invalidFilter`), 1-based paging with 100 per page by default and at most, error bodies with
//! `status` as a string, `application/scim+json` responses, `meta.location` from the real host.
//! Entity tags are announced and honoured (`ETag`, `meta.version`, `If-Match` → 412,
//! `If-None-Match` → 304). Discovery endpoints describe exactly what is served.

// Handlers return early with a finished error response; boxing it would only add noise.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use serde_json::{Value, json};

use super::check::Fault;
use super::json::{project, render};
use super::schema::{self, ResourceKind};
use super::store::{ScimStore, Stored};
use crate::service::scim::wire::{ERROR, LIST_RESPONSE, MEDIA_TYPE, PatchRequest};
use crate::simulator::SimState;
use crate::simulator::query_pairs;

/// The largest page, and the default one (Atlassian's documented 100).
pub const MAX_PAGE: usize = 100;

type Shared = State<Arc<SimState>>;

/// The `/scim` router.
pub fn router(state: Arc<SimState>) -> Router {
    let mut router = Router::new();
    for kind in [ResourceKind::User, ResourceKind::Group] {
        let list = move |s: Shared, h: HeaderMap, u: OriginalUri| list(kind, s, h, u);
        let create = move |s: Shared, h: HeaderMap, b: Bytes| create(kind, s, h, b);
        let read =
            move |s: Shared, h: HeaderMap, p: Path<String>, u: OriginalUri| read(kind, s, h, p, u);
        let replace =
            move |s: Shared, h: HeaderMap, p: Path<String>, b: Bytes| replace(kind, s, h, p, b);
        let patch =
            move |s: Shared, h: HeaderMap, p: Path<String>, b: Bytes| patch(kind, s, h, p, b);
        let delete = move |s: Shared, h: HeaderMap, p: Path<String>| delete(kind, s, h, p);
        router = router
            .route(
                &format!("/{}", kind.endpoint()),
                allow(get(list).post(create)),
            )
            .route(
                &format!("/{}/{{id}}", kind.endpoint()),
                allow(get(read).put(replace).patch(patch).delete(delete)),
            )
            .route(
                &format!("/{}/.search", kind.endpoint()),
                allow(post(not_implemented)),
            );
    }
    router
        .route(
            "/ServiceProviderConfig",
            allow(get(service_provider_config)),
        )
        .route("/Schemas", allow(get(schemas)))
        .route("/Schemas/{id}", allow(get(one_schema)))
        .route("/ResourceTypes", allow(get(resource_types)))
        .route("/ResourceTypes/{name}", allow(get(one_resource_type)))
        .route("/.search", allow(post(not_implemented)))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token))
        .fallback(not_found)
        .with_state(state)
}

fn allow(router: MethodRouter<Arc<SimState>>) -> MethodRouter<Arc<SimState>> {
    router.fallback(|| async {
        fault(Fault {
            status: 405,
            scim_type: None,
            detail: "method not allowed on this endpoint".to_owned(),
        })
    })
}

/// A SCIM JSON response.
fn scim_json(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, MEDIA_TYPE)],
        body.to_string(),
    )
        .into_response()
}

/// The SCIM error body, `status` as a string.
fn fault(fault: Fault) -> Response {
    let mut body =
        json!({"schemas": [ERROR], "status": fault.status.to_string(), "detail": fault.detail});
    if let Some(scim_type) = fault.scim_type {
        body["scimType"] = Value::String(scim_type.to_owned());
    }
    let status = StatusCode::from_u16(fault.status).unwrap_or(StatusCode::BAD_REQUEST);
    scim_json(status, &body)
}

async fn not_found(OriginalUri(uri): OriginalUri) -> Response {
    fault(Fault {
        status: 404,
        scim_type: None,
        detail: format!("no resource at {}", uri.path()),
    })
}

async fn not_implemented() -> Response {
    fault(Fault {
        status: 501,
        scim_type: None,
        detail: "searching with POST /.search is not supported".to_owned(),
    })
}

async fn require_token(State(state): Shared, request: Request, next: Next) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    if presented == Some(state.credentials.scim_token.as_str()) {
        return next.run(request).await;
    }
    let mut response = fault(Fault {
        status: 401,
        scim_type: None,
        detail: "the directory API key is missing or not valid".to_owned(),
    });
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

fn param<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_str())
}

/// `http://host/scim`, from the request's `Host`.
fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}/scim")
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The one filter form Atlassian evaluates: `attribute eq "value"`.
fn parse_filter(kind: ResourceKind, text: &str) -> Result<(&'static str, String), Fault> {
    let invalid = |why: &str| Fault::new(400, "invalidFilter", format!("filter `{text}`: {why}"));
    let mut words = text.trim().splitn(3, ' ');
    let (Some(attribute), Some(op), Some(value)) = (words.next(), words.next(), words.next())
    else {
        return Err(invalid("expected `attribute eq \"value\"`"));
    };
    let core_prefix = format!("{}:", kind.schema().id);
    let attribute = match attribute.get(..core_prefix.len()) {
        Some(prefix) if prefix.eq_ignore_ascii_case(&core_prefix) => {
            &attribute[core_prefix.len()..]
        }
        _ => attribute,
    };
    let allowed: &[&'static str] = match kind {
        ResourceKind::User => &["userName", "externalId"],
        ResourceKind::Group => &["displayName"],
    };
    let Some(attribute) = allowed.iter().find(|a| a.eq_ignore_ascii_case(attribute)) else {
        return Err(invalid(&format!(
            "only {} can be filtered",
            allowed.join(" and ")
        )));
    };
    if !op.eq_ignore_ascii_case("eq") {
        return Err(invalid("only the eq operator is supported"));
    }
    let value: String = serde_json::from_str(value.trim())
        .map_err(|_| invalid("the value must be one quoted string (and/or are not supported)"))?;
    Ok((attribute, value))
}

fn matches_filter(stored: &Stored, filter: &(&'static str, String)) -> bool {
    let (attribute, wanted) = filter;
    stored.text(attribute).is_some_and(|actual| {
        if *attribute == "externalId" {
            actual == wanted
        } else {
            actual.eq_ignore_ascii_case(wanted)
        }
    })
}

fn number(pairs: &[(String, String)], key: &str) -> Result<Option<i64>, Fault> {
    param(pairs, key)
        .map(|v| {
            v.trim()
                .parse::<i64>()
                .map_err(|_| Fault::value(format!("`{key}` must be an integer")))
        })
        .transpose()
}

async fn list(
    kind: ResourceKind,
    State(state): Shared,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let pairs = query_pairs(&uri);
    let result = (|| {
        let filter = param(&pairs, "filter")
            .filter(|f| !f.trim().is_empty())
            .map(|f| parse_filter(kind, f))
            .transpose()?;
        let start = number(&pairs, "startIndex")?.unwrap_or(1).max(1) as usize;
        let count = number(&pairs, "count")?
            .unwrap_or(MAX_PAGE as i64)
            .clamp(0, MAX_PAGE as i64) as usize;
        Ok::<_, Fault>((filter, start, count))
    })();
    let (filter, start, count) = match result {
        Ok(parsed) => parsed,
        Err(error) => return fault(error),
    };
    let base = base_url(&headers);
    let store = state.scim();
    let matching: Vec<&Stored> = store
        .all(kind)
        .filter(|s| filter.as_ref().is_none_or(|f| matches_filter(s, f)))
        .collect();
    let resources: Vec<Value> = matching
        .iter()
        .skip(start - 1)
        .take(count)
        .map(|stored| {
            project(
                kind,
                render(&store, kind, stored, &base),
                param(&pairs, "attributes"),
                param(&pairs, "excludedAttributes"),
            )
        })
        .collect();
    scim_json(
        StatusCode::OK,
        &json!({
            "schemas": [LIST_RESPONSE],
            "totalResults": matching.len(),
            "startIndex": start,
            "itemsPerPage": resources.len(),
            "Resources": resources,
        }),
    )
}

/// A single resource with its `ETag` (and `Location` on a create).
fn resource_response(
    status: StatusCode,
    store: &ScimStore,
    kind: ResourceKind,
    stored: &Stored,
    base: &str,
) -> Response {
    let body = render(store, kind, stored, base);
    let mut response = scim_json(status, &body);
    let headers = response.headers_mut();
    if store.etag
        && let Ok(value) = HeaderValue::from_str(&stored.etag())
    {
        headers.insert(header::ETAG, value);
    }
    if status == StatusCode::CREATED
        && let Some(Ok(location)) = body["meta"]["location"].as_str().map(HeaderValue::from_str)
    {
        headers.insert(header::LOCATION, location);
    }
    response
}

fn parse_body(body: &Bytes) -> Result<Value, Fault> {
    serde_json::from_slice(body)
        .map_err(|e| Fault::syntax(format!("the body is not valid JSON: {e}")))
}

async fn read(
    kind: ResourceKind,
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let pairs = query_pairs(&uri);
    let store = state.scim();
    let stored = match store.get(kind, &id) {
        Ok(stored) => stored,
        Err(error) => return fault(error),
    };
    if store.etag
        && header_text(&headers, header::IF_NONE_MATCH).is_some_and(|tags| {
            tags.split(',')
                .any(|t| t.trim() == stored.etag() || t.trim() == "*")
        })
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let base = base_url(&headers);
    let attributes = param(&pairs, "attributes");
    let excluded = param(&pairs, "excludedAttributes");
    if attributes.is_none() && excluded.is_none() {
        return resource_response(StatusCode::OK, &store, kind, stored, &base);
    }
    let body = project(
        kind,
        render(&store, kind, stored, &base),
        attributes,
        excluded,
    );
    scim_json(StatusCode::OK, &body)
}

async fn create(
    kind: ResourceKind,
    State(state): Shared,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let input = match parse_body(&body) {
        Ok(input) => input,
        Err(error) => return fault(error),
    };
    let mut store = state.scim();
    let id = match store.create(kind, &input) {
        Ok(stored) => stored.id.clone(),
        Err(error) => return fault(error),
    };
    match store.get(kind, &id) {
        Ok(stored) => resource_response(
            StatusCode::CREATED,
            &store,
            kind,
            stored,
            &base_url(&headers),
        ),
        Err(error) => fault(error),
    }
}

async fn replace(
    kind: ResourceKind,
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let input = match parse_body(&body) {
        Ok(input) => input,
        Err(error) => return fault(error),
    };
    let if_match = header_text(&headers, header::IF_MATCH);
    let mut store = state.scim();
    if let Err(error) = store.replace(kind, &id, &input, if_match) {
        return fault(error);
    }
    written(&store, kind, &id, &headers)
}

async fn patch(
    kind: ResourceKind,
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let request: PatchRequest = match parse_body(&body).and_then(|v| {
        serde_json::from_value(v).map_err(|e| Fault::syntax(format!("not a PatchOp body: {e}")))
    }) {
        Ok(request) => request,
        Err(error) => return fault(error),
    };
    let if_match = header_text(&headers, header::IF_MATCH);
    let mut store = state.scim();
    if let Err(error) = store.patch(kind, &id, &request, if_match) {
        return fault(error);
    }
    written(&store, kind, &id, &headers)
}

fn written(store: &ScimStore, kind: ResourceKind, id: &str, headers: &HeaderMap) -> Response {
    match store.get(kind, id) {
        Ok(stored) => resource_response(StatusCode::OK, store, kind, stored, &base_url(headers)),
        Err(error) => fault(error),
    }
}

async fn delete(
    kind: ResourceKind,
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let if_match = header_text(&headers, header::IF_MATCH);
    match state.scim().delete(kind, &id, if_match) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(error) => fault(error),
    }
}

/// RFC 7644 §4: discovery endpoints refuse filters with 403.
fn refuse_filter(uri: &axum::http::Uri) -> Option<Response> {
    param(&query_pairs(uri), "filter").map(|_| {
        fault(Fault {
            status: 403,
            scim_type: None,
            detail: "discovery endpoints do not support filtering".to_owned(),
        })
    })
}

async fn service_provider_config(
    State(state): Shared,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
) -> Response {
    if let Some(refused) = refuse_filter(&uri) {
        return refused;
    }
    let etag = state.scim().etag;
    scim_json(
        StatusCode::OK,
        &schema::service_provider_config_json(&base_url(&headers), etag),
    )
}

fn list_of(resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_RESPONSE],
        "totalResults": resources.len(),
        "startIndex": 1,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

async fn schemas(
    State(state): Shared,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
) -> Response {
    if let Some(refused) = refuse_filter(&uri) {
        return refused;
    }
    let base = base_url(&headers);
    let account_extension = state.scim().account_extension;
    let all = schema::served(account_extension)
        .map(|s| schema::schema_json(s, &base))
        .collect();
    scim_json(StatusCode::OK, &list_of(all))
}

async fn one_schema(State(state): Shared, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let account_extension = state.scim().account_extension;
    match schema::served(account_extension).find(|s| s.id.eq_ignore_ascii_case(&id)) {
        Some(found) => scim_json(
            StatusCode::OK,
            &schema::schema_json(found, &base_url(&headers)),
        ),
        None => fault(Fault {
            status: 404,
            scim_type: None,
            detail: format!("no schema {id}"),
        }),
    }
}

async fn resource_types(
    State(state): Shared,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
) -> Response {
    if let Some(refused) = refuse_filter(&uri) {
        return refused;
    }
    let base = base_url(&headers);
    let account_extension = state.scim().account_extension;
    let all = [ResourceKind::User, ResourceKind::Group]
        .into_iter()
        .map(|k| schema::resource_type_json(k, &base, account_extension))
        .collect();
    scim_json(StatusCode::OK, &list_of(all))
}

async fn one_resource_type(
    State(state): Shared,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    let account_extension = state.scim().account_extension;
    match [ResourceKind::User, ResourceKind::Group]
        .into_iter()
        .find(|k| k.name().eq_ignore_ascii_case(&name))
    {
        Some(kind) => scim_json(
            StatusCode::OK,
            &schema::resource_type_json(kind, &base_url(&headers), account_extension),
        ),
        None => fault(Fault {
            status: 404,
            scim_type: None,
            detail: format!("no resource type {name}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_atlassians_filters_are_accepted() {
        assert_eq!(
            parse_filter(ResourceKind::User, r#"userName eq "a@x""#).expect("ok"),
            ("userName", "a@x".to_owned())
        );
        assert_eq!(
            parse_filter(
                ResourceKind::User,
                r#"urn:ietf:params:scim:schemas:core:2.0:User:EXTERNALID Eq "X""#
            )
            .expect("ok")
            .0,
            "externalId"
        );
        for refused in [
            r#"displayName eq "a""#,
            r#"userName sw "a""#,
            r#"userName eq "a" and externalId eq "b""#,
            "userName eq a",
        ] {
            assert_eq!(
                parse_filter(ResourceKind::User, refused)
                    .expect_err("refused")
                    .scim_type,
                Some("invalidFilter")
            );
        }
        assert!(parse_filter(ResourceKind::Group, r#"displayName eq "Sales""#).is_ok());
    }
}
