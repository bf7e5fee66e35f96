//! The user resources of the simulated Looker API: `/users` (list, search, one, create, update,
//! delete), `/users/{id}/credentials_email`, and `/user` (the caller).
//!
//! Facts (api-facts §3.3, §3.5): `POST /users` answers 200 (not 201) with the user, 409 when the
//! email is taken; `PATCH` changes only the writable fields (`first_name`, `last_name`,
//! `is_disabled`, `locale`, `home_folder_id`), ignoring read-only and unknown ones; `email` is
//! read-only and changes through `credentials_email`; `DELETE` answers 204. Validation failures
//! are 422 naming the field.

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::error::LookerError;
use super::paging::{keeps_store_order, page_in_order, page_of, render_page};
use super::routes::{api_base, id_list, json_object, parse_id, selection};
use super::search;
use super::store::User;
use super::user_json::{CredentialsEmailJson, UserJson};
use crate::simulator::call::Call;
use crate::simulator::fields::{Selected, Selection};

fn respond_user(call: &Call, user: &User) -> Response {
    let base = api_base(call);
    axum::Json(UserJson::new(user, &base).selected(&selection(call))).into_response()
}

/// `GET /users[?ids=…]`: every user, or those with the given ids, sorted and paged.
pub async fn list_users(call: Call) -> Result<Response, LookerError> {
    let ids = id_list(&call, "ids");
    let page = {
        let store = call.state.looker();
        if ids.is_none() && keeps_store_order(&call) {
            page_in_order(store.users.values(), store.users.len(), &call)?
        } else {
            let users: Vec<&User> = store
                .users
                .values()
                .filter(|u| ids.as_ref().is_none_or(|ids| ids.contains(&u.id)))
                .collect();
            page_of(users, &call)?
        }
    };
    Ok(render_page(&call, page))
}

/// `GET /users/search?…`: users matching every condition (or any, with `filter_or=true`).
pub async fn search_users(call: Call) -> Result<Response, LookerError> {
    let conditions = search::conditions(&call.query).map_err(LookerError::bad_request)?;
    let any = call.param("filter_or") == Some("true");
    let page = {
        let store = call.state.looker();
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
        page_of(users, &call)?
    };
    Ok(render_page(&call, page))
}

/// `GET /users/{user_id}`.
pub async fn get_user(call: Call, Path(user_id): Path<String>) -> Result<Response, LookerError> {
    let id = parse_id(&user_id)?;
    let store = call.state.looker();
    Ok(respond_user(&call, store.user(id)?))
}

/// `GET /user`: the API user the simulator's credentials belong to.
pub async fn me(call: Call) -> Response {
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
    respond_user(&call, &api_user)
}

/// Applies the writable fields of a (partial) `User` body; read-only and unknown keys are ignored.
fn apply_user_fields(user: &mut User, body: &Map<String, Value>) -> Result<(), LookerError> {
    for (key, value) in body {
        let invalid = |message: String| LookerError::invalid(key, "invalid", message);
        let text = || match value {
            Value::String(s) => Ok(Some(s.clone())),
            Value::Null => Ok(None),
            _ => Err(invalid(format!("{key} must be a string"))),
        };
        match key.as_str() {
            "first_name" => user.first_name = text()?,
            "last_name" => user.last_name = text()?,
            "locale" => user.locale = text()?,
            "home_folder_id" => user.home_folder_id = text()?,
            "is_disabled" => {
                user.is_disabled = value
                    .as_bool()
                    .ok_or_else(|| invalid("is_disabled must be true or false".to_owned()))?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// `PATCH /users/{user_id}`: the updated user.
pub async fn update_user(
    call: Call,
    Path(user_id): Path<String>,
    body: Bytes,
) -> Result<Response, LookerError> {
    let id = parse_id(&user_id)?;
    let fields = json_object(&body)?;
    let mut store = call.state.looker();
    let mut user = store
        .users
        .get(&id)
        .cloned()
        .ok_or_else(LookerError::not_found)?;
    apply_user_fields(&mut user, &fields)?;
    store.users.insert(id, user.clone());
    Ok(respond_user(&call, &user))
}

/// `POST /users`: 200 with the new user.
pub async fn create_user(call: Call, body: Bytes) -> Result<Response, LookerError> {
    let fields = json_object(&body)?;
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
    apply_user_fields(&mut user, &fields)?;
    let email = fields
        .get("credentials_email")
        .and_then(|c| c.get("email"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let mut store = call.state.looker();
    if let Some(email) = &email {
        if !email.contains('@') {
            return Err(LookerError::invalid(
                "credentials_email.email",
                "invalid",
                "Email is not a valid address",
            ));
        }
        if store.email_taken(email, None) {
            return Err(LookerError::new(
                StatusCode::CONFLICT,
                "Email credential already exists for another user",
            ));
        }
    }
    user.email = email;
    let id = store.insert_user(user);
    let created = store
        .user(id)
        .map_err(|_| LookerError::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal error"))?;
    Ok(respond_user(&call, created))
}

/// `DELETE /users/{user_id}`: 204; the user's own attribute values go with it.
pub async fn delete_user(call: Call, Path(user_id): Path<String>) -> Result<Response, LookerError> {
    let id = parse_id(&user_id)?;
    let mut store = call.state.looker();
    if store.users.remove(&id).is_none() {
        return Err(LookerError::not_found());
    }
    store.user_values.retain(|(user, _), _| *user != id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Sets a user's email credential; `creating` refuses a user who already has one.
fn write_email(
    call: &Call,
    user_id: &str,
    body: &Bytes,
    creating: bool,
) -> Result<Response, LookerError> {
    let id = parse_id(user_id)?;
    let fields = json_object(body)?;
    let mut store = call.state.looker();
    let user = store.users.get(&id).ok_or_else(LookerError::not_found)?;
    if creating && user.email.is_some() {
        return Err(LookerError::new(
            StatusCode::CONFLICT,
            "Email credential already exists",
        ));
    }
    let email = fields
        .get("email")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| LookerError::invalid("email", "missing", "Email is required"))?;
    if !email.contains('@') {
        return Err(LookerError::invalid(
            "email",
            "invalid",
            "Email is not a valid address",
        ));
    }
    if store.email_taken(&email, Some(id)) {
        return Err(LookerError::invalid(
            "email",
            "already_exists",
            "Email is already in use by another user",
        ));
    }
    let stored = store
        .users
        .get_mut(&id)
        .ok_or_else(LookerError::not_found)?;
    stored.email = Some(email.clone());
    let base = api_base(call);
    let credential = CredentialsEmailJson {
        user: stored,
        email: &email,
        base: &base,
    };
    Ok(axum::Json(Selected::new(credential, &Selection::default())).into_response())
}

/// `PATCH /users/{user_id}/credentials_email`.
pub async fn update_email(
    call: Call,
    Path(user_id): Path<String>,
    body: Bytes,
) -> Result<Response, LookerError> {
    write_email(&call, &user_id, &body, false)
}

/// `POST /users/{user_id}/credentials_email`.
pub async fn create_email(
    call: Call,
    Path(user_id): Path<String>,
    body: Bytes,
) -> Result<Response, LookerError> {
    write_email(&call, &user_id, &body, true)
}
