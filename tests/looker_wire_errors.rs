//! The Looker client against wiremock: the exact shapes of the requests it sends, and what it makes
//! of 401, 404, 422, 429 with `Retry-After`, 5xx, malformed, huge and deeply nested responses.
//! Payloads follow the documented examples in api-facts.md, not the simulator.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use roster::service::ServiceError;
use roster::service::http::{HttpClient, RetryPolicy};
use roster::service::looker::Client;
use roster::service::{Directory, ListQuery};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, body_string, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CLIENT_ID: &str = "wire-client";
const SECRET: &str = "wire-secret-9f8e7d";
const TOKEN: &str = "4QDkCyCtZzYgj4C2p2cj3csJH7zqS5RzKs2kTnG4";

fn doc(status: u16) -> String {
    format!("https://cloud.google.com/looker/docs/r/err/4.0/{status}/get/users/:user_id")
}

fn looker_error(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(json!({"message": message, "documentation_url": doc(status)}))
}

async fn mount_login(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/api/4.0/login"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string(format!(
            "client_id={CLIENT_ID}&client_secret={SECRET}"
        )))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600, "refresh_token": null
        })))
        .named("login")
        .mount(server)
        .await;
}

fn client_with(server: &MockServer, http: HttpClient) -> Client {
    Client::new(
        http,
        &looker_connection_to(&server.uri(), CLIENT_ID, SECRET, false),
    )
    .unwrap()
}

fn client(server: &MockServer) -> Client {
    client_with(server, fast_http(3))
}

/// A `User` as the spec shows it (ids are strings in 4.0).
fn user_json(id: &str) -> Value {
    json!({
        "id": id, "first_name": "Jane", "last_name": "Doe", "display_name": "Jane Doe",
        "email": "jdoe@example.com", "is_disabled": false, "locale": "en",
        "credentials_email": {"email": "jdoe@example.com", "is_disabled": false, "type": "email"},
        "group_ids": ["1", "3"], "role_ids": ["2"]
    })
}

