//! The SCIM client against the simulated Atlassian API over loopback: listing with concurrent
//! pages, finding users, the record's attributes, and every kind of write through plan + apply,
//! where the preview must be exactly what the write then does.

#![allow(clippy::unwrap_used)]

mod common;
mod writes;

use roster::config::{Connection, Credentials};
use roster::domain::{Edit, ServiceKind, UserRecord};
use roster::journal::Outcome;
use roster::secret::Secret;
use roster::service::scim::wire::ENTERPRISE_USER;
use roster::service::{AnyDirectory, ListQuery, OpenOptions, ServiceError};
use roster::simulator::RunningSimulator;
use roster::write::WriteError;
use serde_json::json;
use url::Url;
use writes::{write, written};

fn scim_connection(sim: &RunningSimulator, read_only: bool) -> Connection {
    Connection {
        name: "scim".to_owned(),
        kind: ServiceKind::Scim,
        url: Url::parse(&format!("{}/scim", sim.base_url())).unwrap(),
        read_only,
        credentials: Credentials::Bearer {
            token: Secret::new(sim.state.credentials.scim_token.clone()),
        },
        timeout: None,
        max_concurrency: None,
    }
}

fn open(sim: &RunningSimulator) -> AnyDirectory {
    AnyDirectory::open(&scim_connection(sim, false), OpenOptions::default()).unwrap()
}

fn demo_scim_people() -> usize {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/demo/directory.json"
    ))
    .unwrap();
    let seed: serde_json::Value = serde_json::from_str(&text).unwrap();
    seed["people"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| !p["scim"].is_null())
        .count()
}

fn values(record: &UserRecord, name: &str) -> Vec<String> {
    record
        .attribute(name)
        .map(|a| a.values.clone())
        .unwrap_or_default()
}

/// The writable attributes of a record as (name, values), for comparing with a preview.
fn writable(record: &UserRecord) -> Vec<(String, Vec<String>)> {
    record
        .attributes
        .iter()
        .filter(|a| !a.locked)
        .map(|a| (a.name.clone(), a.values.clone()))
        .collect()
}

#[tokio::test]
async fn listing_pages_concurrently_and_delivers_everyone_once_in_order() {
    let sim = common::start_sim(250).await;
    let directory = open(&sim);
    let mut pages = Vec::new();
    directory
        .list_users(&ListQuery::default(), &mut |page| pages.push(page))
        .await
        .unwrap();
    let expected = demo_scim_people() + 250;
    assert_eq!(pages.len(), expected.div_ceil(100));
    assert!(pages.iter().all(|p| p.total == Some(expected)));
    let users: Vec<_> = pages.into_iter().flat_map(|p| p.users).collect();
    assert_eq!(users.len(), expected);
    let mut ids: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
    let listed_order = ids.clone();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), expected, "no user twice");
    let stored_order: Vec<String> = sim
        .state
        .scim()
        .all(roster::simulator::scim::schema::ResourceKind::User)
        .map(|s| s.id.clone())
        .collect();
    assert_eq!(listed_order, stored_order, "pages delivered in order");
    assert!(
        users
            .iter()
            .all(|u| u.username.is_some() && u.email.is_some())
    );
}

