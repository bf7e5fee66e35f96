//! The update function: every change of browser state happens here, and nothing else happens here.
//!
//! `update(&mut State, Msg) -> Vec<Effect>` decides what a key, a mouse event or a service reply
//! means and returns the requests to make; it does no I/O. Replies whose request id is no longer
//! the one wanted are dropped. This file covers dispatch, the browse screen and service replies
//! for lists and records; writes are in `write.rs`, the audit, person, help and command views in
//! `views.rs`.

use std::time::Duration;

use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::{Position, Rect};

use super::keymap::Action;
use super::layout::{self, TABLE_CHROME};
use super::msg::{Effect, Msg, RequestId};
use super::state::{ConnStatus, DetailState, Dialog, Focus, Screen, State, Toast};
use super::{views, write};
use crate::domain::{UserRecord, UserSummary};
use crate::service::{ServiceError, UsersPage};

/// How long a toast shows.
pub const TOAST_TIME: Duration = Duration::from_secs(6);
/// The most toasts shown at once.
const MAX_TOASTS: usize = 3;

/// The effects to start with: list the users of every connection that opened.
pub fn start(state: &mut State) -> Vec<Effect> {
    (0..state.connections.len())
        .filter_map(|conn| load_users(state, conn))
        .collect()
}

/// Applies one message to the state and returns what to do next.
pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Input(event) => input(state, event),
        Msg::UsersPage {
            conn,
            request,
            page,
        } => {
            users_page(state, conn, request, page);
            Vec::new()
        }
        Msg::UsersListed {
            conn,
            request,
            result,
        } => {
            users_listed(state, conn, request, result);
            Vec::new()
        }
        Msg::UserRead {
            conn,
            request,
            result,
        } => user_read(state, conn, request, result),
        Msg::Planned { request, result } => write::planned(state, request, result),
        Msg::SearchDone {
            conn,
            request,
            result,
        } => {
            search_done(state, conn, request, result);
            Vec::new()
        }
        Msg::Notice(text) => toast(state, crate::text::sanitize(&text), false),
        Msg::UndoFound {
            request,
            conn,
            result,
        } => write::undo_found(state, request, conn, result),
        Msg::Applied { request, result } => write::applied(state, request, result),
        Msg::AuditSized {
            request,
            conn,
            result,
        } => views::audit_sized(state, request, conn, result),
        Msg::AuditRead {
            request,
            conn,
            records,
            last,
        } => views::audit_read(state, request, conn, records, last),
        Msg::PersonFound {
            request,
            conn,
            result,
        } => {
            views::person_found(state, request, conn, result);
            Vec::new()
        }
        Msg::Exported { result } => match result {
            Ok(path) => toast(state, format!("exported to {}", path.display()), false),
            Err(why) => toast(state, why, true),
        },
        Msg::ToastExpired(id) => {
            state.toasts.retain(|t| t.id != id);
            Vec::new()
        }
    }
}

/// Shows a toast and schedules its expiry.
pub fn toast(state: &mut State, text: String, error: bool) -> Vec<Effect> {
    let id = state.next_id();
    state.toasts.push(Toast { id, text, error });
    if state.toasts.len() > MAX_TOASTS {
        state.toasts.remove(0);
    }
    vec![Effect::ExpireToast {
        id,
        after: TOAST_TIME,
    }]
}

