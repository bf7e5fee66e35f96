//! Fault injection for the simulator: rate limits, server errors, dropped connections, truncated
//! bodies and latency, at given rates per request, from a seeded generator so runs repeat.
//!
//! A 429, 500 or drop is decided *before* the request reaches its handler, so a write that is
//! reported as failed was never applied; a truncated body is produced *after* the handler ran
//! (the status is 200 and the write happened), which is what a client must survive without
//! writing twice.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Largest body the injector will buffer to truncate.
const MAX_BUFFERED: usize = 256 * 1024 * 1024;

/// The rates of each fault, parsed from `429=0.2,500=0.1,drop=0.05,malformed=0.05,latency=20ms,seed=7`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultSpec {
    /// Share of requests answered 429 with `Retry-After: 1`.
    pub rate_limited: f64,
    /// Share answered 500 with the service's error body.
    pub server_error: f64,
    /// Share whose connection is closed before any response.
    pub drop: f64,
    /// Share of 200 JSON responses whose body is cut in half.
    pub malformed: f64,
    /// A fixed delay before every response.
    pub latency: Duration,
    /// The generator's seed.
    pub seed: u64,
}

impl std::str::FromStr for FaultSpec {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let mut spec = FaultSpec {
            seed: 1,
            ..FaultSpec::default()
        };
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part.split_once('=').ok_or_else(|| {
                format!(
                    "`{part}` is not KEY=VALUE (keys: 429, 500, drop, malformed, latency, seed)"
                )
            })?;
            let rate = || -> Result<f64, String> {
                let rate: f64 = value
                    .parse()
                    .map_err(|_| format!("`{key}` needs a rate between 0 and 1, not `{value}`"))?;
                if (0.0..=1.0).contains(&rate) {
                    Ok(rate)
                } else {
                    Err(format!(
                        "`{key}` needs a rate between 0 and 1, not `{value}`"
                    ))
                }
            };
            match key {
                "429" => spec.rate_limited = rate()?,
                "500" => spec.server_error = rate()?,
                "drop" => spec.drop = rate()?,
                "malformed" => spec.malformed = rate()?,
                "latency" => {
                    let millis = value.strip_suffix("ms").unwrap_or(value);
                    spec.latency = Duration::from_millis(millis.parse().map_err(|_| {
                        format!("`latency` needs milliseconds like `20ms`, not `{value}`")
                    })?);
                }
                "seed" => {
                    spec.seed = value
                        .parse()
                        .map_err(|_| format!("`seed` needs an integer, not `{value}`"))?
                }
                other => {
                    return Err(format!(
                        "unknown fault `{other}` (keys: 429, 500, drop, malformed, latency, seed)"
                    ));
                }
            }
        }
        if spec.rate_limited + spec.server_error + spec.drop > 1.0 {
            return Err("the rates of 429, 500 and drop add up to more than 1".to_owned());
        }
        Ok(spec)
    }
}

/// The injector shared by every request.
#[derive(Debug)]
pub struct FaultInjector {
    spec: FaultSpec,
    state: Mutex<u64>,
}

impl FaultInjector {
    /// An injector with its generator at the spec's seed.
    pub fn new(spec: FaultSpec) -> Self {
        let seed = spec.seed.max(1);
        Self {
            spec,
            state: Mutex::new(seed),
        }
    }

    /// The next number in [0, 1).
    fn draw(&self) -> f64 {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        (*state >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The middleware: delays, then maybe fails the request, then maybe truncates the response.
pub async fn inject(
    State(injector): State<Arc<FaultInjector>>,
    request: Request,
    next: Next,
) -> Response {
    let spec = &injector.spec;
    if !spec.latency.is_zero() {
        tokio::time::sleep(spec.latency).await;
    }
    let path = request.uri().path().to_owned();
    let roll = injector.draw();
    if roll < spec.rate_limited {
        let mut response = error_body(
            &path,
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests (simulated fault)",
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return response;
    }
    if roll < spec.rate_limited + spec.server_error {
        return error_body(
            &path,
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal server error (simulated fault)",
        );
    }
    if roll < spec.rate_limited + spec.server_error + spec.drop {
        return dropped();
    }
    let response = next.run(request).await;
    if response.status() != StatusCode::OK || injector.draw() >= spec.malformed {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    if !is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BUFFERED).await else {
        return dropped();
    };
    let truncated = bytes.slice(..bytes.len() / 2);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(truncated))
}

/// A response whose body fails at once, so the server aborts the connection.
fn dropped() -> Response {
    let failing = futures::stream::once(async {
        Err::<axum::body::Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "simulated drop",
        ))
    });
    Response::new(Body::from_stream(failing))
}

/// The error body of the service that owns `path`.
fn error_body(path: &str, status: StatusCode, message: &str) -> Response {
    let body = if path.starts_with("/crowd") {
        json!({ "reason": "OPERATION_FAILED", "message": message })
    } else if path.starts_with("/scim") {
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": status.as_u16().to_string(),
            "detail": message
        })
    } else {
        json!({ "message": message, "documentation_url": "http://127.0.0.1/roster-sim/faults" })
    };
    (status, axum::Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_parses_and_rejects_nonsense() {
        let spec: FaultSpec = "429=0.2,500=0.1,drop=0.05,malformed=0.05,latency=20ms"
            .parse()
            .expect("spec");
        assert_eq!(spec.rate_limited, 0.2);
        assert_eq!(spec.latency, Duration::from_millis(20));
        assert!("429=2".parse::<FaultSpec>().is_err());
        assert!("teapot=0.1".parse::<FaultSpec>().is_err());
        assert!("429=0.6,500=0.6".parse::<FaultSpec>().is_err());
    }

    #[test]
    fn draws_repeat_for_a_seed_and_stay_in_range() {
        let a = FaultInjector::new(FaultSpec {
            seed: 9,
            ..FaultSpec::default()
        });
        let b = FaultInjector::new(FaultSpec {
            seed: 9,
            ..FaultSpec::default()
        });
        let first: Vec<f64> = (0..100).map(|_| a.draw()).collect();
        let second: Vec<f64> = (0..100).map(|_| b.draw()).collect();
        assert_eq!(first, second);
        assert!(first.iter().all(|x| (0.0..1.0).contains(x)));
    }
}
