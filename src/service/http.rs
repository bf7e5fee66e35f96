//! The one HTTP client every service uses: timeouts, read-only refusal, retries and decoding.
//!
//! A [`Request`] says whether it writes; a write on a read-only connection is refused here, before
//! any byte leaves the process. Idempotent requests are retried on 429 (honouring `Retry-After`,
//! capped), 5xx, transport failures and undecodable bodies, with exponential backoff and jitter;
//! a POST is never retried. Only method, path, status and timing are logged: never headers,
//! bodies or query strings, so neither secrets nor hidden values can reach a log.

use std::time::{Duration, Instant};

use reqwest::Method;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use url::Url;

use super::error::ServiceError;
use crate::secret::Secret;

/// The largest response body accepted, so that a hostile server cannot exhaust memory.
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// The transport message for a connection that could not be made; such failures are retried
/// only [`CONNECT_ATTEMPTS`] times, since a service that refuses connections rarely comes back
/// within a backoff.
const CONNECT_FAILED: &str = "the connection was refused or could not be made";
/// Attempts for a request whose connection could not be made.
const CONNECT_ATTEMPTS: u32 = 3;

/// How long to wait for a connection, and for a whole request.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// How retries behave; tests shorten the waits.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// The first backoff; doubles with every retry.
    pub base_delay: Duration,
    /// The longest wait, for backoff and for `Retry-After` alike.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(30),
        }
    }
}

