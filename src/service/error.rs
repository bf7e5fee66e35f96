//! `ServiceError`: every way a call to a service can fail, with the service's own reason.
//!
//! The error body of each service is decoded here (Looker `{message, errors[]}`, Crowd
//! `{reason, message}`, SCIM `{status, scimType, detail}` and Atlassian's `{error, traceId}`), and
//! every text taken from a response is sanitised and shortened. No variant ever holds a secret: the
//! HTTP layer builds these from status, headers and body only, never from request headers.

#![deny(clippy::arithmetic_side_effects)]

use std::time::Duration;

use crate::text::{sanitize, truncate_for_display};

/// The longest service reason kept in an error, in characters.
const MAX_REASON_CHARS: usize = 500;

/// A failed call to a service.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ServiceError {
    /// The service could not be reached, or the connection broke.
    #[error("cannot reach {url}: {message}")]
    Transport {
        /// The URL without its query.
        url: String,
        /// What the transport said.
        message: String,
    },
    /// The service answered with an error status.
    #[error("{0}")]
    Status(Box<StatusError>),
    /// The credentials were refused.
    #[error("authentication failed ({status}): {reason}")]
    Auth {
        /// 401 or 403 (or the login endpoint's status).
        status: u16,
        /// The service's reason, or a description when it gave none.
        reason: String,
    },
    /// The service asked us to slow down and retries did not help.
    #[error("rate limited by the service{}: {reason}", retry_hint(*retry_after))]
    RateLimited {
        /// How long the service asked us to wait.
        retry_after: Option<Duration>,
        /// The service's reason.
        reason: String,
    },
    /// A response could not be decoded.
    #[error("unexpected response from {url}: {message}")]
    Decode {
        /// The URL without its query.
        url: String,
        /// What was wrong.
        message: String,
    },
    /// The user or resource asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The request was refused before sending: bad input, locked field, wrong type.
    #[error("{0}")]
    Invalid(String),
    /// The service cannot do this kind of edit.
    #[error("{0}")]
    Unsupported(String),
    /// A write was refused because the connection or the whole run is read-only.
    #[error("refused {method} {path}: connection `{connection}` is read-only")]
    ReadOnly {
        /// The connection name.
        connection: String,
        /// The HTTP method of the refused write.
        method: String,
        /// The path of the refused write.
        path: String,
    },
    /// The record changed between reading it and writing it.
    #[error("the record changed since it was read: {0}")]
    Conflict(String),
    /// A listing was stopped because the service's paging cannot be trusted: it repeats pages,
    /// ignores the position asked for, or lists far more than it announced.
    #[error("`{connection}`: the listing was stopped: {reason}")]
    Paging {
        /// The connection name.
        connection: String,
        /// What the service did.
        reason: String,
    },
}

fn retry_hint(retry_after: Option<Duration>) -> String {
    retry_after.map_or_else(String::new, |d| format!(" (retry after {} s)", d.as_secs()))
}

/// An error status with the service's decoded reason.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusError {
    /// The HTTP status.
    pub status: u16,
    /// The service's message, sanitised.
    pub reason: String,
    /// A machine code where the service gives one (Crowd `reason`, SCIM `scimType`).
    pub code: Option<String>,
    /// Field-level errors (Looker 422 `errors[]`, SCIM attribute named in the detail).
    pub field_errors: Vec<FieldError>,
    /// The service's `Retry-After`, when it sent one.
    pub retry_after: Option<Duration>,
}

impl std::fmt::Display for StatusError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the service answered {}", self.status)?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        write!(f, ": {}", self.reason)?;
        for field in &self.field_errors {
            write!(f, "; {}: {}", field.field, field.message)?;
        }
        Ok(())
    }
}

/// One field named by a validation error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field as the service names it.
    pub field: String,
    /// The service's message for it.
    pub message: String,
    /// The service's code (`missing`, `invalid`, ...).
    pub code: Option<String>,
}

impl ServiceError {
    /// The HTTP status, when the service answered with one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status(e) => Some(e.status),
            Self::Auth { status, .. } => Some(*status),
            Self::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// Builds the error for an error response from its status, `Retry-After` and body.
    pub fn from_response(status: u16, retry_after: Option<Duration>, body: &[u8]) -> Self {
        let decoded = decode_error_body(body);
        let reason = decoded
            .reason
            .unwrap_or_else(|| default_reason(status).to_owned());
        match status {
            401 | 403 => Self::Auth { status, reason },
            429 => Self::RateLimited {
                retry_after,
                reason,
            },
            _ => Self::Status(Box::new(StatusError {
                status,
                reason,
                code: decoded.code,
                field_errors: decoded.field_errors,
                retry_after,
            })),
        }
    }
}

fn default_reason(status: u16) -> &'static str {
    match status {
        400 => "bad request",
        401 => "the credentials were refused (no reason given)",
        403 => "forbidden (no reason given)",
        404 => "not found",
        409 => "conflict",
        422 => "validation failed",
        429 => "too many requests",
        500..=599 => "the service failed (no reason given)",
        _ => "the service refused the request (no reason given)",
    }
}

