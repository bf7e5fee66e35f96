//! The Crowd client against wiremock: the exact shape of every request it sends, and how each
//! kind of failure comes back (401 without a body, 403, 404, 400, 429, 5xx, malformed JSON).

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use base64::Engine as _;
use roster::config::{Connection, Credentials};
use roster::domain::{Edit, ServiceKind};
use roster::secret::Secret;
use roster::service::crowd::Client;
use roster::service::http::{HttpClient, RetryPolicy};
use roster::service::{AnyDirectory, Directory, ListQuery, ServiceError};

mod writes;

/// Sends a plan's requests one by one (the exact shapes are what these tests pin).
async fn send_plan(
    client: &Client,
    plan: &roster::service::WritePlan,
) -> Result<Option<String>, ServiceError> {
    writes::send_plan(&AnyDirectory::Crowd(client.clone()), plan).await
}
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const API: &str = "/crowd/rest/usermanagement/1";

fn api(rest: &str) -> String {
    format!("{API}{rest}")
}

fn client(server: &MockServer) -> Client {
    let connection = Connection {
        name: "corp-crowd".to_owned(),
        kind: ServiceKind::Crowd,
        url: format!("{}/crowd", server.uri()).parse().unwrap(),
        read_only: false,
        credentials: Credentials::Basic {
            username: "roster-app".to_owned(),
            password: Secret::new("app-secret"),
        },
        timeout: None,
        max_concurrency: None,
    };
    let http = HttpClient::new("corp-crowd", false)
        .unwrap()
        .with_retry(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
        });
    Client::new(http, &connection).unwrap()
}

fn basic() -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("roster-app:app-secret")
    )
}

/// The documented user of api-facts §1.4, with a second attribute.
fn documented_user() -> Value {
    json!({
      "expand": "attributes",
      "link": {"rel": "self", "href": "https://crowd.example.com/crowd/rest/usermanagement/1/user?username=jdoe"},
      "name": "jdoe", "first-name": "Jane", "last-name": "Doe", "display-name": "Jane Doe",
      "email": "jdoe@example.com",
      "password": {"link": {"rel": "edit", "href": "https://crowd.example.com/crowd/rest/usermanagement/1/user/password?username=jdoe"}},
      "key": "32769:9f1c0d2e", "active": true,
      "attributes": {
        "link": {"rel": "self", "href": "https://crowd.example.com/crowd/rest/usermanagement/1/user/attribute?username=jdoe"},
        "attributes": [
          {"link": {"rel": "self", "href": "h"}, "name": "department", "values": ["R&D"]},
          {"link": {"rel": "self", "href": "h"}, "name": "requiresPasswordChange", "values": ["false"]}
        ]
      }
    })
}

async fn mount_user(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path(api("/user")))
        .and(query_param("username", "jdoe"))
        .and(query_param("expand", "attributes"))
        .and(header("authorization", basic().as_str()))
        .and(header("accept", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(documented_user()))
        .mount(server)
        .await;
}

#[tokio::test]
async fn update_puts_the_whole_user_with_the_query_username_as_name() {
    let server = MockServer::builder().start().await;
    mount_user(&server).await;
    Mock::given(method("PUT"))
        .and(path(api("/user")))
        .and(query_param("username", "jdoe"))
        .and(header("authorization", basic().as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "name": "jdoe", "first-name": "Janet", "last-name": "Doe",
            "display-name": "Jane Doe", "email": "jdoe@example.com", "active": true
        })))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let record = client.find_user("jdoe").await.unwrap();
    let plan = client
        .plan(
            Some(&record),
            &Edit::Update {
                fields: vec![("first-name".to_owned(), "Janet".to_owned())],
            },
        )
        .await
        .unwrap();
    assert_eq!(plan.changes[0].before.as_deref(), Some("Jane"));
    send_plan(&client, &plan).await.unwrap();
}

