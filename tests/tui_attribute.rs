//! The attribute screen on the real browser loop (a shared `TestBackend`, scripted keys, the
//! simulator): `:attr` opens it with settings, group values by rank and users per source; moving
//! a group up previews the new ranks and the blast radius; confirming writes through the write
//! engine (journaled), and the affected users' details then show what the preview said.
#![allow(clippy::unwrap_used)]

mod tui_support;

use crossterm::event::KeyCode;
use roster::app::App;
use roster::simulator::SimOptions;
use tui_support::{Harness, simulator_sessions};

/// The screen without its header and status lines, and with the simulator's address (a free
/// port) as `http://SIM`: the text that does not depend on the machine.
fn body(screen: &str, base_url: &str) -> String {
    let lines: Vec<&str> = screen.lines().collect();
    lines[1..lines.len().saturating_sub(1)]
        .join("\n")
        .replace(base_url, "http://SIM")
}

/// The browser on the simulator's Looker, journaling to a temporary folder.
async fn looker_browser() -> (
    roster::simulator::RunningSimulator,
    roster::journal::Journal,
    tempfile::TempDir,
    Harness,
) {
    let sim = roster::simulator::start(&SimOptions::default())
        .await
        .unwrap();
    let state = tempfile::tempdir().unwrap();
    let journal = roster::journal::Journal::in_dir(state.path());
    let browser = App::new(simulator_sessions(&sim, &["looker"]), &toml::Table::new())
        .unwrap()
        .with_journal(Some(journal.clone()));
    let h = Harness::start(browser, 120, 40);
    (sim, journal, state, h)
}

/// The browser on the simulator's Looker (journaling to a temporary folder), with `:attr
/// workload_region` typed.
async fn open_workload_region() -> (
    roster::simulator::RunningSimulator,
    roster::journal::Journal,
    tempfile::TempDir,
    Harness,
) {
    let (sim, journal, state, h) = looker_browser().await;
    h.char(':');
    h.type_text("attr workload_region");
    h.key(KeyCode::Enter);
    (sim, journal, state, h)
}

/// Waits until the attribute screen has read its attribute, and returns the screen.
async fn attribute_read(h: &mut Harness) -> String {
    h.wait_for("the attribute read", |s| {
        s.contains("users per source:") && !s.contains("reading…")
    })
    .await
}

/// From the first group value, selects Support and previews `asia-east1` as its value.
async fn preview_support_value(h: &mut Harness) -> String {
    h.char('j');
    h.wait_for("Support selected", |s| s.contains("▶ 2   Support"))
        .await;
    h.char('e');
    h.type_text("asia-east1");
    h.key(KeyCode::Enter);
    h.wait_text(" Preview · workload_region").await
}

#[tokio::test]
async fn reordering_ranks_previews_the_blast_radius_and_the_details_follow() {
    let (sim, journal, _state, mut h) = open_workload_region().await;
    let screen = attribute_read(&mut h).await;
    insta::assert_snapshot!("attribute_screen_120x40", body(&screen, &sim.base_url()));

    // All Users (rank 3, us-east1) moves above Support: Support's members outside Engineering
    // change to us-east1.
    h.char('j');
    h.char('j');
    h.wait_for("All Users selected", |s| s.contains("▶ 3   All Users"))
        .await;
    h.char('K');
    let preview = h.wait_text(" Preview · workload_region").await;
    insta::assert_snapshot!("attribute_preview_120x40", body(&preview, &sim.base_url()));
    let expected: Vec<String> = {
        let store = sim.state.looker();
        store
            .users
            .values()
            .filter(|u| u.group_ids.contains(&4) && !u.group_ids.contains(&2))
            .map(|u| u.email.clone().unwrap())
            .collect()
    };
    assert!(!expected.is_empty());
    assert!(
        preview.contains(&format!("Blast radius: {} users change", expected.len())),
        "{preview}"
    );
    assert!(preview.contains("rank of All Users: 3 → 2"), "{preview}");
    assert!(preview.contains("rank of Support: 2 → 3"), "{preview}");
    h.char('y');
    h.wait_for("the write and the reread", |s| {
        s.contains("done:") && s.contains("▶ 2   All Users") && !s.contains(" Preview · ")
    })
    .await;
    let entries = journal.entries().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].outcome, roster::journal::Outcome::Written);
    assert_eq!(
        entries[0].attribute.as_ref().unwrap().name,
        "workload_region"
    );

    // Every affected user now resolves to us-east1, as the preview said; Priya's detail shows it.
    {
        let store = sim.state.looker();
        let attribute = store.attribute(17).unwrap();
        for user in store
            .users
            .values()
            .filter(|u| expected.contains(u.email.as_ref().unwrap()))
        {
            let path = store.lookup_path(user, attribute);
            assert_eq!(
                path[0].value.as_deref(),
                Some("us-east1"),
                "{:?}",
                user.email
            );
        }
    }
    h.key(KeyCode::Esc);
    h.char(':');
    h.type_text("user priya.raman@example.com");
    h.key(KeyCode::Enter);
    h.wait_text("Detail · priya.raman@example.com").await;
    let mut found = None;
    for _ in 0..40 {
        let screen = h.screen();
        if let Some(line) = screen.lines().find(|l| l.contains("▶ workload_region ")) {
            found = Some(line.to_owned());
            break;
        }
        // The detail pane's selection (right of the users pane), not the connections pane's.
        let selected = |s: &str| s.lines().find(|l| l.contains("││▶ ")).map(str::to_owned);
        let before = selected(&screen);
        h.char('j');
        h.wait_for("the detail selection to move", |s| selected(s) != before)
            .await;
    }
    let line = found.expect("workload_region in Priya's detail");
    assert!(expected.iter().any(|e| e == "priya.raman@example.com"));
    assert!(
        line.contains("us-east1") && line.contains("All Users"),
        "{line}"
    );
    h.char('q');
    h.ended().await.unwrap();
}

