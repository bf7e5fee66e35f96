//! Bulk edits in the browser. End to end, on the real loop against the simulator: users marked
//! by filter (`/` then `*`) get one edit through one combined preview and a progress gauge, and
//! the simulator holds the new values; a batch is undone from the journal view (`L`, `z`); a
//! batch stopped with Esc after the items in flight is left resumable and resumes with every
//! item written once. Drawn: insta snapshots of the marks, planning, preview, gauge, stopped
//! batch and journal view, from fixed states driven through the update function.
#![allow(clippy::unwrap_used)]

mod tui_support;
mod writes;

use std::time::Duration;

use crossterm::event::KeyCode;
use reqwest::Method;
use roster::app::msg::{BatchWork, Effect, Msg};
use roster::app::state::{Dialog, Focus, State};
use roster::app::update::update;
use roster::app::{App, Session};
use roster::domain::{Edit, FieldChange};
use roster::journal::{
    BatchItem, BatchPlan, BatchStore, ItemDecision, Journal, JournalEntry, Outcome, ServerIdentity,
    UndoRecipe,
};
use roster::service::{PlannedRequest, WritePlan};
use roster::simulator::{RunningSimulator, SimOptions};
use roster::write::batch::{BatchCounts, PlannedBatch};
use roster::write::{Interrupt, Prepared, PreparedItem, WriteEngine};
use tui_support::fixtures::{ctrl, key, loaded, opened};
use tui_support::{Harness, simulator_sessions};
use writes::crowd_departments;

// ---------------------------------------------------------------------------------------------
// End to end against the simulator.

/// The simulator with `users` generated people and a fixed latency on every response, so that
/// a running batch is on screen for a while.
async fn simulator(users: usize, latency_ms: u64) -> RunningSimulator {
    roster::simulator::start(&SimOptions {
        users,
        port: 0,
        faults: Some(format!("latency={latency_ms}ms").parse().unwrap()),
    })
    .await
    .unwrap()
}

/// The browser on the simulator's Crowd connection, journaling into `state_dir`.
fn browser(sim: &RunningSimulator, state_dir: &std::path::Path) -> Harness {
    let app = App::new(simulator_sessions(sim, &["crowd"]), &toml::Table::new())
        .unwrap()
        .with_journal(Some(Journal::in_dir(state_dir)));
    Harness::start(app, 140, 40)
}

/// Marks the users the filter shows (`*`, after `/filter` when one is given, else every user),
/// opens one of them (the first match, or `open` found by filter), and fills the bulk editor of
/// `department` with `value`, then asks for the preview.
async fn mark_and_edit(h: &mut Harness, filter: Option<&str>, marked: usize, value: &str) {
    h.wait_text(" users ").await;
    h.key(KeyCode::Tab);
    if let Some(filter) = filter {
        h.char('/');
        h.type_text(filter);
        h.wait_text(&format!(" {marked} match")).await;
        h.key(KeyCode::Enter);
    }
    h.char('*');
    let screen = h.wait_text(&format!("· {marked} marked")).await;
    assert!(screen.contains("● "), "marked rows carry a dot:\n{screen}");
    if filter.is_none() {
        // Every user is marked; the attribute is picked on one who has it.
        h.char('/');
        h.type_text("praman");
        h.wait_text(" 1 match").await;
        h.key(KeyCode::Enter);
    }
    h.key(KeyCode::Enter);
    h.wait_text("attributes ──").await;
    h.select_attribute("department").await;
    h.char('e');
    h.wait_text(&format!(
        "Edit attribute department · {marked} marked users"
    ))
    .await;
    for _ in 0..12 {
        h.key(KeyCode::Backspace);
    }
    h.type_text(value);
    h.wait_text(value).await;
    h.ctrl('s');
}

