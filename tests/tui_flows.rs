//! End-to-end flows: the real browser loop on a shared `TestBackend`, driven by scripted keys,
//! against the simulator. Every step waits for the drawn screen to show its result (with a
//! timeout) before the next key is sent.
#![allow(clippy::unwrap_used)]

mod tui_support;

use std::time::Duration;

use crossterm::event::KeyCode;
use roster::app::{App, Session};
use roster::service::AnyDirectory;
use roster::simulator::{RunningSimulator, SimOptions};
use roster::tui::Exit;
use tui_support::{Harness, closed_port_session, simulator_sessions};

async fn simulator() -> RunningSimulator {
    roster::simulator::start(&SimOptions::default())
        .await
        .unwrap()
}

fn app(sessions: Vec<Session>) -> App {
    App::new(sessions, &toml::Table::new()).unwrap()
}

/// Opens a connection's users, filters for `person`, and opens the first match.
async fn open_person(h: &mut Harness, conn: &str, person: &str) {
    h.wait_text(&format!("{conn} (")).await;
    h.char(':');
    h.type_text(&format!("conn {conn}"));
    h.key(KeyCode::Enter);
    h.wait_for("users listed", |s| {
        s.contains("users ─") || s.contains(" users ")
    })
    .await;
    h.char('/');
    h.type_text(person);
    h.wait_text(" 1 match").await;
    h.key(KeyCode::Enter);
    h.key(KeyCode::Enter);
    h.wait_text("attributes ──").await;
}

/// The whole attribute edit: browse → filter → open → edit → preview → confirm → refreshed.
/// Adding a service's flow is one call with its connection, person, attribute and values.
async fn edit_attribute_flow(conn: &str, person: &str, attribute: &str, old: &str, new: &str) {
    let sim = simulator().await;
    let state = tempfile::tempdir().unwrap();
    let journal = roster::journal::Journal::in_dir(state.path());
    let browser = app(simulator_sessions(&sim, &[conn])).with_journal(Some(journal.clone()));
    let mut h = Harness::start(browser, 120, 40);
    open_person(&mut h, conn, person).await;
    h.select_attribute(attribute).await;
    h.char('e');
    h.wait_text(&format!("Edit attribute {attribute}")).await;
    for _ in 0..old.chars().count() {
        h.key(KeyCode::Backspace);
    }
    h.type_text(new);
    h.wait_text(new).await;
    // Ctrl-S previews from any field, multi-line ones (Crowd's multi-valued) included.
    h.ctrl('s');
    let preview = h.wait_text(" Preview on ").await;
    assert!(preview.contains(&format!("{old} → {new}")), "{preview}");
    assert!(
        preview.contains("Authorization: ") && preview.contains(" ********"),
        "{preview}"
    );
    h.char('y');
    let refreshed = h
        .wait_for("the refreshed record", |s| {
            s.contains("done:")
                && s.lines().any(|line| {
                    line.contains(&format!("▶ {attribute} "))
                        && line.contains(&format!(" {new}  ← "))
                })
        })
        .await;
    assert!(!refreshed.contains(" Preview on "));
    // The service holds the new value.
    let [session] = <[Session; 1]>::try_from(simulator_sessions(&sim, &[conn])).unwrap();
    let directory: AnyDirectory = session.directory.unwrap();
    let user = directory.find_user(person_email(person)).await.unwrap();
    assert_eq!(user.attribute(attribute).unwrap().values, [new]);
    // The write is journaled, with what it changed and how to undo it.
    let entries = journal.entries().unwrap();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(
        (entries[0].outcome, entries[0].connection.as_str()),
        (roster::journal::Outcome::Written, conn)
    );
    assert_eq!(entries[0].changes[0].after.as_deref(), Some(new));
    // `z` reverts it through the same preview and confirmation.
    h.char('z');
    let undo = h.wait_text(" Preview on ").await;
    assert!(undo.contains(&format!("{new} → {old}")), "{undo}");
    h.char('y');
    h.wait_for("the reverted record", |s| {
        !s.contains(" Preview on ")
            && s.lines().any(|line| {
                line.contains(&format!("▶ {attribute} ")) && line.contains(&format!(" {old}  ← "))
            })
    })
    .await;
    assert_eq!(journal.entries().unwrap().len(), 2);
    h.char('q');
    h.ended().await.unwrap();
}

