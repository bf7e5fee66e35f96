//! The built `roster` binary against the simulated SCIM API: listing, show's JSON, update, set and
//! unset, a replace from a partial file (the dry run names every attribute it would clear and
//! sends nothing; the real run does exactly that), and create from a file.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use roster::simulator::RunningSimulator;
use serde_json::Value;

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

async fn show(env: &CliEnv, user: &str) -> Value {
    let output = env.run(&["show", "scim", user, "--format", "json"]).await;
    assert_exit(&output, 0);
    serde_json::from_slice(&output.stdout).unwrap()
}

fn values(record: &Value, name: &str) -> Vec<String> {
    record["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == name)
        .map(|a| serde_json::from_value(a["values"].clone()).unwrap())
        .unwrap_or_default()
}

/// The stored resource as the simulator holds it, straight from its state.
fn stored(sim: &RunningSimulator, user_name: &str) -> serde_json::Map<String, Value> {
    sim.state
        .scim()
        .all(roster::simulator::scim::schema::ResourceKind::User)
        .find(|u| u.text("userName") == Some(user_name))
        .unwrap()
        .body
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_and_show_speak_scim() {
    let sim = start_sim(10).await;
    let env = CliEnv::for_sim(&sim);
    let output = env.run(&["users", "scim", "--format", "json"]).await;
    assert_exit(&output, 0);
    let users: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert!(users.len() > 30 + 10);
    assert_eq!(users[0]["username"], "priya.raman@example.com");
    assert_eq!(users[0]["display_name"], "Priya Raman");

    let record = show(&env, "priya.raman@example.com").await;
    assert_eq!(record["kind"], "scim");
    assert_eq!(record["id"], users[0]["id"]);
    let by_id = show(&env, users[0]["id"].as_str().unwrap()).await;
    assert_eq!(by_id["username"], "priya.raman@example.com");
    let attributes = record["attributes"].as_array().unwrap();
    let emails = attributes.iter().find(|a| a["name"] == "emails").unwrap();
    assert_eq!(
        emails["values"][0],
        "priya.raman@example.com (work, primary)"
    );
    assert_eq!(emails["source"], "core");
    let department = attributes
        .iter()
        .find(|a| a["name"] == format!("{ENTERPRISE}:department"))
        .unwrap();
    assert_eq!(department["source"], ENTERPRISE);
    let groups = attributes.iter().find(|a| a["name"] == "groups").unwrap();
    assert_eq!(
        (groups["locked"].clone(), groups["values"][0].clone()),
        (Value::Bool(true), Value::from("Sales"))
    );
    assert!(groups["lock_reason"].as_str().unwrap().contains("/Groups"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_set_and_unset_patch_the_user() {
    let sim = start_sim(0).await;
    let env = CliEnv::for_sim(&sim);
    let user = "tomasz.wielgosz@example.com";
    let dry = env
        .run(&[
            "update",
            "scim",
            user,
            "title=Principal Engineer",
            "nickName=Tom",
            "--dry-run",
        ])
        .await;
    assert_exit(&dry, 0);
    let text = stdout(&dry);
    assert!(
        text.contains("PATCH ") && text.contains("\"Operations\"") && text.contains("If-Match: W/"),
        "{text}"
    );
    assert!(
        text.contains("Staff Engineer → Principal Engineer"),
        "{text}"
    );
    assert_eq!(
        stored(&sim, user)["title"],
        "Staff Engineer",
        "a dry run sends nothing"
    );

    let output = env
        .run(&[
            "update",
            "scim",
            user,
            "title=Principal Engineer",
            "nickName=Tom",
            "--yes",
        ])
        .await;
    assert_exit(&output, 0);
    let output = env
        .run(&[
            "set",
            "scim",
            user,
            &format!("{ENTERPRISE}:department=Platform"),
            "--yes",
        ])
        .await;
    assert_exit(&output, 0);
    let output = env
        .run(&[
            "set",
            "scim",
            user,
            "emails=tomasz.wielgosz@example.com (work, primary)",
            "emails=tomek@home.example (home)",
            "--yes",
        ])
        .await;
    assert_exit(&output, 0);
    let output = env
        .run(&["unset", "scim", user, "preferredLanguage", "--yes"])
        .await;
    assert_exit(&output, 0);
    let record = show(&env, user).await;
    assert_eq!(values(&record, "title"), ["Principal Engineer"]);
    assert_eq!(values(&record, "nickName"), ["Tom"]);
    assert_eq!(
        values(&record, &format!("{ENTERPRISE}:department")),
        ["Platform"]
    );
    assert_eq!(
        values(&record, "emails"),
        [
            "tomasz.wielgosz@example.com (work, primary)",
            "tomek@home.example (home)"
        ]
    );
    assert!(values(&record, "preferredLanguage").is_empty());

    let output = env
        .run(&["set", "scim", user, "groups=Admins", "--yes"])
        .await;
    assert_exit(&output, 2);
    assert!(stderr(&output).contains("locked"), "{}", stderr(&output));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replace_from_a_partial_file_previews_the_clears_then_does_exactly_that() {
    let sim = start_sim(0).await;
    let env = CliEnv::for_sim(&sim);
    let user = "aisha.bello@example.com";
    let before_record = show(&env, user).await;
    let before_stored = stored(&sim, user);
    let file = env.dir.path().join("partial.json");
    std::fs::write(
        &file,
        r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "aisha.bello@example.com", "displayName": "Aisha B.",
            "emails": [{"value": "aisha.bello@example.com", "type": "work", "primary": true}],
            "active": true}"#,
    )
    .unwrap();

    let dry = env
        .run(&[
            "replace",
            "scim",
            user,
            "--file",
            file.to_str().unwrap(),
            "--dry-run",
        ])
        .await;
    assert_exit(&dry, 0);
    let preview = stdout(&dry);
    assert!(
        preview.contains("PUT ") && preview.contains("If-Match: W/"),
        "{preview}"
    );
    let cleared: Vec<String> = before_record["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["locked"] == false && !a["values"].as_array().unwrap().is_empty())
        .map(|a| a["name"].as_str().unwrap().to_owned())
        .filter(|name| !["userName", "displayName", "emails", "active"].contains(&name.as_str()))
        .collect();
    assert!(cleared.len() >= 8, "{cleared:?}");
    for name in &cleared {
        assert!(
            preview
                .lines()
                .any(|l| l.contains(&format!("{name}:")) && l.contains("cleared by replace")),
            "the preview names {name} as cleared:\n{preview}"
        );
    }
    assert_eq!(stored(&sim, user), before_stored, "a dry run sends nothing");

    let output = env
        .run(&[
            "replace",
            "scim",
            user,
            "--file",
            file.to_str().unwrap(),
            "--yes",
        ])
        .await;
    assert_exit(&output, 0);
    let after = show(&env, user).await;
    for name in &cleared {
        assert!(values(&after, name).is_empty(), "{name} was cleared");
    }
    assert_eq!(values(&after, "displayName"), ["Aisha B."]);
    assert_eq!(
        values(&after, "groups"),
        values(&before_record, "groups"),
        "read-only groups kept"
    );
    // Everything else the preview did not mention is as it was.
    for attribute in after["attributes"].as_array().unwrap() {
        let name = attribute["name"].as_str().unwrap();
        if attribute["locked"] == false && !preview.contains(&format!("{name}:")) {
            assert_eq!(values(&after, name), values(&before_record, name), "{name}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_from_a_file_and_duplicates_fail() {
    let sim = start_sim(0).await;
    let env = CliEnv::for_sim(&sim);
    let file = env.dir.path().join("new.json");
    std::fs::write(
        &file,
        format!(
            r#"{{"userName": "nova.lindgren@example.com",
                "name": {{"givenName": "Nova", "familyName": "Lindgren"}},
                "emails": [{{"value": "nova.lindgren@example.com", "type": "work", "primary": true}}],
                "{ENTERPRISE}": {{"department": "R&D"}}}}"#
        ),
    )
    .unwrap();
    let output = env
        .run(&["create", "scim", "--file", file.to_str().unwrap(), "--yes"])
        .await;
    assert_exit(&output, 0);
    let record = show(&env, "nova.lindgren@example.com").await;
    assert!(
        stdout(&output).contains(record["id"].as_str().unwrap()),
        "{}",
        stdout(&output)
    );
    assert_eq!(
        values(&record, &format!("{ENTERPRISE}:department")),
        ["R&D"]
    );
    let output = env
        .run(&["create", "scim", "--file", file.to_str().unwrap(), "--yes"])
        .await;
    assert_exit(&output, 1);
    assert!(
        stderr(&output).contains("already exists"),
        "{}",
        stderr(&output)
    );
}
