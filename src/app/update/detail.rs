//! The detail pane in the update function: it follows the users table's selection (a read after
//! a pause in moving, so holding `j` does not read every user), a record arrived (for the pane or
//! for a `:user` lookup), and the search over the attributes (`/`, `n`/`N`). No I/O.

use std::time::Duration;

use crossterm::event::KeyEvent;

use super::{Typed, type_into};
use crate::app::detail::searched_text;
use crate::app::filter::Filter;
use crate::app::msg::{Effect, RequestId};
use crate::app::state::{DetailState, Focus, Screen, State};
use crate::domain::UserRecord;
use crate::service::ServiceError;

/// The pause in moving the selection after which the detail reads the highlighted user.
pub const FOLLOW_DELAY: Duration = Duration::from_millis(150);

/// When the users table has the focus and its selected user is not the one the detail shows,
/// points the detail at that user (showing whose detail is coming) and asks to be woken after a
/// pause to read it.
pub fn follow_selection(state: &mut State) -> Vec<Effect> {
    if !matches!(state.screen, Screen::Browse) || state.focus != Focus::Users {
        return Vec::new();
    }
    let conn = state.selected_conn;
    let Some(id) = state.selected_user().map(|u| u.id.clone()) else {
        return Vec::new();
    };
    let row = state.users.visible.get(state.users.selected).copied();
    if state
        .detail
        .as_ref()
        .is_some_and(|d| d.conn == conn && d.user_id == id)
    {
        return Vec::new();
    }
    if state.connection().is_none_or(|c| c.capabilities.is_none()) {
        return Vec::new();
    }
    let request = state.next_id();
    state.detail = Some(DetailState {
        request: Some(request),
        waiting: true,
        row,
        ..DetailState::new(conn, id)
    });
    vec![Effect::Wake {
        request,
        after: FOLLOW_DELAY,
    }]
}

/// The pause is over: read the user, if the detail still waits for this one.
pub fn woken(state: &mut State, request: RequestId) -> Vec<Effect> {
    let Some(detail) = state.detail.as_mut() else {
        return Vec::new();
    };
    if !detail.waiting || detail.request != Some(request) {
        return Vec::new();
    }
    detail.waiting = false;
    vec![Effect::ReadUser {
        conn: detail.conn,
        request,
        id: detail.user_id.clone(),
    }]
}

/// `/` in the detail pane: search the attributes.
pub fn start_search(state: &mut State) {
    if let Some(detail) = state.detail.as_mut() {
        detail.searching = true;
    }
}

/// A key while the attribute search is typed: the selection jumps to the first match.
pub fn search_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(detail) = state.detail.as_mut() else {
        return Vec::new();
    };
    match type_into(&mut detail.search, &key) {
        Typed::Changed => {
            let first = detail.selected;
            detail.selected = 0;
            if !jump_to_match(detail, 1, true) {
                detail.selected = first;
            }
        }
        Typed::Kept | Typed::Cleared => detail.searching = false,
        Typed::Moved(delta) => {
            jump_to_match(detail, delta, false);
        }
        Typed::Ignored => {}
    }
    Vec::new()
}

/// `n`/`N` in the detail pane: the next or previous attribute matching the search.
pub fn next_match(state: &mut State, delta: isize) {
    if let Some(detail) = state.detail.as_mut() {
        jump_to_match(detail, delta, false);
    }
}

/// Selects the next attribute (from the selected one, or including it) that the search matches;
/// false when none does.
fn jump_to_match(detail: &mut DetailState, delta: isize, including: bool) -> bool {
    let Some(record) = &detail.record else {
        return false;
    };
    let mut filter = Filter::new(&detail.search);
    let n = record.attributes.len();
    for step in 0..n {
        let offset = if including { step } else { step + 1 } as isize * delta.signum();
        let at = (detail.selected as isize + offset).rem_euclid(n.max(1) as isize) as usize;
        if record
            .attributes
            .get(at)
            .is_some_and(|a| filter.matches(searched_text(a)))
        {
            detail.selected = at;
            return true;
        }
    }
    false
}

/// A user record was read.
pub fn user_read(
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
            Err(error) => state.toast(error.to_string(), true),
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
            state.toast(text, true)
        }
    }
}

/// Shows a record found by `:user` and selects its row when the list has it.
fn show_found(state: &mut State, conn: usize, record: Box<UserRecord>) {
    if conn != state.selected_conn {
        state.select_connection(conn);
    }
    remember_summary(state, conn, &record);
    state.select_user_id(&record.id);
    let record_id = record.id.clone();
    state.detail = Some(DetailState {
        record: Some(record),
        ..DetailState::new(conn, record_id)
    });
    state.focus = Focus::Detail;
    state.keep_visible();
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
                state.refilter();
            }
        }
        None => {}
    }
}