fn person_email(person: &str) -> &str {
    match person {
        "priya" => "priya.raman@example.com",
        other => other,
    }
}

#[tokio::test]
async fn looker_attribute_edit_is_previewed_confirmed_and_refreshed() {
    edit_attribute_flow("looker", "priya", "region", "APAC", "LATAM").await;
}

#[tokio::test]
async fn crowd_attribute_edit_is_previewed_confirmed_and_refreshed() {
    edit_attribute_flow("crowd", "priya", "department", "Sales", "Sales Ops").await;
}

#[tokio::test]
async fn scim_attribute_edit_is_previewed_confirmed_and_refreshed() {
    edit_attribute_flow(
        "scim",
        "priya",
        "title",
        "Sales Operations Lead",
        "Head of Sales Ops",
    )
    .await;
}

#[tokio::test]
async fn looker_delete_previews_the_fallback_and_sends_nothing_on_escape() {
    let sim = simulator().await;
    let mut h = Harness::start(app(simulator_sessions(&sim, &["looker"])), 120, 40);
    open_person(&mut h, "looker", "priya").await;
    h.select_attribute("region").await;
    h.char('d');
    let preview = h.wait_text(" Preview on ").await;
    assert!(preview.contains("falls back to"), "{preview}");
    assert!(preview.contains("DELETE "), "{preview}");
    h.key(KeyCode::Esc);
    h.wait_for("the preview to close", |s| !s.contains(" Preview on "))
        .await;
    let [session] = <[Session; 1]>::try_from(simulator_sessions(&sim, &["looker"])).unwrap();
    let user = session
        .directory
        .unwrap()
        .find_user("priya.raman@example.com")
        .await
        .unwrap();
    assert_eq!(user.attribute("region").unwrap().values, ["APAC"]);
    h.finish().await.unwrap();
}

#[tokio::test]
async fn a_refused_value_lands_on_its_field_and_the_form_stays_open() {
    let sim = simulator().await;
    let mut h = Harness::start(app(simulator_sessions(&sim, &["looker"])), 120, 40);
    open_person(&mut h, "looker", "priya").await;
    h.select_attribute("cost_center").await;
    h.char('e');
    h.wait_text("Edit attribute cost_center").await;
    h.type_text("x");
    h.key(KeyCode::Enter);
    let screen = h.wait_text("is not a number").await;
    assert!(
        screen.contains("cost_center: \"3100x\" is not a number"),
        "{screen}"
    );
    assert!(screen.contains("Edit attribute cost_center"));
    h.finish().await.unwrap();
}

#[tokio::test]
async fn a_failing_connection_shows_its_error_while_the_others_work() {
    let sim = simulator().await;
    let mut sessions = vec![closed_port_session("broken").await];
    sessions.extend(simulator_sessions(&sim, &["looker", "crowd"]));
    let mut h = Harness::start(app(sessions), 100, 30);
    let screen = h
        .wait_for("both connections settled", |s| {
            s.contains("broken (looker)  error: cannot reach") && s.contains("ready, ")
        })
        .await;
    assert!(screen.contains("cannot list users"), "{screen}");
    h.char('j');
    h.wait_for("the looker users", |s| {
        s.contains("priya.raman@example.com")
    })
    .await;
    h.finish().await.unwrap();
}

#[tokio::test]
async fn audit_runs_over_the_connection_and_jumps_to_a_user() {
    let sim = simulator().await;
    let mut h = Harness::start(app(simulator_sessions(&sim, &["looker"])), 140, 40);
    h.wait_text("ready, ").await;
    h.char('a');
    let screen = h
        .wait_for("the audit to finish", |s| {
            s.contains("read ") && s.contains("users")
        })
        .await;
    assert!(screen.contains("▾ hidden"), "{screen}");
    assert!(screen.contains("▾ locked ("), "{screen}");
    h.char('/');
    h.wait_text("type to filter").await;
    h.type_text("priya.raman db_pass");
    h.key(KeyCode::Enter);
    h.wait_for("one finding", |s| s.contains("▾ hidden (1)"))
        .await;
    h.key(KeyCode::Enter);
    h.wait_text("▶ db_password ").await;
    h.finish().await.unwrap();
}

