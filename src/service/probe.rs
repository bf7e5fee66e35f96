//! Probing one connection for `roster config check`: is the service reachable, is its TLS
//! certificate accepted, are the credentials accepted and whose are they, which API version does
//! it report, may the principal write, which rate-limit headers does it send, how long is a round
//! trip.
//!
//! Every probe is a read, with one opt-in exception on Crowd (see [`crowd_write`]): its
//! usermanagement API has no call that reveals an application's permissions, so with
//! `--probe-writes` roster deletes an attribute that the first user does not have (checked just
//! before), which changes no data; without the flag, and always on read-only connections, it is
//! not sent. Looker's answer comes from the `can` fields it returns to the caller,
//! SCIM's from Atlassian's documentation (a directory API key has full control of its directory).
//! Requests are not retried, so the times are single round trips. Nothing here prints; no secret
//! reaches a result.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::Value;

use super::error::ServiceError;
use super::http::{self, HttpClient, Request, Response, RetryPolicy};
use super::{crowd, looker, scim};
use crate::config::Connection;
use crate::domain::ServiceKind;

/// The attribute name the Crowd write probe deletes (and checks the user does not have).
pub const CROWD_PROBE_ATTRIBUTE: &str = "roster-config-check-probe";

/// The longest wait for the first, unauthenticated request.
const REACH_TIMEOUT: Duration = Duration::from_secs(15);

/// How a probe runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProbeOptions {
    /// Allow plain `http://` to hosts other than loopback (`--insecure`).
    pub insecure: bool,
    /// The whole run is read-only (`--read-only`): the Crowd write probe is not sent.
    pub read_only: bool,
    /// Send the Crowd write probe (`--probe-writes`); without it every probe only reads.
    pub probe_writes: bool,
}

/// What a probe checks, in the order it checks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// The secret could be read (used by callers that resolve secrets).
    Secret,
    /// The service answered over the network.
    Reachable,
    /// The TLS certificate was accepted (or why TLS is not used).
    Tls,
    /// The credentials were accepted.
    Auth,
    /// Who the credentials belong to.
    Principal,
    /// The API version the service reports.
    ApiVersion,
    /// Whether the principal may write.
    Write,
    /// Rate-limit headers seen in the answers.
    RateLimit,
    /// Round-trip times.
    Latency,
}

impl Check {
    /// The name in `roster config check` output.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Secret => "secret",
            Self::Reachable => "reachable",
            Self::Tls => "tls",
            Self::Auth => "auth",
            Self::Principal => "principal",
            Self::ApiVersion => "api_version",
            Self::Write => "write",
            Self::RateLimit => "rate_limit",
            Self::Latency => "latency",
        }
    }
}

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    /// What was checked.
    pub check: Check,
    /// True when it passed.
    pub ok: bool,
    /// What was found, in words.
    pub detail: String,
}

impl CheckResult {
    /// A result.
    pub fn new(check: Check, ok: bool, detail: impl Into<String>) -> Self {
        Self {
            check,
            ok,
            detail: detail.into(),
        }
    }
}

/// What the answers showed along the way: round trips and rate-limit headers.
#[derive(Debug, Default)]
struct Observed {
    round_trips: Vec<Duration>,
    rate_limit_headers: Vec<(String, String)>,
}

impl Observed {
    fn record(&mut self, started: Instant, headers: &reqwest::header::HeaderMap) {
        self.round_trips.push(started.elapsed());
        for (name, value) in headers {
            let name = name.as_str();
            if is_rate_limit_header(name) {
                let value = crate::text::sanitize(value.to_str().unwrap_or("(not text)"));
                self.rate_limit_headers.retain(|(seen, _)| seen != name);
                self.rate_limit_headers.push((name.to_owned(), value));
            }
        }
    }

