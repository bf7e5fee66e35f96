//! Interoperability: the real python-crowd 3.1.0 client (PyPI package `crowd`) against the
//! simulated Crowd API, unchanged. When Python or the package is missing the test prints a loud
//! SKIP line and passes; CI installs it with `pip install crowd==3.1.0`.

#![allow(clippy::unwrap_used)]

use roster::simulator::{SimOptions, start};

const SCRIPT: &str = r#"
import sys
import crowd

url, app, password = sys.argv[1:4]
cs = crowd.CrowdServer(url, app, password)
assert cs.auth_ping() is True, "auth_ping with good credentials"
assert crowd.CrowdServer(url, app, "wrong").auth_ping() is False, "auth_ping with bad credentials"

user = cs.get_user("praman")
assert user["name"] == "praman" and user["email"] == "priya.raman@example.com", user
assert cs.user_exists("praman") is True
assert cs.user_exists("nobody") is None

assert cs.set_active("praman", False) is True
assert cs.get_user("praman")["active"] is False

assert cs.add_user("pyuser", password="pw", email="py@example.com") is True
assert cs.add_user("pyuser", password="pw", email="py@example.com") is False
assert cs.set_user_attribute("pyuser", "team", "core") is True
attributes = {a["name"]: a["values"] for a in cs.get_user("pyuser")["attributes"]["attributes"]}
assert attributes["team"] == ["core"], attributes
assert cs.change_password("pyuser", "n3w") is True

assert "developers" in cs.get_groups("twielgosz")
assert "developers" in cs.get_nested_groups("twielgosz")
assert "twielgosz" in cs.get_nested_group_users("developers")
memberships = cs.get_memberships()
assert "twielgosz" in memberships["developers"]["users"], memberships["developers"]

found = cs.search("user", "email", "@example.org")
names = sorted(u["name"] for u in found["users"])
assert names == ["lnavarro", "vnovak"], names
print("python-crowd OK")
"#;

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
    let output = tokio::process::Command::new("python3")
        .args([
            "-c",
            SCRIPT,
            &format!("{}/crowd", sim.base_url()),
            &app,
            &password,
        ])
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "python-crowd failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("python-crowd OK"), "{stdout}");
    assert!(!sim.state.crowd().user("praman").unwrap().active);
}
