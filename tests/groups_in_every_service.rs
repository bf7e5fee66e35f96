//! The groups of a user in every service, as `roster show` prints them (`"groups": [{"name", "id",
//! "direct", "source"}]` in JSON, a `groups:` line in the table) against the simulator: Looker
//! `group_ids` with names, Crowd direct and nested groups, SCIM `groups` (still shown locked as
//! an attribute); and the SCIM and Crowd mappings on hand-written input.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use roster::service::crowd::groups::UserGroup;
use roster::service::{crowd, scim};
use serde_json::{Value, json};

async fn show_json(env: &CliEnv, connection: &str, user: &str) -> Value {
    let output = env
        .run(&["show", connection, user, "--format", "json"])
        .await;
    assert_exit(&output, 0);
    serde_json::from_slice(&output.stdout).unwrap()
}

async fn show_table(env: &CliEnv, connection: &str, user: &str) -> String {
    let output = env.run(&["show", connection, user]).await;
    assert_exit(&output, 0);
    stdout(&output)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn looker_groups_are_named_from_the_groups_list() {
    let sim = start_sim(0).await;
    let env = CliEnv::for_sim(&sim);
    let record = show_json(&env, "looker", "1").await;
    assert_eq!(
        record["groups"],
        json!([
            {"name": "All Users", "id": "1", "direct": true, "source": "looker"},
            {"name": "Sales", "id": "3", "direct": true, "source": "looker"},
            {"name": "Support", "id": "4", "direct": true, "source": "looker"}
        ])
    );
    let table = show_table(&env, "looker", "priya.raman@example.com").await;
    assert!(
        table.contains("\n  groups:   All Users, Sales, Support\n\n"),
        "{table}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crowd_groups_are_direct_or_nested() {
    let sim = start_sim(0).await;
    let env = CliEnv::for_sim(&sim);
    let record = show_json(&env, "crowd", "praman").await;
    let groups = record["groups"].as_array().unwrap();
    let find = |name: &str| groups.iter().find(|g| g["name"] == name).cloned();
    assert_eq!(
        find("jira-software-users"),
        Some(
            json!({"name": "jira-software-users", "id": "jira-software-users", "direct": true, "source": "crowd"})
        )
    );
    assert_eq!(
        find("all-staff"),
        Some(json!({"name": "all-staff", "id": "all-staff", "direct": false, "source": "crowd"})),
        "all-staff holds confluence-users: a nested membership"
    );
    assert!(find("confluence-users").unwrap()["direct"] == true);
    assert!(find("developers").is_none());
    let table = show_table(&env, "crowd", "praman").await;
    assert!(table.contains("all-staff (nested)"), "{table}");
    assert!(table.contains("  groups:   "), "{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scim_groups_are_listed_and_the_attribute_stays_locked() {
    let sim = start_sim(0).await;
    let env = CliEnv::for_sim(&sim);
    let record = show_json(&env, "scim", "priya.raman@example.com").await;
    let groups = record["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{groups:?}");
    assert_eq!(groups[0]["name"], "Sales");
    assert_eq!(groups[0]["direct"], true);
    assert_eq!(groups[0]["source"], "scim");
    assert!(!groups[0]["id"].as_str().unwrap().is_empty());
    let attribute = record["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "groups")
        .unwrap();
    assert_eq!(attribute["locked"], true);
    assert!(
        attribute["lock_reason"]
            .as_str()
            .unwrap()
            .contains("read-only")
    );
}

#[test]
fn scim_mapping_reads_display_value_and_indirect_memberships() {
    let resource = json!({
        "id": "u1", "userName": "jdoe",
        "groups": [
            {"value": "g1", "display": "engineering", "type": "direct", "$ref": "https://x/Groups/g1"},
            {"value": "g2", "display": "all-staff", "type": "indirect"},
            {"value": "g3"},
            {"display": "no id"}
        ]
    });
    let shown: Vec<(String, String, bool, String)> = scim::mapping::groups(&resource)
        .into_iter()
        .map(|g| (g.name, g.id, g.direct, g.source))
        .collect();
    let row =
        |name: &str, id: &str, direct| (name.to_owned(), id.to_owned(), direct, "scim".to_owned());
    assert_eq!(
        shown,
        [
            row("engineering", "g1", true),
            row("all-staff", "g2", false),
            row("g3", "g3", true)
        ]
    );
    assert!(scim::mapping::groups(&json!({"id": "u2"})).is_empty());
}

#[test]
fn crowd_mapping_names_groups_by_name() {
    let groups = crowd::mapping::groups(vec![
        UserGroup {
            name: "all-staff".to_owned(),
            direct: false,
        },
        UserGroup {
            name: "developers".to_owned(),
            direct: true,
        },
    ]);
    assert_eq!(
        serde_json::to_value(&groups).unwrap(),
        json!([
            {"name": "all-staff", "id": "all-staff", "direct": false, "source": "crowd"},
            {"name": "developers", "id": "developers", "direct": true, "source": "crowd"}
        ])
    );
}
