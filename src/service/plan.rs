//! Write plans: the exact requests a write will send, and the preview people confirm first.
//!
//! A service turns an [`Edit`](crate::domain::Edit) into a [`WritePlan`] without sending anything;
//! the command line prints it for `--dry-run` and confirmation, the browser shows it as the
//! preview, and the same plan is then executed request by request. Bodies are shown with secrets
//! and hidden values masked.

use reqwest::Method;
use serde_json::Value;
use url::Url;

use crate::domain::FieldChange;
use crate::secret::MASK;

/// Keys whose values are masked in every shown body, wherever they appear.
const SECRET_KEYS: &[&str] = &[
    "password",
    "client_secret",
    "secret",
    "token",
    "access_token",
    "refresh_token",
];

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
        }
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
            self.method, self.url
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
                    if SECRET_KEYS.iter().any(|s| key.eq_ignore_ascii_case(s)) {
                        out.push((path, MASK.to_owned()));
                    } else {
                        walk(&path, item, out);
                    }
                }
            }
            Value::Null => {}
            other => out.push((
                prefix.to_owned(),
                match other {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                },
            )),
        }
    }
    let mut out = Vec::new();
    walk("", value, &mut out);
    out
}

fn mask(value: &Value, everything: bool) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let secret = SECRET_KEYS.iter().any(|s| k.eq_ignore_ascii_case(s));
                    (k.clone(), mask(v, everything || secret))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| mask(v, everything)).collect()),
        Value::Null => Value::Null,
        _ if everything => Value::String(MASK.to_owned()),
        other => other.clone(),
    }
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
    fn confidential_bodies_are_masked_whole() {
        let mut request =
            PlannedRequest::new(Method::PATCH, Url::parse("http://h/x").expect("url"))
                .with_body(json!({"value": "s3cret"}));
        request.confidential = true;
        assert_eq!(request.shown_body(), Some(json!({"value": MASK})));
    }
}
