//! The update function without a terminal: start-up, focus cycling, stale replies, mouse,
//! resize, and the write path (plan → preview → confirm → re-read, errors back on the form).
#![allow(clippy::unwrap_used)]

mod tui_support;

use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use reqwest::Method;
use roster::app::editor::EditorState;
use roster::app::keymap::KeyMap;
use roster::app::msg::{Effect, Msg};
use roster::app::state::{ConnStatus, Dialog, Focus, State};
use roster::app::update::{start, update};
use roster::domain::{Edit, UserSummary};
use roster::service::error::{FieldError, StatusError};
use roster::service::{PlannedRequest, ServiceError, UsersPage, WritePlan};
use tui_support::fixtures::{connection, key, loaded, opened, record, summary};

#[test]
fn start_focuses_the_first_connection_and_lists_only_open_ones() {
    let state = loaded();
    assert_eq!(state.focus, Focus::Connections);
    assert_eq!(state.selected_conn, 0);
    assert_eq!(state.connections[0].status, ConnStatus::Ready);
    assert_eq!(state.users.visible.len(), 30);
    assert_eq!(
        state.connections[1].status,
        ConnStatus::Failed("bad url".to_owned())
    );
}

#[test]
fn tab_cycles_the_panes_both_ways() {
    let mut state = loaded();
    key(&mut state, KeyCode::Tab);
    assert_eq!(state.focus, Focus::Users);
    key(&mut state, KeyCode::Tab);
    assert_eq!(state.focus, Focus::Detail);
    key(&mut state, KeyCode::Tab);
    assert_eq!(state.focus, Focus::Connections);
    key(&mut state, KeyCode::BackTab);
    assert_eq!(state.focus, Focus::Detail);
}

#[test]
fn stale_pages_and_records_are_dropped() {
    let mut state = loaded();
    update(
        &mut state,
        Msg::UsersPage {
            conn: 0,
            request: 999,
            page: UsersPage {
                users: vec![summary("x")],
                total: None,
                duplicates_removed: 0,
            },
        },
    );
    assert_eq!(state.connections[0].users.len(), 30);
    // Open user 1, then user 2 before the first reply arrives: the first reply is dropped.
    key(&mut state, KeyCode::Tab);
    let first = key(&mut state, KeyCode::Enter);
    assert_eq!(state.focus, Focus::Detail);
    key(&mut state, KeyCode::Tab);
    key(&mut state, KeyCode::Tab);
    assert_eq!(state.focus, Focus::Users);
    key(&mut state, KeyCode::Down);
    let second = key(&mut state, KeyCode::Enter);
    let request_of = |effects: &[Effect]| match effects {
        [Effect::ReadUser { request, .. }] => *request,
        other => panic!("{other:?}"),
    };
    let (first, second) = (request_of(&first), request_of(&second));
    update(
        &mut state,
        Msg::UserRead {
            conn: 0,
            request: first,
            result: Ok(Box::new(record("1"))),
        },
    );
    assert!(state.record().is_none());
    update(
        &mut state,
        Msg::UserRead {
            conn: 0,
            request: second,
            result: Ok(Box::new(record("2"))),
        },
    );
    assert_eq!(state.record().unwrap().id, "2");
}

#[test]
fn mouse_selects_rows_and_the_wheel_scrolls() {
    let mut state = loaded();
    state.size = (80, 24);
    // The users table starts below the header line and the connections pane (2 connections +
    // borders = 4 rows); row 0 of the table is at y = 1 + 4 + 2.
    let click = |row| {
        Msg::Input(Event::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: 5,
            row,
            modifiers: KeyModifiers::NONE,
        }))
    };
    update(&mut state, click(10));
    assert_eq!(state.focus, Focus::Users);
    assert_eq!(state.users.selected, 3);
    for _ in 0..20 {
        update(
            &mut state,
            Msg::Input(Event::Mouse(MouseEvent {
                kind: MouseEventKind::ScrollDown,
                column: 5,
                row: 10,
                modifiers: KeyModifiers::NONE,
            })),
        );
    }
    assert_eq!(state.users.selected, 23);
    assert!(state.users.offset > 0, "the table scrolled");
    update(&mut state, click(1));
    assert_eq!(state.focus, Focus::Connections);
    assert_eq!(state.selected_conn, 0);
}