#[tokio::test]
async fn limits_local_filters_and_server_filters() {
    let sim = common::start_sim(30).await;
    let directory = open(&sim);
    let limited = directory
        .collect_users(&ListQuery {
            filter: None,
            limit: Some(7),
            ..ListQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(limited.len(), 7);
    let local = directory
        .collect_users(&ListQuery {
            filter: Some("LINDQVIST".to_owned()),
            limit: None,
            ..ListQuery::default()
        })
        .await
        .unwrap();
    assert!(!local.is_empty());
    assert!(local.iter().all(|u| {
        format!("{:?}{:?}{:?}", u.username, u.display_name, u.email)
            .to_lowercase()
            .contains("lindqvist")
    }));
    let server = directory
        .collect_users(&ListQuery {
            filter: Some(r#"userName eq "PRIYA.RAMAN@example.com""#.to_owned()),
            limit: None,
            ..ListQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(server.len(), 1);
    assert_eq!(
        server[0].username.as_deref(),
        Some("priya.raman@example.com")
    );
}

#[tokio::test]
async fn users_are_found_by_id_user_name_and_email_with_their_attributes() {
    let sim = common::start_sim(0).await;
    let directory = open(&sim);
    let by_name = directory
        .find_user("tomasz.wielgosz@example.com")
        .await
        .unwrap();
    let by_id = directory.find_user(&by_name.id).await.unwrap();
    assert_eq!(by_id.id, by_name.id);
    // Kwame's SCIM email differs in case from his userName's usual spelling.
    let by_email = directory
        .find_user("kwame.asante@example.com")
        .await
        .unwrap();
    assert_eq!(
        by_email.username.as_deref(),
        Some("Kwame.Asante@Example.com")
    );
    assert!(matches!(
        directory.find_user("nobody@example.com").await,
        Err(ServiceError::NotFound(_))
    ));

    let record = by_name;
    assert_eq!(record.kind, ServiceKind::Scim);
    assert_eq!(values(&record, "name.givenName"), ["Tomasz"]);
    assert_eq!(values(&record, "title"), ["Staff Engineer"]);
    assert_eq!(
        values(&record, "emails"),
        ["tomasz.wielgosz@example.com (work, primary)"]
    );
    let department = record
        .attribute(&format!("{ENTERPRISE_USER}:department"))
        .unwrap();
    assert_eq!(
        (department.values.as_slice(), department.source.as_str()),
        (&["R&D".to_owned()][..], ENTERPRISE_USER)
    );
    let groups = record.attribute("groups").unwrap();
    assert!(groups.locked && groups.values == ["R&D"]);
    let account = record
        .attribute("urn:scim:schemas:extension:atlassian-external:1.0:atlassianAccountId")
        .unwrap();
    assert!(account.locked && account.values.len() == 1);
    assert!(record.attribute("meta.lastModified").unwrap().locked);
    assert_eq!(
        record.raw["meta"]["location"],
        format!("{}/scim/Users/{}", sim.base_url(), record.id)
    );
    assert!(
        record.raw["meta"]["version"].is_string(),
        "the ETag is remembered"
    );
}

#[tokio::test]
async fn set_unset_and_update_write_exactly_what_the_preview_says() {
    let sim = common::start_sim(0).await;
    let directory = open(&sim);
    let record = directory
        .find_user("priya.raman@example.com")
        .await
        .unwrap();

    let department = format!("{ENTERPRISE_USER}:department");
    let edits = [
        Edit::SetAttribute {
            name: department.clone(),
            values: vec!["Revenue".to_owned()],
        },
        Edit::SetAttribute {
            name: "emails".to_owned(),
            values: vec![
                "priya.raman@example.com (work, primary)".to_owned(),
                "priya@home.example (home)".to_owned(),
            ],
        },
        Edit::UnsetAttribute {
            name: "nickName".to_owned(),
        },
        Edit::Update {
            fields: vec![
                ("title".to_owned(), "Head of Sales Operations".to_owned()),
                ("active".to_owned(), "false".to_owned()),
                ("name.givenName".to_owned(), "Priyanka".to_owned()),
            ],
        },
    ];
    let mut current = record;
    for edit in &edits {
        let plan = directory.plan(Some(&current), edit).await.unwrap();
        // Planning sent nothing.
        let unchanged = directory.read_user(&current.id).await.unwrap();
        assert_eq!(writable(&unchanged), writable(&current));
        assert_eq!(plan.requests.len(), 1);
        assert_eq!(plan.requests[0].method, reqwest::Method::PATCH);
        assert!(
            plan.requests[0]
                .headers
                .iter()
                .any(|(n, _)| *n == "If-Match")
        );
        written(&directory, Some(&current), edit.clone()).await;
        let after = directory.read_user(&current.id).await.unwrap();
        // Every attribute that changed is in the preview, with the value it now has.
        let before = writable(&current);
        for (name, now) in writable(&after) {
            let was = before
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            if was != now {
                let change = plan
                    .changes
                    .iter()
                    .find(|c| c.field == name)
                    .unwrap_or_else(|| panic!("{name} changed but the preview does not say so"));
                assert_eq!(
                    change.after,
                    (!now.is_empty()).then(|| now.join(", ")),
                    "{name}"
                );
            }
        }
        for change in &plan.changes {
            if change.note.as_deref() != Some("unchanged") {
                let now = values(&after, &change.field);
                assert_eq!(
                    change.after,
                    (!now.is_empty()).then(|| now.join(", ")),
                    "{}",
                    change.field
                );
            }
        }
        current = after;
    }
    assert_eq!(values(&current, &department), ["Revenue"]);
    assert_eq!(
        values(&current, "emails"),
        [
            "priya.raman@example.com (work, primary)",
            "priya@home.example (home)"
        ]
    );
    assert!(values(&current, "nickName").is_empty());
    assert!(!current.active);
    assert_eq!(values(&current, "name.givenName"), ["Priyanka"]);
}

#[tokio::test]
async fn a_replace_from_a_partial_resource_previews_every_clear_and_does_exactly_that() {
    let sim = common::start_sim(0).await;
    let directory = open(&sim);
    let record = directory
        .find_user("amara.okonkwo@example.com")
        .await
        .unwrap();
    let partial = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "amara.okonkwo@example.com",
        "displayName": "Amara O.",
        "emails": [{"value": "amara.okonkwo@example.com", "type": "work", "primary": true}],
        "active": true
    });
    let replace = Edit::Replace { resource: partial };
    let plan = directory.plan(Some(&record), &replace).await.unwrap();
    let cleared: Vec<&str> = plan
        .changes
        .iter()
        .filter(|c| c.after.is_none())
        .map(|c| c.field.as_str())
        .collect();
    for name in [
        "name.givenName",
        "name.familyName",
        "title",
        "phoneNumbers",
        "externalId",
        "department",
        &format!("{ENTERPRISE_USER}:organization"),
    ] {
        assert!(
            cleared.contains(&name),
            "{name} is listed as cleared: {cleared:?}"
        );
    }
    assert!(
        plan.changes
            .iter()
            .filter(|c| c.after.is_none())
            .all(|c| c.note.as_deref() == Some("cleared by replace"))
    );
    assert!(
        !cleared
            .iter()
            .any(|c| c.starts_with("meta") || *c == "groups" || *c == "id")
    );
    assert!(plan.describe().contains("If-Match: W/"));
    // Nothing was sent yet.
    assert_eq!(
        writable(&directory.read_user(&record.id).await.unwrap()),
        writable(&record)
    );

    written(&directory, Some(&record), replace).await;
    let after = directory.read_user(&record.id).await.unwrap();
    let before = writable(&record);
    let mut actual_changes: Vec<(String, Option<String>)> = writable(&after)
        .into_iter()
        .filter(|(name, now)| before.iter().find(|(n, _)| n == name).map(|(_, v)| v) != Some(now))
        .map(|(name, now)| (name, (!now.is_empty()).then(|| now.join(", "))))
        .collect();
    for (name, was) in &before {
        if !was.is_empty() && !writable(&after).iter().any(|(n, _)| n == name) {
            actual_changes.push((name.clone(), None));
        }
    }
    actual_changes.sort();
    let mut previewed: Vec<(String, Option<String>)> = plan
        .changes
        .iter()
        .map(|c| (c.field.clone(), c.after.clone()))
        .collect();
    previewed.sort();
    assert_eq!(
        actual_changes, previewed,
        "the replace did exactly what the preview said"
    );
    assert_eq!(
        values(&after, "groups"),
        values(&record, "groups"),
        "read-only groups kept"
    );
}

#[tokio::test]
async fn a_concurrent_change_stops_the_write_and_creates_report_duplicates() {
    let sim = common::start_sim(0).await;
    let directory = open(&sim);
    let record = directory
        .find_user("liam.fairweather@example.com")
        .await
        .unwrap();
    let mine = Edit::SetAttribute {
        name: "title".to_owned(),
        values: vec!["Senior Account Executive".to_owned()],
    };
    let (engine, _state) = writes::engine(&directory);
    let previewed = engine
        .prepare_for(record.clone(), vec![mine])
        .await
        .unwrap();
    // Someone else changes the same attribute between the preview and the write.
    written(
        &directory,
        Some(&record),
        Edit::SetAttribute {
            name: "title".to_owned(),
            values: vec!["Lead Account Executive".to_owned()],
        },
    )
    .await;
    let error = engine
        .execute(&previewed, &roster::write::Interrupt::never())
        .await
        .unwrap_err();
    assert!(
        matches!(error, WriteError::Service(ServiceError::Conflict(_))),
        "{error}"
    );
    assert_eq!(
        values(&directory.read_user(&record.id).await.unwrap(), "title"),
        ["Lead Account Executive"],
        "the other writer's value survives"
    );
    // A change to another attribute meanwhile does not stop it: the PATCH leaves that one be.
    let again = directory
        .find_user("liam.fairweather@example.com")
        .await
        .unwrap();
    let previewed = engine
        .prepare_for(
            again.clone(),
            vec![Edit::SetAttribute {
                name: "title".to_owned(),
                values: vec!["Senior Account Executive".to_owned()],
            }],
        )
        .await
        .unwrap();
    written(
        &directory,
        Some(&again),
        Edit::Update {
            fields: vec![("nickName".to_owned(), "Lee".to_owned())],
        },
    )
    .await;
    let done = engine
        .execute(&previewed, &roster::write::Interrupt::never())
        .await
        .unwrap();
    assert!(done.all_written());
    let after = directory.read_user(&record.id).await.unwrap();
    assert_eq!(values(&after, "title"), ["Senior Account Executive"]);
    assert_eq!(values(&after, "nickName"), ["Lee"]);

    let resource = json!({"userName": "new.person@example.com",
        "emails": [{"value": "new.person@example.com", "primary": true}],
        "name": {"givenName": "New", "familyName": "Person"},
        ENTERPRISE_USER: {"department": "R&D"}});
    let create_edit = Edit::Create {
        resource: resource.clone(),
    };
    let create = directory.plan(None, &create_edit).await.unwrap();
    assert_eq!(
        create.requests[0].body.as_ref().unwrap()["schemas"],
        json!([
            "urn:ietf:params:scim:schemas:core:2.0:User",
            ENTERPRISE_USER
        ])
    );
    let id = written(&directory, None, create_edit).await.id().unwrap();
    let created = directory.read_user(&id).await.unwrap();
    assert_eq!(created.username.as_deref(), Some("new.person@example.com"));
    assert!(created.active, "active defaults to true");
    let again = write(&directory, None, Edit::Create { resource })
        .await
        .unwrap();
    assert_eq!(again.outcome(), Outcome::NotApplied);
    let duplicate = again.error();
    assert!(
        duplicate.contains("409") && duplicate.contains("already exists"),
        "{duplicate}"
    );
}

#[tokio::test]
async fn locked_and_required_attributes_are_refused_before_sending_and_read_only_holds() {
    let sim = common::start_sim(0).await;
    let directory = open(&sim);
    let record = directory.find_user("mzhou").await;
    assert!(record.is_err(), "userName is the email on Atlassian");
    let record = directory
        .find_user("meiling.zhou@example.com")
        .await
        .unwrap();
    for name in [
        "groups",
        "id",
        "meta.created",
        "urn:scim:schemas:extension:atlassian-external:1.0:atlassianAccountId",
    ] {
        let edit = Edit::SetAttribute {
            name: name.to_owned(),
            values: vec!["x".to_owned()],
        };
        let error = directory
            .plan(Some(&record), &edit)
            .await
            .unwrap_err()
            .to_string();
        assert!(error.contains("locked"), "{name}: {error}");
    }
    let error = directory
        .plan(
            Some(&record),
            &Edit::UnsetAttribute {
                name: "userName".to_owned(),
            },
        )
        .await
        .unwrap_err();
    assert!(error.to_string().contains("required"));

    let read_only =
        AnyDirectory::open(&scim_connection(&sim, true), OpenOptions::default()).unwrap();
    let edit = Edit::SetAttribute {
        name: "title".to_owned(),
        values: vec!["x".to_owned()],
    };
    assert!(matches!(
        write(&read_only, Some(&record), edit).await,
        Err(WriteError::Service(ServiceError::ReadOnly { .. }))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_end_in_exactly_one_write_or_a_clear_error() {
    let sim = roster::simulator::start(&roster::simulator::SimOptions {
        users: 120,
        port: 0,
        faults: Some(
            "429=0.15,500=0.1,drop=0.05,malformed=0.1,seed=11"
                .parse()
                .unwrap(),
        ),
    })
    .await
    .unwrap();
    let http = roster::service::http::HttpClient::new("scim", false)
        .unwrap()
        .with_retry(roster::service::http::RetryPolicy {
            max_attempts: 12,
            base_delay: std::time::Duration::from_millis(1),
            max_delay: std::time::Duration::from_millis(10),
        });
    let client = roster::service::scim::Client::new(http, &scim_connection(&sim, false)).unwrap();
    let directory = AnyDirectory::Scim(client);
    let users = directory
        .collect_users(&ListQuery::default())
        .await
        .unwrap();
    assert_eq!(users.len(), demo_scim_people() + 120);

    for n in 0..15 {
        let record = directory
            .find_user("nadia.petrova@example.com")
            .await
            .unwrap();
        let title = format!("QA Engineer {n}");
        let edit = Edit::SetAttribute {
            name: "title".to_owned(),
            values: vec![title.clone()],
        };
        // The outcome is truthful: written means the title is there, not applied means it is
        // not; only an unknown outcome leaves it open.
        match write(&directory, Some(&record), edit).await {
            Ok(done) => {
                let now = stored_title(&sim, &record.id);
                match done.outcome() {
                    Outcome::Written => assert_eq!(now, std::slice::from_ref(&title)),
                    Outcome::NotApplied => {
                        assert_ne!(now, std::slice::from_ref(&title), "{}", done.error())
                    }
                    Outcome::Unknown => {}
                    other => panic!("{other:?}: {}", done.error()),
                }
            }
            Err(error) => assert!(
                matches!(
                    error,
                    WriteError::Service(
                        ServiceError::RateLimited { .. }
                            | ServiceError::Status(_)
                            | ServiceError::Transport { .. }
                            | ServiceError::Decode { .. }
                    )
                ),
                "{error}"
            ),
        }

        let user_name = format!("fault{n}@example.com");
        let create = Edit::Create {
            resource: json!({"userName": user_name,
                "emails": [{"value": user_name, "primary": true}]}),
        };
        let outcome = write(&directory, None, create).await;
        let stored = sim
            .state
            .scim()
            .all(roster::simulator::scim::schema::ResourceKind::User)
            .filter(|u| u.text("userName") == Some(user_name.as_str()))
            .map(|u| u.id.clone())
            .collect::<Vec<_>>();
        match outcome {
            Ok(done) => match done.outcome() {
                Outcome::Written => {
                    assert_eq!(stored, [done.id().unwrap()], "created exactly once")
                }
                Outcome::NotApplied => assert!(stored.is_empty(), "{}", done.error()),
                Outcome::Unknown => assert!(stored.len() <= 1, "never created twice"),
                other => panic!("{other:?}: {}", done.error()),
            },
            Err(error) => assert!(stored.is_empty(), "a failed create wrote nothing: {error}"),
        }
    }
}

/// The user's title as the simulator holds it, read without faults.
fn stored_title(sim: &RunningSimulator, id: &str) -> Vec<String> {
    sim.state
        .scim()
        .all(roster::simulator::scim::schema::ResourceKind::User)
        .find(|u| u.id == id)
        .and_then(|u| u.text("title").map(str::to_owned))
        .into_iter()
        .collect()
}
