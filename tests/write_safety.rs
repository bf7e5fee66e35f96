//! Writes against servers that misbehave and processes that die: every write lands on the right
//! user, is journaled before it is sent, and ends with a truthful outcome.
//!
//! The built `roster` binary runs against the simulator behind a proxy (`lossy_proxy`) that loses
//! or delays the answers to writes after the simulator applied them, or refuses one path; a SCIM
//! server that ignores `filter` is wiremock; two roster processes write the same attribute at
//! once; processes are killed with SIGKILL, SIGINT and SIGTERM mid-write. Each test prints a
//! `write-safety:` line with its counts (shown with `--nocapture`) for the closing figures.
#![allow(clippy::unwrap_used)]

mod common;
mod lossy_proxy;

use std::time::Duration;

use common::{CliEnv, assert_exit, start_sim, stderr, stdout};
use lossy_proxy::{LossyProxy, Mode};
use roster::simulator::RunningSimulator;
use serde_json::{Value, json};

/// The simulator behind a proxy, and a CLI environment whose config points at the proxy.
struct Rig {
    sim: RunningSimulator,
    proxy: LossyProxy,
    env: CliEnv,
}

impl Rig {
    async fn start(mode: Mode) -> Self {
        let sim = start_sim(0).await;
        let proxy = LossyProxy::start(&sim.base_url(), mode).await;
        let config = sim
            .config_toml()
            .replace(&sim.base_url(), &proxy.base_url());
        let env = CliEnv::with_config(&config);
        Self { sim, proxy, env }
    }

    /// The journal as `roster log --format json` prints it.
    async fn journal(&self) -> Vec<Value> {
        let output = self.env.run(&["log", "--format", "json"]).await;
        assert_exit(&output, 0);
        serde_json::from_slice(&output.stdout).unwrap()
    }

    /// Writes a file for `--file` into the environment's folder.
    fn file(&self, name: &str, value: &Value) -> String {
        let path = self.env.dir.path().join(name);
        std::fs::write(&path, value.to_string()).unwrap();
        path.to_str().unwrap().to_owned()
    }

    /// `roster show CONN USER --format json`, through the proxy.
    async fn show(&self, conn: &str, user: &str) -> Value {
        let output = self
            .env
            .run(&["show", conn, user, "--format", "json"])
            .await;
        assert_exit(&output, 0);
        serde_json::from_slice(&output.stdout).unwrap()
    }
}

