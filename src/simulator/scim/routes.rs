//! HTTP routes of the simulated Atlassian SCIM API, served under `/scim`.
//!
//! Atlassian's behaviour where a client can tell: bearer auth with the directory key, filters
//! `userName eq` and `externalId eq` only (`displayName eq` on groups; anything else is 400
//! `invalidFilter`), 1-based paging with 100 per page by default and at most, error bodies with
//! `status` as a string, `application/scim+json` responses, `meta.location` from the real host.
//! Entity tags are announced and honoured (`ETag`, `meta.version`, `If-Match` → 412,
//! `If-None-Match` → 304). Discovery endpoints describe exactly what is served.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use serde::Serialize;
use serde_json::{Value, json};

use super::check::Fault;
use super::json::{Projection, Resource, location, render};
use super::schema::{self, ResourceKind};
use super::store::{ScimStore, Stored};
use crate::service::scim::wire::{ERROR, LIST_RESPONSE, MEDIA_TYPE, PatchRequest};
use crate::simulator::SimState;
use crate::simulator::call::{Authorization, Call};

/// The largest page, and the default one (Atlassian's documented 100).
pub const MAX_PAGE: usize = 100;

/// The `/scim` router.
pub fn router(state: Arc<SimState>) -> Router {
    let mut router = Router::new();
    for kind in [ResourceKind::User, ResourceKind::Group] {
        let list = move |c: Call| list(kind, c);
        let create = move |c: Call, b: Bytes| create(kind, c, b);
        let read = move |c: Call, p: Path<String>| read(kind, c, p);
        let replace = move |c: Call, p: Path<String>, b: Bytes| replace(kind, c, p, b);
        let patch = move |c: Call, p: Path<String>, b: Bytes| patch(kind, c, p, b);
        let delete = move |c: Call, p: Path<String>| delete(kind, c, p);
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
    router.fallback(|| async { Fault::plain(405, "method not allowed on this endpoint") })
}

/// A SCIM JSON response.
fn scim_json(status: StatusCode, body: &impl Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (status, [(header::CONTENT_TYPE, MEDIA_TYPE)], bytes).into_response(),
        Err(error) => Fault::plain(500, format!("the response could not be rendered: {error}"))
            .into_response(),
    }
}

/// The SCIM error body (RFC 7644 §3.12), `status` as a string as Atlassian sends it.
impl IntoResponse for Fault {
    fn into_response(self) -> Response {
        let mut body =
            json!({"schemas": [ERROR], "status": self.status.to_string(), "detail": self.detail});
        if let Some(scim_type) = self.scim_type {
            body["scimType"] = Value::String(scim_type.to_owned());
        }
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        scim_json(status, &body)
    }
}

async fn not_found(call: Call) -> Fault {
    Fault::plain(404, format!("no resource at {}", call.path()))
}

async fn not_implemented() -> Fault {
    Fault::plain(501, "searching with POST /.search is not supported")
}