    fn results(&self) -> [CheckResult; 2] {
        let answers = self.round_trips.len();
        let headers = if self.rate_limit_headers.is_empty() {
            format!(
                "none seen in {answers} answer{} (the service may still limit)",
                if answers == 1 { "" } else { "s" }
            )
        } else {
            self.rate_limit_headers
                .iter()
                .map(|(name, value)| format!("{name}: {value}"))
                .collect::<Vec<_>>()
                .join("; ")
        };
        let mut times: Vec<u128> = self.round_trips.iter().map(Duration::as_millis).collect();
        times.sort_unstable();
        let latency = match (times.first(), times.last()) {
            (Some(only), _) if times.len() == 1 => format!("{only} ms (1 request)"),
            (Some(min), Some(max)) => format!(
                "{} ms median over {} requests ({min}–{max} ms)",
                times[times.len() / 2],
                times.len()
            ),
            _ => "no request completed".to_owned(),
        };
        [
            CheckResult::new(Check::RateLimit, true, headers),
            CheckResult::new(Check::Latency, !times.is_empty(), latency),
        ]
    }
}

fn is_rate_limit_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name == "retry-after"
        || name.starts_with("x-ratelimit")
        || name.starts_with("x-rate-limit")
        || name.starts_with("ratelimit")
}

/// Probes a connection whose secret is resolved; stops at the first check that makes the rest
/// meaningless (unreachable, certificate refused, credentials refused).
pub async fn probe(connection: &Connection, options: ProbeOptions) -> Vec<CheckResult> {
    let mut results = Vec::new();
    let mut observed = Observed::default();
    if let Err(why) = http::check_transport(&connection.url, options.insecure) {
        results.push(CheckResult::new(Check::Tls, false, why));
        return results;
    }
    if !reach(connection, &mut results, &mut observed).await {
        return results;
    }
    let crowd_write = if options.read_only || connection.read_only {
        CrowdWrite::ReadOnly
    } else if options.probe_writes {
        CrowdWrite::Probe
    } else {
        CrowdWrite::NotAsked
    };
    let probed = match connection.kind {
        ServiceKind::Looker => probe_looker(connection, &mut observed).await,
        ServiceKind::Crowd => probe_crowd(connection, crowd_write, &mut observed).await,
        ServiceKind::Scim => probe_scim(connection, &mut observed).await,
    };
    match probed {
        Ok(found) => results.extend(found),
        Err(error) => results.push(CheckResult::new(Check::Auth, false, error.to_string())),
    }
    results.extend(observed.results());
    results
}

/// One unauthenticated GET of the base URL: any HTTP answer means reachable, and over https the
/// certificate was accepted. Returns false when the probe should stop.
async fn reach(
    connection: &Connection,
    results: &mut Vec<CheckResult>,
    observed: &mut Observed,
) -> bool {
    let timeout = connection
        .timeout
        .map_or(REACH_TIMEOUT, |t| t.min(REACH_TIMEOUT));
    let client = match reqwest::Client::builder()
        .connect_timeout(timeout)
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("roster/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(client) => client,
        Err(e) => {
            let detail = format!("cannot build an HTTP client: {e}");
            results.push(CheckResult::new(Check::Reachable, false, detail));
            return false;
        }
    };
    let url = http::without_query(&connection.url);
    let https = connection.url.scheme() == "https";
    let started = Instant::now();
    match client.get(connection.url.clone()).send().await {
        Ok(response) => {
            observed.record(started, response.headers());
            let detail = format!(
                "{url} answered HTTP {} in {} ms",
                response.status().as_u16(),
                started.elapsed().as_millis()
            );
            results.push(CheckResult::new(Check::Reachable, true, detail));
            let tls = if https {
                format!(
                    "certificate accepted for {}",
                    connection.url.host_str().unwrap_or("?")
                )
            } else {
                "not used: plain http:// (allowed for loopback or with --insecure)".to_owned()
            };
            results.push(CheckResult::new(Check::Tls, true, tls));
            true
        }
        Err(error) => {
            let causes = error_causes(&error);
            if https && causes.to_ascii_lowercase().contains("certificate") {
                let detail = format!("{url}: the server answered the TLS handshake");
                results.push(CheckResult::new(Check::Reachable, true, detail));
                let detail = format!("certificate error: {causes}");
                results.push(CheckResult::new(Check::Tls, false, detail));
            } else if error.is_timeout() {
                let detail = format!("{url}: no answer within {} s", timeout.as_secs());
                results.push(CheckResult::new(Check::Reachable, false, detail));
            } else {
                let detail = format!("cannot reach {url}: {causes}");
                results.push(CheckResult::new(Check::Reachable, false, detail));
            }
            false
        }
    }
}

