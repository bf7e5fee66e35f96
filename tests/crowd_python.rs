//! Interoperability: the real python-crowd 3.1.0 client (PyPI package `crowd`) against the
//! simulated Crowd API, unchanged. The calls are in `tests/interop/crowd_check.py`: users,
//! attributes, passwords and authentication, groups, memberships (direct, nested, groups in
//! groups), the XML memberships and search. When Python or the package is missing the test prints
//! a loud SKIP line and passes; CI installs it (`pip install -r tests/interop/requirements.txt`).

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::Duration;

use roster::simulator::crowd::store::SEEDED_PASSWORD;
use roster::simulator::{SimOptions, start};

fn python_crowd_available() -> bool {
    std::process::Command::new("python3")
        .args(["-c", "import crowd, lxml, requests"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[tokio::test(flavor = "multi_thread")]
async fn python_crowd_works_against_the_simulator_unchanged() {
    if !python_crowd_available() {
        eprintln!(
            "\n*** SKIP crowd_python: python3 with python-crowd is not installed \
             (pip install crowd==3.1.0) ***\n"
        );
        return;
    }
    let sim = start(&SimOptions::default()).await.unwrap();
    let (app, password) = sim.state.credentials.crowd.clone();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = tokio::process::Command::new("python3")
        .arg(root.join("tests/interop/crowd_check.py"))
        .args([
            &format!("{}/crowd", sim.base_url()),
            &app,
            &password,
            SEEDED_PASSWORD,
        ])
        .env("PYTHONUNBUFFERED", "1")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("the python-crowd script finishes within two minutes")
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "python-crowd failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("python-crowd OK"), "{stdout}");
    let store = sim.state.crowd();
    assert!(!store.user("praman").unwrap().active);
    assert!(store.user("pyuser").unwrap().groups.is_empty());
    assert!(store.group("pytesters").is_err(), "removed again");
}