fn input(state: &mut State, event: Event) -> Vec<Effect> {
    match event {
        Event::Resize(width, height) => {
            state.size = (width, height);
            keep_visible(state);
            Vec::new()
        }
        Event::Key(key) if key.kind != KeyEventKind::Release => key_press(state, key),
        Event::Mouse(mouse) => {
            mouse_event(state, mouse);
            Vec::new()
        }
        Event::Paste(text) => {
            paste(state, &text);
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn key_press(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        state.quit = true;
        return Vec::new();
    }
    match &state.dialog {
        Some(Dialog::Command(_)) => return views::command_key(state, key),
        Some(Dialog::Editor(_)) => return write::editor_key(state, key),
        Some(Dialog::Preview(_)) => return write::preview_key(state, key),
        Some(Dialog::Help) => {
            if matches!(
                state.keys.action(&key),
                Some(Action::Back | Action::Help | Action::Quit | Action::Open)
            ) {
                state.dialog = None;
            }
            return Vec::new();
        }
        None => {}
    }
    if matches!(state.screen, Screen::Browse) && state.users.filtering {
        return filter_key(state, key);
    }
    if let Screen::Audit(audit) = &state.screen
        && audit.filtering
    {
        return views::audit_filter_key(state, key);
    }
    let Some(action) = state.keys.action(&key) else {
        return Vec::new();
    };
    match action {
        Action::Quit => {
            state.quit = true;
            Vec::new()
        }
        Action::Help => {
            state.dialog = Some(Dialog::Help);
            Vec::new()
        }
        Action::Command => {
            state.dialog = Some(Dialog::Command(String::new()));
            Vec::new()
        }
        _ => match state.screen {
            Screen::Browse => browse_action(state, action),
            Screen::Audit(_) => views::audit_action(state, action),
            Screen::Person(_) => views::person_action(state, action),
        },
    }
}

fn browse_action(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Up => move_selection(state, -1),
        Action::Down => move_selection(state, 1),
        Action::NextPane | Action::PrevPane => {
            let order = [Focus::Connections, Focus::Users, Focus::Detail];
            let at = order.iter().position(|f| *f == state.focus).unwrap_or(0);
            let step = if action == Action::NextPane { 1 } else { 2 };
            state.focus = order[(at + step) % 3];
            keep_visible(state);
        }
        Action::Open => match state.focus {
            Focus::Connections => state.focus = Focus::Users,
            Focus::Users => return open_selected_user(state),
            Focus::Detail => return write::open_attribute_editor(state),
        },
        Action::Back => match state.focus {
            Focus::Detail => state.focus = Focus::Users,
            Focus::Users if !state.users.filter.is_empty() => {
                state.users.filter.clear();
                refilter(state);
            }
            Focus::Users => state.focus = Focus::Connections,
            Focus::Connections => {}
        },
        Action::Filter => {
            state.focus = Focus::Users;
            state.users.filtering = true;
        }
        Action::Raw => {
            if let Some(detail) = &mut state.detail {
                detail.raw = !detail.raw;
                detail.offset = 0;
                state.focus = Focus::Detail;
            }
        }
        Action::Refresh => return refresh(state),
        Action::Edit => return write::open_attribute_editor(state),
        Action::Update => return write::open_update(state),
        Action::Replace => return write::open_replace(state),
        Action::Create => return write::open_create(state),
        Action::Delete => return write::delete_value(state),
        Action::Undo => return write::undo_last(state),
        Action::Audit => return views::open_audit(state, false),
        Action::Person => return views::open_person(state),
        Action::Quit | Action::Help | Action::Command => {}
    }
    Vec::new()
}

fn filter_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    match key.code {
        KeyCode::Esc => {
            state.users.filtering = false;
            state.users.filter.clear();
            refilter(state);
        }
        KeyCode::Enter => state.users.filtering = false,
        KeyCode::Backspace => {
            state.users.filter.pop();
            refilter(state);
            return search_server(state);
        }
        KeyCode::Up => move_selection(state, -1),
        KeyCode::Down => move_selection(state, 1),
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            state.users.filter.push(c);
            refilter(state);
            return search_server(state);
        }
        _ => {}
    }
    Vec::new()
}

/// While the selected connection is still loading, the filter text is also searched on the
/// server (the runner waits for a pause in typing), so matches not yet loaded show up.
fn search_server(state: &mut State) -> Vec<Effect> {
    let conn = state.selected_conn;
    let loading = state
        .connections
        .get(conn)
        .is_some_and(|c| c.request.is_some() && c.capabilities.is_some());
    let text = state.users.filter.trim().to_owned();
    if !loading || text.is_empty() {
        state.search_request = None;
        return Vec::new();
    }
    let request = state.next_id();
    state.search_request = Some(request);
    vec![Effect::Search {
        conn,
        request,
        text,
    }]
}

