//! Server text that tries to spoof: bidi overrides and zero-width characters are written out as
//! `\u{…}` in tables and CSV, escaped in JSON (which keeps the exact value), and wide characters
//! never shift a table's columns. Users are created in the simulator with its own API, then listed
//! and shown with the built binary.
#![allow(clippy::unwrap_used)]

mod common;

use common::{CliEnv, assert_exit, create_looker_user, start_sim, stdout};
use roster::text::display_width;
use serde_json::{Value, json};

/// A first name that displays as "admin" followed by reversed text.
const SPOOF: &str = "ad\u{200b}min\u{202e}nimda";
/// How tables and CSV show it.
const SHOWN: &str = "ad\\u{200b}min\\u{202e}nimda";

fn invisible_or_bidi(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
    })
}

/// The display column at which the last `needle` starts on the line of `text` that holds it.
fn column_of(text: &str, needle: &str) -> usize {
    let line = text.lines().find(|l| l.contains(needle)).unwrap();
    display_width(&line[..line.rfind(needle).unwrap()])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn looker_names_cannot_spoof_any_output() {
    let sim = start_sim(0).await;
    let mut ids = Vec::new();
    for (first, last, email) in [
        (SPOOF, "Mallory", "spoof@example.com"),
        ("山田", "太郎", "yamada@example.com"),
        ("Zoe\u{308}", "Combining", "zoe@example.com"),
    ] {
        let body =
            json!({"first_name": first, "last_name": last, "credentials_email": {"email": email}});
        ids.push(create_looker_user(&sim, body).await);
    }
    let env = CliEnv::for_sim(&sim);

    let table = env.run(&["users", "looker"]).await;
    assert_exit(&table, 0);
    let table = stdout(&table);
    assert!(table.contains(SHOWN), "{table}");
    assert!(!invisible_or_bidi(&table));
    let header = column_of(&table, "EMAIL");
    for email in ["spoof@example.com", "yamada@example.com", "zoe@example.com"] {
        assert_eq!(column_of(&table, email), header, "{email} in\n{table}");
    }

    let csv = stdout(&env.run(&["users", "looker", "--format", "csv"]).await);
    assert!(csv.contains(SHOWN) && !invisible_or_bidi(&csv), "{csv}");

    let json = stdout(&env.run(&["users", "looker", "--format", "json"]).await);
    assert!(
        json.contains("ad\\u200bmin\\u202enimda") && !invisible_or_bidi(&json),
        "{json}"
    );
    let users: Vec<Value> = serde_json::from_str(&json).unwrap();
    assert!(
        users.iter().any(|u| u["display_name"]
            .as_str()
            .is_some_and(|n| n.starts_with(SPOOF))),
        "JSON keeps the exact value"
    );

    let shown = stdout(&env.run(&["show", "looker", &ids[0]]).await);
    assert!(
        shown.contains(SHOWN) && !invisible_or_bidi(&shown),
        "{shown}"
    );
    let shown = stdout(
        &env.run(&["show", "looker", &ids[0], "--format", "json"])
            .await,
    );
    assert!(!invisible_or_bidi(&shown));
    let record: Value = serde_json::from_str(&shown).unwrap();
    assert!(record["display_name"].as_str().unwrap().starts_with(SPOOF));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crowd_username_with_a_zero_width_space_is_shown_and_still_found() {
    let sim = start_sim(0).await;
    let (app, password) = sim.state.credentials.crowd.clone();
    let name = "ad\u{200b}min";
    let response = reqwest::Client::new()
        .post(format!(
            "{}/crowd/rest/usermanagement/1/user",
            sim.base_url()
        ))
        .basic_auth(app, Some(password))
        .header("accept", "application/json")
        .json(
            &json!({"name": name, "first-name": "Not", "last-name": "Admin",
                      "display-name": "Not\u{2066}Admin", "email": "not-admin@example.com",
                      "active": true, "password": {"value": "pw-Unused-1"}}),
        )
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let env = CliEnv::for_sim(&sim);
    let listed = stdout(&env.run(&["users", "crowd", "--filter", "not-admin"]).await);
    assert!(
        listed.contains("ad\\u{200b}min") && !invisible_or_bidi(&listed),
        "{listed}"
    );
    // The id is the exact name, so the user can still be read by it.
    let shown = env.run(&["show", "crowd", name]).await;
    assert_exit(&shown, 0);
    let shown = stdout(&shown);
    assert!(
        shown.contains("Not\\u{2066}Admin") && !invisible_or_bidi(&shown),
        "{shown}"
    );
}
