//! HTTP routes of the simulated Looker API 4.0: auth, users, attributes, values and groups.
//!
//! Faithful to the spec where clients can tell: form login (bad credentials give 404), both
//! `token` and `Bearer` authorisation, logout at `/api/4.0/logout` and `/api/logout`, paging
//! headers (`Link`, `X-Total-Count`) when `limit` or `per_page` is sent, `fields` selection, and
//! Looker's `Error` and `ValidationError` bodies with a documentation URL outside Looker's CDN.

// Handlers return early with a finished error response; boxing it would only add noise.
#![allow(clippy::result_large_err)]

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post};
use serde_json::{Value, json};

use super::json as render;
use super::search;
use super::store::{Refusal, User, source};
use crate::simulator::SimState;
use crate::simulator::fields::Selection;
use crate::simulator::query_pairs;

/// Token lifetime, as Looker's default.
const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

type Shared = State<Arc<SimState>>;

/// The `/looker` router.
pub fn router(state: Arc<SimState>) -> Router {
    let api = Router::new()
        .route("/users", get(list_users).post(create_user))
        .route("/users/search", get(search_users))
        .route(
            "/users/{user_id}",
            get(get_user).patch(update_user).delete(delete_user),
        )
        .route(
            "/users/{user_id}/credentials_email",
            patch(update_email).post(create_email),
        )
        .route(
            "/users/{user_id}/attribute_values",
            get(user_attribute_values),
        )
        .route(
            "/users/{user_id}/attribute_values/{attribute_id}",
            patch(set_user_value).delete(delete_user_value),
        )
        .route("/user", get(me))
        .route("/user_attributes", get(list_attributes))
        .route("/user_attributes/{attribute_id}", get(get_attribute))
        .route(
            "/user_attributes/{attribute_id}/group_values",
            get(list_group_values).post(replace_group_values),
        )
        .route(
            "/groups/{group_id}/attribute_values/{attribute_id}",
            patch(set_group_value).delete(delete_group_value),
        )
        .route("/groups", get(list_groups))
        .route("/groups/{group_id}", get(get_group))
        .route("/groups/{group_id}/users", get(group_users))
        .route("/logout", delete(logout))
        .fallback(not_found)
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token))
        .route("/login", post(login))
        .with_state(state.clone());
    Router::new()
        .nest("/api/4.0", api)
        .route(
            "/api/logout",
            delete(logout)
                .route_layer(middleware::from_fn_with_state(state.clone(), require_token)),
        )
        .fallback(not_found)
        .with_state(state)
}

/// Looker's `Error` body with a documentation URL that is not Looker's (so SDKs stay offline).
fn error(status: StatusCode, method: &Method, path: &str, message: &str) -> Response {
    (
        status,
        axum::Json(
            json!({ "message": message, "documentation_url": doc_url(status, method, path) }),
        ),
    )
        .into_response()
}

fn doc_url(status: StatusCode, method: &Method, path: &str) -> String {
    let path = path.strip_prefix("/looker/api/4.0").unwrap_or(path);
    format!(
        "http://127.0.0.1/roster-sim/looker/err/4.0/{}/{}{path}",
        status.as_u16(),
        method.as_str().to_ascii_lowercase()
    )
}

fn refusal(refusal: Refusal, method: &Method, path: &str) -> Response {
    match refusal {
        Refusal::NotFound(message) => error(StatusCode::NOT_FOUND, method, path, &message),
        Refusal::Forbidden(message) => error(StatusCode::FORBIDDEN, method, path, &message),
        Refusal::Conflict(message) => error(StatusCode::CONFLICT, method, path, &message),
        Refusal::Invalid {
            field,
            code,
            message,
        } => validation(method, path, &field, &code, &message),
    }
}

fn validation(method: &Method, path: &str, field: &str, code: &str, message: &str) -> Response {
    let url = doc_url(StatusCode::UNPROCESSABLE_ENTITY, method, path);
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        axum::Json(json!({
            "message": "Validation Failed",
            "errors": [{"field": field, "code": code, "message": message, "documentation_url": url}],
            "documentation_url": url
        })),
    )
        .into_response()
}

