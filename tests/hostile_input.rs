//! Server text with terminal control sequences never reaches the terminal raw: tables and CSV
//! strip it, JSON escapes it.
#![allow(clippy::unwrap_used)]

mod common;

use common::{CliEnv, create_looker_user, start_sim, stdout};

const HOSTILE: &str = "Eve\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{0}";

#[tokio::test(flavor = "multi_thread")]
async fn control_sequences_from_the_server_are_stripped_or_escaped() {
    let sim = start_sim(0).await;
    let id = create_looker_user(
        &sim,
        serde_json::json!({"first_name": HOSTILE, "last_name": "Mallory", "credentials_email": {"email": "eve@example.com"}}),
    )
    .await;
    let env = CliEnv::for_sim(&sim);
    for args in [
        vec!["users", "looker"],
        vec!["users", "looker", "--format", "csv"],
        vec!["show", "looker", id.as_str()],
        vec!["audit", "looker"],
    ] {
        let text = stdout(&env.run(&args).await);
        assert!(
            !text
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\r'),
            "{args:?} printed a control character"
        );
        assert!(
            text.to_lowercase().contains("eve"),
            "{args:?} still shows the text around it"
        );
    }
    let json = stdout(&env.run(&["show", "looker", &id, "--format", "json"]).await);
    assert!(!json.chars().any(|c| c.is_control() && c != '\n'));
    let record: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(
        record["display_name"]
            .as_str()
            .unwrap()
            .starts_with(HOSTILE),
        "JSON keeps the exact value, escaped"
    );
}
