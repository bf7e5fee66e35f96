//! The built `roster` binary against the simulated Crowd API: listing in every format, show's
//! JSON shape, dry runs that send nothing, multi-valued set, unset, update, create, audit and
//! undo, with the application password never printed.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use serde_json::{Value, json};

const APP_PASSWORD: &str = "roster-sim-crowd-password";

fn assert_exit(output: &std::process::Output, code: i32) {
    common::assert_exit(output, code);
    let all = stdout(output) + &stderr(output);
    assert!(
        !all.contains(APP_PASSWORD),
        "the application password was printed:\n{all}"
    );
}

fn crowd_users(sim: &roster::simulator::RunningSimulator) -> usize {
    sim.state.crowd().users.len()
}

fn attribute<'a>(record: &'a Value, name: &str) -> &'a Value {
    record["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == name)
        .unwrap_or_else(|| panic!("no attribute {name} in {record}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_lists_as_table_json_and_csv() {
    let sim = start_sim(15).await;
    let env = CliEnv::for_sim(&sim);
    let total = crowd_users(&sim);

    let output = env.run(&["users", "crowd", "--format", "json"]).await;
    assert_exit(&output, 0);
    let users: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(users.len(), total);
    let priya = users.iter().find(|u| u["id"] == "praman").unwrap();
    assert_eq!(
        *priya,
        json!({"id": "praman", "username": "praman", "display_name": "Priya Raman",
               "email": "priya.raman@example.com", "active": true})
    );
    assert!(
        users
            .iter()
            .any(|u| u["id"] == "jwhitcombe" && u["active"] == false)
    );

    let output = env.run(&["users", "crowd"]).await;
    assert_exit(&output, 0);
    let table = stdout(&output);
    assert_eq!(table.lines().count(), total + 1);
    assert!(table.lines().next().unwrap().contains("USERNAME"));
    assert!(table.contains("priya.raman@example.com"));

    let output = env
        .run(&[
            "users",
            "crowd",
            "--format",
            "csv",
            "--filter",
            "example.org",
        ])
        .await;
    assert_exit(&output, 0);
    let csv = stdout(&output);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(
        lines[1].starts_with("lnavarro,") && lines[2].starts_with("vnovak,"),
        "{csv}"
    );

    let output = env
        .run(&["users", "crowd", "--format", "json", "--limit", "5"])
        .await;
    let users: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(users.len(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_json_has_every_field_and_attribute_with_its_lock() {
    let sim = start_sim(0).await;
    let env = CliEnv::for_sim(&sim);
    let output = env
        .run(&[
            "show",
            "crowd",
            "priya.raman@example.com",
            "--format",
            "json",
        ])
        .await;
    assert_exit(&output, 0);
    let record: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(record["connection"], "crowd");
    assert_eq!(record["kind"], "crowd");
    assert_eq!(record["id"], "praman");
    let skills = attribute(&record, "skills");
    assert_eq!(
        skills["values"],
        json!(["salesforce", "forecasting", "sql"])
    );
    assert_eq!(skills["source"], "user");
    assert_eq!(skills["locked"], false);
    assert_eq!(skills["candidates"].as_array().unwrap().len(), 1);
    let system = attribute(&record, "invalidPasswordAttempts");
    assert_eq!(system["locked"], true);
    assert!(
        system["lock_reason"]
            .as_str()
            .unwrap()
            .contains("managed by Crowd")
    );
    let name = attribute(&record, "name");
    assert_eq!(name["locked"], true);
    assert_eq!(
        attribute(&record, "email")["values"],
        json!(["priya.raman@example.com"])
    );
    assert_eq!(attribute(&record, "active")["values"], json!(["true"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_prints_the_request_and_sends_nothing() {
    let sim = start_sim(0).await;
    let env = CliEnv::for_sim(&sim);
    let output = env
        .run(&[
            "set",
            "crowd",
            "praman",
            "skills=a",
            "skills=b",
            "--dry-run",
        ])
        .await;
    assert_exit(&output, 0);
    let text = stdout(&output);
    assert!(
        text.contains(&format!(
            "POST {}/crowd/rest/usermanagement/1/user/attribute?username=praman",
            sim.base_url()
        )),
        "{text}"
    );
    assert!(text.contains("Authorization: Basic ********"), "{text}");
    assert!(text.contains("\"values\": ["), "{text}");
    assert!(
        text.contains("salesforce, forecasting, sql → a, b"),
        "{text}"
    );
    assert_eq!(
        sim.state.crowd().user("praman").unwrap().attributes["skills"],
        ["salesforce", "forecasting", "sql"],
        "nothing was sent"
    );

    let file = env.dir.path().join("user.json");
    std::fs::write(
        &file,
        r#"{"name": "dry", "password": {"value": "top-secret-pw"}, "email": "dry@example.com"}"#,
    )
    .unwrap();
    let output = env
        .run(&[
            "create",
            "crowd",
            "--file",
            file.to_str().unwrap(),
            "--dry-run",
        ])
        .await;
    assert_exit(&output, 0);
    assert!(
        !stdout(&output).contains("top-secret-pw"),
        "{}",
        stdout(&output)
    );
    assert!(sim.state.crowd().user("dry").is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_unset_update_and_undo_round_trip() {
    let sim = start_sim(0).await;
    let env = CliEnv::for_sim(&sim);
    let output = env
        .run(&[
            "set",
            "crowd",
            "twielgosz",
            "languages=de",
            "languages=pl",
            "--yes",
        ])
        .await;
    assert_exit(&output, 0);
    assert_eq!(
        sim.state.crowd().user("twielgosz").unwrap().attributes["languages"],
        ["de", "pl"]
    );

    let output = env
        .run(&["unset", "crowd", "twielgosz", "manager", "--yes"])
        .await;
    assert_exit(&output, 0);
    assert!(
        !sim.state
            .crowd()
            .user("twielgosz")
            .unwrap()
            .attributes
            .contains_key("manager")
    );

    let output = env
        .run(&[
            "update",
            "crowd",
            "twielgosz",
            "display-name=Tomek W.",
            "active=false",
            "--yes",
        ])
        .await;
    assert_exit(&output, 0);
    {
        let store = sim.state.crowd();
        let user = store.user("twielgosz").unwrap();
        assert_eq!(user.display_name.as_deref(), Some("Tomek W."));
        assert!(!user.active);
        assert_eq!(user.first_name.as_deref(), Some("Tomasz"));
    }

    // Undo the update: the previous display name and active flag come back.
    let output = env.run(&["undo", "--yes"]).await;
    assert_exit(&output, 0);
    {
        let store = sim.state.crowd();
        let user = store.user("twielgosz").unwrap();
        assert_eq!(user.display_name.as_deref(), Some("Tomasz Wielgosz"));
        assert!(user.active);
    }

    // Crowd-managed attributes and user fields are refused as attributes: usage errors.
    let output = env
        .run(&[
            "set",
            "crowd",
            "twielgosz",
            "invalidPasswordAttempts=0",
            "--yes",
        ])
        .await;
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("managed by Crowd"),
        "{}",
        stderr(&output)
    );
    let output = env
        .run(&["update", "crowd", "twielgosz", "name=tw", "--yes"])
        .await;
    assert_exit(&output, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_from_a_file_then_refuse_the_same_name() {
    let sim = start_sim(0).await;
    let env = CliEnv::for_sim(&sim);
    let file = env.dir.path().join("new-user.json");
    std::fs::write(
        &file,
        r#"{"name": "nova", "first-name": "Nova", "last-name": "Lindgren",
            "email": "nova.lindgren@example.com", "password": "pw-for-nova",
            "attributes": {"department": ["Support"]}}"#,
    )
    .unwrap();
    let args = ["create", "crowd", "--file", file.to_str().unwrap(), "--yes"];
    let output = env.run(&args).await;
    assert_exit(&output, 0);
    assert!(
        stdout(&output).contains("created user nova"),
        "{}",
        stdout(&output)
    );
    assert!(!stdout(&output).contains("pw-for-nova"));
    {
        let store = sim.state.crowd();
        let user = store.user("nova").unwrap();
        assert_eq!(user.attributes["department"], ["Support"]);
        assert_eq!(user.display_name.as_deref(), Some("Nova Lindgren"));
    }
    let output = env.run(&args).await;
    assert_exit(&output, 1);
    assert!(
        stderr(&output).contains("INVALID_USER"),
        "{}",
        stderr(&output)
    );
    assert!(
        !env.state_text().contains("pw-for-nova"),
        "the journal holds no password"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_finds_crowd_managed_attributes_and_inactive_users_with_values() {
    let sim = start_sim(0).await;
    let env = CliEnv::for_sim(&sim);
    let output = env.run(&["audit", "crowd", "--format", "json"]).await;
    assert_exit(&output, 0);
    let findings: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    // Crowd manages requiresPasswordChange for everyone: one line for all users…
    assert!(findings.iter().any(|f| f["user"].is_null()
        && f["attribute"] == "requiresPasswordChange"
        && f["finding"] == "locked"));
    // …and one per user on request.
    let output = env
        .run(&["audit", "crowd", "--format", "json", "--per-user"])
        .await;
    assert_exit(&output, 0);
    let per_user: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert!(per_user.iter().any(|f| f["user"] == "praman"
        && f["user_id"] == "praman"
        && f["attribute"] == "requiresPasswordChange"
        && f["finding"] == "locked"));
    assert!(findings.iter().any(|f| f["user"] == "jwhitcombe"
        && f["attribute"] == "skills"
        && f["finding"] == "inactive_with_values"));
    assert!(
        !findings
            .iter()
            .any(|f| f["user"] == "praman" && f["finding"] == "inactive_with_values")
    );
}
