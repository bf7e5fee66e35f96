//! The detail pane in the update function: a record arrived (for the pane or for a `:user`
//! lookup), and the users table follows what it shows. No I/O.

use crate::app::msg::{Effect, RequestId};
use crate::app::state::{DetailState, Focus, State};
use crate::domain::UserRecord;
use crate::service::ServiceError;

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