/// The bulk edit of the two `example.org` users, through the preview and the gauge; returns
/// the batch id the dialog reports.
async fn bulk_edit_by_filter(h: &mut Harness) -> String {
    mark_and_edit(h, Some("example.org"), 2, "Contracting").await;
    let preview = h.wait_text("y/Enter send to 2").await;
    assert!(preview.contains("2 user(s) change, 0"), "{preview}");
    assert!(
        preview.contains("already at the value (skipped), 0 refused"),
        "{preview}"
    );
    assert!(
        preview.contains("department: R&D → Contracting"),
        "{preview}"
    );
    assert!(
        preview.contains("every user gets requests like:"),
        "{preview}"
    );
    h.char('y');
    let running = h
        .wait_text("Esc/Ctrl-C stop after the items in flight")
        .await;
    assert!(
        running.contains("written ") && running.contains("ETA"),
        "{running}"
    );
    let done = h.wait_text(" done: 2 written, 0 failed").await;
    assert!(done.contains("2/2"), "the gauge is full:\n{done}");
    done.split("batch ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn users_marked_by_filter_get_one_edit_through_the_preview_and_the_gauge() {
    let sim = simulator(0, 40).await;
    let state = tempfile::tempdir().unwrap();
    let before = crowd_departments(&sim);
    let mut h = browser(&sim, state.path());
    let batch = bulk_edit_by_filter(&mut h).await;
    let after = crowd_departments(&sim);
    for user in ["vnovak", "lnavarro"] {
        assert_eq!(after[user], ["Contracting"], "{user}");
    }
    let others = after
        .iter()
        .filter(|(name, _)| !["vnovak", "lnavarro"].contains(&name.as_str()));
    for (name, values) in others {
        assert_eq!(values, &before[name], "{name} was not marked");
    }
    // Both items are journaled under the batch, and its plan file says they were written.
    let entries = Journal::in_dir(state.path()).entries().unwrap();
    assert_eq!(entries.len(), 2);
    assert!(
        entries
            .iter()
            .all(|e| e.batch.as_deref() == Some(batch.as_str()) && e.outcome == Outcome::Written)
    );
    let plan = BatchStore::in_dir(state.path()).load(&batch).unwrap();
    assert_eq!(BatchCounts::of(&plan).written, 2);
    // Done and not stopped: the marks are cleared.
    h.key(KeyCode::Esc);
    h.wait_for("the marks cleared", |s| !s.contains(" marked"))
        .await;
    h.char('q');
    h.ended().await.unwrap();
}

#[tokio::test]
async fn a_batch_is_undone_from_the_journal_view() {
    let sim = simulator(0, 20).await;
    let state = tempfile::tempdir().unwrap();
    let before = crowd_departments(&sim);
    let mut h = browser(&sim, state.path());
    let batch = bulk_edit_by_filter(&mut h).await;
    h.key(KeyCode::Esc);
    h.char('L');
    let journal = h.wait_text("· 2 entries").await;
    assert!(journal.matches(&batch).count() >= 2, "{journal}");
    h.char('z');
    let preview = h.wait_text("2 item(s) to revert, 0 to skip").await;
    assert!(
        preview.contains(&format!("Undo batch {batch}")),
        "{preview}"
    );
    h.char('y');
    h.wait_text("reverted: 2 written, 0 failed").await;
    assert_eq!(crowd_departments(&sim), before);
    // The journal view is read again: the two reverts are listed too.
    h.key(KeyCode::Esc);
    h.wait_text("· 4 entries").await;
    let entries = Journal::in_dir(state.path()).entries().unwrap();
    assert_eq!(entries.len(), 4);
    assert!(
        entries[2..]
            .iter()
            .all(|e| e.action.starts_with("undo ") && e.outcome == Outcome::Written)
    );
    h.char('q');
    h.ended().await.unwrap();
}

#[tokio::test]
async fn esc_stops_a_running_batch_after_the_items_in_flight_and_it_resumes() {
    let sim = simulator(120, 30).await;
    let state = tempfile::tempdir().unwrap();
    let mut h = browser(&sim, state.path());
    let total = sim.state.crowd().users.len();
    mark_and_edit(&mut h, None, total, "Moved").await;
    h.wait_text("y/Enter send to").await;
    h.char('y');
    h.wait_for("some items written", |s| {
        s.contains("stop after the items in flight") && !s.contains("written 0 ")
    })
    .await;
    h.key(KeyCode::Esc);
    let stopped = h.wait_text("stopped after the items in flight (").await;
    assert!(stopped.contains("`roster batch resume "), "{stopped}");
    // The plan file holds the batch: some items written, the rest not sent, none in doubt.
    let store = BatchStore::in_dir(state.path());
    let batch = std::fs::read_dir(state.path().join("batches"))
        .unwrap()
        .find_map(|f| {
            let name = f.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".json").map(str::to_owned)
        })
        .unwrap();
    let mut plan = store.load(&batch).unwrap();
    let counts = BatchCounts::of(&plan);
    assert!(counts.written > 0 && counts.planned > 0, "{counts:?}");
    let journal = Journal::in_dir(state.path());
    assert!(
        journal
            .entries()
            .unwrap()
            .iter()
            .all(|e| e.outcome == Outcome::Written),
        "every item sent before the stop finished"
    );
    h.key(KeyCode::Esc);
    h.char('q');
    h.ended().await.unwrap();
    // `roster batch resume` (the engine's resume) writes the rest, each user once.
    let [session] = <[Session; 1]>::try_from(simulator_sessions(&sim, &["crowd"])).unwrap();
    let engine = WriteEngine::new(
        session.directory.unwrap(),
        journal.clone(),
        "crowd",
        session.server.unwrap(),
    );
    engine
        .resume_batch(&mut plan, &store, 8, &Interrupt::never(), &|_| {})
        .await
        .unwrap();
    let counts = BatchCounts::of(&plan);
    assert_eq!(
        (counts.failed, counts.unknown, counts.planned),
        (0, 0, 0),
        "{counts:?}"
    );
    let entries = journal.entries().unwrap();
    let mut written: Vec<&str> = entries
        .iter()
        .filter(|e| e.outcome == Outcome::Written)
        .filter_map(|e| e.user_id.as_deref())
        .collect();
    let sent = written.len();
    written.sort_unstable();
    written.dedup();
    assert_eq!(written.len(), sent, "no user was written twice");
    assert!(crowd_departments(&sim).values().all(|d| d == &["Moved"]));
}

