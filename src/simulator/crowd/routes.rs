//! HTTP routes of the simulated Crowd REST API, under `/crowd/rest/usermanagement/{1,latest}`.
//!
//! Authentication runs before routing, as Crowd's servlet filter does: bad application
//! credentials get a bodiless 401 with `WWW-Authenticate: Basic realm="Crowd REST Service"`,
//! while good ones reach the routes, and an unknown path then answers 404 (python-crowd's
//! `auth_ping` relies on this). Users are addressed by the `username` query parameter. Errors are
//! Crowd's `{reason, message}` (XML when the client asks only for XML). JSON responses always
//! carry `Content-Type: application/json`.

// Handlers return early with a finished error response; boxing it would only add noise.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use base64::Engine as _;
use serde_json::{Map, Value, json};

use super::json as render;
use super::restriction::{self, Restriction};
use super::store::{Refusal, UserFields};
use super::xml;
use crate::simulator::SimState;

/// Crowd's default and our cap for `max-results`.
const DEFAULT_MAX_RESULTS: usize = 1000;

type Shared = State<Arc<SimState>>;

/// The `/crowd` router.
pub fn router(state: Arc<SimState>) -> Router {
    let api = Router::new()
        .route(
            "/user",
            get(get_user)
                .put(update_user)
                .post(create_user)
                .delete(delete_user),
        )
        .route(
            "/user/attribute",
            get(get_attributes)
                .post(store_attributes)
                .delete(delete_attribute),
        )
        .route("/user/password", put(set_password))
        .route("/user/group/direct", get(user_groups))
        .route("/user/group/nested", get(user_groups))
        .route("/group/user/direct", get(group_users))
        .route("/group/user/nested", get(group_users))
        .route("/group/membership", get(memberships))
        .route("/search", get(search_get).post(search_post))
        .with_state(state.clone());
    Router::new()
        .nest("/rest/usermanagement/1", api.clone())
        .nest("/rest/usermanagement/latest", api)
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state, require_application))
}

/// What every handler needs from the request: query pairs, the API base for links, and whether
/// the client wants XML errors.
struct Call {
    pairs: Vec<(String, String)>,
    base: String,
    xml: bool,
}

impl Call {
    fn new(uri: &axum::http::Uri, headers: &HeaderMap) -> Self {
        let pairs = uri
            .query()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default();
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1");
        let path = uri.path();
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
        let accept = headers
            .get(header::ACCEPT)
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default();
        Self {
            pairs,
            base: format!("http://{host}{prefix}"),
            xml: accept.contains("xml") && !accept.contains("json"),
        }
    }

    fn param(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn required(&self, key: &str) -> Result<&str, Response> {
        self.param(key).filter(|v| !v.is_empty()).ok_or_else(|| {
            self.refuse(Refusal::illegal(format!(
                "{key} query parameter must be given"
            )))
        })
    }

    fn number(&self, key: &str, default: usize) -> Result<usize, Response> {
        match self.param(key) {
            None => Ok(default),
            Some(text) => text
                .trim()
                .parse()
                .map_err(|_| self.refuse(Refusal::illegal(format!("{key} must be a number")))),
        }
    }

    fn refuse(&self, refusal: Refusal) -> Response {
        let status =
            StatusCode::from_u16(refusal.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if self.xml {
            (
                status,
                [(header::CONTENT_TYPE, "application/xml")],
                render::error_xml(refusal.reason, &refusal.message),
            )
                .into_response()
        } else {
            (
                status,
                axum::Json(render::error(refusal.reason, &refusal.message)),
            )
                .into_response()
        }
    }
}

fn call(uri: &OriginalUri, headers: &HeaderMap) -> Call {
    Call::new(&uri.0, headers)
}

async fn require_application(State(state): Shared, request: Request, next: Next) -> Response {
    let (name, password) = &state.credentials.crowd;
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .and_then(|(_, encoded)| {
            base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .ok()
        })
        .and_then(|decoded| String::from_utf8(decoded).ok());
    let valid = presented
        .as_deref()
        .and_then(|pair| pair.split_once(':'))
        .is_some_and(|(n, p)| n == name && p == password);
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

fn json_object(body: &Bytes, c: &Call) -> Result<Map<String, Value>, Response> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(c.refuse(Refusal::illegal("The request body must be a JSON object"))),
    }
}

/// The writable user fields of a body; read-only and unknown keys are ignored.
fn user_fields(body: &Map<String, Value>, c: &Call) -> Result<UserFields, Response> {
    let text = |key: &str| -> Result<Option<Option<String>>, Response> {
        match body.get(key) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(Value::String(s)) => Ok(Some(Some(s.clone()))),
            Some(_) => Err(c.refuse(Refusal::bad(
                "INVALID_USER",
                format!("{key} must be a string"),
            ))),
        }
    };
    let active = match body.get("active") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Some(true),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Some(false),
        Some(_) => {
            return Err(c.refuse(Refusal::bad("INVALID_USER", "active must be a boolean")));
        }
    };
    Ok(UserFields {
        first_name: text("first-name")?,
        last_name: text("last-name")?,
        display_name: text("display-name")?,
        email: text("email")?,
        active,
    })
}