#[tokio::test]
async fn set_posts_all_values_in_one_attributes_body_and_unset_deletes_by_name() {
    let server = MockServer::builder().start().await;
    mount_user(&server).await;
    Mock::given(method("POST"))
        .and(path(api("/user/attribute")))
        .and(query_param("username", "jdoe"))
        .and(body_json(
            json!({"attributes": [{"name": "skills", "values": ["sql", "rust"]}]}),
        ))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(api("/user/attribute")))
        .and(query_param("username", "jdoe"))
        .and(query_param("attributename", "department"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let record = client.find_user("jdoe").await.unwrap();
    let set = Edit::SetAttribute {
        name: "skills".to_owned(),
        values: vec!["sql".to_owned(), "rust".to_owned()],
    };
    send_plan(&client, &client.plan(Some(&record), &set).await.unwrap())
        .await
        .unwrap();
    let unset = Edit::UnsetAttribute {
        name: "department".to_owned(),
    };
    send_plan(&client, &client.plan(Some(&record), &unset).await.unwrap())
        .await
        .unwrap();
}

#[tokio::test]
async fn usernames_are_encoded_in_the_query() {
    let server = MockServer::builder().start().await;
    Mock::given(method("GET"))
        .and(path(api("/user")))
        .and(query_param("username", "a&b c/d"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"name": "a&b c/d", "active": true})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let record = client(&server).read_user("a&b c/d").await.unwrap();
    assert_eq!(record.id, "a&b c/d");
    let requests = server.received_requests().await.unwrap();
    assert!(
        requests[0]
            .url
            .query()
            .unwrap()
            .contains("username=a%26b+c%2Fd")
    );
}

#[tokio::test]
async fn listing_pages_with_start_index_and_max_results_until_a_short_page() {
    let server = MockServer::builder().start().await;
    let page = |names: &[&str]| json!({"expand": "user", "users": names.iter().map(|n| json!({"name": n, "active": true})).collect::<Vec<_>>()});
    for (start, names) in [
        ("0", &["a", "b"][..]),
        ("2", &["c", "d"][..]),
        ("4", &["e"][..]),
        ("6", &[][..]),
        ("8", &[][..]),
        ("10", &[][..]),
    ] {
        Mock::given(method("GET"))
            .and(path(api("/search")))
            .and(query_param("entity-type", "user"))
            .and(query_param("expand", "user"))
            .and(query_param("max-results", "2"))
            .and(query_param("start-index", start))
            .respond_with(ResponseTemplate::new(200).set_body_json(page(names)))
            .mount(&server)
            .await;
    }
    let client = client(&server).with_page_size(2);
    let mut ids = Vec::new();
    client
        .list_users(&ListQuery::default(), &mut |p| {
            ids.extend(p.users.into_iter().map(|u| u.id))
        })
        .await
        .unwrap();
    assert_eq!(ids, ["a", "b", "c", "d", "e"]);

    let filtered = ListQuery {
        filter: Some("j\"o".to_owned()),
        limit: None,
        ..ListQuery::default()
    };
    client.list_users(&filtered, &mut |_| {}).await.unwrap();
    let requests = server.received_requests().await.unwrap();
    let last = requests.last().unwrap();
    let restriction = last
        .url
        .query_pairs()
        .find(|(k, _)| k == "restriction")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    assert!(restriction.starts_with(r#"name = "*j\"o*" or email = "*j\"o*""#));
}

#[tokio::test]
async fn find_by_email_uses_cql_and_matches_exactly() {
    let server = MockServer::builder().start().await;
    Mock::given(method("GET"))
        .and(path(api("/user")))
        .and(query_param("username", "jdoe@example.com"))
        .respond_with(ResponseTemplate::new(404).set_body_json(
            json!({"reason": "USER_NOT_FOUND", "message": "User <jdoe@example.com> does not exist"}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("/search")))
        .and(query_param("restriction", "email = \"jdoe@example.com\""))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"users": [
            {"name": "jdoe", "email": "JDOE@example.com"},
            {"name": "other", "email": "jdoe@example.com.evil"}
        ]})))
        .expect(1)
        .mount(&server)
        .await;
    mount_user(&server).await;
    let record = client(&server).find_user("jdoe@example.com").await.unwrap();
    assert_eq!(record.id, "jdoe");
}

#[tokio::test]
async fn a_401_without_a_body_is_still_a_clear_error() {
    let server = MockServer::builder().start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header("www-authenticate", "Basic realm=\"Crowd REST Service\""),
        )
        .expect(1)
        .mount(&server)
        .await;
    let error = client(&server).read_user("jdoe").await.unwrap_err();
    assert!(matches!(error, ServiceError::Auth { status: 401, .. }));
    let message = error.to_string();
    assert!(message.contains("corp-crowd"), "{message}");
    assert!(
        message.contains("application name and password"),
        "{message}"
    );
    assert!(!message.contains("app-secret"));
}