#[tokio::test]
async fn a_new_default_and_a_group_value_are_previewed_with_their_radius() {
    let (sim, journal, _state, mut h) = open_workload_region().await;
    attribute_read(&mut h).await;
    // Everyone is in All Users, which has a value: a new default changes nobody, and says so.
    h.char('d');
    h.type_text("us-west1");
    h.key(KeyCode::Enter);
    let preview = h.wait_text(" Preview · workload_region").await;
    assert!(
        preview.contains("Blast radius: 0 users change"),
        "{preview}"
    );
    assert!(
        preview.contains("default_value: us-central1 → us-west1"),
        "{preview}"
    );
    h.char('y');
    h.wait_for("the write", |s| {
        s.contains("done:") && s.contains("default us-west1")
    })
    .await;
    assert_eq!(
        sim.state
            .looker()
            .attribute(17)
            .unwrap()
            .default_value
            .as_deref(),
        Some("us-west1")
    );
    // Support's new value reaches its members outside Engineering; Esc sends nothing.
    let preview = preview_support_value(&mut h).await;
    assert!(
        preview.contains("value of Support: asia-southeast1 → asia-east1"),
        "{preview}"
    );
    assert!(
        preview.contains("Blast radius: 6 users change"),
        "{preview}"
    );
    h.key(KeyCode::Esc);
    h.wait_for("the preview closed", |s| !s.contains(" Preview · "))
        .await;
    let unchanged = sim
        .state
        .looker()
        .group_values_of(17)
        .iter()
        .any(|g| g.group_id == 4 && g.value == "asia-southeast1");
    assert!(unchanged, "nothing was sent");
    assert_eq!(
        journal.entries().unwrap().len(),
        1,
        "only the default was written"
    );
    h.char('q');
    h.ended().await.unwrap();
}

#[tokio::test]
async fn enter_on_a_user_attribute_in_the_detail_opens_its_attribute_screen() {
    let (sim, journal, _state, mut h) = looker_browser().await;
    h.wait_text("looker (").await;
    // `:user` shows Priya's detail and gives it the focus.
    h.char(':');
    h.type_text("user priya.raman@example.com");
    h.key(KeyCode::Enter);
    h.wait_text("Detail · priya.raman@example.com").await;
    h.select_attribute("workload_region").await;
    h.key(KeyCode::Enter);
    let screen = attribute_read(&mut h).await;
    assert!(screen.contains("Attribute workload_region"), "{screen}");
    assert!(!screen.contains("Edit attribute"), "{screen}");
    insta::assert_snapshot!(
        "attribute_screen_from_detail_120x40",
        body(&screen, &sim.base_url())
    );
    // Esc goes back to the browser, where the detail still shows Priya.
    h.key(KeyCode::Esc);
    h.wait_text("Detail · priya.raman@example.com").await;
    assert!(journal.entries().unwrap().is_empty(), "nothing was written");
    h.char('q');
    h.ended().await.unwrap();
}

#[tokio::test]
async fn z_in_the_journal_view_reverts_an_attribute_write_with_its_preview() {
    let (sim, journal, _state, mut h) = open_workload_region().await;
    attribute_read(&mut h).await;
    let support = |sim: &roster::simulator::RunningSimulator| {
        sim.state
            .looker()
            .group_values_of(17)
            .iter()
            .find(|g| g.group_id == 4)
            .map(|g| (g.rank, g.value.clone()))
    };
    let before = support(&sim);
    assert_eq!(before, Some((2, "asia-southeast1".to_owned())));
    preview_support_value(&mut h).await;
    h.char('y');
    h.wait_for("the write", |s| {
        s.contains("done:") && s.contains("▶ 2   Support") && s.contains("asia-east1")
    })
    .await;
    assert_eq!(support(&sim), Some((2, "asia-east1".to_owned())));

    // `z` in the browser points to the journal view, which lists it; `z` there previews the
    // revert with its blast radius, `y` sends it.
    h.key(KeyCode::Esc);
    h.wait_for("the browser", |s| !s.contains("Attribute workload_region"))
        .await;
    h.char('z');
    // (The toast wraps: its two halves are waited for apart.)
    h.wait_for("the toast", |s| {
        s.contains("entry 1 changed the attribute workload_region")
            && s.contains("journal view (L, then z)")
    })
    .await;
    h.char('L');
    h.wait_text("· 1 entries").await;
    h.char('z');
    let preview = h.wait_text("y/Enter send to 1").await;
    assert!(preview.contains("Undo entry 1"), "{preview}");
    assert!(
        preview.contains("value of Support: asia-east1 → asia-southeast1"),
        "{preview}"
    );
    assert!(
        preview.contains("Blast radius: 6 users change"),
        "{preview}"
    );
    assert_eq!(
        support(&sim),
        Some((2, "asia-east1".to_owned())),
        "nothing is sent before the confirmation"
    );
    h.char('y');
    h.wait_text("reverted: 1 written, 0 failed").await;
    assert_eq!(support(&sim), before, "Support's value is back");
    h.key(KeyCode::Esc);
    h.wait_text("· 2 entries").await;
    let entries = journal.entries().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1].action, "undo 1");
    assert_eq!(entries[1].outcome, roster::journal::Outcome::Written);
    assert_eq!(
        entries[1].attribute.as_ref().map(|a| a.name.as_str()),
        Some("workload_region")
    );
    h.char('q');
    h.ended().await.unwrap();
}
