//! The route table of the simulated Looker API 4.0 and the request helpers its handlers share.
//!
//! Faithful to the spec where clients can tell: form login (bad credentials give 404), both
//! `token` and `Bearer` authorisation, logout at `/api/4.0/logout` and `/api/logout`, paging
//! headers (`Link`, `X-Total-Count`) when `limit` or `per_page` is sent, `fields` selection, and
//! Looker's `Error` and `ValidationError` bodies (`error.rs`). The handlers live by resource in
//! `auth.rs`, `users.rs`, `attributes.rs` and `groups.rs`; paging in `paging.rs`.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post};
use serde_json::{Map, Value};

use super::error::{self, LookerError};
use super::{attributes, auth, groups, users};
use crate::simulator::SimState;
use crate::simulator::call::Call;
use crate::simulator::fields::Selection;

/// The `/looker` router (also merged at the root, where the official SDKs look for it).
pub fn router(state: Arc<SimState>) -> Router {
    let api = Router::new()
        .route("/users", get(users::list_users).post(users::create_user))
        .route("/users/search", get(users::search_users))
        .route(
            "/users/{user_id}",
            get(users::get_user)
                .patch(users::update_user)
                .delete(users::delete_user),
        )
        .route(
            "/users/{user_id}/credentials_email",
            patch(users::update_email).post(users::create_email),
        )
        .route(
            "/users/{user_id}/attribute_values",
            get(attributes::user_attribute_values),
        )
        .route(
            "/users/{user_id}/attribute_values/{attribute_id}",
            patch(attributes::set_user_value).delete(attributes::delete_user_value),
        )
        .route("/user", get(users::me))
        .route("/user_attributes", get(attributes::list_attributes))
        .route(
            "/user_attributes/{attribute_id}",
            get(attributes::get_attribute).patch(attributes::update_attribute),
        )
        .route(
            "/user_attributes/{attribute_id}/group_values",
            get(groups::list_group_values).post(groups::replace_group_values),
        )
        .route(
            "/groups/{group_id}/attribute_values/{attribute_id}",
            patch(groups::set_group_value).delete(groups::delete_group_value),
        )
        .route("/groups", get(groups::list_groups))
        .route("/groups/{group_id}", get(groups::get_group))
        .route("/groups/{group_id}/users", get(groups::group_users))
        .route("/logout", delete(auth::logout))
        .fallback(not_found)
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ))
        .route("/login", post(auth::login))
        .with_state(state.clone());
    Router::new()
        .nest("/api/4.0", api)
        .route(
            "/api/logout",
            delete(auth::logout).route_layer(middleware::from_fn_with_state(
                state.clone(),
                auth::require_token,
            )),
        )
        .fallback(not_found)
        .layer(middleware::from_fn(error::locate))
        .with_state(state)
}

async fn not_found() -> LookerError {
    LookerError::not_found()
}

/// `http://host/looker/api/4.0`: the base of the URLs in bodies.
pub fn api_base(call: &Call) -> String {
    format!("http://{}/looker/api/4.0", call.host())
}

/// A path id: numeric, else the resource does not exist (404, as Looker answers).
pub fn parse_id(text: &str) -> Result<u64, LookerError> {
    text.parse().map_err(|_| LookerError::not_found())
}

/// The ids of an array query parameter (`ids`, `user_attribute_ids`), when it is given.
///
/// The spec declares these `style: simple, explode: false`, so the documented form is
/// comma-joined (`7,9`); the official Python SDK sends a plain list as a JSON array (`["7","9"]`,
/// its `json.dumps` of anything that is not a `DelimSequence`), and both are accepted. Items that
/// are not numeric ids match nothing.
pub fn id_list(call: &Call, key: &str) -> Option<Vec<u64>> {
    call.param(key).map(ids_in)
}

/// The ids in `7,9` or `["7","9"]` (or `[7,9]`).
fn ids_in(text: &str) -> Vec<u64> {
    let text = text.trim();
    let from_json = text
        .starts_with('[')
        .then(|| serde_json::from_str::<Vec<Value>>(text).ok())
        .flatten();
    match from_json {
        Some(items) => items
            .iter()
            .filter_map(|item| match item {
                Value::String(s) => s.trim().parse().ok(),
                other => other.as_u64(),
            })
            .collect(),
        None => text
            .split(',')
            .filter_map(|i| i.trim().parse().ok())
            .collect(),
    }
}

/// The request body as a JSON object.
pub fn json_object(body: &Bytes) -> Result<Map<String, Value>, LookerError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(LookerError::bad_request(
            "The request body must be a JSON object",
        )),
        Err(_) => Err(LookerError::bad_request(
            "The request body is not valid JSON",
        )),
    }
}

/// The request's `fields` selection (empty: every field).
pub fn selection(call: &Call) -> Selection {
    Selection::parse(call.param("fields").unwrap_or_default())
}

/// A JSON response with the request's `fields` selection applied.
pub fn selected(call: &Call, body: Value) -> Response {
    axum::Json(selection(call).apply(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_parameters_are_comma_joined_or_json_arrays() {
        assert_eq!(ids_in("7,9"), [7, 9]);
        assert_eq!(ids_in(" 7 , x, 9"), [7, 9]);
        assert_eq!(ids_in(r#"["7","9"]"#), [7, 9]);
        assert_eq!(ids_in(r#"[7, "9", null]"#), [7, 9]);
        assert_eq!(ids_in("[]"), Vec::<u64>::new());
        assert_eq!(ids_in("[7"), Vec::<u64>::new());
    }
}