async fn require_token(
    State(state): State<Arc<SimState>>,
    request: Request,
    next: Next,
) -> Response {
    let presented = Authorization::from_headers(request.headers());
    let token = presented
        .as_ref()
        .and_then(|authorization| authorization.credentials_for(&["bearer"]));
    if token == Some(state.credentials.scim_token.as_str()) {
        return next.run(request).await;
    }
    let mut response =
        Fault::plain(401, "the directory API key is missing or not valid").into_response();
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

/// `http://host/scim`, from the request's `Host`.
fn base_url(call: &Call) -> String {
    format!("http://{}/scim", call.host())
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

fn number(call: &Call, key: &str) -> Result<Option<i64>, Fault> {
    call.param_ignoring_case(key)
        .map(|v| {
            v.trim()
                .parse::<i64>()
                .map_err(|_| Fault::value(format!("`{key}` must be an integer")))
        })
        .transpose()
}

/// The list response: the page's resources serialised straight from the store.
#[derive(Serialize)]
struct ListBody<'a> {
    schemas: [&'static str; 1],
    #[serde(rename = "totalResults")]
    total_results: usize,
    #[serde(rename = "startIndex")]
    start_index: usize,
    #[serde(rename = "itemsPerPage")]
    items_per_page: usize,
    #[serde(rename = "Resources")]
    resources: Vec<Resource<'a>>,
}

async fn list(kind: ResourceKind, call: Call) -> Result<Response, Fault> {
    let filter = call
        .param_ignoring_case("filter")
        .filter(|f| !f.trim().is_empty())
        .map(|f| parse_filter(kind, f))
        .transpose()?;
    let start = number(&call, "startIndex")?.unwrap_or(1).max(1) as usize;
    let count = number(&call, "count")?
        .unwrap_or(MAX_PAGE as i64)
        .clamp(0, MAX_PAGE as i64) as usize;
    let projection = projection(kind, &call);
    let base = base_url(&call);
    let store = call.state.scim();
    let (total, page): (usize, Vec<&Stored>) = match &filter {
        None => (
            store.count(kind),
            store.page(kind, start - 1, count).iter().collect(),
        ),
        Some(filter) => {
            let matching: Vec<&Stored> = store
                .all(kind)
                .filter(|s| matches_filter(s, filter))
                .collect();
            let page = matching
                .iter()
                .skip(start - 1)
                .take(count)
                .copied()
                .collect();
            (matching.len(), page)
        }
    };
    let body = ListBody {
        schemas: [LIST_RESPONSE],
        total_results: total,
        start_index: start,
        items_per_page: page.len(),
        resources: page
            .into_iter()
            .map(|stored| projection.apply(render(&store, kind, stored, &base)))
            .collect(),
    };
    Ok(scim_json(StatusCode::OK, &body))
}

/// The request's `attributes` / `excludedAttributes`.
fn projection(kind: ResourceKind, call: &Call) -> Projection {
    Projection::parse(
        kind,
        call.param_ignoring_case("attributes"),
        call.param_ignoring_case("excludedAttributes"),
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
    let mut response = scim_json(status, &render(store, kind, stored, base));
    let headers = response.headers_mut();
    if store.etag
        && let Ok(value) = HeaderValue::from_str(&stored.etag())
    {
        headers.insert(header::ETAG, value);
    }
    if status == StatusCode::CREATED
        && let Ok(location) = HeaderValue::from_str(&location(kind, stored, base))
    {
        headers.insert(header::LOCATION, location);
    }
    response
}

fn parse_body(body: &Bytes) -> Result<Value, Fault> {
    serde_json::from_slice(body)
        .map_err(|e| Fault::syntax(format!("the body is not valid JSON: {e}")))
}

async fn read(kind: ResourceKind, call: Call, Path(id): Path<String>) -> Result<Response, Fault> {
    let store = call.state.scim();
    let stored = store.get(kind, &id)?;
    if store.etag
        && call.header(header::IF_NONE_MATCH).is_some_and(|tags| {
            tags.split(',')
                .any(|t| t.trim() == stored.etag() || t.trim() == "*")
        })
    {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    let base = base_url(&call);
    let projection = projection(kind, &call);
    if projection.is_whole() {
        return Ok(resource_response(
            StatusCode::OK,
            &store,
            kind,
            stored,
            &base,
        ));
    }
    let body = projection.apply(render(&store, kind, stored, &base));
    Ok(scim_json(StatusCode::OK, &body))
}

async fn create(kind: ResourceKind, call: Call, body: Bytes) -> Result<Response, Fault> {
    let input = parse_body(&body)?;
    let mut store = call.state.scim();
    let id = store.create(kind, &input)?.id.clone();
    let stored = store.get(kind, &id)?;
    Ok(resource_response(
        StatusCode::CREATED,
        &store,
        kind,
        stored,
        &base_url(&call),
    ))
}

async fn replace(
    kind: ResourceKind,
    call: Call,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, Fault> {
    let input = parse_body(&body)?;
    let if_match = call.header(header::IF_MATCH);
    let mut store = call.state.scim();
    store.replace(kind, &id, &input, if_match)?;
    written(&call, &store, kind, &id)
}

async fn patch(
    kind: ResourceKind,
    call: Call,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, Fault> {
    let request: PatchRequest = serde_json::from_value(parse_body(&body)?)
        .map_err(|e| Fault::syntax(format!("not a PatchOp body: {e}")))?;
    let if_match = call.header(header::IF_MATCH);
    let mut store = call.state.scim();
    store.patch(kind, &id, &request, if_match)?;
    written(&call, &store, kind, &id)
}

fn written(
    call: &Call,
    store: &ScimStore,
    kind: ResourceKind,
    id: &str,
) -> Result<Response, Fault> {
    let stored = store.get(kind, id)?;
    Ok(resource_response(
        StatusCode::OK,
        store,
        kind,
        stored,
        &base_url(call),
    ))
}

async fn delete(kind: ResourceKind, call: Call, Path(id): Path<String>) -> Result<Response, Fault> {
    let if_match = call.header(header::IF_MATCH);
    call.state.scim().delete(kind, &id, if_match)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// RFC 7644 §4: discovery endpoints refuse filters with 403.
fn refuse_filter(call: &Call) -> Result<(), Fault> {
    match call.param_ignoring_case("filter") {
        Some(_) => Err(Fault::plain(
            403,
            "discovery endpoints do not support filtering",
        )),
        None => Ok(()),
    }
}

async fn service_provider_config(call: Call) -> Result<Response, Fault> {
    refuse_filter(&call)?;
    let etag = call.state.scim().etag;
    Ok(scim_json(
        StatusCode::OK,
        &schema::service_provider_config_json(&base_url(&call), etag),
    ))
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

async fn schemas(call: Call) -> Result<Response, Fault> {
    refuse_filter(&call)?;
    let base = base_url(&call);
    let account_extension = call.state.scim().account_extension;
    let all = schema::served(account_extension)
        .map(|s| schema::schema_json(s, &base))
        .collect();
    Ok(scim_json(StatusCode::OK, &list_of(all)))
}

async fn one_schema(call: Call, Path(id): Path<String>) -> Result<Response, Fault> {
    let account_extension = call.state.scim().account_extension;
    let found = schema::served(account_extension)
        .find(|s| s.id.eq_ignore_ascii_case(&id))
        .ok_or_else(|| Fault::plain(404, format!("no schema {id}")))?;
    Ok(scim_json(
        StatusCode::OK,
        &schema::schema_json(found, &base_url(&call)),
    ))
}

async fn resource_types(call: Call) -> Result<Response, Fault> {
    refuse_filter(&call)?;
    let base = base_url(&call);
    let account_extension = call.state.scim().account_extension;
    let all = [ResourceKind::User, ResourceKind::Group]
        .into_iter()
        .map(|k| schema::resource_type_json(k, &base, account_extension))
        .collect();
    Ok(scim_json(StatusCode::OK, &list_of(all)))
}

async fn one_resource_type(call: Call, Path(name): Path<String>) -> Result<Response, Fault> {
    let account_extension = call.state.scim().account_extension;
    let kind = [ResourceKind::User, ResourceKind::Group]
        .into_iter()
        .find(|k| k.name().eq_ignore_ascii_case(&name))
        .ok_or_else(|| Fault::plain(404, format!("no resource type {name}")))?;
    Ok(scim_json(
        StatusCode::OK,
        &schema::resource_type_json(kind, &base_url(&call), account_extension),
    ))
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