#[tokio::test]
async fn audit_exports_json_with_the_stable_shape() {
    let sim = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.json");
    let mut h = Harness::start(app(simulator_sessions(&sim, &["looker"])), 140, 40);
    h.wait_text("ready, ").await;
    h.char('a');
    h.wait_for("the audit to finish", |s| {
        s.contains("read ") && s.contains("users")
    })
    .await;
    h.char(':');
    h.type_text(&format!("export {}", path.display()));
    h.key(KeyCode::Enter);
    h.wait_text("exported to").await;
    let value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let first = value
        .as_array()
        .unwrap()
        .first()
        .unwrap()
        .as_object()
        .unwrap();
    assert_eq!(
        first.keys().collect::<Vec<_>>(),
        [
            "connection",
            "user",
            "user_id",
            "attribute",
            "finding",
            "detail"
        ]
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        !text.contains("s3cret"),
        "a hidden value leaked into the export"
    );
    h.finish().await.unwrap();
}

#[tokio::test]
async fn keys_remapped_in_the_config_drive_the_loop() {
    let sim = simulator().await;
    let keys: toml::Table = toml::from_str("quit = \"x\"\naudit = \"A\"").unwrap();
    let app = App::new(simulator_sessions(&sim, &["looker"]), &keys).unwrap();
    let mut h = Harness::start(app, 100, 30);
    h.wait_text("ready, ").await;
    h.char('q');
    h.char('A');
    h.wait_text(" Audit of looker").await;
    h.char('x');
    h.ended().await.unwrap();
}

#[tokio::test]
async fn update_user_then_person_view_across_connections() {
    let sim = simulator().await;
    let state = tempfile::tempdir().unwrap();
    let journal = roster::journal::Journal::in_dir(state.path());
    let browser = app(simulator_sessions(&sim, &["looker", "crowd"])).with_journal(Some(journal));
    let mut h = Harness::start(browser, 120, 40);
    open_person(&mut h, "looker", "priya").await;
    h.char('u');
    h.wait_text("Update user").await;
    h.type_text("ka");
    h.ctrl('s');
    let preview = h.wait_text(" Preview on ").await;
    assert!(preview.contains("Priya → Priyaka"), "{preview}");
    h.key(KeyCode::Enter);
    h.wait_text("Priyaka Raman").await;
    h.char('p');
    h.wait_text("Person · priya.raman@example.com").await;
    let person = h
        .wait_for("the looker and crowd records", |s| {
            s.contains("Priyaka Raman") && s.contains("praman")
        })
        .await;
    // Crowd holds the same person (username praman) under the old name: a flagged mismatch.
    assert!(
        person.contains("praman") && person.contains("mismatch: name"),
        "{person}"
    );
    h.finish().await.unwrap();
}

/// At 100,000 users the browser answers keys while an audit reads: a filter typed mid-audit is
/// drawn at once, and `q` ends the loop while the reads go on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_answered_while_auditing_100k_users() {
    let sim = roster::simulator::start(&SimOptions {
        users: 100_000,
        ..SimOptions::default()
    })
    .await
    .unwrap();
    let mut h = Harness::start(app(simulator_sessions(&sim, &["crowd"])), 120, 40);
    h.wait_text("crowd (crowd)").await;
    h.char('a');
    // Generous: a debug build lists 100,000 users before the reads start.
    h.wait_within("the audit reading users", Duration::from_secs(240), |s| {
        s.contains("reading users: ") && !s.contains("reading users: 0 of")
    })
    .await;
    h.char('/');
    h.type_text("zzq");
    let screen = h.wait_text("/zzq").await;
    assert!(
        screen.contains("reading users: "),
        "the audit still runs:\n{screen}"
    );
    h.key(KeyCode::Enter);
    h.char('q');
    assert_eq!(h.ended().await.unwrap(), Exit::Quit);
}

/// `y` copies through the console, and the toast says what was copied.
#[tokio::test]
async fn yank_copies_the_username() {
    let sim = simulator().await;
    let mut h = Harness::start(app(simulator_sessions(&sim, &["looker"])), 120, 40);
    open_person(&mut h, "looker", "priya").await;
    h.char('y');
    h.wait_text(" Copy ").await;
    h.char('u');
    h.wait_text("copied username of priya.raman@example.com")
        .await;
    assert_eq!(
        h.copied.lock().unwrap().as_slice(),
        ["priya.raman@example.com"]
    );
    h.finish().await.unwrap();
}
