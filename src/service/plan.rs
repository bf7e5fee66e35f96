//! Write plans: the exact requests a write will send, and the preview people confirm first.
//!
//! A service turns an [`Edit`](crate::domain::Edit) into a [`WritePlan`] without sending anything;
//! the command line prints it for `--dry-run` and confirmation, the browser shows it as the
//! preview, and the same plan is then executed request by request. Bodies are shown with secrets
//! and hidden values masked.

use reqwest::Method;
use serde_json::Value;
use url::Url;

use super::ServiceError;
use crate::domain::FieldChange;
use crate::secret::MASK;

/// Names whose values are secrets, wherever they appear: as a JSON key, as the last segment of
/// a SCIM PATCH `path`, or as a preview's field. Crowd `password` / `encrypted-password`, SCIM
/// `password` (`mutability: writeOnly`, `returned: never` in RFC 7643), Looker credentials'
/// `client_secret` and the tokens of every login.
const SECRET_NAMES: &[&str] = &[
    "password",
    "encrypted-password",
    "encrypted_password",
    "client_secret",
    "secret",
    "token",
    "access_token",
    "refresh_token",
];

/// True when a key, a SCIM path or a preview field names a secret (compared by its last segment,
/// case-insensitively: `password`, `urn:...:User:password`, `credentials.client_secret`).
pub fn is_secret_name(name: &str) -> bool {
    let last = name
        .rsplit(['.', ':'])
        .next()
        .unwrap_or(name)
        .trim_end_matches(']');
    SECRET_NAMES.iter().any(|s| last.eq_ignore_ascii_case(s))
}

/// The URL as it may be shown or journaled: never with userinfo.
pub fn shown_url(url: &Url) -> String {
    if url.username().is_empty() && url.password().is_none() {
        return url.to_string();
    }
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.to_string()
}

/// One request of a plan.
#[derive(Debug, Clone)]
pub struct PlannedRequest {
    /// The HTTP method.
    pub method: Method,
    /// The full URL.
    pub url: Url,
    /// The JSON body, if any.
    pub body: Option<Value>,
    /// True when every value in the body is confidential (a hidden attribute's new value).
    pub confidential: bool,
    /// True when sending it twice is harmless (so the HTTP layer may retry it).
    pub idempotent: bool,
    /// Extra headers sent and shown with the request (`If-Match`); never secrets.
    pub headers: Vec<(&'static str, String)>,
    /// The fields of the plan's changes this request writes (empty: all of them). The write
    /// engine reads these fields back to learn whether a request whose answer was lost landed.
    pub fields: Vec<String>,
    /// True for the request that creates the user; a lost answer is resolved by looking the
    /// new user up by its unique key, never by sending it again.
    pub creates_user: bool,
}

impl PlannedRequest {
    /// A request with no body.
    pub fn new(method: Method, url: Url) -> Self {
        let idempotent = matches!(method, Method::GET | Method::PUT | Method::DELETE);
        Self {
            method,
            url,
            body: None,
            confidential: false,
            idempotent,
            headers: Vec::new(),
            fields: Vec::new(),
            creates_user: false,
        }
    }

    /// Names the fields of the plan's changes this request writes.
    pub fn writing(mut self, fields: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.fields = fields.into_iter().map(Into::into).collect();
        self
    }

    /// Marks the request that creates the user.
    pub fn creating_user(mut self) -> Self {
        self.creates_user = true;
        self
    }

    /// The secret values in the body (passwords sent in clear), so that an error the service
    /// answers with can be scrubbed of them before it is shown or journaled.
    pub fn secret_values(&self) -> Vec<String> {
        let mut found = Vec::new();
        if let Some(body) = &self.body {
            collect_secrets(body, self.confidential, &mut found);
        }
        found
    }

    /// Adds a header (a precondition such as `If-Match`); never a secret.
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Adds a JSON body.
    pub fn with_body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// The body as it may be shown: secrets always masked, everything masked when confidential.
    pub fn shown_body(&self) -> Option<Value> {
        self.body.as_ref().map(|b| mask(b, self.confidential))
    }