fn values(shown: &Value, attribute: &str) -> Vec<String> {
    shown["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == attribute)
        .map(|a| {
            a["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Every entry id of a journal, checked unique.
fn assert_unique_ids(journal: &[Value]) -> usize {
    let mut ids: Vec<u64> = journal.iter().map(|e| e["id"].as_u64().unwrap()).collect();
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "duplicate journal ids: {journal:#?}");
    count
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_write_kind_whose_answer_is_lost_is_journaled_written_after_a_re_read() {
    let rig = Rig::start(Mode::LoseWriteAnswers).await;
    let crowd_user = rig.file(
        "crowd-user.json",
        &json!({"name": "lost.hire", "first-name": "Lost", "last-name": "Hire",
                "email": "lost.hire@example.com", "password": "pa55-word",
                "attributes": {"department": ["Support"]}}),
    );
    let scim_user = rig.file(
        "scim-user.json",
        &json!({"userName": "lost.person@example.com",
                "emails": [{"value": "lost.person@example.com", "primary": true}],
                "name": {"givenName": "Lost", "familyName": "Person"}}),
    );
    let looker_user = rig.file(
        "looker-user.json",
        &json!({"first_name": "Nameless", "last_name": "Newcomer"}),
    );
    let replacement = json!({"userName": "priya.raman@example.com", "displayName": "Priya R.",
        "emails": [{"value": "priya.raman@example.com", "type": "work", "primary": true}],
        "active": true, "title": "Lead"});
    let replace_file = rig.file("scim-replace.json", &replacement);
    let writes: Vec<Vec<&str>> = vec![
        vec!["set", "crowd", "praman", "department=Operations"],
        vec!["unset", "crowd", "praman", "skills"],
        vec!["update", "crowd", "praman", "display-name=Priya R."],
        vec!["create", "crowd", "--file", &crowd_user],
        vec!["set", "scim", "priya.raman@example.com", "title=Director"],
        vec![
            "set",
            "scim",
            "priya.raman@example.com",
            "emails=priya.raman@example.com (work, primary)",
            "emails=priya@home.example (home)",
        ],
        vec!["unset", "scim", "priya.raman@example.com", "nickName"],
        vec![
            "update",
            "scim",
            "priya.raman@example.com",
            "displayName=Priya Raman-Iyer",
        ],
        vec![
            "replace",
            "scim",
            "priya.raman@example.com",
            "--file",
            &replace_file,
        ],
        vec!["create", "scim", "--file", &scim_user],
        vec!["set", "looker", "1", "region=LATAM"],
        vec!["unset", "looker", "1", "region"],
        vec!["update", "looker", "1", "first_name=Pri"],
        vec!["create", "looker", "--file", &looker_user],
    ];
    let mut written = 0;
    for args in &writes {
        let mut full = args.clone();
        full.push("--yes");
        let output = rig.env.run(&full).await;
        assert_exit(&output, 0);
        let message = stderr(&output);
        assert!(
            message.contains("answer was lost"),
            "{args:?} says how it learned the outcome: {message}"
        );
        let journal = rig.journal().await;
        let last = journal.last().unwrap();
        assert_eq!(last["outcome"], "written", "{args:?}: {last:#}");
        assert!(
            last["server"]["url"]
                .as_str()
                .unwrap()
                .starts_with("http://127.0.0.1")
        );
        written += 1;
    }
    // The service holds every change, creates included (with the Crowd attributes that follow
    // the create), each made exactly once.
    let crowd = rig.show("crowd", "praman").await;
    assert_eq!(values(&crowd, "department"), ["Operations"]);
    assert!(values(&crowd, "skills").is_empty());
    let hire = rig.show("crowd", "lost.hire").await;
    assert_eq!(values(&hire, "department"), ["Support"]);
    let scim = rig.show("scim", "priya.raman@example.com").await;
    assert_eq!(values(&scim, "title"), ["Lead"], "the replace came last");
    assert_eq!(scim["display_name"], "Priya R.");
    rig.show("scim", "lost.person@example.com").await;
    let looker = rig.show("looker", "1").await;
    assert_eq!(
        values(&looker, "region"),
        ["NA"],
        "fell back to the group value"
    );
    let nameless = rig
        .sim
        .state
        .looker()
        .users
        .values()
        .filter(|u| u.first_name.as_deref() == Some("Nameless"))
        .count();
    assert_eq!(nameless, 1, "the Looker create without email happened once");
    let journal = rig.journal().await;
    let entries = assert_unique_ids(&journal);
    assert_eq!(entries, writes.len());
    assert!(journal.iter().all(|e| e["outcome"] == "written"));
    eprintln!(
        "write-safety: lost answers: {written} writes of {} kinds, {written} journaled written, 0 untruthful, 0 duplicate ids",
        writes.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_that_fails_halfway_is_journaled_partial_and_undo_reverts_the_part_that_landed() {
    let rig = Rig::start(Mode::Refuse("/user/password".to_owned(), 400)).await;
    let output = rig
        .env
        .run(&[
            "update",
            "crowd",
            "praman",
            "display-name=Half Way",
            "password=n3w-Secret!",
            "--yes",
        ])
        .await;
    assert_exit(&output, 1);
    let journal = rig.journal().await;
    let entry = journal.last().unwrap();
    assert_eq!(entry["outcome"], "partial", "{entry:#}");
    let statuses: Vec<&str> = entry["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["landed", "not_applied"]);
    assert!(
        !serde_json::to_string(&journal)
            .unwrap()
            .contains("n3w-Secret!")
    );
    assert_eq!(
        rig.show("crowd", "praman").await["display_name"],
        "Half Way"
    );
    // Undo reverts what landed: the display name.
    rig.proxy.set_mode(Mode::Pass);
    let id = entry["id"].as_u64().unwrap().to_string();
    let output = rig.env.run(&["undo", &id, "--yes"]).await;
    assert_exit(&output, 0);
    assert_eq!(
        rig.show("crowd", "praman").await["display_name"],
        "Priya Raman"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_the_service_ignores_is_reported_and_strict_verification_fails() {
    let rig = Rig::start(Mode::Pass).await;
    // The simulated Looker ignores read-only fields on a PATCH: `display_name` is one. roster
    // does not let `update` send it, so the proxy stands in: it answers the write without
    // forwarding it, as a service that ignores a field would.
    rig.proxy
        .set_mode(Mode::Refuse("/attribute_values/7".to_owned(), 200));
    let output = rig
        .env
        .run(&["set", "looker", "1", "region=EMEA", "--yes"])
        .await;
    assert_exit(&output, 0);
    assert!(
        stderr(&output).contains("did not stick"),
        "{}",
        stderr(&output)
    );
    let output = rig
        .env
        .run(&[
            "set",
            "looker",
            "1",
            "region=EMEA",
            "--yes",
            "--verify",
            "strict",
        ])
        .await;
    assert_exit(&output, 1);
    let journal = rig.journal().await;
    let checks = &journal.last().unwrap()["verification"];
    assert_eq!(checks[0]["status"], "did_not_stick", "{checks:#}");
}

/// A SCIM server that ignores `filter` and answers every search with the same other users.
async fn filter_ignoring_scim() -> wiremock::MockServer {
    use wiremock::matchers::{method, path, path_regex};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::builder().start().await;
    let someone = |id: &str, name: &str| {
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": id,
               "userName": name, "emails": [{"value": name, "primary": true}], "active": true})
    };
    let list = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 2, "startIndex": 1, "itemsPerPage": 2,
        "Resources": [someone("u-1", "ann@example.com"), someone("u-2", "bob@example.com")]});
    Mock::given(method("GET"))
        .and(path("/scim/Users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/scim/Users/u-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(someone("u-1", "ann@example.com")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("^/scim/Users/.+"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": "404", "detail": "not found"})))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_ignores_filters_never_gets_a_write_for_someone_else() {
    let server = filter_ignoring_scim().await;
    let env = CliEnv::with_config(&format!(
        "[[connection]]\nname = \"scim\"\nkind = \"scim\"\nurl = \"{}/scim\"\ntoken = \"k\"\n",
        server.uri()
    ));
    let mut refused = 0;
    for key in [
        "no.such.user@x.test",
        "ann",
        "ANN@example.com.evil",
        "..",
        ".",
    ] {
        let output = env.run(&["set", "scim", key, "title=X", "--yes"]).await;
        assert_ne!(output.status.code(), Some(0), "{key}: {}", stderr(&output));
        refused += 1;
    }
    // The one exact match is found (case-insensitively, as SCIM compares userName) and only it.
    let output = env
        .run(&["show", "scim", "ANN@example.com", "--format", "json"])
        .await;
    assert_exit(&output, 0);
    let shown: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(shown["id"], "u-1");
    server.verify().await;
    eprintln!(
        "write-safety: ignored filters: {refused} writes to absent users refused, 0 landed on another user"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_writers_of_the_same_attribute_never_both_win_from_the_same_value() {
    let rig = Rig::start(Mode::Pass).await;
    let mut both_from_same = 0;
    let trials = 10;
    for (conn, user, attribute) in [("looker", "1", "region"), ("crowd", "praman", "department")] {
        for trial in 0..trials {
            let a = format!("{attribute}=A{trial}");
            let b = format!("{attribute}=B{trial}");
            let (args_a, args_b) = (
                ["set", conn, user, a.as_str(), "--yes"],
                ["set", conn, user, b.as_str(), "--yes"],
            );
            let (first, second) = tokio::join!(rig.env.run(&args_a), rig.env.run(&args_b));
            let journal = rig.journal().await;
            let recent: Vec<&Value> = journal
                .iter()
                .rev()
                .take_while(|e| {
                    e["changes"][0]["after"]
                        .as_str()
                        .is_some_and(|v| v.ends_with(&trial.to_string()) && v.len() <= 3)
                        && e["connection"] == conn
                })
                .collect();
            let winners: Vec<&&Value> = recent
                .iter()
                .filter(|e| e["outcome"] == "written")
                .collect();
            if let [x, y] = winners.as_slice()
                && x["changes"][0]["before"] == y["changes"][0]["before"]
            {
                both_from_same += 1;
            }
            // Whoever lost said so and exited 1; nobody was silently overwritten.
            let codes = (first.status.code(), second.status.code());
            assert!(
                matches!(
                    codes,
                    (Some(0), Some(0)) | (Some(0), Some(1)) | (Some(1), Some(0))
                ),
                "{codes:?}\n{}\n{}",
                stderr(&first),
                stderr(&second)
            );
        }
    }
    assert_eq!(both_from_same, 0, "a lost update");
    let journal = rig.journal().await;
    let entries = assert_unique_ids(&journal);
    eprintln!(
        "write-safety: concurrency: {} trials of two writers, {entries} journal entries, 0 lost updates, 0 duplicate ids",
        2 * trials
    );
}

/// Starts `roster` writing through the rig, waits until its write reached the simulator (the
/// proxy holds the answer), then sends `signal` to the process and returns its exit status.
async fn kill_mid_write(rig: &Rig, value: &str, signal: &str) -> Option<i32> {
    let forwarded = rig.proxy.writes_forwarded();
    let assignment = format!("region={value}");
    let mut child = rig.env.spawn(&["set", "looker", "1", &assignment, "--yes"]);
    let reached = common::wait_until(Duration::from_secs(30), || {
        rig.proxy.writes_forwarded() > forwarded
    })
    .await;
    assert!(reached, "the write reached the simulator");
    common::signal_and_wait(&mut child, signal).await
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_write_the_write_is_already_journaled_and_interrupts_finish_the_entry() {
    let rig = Rig::start(Mode::DelayWriteAnswers(Duration::from_secs(3))).await;
    let kills = 4;
    for n in 0..kills {
        let code = kill_mid_write(&rig, &format!("K{n}"), "-KILL").await;
        assert_eq!(code, None, "SIGKILL leaves no exit code");
        let journal = rig.journal().await;
        let entry = journal.last().unwrap();
        assert_eq!(entry["changes"][0]["after"], format!("K{n}"));
        assert_eq!(
            entry["outcome"], "pending",
            "journaled before sending: {entry:#}"
        );
    }
    for (signal, expected, value) in [("-INT", 130, "INT"), ("-TERM", 143, "TERM")] {
        let code = kill_mid_write(&rig, value, signal).await;
        assert_eq!(code, Some(expected), "{signal}");
        let journal = rig.journal().await;
        let entry = journal.last().unwrap();
        assert_eq!(entry["changes"][0]["after"], value);
        assert_eq!(entry["outcome"], "unknown", "{signal}: {entry:#}");
    }
    // `roster log` explains a pending entry; `roster undo` learns by reading that the last one
    // landed, and reverts it.
    rig.proxy.set_mode(Mode::Pass);
    let output = rig.env.run(&["log"]).await;
    assert!(stdout(&output).contains("interrupted — re-read to learn"));
    let output = rig.env.run(&["undo", "--yes"]).await;
    assert_exit(&output, 0);
    let journal = rig.journal().await;
    let term = journal
        .iter()
        .find(|e| e["changes"][0]["after"] == "TERM")
        .unwrap();
    assert_eq!(term["outcome"], "written", "resolved by reading: {term:#}");
    assert_eq!(values(&rig.show("looker", "1").await, "region"), ["INT"]);
    let journaled = journal.len();
    assert_unique_ids(&journal);
    eprintln!(
        "write-safety: kills: {kills} SIGKILL + 1 SIGINT + 1 SIGTERM mid-write, {} of {} applied writes journaled, 0 untruthful",
        kills + 2,
        rig.proxy.writes_forwarded().min(journaled)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_torn_journal_line_is_skipped_with_its_number_and_journaling_goes_on() {
    let rig = Rig::start(Mode::Pass).await;
    let output = rig
        .env
        .run(&["set", "looker", "1", "region=EMEA", "--yes"])
        .await;
    assert_exit(&output, 0);
    let path = rig.env.dir.path().join("state").join("journal.jsonl");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("{\"id\": 2, \"time\": \"20");
    std::fs::write(&path, text).unwrap();
    let output = rig.env.run(&["log"]).await;
    assert_exit(&output, 0);
    assert!(
        stderr(&output).contains("journal.jsonl:3: skipped a damaged journal line"),
        "{}",
        stderr(&output)
    );
    let output = rig
        .env
        .run(&["set", "looker", "1", "region=APAC", "--yes"])
        .await;
    assert_exit(&output, 0);
    let journal = rig.journal().await;
    assert_eq!(journal.len(), 2);
    assert_eq!(journal[1]["outcome"], "written");
    let output = rig.env.run(&["undo", "--yes"]).await;
    assert_exit(&output, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_refuses_an_entry_written_to_another_server() {
    let rig = Rig::start(Mode::Pass).await;
    let output = rig
        .env
        .run(&["set", "looker", "1", "region=EMEA", "--yes"])
        .await;
    assert_exit(&output, 0);
    // The same connection name, now pointing at another server (a new demo, say).
    let other = start_sim(0).await;
    std::fs::write(&rig.env.config, other.config_toml()).unwrap();
    let output = rig.env.run(&["undo", "--yes"]).await;
    assert_exit(&output, 1);
    assert!(
        stderr(&output).contains("cannot be undone: it was written to"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        other
            .state
            .looker()
            .user_values
            .get(&(1, 7))
            .map(String::as_str),
        Some("APAC"),
        "nothing was written to the other server"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_reach_previews_the_journal_or_the_log() {
    let rig = Rig::start(Mode::Pass).await;
    let mut outputs = String::new();
    for args in [
        vec![
            "update",
            "scim",
            "priya.raman@example.com",
            "password=hunter2-scim",
            "--dry-run",
        ],
        vec![
            "update",
            "crowd",
            "praman",
            "password=hunter2-crowd",
            "--dry-run",
        ],
        vec![
            "update",
            "crowd",
            "praman",
            "password=hunter2-crowd",
            "--yes",
        ],
    ] {
        let output = rig.env.run(&args).await;
        outputs.push_str(&stdout(&output));
        outputs.push_str(&stderr(&output));
    }
    let replace = rig.file(
        "replace.json",
        &json!({"userName": "priya.raman@example.com", "password": "hunter2-replace",
                "emails": [{"value": "priya.raman@example.com", "primary": true}]}),
    );
    let output = rig
        .env
        .run(&[
            "replace",
            "scim",
            "priya.raman@example.com",
            "--file",
            &replace,
            "--dry-run",
        ])
        .await;
    outputs.push_str(&stdout(&output));
    outputs.push_str(&stderr(&output));
    let output = rig.env.run(&["log", "--format", "json"]).await;
    outputs.push_str(&stdout(&output));
    let output = rig.env.run(&["log"]).await;
    outputs.push_str(&stdout(&output));
    outputs.push_str(&rig.env.state_text());
    let mut found = 0;
    for secret in ["hunter2-scim", "hunter2-crowd", "hunter2-replace"] {
        found += outputs.matches(secret).count();
    }
    assert_eq!(found, 0, "{outputs}");
    assert!(outputs.contains("password: ********") || outputs.contains("\"value\": \"********\""));
    #[cfg(unix)]
    for file in ["journal.jsonl", "roster.log"] {
        use std::os::unix::fs::PermissionsExt;
        let path = rig.env.dir.path().join("state").join(file);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{file}");
    }
    eprintln!("write-safety: secrets: 0 found in previews, dry runs, journal, log and roster.log");
}