#[tokio::test]
async fn a_403_with_an_html_body_explains_the_denial() {
    let server = MockServer::builder().start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_raw("<html><body>Forbidden\u{1b}[31m</body></html>", "text/html"),
        )
        .mount(&server)
        .await;
    let error = client(&server).read_user("jdoe").await.unwrap_err();
    assert!(matches!(error, ServiceError::Auth { status: 403, .. }));
    let message = error.to_string();
    assert!(message.contains("allowed from this address"), "{message}");
    assert!(!message.contains('\u{1b}'));
}

#[tokio::test]
async fn a_404_user_not_found_is_not_found() {
    let server = MockServer::builder().start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_json(
            json!({"reason": "USER_NOT_FOUND", "message": "User <jdoe> does not exist"}),
        ))
        .mount(&server)
        .await;
    match client(&server).find_user("jdoe").await {
        Err(ServiceError::NotFound(message)) => {
            assert!(message.contains("User <jdoe> does not exist"), "{message}")
        }
        other => panic!("expected not found, got {other:?}"),
    }
}

#[tokio::test]
async fn a_400_keeps_crowds_reason_and_message_and_is_not_retried() {
    let server = MockServer::builder().start().await;
    mount_user(&server).await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "reason": "ILLEGAL_ARGUMENT",
            "message": "The names of the resource location <jdoe> and object <x> are not equal"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let record = client.find_user("jdoe").await.unwrap();
    let plan = client
        .plan(
            Some(&record),
            &Edit::Update {
                fields: vec![("email".to_owned(), "j@example.com".to_owned())],
            },
        )
        .await
        .unwrap();
    match send_plan(&client, &plan).await {
        Err(ServiceError::Status(status)) => {
            assert_eq!(status.status, 400);
            assert_eq!(status.code.as_deref(), Some("ILLEGAL_ARGUMENT"));
            assert!(status.reason.contains("are not equal"));
        }
        other => panic!("expected 400, got {other:?}"),
    }
}

#[tokio::test]
async fn a_429_with_retry_after_is_retried_for_reads() {
    let server = MockServer::builder().start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    mount_user(&server).await;
    let record = client(&server).read_user("jdoe").await.unwrap();
    assert_eq!(record.id, "jdoe");
    let user_reads = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path().ends_with("/user"))
        .count();
    assert_eq!(
        user_reads, 2,
        "the 429 and the retry (the groups are read after)"
    );
}

#[tokio::test]
async fn a_create_is_never_retried_after_a_429() {
    let server = MockServer::builder().start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let plan = client
        .plan(
            None,
            &Edit::Create {
                resource: json!({"name": "n", "password": {"value": "p"}}),
            },
        )
        .await
        .unwrap();
    match send_plan(&client, &plan).await {
        Err(ServiceError::RateLimited { retry_after, .. }) => {
            assert_eq!(retry_after, Some(Duration::from_secs(1)))
        }
        other => panic!("expected rate limited, got {other:?}"),
    }
}

#[tokio::test]
async fn create_returns_the_new_username_from_the_201_body() {
    let server = MockServer::builder().start().await;
    Mock::given(method("POST"))
        .and(path(api("/user")))
        .and(body_json(
            json!({"name": "nu", "password": {"value": "p"}, "active": true}),
        ))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header(
                    "location",
                    "http://h/crowd/rest/usermanagement/1/user?username=nu",
                )
                .set_body_json(json!({"name": "nu", "active": true})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let plan = client
        .plan(
            None,
            &Edit::Create {
                resource: json!({"name": "nu", "password": "p"}),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        send_plan(&client, &plan).await.unwrap().as_deref(),
        Some("nu")
    );
}

#[tokio::test]
async fn server_errors_are_retried_then_reported_with_crowds_reason() {
    let server = MockServer::builder().start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500).set_body_json(
            json!({"reason": "OPERATION_FAILED", "message": "directory unavailable"}),
        ))
        .expect(3)
        .mount(&server)
        .await;
    match client(&server).read_user("jdoe").await {
        Err(ServiceError::Status(status)) => {
            assert_eq!(status.status, 500);
            assert_eq!(status.code.as_deref(), Some("OPERATION_FAILED"));
        }
        other => panic!("expected 500, got {other:?}"),
    }
}

#[tokio::test]
async fn malformed_json_is_a_decode_error_after_retries() {
    let server = MockServer::builder().start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("{\"name\": \"jd", "application/json"),
        )
        .expect(3)
        .mount(&server)
        .await;
    assert!(matches!(
        client(&server).read_user("jdoe").await,
        Err(ServiceError::Decode { .. })
    ));
}
