//! The SCIM client against wiremock: the exact PATCH, PUT and POST bodies and headers it sends
//! (`If-Match` when the version is known, none otherwise), paging requests, and what it makes of
//! 400, 401, 404, 409 `uniqueness`, 429 with `Retry-After`, 5xx and malformed answers. Payloads
//! follow the documented examples of api-facts.md §2, not the simulator.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use roster::config::{Connection, Credentials};
use roster::domain::{Edit, ServiceKind};
use roster::journal::Outcome;
use roster::secret::Secret;
use roster::service::http::{HttpClient, RetryPolicy};
use roster::service::scim::Client;
use roster::service::{AnyDirectory, Directory, ListQuery, ServiceError};

mod writes;

/// Sends a plan's requests one by one (the exact shapes are what these tests pin).
async fn send_plan(
    client: &Client,
    plan: &roster::service::WritePlan,
) -> Result<Option<String>, ServiceError> {
    writes::send_plan(&AnyDirectory::Scim(client.clone()), plan).await
}
use serde_json::{Value, json};
use url::Url;
use wiremock::matchers::{body_json, header, header_exists, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "directory-key-3c1f";
const ID: &str = "247b915a-9d6c-4cd5-b5a5-071b1b3abc2e";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const ATLASSIAN: &str = "urn:scim:schemas:extension:atlassian-external:1.0";

fn client(server: &MockServer) -> Client {
    let http = HttpClient::new("scim", false)
        .unwrap()
        .with_retry(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(20),
        });
    let connection = Connection {
        name: "scim".to_owned(),
        kind: ServiceKind::Scim,
        url: Url::parse(&format!("{}/scim/directory/d1", server.uri())).unwrap(),
        read_only: false,
        credentials: Credentials::Bearer {
            token: Secret::new(TOKEN),
        },
        timeout: None,
        max_concurrency: None,
    };
    Client::new(http, &connection).unwrap()
}

