//! User authentication and SSO cookie settings of the simulated Crowd API: `POST /authentication`
//! and `GET /config/cookie`.
//!
//! Facts: `POST /authentication?username=U` takes a `PasswordEntity` `{"value": password}`
//! (developer.atlassian.com v601 "User Authentication" page; Crowd's `AuthenticationResource`
//! source) and answers 200 with the user, or 400 with `{reason, message}`: `USER_NOT_FOUND`,
//! `INACTIVE_ACCOUNT`, `INVALID_USER_AUTHENTICATION`, `EXPIRED_CREDENTIAL` (rules in
//! `store/authentication.rs`). The user's attributes are not listed (unless `expand=attributes`):
//! atlassian-crowd-client's integration test against a real Crowd expects the authenticated user
//! with an empty attribute list, although the v601 page's example shows two. It generates no SSO
//! token (that is `/session`, not simulated). `GET /config/cookie` answers the SSO cookie settings
//! `{"domain", "name", "secure"}`; the values are those of crowd-rest-test 2.8.7's JSON sample.

use axum::body::Bytes;
use axum::response::Response;
use serde_json::{Value, json};

use super::json as render;
use super::routes::{api_base, expands, json, json_object, required};
use super::store::Refusal;
use crate::simulator::call::Call;

/// `POST /authentication?username=U` with `{"value": password}`: 200 with the user.
pub async fn authenticate(call: Call, body: Bytes) -> Result<Response, Refusal> {
    let name = required(&call, "username")?;
    let body = json_object(&body)?;
    let password = body
        .get("value")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let base = api_base(&call);
    let mut store = call.state.crowd();
    let user = store.authenticate(name, password)?;
    Ok(json(render::user(
        user,
        &base,
        expands(&call, "attributes"),
    )))
}

/// `GET /config/cookie`: the SSO cookie's domain, name and whether it is secure-only.
pub async fn cookie_config() -> Response {
    json(json!({ "domain": "", "name": "crowd.token_key", "secure": false }))
}