/// The causes of a transport error, innermost last, without the outer "error sending request".
fn error_causes(error: &reqwest::Error) -> String {
    let mut causes: Vec<String> = Vec::new();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let text = crate::text::sanitize(&cause.to_string());
        if !causes.iter().any(|c| c.contains(&text)) {
            causes.push(text);
        }
        source = cause.source();
    }
    if causes.is_empty() {
        crate::text::sanitize(&error.to_string())
    } else {
        causes.join(": ")
    }
}

/// The HTTP client of a probe: no retries, and writes refused unless `writes` is set.
fn probe_http(connection: &Connection, writes: bool) -> Result<HttpClient, ServiceError> {
    Ok(
        HttpClient::new(&connection.name, !writes)?.with_retry(RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }),
    )
}

/// A GET whose JSON answer is returned with its headers recorded.
async fn timed<F, Fut>(observed: &mut Observed, send: F) -> Result<Value, ServiceError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<Response, ServiceError>>,
{
    let started = Instant::now();
    let response = send().await?;
    observed.record(started, &response.headers);
    if response.body.is_empty() {
        Ok(Value::Null)
    } else {
        response.json()
    }
}

async fn probe_looker(
    connection: &Connection,
    observed: &mut Observed,
) -> Result<Vec<CheckResult>, ServiceError> {
    let client = looker::Client::new(probe_http(connection, false)?, connection)?;
    let get = |segments: &[&str], query: &[(&str, &str)]| {
        let mut url = client.url(segments);
        url.query_pairs_mut().extend_pairs(query);
        let request = Request::new(Method::GET, url);
        let client = client.clone();
        async move { client.send_with(request, |r| Ok(r.clone())).await }
    };
    let me = timed(observed, || {
        get(
            &["user"],
            &[("fields", "id,display_name,email,is_disabled")],
        )
    })
    .await?;
    let mut results = vec![
        CheckResult::new(Check::Auth, true, "logged in with the client id and secret"),
        CheckResult::new(Check::Principal, true, looker_principal(&me)),
    ];
    let version = match timed(observed, || get(&["versions"], &[])).await {
        Ok(versions) => CheckResult::new(Check::ApiVersion, true, looker_version(&versions)),
        Err(error) if error.status() == Some(404) => CheckResult::new(
            Check::ApiVersion,
            true,
            "not reported (GET /versions answered 404); roster speaks API 4.0",
        ),
        Err(error) => CheckResult::new(Check::ApiVersion, false, error.to_string()),
    };
    results.push(version);
    let users = timed(observed, || {
        get(
            &["users"],
            &[
                ("fields", "id,can"),
                ("limit", "1"),
                ("offset", "0"),
                ("sorts", "id"),
            ],
        )
    })
    .await;
    let attributes = timed(observed, || {
        get(&["user_attributes"], &[("fields", "id,name,can")])
    })
    .await;
    results.push(match (users, attributes) {
        (Ok(users), Ok(attributes)) => looker_write(&users, &attributes, connection.read_only),
        (Err(error), _) | (_, Err(error)) => {
            CheckResult::new(Check::Write, false, format!("cannot tell: {error}"))
        }
    });
    Ok(results)
}