async fn not_found(method: Method, OriginalUri(uri): OriginalUri) -> Response {
    error(StatusCode::NOT_FOUND, &method, uri.path(), "Not found")
}

async fn require_token(State(state): Shared, request: Request, next: Next) -> Response {
    let header_token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| {
            scheme.eq_ignore_ascii_case("token") || scheme.eq_ignore_ascii_case("bearer")
        })
        .map(|(_, token)| token.trim().to_owned());
    let query_token = request
        .uri()
        .query()
        .and_then(|q| url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "access_token"))
        .map(|(_, v)| v.into_owned());
    let valid = header_token
        .or(query_token)
        .is_some_and(|token| state.looker().token_is_valid(&token));
    if valid {
        next.run(request).await
    } else {
        let path = request.uri().path().to_owned();
        error(
            StatusCode::UNAUTHORIZED,
            request.method(),
            &path,
            "Requires authentication.",
        )
    }
}

fn param<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn api_base(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}/looker/api/4.0")
}

async fn login(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    body: Bytes,
) -> Response {
    let mut pairs = query_pairs(&uri);
    pairs.extend(url::form_urlencoded::parse(&body).into_owned());
    let (expected_id, expected_secret) = &state.credentials.looker;
    let ok = param(&pairs, "client_id") == Some(expected_id.as_str())
        && param(&pairs, "client_secret") == Some(expected_secret.as_str());
    if !ok {
        return error(StatusCode::NOT_FOUND, &method, uri.path(), "Not found");
    }
    let token = state.looker().issue_token(TOKEN_LIFETIME);
    axum::Json(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME.as_secs(),
        "refresh_token": null
    }))
    .into_response()
}

async fn logout(State(state): Shared, headers: HeaderMap) -> Response {
    if let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .map(|(_, t)| t.trim().to_owned())
    {
        state.looker().tokens.remove(&token);
    }
    StatusCode::NO_CONTENT.into_response()
}

/// Sort keys Looker accepts for users.
fn sort_users(users: &mut [&User], sorts: Option<&str>) {
    // The store keeps users in id order already.
    let Some(sorts) = sorts.filter(|s| !s.trim().is_empty() && s.trim() != "id") else {
        return;
    };
    let keys: Vec<(String, bool)> = sorts
        .split(',')
        .map(|s| {
            let mut words = s.split_whitespace();
            let field = words.next().unwrap_or_default().to_owned();
            (
                field,
                words.next().is_some_and(|w| w.eq_ignore_ascii_case("desc")),
            )
        })
        .collect();
    users.sort_by(|a, b| {
        for (field, descending) in &keys {
            let ordering = match field.as_str() {
                "id" => a.id.cmp(&b.id),
                "first_name" => a.first_name.cmp(&b.first_name),
                "last_name" => a.last_name.cmp(&b.last_name),
                "email" => a.email.cmp(&b.email),
                "display_name" => a.display_name().cmp(&b.display_name()),
                "is_disabled" => a.is_disabled.cmp(&b.is_disabled),
                _ => std::cmp::Ordering::Equal,
            };
            let ordering = if *descending {
                ordering.reverse()
            } else {
                ordering
            };
            if ordering.is_ne() {
                return ordering;
            }
        }
        std::cmp::Ordering::Equal
    });
}

/// One page of a user list, cloned out of the store so it can be rendered without the lock.
struct UserPage {
    users: Vec<User>,
    total: usize,
    limit: Option<usize>,
    offset: usize,
}

/// Sorts and pages a user list (under the store's lock; only the page is cloned).
fn page_of(
    mut users: Vec<&User>,
    pairs: &[(String, String)],
    path: &str,
    method: &Method,
) -> Result<UserPage, Response> {
    sort_users(&mut users, param(pairs, "sorts"));
    let number = |key: &str| param(pairs, key).map(|v| v.trim().parse::<usize>());
    let (limit, offset) = match (
        number("limit"),
        number("offset"),
        number("per_page"),
        number("page"),
    ) {
        (Some(Err(_)), ..)
        | (_, Some(Err(_)), ..)
        | (_, _, Some(Err(_)), _)
        | (.., Some(Err(_))) => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                method,
                path,
                "limit, offset, page and per_page must be integers",
            ));
        }
        (Some(Ok(limit)), offset, ..) => (Some(limit), offset.and_then(Result::ok).unwrap_or(0)),
        (None, offset, Some(Ok(per_page)), page) => {
            let page = page.and_then(Result::ok).unwrap_or(1).max(1);
            (
                Some(per_page),
                offset.and_then(Result::ok).unwrap_or((page - 1) * per_page),
            )
        }
        (None, offset, None, _) => (None, offset.and_then(Result::ok).unwrap_or(0)),
    };
    let total = users.len();
    let start = offset.min(total);
    let end = limit
        .map_or(total, |l| offset.saturating_add(l).min(total))
        .max(start);
    Ok(UserPage {
        users: users[start..end].iter().map(|u| (*u).clone()).collect(),
        total,
        limit,
        offset,
    })
}

