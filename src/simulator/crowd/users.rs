//! The user resources of the simulated Crowd API: `/user`, `/user/attribute`, `/user/password`.
//!
//! Facts (api-facts §1.3, Crowd's `UsersResource` source): `GET /user?username=` (or `key=`)
//! answers the user, its attributes listed only with `expand=attributes`; `PUT /user` needs the
//! body's `name` to equal the query's (ignoring case) and answers 204, ignoring read-only and
//! unknown fields (python-crowd echoes the whole GET body back); `POST /user` answers 201 with a
//! `Location` and the user; `DELETE /user` answers 204; `POST /user/attribute` gives each named
//! attribute exactly the values sent (scalars stored as their text) and answers 204;
//! `PUT /user/password` with `{"value"}` answers 204 and the new password authenticates at once.
//! A password is never rendered.

use axum::body::Bytes;
use axum::response::Response;
use serde_json::{Map, Value};

use super::json as render;
use super::routes::{
    api_base, attribute_lists, created, expands, json, json_object, no_content, required,
};
use super::store::{Refusal, UserFields};
use crate::simulator::call::Call;

/// The writable user fields of a body; read-only and unknown keys are ignored.
fn user_fields(body: &Map<String, Value>) -> Result<UserFields, Refusal> {
    let text = |key: &str| -> Result<Option<Option<String>>, Refusal> {
        match body.get(key) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(Value::String(s)) => Ok(Some(Some(s.clone()))),
            Some(_) => Err(Refusal::bad(
                "INVALID_USER",
                format!("{key} must be a string"),
            )),
        }
    };
    let active = match body.get("active") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Some(true),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Some(false),
        Some(_) => return Err(Refusal::bad("INVALID_USER", "active must be a boolean")),
    };
    Ok(UserFields {
        first_name: text("first-name")?,
        last_name: text("last-name")?,
        display_name: text("display-name")?,
        email: text("email")?,
        active,
    })
}

/// `GET /user?username=U[&expand=attributes]`, or `?key=K` on newer servers.
pub async fn get_user(call: Call) -> Result<Response, Refusal> {
    let by_name = call.param("username");
    let name = match by_name.or(call.param("key")) {
        Some(name) if !name.is_empty() => name,
        _ => return Err(Refusal::illegal("username query parameter must be given")),
    };
    let store = call.state.crowd();
    let user = if by_name.is_some() {
        store.user(name)?
    } else {
        store
            .users
            .values()
            .find(|u| u.key == name)
            .ok_or_else(|| Refusal::user_not_found(name))?
    };
    Ok(json(render::user(
        user,
        &api_base(&call),
        expands(&call, "attributes"),
    )))
}

/// `PUT /user?username=U`: 204.
pub async fn update_user(call: Call, body: Bytes) -> Result<Response, Refusal> {
    let name = required(&call, "username")?;
    let body = json_object(&body)?;
    let fields = user_fields(&body)?;
    let body_name = body.get("name").and_then(Value::as_str);
    // A `password` object here (python-crowd echoes `{"link": ..}`) is never a password change.
    call.state.crowd().update_user(name, body_name, fields)?;
    Ok(no_content())
}

/// `POST /user`: 201 with `Location` and the new user.
pub async fn create_user(call: Call, body: Bytes) -> Result<Response, Refusal> {
    let body = json_object(&body)?;
    let fields = user_fields(&body)?;
    let name = body.get("name").and_then(Value::as_str).unwrap_or_default();
    let password = body
        .get("password")
        .and_then(|p| p.get("value"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let base = api_base(&call);
    let mut store = call.state.crowd();
    let user = store.create_user(name, password, fields)?;
    let location = render::href(&base, "user", &[("username", &user.name)]);
    Ok(created(&location, render::user(user, &base, false)))
}

/// `DELETE /user?username=U`: 204.
pub async fn delete_user(call: Call) -> Result<Response, Refusal> {
    let name = required(&call, "username")?;
    call.state.crowd().delete_user(name)?;
    Ok(no_content())
}

/// `PUT /user/password?username=U` with `{"value": …}`: 204.
pub async fn set_password(call: Call, body: Bytes) -> Result<Response, Refusal> {
    let name = required(&call, "username")?;
    let body = json_object(&body)?;
    let value = body
        .get("value")
        .and_then(Value::as_str)
        .unwrap_or_default();
    call.state.crowd().set_password(name, value)?;
    Ok(no_content())
}

/// `GET /user/attribute?username=U`: the attribute list.
pub async fn get_attributes(call: Call) -> Result<Response, Refusal> {
    let name = required(&call, "username")?;
    let store = call.state.crowd();
    let user = store.user(name)?;
    Ok(json(render::attribute_list(user, &api_base(&call), true)))
}

/// `POST /user/attribute?username=U` with `{"attributes": [{"name", "values"}]}`: 204.
pub async fn store_attributes(call: Call, body: Bytes) -> Result<Response, Refusal> {
    let name = required(&call, "username")?;
    let attributes = attribute_lists(&body)?;
    call.state.crowd().store_attributes(name, attributes)?;
    Ok(no_content())
}

/// `DELETE /user/attribute?username=U&attributename=N`: 204.
pub async fn delete_attribute(call: Call) -> Result<Response, Refusal> {
    let name = required(&call, "username")?;
    let attribute = required(&call, "attributename")?;
    call.state.crowd().delete_attribute(name, attribute)?;
    Ok(no_content())
}