/// Adds the users a server-side search found that the listing has not brought yet.
fn search_done(
    state: &mut State,
    conn: usize,
    request: RequestId,
    result: Result<Vec<UserSummary>, ServiceError>,
) {
    if state.search_request != Some(request) {
        return;
    }
    state.search_request = None;
    let found = match result {
        Ok(found) => found,
        Err(error) => {
            toast(state, format!("search failed: {error}"), true);
            return;
        }
    };
    let Some(connection) = state.connections.get_mut(conn) else {
        return;
    };
    let mut new: std::collections::HashMap<&str, &UserSummary> =
        found.iter().map(|u| (u.id.as_str(), u)).collect();
    for loaded in &connection.users {
        new.remove(loaded.id.as_str());
    }
    if new.is_empty() {
        return;
    }
    let start = connection.users.len();
    let searched = state.searched.entry(conn).or_default();
    for user in found.iter().filter(|u| new.contains_key(u.id.as_str())) {
        searched.insert(user.id.clone());
        connection.users.push(user.clone());
    }
    if conn == state.selected_conn {
        state.users.extend(&state.connections[conn].users, start);
        keep_visible(state);
    }
}

fn paste(state: &mut State, text: &str) {
    match &mut state.dialog {
        Some(Dialog::Editor(editor)) => write::paste(editor, text),
        Some(Dialog::Command(line)) => line.push_str(&crate::text::sanitize(text)),
        Some(_) => {}
        None if state.users.filtering => {
            state.users.filter.push_str(&crate::text::sanitize(text));
            refilter(state);
        }
        None => {}
    }
}

/// Re-applies the users filter and keeps the selection visible.
pub fn refilter(state: &mut State) {
    if let Some(conn) = state.connections.get(state.selected_conn) {
        state.users.refilter(&conn.users);
    }
    keep_visible(state);
}

fn move_selection(state: &mut State, delta: isize) {
    match state.focus {
        Focus::Connections => {
            let n = state.connections.len();
            let next = step(state.selected_conn, delta, n);
            if next != state.selected_conn {
                select_connection(state, next);
            }
        }
        Focus::Users => {
            state.users.selected = step(state.users.selected, delta, state.users.visible.len());
        }
        Focus::Detail => {
            if let Some(detail) = &mut state.detail {
                if detail.raw {
                    detail.offset = detail.offset.saturating_add_signed(delta);
                } else {
                    let n = detail.record.as_ref().map_or(0, |r| r.attributes.len());
                    detail.selected = step(detail.selected, delta, n);
                }
            }
        }
    }
    keep_visible(state);
}

fn step(at: usize, delta: isize, len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    at.saturating_add_signed(delta).min(len - 1)
}

/// Makes a connection the selected one: its users fill the table.
pub fn select_connection(state: &mut State, conn: usize) {
    state.selected_conn = conn;
    state.users.reset();
    refilter(state);
    if state.detail.as_ref().is_some_and(|d| d.conn != conn) {
        state.detail = None;
    }
}

/// The browse screen's pane rectangles for the current size and focus.
pub fn browse_areas(state: &State) -> layout::Areas {
    let (width, height) = state.size;
    layout::areas(
        Rect::new(0, 0, width, height),
        state.connections.len(),
        state.focus,
    )
}

/// Scrolls the users table so the selection stays in view.
pub fn keep_visible(state: &mut State) {
    let rows = layout::rows_in(browse_areas(state).users, TABLE_CHROME);
    let list = &mut state.users;
    list.selected = list.selected.min(list.visible.len().saturating_sub(1));
    list.offset = layout::scroll_to(list.selected, list.offset, rows);
    views::keep_audit_visible(state);
}

