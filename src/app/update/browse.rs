//! The browse screen in the update function: the connections pane, the users table and its filter,
//! listing replies and the server-side search while a listing loads. No I/O.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Position;

use super::{audit, person, write};
use crate::app::keymap::Action;
use crate::app::msg::{Effect, RequestId};
use crate::app::state::{ConnStatus, Focus, State};
use crate::domain::UserSummary;
use crate::service::{ServiceError, UsersPage};

/// An action on the browse screen.
pub fn action(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Up => move_selection(state, -1),
        Action::Down => move_selection(state, 1),
        Action::NextPane | Action::PrevPane => {
            let order = [Focus::Connections, Focus::Users, Focus::Detail];
            let at = order.iter().position(|f| *f == state.focus).unwrap_or(0);
            let step = if action == Action::NextPane { 1 } else { 2 };
            state.focus = order[(at + step) % 3];
            state.keep_visible();
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
                state.refilter();
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
        Action::Audit => return audit::open(state, false),
        Action::Person => return person::open(state),
        Action::Quit | Action::Help | Action::Command => {}
    }
    Vec::new()
}

/// A key while the users filter is being typed.
pub fn filter_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    match key.code {
        KeyCode::Esc => {
            state.users.filtering = false;
            state.users.filter.clear();
            state.refilter();
        }
        KeyCode::Enter => state.users.filtering = false,
        KeyCode::Backspace => {
            state.users.filter.pop();
            state.refilter();
            return search_server(state);
        }
        KeyCode::Up => move_selection(state, -1),
        KeyCode::Down => move_selection(state, 1),
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            state.users.filter.push(c);
            state.refilter();
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
pub fn search_done(
    state: &mut State,
    conn: usize,
    request: RequestId,
    result: Result<Vec<UserSummary>, ServiceError>,
) -> Vec<Effect> {
    if state.search_request != Some(request) {
        return Vec::new();
    }
    state.search_request = None;
    let found = match result {
        Ok(found) => found,
        Err(error) => return state.toast(format!("search failed: {error}"), true),
    };
    let Some(connection) = state.connections.get_mut(conn) else {
        return Vec::new();
    };
    let mut new: std::collections::HashMap<&str, &UserSummary> =
        found.iter().map(|u| (u.id.as_str(), u)).collect();
    for loaded in &connection.users {
        new.remove(loaded.id.as_str());
    }
    if new.is_empty() {
        return Vec::new();
    }
    let start = connection.users.len();
    let searched = state.searched.entry(conn).or_default();
    for user in found.iter().filter(|u| new.contains_key(u.id.as_str())) {
        searched.insert(user.id.clone());
        connection.users.push(user.clone());
    }
    if conn == state.selected_conn {
        state.users.extend(&state.connections[conn].users, start);
        state.keep_visible();
    }
    Vec::new()
}

/// Moves the selection of the focused pane by `delta`.
pub fn move_selection(state: &mut State, delta: isize) {
    match state.focus {
        Focus::Connections => {
            let n = state.connections.len();
            let next = step(state.selected_conn, delta, n);
            if next != state.selected_conn {
                state.select_connection(next);
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
    state.keep_visible();
}

fn step(at: usize, delta: isize, len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    at.saturating_add_signed(delta).min(len - 1)
}

/// Mouse on the browse screen: a click focuses a pane and selects, the wheel moves.
pub fn mouse(state: &mut State, mouse: MouseEvent) {
    let areas = state.browse_areas();
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
                    let index = state.connection_window() + row;
                    if index < state.connections.len() && index != state.selected_conn {
                        state.select_connection(index);
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
            state.keep_visible();
        }
        _ => {}
    }
}

/// Starts listing a connection's users (None when it could not be opened).
pub fn load_users(state: &mut State, conn: usize) -> Option<Effect> {
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

/// A page of a listing arrived.
pub fn users_page(state: &mut State, conn: usize, request: RequestId, page: UsersPage) {
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
        state.keep_visible();
    }
}

/// A listing ended.
pub fn users_listed(
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
    state.keep_visible();
    state.read_into_detail(conn, id)
}

fn refresh(state: &mut State) -> Vec<Effect> {
    let conn = state.selected_conn;
    let mut effects: Vec<Effect> = load_users(state, conn).into_iter().collect();
    state.users.reset();
    if let Some(detail) = &state.detail {
        let (conn, id) = (detail.conn, detail.user_id.clone());
        effects.extend(state.read_into_detail(conn, id));
    }
    effects
}