/// A request body.
#[derive(Debug, Clone)]
pub enum Body {
    /// `application/json`.
    Json(serde_json::Value),
    /// `application/x-www-form-urlencoded`; values may be secrets.
    Form(Vec<(&'static str, FormValue)>),
    /// Raw text with its content type (Crowd's XML search).
    Text(&'static str, String),
}

/// A form value that may hold a secret.
#[derive(Debug, Clone)]
pub enum FormValue {
    /// A value that may be logged.
    Plain(String),
    /// A value that is exposed only while the body is encoded.
    Secret(Secret),
}

/// One request to send.
#[derive(Debug, Clone)]
pub struct Request {
    /// The HTTP method.
    pub method: Method,
    /// The full URL, ids already percent-encoded by [`Url`].
    pub url: Url,
    /// The body, if any.
    pub body: Option<Body>,
    /// The full `Authorization` header value.
    pub authorization: Option<Secret>,
    /// The `Accept` header.
    pub accept: &'static str,
    /// Extra headers (`If-Match`, ...); never secrets.
    pub headers: Vec<(&'static str, String)>,
    /// True when the request changes data (refused on read-only connections).
    pub writes: bool,
    /// True when sending it twice has the same effect as once (retried on failure).
    pub idempotent: bool,
}

impl Request {
    /// A request whose write and retry classes follow from the method.
    pub fn new(method: Method, url: Url) -> Self {
        let writes = !matches!(method, Method::GET | Method::HEAD);
        let idempotent = matches!(
            method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE
        );
        Self {
            method,
            url,
            body: None,
            authorization: None,
            accept: "application/json",
            headers: Vec::new(),
            writes,
            idempotent,
        }
    }

    /// Sets a JSON body.
    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.body = Some(Body::Json(body));
        self
    }

    /// Sets the `Authorization` header.
    pub fn authorization(mut self, value: Secret) -> Self {
        self.authorization = Some(value);
        self
    }

    /// Marks a request that changes nothing although its method is not GET (login, search).
    pub fn reads_only(mut self) -> Self {
        self.writes = false;
        self
    }

    /// Marks a non-GET request as safe to repeat (a PATCH that sets one value).
    pub fn repeatable(mut self) -> Self {
        self.idempotent = true;
        self
    }
}

/// A successful (2xx) response.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status.
    pub status: u16,
    /// The headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Vec<u8>,
    /// The URL that answered, without its query, for messages.
    pub url: String,
}

impl Response {
    /// Decodes the body as JSON.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, ServiceError> {
        serde_json::from_slice(&self.body).map_err(|e| ServiceError::Decode {
            url: self.url.clone(),
            message: format!("the JSON body does not have the expected shape: {e}"),
        })
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The HTTP client of one connection.
#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    connection: String,
    read_only: bool,
    retry: RetryPolicy,
    notices: Option<Notices>,
}

/// Where the HTTP layer tells people what it is waiting for ("rate limited, retrying in 1 s").
pub type Notices = tokio::sync::mpsc::UnboundedSender<String>;

impl HttpClient {
    /// A client for the named connection; `read_only` refuses every write.
    pub fn new(connection: &str, read_only: bool) -> Result<Self, ServiceError> {
        let inner = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("roster/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ServiceError::Transport {
                url: String::new(),
                message: format!("cannot build the HTTP client: {e}"),
            })?;
        Ok(Self {
            inner,
            connection: connection.to_owned(),
            read_only,
            retry: RetryPolicy::default(),
            notices: None,
        })
    }

    /// Sends a line to `notices` whenever a rate limit makes a request wait.
    pub fn with_notices(mut self, notices: Option<Notices>) -> Self {
        self.notices = notices;
        self
    }

    /// Replaces the retry policy (tests use short waits).
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// True when writes are refused.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Sends a request and returns the 2xx response; retries what is safe to retry.
    pub async fn send(&self, request: &Request) -> Result<Response, ServiceError> {
        self.send_decoded(request, |response| Ok(response.clone()))
            .await
    }

    /// Sends a request and decodes its JSON body, retrying an undecodable body when safe.
    pub async fn send_json<T: serde::de::DeserializeOwned>(
        &self,
        request: &Request,
    ) -> Result<(T, Response), ServiceError> {
        self.send_decoded(request, |response| {
            Ok((response.json::<T>()?, response.clone()))
        })
        .await
    }

    /// Sends a request, then applies `decode` to a 2xx response; the pair is retried as one.
    pub async fn send_decoded<T>(
        &self,
        request: &Request,
        decode: impl Fn(&Response) -> Result<T, ServiceError>,
    ) -> Result<T, ServiceError> {
        if request.writes && self.read_only {
            return Err(ServiceError::ReadOnly {
                connection: self.connection.clone(),
                method: request.method.to_string(),
                path: request.url.path().to_owned(),
            });
        }
        let mut attempt = 1;
        let mut jitter = Jitter::seeded(request.url.path());
        loop {
            let outcome = self.send_once(request).await.and_then(|r| decode(&r));
            let error = match outcome {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            let Some(wait) = self.retry_wait(request, &error, attempt, &mut jitter) else {
                return Err(error);
            };
            tracing::warn!(
                connection = %self.connection,
                method = %request.method,
                path = request.url.path(),
                attempt,
                wait_ms = wait.as_millis() as u64,
                "retrying after: {error}"
            );
            if let (ServiceError::RateLimited { .. }, Some(notices)) = (&error, &self.notices) {
                let _ = notices.send(format!(
                    "{}: rate limited, retrying in {} s",
                    self.connection,
                    wait.as_secs_f64().ceil()
                ));
            }
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    fn retry_wait(
        &self,
        request: &Request,
        error: &ServiceError,
        attempt: u32,
        jitter: &mut Jitter,
    ) -> Option<Duration> {
        if !request.idempotent || attempt >= self.retry.max_attempts {
            return None;
        }
        let mut backoff = || {
            let exponential = self
                .retry
                .base_delay
                .saturating_mul(1 << (attempt - 1).min(16));
            let capped = exponential.min(self.retry.max_delay);
            capped / 2 + jitter.up_to(capped / 2)
        };
        match error {
            ServiceError::RateLimited { retry_after, .. } => {
                Some(retry_after.map_or_else(backoff, |d| d.min(self.retry.max_delay)))
            }
            ServiceError::Status(status) if status.status >= 500 => Some(backoff()),
            ServiceError::Transport { message, .. }
                if message == CONNECT_FAILED && attempt >= CONNECT_ATTEMPTS =>
            {
                None
            }
            ServiceError::Transport { .. } | ServiceError::Decode { .. } => Some(backoff()),
            _ => None,
        }
    }

    async fn send_once(&self, request: &Request) -> Result<Response, ServiceError> {
        let started = Instant::now();
        let url_for_messages = without_query(&request.url);
        let mut builder = self
            .inner
            .request(request.method.clone(), request.url.clone())
            .header(ACCEPT, request.accept);
        if let Some(authorization) = &request.authorization {
            let mut value = reqwest::header::HeaderValue::from_str(authorization.expose())
                .map_err(|_| {
                    ServiceError::Invalid(
                        "the credentials contain characters that cannot be sent in a header"
                            .to_owned(),
                    )
                })?;
            value.set_sensitive(true);
            builder = builder.header(AUTHORIZATION, value);
        }
        for (name, value) in &request.headers {
            builder = builder.header(*name, value);
        }
        builder = match &request.body {
            None => builder,
            Some(Body::Json(json)) => builder
                .header(CONTENT_TYPE, "application/json")
                .body(json.to_string()),
            Some(Body::Text(content_type, text)) => builder
                .header(CONTENT_TYPE, *content_type)
                .body(text.clone()),
            Some(Body::Form(pairs)) => {
                let mut encoder = url::form_urlencoded::Serializer::new(String::new());
                for (key, value) in pairs {
                    match value {
                        FormValue::Plain(v) => encoder.append_pair(key, v),
                        FormValue::Secret(v) => encoder.append_pair(key, v.expose()),
                    };
                }
                builder
                    .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(encoder.finish())
            }
        };
        let transport = |e: reqwest::Error| ServiceError::Transport {
            url: url_for_messages.clone(),
            message: describe_transport_error(&e),
        };
        let mut response = builder.send().await.map_err(transport)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(ServiceError::Decode {
                    url: url_for_messages,
                    message: format!(
                        "the response is larger than {} MiB",
                        MAX_BODY_BYTES / 1024 / 1024
                    ),
                });
            }
            body.extend_from_slice(&chunk);
        }
        tracing::debug!(
            connection = %self.connection,
            method = %request.method,
            path = request.url.path(),
            status,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "request"
        );
        if (200..300).contains(&status) {
            return Ok(Response {
                status,
                headers,
                body,
                url: url_for_messages,
            });
        }
        let retry_after = headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        Err(ServiceError::from_response(status, retry_after, &body))
    }
}

fn describe_transport_error(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "the request timed out".to_owned()
    } else if error.is_connect() {
        CONNECT_FAILED.to_owned()
    } else if error.is_body() || error.is_decode() {
        "the connection broke while reading the response".to_owned()
    } else {
        "the connection failed before a response arrived".to_owned()
    }
}

/// The URL without query or fragment, for messages (queries can hold search terms).
pub fn without_query(url: &Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.to_string()
}

/// `base` with path segments appended; each segment is percent-encoded.
pub fn endpoint(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    url
}

/// Refuses `http://` for hosts other than loopback unless `insecure` is set.
pub fn check_transport(url: &Url, insecure: bool) -> Result<(), String> {
    if url.scheme() == "https" || insecure {
        return Ok(());
    }
    let loopback = match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    if loopback {
        Ok(())
    } else {
        Err(format!(
            "refusing plain http:// to {}: credentials would travel unencrypted (use https:// or pass --insecure)",
            url.host_str().unwrap_or("?")
        ))
    }
}

/// A small xorshift generator for backoff jitter; no global state.
struct Jitter(u64);

impl Jitter {
    fn seeded(salt: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos() as u64);
        let salt = salt.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
        });
        Self((nanos ^ salt) | 1)
    }

    fn up_to(&mut self, limit: Duration) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        let millis = limit.as_millis() as u64;
        Duration::from_millis(if millis == 0 { 0 } else { self.0 % millis })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_percent_encoded() {
        let base = Url::parse("http://127.0.0.1:1/looker/api/4.0").expect("url");
        let url = endpoint(&base, &["users", "a/b c?", "attribute_values"]);
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:1/looker/api/4.0/users/a%2Fb%20c%3F/attribute_values"
        );
    }

    #[test]
    fn plain_http_only_on_loopback() {
        let ok =
            |u: &str, insecure| check_transport(&Url::parse(u).expect("url"), insecure).is_ok();
        assert!(ok("http://127.0.0.1:8080/x", false));
        assert!(ok("http://localhost/x", false));
        assert!(ok("http://[::1]/x", false));
        assert!(ok("https://looker.example.com", false));
        assert!(!ok("http://looker.example.com", false));
        assert!(ok("http://looker.example.com", true));
    }
}
