//! The update function without a terminal, for the keys a k9s or lazygit user reaches for:
//! motions, sort, the ranked fzf filter and `n`/`N`, the detail that follows the selection, the
//! copy menu, `$EDITOR`, command completion and history, the status line on read-only
//! connections, a panicked task, and the audit's groups.
#![allow(clippy::unwrap_used)]

mod tui_support;

use crossterm::event::KeyCode;
use roster::app::keymap::KeyMap;
use roster::app::msg::{Effect, Msg};
use roster::app::state::{ConnStatus, Dialog, State};
use roster::app::update::{start, update};
use roster::domain::Edit;
use tui_support::fixtures::{connection, ctrl, key, loaded, opened, typed};

#[test]
fn motions_page_and_jump_in_the_users_table() {
    let mut state = loaded();
    state.size = (80, 24);
    key(&mut state, KeyCode::Tab);
    let page = 24 - 2 - 4 - 3;
    key(&mut state, KeyCode::PageDown);
    assert_eq!(state.users.selected, page);
    key(&mut state, KeyCode::PageUp);
    assert_eq!(state.users.selected, 0);
    key(&mut state, KeyCode::Char('G'));
    assert_eq!(state.users.selected, 29);
    key(&mut state, KeyCode::Char('g'));
    assert_eq!(state.users.selected, 0);
    key(&mut state, KeyCode::End);
    assert_eq!(state.users.selected, 29);
    key(&mut state, KeyCode::Home);
    ctrl(&mut state, 'd');
    assert_eq!(state.users.selected, page / 2);
    ctrl(&mut state, 'u');
    assert_eq!(state.users.selected, 0);
}

#[test]
fn sort_cycles_columns_and_reverses() {
    let mut state = loaded();
    key(&mut state, KeyCode::Tab);
    key(&mut state, KeyCode::Char('s'));
    let sort = state.users.sort.unwrap();
    assert_eq!(sort.column.label(), "username");
    assert!(!sort.reverse);
    // user1, user10, user11, ... by username.
    assert_eq!(state.selected_user().unwrap().id, "1");
    key(&mut state, KeyCode::Char('S'));
    assert!(state.users.sort.unwrap().reverse);
    let first = &state.connections[0].users[state.users.visible[0]];
    assert_eq!(first.id, "9", "user9 sorts last by username");
    for _ in 0..4 {
        key(&mut state, KeyCode::Char('s'));
    }
    assert_eq!(
        state.users.sort, None,
        "after the last column, back to the service's order"
    );
}

#[test]
fn n_is_the_next_match_while_filtering_and_create_otherwise() {
    let mut state = loaded();
    key(&mut state, KeyCode::Tab);
    key(&mut state, KeyCode::Char('/'));
    typed(&mut state, "user1");
    key(&mut state, KeyCode::Enter);
    let before = state.users.selected;
    assert!(
        key(&mut state, KeyCode::Char('n'))
            .iter()
            .all(|e| !matches!(e, Effect::Plan { .. }))
    );
    assert_eq!(state.users.selected, before + 1);
    assert!(state.dialog.is_none());
    key(&mut state, KeyCode::Char('N'));
    assert_eq!(state.users.selected, before);
    key(&mut state, KeyCode::Esc);
    assert!(state.users.filter.is_empty());
    key(&mut state, KeyCode::Char('n'));
    assert!(matches!(state.dialog, Some(Dialog::Editor(_))), "n creates");
}

#[test]
fn the_filter_ranks_and_takes_fzf_syntax() {
    let mut state = loaded();
    key(&mut state, KeyCode::Tab);
    key(&mut state, KeyCode::Char('/'));
    typed(&mut state, "^user3");
    let ids: Vec<&str> = state
        .users
        .visible
        .iter()
        .map(|i| state.connections[0].users[*i].id.as_str())
        .collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(ids.contains(&"3") && ids.contains(&"30"));
    typed(&mut state, " !30");
    assert_eq!(state.users.visible.len(), 1);
}

