//! The route table of the simulated Crowd REST API, under `/crowd/rest/usermanagement/{1,latest}`,
//! its application authentication, and the request helpers its handlers share.
//!
//! Authentication runs before routing, as Crowd's servlet filter does: bad application
//! credentials get a bodiless 401 with `WWW-Authenticate: Basic realm="Crowd REST Service"`,
//! while good ones reach the routes, and an unknown path then answers 404 (python-crowd's
//! `auth_ping` relies on this). Users and groups are addressed by query parameters (`username`,
//! `groupname`). Errors are [`Refusal`]s, rendered by `error.rs`. JSON responses always carry
//! `Content-Type: application/json`. The handlers live by resource in `users.rs`, `groups.rs`,
//! `memberships.rs`, `authentication.rs` and `search.rs`.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Serialize;
use serde_json::{Map, Value};

use super::store::Refusal;
use super::{authentication, error, groups, memberships, search, users};
use crate::simulator::SimState;
use crate::simulator::call::{Authorization, Call};

/// Crowd's default and our cap for `max-results`.
pub const DEFAULT_MAX_RESULTS: usize = 1000;

/// The `/crowd` router.
pub fn router(state: Arc<SimState>) -> Router {
    let api = Router::new()
        .route(
            "/user",
            get(users::get_user)
                .put(users::update_user)
                .post(users::create_user)
                .delete(users::delete_user),
        )
        .route(
            "/user/attribute",
            get(users::get_attributes)
                .post(users::store_attributes)
                .delete(users::delete_attribute),
        )
        .route("/user/password", put(users::set_password))
        .route(
            "/user/group/direct",
            get(memberships::user_direct_groups)
                .post(memberships::add_user_to_group)
                .delete(memberships::remove_user_from_group),
        )
        .route("/user/group/nested", get(memberships::user_nested_groups))
        .route(
            "/group",
            get(groups::get_group)
                .post(groups::create_group)
                .put(groups::update_group)
                .delete(groups::delete_group),
        )
        .route(
            "/group/attribute",
            get(groups::get_attributes)
                .post(groups::store_attributes)
                .delete(groups::delete_attribute),
        )
        .route(
            "/group/user/direct",
            get(memberships::group_direct_users)
                .post(memberships::add_group_user)
                .delete(memberships::remove_group_user),
        )
        .route("/group/user/nested", get(memberships::group_nested_users))
        .route(
            "/group/child-group/direct",
            get(memberships::direct_child_groups)
                .post(memberships::add_child_group)
                .delete(memberships::remove_child_group),
        )
        .route(
            "/group/child-group/nested",
            get(memberships::nested_child_groups),
        )
        .route(
            "/group/parent-group/direct",
            get(memberships::direct_parent_groups),
        )
        .route(
            "/group/parent-group/nested",
            get(memberships::nested_parent_groups),
        )
        .route("/group/membership", get(memberships::memberships))
        .route("/authentication", post(authentication::authenticate))
        .route("/config/cookie", get(authentication::cookie_config))
        .route("/search", get(search::search_get).post(search::search_post))
        .with_state(state.clone());
    Router::new()
        .nest("/rest/usermanagement/1", api.clone())
        .nest("/rest/usermanagement/latest", api)
        .fallback(not_found)
        .layer(middleware::from_fn(error::negotiate))
        .layer(middleware::from_fn_with_state(state, require_application))
}

async fn require_application(
    State(state): State<Arc<SimState>>,
    request: Request,
    next: Next,
) -> Response {
    let (name, password) = &state.credentials.crowd;
    let valid = Authorization::from_headers(request.headers())
        .and_then(|authorization| authorization.basic())
        .is_some_and(|(n, p)| &n == name && &p == password);
    if valid {
        return next.run(request).await;
    }
    let mut response = StatusCode::UNAUTHORIZED.into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"Crowd REST Service\""),
    );
    response
}

async fn not_found() -> Response {
    StatusCode::NOT_FOUND.into_response()
}

/// `http://host/crowd/rest/usermanagement/{version}`: the base of the links in bodies.
pub fn api_base(call: &Call) -> String {
    let path = call.path();
    let prefix = match path.find("/rest/usermanagement/") {
        Some(at) => {
            let version_start = at + "/rest/usermanagement/".len();
            let version_end = path[version_start..]
                .find('/')
                .map_or(path.len(), |i| version_start + i);
            &path[..version_end]
        }
        None => "/crowd/rest/usermanagement/1",
    };
    format!("http://{}{prefix}", call.host())
}