async fn get_user(State(state): Shared, uri: OriginalUri, headers: HeaderMap) -> Response {
    let c = call(&uri, &headers);
    let name = match c.param("username").or(c.param("key")) {
        Some(name) if !name.is_empty() => name.to_owned(),
        _ => return c.refuse(Refusal::illegal("username query parameter must be given")),
    };
    let store = state.crowd();
    let found = if c.param("username").is_some() {
        store.user(&name)
    } else {
        store
            .users
            .values()
            .find(|u| u.key == name)
            .ok_or_else(|| Refusal::user_not_found(&name))
    };
    let expand = c
        .param("expand")
        .is_some_and(|e| e.split(',').any(|x| x.trim() == "attributes"));
    match found {
        Ok(user) => axum::Json(render::user(user, &c.base, expand)).into_response(),
        Err(refusal) => c.refuse(refusal),
    }
}

async fn update_user(
    State(state): Shared,
    uri: OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let c = call(&uri, &headers);
    let result = (|| {
        let name = c.required("username")?;
        let body = json_object(&body, &c)?;
        let fields = user_fields(&body, &c)?;
        let body_name = body.get("name").and_then(Value::as_str);
        // A `password` object here (python-crowd echoes `{"link": ..}`) is never a password change.
        state
            .crowd()
            .update_user(name, body_name, fields)
            .map_err(|r| c.refuse(r))
    })();
    result.map_or_else(|r| r, |()| StatusCode::NO_CONTENT.into_response())
}

