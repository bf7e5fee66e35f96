//! Authentication of the simulated Looker API: `POST /login`, `DELETE /logout`, and the layer that
//! lets only requests with a valid token reach the other routes.
//!
//! Facts (api-facts §3.1): login takes `client_id` and `client_secret` form-encoded (or, being
//! deprecated, as query parameters) and answers an `AccessToken` that lasts 3600 s; bad
//! credentials give 404; tokens are presented as `Authorization: token …` (the docs) or
//! `Bearer …` (every official SDK); a missing or expired token gives 401
//! (`Requires authentication.`, UNCONFIRMED wording). Logout answers 204.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::error::LookerError;
use crate::simulator::SimState;
use crate::simulator::call::{Authorization, Call};

/// Token lifetime, as Looker's default.
const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// The schemes Looker accepts a token under.
const TOKEN_SCHEMES: [&str; 2] = ["token", "bearer"];

/// `POST /login` with `client_id` and `client_secret`: an `AccessToken`.
pub async fn login(mut call: Call, body: Bytes) -> Result<Response, LookerError> {
    call.query
        .extend(url::form_urlencoded::parse(&body).into_owned());
    let (expected_id, expected_secret) = &call.state.credentials.looker;
    let ok = call.param("client_id") == Some(expected_id.as_str())
        && call.param("client_secret") == Some(expected_secret.as_str());
    if !ok {
        return Err(LookerError::not_found());
    }
    let token = call.state.looker().issue_token(TOKEN_LIFETIME);
    Ok(axum::Json(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME.as_secs(),
        "refresh_token": null
    }))
    .into_response())
}

/// `DELETE /logout`: the presented token stops working; 204.
pub async fn logout(call: Call) -> StatusCode {
    if let Some(authorization) = &call.authorization {
        call.state
            .looker()
            .tokens
            .remove(&authorization.credentials);
    }
    StatusCode::NO_CONTENT
}

/// The layer in front of every route but login: a valid token, or 401.
pub async fn require_token(
    State(state): State<Arc<SimState>>,
    request: Request,
    next: Next,
) -> Response {
    let header_token = Authorization::from_headers(request.headers()).and_then(|authorization| {
        authorization
            .credentials_for(&TOKEN_SCHEMES)
            .map(str::to_owned)
    });
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
        LookerError::new(StatusCode::UNAUTHORIZED, "Requires authentication.").into_response()
    }
}
