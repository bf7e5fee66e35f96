//! Looker's error bodies for the simulated API: [`LookerError`] is the handlers' error type and
//! renders as Looker's `Error` (`{"message", "documentation_url"}`) or, for a field that failed
//! validation, its 422 `ValidationError` (api-facts §3.6).
//!
//! The documentation URL names the status, method and path (`…/err/4.0/404/get/users/1`), as
//! Looker's do, but on a host outside Looker's CDN so that the official SDKs never try to fetch
//! it. A handler does not know the method and path it was reached by, so [`locate`] (a layer on
//! the Looker router) re-renders an error with them; without the layer the URL names only the
//! status. Nothing here decides when to refuse.

use axum::extract::{OriginalUri, Request};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::store::Refusal;

/// Where the simulator's documentation URLs point.
const DOCUMENTATION_ROOT: &str = "http://127.0.0.1/roster-sim/looker/err/4.0";

/// One field that failed validation (an item of `ValidationError.errors`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field.
    pub field: String,
    /// Looker's code (`missing`, `invalid`, `already_exists`; the vocabulary is UNCONFIRMED).
    pub code: String,
    /// What is wrong.
    pub message: String,
}

/// A refused request: its status, message and, for 422, the field at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookerError {
    status: StatusCode,
    message: String,
    field: Option<FieldError>,
}

impl LookerError {
    /// An `Error` body with this status and message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            field: None,
        }
    }

    /// 404 `Not found`, Looker's wording.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "Not found")
    }

    /// 400 with a message.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 422 `Validation Failed` naming one field.
    pub fn invalid(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: "Validation Failed".to_owned(),
            field: Some(FieldError {
                field: field.to_owned(),
                code: code.to_owned(),
                message: message.into(),
            }),
        }
    }

    /// The body for a request reached by `method` at `path`, when they are known.
    fn render(&self, located: Option<(&Method, &str)>) -> Response {
        let url = documentation_url(self.status, located);
        let body = match &self.field {
            None => json!({ "message": self.message, "documentation_url": url }),
            Some(error) => json!({
                "message": self.message,
                "errors": [{
                    "field": error.field,
                    "code": error.code,
                    "message": error.message,
                    "documentation_url": url,
                }],
                "documentation_url": url,
            }),
        };
        (self.status, axum::Json(body)).into_response()
    }
}

/// `…/err/4.0/{status}[/{method}{path below /api/4.0}]`.
fn documentation_url(status: StatusCode, located: Option<(&Method, &str)>) -> String {
    let mut url = format!("{DOCUMENTATION_ROOT}/{}", status.as_u16());
    if let Some((method, path)) = located {
        let path = path.rsplit_once("/api/4.0").map_or(path, |(_, rest)| rest);
        url.push('/');
        url.push_str(&method.as_str().to_ascii_lowercase());
        url.push_str(path);
    }
    url
}

impl From<Refusal> for LookerError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::NotFound(message) => Self::new(StatusCode::NOT_FOUND, message),
            Refusal::Forbidden(message) => Self::new(StatusCode::FORBIDDEN, message),
            Refusal::Conflict(message) => Self::new(StatusCode::CONFLICT, message),
            Refusal::Invalid {
                field,
                code,
                message,
            } => Self::invalid(&field, &code, message),
        }
    }
}

impl IntoResponse for LookerError {
    fn into_response(self) -> Response {
        let mut response = self.render(None);
        response.extensions_mut().insert(self);
        response
    }
}

/// The layer that puts the request's method and path into the documentation URL of an error.
pub async fn locate(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.extensions().get::<OriginalUri>().map_or_else(
        || request.uri().path().to_owned(),
        |o| o.0.path().to_owned(),
    );
    let mut response = next.run(request).await;
    match response.extensions_mut().remove::<LookerError>() {
        Some(error) => error.render(Some((&method, &path))),
        None => response,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documentation_urls_name_status_method_and_the_path_below_the_api() {
        for path in ["/looker/api/4.0/users/9", "/api/4.0/users/9"] {
            assert_eq!(
                documentation_url(StatusCode::NOT_FOUND, Some((&Method::GET, path))),
                "http://127.0.0.1/roster-sim/looker/err/4.0/404/get/users/9"
            );
        }
        assert_eq!(
            documentation_url(StatusCode::UNAUTHORIZED, None),
            "http://127.0.0.1/roster-sim/looker/err/4.0/401"
        );
        let unlocated = LookerError::invalid("value", "invalid", "no").into_response();
        assert_eq!(unlocated.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unlocated.extensions().get::<LookerError>().is_some());
    }
}
