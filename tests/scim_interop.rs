//! The SCIM client against an independent SCIM 2.0 server: `scim2-server` (PyPI), started on
//! loopback by the test. Listing with paging, finding by the `userName` filter, create, PATCH
//! updates, a replace from a partial resource, and delete. Where scim2-server differs from
//! Atlassian (it announces ETags, answers 201 to a create, returns no Atlassian extension), the
//! client must cope. Without `scim2-server` on the PATH (`pip install scim2-server==0.8.3`), the
//! test prints a loud SKIP and returns.

#![allow(clippy::unwrap_used)]

use std::process::Stdio;
use std::time::{Duration, Instant};

use roster::config::{Connection, Credentials};
use roster::domain::{Edit, ServiceKind, UserRecord};
use roster::secret::Secret;
use roster::service::http::HttpClient;
use roster::service::scim::Client;
use roster::service::{Directory, ListQuery, ServiceError};
use serde_json::json;
use url::Url;

const TOKEN: &str = "interop-token-5e2a";

struct Server {
    _child: tokio::process::Child,
    url: String,
}

async fn start_server() -> Option<Server> {
    let installed = std::process::Command::new("scim2-server")
        .arg("--help")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        loud_skip(
            "scim_interop: `scim2-server` is not installed (pip install scim2-server==0.8.3)",
        );
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = tokio::process::Command::new("scim2-server")
        .args([
            "--hostname",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--bearer-token",
            TOKEN,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            Instant::now() < deadline,
            "scim2-server did not start listening"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Some(Server {
        _child: child,
        url: format!("http://127.0.0.1:{port}"),
    })
}

fn client(server: &Server) -> Client {
    let connection = Connection {
        name: "interop".to_owned(),
        kind: ServiceKind::Scim,
        url: Url::parse(&server.url).unwrap(),
        read_only: false,
        credentials: Credentials::Bearer {
            token: Secret::new(TOKEN),
        },
        timeout: None,
    };
    Client::new(HttpClient::new("interop", false).unwrap(), &connection).unwrap()
}

fn values(record: &UserRecord, name: &str) -> Vec<String> {
    record
        .attribute(name)
        .map(|a| a.values.clone())
        .unwrap_or_default()
}

async fn create(client: &Client, n: usize) -> String {
    let resource = json!({
        "userName": format!("user{n:03}@example.com"),
        "name": {"givenName": format!("Given{n}"), "familyName": "Interop"},
        "displayName": format!("Given{n} Interop"),
        "title": "Tester",
        "emails": [{"value": format!("user{n:03}@example.com"), "type": "work", "primary": true}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "QA"}
    });
    let plan = client.plan(None, &Edit::Create { resource }).await.unwrap();
    client.apply(&plan).await.unwrap().expect("the created id")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_works_against_scim2_server() {
    let Some(server) = start_server().await else {
        return;
    };
    let client = client(&server);

    // Create enough users for two pages.
    let mut ids = Vec::new();
    for n in 0..120 {
        ids.push(create(&client, n).await);
    }
    let duplicate = client
        .plan(
            None,
            &Edit::Create {
                resource: json!({"userName": "user000@example.com"}),
            },
        )
        .await
        .unwrap();
    let error = client.apply(&duplicate).await.unwrap_err().to_string();
    assert!(
        error.contains("409") && error.contains("already exists"),
        "{error}"
    );

    // List and page.
    let mut pages = 0;
    let mut listed = Vec::new();
    client
        .list_users(&ListQuery::default(), &mut |page| {
            pages += 1;
            listed.extend(page.users);
        })
        .await
        .unwrap();
    assert!(pages >= 2, "{pages} pages");
    let mut listed_ids: Vec<String> = listed.iter().map(|u| u.id.clone()).collect();
    listed_ids.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(listed_ids, expected);

    // Find by userName (server filter), then read.
    let record = client.find_user("user007@example.com").await.unwrap();
    assert_eq!(record.id, ids[7]);
    assert_eq!(values(&record, "name.givenName"), ["Given7"]);
    assert_eq!(
        values(&record, "emails"),
        ["user007@example.com (work, primary)"]
    );

    // PATCH updates.
    let plan = client
        .plan(
            Some(&record),
            &Edit::Update {
                fields: vec![
                    ("displayName".to_owned(), "Seven".to_owned()),
                    (
                        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"
                            .to_owned(),
                        "Platform".to_owned(),
                    ),
                ],
            },
        )
        .await
        .unwrap();
    client.apply(&plan).await.unwrap();
    let record = client.read_user(&ids[7]).await.unwrap();
    assert_eq!(values(&record, "displayName"), ["Seven"]);
    assert_eq!(
        values(
            &record,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"
        ),
        ["Platform"]
    );
    let plan = client
        .plan(
            Some(&record),
            &Edit::SetAttribute {
                name: "emails".to_owned(),
                values: vec![
                    "user007@example.com (work, primary)".to_owned(),
                    "seven@home.example (home)".to_owned(),
                ],
            },
        )
        .await
        .unwrap();
    client.apply(&plan).await.unwrap();
    let record = client.read_user(&ids[7]).await.unwrap();
    assert_eq!(values(&record, "emails").len(), 2);
    let plan = client
        .plan(
            Some(&record),
            &Edit::UnsetAttribute {
                name: "title".to_owned(),
            },
        )
        .await
        .unwrap();
    client.apply(&plan).await.unwrap();
    let record = client.read_user(&ids[7]).await.unwrap();
    assert!(values(&record, "title").is_empty());

    // Replace from a partial resource: what the preview clears is cleared.
    let plan = client
        .plan(
            Some(&record),
            &Edit::Replace {
                resource: json!({"userName": "user007@example.com", "active": true,
                             "emails": [{"value": "user007@example.com", "primary": true}]}),
            },
        )
        .await
        .unwrap();
    let cleared: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| c.after.is_none())
        .map(|c| c.field.clone())
        .collect();
    assert!(
        cleared.contains(&"name.givenName".to_owned())
            && cleared.contains(&"displayName".to_owned()),
        "{cleared:?}"
    );
    client.apply(&plan).await.unwrap();
    let replaced = client.read_user(&ids[7]).await.unwrap();
    for name in &cleared {
        assert!(values(&replaced, name).is_empty(), "{name} was cleared");
    }

    // Delete, then 404.
    let version = roster::service::scim::mapping::version(&replaced.raw).map(str::to_owned);
    client
        .send_planned(&client.delete_request(&replaced.id, version.as_deref()))
        .await
        .unwrap();
    assert!(matches!(
        client.read_user(&replaced.id).await,
        Err(ServiceError::NotFound(_))
    ));
}

/// Writes past the test harness's output capture, so a skip is seen even when the test passes.
fn loud_skip(message: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "\n*** SKIP {message} ***\n");
}
