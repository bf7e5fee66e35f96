//! Bulk edits end to end: a 2,000-user batch under faults writes every item exactly once or
//! reports it; a batch killed halfway and resumed writes each remaining item once and none twice;
//! a user changed during a batch stops as a conflict and keeps the other value; batch undo
//! restores every item. The built binary runs against the simulator behind a counting proxy
//! (`lossy_proxy`), which tells how many times the simulator applied each write.
#![allow(clippy::unwrap_used)]

mod common;
mod lossy_proxy;
mod writes;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::{CliEnv, assert_exit, stderr};
use lossy_proxy::{LossyProxy, Mode};
use roster::domain::Edit;
use roster::simulator::{RunningSimulator, SimOptions};
use roster::write::Interrupt;
use roster::write::batch::SelectionKey;
use serde_json::Value;

async fn simulator(users: usize, faults: Option<&str>) -> RunningSimulator {
    roster::simulator::start(&SimOptions {
        users,
        port: 0,
        faults: faults.map(|f| f.parse().unwrap()),
    })
    .await
    .unwrap()
}

/// The simulator behind a counting proxy, and a CLI environment pointing at the proxy.
async fn rig(
    users: usize,
    faults: Option<&str>,
    mode: Mode,
) -> (RunningSimulator, LossyProxy, CliEnv) {
    let sim = simulator(users, faults).await;
    let proxy = LossyProxy::start(&sim.base_url(), mode).await;
    let env = CliEnv::with_config(
        &sim.config_toml()
            .replace(&sim.base_url(), &proxy.base_url()),
    );
    (sim, proxy, env)
}

/// The Crowd `department` of every user as the simulator holds it.
fn departments(sim: &RunningSimulator) -> HashMap<String, Vec<String>> {
    let crowd = sim.state.crowd();
    crowd
        .users
        .values()
        .map(|u| {
            (
                u.name.clone(),
                u.attributes.get("department").cloned().unwrap_or_default(),
            )
        })
        .collect()
}

/// How many times the simulator applied the attribute write of each Crowd user.
fn applied_per_user(proxy: &LossyProxy) -> HashMap<String, usize> {
    let mut per_user = HashMap::new();
    for (request, count) in proxy.applied_writes() {
        if let Some(query) = request
            .strip_prefix("POST ")
            .and_then(|t| t.split_once("/user/attribute?"))
            .map(|(_, q)| q)
        {
            let user = url::form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == "username")
                .map(|(_, v)| v.into_owned())
                .unwrap();
            *per_user.entry(user).or_default() += count;
        }
    }
    per_user
}