/// The documented user of api-facts.md §2.3 (no `meta.version`, as on Atlassian).
fn documented_user() -> Value {
    json!({
        "schemas": [ATLASSIAN, "urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "id": ID, "externalId": "00u1abcd", "userName": "jdoe@example.com",
        "name": {"givenName": "Jane", "familyName": "Doe", "formatted": "Jane Doe"},
        "displayName": "Jane Doe", "nickName": null, "title": "Engineer", "preferredLanguage": "en-US",
        "timezone": "Europe/Berlin", "department": "R&D", "organization": "Example Ltd",
        "emails": [{"value": "jdoe@example.com", "type": "work", "primary": true}],
        "phoneNumbers": [],
        "groups": [{"value": "g1", "display": "engineering", "type": "direct", "$ref": "https://api.atlassian.com/scim/directory/d1/Groups/g1"}],
        "active": true,
        ENTERPRISE: {"department": "R&D", "organization": "Example Ltd"},
        ATLASSIAN: {"atlassianAccountId": "602bdf457b23f40068547c25"},
        "meta": {"resourceType": "User", "created": "2021-02-16T15:05:41.185473Z",
                 "lastModified": "2021-02-16T15:05:41.185473Z",
                 "location": format!("https://api.atlassian.com/scim/directory/d1/Users/{ID}")}
    })
}

fn scim_error(status: u16, scim_type: Option<&str>, detail: &str) -> ResponseTemplate {
    let mut body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": status.to_string(), "detail": detail});
    if let Some(scim_type) = scim_type {
        body["scimType"] = json!(scim_type);
    }
    ResponseTemplate::new(status).set_body_json(body)
}

async fn mount_user(server: &MockServer, user: Value, etag: Option<&str>) {
    let mut response = ResponseTemplate::new(200)
        .insert_header("content-type", "application/scim+json")
        .set_body_json(user);
    if let Some(etag) = etag {
        response = response.insert_header("etag", etag);
    }
    Mock::given(method("GET"))
        .and(path(format!("/scim/directory/d1/Users/{ID}")))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(response)
        .mount(server)
        .await;
}

fn user_path() -> String {
    format!("/scim/directory/d1/Users/{ID}")
}

#[tokio::test]
async fn patch_bodies_are_exact_and_carry_if_match_only_when_a_version_is_known() {
    let server = MockServer::builder().start().await;
    mount_user(&server, documented_user(), None).await;
    let client = client(&server);
    let record = client.read_user(ID).await.unwrap();
    let plan = client
        .plan(
            Some(&record),
            &Edit::Update {
                fields: vec![
                    ("displayName".to_owned(), "Jane D.".to_owned()),
                    (format!("{ENTERPRISE}:department"), "Platform".to_owned()),
                    ("active".to_owned(), "false".to_owned()),
                ],
            },
        )
        .await
        .unwrap();
    let expected = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "replace", "path": "displayName", "value": "Jane D."},
            {"op": "replace", "path": format!("{ENTERPRISE}:department"), "value": "Platform"},
            {"op": "replace", "path": "active", "value": false}
        ]
    });
    assert!(
        plan.requests[0].headers.is_empty(),
        "no version, no If-Match"
    );
    Mock::given(method("PATCH"))
        .and(path(user_path()))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(body_json(&expected))
        .respond_with(ResponseTemplate::new(200).set_body_json(documented_user()))
        .expect(1)
        .mount(&server)
        .await;
    send_plan(&client, &plan).await.unwrap();
    let sent = server.received_requests().await.unwrap();
    let patch = sent.iter().find(|r| r.method.as_str() == "PATCH").unwrap();
    assert!(patch.headers.get("if-match").is_none());

    // Adding an email to the existing one is an `add` of just the new value.
    let plan = client
        .plan(
            Some(&record),
            &Edit::SetAttribute {
                name: "emails".to_owned(),
                values: vec![
                    "jdoe@example.com (work, primary)".to_owned(),
                    "jane@home.example (home)".to_owned(),
                ],
            },
        )
        .await
        .unwrap();
    assert_eq!(
        plan.requests[0].body.as_ref().unwrap()["Operations"],
        json!([{"op": "add", "path": "emails", "value": [{"value": "jane@home.example", "type": "home"}]}])
    );
    assert!(!plan.requests[0].idempotent, "an add is never retried");
    let unset = client
        .plan(
            Some(&record),
            &Edit::UnsetAttribute {
                name: "title".to_owned(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        unset.requests[0].body.as_ref().unwrap()["Operations"],
        json!([{"op": "remove", "path": "title"}])
    );
    assert_eq!(unset.changes[0].before.as_deref(), Some("Engineer"));
}

#[tokio::test]
async fn replace_sends_the_resource_without_read_only_parts_with_if_match_from_the_etag() {
    let server = MockServer::builder().start().await;
    mount_user(&server, documented_user(), Some("W/\"7\"")).await;
    let client = client(&server);
    let record = client.read_user(ID).await.unwrap();
    assert_eq!(
        record.raw["meta"]["version"], "W/\"7\"",
        "the ETag header is remembered"
    );
    let mut resource = documented_user();
    resource["title"] = json!("Principal Engineer");
    resource.as_object_mut().unwrap().remove("phoneNumbers");
    resource.as_object_mut().unwrap().remove(ENTERPRISE);
    let plan = client
        .plan(Some(&record), &Edit::Replace { resource })
        .await
        .unwrap();
    let body = plan.requests[0].body.clone().unwrap();
    assert!(
        body.get("meta").is_none() && body.get("groups").is_none() && body.get(ATLASSIAN).is_none()
    );
    assert_eq!(
        body["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:User"])
    );
    let cleared: Vec<&str> = plan
        .changes
        .iter()
        .filter(|c| c.after.is_none())
        .map(|c| c.field.as_str())
        .collect();
    assert_eq!(
        cleared,
        [
            format!("{ENTERPRISE}:department"),
            format!("{ENTERPRISE}:organization")
        ]
    );
    Mock::given(method("PUT"))
        .and(path(user_path()))
        .and(header("if-match", "W/\"7\""))
        .and(body_json(&body))
        .respond_with(scim_error(412, None, "version mismatch"))
        .expect(1)
        .mount(&server)
        .await;
    let error = send_plan(&client, &plan).await.unwrap_err();
    assert!(matches!(error, ServiceError::Conflict(_)), "{error}");
}

#[tokio::test]
async fn planning_sends_nothing() {
    let server = MockServer::builder().start().await;
    mount_user(&server, documented_user(), None).await;
    let client = client(&server);
    let record = client.read_user(ID).await.unwrap();
    let before = server.received_requests().await.unwrap().len();
    for edit in [
        Edit::SetAttribute {
            name: "title".to_owned(),
            values: vec!["x".to_owned()],
        },
        Edit::Replace {
            resource: json!({"userName": "jdoe@example.com"}),
        },
        Edit::Create {
            resource: json!({"userName": "x@example.com"}),
        },
    ] {
        client.plan(Some(&record), &edit).await.unwrap();
    }
    assert_eq!(server.received_requests().await.unwrap().len(), before);
}