    /// The request as text: method, URL, the masked auth header and the masked body.
    pub fn describe(&self, auth_scheme: &str) -> String {
        let mut text = format!(
            "{} {}\nAuthorization: {auth_scheme} {MASK}\n",
            self.method,
            shown_url(&self.url)
        );
        for (name, value) in &self.headers {
            text.push_str(&format!("{name}: {value}\n"));
        }
        if let Some(body) = self.shown_body() {
            text.push_str("Content-Type: application/json\n\n");
            text.push_str(&serde_json::to_string_pretty(&body).unwrap_or_default());
            text.push('\n');
        }
        text
    }
}

/// The id of the user a create request made, from its answer's body (`id`, a string or a
/// number), exactly as the service wrote it (ids are sanitised where they are shown, never where
/// they are used); an answer without one is undecodable, so the engine looks the user up instead.
pub fn created_id(body: Option<&Value>, request: &PlannedRequest) -> Result<String, ServiceError> {
    body.and_then(|b| b.get("id"))
        .and_then(json_text)
        .ok_or_else(|| ServiceError::Decode {
            url: super::http::without_query(&request.url),
            message: "the created user has no id".to_owned(),
        })
}

/// A field of a plan's changes as read from a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observed {
    /// The value as the plan shows values (None: unset).
    Value(Option<String>),
    /// The value cannot be read back (a hidden value, a password), and why.
    Unverifiable(String),
}

/// Everything a write will do, built before anything is sent.
#[derive(Debug, Clone)]
pub struct WritePlan {
    /// One line saying what the write does ("set region on ada@example.com").
    pub summary: String,
    /// Field-by-field before → after, including everything a replace clears.
    pub changes: Vec<FieldChange>,
    /// The requests, in the order they are sent.
    pub requests: Vec<PlannedRequest>,
    /// The `Authorization` scheme shown in previews (`Basic`, `Bearer`).
    pub auth_scheme: &'static str,
}

impl WritePlan {
    /// Masks every change of a secret field (a password in a SCIM replace, a Crowd create's
    /// `password.value`): previews, dry runs, the journal and `roster log` show only the mask.
    pub fn mask_secret_changes(&mut self) {
        for change in &mut self.changes {
            if is_secret_name(&change.field) {
                for value in [&mut change.before, &mut change.after]
                    .into_iter()
                    .flatten()
                {
                    *value = MASK.to_owned();
                }
            }
        }
    }

    /// The fields request `index` writes: its own list, or every change when it names none.
    pub fn fields_of(&self, index: usize) -> Vec<String> {
        match self.requests.get(index) {
            Some(request) if !request.fields.is_empty() => request.fields.clone(),
            _ => self.changes.iter().map(|c| c.field.clone()).collect(),
        }
    }

    /// Every secret value the plan's bodies carry.
    pub fn secret_values(&self) -> Vec<String> {
        self.requests
            .iter()
            .flat_map(PlannedRequest::secret_values)
            .collect()
    }

    /// The preview text: the changes, then every request.
    pub fn describe(&self) -> String {
        let mut text = format!("{}\n", self.summary);
        for change in &self.changes {
            let before = change.before.as_deref().unwrap_or("(unset)");
            let after = change.after.as_deref().unwrap_or("(unset)");
            text.push_str(&format!("  {}: {before} → {after}", change.field));
            if let Some(note) = &change.note {
                text.push_str(&format!("  [{note}]"));
            }
            text.push('\n');
        }
        for request in &self.requests {
            text.push('\n');
            text.push_str(&request.describe(self.auth_scheme));
        }
        text
    }
}

/// The value at a dotted path of nested objects (`credentials_email.email`), if there is one.
pub fn json_at<'a>(value: &'a Value, dotted: &str) -> Option<&'a Value> {
    dotted
        .split('.')
        .try_fold(value, |current, key| current.as_object()?.get(key))
}

/// A JSON value as previews show it: strings as they are, other values as JSON, null as unset.
pub fn json_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(text.clone()),
        other => Some(other.to_string()),
    }
}

/// Dotted paths and values of a JSON object, for create previews (secrets masked).
pub fn flatten_for_preview(value: &Value) -> Vec<(String, String)> {
    fn walk(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
        match value {
            Value::Object(map) => {
                for (key, item) in map {
                    let path = if prefix.is_empty() {
                        key.clone()
                    } else {
                        format!("{prefix}.{key}")
                    };
                    if is_secret_name(key) {
                        out.push((path, MASK.to_owned()));
                    } else {
                        walk(&path, item, out);
                    }
                }
            }
            other => out.extend(json_text(other).map(|text| (prefix.to_owned(), text))),
        }
    }
    let mut out = Vec::new();
    walk("", value, &mut out);
    out
}

