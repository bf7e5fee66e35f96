//! Helpers for the raw HTTP tests of the simulated Crowd API: a simulator with a client, and
//! requests built the way python-crowd 3.1.0 and atlassian-crowd-client 2.0.0 build theirs
//! (api-facts §1.7). Only plumbing lives here; the assertions are in the test files.

#![allow(dead_code, clippy::unwrap_used)]

use roster::simulator::{RunningSimulator, SimOptions, start};
use serde_json::Value;

/// A running simulator and an HTTP client for it.
pub struct Crowd {
    pub sim: RunningSimulator,
    pub http: reqwest::Client,
}

impl Crowd {
    pub async fn start() -> Self {
        Self {
            sim: start(&SimOptions::default()).await.unwrap(),
            http: reqwest::Client::new(),
        }
    }

    pub fn url(&self, rest: &str) -> String {
        format!("{}/crowd/rest/usermanagement/1{rest}", self.sim.base_url())
    }

    /// python-crowd's JSON session: basic auth, JSON Content-Type and Accept on every request.
    pub fn python(&self, method: reqwest::Method, rest: &str) -> reqwest::RequestBuilder {
        let (app, password) = &self.sim.state.credentials.crowd;
        self.http
            .request(method, self.url(rest))
            .basic_auth(app, Some(password))
            .header("content-type", "application/json")
            .header("accept", "application/json")
    }

    /// atlassian-crowd-client: JSON Accept; writes carry a JSON Content-Type with charset.
    pub fn node(&self, method: reqwest::Method, rest: &str) -> reqwest::RequestBuilder {
        let (app, password) = &self.sim.state.credentials.crowd;
        let writes = method != reqwest::Method::GET;
        let builder = self
            .http
            .request(method, self.url(rest))
            .basic_auth(app, Some(password))
            .header("accept", "application/json");
        if writes {
            builder.header("content-type", "application/json; charset=utf-8")
        } else {
            builder
        }
    }
}

pub fn content_type(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// atlassian-crowd-client reads any top-level `reason` or `message` as an error.
pub fn assert_success_body(body: &Value) {
    assert!(
        body.get("reason").is_none() && body.get("message").is_none(),
        "{body}"
    );
}

/// What a response said: status, `Content-Type`, `Location`, and the body as JSON (null when empty).
#[derive(Debug)]
pub struct Answer {
    pub status: reqwest::StatusCode,
    pub content_type: String,
    pub location: Option<String>,
    pub body: Value,
}

/// Sends a request and reads the whole answer; a non-empty body must be JSON.
pub async fn answer(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.unwrap();
    let status = response.status();
    let content_type = content_type(&response);
    let location = response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    };
    Answer {
        status,
        content_type,
        location,
        body,
    }
}

/// Asserts Crowd's error entity: the status, `application/json`, and the reason.
pub fn assert_refused(answer: &Answer, status: u16, reason: &str) {
    assert_eq!(answer.status.as_u16(), status, "{answer:?}");
    assert_eq!(answer.content_type, "application/json", "{answer:?}");
    assert_eq!(answer.body["reason"], reason, "{answer:?}");
    assert!(answer.body["message"].is_string(), "{answer:?}");
}

/// The `name`s of a list of `{link, name}` references or entities under `key`.
pub fn names(body: &Value, key: &str) -> Vec<String> {
    body[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} list in {body}"))
        .iter()
        .map(|item| item["name"].as_str().unwrap().to_owned())
        .collect()
}
