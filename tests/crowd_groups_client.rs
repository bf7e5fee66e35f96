//! roster's Crowd client reading a user's direct and nested groups: the exact requests against
//! wiremock (paging until a short page, a server that ignores `start-index`), and the simulator's
//! nested demo groups over loopback.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use roster::config::{Connection, Credentials};
use roster::domain::ServiceKind;
use roster::secret::Secret;
use roster::service::ServiceError;
use roster::service::crowd::Client;
use roster::service::crowd::groups::{Membership, UserGroup};
use roster::service::http::{HttpClient, RetryPolicy};
use roster::simulator::{SimOptions, start};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const API: &str = "/crowd/rest/usermanagement/1";

fn client_for(url: &str, username: &str, password: &str) -> Client {
    let connection = Connection {
        name: "crowd".to_owned(),
        kind: ServiceKind::Crowd,
        url: url.parse().unwrap(),
        read_only: true,
        credentials: Credentials::Basic {
            username: username.to_owned(),
            password: Secret::new(password),
        },
        timeout: None,
        max_concurrency: None,
    };
    let http = HttpClient::new("crowd", true)
        .unwrap()
        .with_retry(RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
        });
    Client::new(http, &connection).unwrap()
}

fn groups(names: &[&str]) -> Value {
    let listed: Vec<Value> = names
        .iter()
        .map(|n| json!({"link": {"rel": "self", "href": format!("http://crowd/group?groupname={n}")}, "name": n}))
        .collect();
    json!({ "expand": "group", "groups": listed })
}

async fn mount_page(server: &MockServer, kind: &str, start: &str, names: &[&str]) {
    Mock::given(method("GET"))
        .and(path(format!("{API}/user/group/{kind}")))
        .and(query_param("username", "jane doe"))
        .and(query_param("start-index", start))
        .and(query_param("max-results", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(groups(names)))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn groups_are_read_page_by_page_until_a_short_page() {
    let server = MockServer::builder().start().await;
    mount_page(&server, "nested", "0", &["a", "b"]).await;
    mount_page(&server, "nested", "2", &["c", "d"]).await;
    mount_page(&server, "nested", "4", &["e"]).await;
    let client = client_for(&format!("{}/crowd", server.uri()), "app", "pw");
    let names = client
        .groups_of("jane doe", Membership::Nested, 2)
        .await
        .unwrap();
    assert_eq!(names, ["a", "b", "c", "d", "e"]);
}

#[tokio::test]
async fn a_server_that_ignores_start_index_ends_the_reading_without_duplicates() {
    let server = MockServer::builder().start().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/user/group/direct")))
        .respond_with(ResponseTemplate::new(200).set_body_json(groups(&["a", "B"])))
        .expect(2)
        .mount(&server)
        .await;
    let client = client_for(&format!("{}/crowd", server.uri()), "app", "pw");
    let names = client
        .groups_of("jane doe", Membership::Direct, 2)
        .await
        .unwrap();
    assert_eq!(names, ["a", "B"]);
}

#[tokio::test]
async fn an_unknown_user_is_crowds_404() {
    let server = MockServer::builder().start().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/user/group/direct")))
        .respond_with(ResponseTemplate::new(404).set_body_json(
            json!({"reason": "USER_NOT_FOUND", "message": "User <nobody> does not exist"}),
        ))
        .mount(&server)
        .await;
    let client = client_for(&format!("{}/crowd", server.uri()), "app", "pw");
    let error = client.user_groups("nobody").await.unwrap_err();
    let status = match &error {
        ServiceError::Status(status) => Some(status.status),
        _ => None,
    };
    assert_eq!(status, Some(404), "{error:?}");
    assert!(
        error.to_string().contains("User <nobody> does not exist"),
        "{error}"
    );
}

#[tokio::test]
async fn the_simulators_nested_groups_are_marked_direct_or_not() {
    let sim = start(&SimOptions::default()).await.unwrap();
    let (app, password) = sim.state.credentials.crowd.clone();
    let client = client_for(&format!("{}/crowd", sim.base_url()), &app, &password);
    let found = client.user_groups("vnovak").await.unwrap();
    let expected = [
        ("all-staff", false),
        ("bitbucket-users", false),
        ("developers", true),
        ("engineering", false),
        ("jira-software-users", true),
    ]
    .map(|(name, direct)| UserGroup {
        name: name.to_owned(),
        direct,
    });
    assert_eq!(found, expected);
    let paged = client
        .groups_of("vnovak", Membership::Nested, 2)
        .await
        .unwrap();
    assert_eq!(
        paged,
        found.iter().map(|g| g.name.clone()).collect::<Vec<_>>()
    );
}