/// When a plan re-built from a fresh read differs from the confirmed one: both versions of what
/// changed, for the message that stops the write.
pub fn conflict(confirmed: &WritePlan, now: &WritePlan) -> Option<String> {
    if confirmed.changes == now.changes {
        return None;
    }
    let lines = |plan: &WritePlan| {
        plan.changes
            .iter()
            .map(|c| {
                format!(
                    "  {}: {}",
                    c.field,
                    c.before.as_deref().unwrap_or("(unset)")
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    Some(crate::text::sanitize_lines(&format!(
        "{}: the record changed since it was read; nothing was written.\nWhen read:\n{}\nNow:\n{}",
        confirmed.summary,
        lines(confirmed),
        lines(now)
    )))
}

/// True when `key` of `map` holds a secret: a secret name, or the `value` of a SCIM PATCH
/// operation whose `path` names one (`{"path": "password", "value": …}`).
fn holds_secret(map: &serde_json::Map<String, Value>, key: &str) -> bool {
    is_secret_name(key)
        || (key.eq_ignore_ascii_case("value")
            && map
                .get("path")
                .and_then(Value::as_str)
                .is_some_and(is_secret_name))
}

fn mask(value: &Value, everything: bool) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), mask(v, everything || holds_secret(map, k))))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| mask(v, everything)).collect()),
        Value::Null => Value::Null,
        _ if everything => Value::String(MASK.to_owned()),
        other => other.clone(),
    }
}

/// The texts that [`mask`] would hide, collected from a body.
fn collect_secrets(value: &Value, everything: bool, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => map
            .iter()
            .for_each(|(k, v)| collect_secrets(v, everything || holds_secret(map, k), found)),
        Value::Array(items) => items
            .iter()
            .for_each(|item| collect_secrets(item, everything, found)),
        Value::String(text) if everything && !text.is_empty() => found.push(text.clone()),
        Value::Number(number) if everything => found.push(number.to_string()),
        _ => {}
    }
}

/// Replaces every occurrence of the given secret values in a text (an error a service answered
/// with, which may quote the request) with the mask.
pub fn scrub(text: &str, secrets: &[String]) -> String {
    let mut text = text.to_owned();
    for secret in secrets.iter().filter(|s| s.chars().count() >= 3) {
        text = text.replace(secret.as_str(), MASK);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_masked_at_any_depth() {
        let request = PlannedRequest::new(Method::POST, Url::parse("http://h/user").expect("url"))
            .with_body(json!({"name": "jdoe", "password": {"value": "hunter2"}}));
        let shown = request.describe("Basic");
        assert!(!shown.contains("hunter2"));
        assert!(shown.contains("\"name\": \"jdoe\""));
        assert!(shown.contains("Authorization: Basic ********"));
    }

    #[test]
    fn a_scim_password_is_masked_by_its_path() {
        let request =
            PlannedRequest::new(Method::PATCH, Url::parse("http://h/Users/1").expect("url"))
                .with_body(json!({"Operations": [
                    {"op": "replace", "path": "password", "value": "hunter2"},
                    {"op": "replace", "path": "title", "value": "Lead"}
                ]}));
        let shown = request.describe("Bearer");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("Lead"));
        assert_eq!(request.secret_values(), ["hunter2"]);
        assert_eq!(
            scrub("password hunter2 is too weak", &request.secret_values()),
            format!("password {MASK} is too weak")
        );
    }

    #[test]
    fn secret_fields_are_masked_in_the_changes() {
        let mut plan = WritePlan {
            summary: "replace".to_owned(),
            changes: vec![
                FieldChange {
                    field: "password".to_owned(),
                    before: None,
                    after: Some("hunter2".to_owned()),
                    note: None,
                },
                FieldChange {
                    field: "encrypted-password".to_owned(),
                    before: Some("x".to_owned()),
                    after: None,
                    note: None,
                },
            ],
            requests: Vec::new(),
            auth_scheme: "Bearer",
        };
        plan.mask_secret_changes();
        assert_eq!(plan.changes[0].after.as_deref(), Some(MASK));
        assert_eq!(plan.changes[0].before, None);
        assert_eq!(plan.changes[1].before.as_deref(), Some(MASK));
    }

    #[test]
    fn credentials_in_a_url_are_never_shown() {
        let url = Url::parse("https://app:PASS@h/crowd/rest").expect("url");
        assert_eq!(shown_url(&url), "https://h/crowd/rest");
    }

    #[test]
    fn confidential_bodies_are_masked_whole() {
        let mut request =
            PlannedRequest::new(Method::PATCH, Url::parse("http://h/x").expect("url"))
                .with_body(json!({"value": "s3cret"}));
        request.confidential = true;
        assert_eq!(request.shown_body(), Some(json!({"value": MASK})));
    }
}
