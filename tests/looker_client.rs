//! The Looker client (`looker::Client` and `AnyDirectory`) against the simulator over loopback:
//! login and token reuse, concurrent paging, search, lookups, the precedence chain, hidden values,
//! every write with its re-read, token renewal after a 401, and read-only refusal.

#![allow(clippy::unwrap_used)]

mod common;
mod writes;

use std::collections::HashSet;

use common::*;
use roster::domain::{CandidateKind, Edit, UserRecord};
use roster::service::http::HttpClient;
use roster::service::looker::Client;
use roster::service::{AnyDirectory, Directory, ListQuery, OpenOptions, ServiceError};
use roster::simulator::RunningSimulator;
use roster::write::WriteError;
use serde_json::json;
use writes::{write, written};

/// Looker ids of attributes in the demo seed.
const REGION: u64 = 7;
const COST_CENTER: u64 = 8;

fn open(sim: &RunningSimulator) -> AnyDirectory {
    AnyDirectory::open(&sim_looker_connection(sim, false), OpenOptions::default()).unwrap()
}

fn client(sim: &RunningSimulator) -> Client {
    Client::new(
        HttpClient::new("looker", false).unwrap(),
        &sim_looker_connection(sim, false),
    )
    .unwrap()
}

fn chain(record: &UserRecord, name: &str) -> Vec<(String, Vec<String>, Option<i64>, bool)> {
    record
        .attribute(name)
        .unwrap_or_else(|| panic!("attribute {name}"))
        .candidates
        .iter()
        .map(|c| (c.source.clone(), c.values.clone(), c.rank, c.effective))
        .collect()
}

fn entry(
    source: &str,
    value: &str,
    rank: Option<i64>,
    effective: bool,
) -> (String, Vec<String>, Option<i64>, bool) {
    (source.to_owned(), vec![value.to_owned()], rank, effective)
}

