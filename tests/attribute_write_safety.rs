//! Attribute-level writes whose outcome cannot be learned, and processes interrupted mid-write:
//! the built `roster` binary writes a Looker attribute's rank order through a proxy
//! (`lossy_proxy`) in front of the simulator that loses the answer after the simulator applied
//! the write and then refuses every read, or holds the answer while the process gets SIGINT.
//!
//! In both cases the journal holds the write before it is sent and ends with a truthful outcome
//! (`unknown`, never nothing and never a guess); the exit code says the write is not known to be
//! made; and `roster undo` learns by reading what became of it once the server answers again,
//! then reverts it.
#![allow(clippy::unwrap_used)]

mod common;
mod lossy_proxy;

use std::time::Duration;

use common::{CliEnv, assert_exit, start_sim, stderr, stdout};
use lossy_proxy::{LossyProxy, Mode};
use roster::simulator::RunningSimulator;
use serde_json::Value;

/// The new order of workload_region's group values: All Users first.
const RANK: [&str; 8] = [
    "attribute",
    "rank",
    "looker",
    "workload_region",
    "All Users",
    "Engineering",
    "Support",
    "--yes",
];

/// The group ids of workload_region's group values, lowest rank first.
fn order(sim: &RunningSimulator) -> Vec<u64> {
    sim.state
        .looker()
        .group_values_of(17)
        .iter()
        .map(|g| g.group_id)
        .collect()
}

/// The simulator behind a proxy in `mode`, and a CLI environment whose config points at the proxy.
async fn behind_proxy(mode: Mode) -> (RunningSimulator, LossyProxy, CliEnv) {
    let sim = start_sim(0).await;
    let proxy = LossyProxy::start(&sim.base_url(), mode).await;
    let config = sim
        .config_toml()
        .replace(&sim.base_url(), &proxy.base_url());
    (sim, proxy, CliEnv::with_config(&config))
}

/// The journal as `roster log --format json` prints it.
async fn journal(env: &CliEnv) -> Vec<Value> {
    let output = env.run(&["log", "--format", "json"]).await;
    assert_exit(&output, 0);
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_lost_with_every_read_after_it_is_journaled_unknown_and_undo_learns_it() {
    let (sim, proxy, env) =
        behind_proxy(Mode::LoseAnswerThenRefuse("group_values".to_owned(), 404)).await;
    assert_eq!(order(&sim), [2, 4, 1]);
    let output = env.run(&RANK).await;
    assert_exit(&output, 1);
    let message = stderr(&output);
    assert!(message.contains("unknown"), "{message}");
    assert!(message.contains("0 of 1 writes were made"), "{message}");
    assert!(message.contains("roster attribute show"), "{message}");
    assert_eq!(order(&sim), [1, 2, 4], "the simulator applied it");

    let entries = journal(&env).await;
    assert_eq!(entries.len(), 1);
    let entry = &entries[0];
    assert_eq!(entry["outcome"], "unknown", "{entry:#}");
    assert_eq!(entry["attribute"]["name"], "workload_region");
    assert!(
        entry["error"]
            .as_str()
            .unwrap()
            .contains("could not be read to learn whether it landed"),
        "{entry:#}"
    );
    let table = stdout(&env.run(&["log"]).await);
    assert!(table.contains("unknown"), "{table}");

    // While the server still refuses, undo cannot learn what happened and says so; nothing is
    // sent and the entry stays unknown.
    let refused = env.run(&["undo", "--yes"]).await;
    assert_exit(&refused, 1);
    assert_eq!(order(&sim), [1, 2, 4]);
    assert_eq!(journal(&env).await[0]["outcome"], "unknown");

    // Once it answers, undo reads the attribute, journals that the write landed, and reverts it.
    proxy.set_mode(Mode::Pass);
    let undo = env.run(&["undo", "--yes"]).await;
    assert_exit(&undo, 0);
    assert!(stdout(&undo).contains("Undo entry 1"), "{}", stdout(&undo));
    assert_eq!(order(&sim), [2, 4, 1], "the previous order is back");
    let entries = journal(&env).await;
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["outcome"], "written", "resolved by reading");
    assert!(
        entries[0]["error"]
            .as_str()
            .unwrap()
            .contains("resolved by reading the attribute"),
        "{:#}",
        entries[0]
    );
    assert_eq!(entries[1]["action"], "undo 1");
    assert_eq!(entries[1]["outcome"], "written");
    assert_eq!(
        proxy.applied("POST", "group_values"),
        2,
        "the write once, its revert once; never resent"
    );
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_during_an_attribute_write_leaves_it_journaled_unknown() {
    let (sim, proxy, env) = behind_proxy(Mode::DelayWriteAnswers(Duration::from_secs(10))).await;
    let mut child = env.spawn(&RANK);
    let reached =
        common::wait_until(Duration::from_secs(30), || proxy.writes_forwarded() > 0).await;
    assert!(reached, "the write reached the simulator");
    // Journaled before it was sent: the entry is there while the answer is held.
    let pending = journal(&env).await;
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0]["outcome"], "pending", "{:#}", pending[0]);
    let code = common::signal_and_wait(&mut child, "-INT").await;
    assert_eq!(code, Some(130));
    let entries = journal(&env).await;
    assert_eq!(entries.len(), 1);
    let entry = &entries[0];
    assert_eq!(entry["outcome"], "unknown", "{entry:#}");
    assert_eq!(entry["attribute"]["name"], "workload_region");
    assert_eq!(order(&sim), [1, 2, 4], "the simulator applied it");

    proxy.set_mode(Mode::Pass);
    let undo = env.run(&["undo", "--yes"]).await;
    assert_exit(&undo, 0);
    assert_eq!(order(&sim), [2, 4, 1], "the previous order is back");
    assert_eq!(journal(&env).await[0]["outcome"], "written");
}
