//! The official Looker Python SDK (`looker_sdk`) against the simulator: the script
//! `tests/interop/looker_sdk_check.py` makes the calls; this test starts the simulator, runs it
//! and checks that the simulator's state shows its writes and that roster's client reads them.
//!
//! The SDK resolves API paths against the host root (`urljoin(base_url, "/api/4.0/")`), so its
//! base URL is the simulator's root, where Looker is served as well as under `/looker`.
//! Without the SDK installed (`pip install -r tests/interop/requirements.txt`) the test says
//! SKIPPED loudly on stderr and passes.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;
use roster::service::http::HttpClient;
use roster::service::looker::Client;

fn sdk_installed() -> bool {
    std::process::Command::new("python3")
        .args(["-c", "import looker_sdk"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_python_sdk_works_against_the_simulator() {
    if !sdk_installed() {
        eprintln!(
            "\n==========\nSKIPPED: looker_sdk not installed (pip install looker-sdk)\n==========\n"
        );
        return;
    }
    let sim = start_sim(10).await;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = tokio::process::Command::new("python3")
        .arg(root.join("tests/interop/looker_sdk_check.py"))
        .current_dir(root.join("tests/interop"))
        .env("LOOKERSDK_BASE_URL", sim.base_url())
        .env("LOOKERSDK_CLIENT_ID", LOOKER_CLIENT_ID)
        .env("LOOKERSDK_CLIENT_SECRET", LOOKER_CLIENT_SECRET)
        .env("LOOKERSDK_VERIFY_SSL", "false")
        .env("LOOKERSDK_TIMEOUT", "30")
        .env("PYTHONUNBUFFERED", "1")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("the SDK script finishes within two minutes")
        .expect("python3 runs");
    let out = String::from_utf8_lossy(&output.stdout);
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the SDK script failed\nstdout:\n{out}\nstderr:\n{err}"
    );
    assert!(out.contains("all checks passed"), "{out}");

    // What the SDK wrote is in the store: the update, the created user, and no leftover value.
    {
        let store = sim.state.looker();
        let aisha = store.users.get(&16).unwrap();
        assert_eq!(aisha.first_name.as_deref(), Some("Aïsha"));
        assert!(aisha.is_disabled);
        assert!(!store.user_values.contains_key(&(16, 7)));
        assert!(
            store
                .users
                .values()
                .any(|u| u.email.as_deref() == Some("nova.sdk@example.com"))
        );
        assert!(store.tokens.is_empty(), "the SDK logged out");
        let workload: Vec<(u64, i64, &str)> = store
            .group_values_of(17)
            .iter()
            .map(|gv| (gv.group_id, gv.rank, gv.value.as_str()))
            .collect();
        assert_eq!(workload, [(2, 10, "europe-west1"), (4, 20, "asia-east1")]);
        let definition = store.attribute(17).unwrap();
        assert_eq!(definition.default_value.as_deref(), Some("us-west1"));
        assert!(definition.user_can_edit);
        assert!(store.attribute(15).unwrap().value_is_hidden);
    }

    // roster reads what the SDK left: ranks, the new default, and who gets what.
    let client = Client::new(
        HttpClient::new("looker", false).unwrap(),
        &sim_looker_connection(&sim, false),
    )
    .unwrap();
    let (_, state) = client.attribute_state("workload_region").await.unwrap();
    let ranks: Vec<(&str, i64)> = state
        .group_values()
        .iter()
        .map(|g| (g.group_name.as_str(), g.rank))
        .collect();
    assert_eq!(ranks, [("Engineering", 10), ("Support", 20)]);
    let resolved = |id: &str| {
        let member = state.members().iter().find(|m| m.user_id == id).unwrap();
        let effective = state.resolve(member);
        (effective.source.to_string(), effective.value)
    };
    assert_eq!(
        resolved("2"),
        (
            "group Engineering rank 10".to_owned(),
            Some("europe-west1".to_owned())
        )
    );
    assert_eq!(
        resolved("4"),
        ("default".to_owned(), Some("us-west1".to_owned()))
    );
}