async fn mount_user(server: &MockServer, id: &str) {
    Mock::given(method("GET"))
        .and(path(format!("/api/4.0/users/{id}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_json(id)))
        .mount(server)
        .await;
}

fn assert_secret_free(error: &ServiceError) {
    for text in [error.to_string(), format!("{error:?}")] {
        assert!(!text.contains(SECRET), "secret in error: {text}");
        assert!(!text.contains(TOKEN), "token in error: {text}");
    }
}

#[tokio::test]
async fn login_is_a_form_post_and_calls_carry_the_bearer_token() {
    let server = MockServer::builder().start().await;
    mount_login(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/4.0/users/42"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("accept", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_json("42")))
        .expect(2)
        .mount(&server)
        .await;
    let client = client(&server);
    let (user, raw) = client.user("42").await.unwrap();
    assert_eq!(user.id, "42");
    assert_eq!(user.login_email().as_deref(), Some("jdoe@example.com"));
    assert_eq!(raw["role_ids"], json!(["2"]));
    client.user("42").await.unwrap();
    let requests = server.received_requests().await.unwrap();
    let logins: Vec<_> = requests
        .iter()
        .filter(|r| r.url.path() == "/api/4.0/login")
        .collect();
    assert_eq!(logins.len(), 1, "the token is reused");
    assert_eq!(logins[0].method.as_str(), "POST");
    assert!(logins[0].url.query().is_none(), "no credentials in the URL");
    assert!(logins[0].headers.get("authorization").is_none());
    server.verify().await;
}

#[tokio::test]
async fn attribute_writes_send_exactly_the_value() {
    let server = MockServer::builder().start().await;
    mount_login(&server).await;
    Mock::given(method("PATCH"))
        .and(path("/api/4.0/users/42/attribute_values/7"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({"value": "EMEA"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "user_attribute_id": "7", "name": "region", "label": "Region", "user_id": "42",
            "value": "EMEA", "rank": null, "source": "User", "value_is_hidden": false,
            "user_can_edit": false, "hidden_value_domain_whitelist": null, "can": {"set_value": true}
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/4.0/users/42/attribute_values/7"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let body = client
        .send_planned(&client.set_attribute_value_request("42", "7", "EMEA"))
        .await
        .unwrap();
    assert_eq!(body.unwrap()["source"], "User");
    let deleted = client
        .send_planned(&client.delete_attribute_value_request("42", "7"))
        .await
        .unwrap();
    assert!(deleted.is_none(), "an empty 204 is fine");
    let patch = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.method.as_str() == "PATCH")
        .unwrap();
    assert_eq!(
        String::from_utf8(patch.body).unwrap(),
        r#"{"value":"EMEA"}"#
    );
    server.verify().await;
}

#[tokio::test]
async fn ids_and_search_terms_are_encoded() {
    let server = MockServer::builder().start().await;
    mount_login(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/4.0/users/search"))
        .and(query_param("email", "a_b+c@example.com"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    assert!(matches!(
        client.find_user("a_b+c@example.com").await,
        Err(ServiceError::NotFound(_))
    ));
    let request = client.set_attribute_value_request("4/2", "7?x", "v");
    assert_eq!(
        request.url.path(),
        "/api/4.0/users/4%2F2/attribute_values/7%3Fx"
    );
    server.verify().await;
}

#[tokio::test]
async fn a_401_renews_the_token_once_then_reports_auth() {
    let server = MockServer::builder().start().await;
    Mock::given(method("POST"))
        .and(path("/api/4.0/login"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600
        })))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/4.0/users/42"))
        .respond_with(looker_error(401, "Requires authentication."))
        .expect(2)
        .mount(&server)
        .await;
    let error = client(&server).user("42").await.unwrap_err();
    match &error {
        ServiceError::Auth { status, reason } => {
            assert_eq!(*status, 401);
            assert_eq!(reason, "Requires authentication.");
        }
        other => panic!("expected Auth, got {other:?}"),
    }
    assert_secret_free(&error);
    server.verify().await;
}

#[tokio::test]
async fn refused_credentials_are_an_auth_error_without_the_secret() {
    let server = MockServer::builder().start().await;
    Mock::given(method("POST"))
        .and(path("/api/4.0/login"))
        .respond_with(looker_error(404, "Not found"))
        .expect(1)
        .mount(&server)
        .await;
    let error = client(&server).user("42").await.unwrap_err();
    assert!(
        matches!(error, ServiceError::Auth { status: 404, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("client id and secret"));
    assert_secret_free(&error);
    server.verify().await;
}

#[tokio::test]
async fn a_missing_user_is_not_found() {
    let server = MockServer::builder().start().await;
    mount_login(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/4.0/users/42"))
        .respond_with(looker_error(404, "Not found"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/4.0/user_attributes"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/4.0/users/42/attribute_values"))
        .respond_with(looker_error(404, "Not found"))
        .mount(&server)
        .await;
    match client(&server).read_user("42").await {
        Err(ServiceError::NotFound(message)) => {
            assert!(
                message.contains("42") && message.contains("looker"),
                "{message}"
            )
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
}

#[tokio::test]
async fn validation_errors_keep_their_fields() {
    let server = MockServer::builder().start().await;
    mount_login(&server).await;
    let url = "https://cloud.google.com/looker/docs/r/err/4.0/422/patch/users/:user_id/attribute_values/:user_attribute_id";
    Mock::given(method("PATCH"))
        .and(path("/api/4.0/users/42/attribute_values/8"))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({
            "message": "Validation Failed",
            "errors": [{"field": "value", "code": "invalid", "message": "Value must be a valid number", "documentation_url": url}],
            "documentation_url": url
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let error = client
        .send_planned(&client.set_attribute_value_request("42", "8", "abc"))
        .await
        .unwrap_err();
    match &error {
        ServiceError::Status(status) => {
            assert_eq!(status.status, 422);
            assert_eq!(status.reason, "Validation Failed");
            assert_eq!(status.field_errors.len(), 1);
            assert_eq!(status.field_errors[0].field, "value");
            assert_eq!(status.field_errors[0].code.as_deref(), Some("invalid"));
            assert_eq!(
                status.field_errors[0].message,
                "Value must be a valid number"
            );
        }
        other => panic!("expected a status error, got {other:?}"),
    }
    assert!(
        error
            .to_string()
            .contains("value: Value must be a valid number")
    );
    server.verify().await;
}

#[tokio::test]
async fn a_429_waits_for_retry_after_and_then_succeeds() {
    let server = MockServer::builder().start().await;
    mount_login(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/4.0/users/42"))
        .respond_with(looker_error(429, "Too many requests").insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    mount_user(&server, "42").await;
    let http = HttpClient::new("looker", false)
        .unwrap()
        .with_retry(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_secs(5),
        });
    let started = Instant::now();
    let (user, _) = client_with(&server, http).user("42").await.unwrap();
    assert_eq!(user.id, "42");
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After: 1 was honoured (waited {:?})",
        started.elapsed()
    );
    server.verify().await;
}

#[tokio::test]
async fn a_429_that_persists_reports_retry_after() {
    let server = MockServer::builder().start().await;
    mount_login(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/4.0/users/42"))
        .respond_with(looker_error(429, "Too many requests").insert_header("retry-after", "1"))
        .expect(2)
        .mount(&server)
        .await;
    let error = client_with(&server, fast_http(2))
        .user("42")
        .await
        .unwrap_err();
    match &error {
        ServiceError::RateLimited {
            retry_after,
            reason,
        } => {
            assert_eq!(*retry_after, Some(Duration::from_secs(1)));
            assert_eq!(reason, "Too many requests");
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert_eq!(error.status(), Some(429));
    server.verify().await;
}

#[tokio::test]
async fn server_errors_are_retried_on_get() {
    let server = MockServer::builder().start().await;
    mount_login(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/4.0/users/42"))
        .respond_with(looker_error(503, "Service Unavailable"))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    mount_user(&server, "42").await;
    let (user, _) = client_with(&server, fast_http(3)).user("42").await.unwrap();
    assert_eq!(user.first_name.as_deref(), Some("Jane"));
    server.verify().await;
}

#[tokio::test]
async fn a_failed_create_is_never_retried() {
    let server = MockServer::builder().start().await;
    mount_login(&server).await;
    Mock::given(method("POST"))
        .and(path("/api/4.0/users"))
        .and(body_json(
            json!({"first_name": "New", "credentials_email": {"email": "new@example.com"}}),
        ))
        .respond_with(looker_error(500, "Internal error"))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_with(&server, fast_http(5));
    let request = client.create_user_request(
        json!({"first_name": "New", "credentials_email": {"email": "new@example.com"}}),
    );
    let error = client.send_planned(&request).await.unwrap_err();
    match &error {
        ServiceError::Status(status) => {
            assert_eq!(status.status, 500);
            assert_eq!(status.reason, "Internal error");
        }
        other => panic!("expected a 500, got {other:?}"),
    }
    assert_secret_free(&error);
    server.verify().await;
}

#[tokio::test]
async fn malformed_json_is_a_decode_error() {
    let server = MockServer::builder().start().await;
    mount_login(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/4.0/users/42"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/json")
                .set_body_string(r#"{"id": "42", "first_name": "Ja"#),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/4.0/users"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/json")
                .set_body_string(r#"{"not": "an array"}"#),
        )
        .mount(&server)
        .await;
    let client = client(&server);
    let error = client.user("42").await.unwrap_err();
    assert!(matches!(error, ServiceError::Decode { .. }), "{error:?}");
    assert_secret_free(&error);
    let error = client
        .list_users(&ListQuery::default(), &mut |_| {})
        .await
        .unwrap_err();
    assert!(matches!(error, ServiceError::Decode { .. }), "{error:?}");
}

#[tokio::test]
async fn hostile_bodies_are_errors_not_panics() {
    let server = MockServer::builder().start().await;
    mount_login(&server).await;
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    Mock::given(method("GET"))
        .and(path("/api/4.0/users/1"))
        .respond_with(ResponseTemplate::new(200).set_body_string(deep.clone()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/4.0/users/2"))
        .respond_with(ResponseTemplate::new(500).set_body_string(deep))
        .mount(&server)
        .await;
    // Bigger than the body cap.
    let huge = vec![b' '; roster::service::http::MAX_BODY_BYTES + 1024];
    Mock::given(method("GET"))
        .and(path("/api/4.0/users/3"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(huge))
        .mount(&server)
        .await;
    // A very long error message is shortened.
    let long = "x".repeat(1_000_000);
    Mock::given(method("GET"))
        .and(path("/api/4.0/users/4"))
        .respond_with(looker_error(400, &long))
        .mount(&server)
        .await;
    let client = client_with(&server, fast_http(1));
    assert!(matches!(
        client.user("1").await,
        Err(ServiceError::Decode { .. })
    ));
    match client.user("2").await {
        Err(ServiceError::Status(status)) => assert_eq!(status.status, 500),
        other => panic!("expected a 500, got {other:?}"),
    }
    match client.user("3").await {
        Err(ServiceError::Decode { message, .. }) => assert!(message.contains("larger than")),
        other => panic!("expected Decode, got {other:?}"),
    }
    match client.user("4").await {
        Err(error) => assert!(error.to_string().len() < 2_000, "reason is shortened"),
        Ok(_) => panic!("expected an error"),
    }
}

#[tokio::test]
async fn transport_failures_name_the_url_but_not_the_secret() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let connection = looker_connection_to(&url, CLIENT_ID, SECRET, false);
    let client = Client::new(fast_http(2), &connection).unwrap();
    let error = client.user("42").await.unwrap_err();
    assert!(matches!(error, ServiceError::Transport { .. }), "{error:?}");
    assert!(error.to_string().contains("/api/4.0/login"));
    assert_secret_free(&error);
}