// ---------------------------------------------------------------------------------------------
// Snapshots of fixed states.

/// Draws the state at both sizes and compares each with its snapshot.
fn snap(name: &str, state: &mut State) {
    for (size, text) in tui_support::drawn_at_snapshot_sizes(state) {
        insta::assert_snapshot!(format!("{name}_{size}"), text);
    }
}

fn server() -> ServerIdentity {
    ServerIdentity {
        url: "http://127.0.0.1:4000/looker".to_owned(),
        principal: "roster-sim".to_owned(),
    }
}

/// The plan of `unset region` over six users: three change, one has no value of its own
/// (skipped), two are not found (refused).
fn planned_unset() -> PlannedBatch {
    let change = |id: &str| {
        let url = url::Url::parse(&format!(
            "http://127.0.0.1:4000/looker/api/4.0/users/{id}/attribute_values/7"
        ))
        .unwrap();
        let plan = WritePlan {
            summary: format!("remove the user's own `region` for user{id}@example.com on a"),
            changes: vec![FieldChange {
                field: "region".to_owned(),
                before: Some("APAC".to_owned()),
                after: Some("NA".to_owned()),
                note: Some("falls back to the default".to_owned()),
            }],
            requests: vec![PlannedRequest::new(Method::DELETE, url)],
            auth_scheme: "Bearer",
        };
        let item = BatchItem {
            key: id.to_owned(),
            user_id: Some(id.to_owned()),
            user: Some(format!("user{id}@example.com")),
            decision: ItemDecision::Change,
            reason: None,
            changes: plan.changes.clone(),
            result: None,
        };
        let prepared = Prepared {
            target: None,
            items: vec![PreparedItem {
                edit: Edit::UnsetAttribute {
                    name: "region".to_owned(),
                },
                plan,
            }],
            action: None,
            title: None,
            precondition: None,
            batch: Some("20261129-bulk".to_owned()),
        };
        (item, Some(prepared))
    };
    let other = |key: &str, decision, reason: &str| {
        (
            BatchItem {
                key: key.to_owned(),
                user_id: None,
                user: None,
                decision,
                reason: Some(reason.to_owned()),
                changes: Vec::new(),
                result: None,
            },
            None,
        )
    };
    let (items, prepared) = vec![
        change("1"),
        change("2"),
        change("3"),
        other(
            "4",
            ItemDecision::Skipped,
            "has no value of its own for `region`",
        ),
        other("ghost-1", ItemDecision::Refused, "not found"),
        other("ghost-2", ItemDecision::Refused, "not found"),
    ]
    .into_iter()
    .unzip();
    PlannedBatch {
        plan: BatchPlan {
            batch: "20261129-bulk".to_owned(),
            created: "2026-11-29T20:00:00Z".to_owned(),
            connection: "a".to_owned(),
            server: server(),
            action: "unset".to_owned(),
            edits: vec![Edit::UnsetAttribute {
                name: "region".to_owned(),
            }],
            items,
        },
        prepared,
    }
}

/// The loaded fixture with users 1 and 2 marked (Space twice) on the users table.
fn two_marked() -> State {
    let mut state = loaded();
    state.focus = Focus::Users;
    key(&mut state, KeyCode::Char(' '));
    key(&mut state, KeyCode::Char(' '));
    state
}

#[test]
fn space_marks_and_the_header_counts_the_marks() {
    let mut state = two_marked();
    assert_eq!(state.marked(), 2);
    assert_eq!(state.users.selected, 2, "Space moves down after marking");
    snap("users_marked", &mut state);
    // `*` marks every user the filter shows; again, it unmarks them all.
    key(&mut state, KeyCode::Char('*'));
    assert_eq!(state.marked(), 30);
    key(&mut state, KeyCode::Char('*'));
    assert_eq!(state.marked(), 0);
}