/// Renders a page with `fields` selection, adding `Link` and `X-Total-Count` when paged.
fn render_page(
    page: Result<UserPage, Response>,
    pairs: &[(String, String)],
    headers: &HeaderMap,
    path: &str,
) -> Response {
    let page = match page {
        Ok(page) => page,
        Err(response) => return response,
    };
    let base = api_base(headers);
    let rendered: Vec<Value> = page.users.iter().map(|u| render::user(u, &base)).collect();
    let selection = Selection::parse(param(pairs, "fields").unwrap_or_default());
    let mut response = axum::Json(selection.apply(Value::Array(rendered))).into_response();
    if let Some(limit) = page.limit {
        let link = link_header(&base, path, pairs, limit, page.offset, page.total);
        let headers = response.headers_mut();
        if let Ok(value) = HeaderValue::from_str(&link) {
            headers.insert(header::LINK, value);
        }
        headers.insert("x-total-count", HeaderValue::from(page.total));
    }
    response
}

fn link_header(
    base: &str,
    path: &str,
    pairs: &[(String, String)],
    limit: usize,
    offset: usize,
    total: usize,
) -> String {
    let suffix = path.rsplit_once("/api/4.0").map_or(path, |(_, rest)| rest);
    let kept: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "limit" | "offset" | "page" | "per_page"))
        .cloned()
        .collect();
    let link = |offset: usize, rel: &str| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.extend_pairs(kept.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        query
            .append_pair("limit", &limit.to_string())
            .append_pair("offset", &offset.to_string());
        format!("<{base}{suffix}?{}>; rel=\"{rel}\"", query.finish())
    };
    let mut links = vec![link(0, "first")];
    if limit > 0 && offset + limit < total {
        links.push(link(offset + limit, "next"));
    }
    if offset > 0 {
        links.push(link(offset.saturating_sub(limit), "prev"));
    }
    if let Some(pages_before_last) = total.saturating_sub(1).checked_div(limit) {
        links.push(link(pages_before_last * limit, "last"));
    }
    links.join(", ")
}

async fn list_users(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let pairs = query_pairs(&uri);
    let store = state.looker();
    let ids: Option<Vec<u64>> = param(&pairs, "ids").map(|ids| {
        ids.split(',')
            .filter_map(|i| i.trim().parse().ok())
            .collect()
    });
    let users: Vec<&User> = store
        .users
        .values()
        .filter(|u| ids.as_ref().is_none_or(|ids| ids.contains(&u.id)))
        .collect();
    let page = page_of(users, &pairs, uri.path(), &method);
    drop(store);
    render_page(page, &pairs, &headers, uri.path())
}

async fn search_users(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let pairs = query_pairs(&uri);
    let conditions = match search::conditions(&pairs) {
        Ok(conditions) => conditions,
        Err(message) => return error(StatusCode::BAD_REQUEST, &method, uri.path(), &message),
    };
    let any = param(&pairs, "filter_or") == Some("true");
    let store = state.looker();
    let users: Vec<&User> = store
        .users
        .values()
        .filter(|u| {
            if conditions.is_empty() {
                true
            } else if any {
                conditions.iter().any(|c| c.matches(u))
            } else {
                conditions.iter().all(|c| c.matches(u))
            }
        })
        .collect();
    let page = page_of(users, &pairs, uri.path(), &method);
    drop(store);
    render_page(page, &pairs, &headers, uri.path())
}