fn report(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", common::stdout(output), stderr(output)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_two_thousand_user_batch_under_faults_writes_each_item_once_or_reports_it() {
    let (sim, proxy, env) = rig(
        2000,
        Some("429=0.01,500=0.05,drop=0.03,malformed=0.03,seed=5"),
        Mode::Pass,
    )
    .await;
    let started = Instant::now();
    // Thousands of items through a debug build under faults: minutes, not the usual minute.
    let output = env
        .run_within(
            Duration::from_secs(600),
            &[
                "set",
                "crowd",
                "--where",
                "example.com",
                "department=Bulk",
                "--yes",
                "--format",
                "json",
            ],
        )
        .await;
    let elapsed = started.elapsed();
    let report = report(&output);
    let items = report["items"].as_array().unwrap();
    assert!(items.len() >= 2000, "{} items", items.len());
    let now = departments(&sim);
    let applied = applied_per_user(&proxy);
    let (mut written, mut reported) = (0, 0);
    for item in items {
        let user = item["user_id"].as_str().unwrap();
        let count = applied.get(user).copied().unwrap_or(0);
        assert!(count <= 1, "{user} was written {count} times");
        match item["outcome"].as_str().unwrap() {
            "written" => {
                assert_eq!(now[user], ["Bulk"], "{user}");
                assert_eq!(count, 1, "{user}");
                written += 1;
            }
            "failed" => {
                assert_eq!(count, 0, "{user} failed but was applied: {item}");
                reported += 1;
            }
            "unknown" => reported += 1,
            other => panic!("{user}: {other}"),
        }
    }
    let code = output.status.code();
    assert_eq!(
        code,
        Some(if reported == 0 { 0 } else { 1 }),
        "{}",
        stderr(&output)
    );
    eprintln!(
        "bulk-edits: {} items under faults in {:.1} s: {written} written exactly once, {reported} reported, 0 written twice",
        items.len(),
        elapsed.as_secs_f64()
    );
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_killed_halfway_and_resumed_writes_each_remaining_item_once_and_none_twice() {
    let (sim, proxy, env) = rig(
        300,
        None,
        Mode::DelayWriteAnswers(Duration::from_millis(20)),
    )
    .await;
    let state = env.dir.path().join("state");
    let mut child = env.spawn(&[
        "set",
        "crowd",
        "--where",
        "example.com",
        "department=Resumed",
        "--yes",
    ]);
    let halfway =
        common::wait_until(Duration::from_secs(120), || proxy.writes_forwarded() >= 120).await;
    assert!(halfway, "the batch got halfway");
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    let before_resume = proxy.writes_forwarded();
    let batches: Vec<_> = std::fs::read_dir(state.join("batches"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(batches.len(), 1);
    let id = batches[0]
        .path()
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let output = env
        .run(&["batch", "resume", &id, "--yes", "--format", "json"])
        .await;
    assert_exit(&output, 0);
    let report = report(&output);
    assert_eq!(
        report["counts"]["written"].as_u64(),
        Some(report["items"].as_array().unwrap().len() as u64)
    );
    let output = env.run(&["batch", "show", &id, "--format", "json"]).await;
    assert_exit(&output, 0);
    let shown = crate::report(&output);
    let items = shown["items"].as_array().unwrap();
    assert_eq!(
        shown["counts"]["written"].as_u64(),
        Some(items.len() as u64)
    );
    let applied = applied_per_user(&proxy);
    let now = departments(&sim);
    for item in items {
        let user = item["user_id"].as_str().unwrap();
        assert_eq!(item["outcome"], "written", "{user}");
        assert_eq!(now[user], ["Resumed"], "{user}");
        assert_eq!(applied.get(user), Some(&1), "{user} written once");
    }
    assert!(
        applied.values().all(|count| *count == 1),
        "nothing written twice"
    );
    eprintln!(
        "bulk-edits: killed after {before_resume} of {} writes; resumed: every item written once, none twice",
        items.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_changed_during_a_batch_stops_as_a_conflict_and_batch_undo_restores_the_rest() {
    let sim = simulator(0, None).await;
    let env = CliEnv::for_sim(&sim);
    let config =
        roster::config::Config::parse(std::path::Path::new("sim.toml"), &sim.config_toml())
            .unwrap();
    let connection = config
        .connection("crowd")
        .unwrap()
        .resolve(&config.path)
        .unwrap();
    let directory =
        roster::service::AnyDirectory::open(&connection, roster::service::OpenOptions::default())
            .unwrap();
    let before = departments(&sim);
    let state = env.dir.path().join("state");
    let engine = roster::write::WriteEngine::new(
        directory.clone(),
        roster::journal::Journal::in_dir(&state),
        "crowd",
        roster::write::server_identity(&connection),
    );
    let users = ["praman", "aokonkwo", "twielgosz"];
    let mut planned = engine
        .plan_batch(
            "set",
            users
                .iter()
                .map(|u| SelectionKey::Key((*u).to_owned()))
                .collect(),
            vec![Edit::SetAttribute {
                name: "department".to_owned(),
                values: vec!["Moved".to_owned()],
            }],
            4,
            &|_| {},
        )
        .await
        .unwrap();
    // Someone changes one of them after the preview.
    let other = directory.find_user("aokonkwo").await.unwrap();
    writes::written(
        &directory,
        Some(&other),
        Edit::SetAttribute {
            name: "department".to_owned(),
            values: vec!["Elsewhere".to_owned()],
        },
    )
    .await;
    let store = roster::journal::BatchStore::in_dir(&state);
    let run = engine
        .run_batch(&mut planned, &store, 4, &Interrupt::never(), &|_| {})
        .await
        .unwrap();
    assert_eq!(run.interrupted, None);
    let outcomes: Vec<(&str, &str)> = planned
        .plan
        .items
        .iter()
        .map(|i| {
            (
                i.user_id.as_deref().unwrap(),
                i.result.as_ref().unwrap().outcome.as_str(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("praman", "written"),
            ("aokonkwo", "failed"),
            ("twielgosz", "written")
        ]
    );
    let conflict = planned.plan.items[1]
        .result
        .as_ref()
        .unwrap()
        .error
        .clone()
        .unwrap();
    assert!(conflict.contains("changed since it was read"), "{conflict}");
    let now = departments(&sim);
    assert_eq!(
        now["aokonkwo"],
        ["Elsewhere"],
        "the other writer's value survives"
    );
    assert_eq!(now["praman"], ["Moved"]);

    // Batch undo reverts the written items, and says it skips none it could not check.
    let output = env
        .run(&["undo", "--batch", &planned.plan.batch, "--yes"])
        .await;
    assert_exit(&output, 0);
    let restored = departments(&sim);
    assert_eq!(restored["praman"], before["praman"]);
    assert_eq!(restored["twielgosz"], before["twielgosz"]);
    assert_eq!(
        restored["aokonkwo"],
        ["Elsewhere"],
        "never part of the batch's writes"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plan_says_what_changes_what_is_skipped_and_what_is_refused() {
    let sim = simulator(0, None).await;
    let env = CliEnv::for_sim(&sim);
    let list = env.dir.path().join("users.txt");
    std::fs::write(
        &list,
        "praman\n# a comment\nnobody-at-all\naokonkwo\npraman\n",
    )
    .unwrap();
    // aokonkwo is already in Engineering? Set it first so one item is skipped.
    let output = env
        .run(&["set", "crowd", "aokonkwo", "department=Planning", "--yes"])
        .await;
    assert_exit(&output, 0);
    let output = env
        .run(&[
            "set",
            "crowd",
            "--users-from",
            list.to_str().unwrap(),
            "department=Planning",
            "--dry-run",
            "--format",
            "json",
        ])
        .await;
    assert_exit(&output, 0);
    let plan = report(&output);
    let outcomes: Vec<(&str, &str)> = plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["user"].as_str().unwrap(), i["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("praman", "planned"),
            ("nobody-at-all", "failed"),
            ("aokonkwo", "skipped")
        ]
    );
    assert_eq!(plan["items"][1]["error"], "not found");
    let output = env
        .run(&[
            "set",
            "crowd",
            "--users-from",
            list.to_str().unwrap(),
            "department=Planning",
            "--dry-run",
        ])
        .await;
    let text = common::stdout(&output);
    assert!(
        text.contains("1 user(s) change, 1 already at the value (skipped), 1 refused"),
        "{text}"
    );
    assert!(text.contains("every user gets requests like:"), "{text}");
    assert!(!text.contains("Authorization: Basic cm9"), "{text}");
    // Without a terminal and without --yes nothing is sent.
    let output = env
        .run(&[
            "set",
            "crowd",
            "--users-from",
            list.to_str().unwrap(),
            "department=X",
        ])
        .await;
    assert_exit(&output, 2);
}