#[derive(Debug, Default)]
struct DecodedBody {
    reason: Option<String>,
    code: Option<String>,
    field_errors: Vec<FieldError>,
}

/// Reads whichever of the services' error shapes the body has; anything else yields no reason.
fn decode_error_body(body: &[u8]) -> DecodedBody {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(body)
    else {
        return decode_xml_error(body);
    };
    let text = |key: &str| map.get(key).and_then(|v| v.as_str()).map(clean);
    let mut decoded = DecodedBody::default();
    if let Some(detail) = text("detail") {
        // SCIM error schema: status (a string), scimType, detail.
        decoded.reason = Some(detail);
        decoded.code = text("scimType");
    } else if let Some(error) = text("error") {
        // Atlassian's Failure shape.
        decoded.reason = Some(match text("traceId") {
            Some(trace) => format!("{error} (trace {trace})"),
            None => error,
        });
    } else {
        // Looker {message, errors[]} and Crowd {reason, message}.
        decoded.reason = text("message");
        decoded.code = text("reason");
        if decoded.reason.is_none() {
            decoded.reason = decoded.code.clone();
        }
    }
    if let Some(errors) = map.get("errors").and_then(|v| v.as_array()) {
        decoded.field_errors = errors
            .iter()
            .filter_map(|e| {
                Some(FieldError {
                    field: clean(e.get("field")?.as_str()?),
                    message: e
                        .get("message")
                        .and_then(|m| m.as_str())
                        .map_or_else(|| "invalid".to_owned(), clean),
                    code: e.get("code").and_then(|c| c.as_str()).map(clean),
                })
            })
            .collect();
    }
    decoded
}

/// Crowd may answer in XML: `<error><reason>..</reason><message>..</message></error>`.
fn decode_xml_error(body: &[u8]) -> DecodedBody {
    let Ok(text) = std::str::from_utf8(body) else {
        return DecodedBody::default();
    };
    let element = |name: &str| {
        let (_, rest) = text.split_once(&format!("<{name}>"))?;
        let (inner, _) = rest.split_once(&format!("</{name}>"))?;
        Some(clean(inner))
    };
    DecodedBody {
        reason: element("message"),
        code: element("reason"),
        field_errors: Vec::new(),
    }
}

fn clean(text: &str) -> String {
    truncate_for_display(&sanitize(text), MAX_REASON_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_error(error: ServiceError) -> StatusError {
        match error {
            ServiceError::Status(e) => *e,
            other => panic!("expected a status error, got {other:?}"),
        }
    }

    #[test]
    fn looker_validation_errors_keep_their_fields() {
        let body = br#"{"message":"Validation Failed","errors":[{"field":"value","code":"invalid","message":"must be a number","documentation_url":"x"}],"documentation_url":"x"}"#;
        let error = status_error(ServiceError::from_response(422, None, body));
        assert_eq!(error.reason, "Validation Failed");
        assert_eq!(error.field_errors[0].field, "value");
        assert_eq!(error.field_errors[0].code.as_deref(), Some("invalid"));
    }

    #[test]
    fn crowd_scim_and_failure_shapes_are_read() {
        let crowd = status_error(ServiceError::from_response(
            404,
            None,
            br#"{"reason":"USER_NOT_FOUND","message":"User <jdoe> does not exist"}"#,
        ));
        assert_eq!(
            (crowd.code.as_deref(), crowd.reason.as_str()),
            (Some("USER_NOT_FOUND"), "User <jdoe> does not exist")
        );
        let scim = status_error(ServiceError::from_response(
            409,
            None,
            br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","scimType":"uniqueness","detail":"exists"}"#,
        ));
        assert_eq!(
            (scim.code.as_deref(), scim.reason.as_str()),
            (Some("uniqueness"), "exists")
        );
        let failure = status_error(ServiceError::from_response(
            500,
            None,
            br#"{"error":"boom","traceId":"t1"}"#,
        ));
        assert_eq!(failure.reason, "boom (trace t1)");
        let xml = status_error(ServiceError::from_response(
            400,
            None,
            b"<error><reason>INVALID_USER</reason><message>bad</message></error>",
        ));
        assert_eq!(xml.code.as_deref(), Some("INVALID_USER"));
    }

    #[test]
    fn statuses_without_a_body_still_explain_themselves() {
        let error = ServiceError::from_response(401, None, b"");
        assert_eq!(
            error.to_string(),
            "authentication failed (401): the credentials were refused (no reason given)"
        );
        let limited = ServiceError::from_response(429, Some(Duration::from_secs(3)), b"<html>");
        assert_eq!(
            limited.to_string(),
            "rate limited by the service (retry after 3 s): too many requests"
        );
    }

    #[test]
    fn server_text_is_sanitised() {
        let error = status_error(ServiceError::from_response(
            500,
            None,
            br#"{"message":"bad\u001b[2Jthing"}"#,
        ));
        assert_eq!(error.reason, "badthing");
    }
}