fn parse_id(text: &str, method: &Method, path: &str) -> Result<u64, Response> {
    text.parse()
        .map_err(|_| error(StatusCode::NOT_FOUND, method, path, "Not found"))
}

fn respond_user(user: &User, uri: &axum::http::Uri, headers: &HeaderMap) -> Response {
    let pairs = query_pairs(uri);
    let body = render::user(user, &api_base(headers));
    axum::Json(Selection::parse(param(&pairs, "fields").unwrap_or_default()).apply(body))
        .into_response()
}

async fn get_user(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Path(user_id): Path<String>,
) -> Response {
    let id = match parse_id(&user_id, &method, uri.path()) {
        Ok(id) => id,
        Err(response) => return response,
    };
    let store = state.looker();
    match store.user(id) {
        Ok(user) => respond_user(user, &uri, &headers),
        Err(r) => refusal(r, &method, uri.path()),
    }
}

async fn me(OriginalUri(uri): OriginalUri, headers: HeaderMap) -> Response {
    let api_user = User {
        id: 0,
        first_name: Some("roster".to_owned()),
        last_name: Some("simulator".to_owned()),
        email: None,
        is_disabled: false,
        locale: Some("en".to_owned()),
        home_folder_id: None,
        group_ids: Vec::new(),
    };
    respond_user(&api_user, &uri, &headers)
}

fn parse_body(
    body: &Bytes,
    method: &Method,
    path: &str,
) -> Result<serde_json::Map<String, Value>, Response> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(error(
            StatusCode::BAD_REQUEST,
            method,
            path,
            "The request body must be a JSON object",
        )),
        Err(_) => Err(error(
            StatusCode::BAD_REQUEST,
            method,
            path,
            "The request body is not valid JSON",
        )),
    }
}

/// Applies the writable fields of a (partial) `User` body; read-only and unknown keys are ignored.
fn apply_user_fields(
    user: &mut User,
    body: &serde_json::Map<String, Value>,
) -> Result<(), (String, String)> {
    for (key, value) in body {
        let text = || match value {
            Value::String(s) => Ok(Some(s.clone())),
            Value::Null => Ok(None),
            _ => Err((key.clone(), format!("{key} must be a string"))),
        };
        match key.as_str() {
            "first_name" => user.first_name = text()?,
            "last_name" => user.last_name = text()?,
            "locale" => user.locale = text()?,
            "home_folder_id" => user.home_folder_id = text()?,
            "is_disabled" => {
                user.is_disabled = value
                    .as_bool()
                    .ok_or_else(|| (key.clone(), "is_disabled must be true or false".to_owned()))?;
            }
            _ => {}
        }
    }
    Ok(())
}

async fn update_user(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Path(user_id): Path<String>,
    body: Bytes,
) -> Response {
    let path = uri.path();
    let id = match parse_id(&user_id, &method, path) {
        Ok(id) => id,
        Err(response) => return response,
    };
    let fields = match parse_body(&body, &method, path) {
        Ok(fields) => fields,
        Err(response) => return response,
    };
    let mut store = state.looker();
    let Some(mut user) = store.users.get(&id).cloned() else {
        return error(StatusCode::NOT_FOUND, &method, path, "Not found");
    };
    if let Err((field, message)) = apply_user_fields(&mut user, &fields) {
        return validation(&method, path, &field, "invalid", &message);
    }
    store.users.insert(id, user.clone());
    respond_user(&user, &uri, &headers)
}

