//! `roster audit` streamed: findings carry `user_id`, a system-managed lock is one finding per
//! attribute with `"user": null` and the count (`--per-user` lists each user), CSV has the same
//! columns, and rows reach stdout while the audit is still reading users.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use common::{CliEnv, FINDING_KEYS, assert_exit, start_sim, stdout};
use roster::simulator::SimOptions;
use serde_json::Value;
use tokio::io::AsyncBufReadExt;

fn findings(output: &std::process::Output) -> Vec<Value> {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(output)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn system_locks_are_one_line_per_attribute_unless_per_user_is_asked() {
    let sim = start_sim(40).await;
    let env = CliEnv::for_sim(&sim);
    let output = env.run(&["audit", "crowd", "--format", "json"]).await;
    assert_exit(&output, 0);
    let summarised = findings(&output);
    let output = env
        .run(&["audit", "crowd", "--format", "json", "--per-user"])
        .await;
    assert_exit(&output, 0);
    let per_user = findings(&output);

    for finding in summarised.iter().chain(&per_user) {
        let keys: Vec<&str> = finding
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, FINDING_KEYS);
    }
    let summaries: Vec<&Value> = summarised.iter().filter(|f| f["user"].is_null()).collect();
    assert!(!summaries.is_empty(), "system locks are summarised");
    assert!(per_user.iter().all(|f| !f["user"].is_null()));
    let users = sim.state.crowd().users.len();
    for summary in &summaries {
        assert_eq!(summary["finding"], "locked");
        assert!(summary["user_id"].is_null());
        let attribute = summary["attribute"].as_str().unwrap();
        let listed = per_user
            .iter()
            .filter(|f| f["attribute"] == attribute && f["finding"] == "locked")
            .count();
        let detail = summary["detail"].as_str().unwrap();
        let count = if listed == users {
            format!("locked on all {listed} users")
        } else {
            format!("locked on {listed} of {users} users")
        };
        assert!(detail.starts_with(&count), "{detail} vs {count}");
    }
    // Every other finding is the same in both, and names its user by id as the service does.
    let ids: HashMap<String, String> = sim
        .state
        .crowd()
        .users
        .values()
        .map(|u| (u.name.clone(), u.name.clone()))
        .collect();
    let rest = |list: &[Value]| -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for f in list.iter().filter(|f| !f["user"].is_null()) {
            let attribute = f["attribute"].as_str().unwrap();
            if summaries.iter().any(|s| s["attribute"] == attribute) {
                continue;
            }
            assert_eq!(
                ids.get(f["user"].as_str().unwrap()).map(String::as_str),
                f["user_id"].as_str()
            );
            *counts.entry(f.to_string()).or_default() += 1;
        }
        counts
    };
    assert_eq!(rest(&summarised), rest(&per_user));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_and_table_carry_the_same_findings() {
    let sim = start_sim(0).await;
    let env = CliEnv::for_sim(&sim);
    let json = findings(&env.run(&["audit", "looker", "--format", "json"]).await);
    let output = env.run(&["audit", "looker", "--format", "csv"]).await;
    assert_exit(&output, 0);
    let csv = stdout(&output);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("connection,user,user_id,attribute,finding,detail")
    );
    assert_eq!(lines.count(), json.len());
    let output = env.run(&["audit", "looker"]).await;
    assert_exit(&output, 0);
    let table = stdout(&output);
    assert!(table.starts_with("CONNECTION"), "{table}");
    assert_eq!(table.lines().count(), json.len() + 1, "{table}");
    assert!(table.contains("(every user)"), "{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn findings_reach_stdout_before_the_audit_ends() {
    // Every request takes 40 ms: reading 400 users sixteen at a time takes a second or more.
    let sim = roster::simulator::start(&SimOptions {
        users: 400,
        port: 0,
        faults: Some("latency=40ms".parse().unwrap()),
    })
    .await
    .unwrap();
    let env = CliEnv::for_sim(&sim);
    let mut child = tokio::process::Command::new(common::roster_bin())
        .arg("--config")
        .arg(&env.config)
        .args(["audit", "looker", "--format", "json"])
        .env("ROSTER_STATE_DIR", env.dir.path().join("state"))
        .env_remove("ROSTER_CONFIG")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.contains("\"finding\"") {
                return Some(line);
            }
        }
        None
    })
    .await
    .unwrap();
    assert!(first.is_some(), "a finding was printed");
    assert!(
        child.try_wait().unwrap().is_none(),
        "the first finding arrived while users were still being read"
    );
    let mut rest = String::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        rest.push_str(&line);
    }
    let status = tokio::time::timeout(Duration::from_secs(60), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success());
    assert!(rest.trim_end().ends_with(']'), "the array is closed");
}

/// More users than the audit's queue holds, on a connection whose window is one request: the
/// listing must pause with no page in flight (a paused page would hold the only slot the reads
/// need) and go on as the reads take ids, so every listed user is audited exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_audit_of_more_users_than_its_queue_holds_reads_every_user_through_one_slot() {
    use roster::cli::audit::{QUEUE_CAPACITY, audit_connection};
    use roster::config::Config;
    use roster::service::{AnyDirectory, ListQuery, OpenOptions};

    let sim = start_sim(QUEUE_CAPACITY + 500).await;
    let config = Config::parse(std::path::Path::new("audit.toml"), &sim.config_toml()).unwrap();
    let mut connection = config
        .connections
        .iter()
        .map(|spec| spec.resolve(&config.path).unwrap())
        .find(|c| c.name == "scim")
        .unwrap();
    connection.max_concurrency = Some(1);
    let directory = AnyDirectory::open(&connection, OpenOptions::default()).unwrap();
    let listed = directory
        .collect_users(&ListQuery::default())
        .await
        .unwrap();
    assert!(listed.len() > QUEUE_CAPACITY, "{}", listed.len());
    let mut ids = std::collections::HashSet::new();
    let audit = tokio::time::timeout(
        Duration::from_secs(300),
        audit_connection(&directory, true, &mut |finding| {
            if let Some(id) = &finding.user_id {
                ids.insert(id.clone());
            }
        }),
    )
    .await
    .expect("the audit ends (no deadlock between the paused listing and the reads)")
    .unwrap();
    assert_eq!(audit.audited, listed.len());
    assert_eq!(audit.vanished, 0);
    assert_eq!(directory.window().max(), 1);
    assert_eq!(
        ids.len(),
        listed.len(),
        "every user has findings of its own"
    );
}
