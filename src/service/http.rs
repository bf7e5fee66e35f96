//! The one HTTP client every service uses: timeouts, deadlines, read-only refusal, retries and
//! decoding.
//!
//! A [`Request`] says whether it writes; a write on a read-only connection is refused here, before
//! any byte leaves the process, and so is a request whose credential is empty. Every wait is
//! bounded: a connection must be made within [`Timeouts::connect`], an answer may not fall silent
//! for longer than [`Timeouts::read`], one attempt ends within [`Timeouts::attempt`], and one
//! whole operation (a listing, a read, a write with its retries) within [`Timeouts::overall`]
//! ([`HttpClient::within_deadline`]). Idempotent requests are retried on 429 (honouring
//! `Retry-After`, capped), 408, 5xx, broken connections and bodies cut short, with exponential
//! backoff and jitter; a timed-out attempt is retried once and a refused connection twice. What
//! will not change is not retried: a complete body that does not decode, a body over the size
//! cap, a refused certificate, any other 4xx. A POST is never retried. Only method, path, status
//! and timing are logged: never headers, bodies or query strings, so neither secrets nor hidden
//! values can reach a log.
//!
//! Every attempt first takes a slot of the connection's [`Window`] (shared by every clone of the
//! client, so every operation of the connection counts against it) and reports how it went: its
//! latency, or a sign of overload (429, 503, a timed-out attempt). A 429's `Retry-After` still
//! sets the wait before that request is tried again. Waiting for a slot is part of the
//! operation, so the overall deadline bounds it too.

#![deny(clippy::arithmetic_side_effects)]

use std::future::Future;
use std::time::{Duration, Instant};

use base64::Engine as _;
use reqwest::Method;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use url::Url;

use super::error::ServiceError;
use super::window::{self, Window};
use crate::secret::Secret;

/// The largest response body accepted, so that a hostile server cannot exhaust memory.
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// The transport message for a connection that could not be made.
const CONNECT_FAILED: &str = "the connection was refused or could not be made";
/// Attempts for a request whose connection could not be made: a service that refuses
/// connections rarely comes back within a backoff.
const CONNECT_ATTEMPTS: u32 = 3;
/// Attempts for a request that timed out: a silent or trickling server is given one more chance.
const TIMEOUT_ATTEMPTS: u32 = 2;
/// The most requests in flight for a client built without a connection's setting (tests, probes);
/// connections opened from the config use their service's default or `max_concurrency`.
pub const DEFAULT_MAX_CONCURRENCY: usize = 8;