async fn create_user(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path();
    let fields = match parse_body(&body, &method, path) {
        Ok(fields) => fields,
        Err(response) => return response,
    };
    let mut user = User {
        id: 0,
        first_name: None,
        last_name: None,
        email: None,
        is_disabled: false,
        locale: None,
        home_folder_id: None,
        group_ids: vec![1],
    };
    if let Err((field, message)) = apply_user_fields(&mut user, &fields) {
        return validation(&method, path, &field, "invalid", &message);
    }
    let email = fields
        .get("credentials_email")
        .and_then(|c| c.get("email"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let mut store = state.looker();
    if let Some(email) = &email {
        if !email.contains('@') {
            return validation(
                &method,
                path,
                "credentials_email.email",
                "invalid",
                "Email is not a valid address",
            );
        }
        if store.email_taken(email, None) {
            return error(
                StatusCode::CONFLICT,
                &method,
                path,
                "Email credential already exists for another user",
            );
        }
    }
    user.email = email;
    let id = store.insert_user(user);
    let Ok(created) = store.user(id).cloned() else {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &method,
            path,
            "Internal error",
        );
    };
    respond_user(&created, &uri, &headers)
}

async fn delete_user(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    Path(user_id): Path<String>,
) -> Response {
    let id = match parse_id(&user_id, &method, uri.path()) {
        Ok(id) => id,
        Err(response) => return response,
    };
    let mut store = state.looker();
    if store.users.remove(&id).is_none() {
        return error(StatusCode::NOT_FOUND, &method, uri.path(), "Not found");
    }
    store.user_values.retain(|(user, _), _| *user != id);
    StatusCode::NO_CONTENT.into_response()
}

async fn write_email(
    state: &SimState,
    method: &Method,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
    user_id: &str,
    body: &Bytes,
    creating: bool,
) -> Response {
    let path = uri.path();
    let id = match parse_id(user_id, method, path) {
        Ok(id) => id,
        Err(response) => return response,
    };
    let fields = match parse_body(body, method, path) {
        Ok(fields) => fields,
        Err(response) => return response,
    };
    let mut store = state.looker();
    let Some(user) = store.users.get(&id).cloned() else {
        return error(StatusCode::NOT_FOUND, method, path, "Not found");
    };
    if creating && user.email.is_some() {
        return error(
            StatusCode::CONFLICT,
            method,
            path,
            "Email credential already exists",
        );
    }
    let Some(email) = fields
        .get("email")
        .and_then(Value::as_str)
        .map(str::to_owned)
    else {
        return validation(method, path, "email", "missing", "Email is required");
    };
    if !email.contains('@') {
        return validation(
            method,
            path,
            "email",
            "invalid",
            "Email is not a valid address",
        );
    }
    if store.email_taken(&email, Some(id)) {
        return validation(
            method,
            path,
            "email",
            "already_exists",
            "Email is already in use by another user",
        );
    }
    if let Some(stored) = store.users.get_mut(&id) {
        stored.email = Some(email.clone());
    }
    let Ok(updated) = store.user(id).cloned() else {
        return error(StatusCode::NOT_FOUND, method, path, "Not found");
    };
    axum::Json(render::credentials_email(
        &updated,
        &email,
        &api_base(headers),
    ))
    .into_response()
}

async fn update_email(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Path(user_id): Path<String>,
    body: Bytes,
) -> Response {
    write_email(&state, &method, &uri, &headers, &user_id, &body, false).await
}

async fn create_email(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Path(user_id): Path<String>,
    body: Bytes,
) -> Response {
    write_email(&state, &method, &uri, &headers, &user_id, &body, true).await
}

async fn user_attribute_values(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    Path(user_id): Path<String>,
) -> Response {
    let path = uri.path();
    let id = match parse_id(&user_id, &method, path) {
        Ok(id) => id,
        Err(response) => return response,
    };
    let pairs = query_pairs(&uri);
    let all_values = param(&pairs, "all_values") == Some("true");
    let include_unset = param(&pairs, "include_unset") == Some("true");
    let wanted: Option<Vec<u64>> = param(&pairs, "user_attribute_ids").map(|ids| {
        ids.split(',')
            .filter_map(|i| i.trim().parse().ok())
            .collect()
    });
    let store = state.looker();
    let user = match store.user(id) {
        Ok(user) => user,
        Err(r) => return refusal(r, &method, path),
    };
    let mut definitions: Vec<_> = store
        .attributes
        .values()
        .filter(|a| wanted.as_ref().is_none_or(|w| w.contains(&a.id)))
        .collect();
    definitions.sort_by(|a, b| a.name.cmp(&b.name));
    let mut out = Vec::new();
    for definition in definitions {
        let path_values = store.lookup_path(user, definition);
        if path_values.is_empty() {
            if include_unset {
                let unset = store::PathValue {
                    value: None,
                    source: source::NO_VALUE.to_owned(),
                    rank: None,
                };
                out.push(render::attribute_with_value(user, definition, &unset));
            }
            continue;
        }
        let take = if all_values { path_values.len() } else { 1 };
        out.extend(
            path_values
                .iter()
                .take(take)
                .map(|v| render::attribute_with_value(user, definition, v)),
        );
    }
    axum::Json(
        Selection::parse(param(&pairs, "fields").unwrap_or_default()).apply(Value::Array(out)),
    )
    .into_response()
}

use super::store;

fn ids_from(
    user_id: &str,
    attribute_id: &str,
    method: &Method,
    path: &str,
) -> Result<(u64, u64), Response> {
    Ok((
        parse_id(user_id, method, path)?,
        parse_id(attribute_id, method, path)?,
    ))
}

async fn set_user_value(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    Path((user_id, attribute_id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let path = uri.path();
    let (uid, aid) = match ids_from(&user_id, &attribute_id, &method, path) {
        Ok(ids) => ids,
        Err(response) => return response,
    };
    let fields = match parse_body(&body, &method, path) {
        Ok(fields) => fields,
        Err(response) => return response,
    };
    let value = match fields.get("value") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => {
            return validation(
                &method,
                path,
                "value",
                "missing",
                "value is required and must be a string",
            );
        }
    };
    let mut store = state.looker();
    if let Err(r) = store.set_user_value(uid, aid, &value) {
        return refusal(r, &method, path);
    }
    let (Ok(user), Ok(definition)) = (store.user(uid), store.attribute(aid)) else {
        return error(StatusCode::NOT_FOUND, &method, path, "Not found");
    };
    let written = store::PathValue {
        value: (!definition.value_is_hidden).then_some(value),
        source: source::USER.to_owned(),
        rank: None,
    };
    axum::Json(render::attribute_with_value(user, definition, &written)).into_response()
}

async fn delete_user_value(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    Path((user_id, attribute_id)): Path<(String, String)>,
) -> Response {
    let path = uri.path();
    let (uid, aid) = match ids_from(&user_id, &attribute_id, &method, path) {
        Ok(ids) => ids,
        Err(response) => return response,
    };
    match state.looker().delete_user_value(uid, aid) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(r) => refusal(r, &method, path),
    }
}

async fn list_attributes(State(state): Shared, OriginalUri(uri): OriginalUri) -> Response {
    let pairs = query_pairs(&uri);
    let store = state.looker();
    let mut definitions: Vec<_> = store.attributes.values().collect();
    match param(&pairs, "sorts").map(str::trim) {
        Some("name") => definitions.sort_by(|a, b| a.name.cmp(&b.name)),
        Some("label") => definitions.sort_by(|a, b| a.label.cmp(&b.label)),
        _ => {}
    }
    let body = Value::Array(definitions.into_iter().map(render::attribute).collect());
    axum::Json(Selection::parse(param(&pairs, "fields").unwrap_or_default()).apply(body))
        .into_response()
}

async fn get_attribute(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    Path(attribute_id): Path<String>,
) -> Response {
    let id = match parse_id(&attribute_id, &method, uri.path()) {
        Ok(id) => id,
        Err(response) => return response,
    };
    let pairs = query_pairs(&uri);
    match state.looker().attribute(id) {
        Ok(definition) => axum::Json(
            Selection::parse(param(&pairs, "fields").unwrap_or_default())
                .apply(render::attribute(definition)),
        )
        .into_response(),
        Err(r) => refusal(r, &method, uri.path()),
    }
}

async fn list_group_values(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    Path(attribute_id): Path<String>,
) -> Response {
    let id = match parse_id(&attribute_id, &method, uri.path()) {
        Ok(id) => id,
        Err(response) => return response,
    };
    let store = state.looker();
    let definition = match store.attribute(id) {
        Ok(definition) => definition,
        Err(r) => return refusal(r, &method, uri.path()),
    };
    let values: Vec<Value> = store
        .group_values_of(id)
        .into_iter()
        .map(|gv| render::group_value(definition, gv))
        .collect();
    axum::Json(Value::Array(values)).into_response()
}

async fn replace_group_values(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    Path(attribute_id): Path<String>,
    body: Bytes,
) -> Response {
    let path = uri.path();
    let id = match parse_id(&attribute_id, &method, path) {
        Ok(id) => id,
        Err(response) => return response,
    };
    let Ok(Value::Array(items)) = serde_json::from_slice::<Value>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            &method,
            path,
            "The request body must be a JSON array",
        );
    };
    let mut values = Vec::new();
    for item in &items {
        let group_id = item.get("group_id").and_then(|g| {
            g.as_str()
                .map(str::to_owned)
                .or_else(|| g.as_u64().map(|n| n.to_string()))
        });
        let Some(group_id) = group_id.and_then(|g| g.parse::<u64>().ok()) else {
            return validation(&method, path, "group_id", "missing", "group_id is required");
        };
        let Some(value) = item.get("value").and_then(Value::as_str) else {
            return validation(&method, path, "value", "missing", "value is required");
        };
        values.push((
            group_id,
            value.to_owned(),
            item.get("rank").and_then(Value::as_i64),
        ));
    }
    let mut store = state.looker();
    if let Err(r) = store.replace_group_values(id, values) {
        return refusal(r, &method, path);
    }
    let Ok(definition) = store.attribute(id) else {
        return error(StatusCode::NOT_FOUND, &method, path, "Not found");
    };
    let out: Vec<Value> = store
        .group_values_of(id)
        .into_iter()
        .map(|gv| render::group_value(definition, gv))
        .collect();
    axum::Json(Value::Array(out)).into_response()
}