fn looker_principal(me: &Value) -> String {
    let text = |key: &str| {
        me.get(key)
            .and_then(Value::as_str)
            .map(crate::text::sanitize)
    };
    let id = me.get("id").map_or_else(|| "?".to_owned(), json_text);
    let mut principal = format!("API user {id}");
    if let Some(name) = text("display_name") {
        principal.push_str(&format!(" ({name})"));
    }
    if let Some(email) = text("email") {
        principal.push_str(&format!(" <{email}>"));
    }
    if me.get("is_disabled") == Some(&Value::Bool(true)) {
        principal.push_str(", disabled");
    }
    principal
}

/// A JSON scalar as text: a string without its quotes, sanitised.
fn json_text(value: &Value) -> String {
    match value {
        Value::String(text) => crate::text::sanitize(text),
        other => crate::text::sanitize(&other.to_string()),
    }
}

fn looker_version(versions: &Value) -> String {
    let text = |value: Option<&Value>| value.and_then(Value::as_str).map(crate::text::sanitize);
    let release = text(versions.get("looker_release_version"));
    let current = text(versions.pointer("/current_version/full_version"))
        .or_else(|| text(versions.pointer("/current_version/version")));
    let supports_4 = versions
        .get("supported_versions")
        .and_then(Value::as_array)
        .is_some_and(|all| all.iter().any(|v| v.get("version") == Some(&"4.0".into())));
    format!(
        "Looker {}, current API {}{}",
        release.as_deref().unwrap_or("(release not given)"),
        current.as_deref().unwrap_or("(not given)"),
        if supports_4 {
            "; API 4.0 supported"
        } else {
            ""
        }
    )
}

/// Whether a Looker principal may write, from the `can` fields Looker returns to it: `update`
/// on a user and `set_value` on user attributes.
fn looker_write(users: &Value, attributes: &Value, read_only: bool) -> CheckResult {
    let can = |item: &Value, key: &str| {
        item.pointer(&format!("/can/{key}"))
            .and_then(Value::as_bool)
    };
    let first_user = users.as_array().and_then(|u| u.first());
    let update = first_user.and_then(|u| can(u, "update").or_else(|| can(u, "edit")));
    let attributes = attributes.as_array().map(Vec::as_slice).unwrap_or_default();
    let settable = attributes
        .iter()
        .filter(|a| can(a, "set_value") == Some(true))
        .count();
    let user_id = first_user
        .and_then(|u| u.get("id"))
        .map_or_else(|| "?".to_owned(), json_text);
    let found = format!(
        "`can.update` is {} on user {user_id}; `can.set_value` on {settable} of {} user attributes",
        update.map_or_else(|| "absent".to_owned(), |u| u.to_string()),
        attributes.len()
    );
    let can_write = update == Some(true) || settable > 0;
    match (
        can_write,
        update.is_some() || !attributes.is_empty(),
        read_only,
    ) {
        (true, _, false) => CheckResult::new(Check::Write, true, format!("may write: {found}")),
        (true, _, true) => CheckResult::new(
            Check::Write,
            true,
            format!("may write, but the connection is read_only: {found}"),
        ),
        (false, true, true) => CheckResult::new(
            Check::Write,
            true,
            format!("read-only principal, as the connection is read_only: {found}"),
        ),
        (false, true, false) => CheckResult::new(
            Check::Write,
            false,
            format!(
                "read-only principal: writes will be refused ({found}); set read_only = true or use an admin's API key"
            ),
        ),
        (false, false, _) => CheckResult::new(
            Check::Write,
            true,
            "cannot tell: Looker returned no `can` fields (no users or attributes visible)",
        ),
    }
}

/// Whether the Crowd write probe is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CrowdWrite {
    /// The connection or the run is read-only: never.
    ReadOnly,
    /// `--probe-writes` was not given: nothing is written.
    NotAsked,
    /// `--probe-writes`: the harmless DELETE is sent.
    Probe,
}