#[test]
fn resize_keeps_the_selection_visible() {
    let mut state = loaded();
    state.size = (160, 45);
    key(&mut state, KeyCode::Tab);
    for _ in 0..29 {
        key(&mut state, KeyCode::Char('j'));
    }
    assert_eq!(state.users.selected, 29);
    update(&mut state, Msg::Input(Event::Resize(80, 24)));
    assert_eq!(state.size, (80, 24));
    let rows: u16 = 24 - 2 - 4 - 3;
    assert!(state.users.offset + usize::from(rows) > 29);
}

fn plan() -> WritePlan {
    let url = url::Url::parse("http://127.0.0.1/looker/api/4.0/users/1").unwrap();
    WritePlan {
        summary: "update user1".to_owned(),
        changes: Vec::new(),
        requests: vec![PlannedRequest::new(Method::PATCH, url)],
        auth_scheme: "Bearer",
    }
}

#[test]
fn nothing_is_applied_without_confirmation_and_errors_land_on_fields() {
    let mut state = loaded();
    opened(&mut state, "1");
    assert!(key(&mut state, KeyCode::Char('u')).is_empty());
    let Some(Dialog::Editor(editor)) = &mut state.dialog else {
        panic!("no editor");
    };
    editor.focus = 2;
    // Ctrl-S previews: a Plan effect, never an Apply.
    editor.fields[0].input.insert_str("x");
    let effects = update(
        &mut state,
        Msg::Input(Event::Key(KeyEvent::new(
            KeyCode::Char('s'),
            KeyModifiers::CONTROL,
        ))),
    );
    let [Effect::Plan { request, edit, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(
        edit,
        &Edit::Update {
            fields: vec![("first_name".into(), "Userx".into())]
        }
    );
    // A reply to another request is ignored; the right one opens the preview.
    update(
        &mut state,
        Msg::Planned {
            request: request + 100,
            result: Ok(Box::new(plan())),
        },
    );
    assert!(matches!(state.dialog, Some(Dialog::Editor(_))));
    update(
        &mut state,
        Msg::Planned {
            request: *request,
            result: Ok(Box::new(plan())),
        },
    );
    assert!(matches!(state.dialog, Some(Dialog::Preview(_))));
    assert!(key(&mut state, KeyCode::Char('x')).is_empty());
    let effects = key(&mut state, KeyCode::Char('y'));
    let [Effect::Apply { request, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    let status = StatusError {
        status: 422,
        reason: "Validation Failed".to_owned(),
        code: None,
        field_errors: vec![FieldError {
            field: "email".to_owned(),
            message: "is already taken".to_owned(),
            code: Some("invalid".to_owned()),
        }],
        retry_after: None,
    };
    update(
        &mut state,
        Msg::Applied {
            request: *request,
            result: Err(ServiceError::Status(Box::new(status))),
        },
    );
    let Some(Dialog::Editor(editor)) = &state.dialog else {
        panic!("the form did not come back");
    };
    assert_eq!(
        editor.fields[2].error.as_deref(),
        Some("email: is already taken")
    );
    assert_eq!(editor.fields[0].text(), "Userx", "the edits are kept");
}

#[test]
fn a_confirmed_write_rereads_the_user() {
    let mut state = loaded();
    opened(&mut state, "1");
    let mut editor = EditorState::update(0, &record("1"));
    editor.fields[0].input.insert_str("y");
    state.dialog = Some(Dialog::Editor(Box::new(editor)));
    let effects = key(&mut state, KeyCode::F(2));
    let [Effect::Plan { request, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    update(
        &mut state,
        Msg::Planned {
            request: *request,
            result: Ok(Box::new(plan())),
        },
    );
    let effects = key(&mut state, KeyCode::Enter);
    let [Effect::Apply { request, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    let effects = update(
        &mut state,
        Msg::Applied {
            request: *request,
            result: Ok(None),
        },
    );
    assert!(state.dialog.is_none());
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::ReadUser { id, .. } if id == "1"))
    );
    assert!(state.toasts.iter().any(|t| t.text.starts_with("done:")));
}

#[test]
fn read_only_connections_refuse_writes_before_any_form() {
    let mut state = loaded();
    state.connections[0].read_only = true;
    opened(&mut state, "1");
    for c in ['e', 'u', 'd', 'n'] {
        assert!(
            key(&mut state, KeyCode::Char(c))
                .iter()
                .all(|e| matches!(e, Effect::ExpireToast { .. }))
        );
        assert!(state.dialog.is_none());
    }
    assert!(state.toasts.iter().all(|t| t.text.contains("read-only")));
}

#[test]
fn replace_is_refused_where_the_service_has_none() {
    let mut state = loaded();
    opened(&mut state, "1");
    key(&mut state, KeyCode::Char('R'));
    assert!(state.dialog.is_none());
    assert!(state.toasts[0].text.contains("does not offer replace"));
}

#[test]
fn ctrl_c_and_q_quit() {
    let mut state = loaded();
    key(&mut state, KeyCode::Char('q'));
    assert!(state.quit);
    let mut state = loaded();
    update(
        &mut state,
        Msg::Input(Event::Key(KeyEvent::new(
            KeyCode::Char('c'),
            KeyModifiers::CONTROL,
        ))),
    );
    assert!(state.quit);
}

#[test]
fn filtering_while_loading_searches_the_server_and_never_duplicates() {
    let mut state = State::new(KeyMap::default(), vec![connection("a", true)]);
    let effects = start(&mut state);
    let [
        Effect::LoadUsers {
            conn: 0,
            request: listing,
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}");
    };
    let listing = *listing;
    let page = |users: Vec<UserSummary>| Msg::UsersPage {
        conn: 0,
        request: listing,
        page: UsersPage {
            users,
            total: Some(4),
            duplicates_removed: 0,
        },
    };
    update(&mut state, page(vec![summary("1"), summary("2")]));
    key(&mut state, KeyCode::Tab);
    key(&mut state, KeyCode::Char('/'));
    let first = key(&mut state, KeyCode::Char('3'));
    let [Effect::Search { request: stale, .. }] = first.as_slice() else {
        panic!("{first:?}");
    };
    let stale = *stale;
    let second = key(&mut state, KeyCode::Char('@'));
    let [Effect::Search { request, text, .. }] = second.as_slice() else {
        panic!("{second:?}");
    };
    assert_eq!(text, "3@");
    // The answer to a superseded search is dropped.
    update(
        &mut state,
        Msg::SearchDone {
            conn: 0,
            request: stale,
            result: Ok(vec![summary("9")]),
        },
    );
    assert_eq!(state.connections[0].users.len(), 2);
    update(
        &mut state,
        Msg::SearchDone {
            conn: 0,
            request: *request,
            result: Ok(vec![summary("3"), summary("1")]),
        },
    );
    let ids = |state: &State| {
        state.connections[0]
            .users
            .iter()
            .map(|u| u.id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&state), ["1", "2", "3"]);
    assert_eq!(
        state.users.visible.len(),
        1,
        "the found user passes the filter"
    );
    // The listing reaches the same user later: it is not added twice.
    update(&mut state, page(vec![summary("3"), summary("4")]));
    assert_eq!(ids(&state), ["1", "2", "3", "4"]);
    // Once the listing is complete, typing no longer searches the server.
    update(
        &mut state,
        Msg::UsersListed {
            conn: 0,
            request: listing,
            result: Ok(()),
        },
    );
    assert!(key(&mut state, KeyCode::Backspace).is_empty());
}