/// How long each wait may last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// To make a connection (TCP and TLS).
    pub connect: Duration,
    /// The longest silence while waiting for an answer or reading it.
    pub read: Duration,
    /// One attempt of one request, from connecting to the end of the body.
    pub attempt: Duration,
    /// One whole operation with all its requests and retries (`--timeout`, config `timeout`).
    pub overall: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            read: Duration::from_secs(30),
            attempt: Duration::from_secs(60),
            overall: Duration::from_secs(300),
        }
    }
}

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
        self.shaped(serde_json::from_slice(&self.body))
    }

    /// Decodes the body once as a JSON tree and reads the typed view `T` from that tree (not
    /// from the text again): for records kept whole besides the fields read from them.
    pub fn json_and_tree<T: serde::de::DeserializeOwned>(
        &self,
    ) -> Result<(T, serde_json::Value), ServiceError> {
        let tree: serde_json::Value = self.json()?;
        let typed = self.shaped(T::deserialize(&tree))?;
        Ok((typed, tree))
    }

    fn shaped<T>(&self, decoded: Result<T, serde_json::Error>) -> Result<T, ServiceError> {
        decoded.map_err(|e| ServiceError::Decode {
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
    server: String,
    read_only: bool,
    retry: RetryPolicy,
    timeouts: Timeouts,
    notices: Option<Notices>,
    window: Window,
}

/// Where the HTTP layer tells people what it is waiting for ("rate limited, retrying in 1 s").
pub type Notices = tokio::sync::mpsc::UnboundedSender<String>;

/// Whether, and how, a failed attempt is tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retry {
    /// The answer will not change: not retried.
    Never,
    /// A transient failure: retried with backoff.
    Backoff,
    /// The connection could not be made: retried up to [`CONNECT_ATTEMPTS`].
    Connect,
    /// The attempt timed out: retried up to [`TIMEOUT_ATTEMPTS`].
    Timeout,
    /// 429: retried after `Retry-After`, or with backoff.
    RateLimited(Option<Duration>),
}

/// A failed attempt and whether it may be tried again.
struct Failure {
    error: ServiceError,
    retry: Retry,
    /// The server said it is overloaded (429, 503) or the attempt timed out: the window narrows.
    overloaded: bool,
}

impl Failure {
    fn new(error: ServiceError, retry: Retry) -> Self {
        let overloaded = matches!(retry, Retry::RateLimited(_) | Retry::Timeout);
        Self {
            error,
            retry,
            overloaded,
        }
    }
}

impl HttpClient {
    /// A client for the named connection with the default [`Timeouts`]; `read_only` refuses every
    /// write.
    pub fn new(connection: &str, read_only: bool) -> Result<Self, ServiceError> {
        let timeouts = Timeouts::default();
        Ok(Self {
            inner: build_reqwest(&timeouts)?,
            connection: connection.to_owned(),
            server: String::new(),
            read_only,
            retry: RetryPolicy::default(),
            timeouts,
            notices: None,
            window: Window::new(DEFAULT_MAX_CONCURRENCY),
        })
    }

    /// Gives the client a fresh window of at most `max` requests in flight (at least one). Call
    /// it before cloning the client: clones share the window they were made with.
    pub fn with_max_concurrency(mut self, max: usize) -> Self {
        self.window = Window::new(max);
        self
    }

    /// The connection's request window (its current and maximum size), shared by every clone.
    pub fn window(&self) -> &Window {
        &self.window
    }

    /// Replaces the timeouts.
    pub fn with_timeouts(mut self, timeouts: Timeouts) -> Result<Self, ServiceError> {
        self.inner = build_reqwest(&timeouts)?;
        self.timeouts = timeouts;
        Ok(self)
    }

    /// Names the server in messages about it (the connection's URL; its query is left out).
    pub fn for_server(mut self, url: &Url) -> Self {
        self.server = without_query(url);
        self
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

    /// The timeouts in force.
    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }

    /// Runs one operation of this connection (every request and retry it makes) within the
    /// overall deadline; past it, the operation is dropped and the error names the connection and
    /// its server. A timed-out write reports a transport failure, so its outcome counts as unknown.
    pub async fn within_deadline<T>(
        &self,
        operation: impl Future<Output = Result<T, ServiceError>>,
    ) -> Result<T, ServiceError> {
        let overall = self.timeouts.overall;
        match tokio::time::timeout(overall, operation).await {
            Ok(result) => result,
            Err(_) => {
                tracing::warn!(connection = %self.connection, seconds = overall.as_secs_f64(), "overall deadline passed");
                Err(ServiceError::Transport {
                    url: if self.server.is_empty() {
                        format!("`{}`", self.connection)
                    } else {
                        self.server.clone()
                    },
                    message: format!(
                        "`{}` stopped answering: nothing complete within the overall deadline of \
                         {} (raise it with --timeout SECONDS or the connection's `timeout`)",
                        self.connection,
                        seconds(overall)
                    ),
                })
            }
        }
    }

    /// Sends a request and returns the 2xx response; retries what is safe to retry.
    pub async fn send(&self, request: &Request) -> Result<Response, ServiceError> {
        self.send_decoded(request, |response| Ok(response.clone()))
            .await
    }

    /// Sends a request and decodes its JSON body, retrying a body cut short when safe.
    pub async fn send_json<T: serde::de::DeserializeOwned>(
        &self,
        request: &Request,
    ) -> Result<(T, Response), ServiceError> {
        self.send_decoded(request, |response| {
            Ok((response.json::<T>()?, response.clone()))
        })
        .await
    }

    /// Sends a request, then applies `decode` to a 2xx response; the pair is retried as one when
    /// the body looks cut short (it ends in the middle of its JSON).
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
        if sends_empty_credential(request) {
            return Err(ServiceError::Invalid(format!(
                "connection `{}`: the credential is empty; refusing to send it (set the secret in \
                 the config)",
                self.connection
            )));
        }
        let mut attempt = 1u32;
        let mut jitter = Jitter::seeded(request.url.path());
        loop {
            let failure = match self.send_once(request).await {
                Ok(response) => match decode(&response) {
                    Ok(value) => return Ok(value),
                    Err(error) => {
                        let retry = if matches!(error, ServiceError::Decode { .. })
                            && looks_cut_short(&response.body)
                        {
                            Retry::Backoff
                        } else {
                            Retry::Never
                        };
                        Failure::new(error, retry)
                    }
                },
                Err(failure) => failure,
            };
            let Some(wait) = self.retry_wait(request, failure.retry, attempt, &mut jitter) else {
                return Err(failure.error);
            };
            let error = failure.error;
            tracing::warn!(
                connection = %self.connection,
                method = %request.method,
                path = request.url.path(),
                attempt,
                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                "retrying after: {error}"
            );
            if let (Retry::RateLimited(_), Some(notices)) = (failure.retry, &self.notices) {
                let _ = notices.send(format!(
                    "{}: rate limited, retrying in {} s",
                    self.connection,
                    wait.as_secs_f64().ceil()
                ));
            }
            tokio::time::sleep(wait).await;
            attempt = attempt.saturating_add(1);
        }
    }

    fn retry_wait(
        &self,
        request: &Request,
        retry: Retry,
        attempt: u32,
        jitter: &mut Jitter,
    ) -> Option<Duration> {
        if !request.idempotent || attempt >= self.retry.max_attempts {
            return None;
        }
        let backoff = |jitter: &mut Jitter| {
            let doubling = 1u32
                .checked_shl(attempt.saturating_sub(1).min(16))
                .unwrap_or(1);
            let capped = self
                .retry
                .base_delay
                .saturating_mul(doubling)
                .min(self.retry.max_delay);
            let half = capped.checked_div(2).unwrap_or_default();
            half.saturating_add(jitter.up_to(half))
        };
        match retry {
            Retry::Never => None,
            Retry::Connect if attempt >= CONNECT_ATTEMPTS => None,
            Retry::Timeout if attempt >= TIMEOUT_ATTEMPTS => None,
            Retry::RateLimited(Some(wait)) => Some(self.rate_limit_wait(wait)),
            Retry::RateLimited(None) | Retry::Backoff | Retry::Connect | Retry::Timeout => {
                Some(backoff(jitter))
            }
        }
    }

    /// How long a `Retry-After` makes requests wait: as asked, up to the policy's longest wait.
    fn rate_limit_wait(&self, retry_after: Duration) -> Duration {
        retry_after.min(self.retry.max_delay)
    }

    /// One attempt within a slot of the window, reporting to the window how it went.
    async fn send_once(&self, request: &Request) -> Result<Response, Failure> {
        let slot = self.window.acquire().await;
        let started = Instant::now();
        let result = self.exchange(request, started).await;
        match &result {
            Ok(_) => slot.answered(
                window::request_kind(request.method.as_str(), request.url.path()),
                started.elapsed(),
            ),
            Err(failure) if failure.overloaded => slot.overloaded(),
            // A 500 or a dropped connection: a failure, not overload (several in a row cut).
            Err(failure) if failure.retry == Retry::Backoff => slot.failed(),
            // Not about load (a 404, a refused connection): the slot is only freed.
            Err(_) => drop(slot),
        }
        result
    }

    /// Sends the request once and reads the whole answer.
    async fn exchange(&self, request: &Request, started: Instant) -> Result<Response, Failure> {
        let url_for_messages = without_query(&request.url);
        let mut builder = self
            .inner
            .request(request.method.clone(), request.url.clone())
            .header(ACCEPT, request.accept);
        if let Some(authorization) = &request.authorization {
            let mut value = reqwest::header::HeaderValue::from_str(authorization.expose())
                .map_err(|_| {
                    Failure::new(
                        ServiceError::Invalid(
                            "the credentials contain characters that cannot be sent in a header"
                                .to_owned(),
                        ),
                        Retry::Never,
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
        let transport = |e: reqwest::Error| {
            let (message, retry) = self.describe_transport_error(&e);
            Failure::new(
                ServiceError::Transport {
                    url: url_for_messages.clone(),
                    message,
                },
                retry,
            )
        };
        let mut response = builder.send().await.map_err(transport)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if body.len().saturating_add(chunk.len()) > MAX_BODY_BYTES {
                return Err(Failure::new(
                    ServiceError::Decode {
                        url: url_for_messages,
                        message: format!(
                            "the response is larger than {} MiB",
                            MAX_BODY_BYTES / 1024 / 1024
                        ),
                    },
                    Retry::Never,
                ));
            }
            body.extend_from_slice(&chunk);
        }
        tracing::debug!(
            connection = %self.connection,
            method = %request.method,
            path = request.url.path(),
            status,
            elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
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
        let retry = match status {
            429 => Retry::RateLimited(retry_after),
            408 | 500..=599 => Retry::Backoff,
            _ => Retry::Never,
        };
        let mut failure = Failure::new(
            ServiceError::from_response(status, retry_after, &body),
            retry,
        );
        failure.overloaded |= status == 503;
        Err(failure)
    }

    /// What went wrong on the way, in words, and whether trying again can help.
    fn describe_transport_error(&self, error: &reqwest::Error) -> (String, Retry) {
        if let Some(problem) = certificate_problem(error) {
            (
                format!(
                    "the server's TLS certificate was refused ({problem}); roster trusts only \
                     certificates from the public certificate authorities"
                ),
                Retry::Never,
            )
        } else if error.is_timeout() {
            (
                format!(
                    "the server stopped answering (nothing for {}, or no complete answer within {})",
                    seconds(self.timeouts.read),
                    seconds(self.timeouts.attempt)
                ),
                Retry::Timeout,
            )
        } else if error.is_connect() {
            (CONNECT_FAILED.to_owned(), Retry::Connect)
        } else if error.is_body() || error.is_decode() {
            (
                "the connection broke while reading the response".to_owned(),
                Retry::Backoff,
            )
        } else {
            (
                "the connection failed before a response arrived".to_owned(),
                Retry::Backoff,
            )
        }
    }
}

fn build_reqwest(timeouts: &Timeouts) -> Result<reqwest::Client, ServiceError> {
    reqwest::Client::builder()
        .connect_timeout(timeouts.connect)
        .read_timeout(timeouts.read)
        .timeout(timeouts.attempt)
        .user_agent(concat!("roster/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| ServiceError::Transport {
            url: String::new(),
            message: format!("cannot build the HTTP client: {e}"),
        })
}

/// The TLS library's words when a certificate was refused, found anywhere in the error's chain.
fn certificate_problem(error: &reqwest::Error) -> Option<String> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        let text = current.to_string();
        if text.to_ascii_lowercase().contains("certificate") {
            return Some(crate::text::sanitize(&text));
        }
        source = current.source();
    }
    None
}

/// True when the body ends in the middle of its JSON: the answer was cut, and asking again may
/// bring it whole. A complete body (even one of the wrong shape) is not asked for again.
fn looks_cut_short(body: &[u8]) -> bool {
    serde_json::from_slice::<serde::de::IgnoredAny>(body).is_err_and(|e| e.is_eof())
}

/// True when the request would carry an empty secret: an `Authorization` header without a
/// credential, basic credentials with an empty name or password, or an empty secret form value.
fn sends_empty_credential(request: &Request) -> bool {
    let empty_header = request
        .authorization
        .as_ref()
        .is_some_and(|value| credential_is_empty(value.expose()));
    let empty_form_value = matches!(&request.body, Some(Body::Form(pairs))
        if pairs.iter().any(|(_, value)| matches!(value, FormValue::Secret(secret) if secret.expose().trim().is_empty())));
    empty_header || empty_form_value
}

fn credential_is_empty(header: &str) -> bool {
    let (scheme, credential) = header.trim().split_once(' ').unwrap_or((header, ""));
    let credential = credential.trim();
    if credential.is_empty() {
        return true;
    }
    if !scheme.eq_ignore_ascii_case("basic") {
        return false;
    }
    base64::engine::general_purpose::STANDARD
        .decode(credential)
        .ok()
        .and_then(|pair| String::from_utf8(pair).ok())
        .is_some_and(|pair| match pair.split_once(':') {
            Some((name, password)) => name.is_empty() || password.is_empty(),
            None => true,
        })
}

/// A duration for messages: whole seconds as `30 s`, others with one decimal.
fn seconds(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{} s", duration.as_secs())
    } else {
        format!("{:.1} s", duration.as_secs_f64())
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
        let salt = window::fnv1a(window::FNV_OFFSET, salt.as_bytes());
        Self((nanos ^ salt) | 1)
    }

    fn up_to(&mut self, limit: Duration) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        let millis = u64::try_from(limit.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(self.0.checked_rem(millis).unwrap_or(0))
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

    #[test]
    fn empty_credentials_are_recognised() {
        let basic = |pair: &str| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            )
        };
        assert!(credential_is_empty("Bearer "));
        assert!(credential_is_empty("Bearer"));
        assert!(credential_is_empty("token   "));
        assert!(credential_is_empty(&basic("app:")));
        assert!(credential_is_empty(&basic(":secret")));
        assert!(!credential_is_empty("Bearer abc"));
        assert!(!credential_is_empty(&basic("app:secret")));
    }

    #[test]
    fn only_bodies_that_end_mid_json_count_as_cut_short() {
        assert!(looks_cut_short(br#"{"id": "tru"#));
        assert!(looks_cut_short(b""));
        assert!(!looks_cut_short(br#"{"not": "an array"}"#));
        assert!(!looks_cut_short(b"<html>oops</html>"));
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(seconds(Duration::from_secs(30)), "30 s");
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5 s");
    }
}