#[tokio::test]
async fn listing_asks_for_pages_by_start_index_and_count() {
    let server = MockServer::builder().start().await;
    let user = |n: usize| json!({"id": format!("u{n}"), "userName": format!("u{n}@x"), "emails": [{"value": format!("u{n}@x"), "primary": true}]});
    // A server whose pages hold 2 users although 100 were asked for.
    for start in [1usize, 3, 5] {
        let count = if start == 1 { "100" } else { "2" };
        let resources: Vec<Value> = (start..(start + 2).min(6)).map(user).collect();
        Mock::given(method("GET"))
            .and(path("/scim/directory/d1/Users"))
            .and(query_param("startIndex", start.to_string()))
            .and(query_param("count", count))
            .and(query_param("attributes", "userName,displayName,name,emails,active"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                "totalResults": 5, "startIndex": start, "itemsPerPage": resources.len(), "Resources": resources
            })))
            .expect(1)
            .mount(&server)
            .await;
    }
    let client = client(&server);
    let mut ids = Vec::new();
    client
        .list_users(&ListQuery::default(), &mut |page| {
            ids.extend(page.users.into_iter().map(|u| u.id))
        })
        .await
        .unwrap();
    assert_eq!(ids, ["u1", "u2", "u3", "u4", "u5"]);

    // find by userName uses the server's filter, quoted.
    Mock::given(method("GET"))
        .and(path("/scim/directory/d1/Users"))
        .and(query_param("filter", r#"userName eq "jdoe@example.com""#))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": 1, "Resources": [documented_user()]
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/scim/directory/d1/Users/jdoe@example.com"))
        .respond_with(scim_error(404, None, "not found"))
        .mount(&server)
        .await;
    mount_user(&server, documented_user(), None).await;
    let found = client.find_user("jdoe@example.com").await.unwrap();
    assert_eq!(found.id, ID);
}

#[tokio::test]
async fn errors_are_decoded_from_both_shapes() {
    let server = MockServer::builder().start().await;
    let client = client(&server);
    Mock::given(method("GET"))
        .and(path("/scim/directory/d1/Users/missing"))
        .respond_with(scim_error(404, None, "User not found"))
        .mount(&server)
        .await;
    assert!(matches!(
        client.read_user("missing").await,
        Err(ServiceError::NotFound(_))
    ));

    Mock::given(method("GET"))
        .and(path("/scim/directory/d1/Users/unauthorised"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"error": "Unauthorized", "traceId": "t-1"})),
        )
        .mount(&server)
        .await;
    let error = client.read_user("unauthorised").await.unwrap_err();
    assert!(matches!(&error, ServiceError::Auth { status: 401, .. }));
    assert!(error.to_string().contains("Unauthorized (trace t-1)"));

    Mock::given(method("GET"))
        .and(path("/scim/directory/d1/Users"))
        .and(query_param("filter", r#"userName eq "x""#))
        .respond_with(scim_error(400, Some("invalidFilter"), "bad filter"))
        .mount(&server)
        .await;
    let error = client.find_by_user_name("x").await.unwrap_err().to_string();
    assert!(error.contains("400 invalidFilter: bad filter"), "{error}");

    Mock::given(method("POST"))
        .and(path("/scim/directory/d1/Users"))
        .and(header_exists("authorization"))
        .respond_with(scim_error(
            409,
            Some("uniqueness"),
            "Resource [USER]: with email[jdoe@example.com] already exists.",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let plan = client
        .plan(
            None,
            &Edit::Create {
                resource: json!({"userName": "jdoe@example.com"}),
            },
        )
        .await
        .unwrap();
    let error = send_plan(&client, &plan).await.unwrap_err().to_string();
    assert!(
        error.contains("409 uniqueness: the user already exists: Resource [USER]"),
        "{error}"
    );
}

#[tokio::test]
async fn rate_limits_server_errors_and_malformed_bodies_are_retried_for_reads_only() {
    let server = MockServer::builder().start().await;
    let client = client(&server);
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = calls.clone();
    Mock::given(method("GET"))
        .and(path(user_path()))
        .respond_with(move |_: &Request| {
            match counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
                0 => ResponseTemplate::new(429)
                    .insert_header("retry-after", "0")
                    .set_body_json(json!({"error": "Too many requests"})),
                1 => scim_error(503, None, "unavailable"),
                2 => ResponseTemplate::new(200).set_body_string("{\"id\": \"trunc"),
                _ => ResponseTemplate::new(200).set_body_json(documented_user()),
            }
        })
        .mount(&server)
        .await;
    let started = Instant::now();
    // Three attempts allowed: 429, 503, malformed → the third failure is reported.
    let error = client.read_user(ID).await.unwrap_err();
    assert!(matches!(error, ServiceError::Decode { .. }), "{error}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(client.read_user(ID).await.unwrap().id, ID);

    Mock::given(method("POST"))
        .and(path("/scim/directory/d1/Users"))
        .respond_with(scim_error(500, None, "boom"))
        .expect(1)
        .mount(&server)
        .await;
    let plan = client
        .plan(
            None,
            &Edit::Create {
                resource: json!({"userName": "n@example.com"}),
            },
        )
        .await
        .unwrap();
    let error = send_plan(&client, &plan).await.unwrap_err().to_string();
    assert!(error.contains("500"), "{error}");

    Mock::given(method("GET"))
        .and(path("/scim/directory/d1/Users/limited"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_json(json!({"error": "slow down"})),
        )
        .mount(&server)
        .await;
    let error = client.read_user("limited").await.unwrap_err();
    assert!(
        matches!(error, ServiceError::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(1)),
        "{error}"
    );
}

/// A GET of the user that answers `before` until `switched` is set, then `after`.
async fn mount_changing_user(
    server: &MockServer,
    switched: std::sync::Arc<std::sync::atomic::AtomicBool>,
    before: Value,
    after: Value,
) {
    Mock::given(method("GET"))
        .and(path(user_path()))
        .respond_with(move |_: &Request| {
            let body = if switched.load(std::sync::atomic::Ordering::SeqCst) {
                after.clone()
            } else {
                before.clone()
            };
            ResponseTemplate::new(200).set_body_json(body)
        })
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_create_whose_answer_is_lost_is_looked_up_not_resent() {
    let server = MockServer::builder().start().await;
    let client = client(&server);
    let created = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = created.clone();
    Mock::given(method("POST"))
        .and(path("/scim/directory/d1/Users"))
        .respond_with(move |_: &Request| {
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
            ResponseTemplate::new(201).set_body_string("{\"id\": \"247b9")
        })
        .expect(1)
        .mount(&server)
        .await;
    let flag = created.clone();
    Mock::given(method("GET"))
        .and(path("/scim/directory/d1/Users"))
        .and(query_param("filter", r#"userName eq "jdoe@example.com""#))
        .respond_with(move |_: &Request| {
            let resources = if flag.load(std::sync::atomic::Ordering::SeqCst) {
                vec![documented_user()]
            } else {
                Vec::new()
            };
            ResponseTemplate::new(200).set_body_json(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                "totalResults": resources.len(), "Resources": resources
            }))
        })
        .expect(2)
        .mount(&server)
        .await;
    mount_user(&server, documented_user(), None).await;
    let done = writes::write(
        &AnyDirectory::Scim(client),
        None,
        Edit::Create {
            resource: json!({"userName": "jdoe@example.com"}),
        },
    )
    .await
    .unwrap();
    assert_eq!(done.outcome(), Outcome::Written, "{}", done.error());
    assert_eq!(done.id().as_deref(), Some(ID));
    assert!(
        done.executed.items[0]
            .notes
            .iter()
            .any(|n| n.contains("the answer was lost")),
        "{:?}",
        done.executed.items[0].notes
    );
}

#[tokio::test]
async fn a_retried_write_that_meets_its_own_new_version_is_written_and_a_real_412_is_not() {
    let server = MockServer::builder().start().await;
    let client = client(&server);
    let directory = AnyDirectory::Scim(client);
    let mut intern = documented_user();
    intern["title"] = json!("Intern");
    intern["meta"]["version"] = json!("W/\"1\"");
    let mut engineer = documented_user();
    engineer["meta"]["version"] = json!("W/\"2\"");
    let landed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    mount_changing_user(&server, landed.clone(), intern.clone(), engineer).await;
    // The first answer is cut after the write happened; the retry meets the new version: 412.
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = calls.clone();
    let flag = landed.clone();
    Mock::given(method("PATCH"))
        .and(path(user_path()))
        .and(header("if-match", "W/\"1\""))
        .respond_with(move |_: &Request| {
            match counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
                0 => {
                    flag.store(true, std::sync::atomic::Ordering::SeqCst);
                    ResponseTemplate::new(200).set_body_string("{\"id\": \"247")
                }
                _ => scim_error(412, None, "version mismatch"),
            }
        })
        .mount(&server)
        .await;
    let record = roster::service::scim::mapping::record("scim", intern).unwrap();
    let done = writes::write(
        &directory,
        Some(&record),
        Edit::SetAttribute {
            name: "title".to_owned(),
            values: vec!["Engineer".to_owned()],
        },
    )
    .await
    .unwrap();
    assert_eq!(done.outcome(), Outcome::Written, "{}", done.error());

    // A 412 that is not ours: the user holds another value, nothing was applied.
    let record = directory.read_user(ID).await.unwrap();
    server.reset().await;
    mount_user(&server, documented_user(), Some("W/\"2\"")).await;
    Mock::given(method("PATCH"))
        .and(path(user_path()))
        .respond_with(scim_error(412, None, "version mismatch"))
        .mount(&server)
        .await;
    let done = writes::write(
        &directory,
        Some(&record),
        Edit::SetAttribute {
            name: "title".to_owned(),
            values: vec!["Architect".to_owned()],
        },
    )
    .await
    .unwrap();
    assert_eq!(done.outcome(), Outcome::NotApplied);
    assert!(
        done.error().contains("changed since it was read"),
        "{}",
        done.error()
    );
}