#[tokio::test]
async fn one_login_serves_many_calls_and_logout_ends_it() {
    let sim = start_sim(0).await;
    let client = client(&sim);
    client.read_user("1").await.unwrap();
    client.read_user("2").await.unwrap();
    let _ = client.group_values("7").await.unwrap();
    assert_eq!(
        sim.state.looker().tokens.len(),
        1,
        "one login for all calls"
    );
    client.logout().await.unwrap();
    assert!(
        sim.state.looker().tokens.is_empty(),
        "logout revokes the token"
    );
    client.read_user("1").await.unwrap();
    assert_eq!(
        sim.state.looker().tokens.len(),
        1,
        "a new login after logout"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_pages_concurrently_without_gaps_or_duplicates() {
    let sim = start_sim(2200).await;
    let directory = open(&sim);
    let mut pages = Vec::new();
    directory
        .list_users(&ListQuery::default(), &mut |page| pages.push(page))
        .await
        .unwrap();
    let total = DEMO_LOOKER_USERS + 2200;
    assert!(
        pages.len() >= 3,
        "several pages of {}, got {}",
        roster::service::looker::client::PAGE_SIZE,
        pages.len()
    );
    assert!(pages.iter().all(|p| p.total == Some(total)));
    let ids: Vec<String> = pages
        .iter()
        .flat_map(|p| p.users.iter().map(|u| u.id.clone()))
        .collect();
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "no duplicates");
    let expected: Vec<String> = (1..=total).map(|i| i.to_string()).collect();
    assert_eq!(ids, expected, "every id, in order");
    let first = &pages[0].users[0];
    assert_eq!(first.email.as_deref(), Some("priya.raman@example.com"));
    assert_eq!(first.username, first.email);
    assert_eq!(first.display_name.as_deref(), Some("Priya Raman"));
}

#[tokio::test]
async fn limit_stops_the_listing() {
    let sim = start_sim(1200).await;
    let directory = open(&sim);
    for limit in [1, 7, 500, 501, 1100] {
        let users = directory
            .collect_users(&ListQuery {
                filter: None,
                limit: Some(limit),
                ..ListQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(users.len(), limit, "--limit {limit}");
        assert_eq!(users.last().unwrap().id, limit.to_string());
    }
}

#[tokio::test]
async fn filter_is_a_case_insensitive_like_over_names_and_email() {
    let sim = start_sim(0).await;
    let directory = open(&sim);
    let ids = |users: Vec<roster::domain::UserSummary>| {
        users.into_iter().map(|u| u.id).collect::<Vec<_>>()
    };
    let search = |text: &str| {
        let directory = directory.clone();
        let text = text.to_owned();
        async move {
            directory
                .collect_users(&ListQuery {
                    filter: Some(text),
                    limit: None,
                    ..ListQuery::default()
                })
                .await
                .unwrap()
        }
    };
    // Last name, any case.
    assert_eq!(ids(search("RAMAN").await), ["1"]);
    assert_eq!(ids(search("okonkwo").await), ["3"]);
    // Email domain: the demo's example.org people only.
    assert_eq!(ids(search("@EXAMPLE.ORG").await), ["30", "31", "32"]);
    // LIKE wildcards: `_` is one character, `%` any run.
    assert_eq!(ids(search("priya_raman").await), ["1"]);
    assert_eq!(ids(search("pr%man@").await), ["1"]);
    assert!(search("priya__raman").await.is_empty());
    assert!(search("no-such-person").await.is_empty());
}

#[tokio::test]
async fn find_user_by_id_and_by_exact_email() {
    let sim = start_sim(0).await;
    let directory = open(&sim);
    let by_id = directory.find_user("1").await.unwrap();
    assert_eq!(by_id.email.as_deref(), Some("priya.raman@example.com"));
    let by_email = directory
        .find_user("priya.raman@example.com")
        .await
        .unwrap();
    assert_eq!(by_email.id, "1");
    let any_case = directory
        .find_user("Priya.Raman@Example.COM")
        .await
        .unwrap();
    assert_eq!(any_case.id, "1");
    // `_` is a LIKE wildcard on the server; the client still wants the exact address.
    match directory.find_user("priya_raman@example.com").await {
        Err(ServiceError::NotFound(message)) => assert!(message.contains("priya_raman")),
        other => panic!("expected NotFound, got {other:?}"),
    }
    assert!(matches!(
        directory.find_user("999999").await,
        Err(ServiceError::NotFound(_))
    ));
}

#[tokio::test]
async fn read_user_orders_the_chain_winner_first() {
    let sim = start_sim(0).await;
    let record = open(&sim).read_user("1").await.unwrap();
    assert_eq!(record.username.as_deref(), Some("priya.raman@example.com"));
    assert!(record.active);
    assert_eq!(
        chain(&record, "region"),
        [
            entry("User", "APAC", None, true),
            entry("Group: Sales", "NA", Some(2), false),
            entry("Group: Support", "EMEA", Some(3), false),
            entry("Default", "GLOBAL", None, false),
        ]
    );
    let region = record.attribute("region").unwrap();
    assert_eq!(region.values, ["APAC"]);
    assert_eq!(region.source, "User");
    assert_eq!(region.candidates[0].kind, CandidateKind::User);
    assert!(!region.locked);
    // A system attribute is locked; an attribute nobody set is unset.
    let email = record.attribute("email").unwrap();
    assert!(email.locked && email.meta.system);
    let zip = record.attribute("office_zip").unwrap();
    assert!(zip.values.is_empty() && zip.candidates.is_empty());
    assert_eq!(zip.source, "No Value");
}

#[tokio::test]
async fn hidden_values_never_reach_the_record() {
    let sim = start_sim(0).await;
    let directory = open(&sim);
    for id in ["1", "2", "5", "19", "26", "29"] {
        let record = directory.read_user(id).await.unwrap();
        let text = serde_json::to_string(&record).unwrap();
        assert_no_seeded_secret(&text);
        assert_no_seeded_secret(&record.raw.to_string());
        assert_no_seeded_secret(&format!("{record:?}"));
    }
    let record = directory.read_user("1").await.unwrap();
    let password = record.attribute("db_password").unwrap();
    assert!(password.hidden);
    assert!(password.values.is_empty());
    assert!(password.candidates.iter().all(|c| c.values.is_empty()));
    assert_eq!(
        password.source, "User",
        "a hidden value is present, not shown"
    );
}

#[tokio::test]
async fn set_then_unset_falls_back_to_the_group_value() {
    let sim = start_sim(0).await;
    let directory = open(&sim);
    // Aisha Bello (16) is in Support and Sales and has no value of her own.
    let before = directory.read_user("16").await.unwrap();
    assert_eq!(
        chain(&before, "region")[0],
        entry("Group: Sales", "NA", Some(2), true)
    );

    let set = Edit::SetAttribute {
        name: "region".to_owned(),
        values: vec!["LATAM".to_owned()],
    };
    directory.plan(Some(&before), &set).await.unwrap();
    assert!(
        !sim.state.looker().user_values.contains_key(&(16, REGION)),
        "planning sends nothing"
    );
    written(&directory, Some(&before), set).await;
    assert_eq!(
        sim.state
            .looker()
            .user_values
            .get(&(16, REGION))
            .map(String::as_str),
        Some("LATAM")
    );
    let after_set = directory.read_user("16").await.unwrap();
    assert_eq!(
        chain(&after_set, "region"),
        [
            entry("User", "LATAM", None, true),
            entry("Group: Sales", "NA", Some(2), false),
            entry("Group: Support", "EMEA", Some(3), false),
            entry("Default", "GLOBAL", None, false),
        ]
    );

    let unset = Edit::UnsetAttribute {
        name: "region".to_owned(),
    };
    let plan = directory.plan(Some(&after_set), &unset).await.unwrap();
    assert_eq!(plan.changes[0].after.as_deref(), Some("NA"));
    written(&directory, Some(&after_set), unset).await;
    let after_unset = directory.read_user("16").await.unwrap();
    let region = after_unset.attribute("region").unwrap();
    assert_eq!(region.values, ["NA"]);
    assert_eq!(region.source, "Group: Sales");
    assert_eq!(region.rank, Some(2));
}

#[tokio::test]
async fn a_value_of_the_wrong_type_is_refused_before_sending() {
    let sim = start_sim(0).await;
    let directory = open(&sim);
    let record = directory.read_user("1").await.unwrap();
    let edit = Edit::SetAttribute {
        name: "cost_center".to_owned(),
        values: vec!["not-a-number".to_owned()],
    };
    match directory.plan(Some(&record), &edit).await {
        Err(ServiceError::Invalid(message)) => assert!(message.contains("cost_center")),
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert_eq!(
        sim.state
            .looker()
            .user_values
            .get(&(1, COST_CENTER))
            .map(String::as_str),
        Some("3100")
    );

    // Bypassing the client-side check: the server answers 422 naming the field.
    let http = reqwest::Client::new();
    let token = raw_login(&http, &sim).await;
    let response = http
        .patch(format!(
            "{}/looker/api/4.0/users/1/attribute_values/{COST_CENTER}",
            sim.base_url()
        ))
        .bearer_auth(&token)
        .json(&json!({"value": "not-a-number"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["message"], "Validation Failed");
    assert_eq!(body["errors"][0]["field"], "value");

    // The same request through the client carries the field error.
    let client = client(&sim);
    let request = client.set_attribute_value_request("1", "8", "not-a-number");
    match client.send_planned(&request).await {
        Err(ServiceError::Status(status)) => {
            assert_eq!(status.status, 422);
            assert_eq!(status.field_errors[0].field, "value");
        }
        other => panic!("expected a 422, got {other:?}"),
    }
    assert_eq!(
        sim.state
            .looker()
            .user_values
            .get(&(1, COST_CENTER))
            .map(String::as_str),
        Some("3100")
    );
}

#[tokio::test]
async fn update_changes_names_flags_and_the_login_email() {
    let sim = start_sim(0).await;
    let directory = open(&sim);
    let record = directory.read_user("1").await.unwrap();
    let edit = Edit::Update {
        fields: vec![
            ("first_name".to_owned(), "Pri".to_owned()),
            ("is_disabled".to_owned(), "true".to_owned()),
            ("email".to_owned(), "pri.raman@example.com".to_owned()),
        ],
    };
    written(&directory, Some(&record), edit).await;
    let after = directory.read_user("1").await.unwrap();
    assert_eq!(after.display_name.as_deref(), Some("Pri Raman"));
    assert!(!after.active);
    assert_eq!(after.email.as_deref(), Some("pri.raman@example.com"));
    let store = sim.state.looker();
    let user = store.users.get(&1).unwrap();
    assert_eq!(user.first_name.as_deref(), Some("Pri"));
    assert!(user.is_disabled);
    assert_eq!(user.email.as_deref(), Some("pri.raman@example.com"));
}

#[tokio::test]
async fn create_then_find_by_email() {
    let sim = start_sim(0).await;
    let directory = open(&sim);
    let edit = Edit::Create {
        resource: json!({
            "first_name": "Nova",
            "last_name": "Lindgren",
            "email": "nova.lindgren@example.com"
        }),
    };
    let id = written(&directory, None, edit)
        .await
        .id()
        .expect("the new id");
    assert_eq!(id, (DEMO_LOOKER_USERS + 1).to_string());
    let found = directory
        .find_user("nova.lindgren@example.com")
        .await
        .unwrap();
    assert_eq!(found.id, id);
    assert_eq!(found.display_name.as_deref(), Some("Nova Lindgren"));
}

#[tokio::test]
async fn group_values_come_in_rank_order() {
    let sim = start_sim(0).await;
    let values = client(&sim).group_values("7").await.unwrap();
    let ranks: Vec<Option<i64>> = values.iter().map(|v| v.rank).collect();
    assert_eq!(ranks, [Some(1), Some(2), Some(3), Some(4), Some(5)]);
    let groups: Vec<&str> = values.iter().map(|v| v.group_id.as_str()).collect();
    assert_eq!(groups, ["6", "3", "4", "2", "9"]);
}

#[tokio::test]
async fn an_expired_token_is_renewed_after_a_401() {
    let sim = start_sim(0).await;
    let directory = open(&sim);
    directory.read_user("1").await.unwrap();
    let old: Vec<String> = sim.state.looker().tokens.keys().cloned().collect();
    assert_eq!(old.len(), 1);
    sim.state.looker().tokens.clear();
    let record = directory.read_user("1").await.unwrap();
    assert_eq!(record.id, "1");
    let tokens = sim.state.looker().tokens.clone();
    assert_eq!(tokens.len(), 1, "exactly one fresh login");
    assert!(!tokens.contains_key(&old[0]));
}

#[tokio::test]
async fn a_read_only_connection_refuses_writes_and_changes_nothing() {
    let sim = start_sim(0).await;
    let directory =
        AnyDirectory::open(&sim_looker_connection(&sim, true), OpenOptions::default()).unwrap();
    let record = directory.read_user("16").await.unwrap();
    let edits = [
        Edit::SetAttribute {
            name: "region".to_owned(),
            values: vec!["LATAM".to_owned()],
        },
        Edit::Update {
            fields: vec![("first_name".to_owned(), "X".to_owned())],
        },
        Edit::Create {
            resource: json!({"first_name": "Y", "email": "y@example.com"}),
        },
    ];
    for edit in &edits {
        let target = (!matches!(edit, Edit::Create { .. })).then_some(&record);
        match write(&directory, target, edit.clone()).await {
            Err(WriteError::Service(ServiceError::ReadOnly { .. })) => {}
            Err(other) => panic!("expected ReadOnly, got {other:?}"),
            Ok(done) => panic!("expected ReadOnly, got {:?}", done.outcome()),
        }
    }
    // The global --read-only has the same effect on a writable connection.
    let global = AnyDirectory::open(
        &sim_looker_connection(&sim, false),
        OpenOptions {
            read_only: true,
            ..OpenOptions::default()
        },
    )
    .unwrap();
    assert!(matches!(
        write(&global, Some(&record), edits[0].clone()).await,
        Err(WriteError::Service(ServiceError::ReadOnly { .. }))
    ));
    let store = sim.state.looker();
    assert!(!store.user_values.contains_key(&(16, REGION)));
    assert_eq!(
        store.users.get(&16).unwrap().first_name.as_deref(),
        Some("Aisha")
    );
    assert_eq!(store.users.len(), DEMO_LOOKER_USERS);
}