fn mouse_event(state: &mut State, mouse: MouseEvent) {
    if state.dialog.is_some() {
        return;
    }
    if !matches!(state.screen, Screen::Browse) {
        views::audit_mouse(state, mouse);
        return;
    }
    let areas = browse_areas(state);
    let at = Position::new(mouse.column, mouse.row);
    let pane = if areas.connections.contains(at) {
        Focus::Connections
    } else if areas.users.contains(at) {
        Focus::Users
    } else if areas.detail.contains(at) {
        Focus::Detail
    } else {
        return;
    };
    match mouse.kind {
        MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
            let delta = if mouse.kind == MouseEventKind::ScrollDown {
                1
            } else {
                -1
            };
            state.focus = pane;
            move_selection(state, delta);
        }
        MouseEventKind::Down(MouseButton::Left) => {
            state.focus = pane;
            match pane {
                Focus::Connections => {
                    let row = usize::from(mouse.row.saturating_sub(areas.connections.y + 1));
                    let index = connection_window(state) + row;
                    if index < state.connections.len() && index != state.selected_conn {
                        select_connection(state, index);
                    }
                }
                Focus::Users => {
                    if let Some(row) = mouse.row.checked_sub(areas.users.y + 2) {
                        let index = state.users.offset + usize::from(row);
                        if index < state.users.visible.len() {
                            state.users.selected = index;
                        }
                    }
                }
                Focus::Detail => {}
            }
            keep_visible(state);
        }
        _ => {}
    }
}

/// The first connection drawn in the connections pane.
pub fn connection_window(state: &State) -> usize {
    let rows = layout::rows_in(browse_areas(state).connections, 2);
    state.selected_conn.saturating_sub(rows.saturating_sub(1))
}

/// Starts listing a connection's users (None when it could not be opened).
fn load_users(state: &mut State, conn: usize) -> Option<Effect> {
    let request = state.next_id();
    let connection = state.connections.get_mut(conn)?;
    connection.capabilities?;
    connection.request = Some(request);
    connection.status = ConnStatus::Connecting;
    connection.users.clear();
    connection.total = None;
    state.searched.remove(&conn);
    Some(Effect::LoadUsers { conn, request })
}

fn users_page(state: &mut State, conn: usize, request: RequestId, page: UsersPage) {
    let Some(connection) = state.connections.get_mut(conn) else {
        return;
    };
    if connection.request != Some(request) {
        return;
    }
    let start = connection.users.len();
    match state.searched.get(&conn).filter(|ids| !ids.is_empty()) {
        // Users a server-side search already added are not added twice.
        Some(searched) => connection
            .users
            .extend(page.users.into_iter().filter(|u| !searched.contains(&u.id))),
        None => connection.users.extend(page.users),
    }
    connection.total = page.total.or(connection.total);
    connection.status = ConnStatus::Loading;
    if conn == state.selected_conn {
        let users = &state.connections[conn].users;
        state.users.extend(users, start);
        keep_visible(state);
    }
}

fn users_listed(
    state: &mut State,
    conn: usize,
    request: RequestId,
    result: Result<(), ServiceError>,
) {
    let Some(connection) = state.connections.get_mut(conn) else {
        return;
    };
    if connection.request != Some(request) {
        return;
    }
    connection.request = None;
    connection.status = match result {
        Ok(()) => ConnStatus::Ready,
        Err(error) => ConnStatus::Failed(error.to_string()),
    };
}

fn open_selected_user(state: &mut State) -> Vec<Effect> {
    let Some(user) = state.selected_user() else {
        return Vec::new();
    };
    let id = user.id.clone();
    let conn = state.selected_conn;
    state.focus = Focus::Detail;
    keep_visible(state);
    read_into_detail(state, conn, id)
}