async fn set_group_value(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    Path((group_id, attribute_id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let path = uri.path();
    let (gid, aid) = match ids_from(&group_id, &attribute_id, &method, path) {
        Ok(ids) => ids,
        Err(response) => return response,
    };
    let fields = match parse_body(&body, &method, path) {
        Ok(fields) => fields,
        Err(response) => return response,
    };
    let Some(value) = fields.get("value").and_then(Value::as_str) else {
        return validation(&method, path, "value", "missing", "value is required");
    };
    let mut store = state.looker();
    match store.set_group_value(gid, aid, value) {
        Ok(gv) => match store.attribute(aid) {
            Ok(definition) => axum::Json(render::group_value(definition, &gv)).into_response(),
            Err(r) => refusal(r, &method, path),
        },
        Err(r) => refusal(r, &method, path),
    }
}

async fn delete_group_value(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    Path((group_id, attribute_id)): Path<(String, String)>,
) -> Response {
    let path = uri.path();
    let (gid, aid) = match ids_from(&group_id, &attribute_id, &method, path) {
        Ok(ids) => ids,
        Err(response) => return response,
    };
    match state.looker().delete_group_value(gid, aid) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(r) => refusal(r, &method, path),
    }
}

async fn list_groups(State(state): Shared, OriginalUri(uri): OriginalUri) -> Response {
    let pairs = query_pairs(&uri);
    let store = state.looker();
    let groups: Vec<Value> = store
        .groups
        .iter()
        .map(|(id, name)| render::group(&store, *id, name))
        .collect();
    axum::Json(
        Selection::parse(param(&pairs, "fields").unwrap_or_default()).apply(Value::Array(groups)),
    )
    .into_response()
}

async fn get_group(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    Path(group_id): Path<String>,
) -> Response {
    let id = match parse_id(&group_id, &method, uri.path()) {
        Ok(id) => id,
        Err(response) => return response,
    };
    let store = state.looker();
    match store.groups.get(&id) {
        Some(name) => axum::Json(render::group(&store, id, name)).into_response(),
        None => error(StatusCode::NOT_FOUND, &method, uri.path(), "Not found"),
    }
}

async fn group_users(
    State(state): Shared,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Path(group_id): Path<String>,
) -> Response {
    let id = match parse_id(&group_id, &method, uri.path()) {
        Ok(id) => id,
        Err(response) => return response,
    };
    let pairs = query_pairs(&uri);
    let store = state.looker();
    if !store.groups.contains_key(&id) {
        return error(StatusCode::NOT_FOUND, &method, uri.path(), "Not found");
    }
    let users: Vec<&User> = store
        .users
        .values()
        .filter(|u| u.group_ids.contains(&id))
        .collect();
    let page = page_of(users, &pairs, uri.path(), &method);
    drop(store);
    render_page(page, &pairs, &headers, uri.path())
}