async fn probe_crowd(
    connection: &Connection,
    crowd_write_probe: CrowdWrite,
    observed: &mut Observed,
) -> Result<Vec<CheckResult>, ServiceError> {
    let client = crowd::Client::new(
        probe_http(connection, crowd_write_probe == CrowdWrite::Probe)?,
        connection,
    )?;
    let search = client.url(
        &["search"],
        &[
            ("entity-type", "user"),
            ("start-index", "0"),
            ("max-results", "1"),
        ],
    );
    let found = timed(observed, || client.send(Request::new(Method::GET, search))).await?;
    let application = match &connection.credentials {
        crate::config::Credentials::Basic { username, .. } => crate::text::sanitize(username),
        _ => "?".to_owned(),
    };
    let first_user = found
        .pointer("/users/0/name")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let write = match crowd_write_probe {
        CrowdWrite::Probe => crowd_write(&client, first_user.as_deref(), observed).await,
        CrowdWrite::ReadOnly => CheckResult::new(
            Check::Write,
            true,
            "not probed: the connection is read-only (the probe would send a DELETE)",
        ),
        CrowdWrite::NotAsked => CheckResult::new(
            Check::Write,
            true,
            "not probed: Crowd tells an application's write access only by refusing a write; \
             --probe-writes sends a harmless DELETE of an attribute the first user does not hold",
        ),
    };
    Ok(vec![
        CheckResult::new(
            Check::Auth,
            true,
            "the application name and password were accepted",
        ),
        CheckResult::new(
            Check::Principal,
            true,
            format!("application `{application}`"),
        ),
        CheckResult::new(
            Check::ApiVersion,
            true,
            "not reported by Crowd's usermanagement API; roster speaks usermanagement/1",
        ),
        write,
    ])
}

/// Crowd's write probe: `DELETE /user/attribute` of [`CROWD_PROBE_ATTRIBUTE`] on the first user,
/// after checking that the user does not have it, so no data changes. Crowd checks the
/// application's permission to update attributes in that user's directory before deleting: 204
/// means allowed, 403 `APPLICATION_PERMISSION_DENIED` means not. How sure: Crowd grants
/// permissions per directory and per operation, so this answers for attribute updates in the
/// first user's directory only; Crowd may still record an "attribute deleted" event.
async fn crowd_write(
    client: &crowd::Client,
    user: Option<&str>,
    observed: &mut Observed,
) -> CheckResult {
    let Some(user) = user else {
        return CheckResult::new(
            Check::Write,
            true,
            "cannot tell: the directory lists no user",
        );
    };
    let shown = crate::text::sanitize(user);
    let attributes = client.url(&["user", "attribute"], &[("username", user)]);
    match timed(observed, || {
        client.send(Request::new(Method::GET, attributes))
    })
    .await
    {
        Ok(list) => {
            let has_probe = list
                .get("attributes")
                .and_then(Value::as_array)
                .is_some_and(|all| {
                    all.iter()
                        .any(|a| a.get("name") == Some(&CROWD_PROBE_ATTRIBUTE.into()))
                });
            if has_probe {
                return CheckResult::new(
                    Check::Write,
                    true,
                    format!(
                        "cannot tell: user `{shown}` holds `{CROWD_PROBE_ATTRIBUTE}`, so it was not deleted"
                    ),
                );
            }
        }
        Err(error) => {
            return CheckResult::new(Check::Write, false, format!("cannot tell: {error}"));
        }
    }
    let delete = client.delete_attribute_request(user, CROWD_PROBE_ATTRIBUTE);
    let started = Instant::now();
    match client.send_planned(&delete).await {
        Ok(response) => {
            observed.record(started, &response.headers);
            CheckResult::new(
                Check::Write,
                true,
                format!(
                    "may update attributes in the directory of `{shown}` (deleting an attribute it does not have answered {})",
                    response.status
                ),
            )
        }
        Err(error @ ServiceError::Auth { status: 403, .. }) => {
            CheckResult::new(Check::Write, false, format!("read-only principal: {error}"))
        }
        Err(error) => CheckResult::new(Check::Write, false, format!("cannot tell: {error}")),
    }
}