#[test]
fn the_detail_follows_the_selection_after_a_pause() {
    let mut state = loaded();
    key(&mut state, KeyCode::Tab);
    let effects = key(&mut state, KeyCode::Char('j'));
    let [Effect::Wake { request: first, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    let first = *first;
    assert_eq!(
        state.detail.as_ref().unwrap().user_id,
        "2",
        "the detail says whose it is"
    );
    let effects = key(&mut state, KeyCode::Char('j'));
    let [
        Effect::Wake {
            request: second, ..
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}");
    };
    let second = *second;
    // The first pause is stale: no read for user 2.
    assert!(update(&mut state, Msg::Woken { request: first }).is_empty());
    let effects = update(&mut state, Msg::Woken { request: second });
    let [Effect::ReadUser { id, request, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!((id.as_str(), *request), ("3", second));
    assert_eq!(
        state.detail_user_label().as_deref(),
        Some("user3@example.com")
    );
}

#[test]
fn yank_offers_ids_and_values_but_never_a_hidden_one() {
    let mut state = loaded();
    opened(&mut state, "1");
    if let Some(record) = state.detail.as_mut().and_then(|d| d.record.as_mut()) {
        record.attributes[0].hidden = true;
    }
    key(&mut state, KeyCode::Char('y'));
    let Some(Dialog::Yank(menu)) = &state.dialog else {
        panic!("no copy menu");
    };
    assert!(menu.choices.iter().all(|c| c.text != "EMEA"), "{menu:?}");
    let effects = key(&mut state, KeyCode::Char('u'));
    let [Effect::Copy { text, what }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(text, "user1@example.com");
    assert!(what.contains("username"));
    assert!(state.dialog.is_none());
    if let Some(record) = state.detail.as_mut().and_then(|d| d.record.as_mut()) {
        record.attributes[0].hidden = false;
    }
    key(&mut state, KeyCode::Char('y'));
    let effects = key(&mut state, KeyCode::Char('v'));
    assert!(matches!(effects.as_slice(), [Effect::Copy { text, .. }] if text == "EMEA"));
}

#[test]
fn external_editor_text_is_checked_on_return() {
    let mut state = loaded();
    key(&mut state, KeyCode::Tab);
    let effects = key(&mut state, KeyCode::Char('E'));
    let Some(Effect::EditExternally { request, text }) = effects.last() else {
        panic!("{effects:?}");
    };
    assert!(text.contains("\"email\""));
    let request = *request;
    update(
        &mut state,
        Msg::EditedExternally {
            request,
            result: Ok("{ not json".to_owned()),
        },
    );
    let Some(Dialog::Editor(editor)) = &state.dialog else {
        panic!("the form closed");
    };
    assert!(
        editor.fields[0]
            .error
            .as_deref()
            .unwrap()
            .contains("not valid JSON")
    );
    let effects = ctrl(&mut state, 'e');
    let [Effect::EditExternally { request, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    let effects = update(
        &mut state,
        Msg::EditedExternally {
            request: *request,
            result: Ok(r#"{"email": "new@example.com", "first_name": ""}"#.to_owned()),
        },
    );
    let [Effect::Plan { edit, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(
        edit,
        &Edit::Create {
            resource: serde_json::json!({"email": "new@example.com"})
        },
        "empty template fields are left out"
    );
}

#[test]
fn command_line_completes_and_remembers() {
    let mut state = loaded();
    key(&mut state, KeyCode::Char(':'));
    typed(&mut state, "co");
    key(&mut state, KeyCode::Tab);
    typed(&mut state, "b");
    key(&mut state, KeyCode::Tab);
    let Some(Dialog::Command(line)) = &state.dialog else {
        panic!("no command line");
    };
    assert_eq!(line.text, "conn b");
    key(&mut state, KeyCode::Enter);
    assert_eq!(state.selected_conn, 1);
    key(&mut state, KeyCode::Char(':'));
    typed(&mut state, "user user1");
    key(&mut state, KeyCode::Tab);
    let Some(Dialog::Command(line)) = &state.dialog else {
        panic!("no command line");
    };
    assert!(line.completions.is_empty(), "b lists no users");
    key(&mut state, KeyCode::Esc);
    key(&mut state, KeyCode::Char(':'));
    key(&mut state, KeyCode::Up);
    let Some(Dialog::Command(line)) = &state.dialog else {
        panic!("no command line");
    };
    assert_eq!(line.text, "conn b");
}

#[test]
fn read_only_status_and_help_never_offer_writes() {
    let mut state = loaded();
    state.connections[0].read_only = true;
    opened(&mut state, "1");
    let actions = state.screen_actions();
    assert!(actions.iter().all(|a| !a.writes()), "{actions:?}");
    state.connections[0].read_only = false;
    let actions = state.screen_actions();
    assert!(actions.contains(&roster::app::keymap::Action::Edit));
    let entries = roster::view::status::status_entries(&state, 80);
    let width: usize = entries.iter().map(|(k, w)| k.len() + 1 + w.len() + 3).sum();
    assert!(width <= 80 + 3, "{entries:?}");
    assert_eq!(entries.last().unwrap().1, "quit");
}

#[test]
fn a_panicked_task_shows_on_the_connection_and_as_a_toast() {
    let mut state = State::new(KeyMap::default(), vec![connection("a", true)]);
    let effects = start(&mut state);
    let [Effect::LoadUsers { request, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    update(
        &mut state,
        Msg::TaskFailed {
            conn: Some(0),
            request: *request,
            message: "overflow when adding duration to instant".to_owned(),
        },
    );
    assert!(
        matches!(&state.connections[0].status, ConnStatus::Failed(why) if why.contains("overflow"))
    );
    assert!(state.toasts[0].text.contains("internal error"));
}

#[test]
fn audit_groups_collapse_jump_and_filter_by_kind() {
    use roster::app::audit::{AuditLine, AuditState};
    use roster::app::state::Screen;
    use roster::domain::audit::{SystemLock, UserAudit};
    use roster::domain::{Finding, FindingKind};
    let mut state = loaded();
    state.screen = Screen::Audit(Box::new(AuditState::new(5, vec![0])));
    let finding = |user: &str, kind| Finding {
        connection: "a".to_owned(),
        user: Some(user.to_owned()),
        user_id: Some(user.to_owned()),
        attribute: "region".to_owned(),
        finding: kind,
        detail: "d".to_owned(),
    };
    let audits = (0..3)
        .map(|i| {
            Ok(UserAudit {
                user_id: i.to_string(),
                findings: vec![
                    finding(&format!("u{i}"), FindingKind::Hidden),
                    finding(&format!("u{i}"), FindingKind::OverridesDefault),
                ],
                system_locks: vec![SystemLock {
                    attribute: "email".to_owned(),
                    reason: "system attribute".to_owned(),
                }],
            })
        })
        .collect();
    update(
        &mut state,
        Msg::AuditRead {
            request: 5,
            conn: 0,
            audits,
            last: true,
        },
    );
    let audit = |state: &State| match &state.screen {
        Screen::Audit(audit) => audit.as_ref().clone(),
        _ => panic!("no audit"),
    };
    assert_eq!(
        audit(&state).finding_count(),
        7,
        "6 findings and one summary"
    );
    key(&mut state, KeyCode::Char(']'));
    assert!(matches!(
        audit(&state).selected_line(),
        AuditLine::Header(FindingKind::Locked, 1)
    ));
    key(&mut state, KeyCode::Char(' '));
    assert!(audit(&state).is_collapsed(FindingKind::Locked));
    key(&mut state, KeyCode::Enter);
    assert!(
        !audit(&state).is_collapsed(FindingKind::Locked),
        "Enter on a header expands"
    );
    key(&mut state, KeyCode::Char('['));
    assert!(matches!(
        audit(&state).selected_line(),
        AuditLine::Header(FindingKind::Hidden, 3)
    ));
    key(&mut state, KeyCode::Char('f'));
    assert_eq!(audit(&state).kind_filter, Some(FindingKind::Hidden));
    key(&mut state, KeyCode::Char('G'));
    assert_eq!(audit(&state).selected(), 3);
    assert_eq!(
        audit(&state).summary_detail(0),
        "locked on all 3 users: system attribute"
    );
}
