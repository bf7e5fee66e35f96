//! Bulk-edit figures (issue 15): one `roster set crowd --where … --yes` over thousands of users,
//! run by the built binary against the simulator behind a counting proxy, at 0 ms and at 100 ms
//! of injected latency per request, with the simulator's faults on (429, 500, dropped connections,
//! malformed bodies). Prints the items, the time, how many items were written exactly once
//! (the proxy counts what the simulator applied), how many were reported instead, and how many
//! were written twice. Measures and prints; asserts nothing.
//!
//! `cargo bench --bench bulk_edit` (ROSTER_BULK_USERS changes the size, default 2000;
//! ROSTER_BULK_LATENCIES the latencies, default `0ms,100ms`).

#[path = "../tests/lossy_proxy/mod.rs"]
mod lossy_proxy;

use std::time::Instant;

use lossy_proxy::{LossyProxy, Mode};
use roster::simulator::SimOptions;

const FAULTS: &str = "429=0.01,500=0.05,drop=0.03,malformed=0.03,seed=5";

fn main() {
    let users: usize = std::env::var("ROSTER_BULK_USERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2000);
    let latencies =
        std::env::var("ROSTER_BULK_LATENCIES").unwrap_or_else(|_| "0ms,100ms".to_owned());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    println!(
        "bulk edit, {users} seeded users, faults {FAULTS}, {} cores",
        cores()
    );
    for latency in latencies.split(',') {
        runtime.block_on(run(users, latency));
    }
}

async fn run(users: usize, latency: &str) {
    let faults = format!("{FAULTS},latency={latency}");
    let sim = roster::simulator::start(&SimOptions {
        users,
        port: 0,
        faults: Some(faults.parse().expect("valid faults")),
    })
    .await
    .expect("the simulator starts");
    let proxy = LossyProxy::start(&sim.base_url(), Mode::Pass).await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let config = dir.path().join("config.toml");
    // Private, as roster requires of a config holding a password in plain text.
    roster::simulator::write_private_file(
        &config,
        &sim.config_toml()
            .replace(&sim.base_url(), &proxy.base_url()),
    )
    .expect("config written");
    let started = Instant::now();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_roster"))
        .arg("--config")
        .arg(&config)
        .args([
            "set",
            "crowd",
            "--where",
            "example.com",
            "department=Bulk",
            "--yes",
            "--format",
            "json",
        ])
        .env("ROSTER_STATE_DIR", dir.path().join("state"))
        .env_remove("ROSTER_CONFIG")
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .expect("roster runs");
    let elapsed = started.elapsed();
    let Ok(report) = serde_json::from_slice::<serde_json::Value>(&output.stdout) else {
        println!(
            "  latency {latency}: no JSON report (exit {:?}): {}",
            output.status.code(),
            String::from_utf8_lossy(&output.stderr)
        );
        return;
    };
    let items = report["items"].as_array().cloned().unwrap_or_default();
    let applied = proxy.crowd_attribute_writes_per_user();
    let (mut once, mut reported, mut twice) = (0usize, 0usize, 0usize);
    for item in &items {
        let user = item["user_id"].as_str().unwrap_or_default();
        let count = applied.get(user).copied().unwrap_or(0);
        match (item["outcome"].as_str(), count) {
            (_, 2..) => twice += 1,
            (Some("written"), 1) => once += 1,
            _ => reported += 1,
        }
    }
    println!(
        "  latency {latency}: {} items in {:.1} s ({:.0} items/s): {once} written exactly once, {reported} reported, {twice} written twice; exit {:?}",
        items.len(),
        elapsed.as_secs_f64(),
        items.len() as f64 / elapsed.as_secs_f64(),
        output.status.code()
    );
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}