async fn probe_scim(
    connection: &Connection,
    observed: &mut Observed,
) -> Result<Vec<CheckResult>, ServiceError> {
    let client = scim::Client::new(probe_http(connection, false)?, connection)?;
    let mut users = client.url(&["Users"]);
    users
        .query_pairs_mut()
        .append_pair("startIndex", "1")
        .append_pair("count", "1")
        .append_pair("attributes", "userName");
    let listed = timed(observed, || client.send(Request::new(Method::GET, users))).await?;
    let total = listed
        .get("totalResults")
        .and_then(Value::as_u64)
        .map_or_else(String::new, |n| format!(" ({n} users)"));
    let directory = connection
        .url
        .path_segments()
        .and_then(|mut segments| segments.next_back())
        .map(crate::text::sanitize)
        .unwrap_or_default();
    let config = client.url(&["ServiceProviderConfig"]);
    let version = match timed(observed, || client.send(Request::new(Method::GET, config))).await {
        Ok(document) => CheckResult::new(Check::ApiVersion, true, scim_version(&document)),
        Err(error) => CheckResult::new(Check::ApiVersion, false, error.to_string()),
    };
    let write = if connection.read_only {
        "a directory API key has full control of its directory; roster refuses writes (read_only)"
    } else {
        "a directory API key has full control of its directory (Atlassian's documentation); not probed"
    };
    Ok(vec![
        CheckResult::new(
            Check::Auth,
            true,
            format!("the directory API key was accepted{total}"),
        ),
        CheckResult::new(
            Check::Principal,
            true,
            format!("the API key of directory `{directory}`"),
        ),
        version,
        CheckResult::new(Check::Write, true, write),
    ])
}

fn scim_version(document: &Value) -> String {
    let schemas = document
        .get("schemas")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let scim2 = schemas.iter().any(|s| {
        s.as_str()
            .is_some_and(|s| s.contains(":scim:schemas:core:2.0:"))
    });
    let supported = |feature: &str| match document
        .pointer(&format!("/{feature}/supported"))
        .and_then(Value::as_bool)
    {
        Some(true) => "yes",
        Some(false) => "no",
        None => "?",
    };
    let max_results = document
        .pointer("/filter/maxResults")
        .and_then(Value::as_u64)
        .map_or_else(String::new, |n| format!(" (max {n})"));
    format!(
        "{}; patch {}, bulk {}, filter {}{max_results}, sort {}, etag {}",
        if scim2 {
            "SCIM 2.0 (ServiceProviderConfig)"
        } else {
            "ServiceProviderConfig without the SCIM 2.0 schema"
        },
        supported("patch"),
        supported("bulk"),
        supported("filter"),
        supported("sort"),
        supported("etag"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn looker_write_reads_the_can_fields() {
        let users = json!([{"id": "1", "can": {"update": false, "show": true}}]);
        let attributes = json!([{"id": "1", "name": "a", "can": {"set_value": false}}]);
        let result = looker_write(&users, &attributes, false);
        assert!(!result.ok);
        assert!(
            result.detail.starts_with("read-only principal"),
            "{}",
            result.detail
        );
        assert!(looker_write(&users, &attributes, true).ok);
        let admin = json!([{"id": "1", "can": {"update": true}}]);
        let result = looker_write(&admin, &attributes, false);
        assert!(
            result.ok && result.detail.starts_with("may write"),
            "{}",
            result.detail
        );
    }

    #[test]
    fn rate_limit_headers_are_recognised() {
        assert!(is_rate_limit_header("X-RateLimit-Remaining"));
        assert!(is_rate_limit_header("retry-after"));
        assert!(is_rate_limit_header("RateLimit-Policy"));
        assert!(!is_rate_limit_header("x-total-count"));
    }

    #[test]
    fn scim_version_names_the_features() {
        let document = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "patch": {"supported": true}, "bulk": {"supported": false},
            "filter": {"supported": true, "maxResults": 100},
            "sort": {"supported": false}, "etag": {"supported": false}
        });
        assert_eq!(
            scim_version(&document),
            "SCIM 2.0 (ServiceProviderConfig); patch yes, bulk no, filter yes (max 100), sort no, etag no"
        );
    }
}
