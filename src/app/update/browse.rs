//! The browse screen in the update function: the connections pane, the users table and its filter,
//! listing replies and the server-side search while a listing loads. No I/O.

use crossterm::event::{KeyEvent, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Position;

use super::{Typed, attribute, audit, batch, detail, page_rows, person, type_into, write};
use crate::app::keymap::Action;
use crate::app::motion::Motion;
use crate::app::msg::{Effect, RequestId};
use crate::app::state::{ConnStatus, Focus, State};
use crate::domain::UserSummary;
use crate::service::{ServiceError, UsersPage};

/// An action on the browse screen.
pub fn action(state: &mut State, action: Action) -> Vec<Effect> {
    if let Some(motion) = Motion::of(action) {
        move_selection(state, motion);
        return Vec::new();
    }
    match action {
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
            Focus::Detail => {
                return attribute::open_from_detail(state)
                    .unwrap_or_else(|| write::open_attribute_editor(state));
            }
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
        Action::Filter if state.focus == Focus::Detail && state.shown_detail().is_some() => {
            detail::start_search(state);
        }
        Action::Filter => {
            state.focus = Focus::Users;
            state.users.filtering = true;
        }
        Action::NextMatch | Action::PrevMatch => {
            let delta = if action == Action::NextMatch { 1 } else { -1 };
            match state.focus {
                Focus::Detail => detail::next_match(state, delta),
                _ => {
                    let len = state.users.visible.len().max(1);
                    let at = state.users.selected as isize + delta;
                    state.users.selected = at.rem_euclid(len as isize) as usize;
                    state.keep_visible();
                }
            }
        }
        Action::Sort | Action::SortReverse => {
            if let Some(conn) = state.connections.get(state.selected_conn) {
                if action == Action::Sort {
                    state.users.cycle_sort(&conn.users);
                } else {
                    state.users.reverse_sort(&conn.users);
                }
            }
            state.focus = Focus::Users;
            state.keep_visible();
        }
        Action::ExternalEdit => return write::open_external(state),
        Action::Raw => {
            if let Some(detail) = &mut state.detail {
                detail.raw = !detail.raw;
                detail.offset = 0;
                state.focus = Focus::Detail;
            }
        }
        Action::Refresh => return refresh(state),
        Action::Mark => mark_selected(state),
        Action::MarkAll => mark_matching(state),
        Action::Edit | Action::Delete | Action::Update if state.marked() > 0 => {
            return batch::start(state, action);
        }
        Action::Edit => return write::open_attribute_editor(state),
        Action::Update => return write::open_update(state),
        Action::Replace => return write::open_replace(state),
        Action::Create => return write::open_create(state),
        Action::Delete => return write::delete_value(state),
        Action::Undo => return write::undo_last(state),
        Action::Audit => return audit::open(state, false),
        Action::Person => return person::open(state),
        Action::Quit
        | Action::Help
        | Action::Command
        | Action::Yank
        | Action::Collapse
        | Action::NextGroup
        | Action::PrevGroup
        | Action::KindFilter
        | Action::Journal
        | Action::Up
        | Action::Down
        | Action::PageUp
        | Action::PageDown
        | Action::HalfPageUp
        | Action::HalfPageDown
        | Action::Top
        | Action::Bottom => {}
    }
    Vec::new()
}

/// `Space`: marks or unmarks the selected user, and moves down (as file managers do).
fn mark_selected(state: &mut State) {
    let Some(id) = state.selected_user().map(|u| u.id.clone()) else {
        return;
    };
    state.marks.toggle(state.selected_conn, &id);
    if state.focus == Focus::Users {
        move_selection(state, Motion::Step(1));
    }
}

/// `*`: marks every user the filter shows (all users without a filter); when they all are
/// marked already, unmarks every user of the connection.
fn mark_matching(state: &mut State) {
    let conn = state.selected_conn;
    let Some(connection) = state.connections.get(conn) else {
        return;
    };
    let ids = state
        .users
        .visible
        .iter()
        .filter_map(|index| connection.users.get(*index))
        .map(|u| u.id.as_str());
    state.marks.toggle_all(conn, ids);
}

/// A key while the users filter is being typed.
pub fn filter_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    match type_into(&mut state.users.filter, &key) {
        Typed::Cleared => {
            state.users.filtering = false;
            state.refilter();
        }
        Typed::Kept => state.users.filtering = false,
        Typed::Changed => {
            state.refilter();
            return search_server(state);
        }
        Typed::Moved(delta) => move_selection(state, Motion::Step(delta)),
        Typed::Ignored => {}
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

/// Moves the selection of the focused pane.
pub fn move_selection(state: &mut State, motion: Motion) {
    let page = page_rows(state);
    match state.focus {
        Focus::Connections => {
            let next = motion.target(state.selected_conn, state.connections.len(), page);
            if next != state.selected_conn {
                state.select_connection(next);
            }
        }
        Focus::Users => {
            state.users.selected =
                motion.target(state.users.selected, state.users.visible.len(), page);
        }
        Focus::Detail => {
            if let Some(detail) = &mut state.detail {
                if detail.raw {
                    detail.offset = motion.target(detail.offset, usize::MAX, page);
                } else {
                    let n = detail.record.as_ref().map_or(0, |r| r.attributes.len());
                    detail.selected = motion.target(detail.selected, n, page);
                }
            }
        }
    }
    state.keep_visible();
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
            move_selection(state, Motion::Step(delta));
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