#[test]
fn a_bulk_edit_is_planned_previewed_sent_with_a_gauge_and_stopped_resumably() {
    let mut state = two_marked();
    key(&mut state, KeyCode::Char('*'));
    opened(&mut state, "1");
    let effects = key(&mut state, KeyCode::Char('d'));
    let [
        Effect::PlanBatch {
            request,
            action,
            keys,
            edits,
            ..
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}");
    };
    assert_eq!((action.as_str(), keys.len()), ("unset", 30));
    assert!(matches!(&edits[..], [Edit::UnsetAttribute { name }] if name == "region"));
    let request = *request;
    update(&mut state, Msg::BatchPlanning { request, done: 12 });
    snap("batch_planning", &mut state);
    update(
        &mut state,
        Msg::BatchPlanned {
            request,
            result: Ok(Box::new(planned_unset())),
        },
    );
    snap("batch_preview", &mut state);
    let effects = key(&mut state, KeyCode::Char('y'));
    let [Effect::RunBatch { request, work, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert!(matches!(work, BatchWork::Edit(p) if p.plan.batch == "20261129-bulk"));
    let request = *request;
    for (outcome, error, seconds) in [
        ("written", None, 2),
        (
            "failed",
            Some("the user changed since the preview (409)"),
            4,
        ),
    ] {
        update(
            &mut state,
            Msg::BatchItemDone {
                request,
                outcome: outcome.to_owned(),
                error: error.map(str::to_owned),
                elapsed: Duration::from_secs(seconds),
            },
        );
    }
    snap("batch_gauge", &mut state);
    // Keys do nothing while it runs, but Ctrl-C (as Esc) asks the runner to stop after the
    // items in flight instead of leaving the browser.
    assert!(key(&mut state, KeyCode::Char('q')).is_empty());
    let effects = ctrl(&mut state, 'c');
    assert!(!state.quit);
    assert!(
        matches!(effects.as_slice(), [Effect::StopBatch { request: r }] if *r == request),
        "{effects:?}"
    );
    update(
        &mut state,
        Msg::BatchRan {
            request,
            result: Ok(true),
        },
    );
    snap("batch_stopped", &mut state);
    assert_eq!(state.marked(), 30, "a stopped batch keeps its marks");
    key(&mut state, KeyCode::Enter);
    assert!(state.dialog.is_none());
}

/// Journal entries: a batch of two writes, then the revert of one of them.
fn journal_entries() -> Vec<JournalEntry> {
    let entry = |id: u64, user: &str, action: &str, batch: Option<&str>, outcome| JournalEntry {
        id,
        time: format!("2026-11-29T20:0{id}:00Z"),
        connection: "a".to_owned(),
        server: Some(server()),
        user: Some(format!("{user}@example.com")),
        user_id: Some(user.trim_start_matches("user").to_owned()),
        attribute: None,
        action: action.to_owned(),
        summary: format!("{action} `region` for {user}@example.com on a"),
        changes: Vec::new(),
        requests: Vec::new(),
        outcome,
        error: None,
        batch: batch.map(str::to_owned),
        verification: Vec::new(),
        completed: None,
        undo: UndoRecipe::Attributes {
            attributes: vec![("region".to_owned(), Some(vec!["APAC".to_owned()]))],
        },
    };
    vec![
        entry(1, "user1", "unset", Some("20261129-bulk"), Outcome::Written),
        entry(2, "user2", "unset", Some("20261129-bulk"), Outcome::Unknown),
        entry(3, "user1", "undo 1", None, Outcome::Written),
    ]
}

#[test]
fn the_journal_view_lists_entries_newest_first_and_z_plans_the_batch_revert() {
    let mut state = loaded();
    let effects = key(&mut state, KeyCode::Char('L'));
    let [Effect::LoadJournal { request }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    update(
        &mut state,
        Msg::JournalLoaded {
            request: *request,
            result: Ok(journal_entries()),
        },
    );
    key(&mut state, KeyCode::Char('j'));
    snap("journal", &mut state);
    // `z` on a batch's entry plans the revert of the whole batch, on the entry's connection.
    let effects = key(&mut state, KeyCode::Char('z'));
    let [Effect::PrepareUndo { conn, entry, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(
        (*conn, entry.id, entry.batch.as_deref()),
        (0, 2, Some("20261129-bulk"))
    );
    let Some(Dialog::Batch(dialog)) = &state.dialog else {
        panic!("no batch dialog");
    };
    assert_eq!(dialog.title, "Undo batch 20261129-bulk");
}