/// A query parameter that must be given and not be empty.
pub fn required<'a>(call: &'a Call, key: &str) -> Result<&'a str, Refusal> {
    call.param(key)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Refusal::illegal(format!("{key} query parameter must be given")))
}

/// A numeric query parameter, `default` when absent.
pub fn number(call: &Call, key: &str, default: usize) -> Result<usize, Refusal> {
    match call.param(key) {
        None => Ok(default),
        Some(text) => text
            .trim()
            .parse()
            .map_err(|_| Refusal::illegal(format!("{key} must be a number"))),
    }
}

/// True when `expand` names `what` (`expand=user,attributes`).
pub fn expands(call: &Call, what: &str) -> bool {
    call.param("expand")
        .is_some_and(|e| e.split(',').any(|x| x.trim() == what))
}

/// The `start-index`/`max-results` page of a list.
pub fn page<T>(items: impl IntoIterator<Item = T>, call: &Call) -> Result<Vec<T>, Refusal> {
    let start = number(call, "start-index", 0)?;
    let max = number(call, "max-results", DEFAULT_MAX_RESULTS)?;
    Ok(items.into_iter().skip(start).take(max).collect())
}

/// The request body as a JSON object.
pub fn json_object(body: &Bytes) -> Result<Map<String, Value>, Refusal> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Refusal::illegal("The request body must be a JSON object")),
    }
}

/// The `{"attributes": [{"name", "values"}]}` body of `POST /user/attribute` and
/// `POST /group/attribute` (the `attribute` spelling of some web examples is accepted too).
///
/// Values may be any JSON scalar: Crowd binds these entities with Jackson 1 (its entities import
/// `org.codehaus.jackson`), whose `String` deserializer takes the text of any scalar token, so
/// `true` and `7` are stored as `"true"` and `"7"`. A number is stored as serde_json writes it
/// (integers exactly; `1.50` as `1.5`, where Jackson would keep the literal). Null, arrays and
/// objects are refused (400 `ILLEGAL_ARGUMENT`; Crowd's answer to them is UNCONFIRMED).
pub fn attribute_lists(body: &Bytes) -> Result<Vec<(String, Vec<String>)>, Refusal> {
    let body = json_object(body)?;
    let list = body
        .get("attributes")
        .or_else(|| body.get("attribute"))
        .and_then(Value::as_array)
        .ok_or_else(|| Refusal::illegal("The body must hold an attributes list"))?;
    list.iter()
        .map(|item| {
            let name = item.get("name").and_then(Value::as_str).unwrap_or_default();
            let values = match item.get("values") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(values)) => values
                    .iter()
                    .map(scalar_text)
                    .collect::<Option<Vec<String>>>()
                    .ok_or_else(|| {
                        Refusal::illegal("Attribute values must be strings, numbers or booleans")
                    })?,
                Some(_) => return Err(Refusal::illegal("Attribute values must be a list")),
            };
            Ok((name.to_owned(), values))
        })
        .collect()
}

/// The text Jackson 1 gives a scalar token read into a `String`.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Number(number) => Some(number.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// The `name` of an entity body (`{"name": …}` names the group or user to add).
pub fn entity_name(body: &Bytes) -> Result<String, Refusal> {
    json_object(body)?
        .get("name")
        .and_then(Value::as_str)
        .filter(|name| !name.trim().is_empty())
        .map(str::to_owned)
        .ok_or_else(|| Refusal::illegal("The body must name the entity (\"name\")"))
}

/// 201 with `Location` and the created (or added) entity.
///
/// Crowd's 2.x resources answer `201` with a `Location` and no body; atlassian-crowd-client
/// rejects any answer other than 204 that is not `application/json`, so newer servers evidently
/// send the entity (api-facts §1.3 on `POST /user`); which entity a membership answers is
/// UNCONFIRMED (here: the one added).
pub fn created(location: &str, body: impl Serialize) -> Response {
    let mut response = (StatusCode::CREATED, axum::Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// A JSON response with Crowd's content type.
pub fn json(body: impl Serialize) -> Response {
    axum::Json(body).into_response()
}

/// 204 with no body.
pub fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}
