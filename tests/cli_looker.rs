//! The built `roster` binary end to end against a simulator started by the test: listing, show's
//! JSON shape, dry runs, confirmation refusal, writes with their fallback, create, audit, exit
//! codes for usage, config and service failures, and `roster sim --config-out`.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::*;
use serde_json::Value;

const REGION: u64 = 7;

fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect()
}

/// Asserts that no access token issued by the simulator occurs in the output or in roster's state.
fn assert_no_token(sim: &roster::simulator::RunningSimulator, env: &CliEnv, text: &str) {
    let state = env.state_text();
    for token in sim.state.looker().tokens.keys() {
        assert!(!text.contains(token.as_str()), "token printed:\n{text}");
        assert!(!state.contains(token.as_str()), "token in log or journal");
    }
    assert!(!text.contains(LOOKER_CLIENT_SECRET));
    assert!(!state.contains(LOOKER_CLIENT_SECRET));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_lists_as_table_json_and_csv() {
    let sim = start_sim(20).await;
    let env = CliEnv::for_sim(&sim);

    let output = env.run(&["users", "looker", "--format", "json"]).await;
    assert_exit(&output, 0);
    let users: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(users.len(), DEMO_LOOKER_USERS + 20);
    for user in &users {
        assert_eq!(
            keys(user),
            ["id", "username", "display_name", "email", "active"]
        );
        assert!(user["id"].is_string() && user["active"].is_boolean());
    }
    assert_eq!(users[0]["id"], "1");
    assert_eq!(users[0]["email"], "priya.raman@example.com");
    assert_eq!(users[0]["display_name"], "Priya Raman");
    assert_eq!(users[25]["active"], false, "Benedikt Auer is disabled");

    let output = env.run(&["users", "looker"]).await;
    assert_exit(&output, 0);
    let table = stdout(&output);
    let mut lines = table.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["ID", "USERNAME", "DISPLAY", "NAME", "EMAIL", "ACTIVE"]
    );
    assert!(lines.next().unwrap().contains("priya.raman@example.com"));
    assert_eq!(table.lines().count(), DEMO_LOOKER_USERS + 20 + 1);

    let output = env.run(&["users", "looker", "--format", "csv"]).await;
    assert_exit(&output, 0);
    let csv = stdout(&output);
    assert!(
        csv.starts_with("id,username,display_name,email,active\r\n"),
        "{csv}"
    );
    assert!(
        csv.contains("\r\n1,priya.raman@example.com,Priya Raman,priya.raman@example.com,true\r\n")
    );

    let output = env
        .run(&["users", "looker", "--filter", "RAMAN", "--format", "json"])
        .await;
    assert_exit(&output, 0);
    let users: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    let ids: Vec<&str> = users.iter().map(|u| u["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["1"]);

    let output = env
        .run(&["users", "looker", "--limit", "5", "--format", "json"])
        .await;
    assert_exit(&output, 0);
    let users: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(users.len(), 5);
    assert_no_token(&sim, &env, &(stdout(&output) + &stderr(&output)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_json_has_product_keys_and_the_chain_winner_first() {
    let sim = start_sim(0).await;
    let env = CliEnv::for_sim(&sim);
    for key in ["1", "priya.raman@example.com"] {
        let output = env.run(&["show", "looker", key, "--format", "json"]).await;
        assert_exit(&output, 0);
        let record: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(
            keys(&record),
            [
                "connection",
                "kind",
                "id",
                "username",
                "display_name",
                "email",
                "active",
                "attributes",
                "groups"
            ]
        );
        assert_eq!(record["connection"], "looker");
        assert_eq!(record["kind"], "looker");
        assert_eq!(record["id"], "1");
        for attribute in record["attributes"].as_array().unwrap() {
            assert_eq!(
                keys(attribute),
                [
                    "name",
                    "label",
                    "values",
                    "source",
                    "rank",
                    "hidden",
                    "locked",
                    "lock_reason",
                    "user_can_edit",
                    "candidates"
                ]
            );
            for candidate in attribute["candidates"].as_array().unwrap() {
                assert_eq!(keys(candidate), ["values", "source", "rank", "effective"]);
            }
            if attribute["hidden"] == true {
                assert_eq!(attribute["values"], serde_json::json!([]));
            }
        }
        let region = record["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == "region")
            .unwrap();
        assert_eq!(region["values"], serde_json::json!(["APAC"]));
        let chain: Vec<(&str, bool)> = region["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["source"].as_str().unwrap(),
                    c["effective"].as_bool().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            chain,
            [
                ("User", true),
                ("Group: Sales", false),
                ("Group: Support", false),
                ("Default", false)
            ]
        );
        assert_no_seeded_secret(&stdout(&output));
    }
    let output = env.run(&["show", "looker", "1"]).await;
    assert_exit(&output, 0);
    let table = stdout(&output);
    assert!(table.contains("region") && table.contains("APAC") && table.contains("overridden"));
    assert!(table.contains("(hidden)"));
    assert_no_seeded_secret(&table);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_prints_the_request_and_sends_nothing() {
    let sim = start_sim(0).await;
    let env = CliEnv::for_sim(&sim);
    let output = env
        .run(&["set", "looker", "1", "region=EMEA", "--dry-run"])
        .await;
    assert_exit(&output, 0);
    let text = stdout(&output);
    assert!(
        text.contains(&format!(
            "PATCH {}/looker/api/4.0/users/1/attribute_values/{REGION}",
            sim.base_url()
        )),
        "{text}"
    );
    assert!(text.contains("Authorization: Bearer ********"), "{text}");
    assert!(text.contains("\"value\": \"EMEA\""), "{text}");
    assert!(text.contains("APAC → EMEA"), "{text}");
    assert_eq!(
        sim.state
            .looker()
            .user_values
            .get(&(1, REGION))
            .map(String::as_str),
        Some("APAC"),
        "nothing was sent"
    );
    assert_no_token(&sim, &env, &(text + &stderr(&output)));

    // A hidden attribute's new value is masked in the preview too.
    let output = env
        .run(&[
            "set",
            "looker",
            "1",
            "db_password=brand-new-secret",
            "--dry-run",
        ])
        .await;
    assert_exit(&output, 0);
    assert!(
        !stdout(&output).contains("brand-new-secret"),
        "{}",
        stdout(&output)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_without_yes_and_without_a_terminal_is_refused() {
    let sim = start_sim(0).await;
    let env = CliEnv::for_sim(&sim);
    let output = env.run(&["set", "looker", "16", "region=APAC"]).await;
    assert_exit(&output, 2);
    assert!(stderr(&output).contains("--yes"), "{}", stderr(&output));
    assert!(!sim.state.looker().user_values.contains_key(&(16, REGION)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_and_unset_round_trip_with_the_fallback() {
    let sim = start_sim(0).await;
    let env = CliEnv::for_sim(&sim);
    let output = env
        .run(&[
            "set",
            "looker",
            "aisha.bello@example.com",
            "region=APAC",
            "--yes",
        ])
        .await;
    assert_exit(&output, 0);
    assert_eq!(
        sim.state
            .looker()
            .user_values
            .get(&(16, REGION))
            .map(String::as_str),
        Some("APAC")
    );
    assert!(stdout(&output).contains("APAC"), "{}", stdout(&output));

    let show = env.run(&["show", "looker", "16", "--format", "json"]).await;
    let record: Value = serde_json::from_slice(&show.stdout).unwrap();
    let region = record["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "region")
        .unwrap()
        .clone();
    assert_eq!(region["source"], "User");
    assert_eq!(region["values"], serde_json::json!(["APAC"]));

    let output = env.run(&["unset", "looker", "16", "region", "--yes"]).await;
    assert_exit(&output, 0);
    assert!(!sim.state.looker().user_values.contains_key(&(16, REGION)));
    let text = stdout(&output);
    assert!(
        text.contains("Group: Sales") && text.contains("NA"),
        "{text}"
    );
    assert_no_token(&sim, &env, &(text + &stderr(&output)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_changes_user_fields() {
    let sim = start_sim(0).await;
    let env = CliEnv::for_sim(&sim);
    let output = env
        .run(&[
            "update",
            "looker",
            "1",
            "first_name=Pia",
            "is_disabled=true",
            "--yes",
        ])
        .await;
    assert_exit(&output, 0);
    let user = sim.state.looker().users.get(&1).cloned().unwrap();
    assert_eq!(user.first_name.as_deref(), Some("Pia"));
    assert!(user.is_disabled);
    let output = env
        .run(&["update", "looker", "1", "is_disabled=perhaps", "--yes"])
        .await;
    assert_exit(&output, 2);
    let output = env.run(&["update", "looker", "1", "id=7", "--yes"]).await;
    assert_exit(&output, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_from_a_file() {
    let sim = start_sim(0).await;
    let env = CliEnv::for_sim(&sim);
    let file = env.dir.path().join("new-user.json");
    std::fs::write(
        &file,
        r#"{"first_name": "Nova", "last_name": "Lindgren", "email": "nova.lindgren@example.com"}"#,
    )
    .unwrap();
    let output = env
        .run(&[
            "create",
            "looker",
            "--file",
            file.to_str().unwrap(),
            "--yes",
        ])
        .await;
    assert_exit(&output, 0);
    let id = DEMO_LOOKER_USERS as u64 + 1;
    assert!(
        stdout(&output).contains(&format!("created user {id}")),
        "{}",
        stdout(&output)
    );
    let user = sim.state.looker().users.get(&id).cloned().unwrap();
    assert_eq!(user.email.as_deref(), Some("nova.lindgren@example.com"));
    // The same email again: the server refuses with 409, exit 1.
    let output = env
        .run(&[
            "create",
            "looker",
            "--file",
            file.to_str().unwrap(),
            "--yes",
        ])
        .await;
    assert_exit(&output, 1);
    assert!(stderr(&output).contains("409"), "{}", stderr(&output));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_reports_hidden_values_without_them() {
    let sim = start_sim(0).await;
    let env = CliEnv::for_sim(&sim);
    let output = env.run(&["audit", "looker", "--format", "json"]).await;
    assert_exit(&output, 0);
    let text = stdout(&output);
    assert_no_seeded_secret(&text);
    let findings: Vec<Value> = serde_json::from_str(&text).unwrap();
    for finding in &findings {
        assert_eq!(keys(finding), FINDING_KEYS);
    }
    let hidden: Vec<(&str, &str)> = findings
        .iter()
        .filter(|f| f["finding"] == "hidden")
        .map(|f| {
            (
                f["user"].as_str().unwrap(),
                f["attribute"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        hidden.contains(&("priya.raman@example.com", "db_password")),
        "{hidden:?}"
    );
    assert!(
        hidden.contains(&("meiling.zhou@example.com", "api_signing_key")),
        "{hidden:?}"
    );
    assert!(findings.iter().any(|f| f["finding"] == "overrides_group"));
    assert!(
        findings
            .iter()
            .any(|f| f["finding"] == "inactive_with_values")
    );
    for format in ["table", "csv"] {
        let output = env.run(&["audit", "looker", "--format", format]).await;
        assert_exit(&output, 0);
        assert_no_seeded_secret(&stdout(&output));
    }
    assert_no_seeded_secret(&env.state_text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_and_config_errors_exit_2() {
    let sim = start_sim(0).await;
    let env = CliEnv::for_sim(&sim);
    let output = env.run(&["users", "nosuchconn"]).await;
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("nosuchconn"),
        "{}",
        stderr(&output)
    );

    let output = env
        .run(&["set", "looker", "1", "no_such_attribute=1", "--yes"])
        .await;
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("no_such_attribute"),
        "{}",
        stderr(&output)
    );

    let output = env
        .run(&["set", "looker", "1", "cost_center=lots", "--yes"])
        .await;
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("cost_center"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        sim.state
            .looker()
            .user_values
            .get(&(1, 8))
            .map(String::as_str),
        Some("3100")
    );

    let output = env
        .run(&["set", "looker", "1", "email=x@y.z", "--yes"])
        .await;
    assert_exit(&output, 2);
    assert!(stderr(&output).contains("locked"), "{}", stderr(&output));

    let output = env.run(&["show", "looker", "nobody@example.com"]).await;
    assert_exit(&output, 1);
    assert!(
        stderr(&output).contains("nobody@example.com"),
        "{}",
        stderr(&output)
    );

    let missing = env.dir.path().join("missing.toml");
    let output = env
        .run_plain(
            &["users", "looker", "--config", missing.to_str().unwrap()],
            &[],
        )
        .await;
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("missing.toml"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_service_exits_1_with_a_message() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let env = CliEnv::with_config(&format!(
        "[[connection]]\nname = \"looker\"\nkind = \"looker\"\nurl = \"http://127.0.0.1:{port}/looker\"\n\
         client_id = \"x\"\nclient_secret = \"never-printed-secret\"\n"
    ));
    let output = env.run(&["users", "looker"]).await;
    assert_exit(&output, 1);
    let message = stderr(&output);
    assert!(message.contains("cannot reach"), "{message}");
    assert!(message.contains(&port.to_string()), "{message}");
    assert!(!message.contains("never-printed-secret"));
    assert!(!env.state_text().contains("never-printed-secret"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_writes_a_private_config_that_works() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("sim.toml");
    let mut child = tokio::process::Command::new(roster_bin())
        .args([
            "sim",
            "--users",
            "3",
            "--config-out",
            config.to_str().unwrap(),
        ])
        .env("ROSTER_STATE_DIR", dir.path().join("state"))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    // The simulator renames the finished file into place, so its presence means it is whole.
    let ready = wait_until(Duration::from_secs(60), || {
        std::fs::read_to_string(&config).is_ok_and(|t| t.contains("name = \"looker\""))
    })
    .await;
    assert!(ready, "roster sim wrote {}", config.display());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&config).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let env = CliEnv {
        dir,
        config: config.clone(),
    };
    let output = env.run(&["users", "looker", "--format", "json"]).await;
    child.kill().await.unwrap();
    assert_exit(&output, 0);
    let users: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(users.len(), DEMO_LOOKER_USERS + 3);
}