async fn create_user(
    State(state): Shared,
    uri: OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let c = call(&uri, &headers);
    let result = (|| {
        let body = json_object(&body, &c)?;
        let fields = user_fields(&body, &c)?;
        let name = body.get("name").and_then(Value::as_str).unwrap_or_default();
        let password = body
            .get("password")
            .and_then(|p| p.get("value"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        let mut store = state.crowd();
        let user = store
            .create_user(name, password, fields)
            .map_err(|r| c.refuse(r))?;
        let location = render::href(&c.base, "user", &[("username", &user.name)]);
        let mut response = (
            StatusCode::CREATED,
            axum::Json(render::user(user, &c.base, false)),
        )
            .into_response();
        if let Ok(value) = HeaderValue::from_str(&location) {
            response.headers_mut().insert(header::LOCATION, value);
        }
        Ok(response)
    })();
    result.unwrap_or_else(|r| r)
}

async fn delete_user(State(state): Shared, uri: OriginalUri, headers: HeaderMap) -> Response {
    let c = call(&uri, &headers);
    let result = c
        .required("username")
        .and_then(|name| state.crowd().delete_user(name).map_err(|r| c.refuse(r)));
    result.map_or_else(|r| r, |()| StatusCode::NO_CONTENT.into_response())
}

async fn set_password(
    State(state): Shared,
    uri: OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let c = call(&uri, &headers);
    let result = (|| {
        let name = c.required("username")?;
        let body = json_object(&body, &c)?;
        let value = body
            .get("value")
            .and_then(Value::as_str)
            .unwrap_or_default();
        state
            .crowd()
            .set_password(name, value)
            .map_err(|r| c.refuse(r))
    })();
    result.map_or_else(|r| r, |()| StatusCode::NO_CONTENT.into_response())
}

async fn get_attributes(State(state): Shared, uri: OriginalUri, headers: HeaderMap) -> Response {
    let c = call(&uri, &headers);
    let result = (|| {
        let name = c.required("username")?;
        let store = state.crowd();
        let user = store.user(name).map_err(|r| c.refuse(r))?;
        Ok(axum::Json(render::attribute_list(user, &c.base, true)).into_response())
    })();
    result.unwrap_or_else(|r| r)
}

async fn store_attributes(
    State(state): Shared,
    uri: OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let c = call(&uri, &headers);
    let result = (|| {
        let name = c.required("username")?;
        let body = json_object(&body, &c)?;
        let list = body
            .get("attributes")
            .or_else(|| body.get("attribute"))
            .and_then(Value::as_array)
            .ok_or_else(|| c.refuse(Refusal::illegal("The body must hold an attributes list")))?;
        let mut attributes = Vec::with_capacity(list.len());
        for item in list {
            let attribute_name = item.get("name").and_then(Value::as_str).unwrap_or_default();
            let values = item
                .get("values")
                .and_then(Value::as_array)
                .map(|values| {
                    values
                        .iter()
                        .map(|v| v.as_str().map(str::to_owned))
                        .collect::<Option<Vec<String>>>()
                })
                .unwrap_or(Some(Vec::new()))
                .ok_or_else(|| c.refuse(Refusal::illegal("Attribute values must be strings")))?;
            attributes.push((attribute_name.to_owned(), values));
        }
        state
            .crowd()
            .store_attributes(name, attributes)
            .map_err(|r| c.refuse(r))
    })();
    result.map_or_else(|r| r, |()| StatusCode::NO_CONTENT.into_response())
}

async fn delete_attribute(State(state): Shared, uri: OriginalUri, headers: HeaderMap) -> Response {
    let c = call(&uri, &headers);
    let result = (|| {
        let name = c.required("username")?;
        let attribute = c.required("attributename")?;
        state
            .crowd()
            .delete_attribute(name, attribute)
            .map_err(|r| c.refuse(r))
    })();
    result.map_or_else(|r| r, |()| StatusCode::NO_CONTENT.into_response())
}

fn page<T>(items: Vec<T>, c: &Call) -> Result<Vec<T>, Response> {
    let start = c.number("start-index", 0)?;
    let max = c.number("max-results", DEFAULT_MAX_RESULTS)?;
    Ok(items.into_iter().skip(start).take(max).collect())
}

async fn user_groups(State(state): Shared, uri: OriginalUri, headers: HeaderMap) -> Response {
    let c = call(&uri, &headers);
    let result = (|| {
        let name = c.required("username")?;
        let store = state.crowd();
        let user = store.user(name).map_err(|r| c.refuse(r))?;
        let groups: Vec<Value> = user
            .groups
            .iter()
            .map(|g| render::group_ref(g, &c.base))
            .collect();
        Ok(axum::Json(json!({ "groups": page(groups, &c)? })).into_response())
    })();
    result.unwrap_or_else(|r| r)
}

async fn group_users(State(state): Shared, uri: OriginalUri, headers: HeaderMap) -> Response {
    let c = call(&uri, &headers);
    let result = (|| {
        let group = c.required("groupname")?;
        let store = state.crowd();
        let members = store.group_members(group).map_err(|r| c.refuse(r))?;
        let users: Vec<Value> = members
            .iter()
            .map(|u| render::user_ref(u, &c.base))
            .collect();
        Ok(axum::Json(json!({ "expand": "user", "users": page(users, &c)? })).into_response())
    })();
    result.unwrap_or_else(|r| r)
}

async fn memberships(State(state): Shared) -> Response {
    let body = render::memberships_xml(&state.crowd());
    ([(header::CONTENT_TYPE, "application/xml")], body).into_response()
}

/// Runs a search over users or groups and renders Crowd's result.
fn search(state: &SimState, c: &Call, restriction: &Restriction) -> Result<Response, Response> {
    let start = c.number("start-index", 0)?;
    let max = c.number("max-results", DEFAULT_MAX_RESULTS)?;
    let expand = c.param("expand").unwrap_or_default();
    let store = state.crowd();
    match c.required("entity-type")? {
        "user" => {
            let full = expand.split(',').any(|e| e.trim() == "user");
            let with_attributes = expand.split(',').any(|e| e.trim() == "attributes");
            let users: Vec<Value> = store
                .search_users(restriction, start, max)
                .into_iter()
                .map(|u| {
                    if full {
                        render::user(u, &c.base, with_attributes)
                    } else {
                        render::user_ref(u, &c.base)
                    }
                })
                .collect();
            Ok(axum::Json(json!({ "expand": "user", "users": users })).into_response())
        }
        "group" => {
            let groups: Vec<Value> = store
                .group_names()
                .into_iter()
                .filter(|g| {
                    restriction.matches(&|property| match property {
                        "name" => vec![(*g).to_owned()],
                        _ => Vec::new(),
                    })
                })
                .skip(start)
                .take(max)
                .map(|g| render::group_ref(g, &c.base))
                .collect();
            Ok(axum::Json(json!({ "expand": "group", "groups": groups })).into_response())
        }
        other => Err(c.refuse(Refusal::illegal(format!(
            "entity-type must be user or group, not {other}"
        )))),
    }
}

async fn search_get(State(state): Shared, uri: OriginalUri, headers: HeaderMap) -> Response {
    let c = call(&uri, &headers);
    let restriction = match restriction::parse_cql(c.param("restriction").unwrap_or_default()) {
        Ok(r) => r,
        Err(why) => return c.refuse(Refusal::illegal(format!("Invalid restriction: {why}"))),
    };
    search(&state, &c, &restriction).unwrap_or_else(|r| r)
}

async fn search_post(
    State(state): Shared,
    uri: OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let c = call(&uri, &headers);
    let is_xml = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("xml"));
    let parsed = if body.iter().all(u8::is_ascii_whitespace) {
        Ok(Restriction::All)
    } else if is_xml {
        std::str::from_utf8(&body)
            .map_err(|_| "the body is not UTF-8".to_owned())
            .and_then(xml::parse)
            .and_then(|root| restriction::parse_xml(&root))
    } else {
        serde_json::from_slice::<Value>(&body)
            .map_err(|e| format!("the body is not JSON: {e}"))
            .and_then(|value| restriction::parse_json(&value))
    };
    match parsed {
        Ok(restriction) => search(&state, &c, &restriction).unwrap_or_else(|r| r),
        Err(why) => c.refuse(Refusal::illegal(format!("Invalid restriction: {why}"))),
    }
}