/// Points the detail pane at a user and reads the record.
pub fn read_into_detail(state: &mut State, conn: usize, id: String) -> Vec<Effect> {
    let request = state.next_id();
    let keep = state
        .detail
        .as_ref()
        .filter(|d| d.conn == conn && d.user_id == id);
    let (selected, raw, record) =
        keep.map_or((0, false, None), |d| (d.selected, d.raw, d.record.clone()));
    state.detail = Some(DetailState {
        conn,
        user_id: id.clone(),
        record,
        request: Some(request),
        error: None,
        selected,
        offset: 0,
        raw,
        wanted_attribute: None,
    });
    vec![Effect::ReadUser { conn, request, id }]
}

fn user_read(
    state: &mut State,
    conn: usize,
    request: RequestId,
    result: Result<Box<UserRecord>, ServiceError>,
) -> Vec<Effect> {
    if state.find_request == Some((conn, request)) {
        state.find_request = None;
        return match result {
            Ok(record) => {
                show_found(state, conn, record);
                Vec::new()
            }
            Err(error) => toast(state, error.to_string(), true),
        };
    }
    let Some(detail) = state.detail.as_mut() else {
        return Vec::new();
    };
    if detail.request != Some(request) || detail.conn != conn {
        return Vec::new();
    }
    detail.request = None;
    match result {
        Ok(record) => {
            detail.error = None;
            detail.selected = match detail.wanted_attribute.take() {
                Some(name) => record.attributes.iter().position(|a| a.name == name),
                None => None,
            }
            .unwrap_or(detail.selected)
            .min(record.attributes.len().saturating_sub(1));
            remember_summary(state, conn, &record);
            if let Some(detail) = state.detail.as_mut() {
                detail.record = Some(record);
            }
            Vec::new()
        }
        Err(error) => {
            let text = error.to_string();
            detail.error = Some(text.clone());
            toast(state, text, true)
        }
    }
}

/// Shows a record found by `:user` and selects its row when the list has it.
fn show_found(state: &mut State, conn: usize, record: Box<UserRecord>) {
    if conn != state.selected_conn {
        select_connection(state, conn);
    }
    remember_summary(state, conn, &record);
    select_user_id(state, &record.id);
    state.detail = Some(DetailState {
        conn,
        user_id: record.id.clone(),
        record: Some(record),
        request: None,
        error: None,
        selected: 0,
        offset: 0,
        raw: false,
        wanted_attribute: None,
    });
    state.focus = Focus::Detail;
    keep_visible(state);
}

/// Selects the row of a user id in the table, clearing the filter if it hides the row.
pub fn select_user_id(state: &mut State, id: &str) {
    let Some(index) = state
        .connection()
        .and_then(|c| c.users.iter().position(|u| u.id == id))
    else {
        return;
    };
    if !state.users.visible.contains(&index) {
        state.users.filter.clear();
        refilter(state);
    }
    if let Some(at) = state.users.visible.iter().position(|v| *v == index) {
        state.users.selected = at;
    }
    keep_visible(state);
}

/// Keeps the table row of a freshly read record in step with it (a new user is added).
fn remember_summary(state: &mut State, conn: usize, record: &UserRecord) {
    let Some(connection) = state.connections.get_mut(conn) else {
        return;
    };
    let summary = record.summary();
    let complete = connection.complete();
    match connection.users.iter_mut().find(|u| u.id == summary.id) {
        Some(row) => {
            *row = summary;
            if conn == state.selected_conn {
                state.users.rows_changed();
            }
        }
        None if complete => {
            connection.users.push(summary);
            connection.total = connection.total.map(|t| t + 1);
            if conn == state.selected_conn {
                refilter(state);
            }
        }
        None => {}
    }
}

fn refresh(state: &mut State) -> Vec<Effect> {
    let conn = state.selected_conn;
    let mut effects: Vec<Effect> = load_users(state, conn).into_iter().collect();
    state.users.reset();
    if let Some(detail) = &state.detail {
        let (conn, id) = (detail.conn, detail.user_id.clone());
        effects.extend(read_into_detail(state, conn, id));
    }
    effects
}
