//! The audit view in the update function: starting a run, findings arriving, moving, filtering,
//! and jumping from a finding to the user's attribute.
//!
//! The audit reads every user of one or all connections (bounded concurrency in the effect
//! runner) and runs `domain::audit::audit_record` on each record as it arrives. No I/O here.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};

use crate::app::audit::{AuditLine, AuditRow, AuditState};
use crate::app::keymap::Action;
use crate::app::msg::{Effect, RequestId};
use crate::app::state::{Focus, Screen, State};
use crate::domain::UserRecord;
use crate::domain::audit::audit_record;
use crate::service::ServiceError;

/// Opens the audit view over the selected connection, or over every open connection.
pub fn open(state: &mut State, all: bool) -> Vec<Effect> {
    let conns: Vec<usize> = if all {
        (0..state.connections.len())
            .filter(|c| state.connections[*c].capabilities.is_some())
            .collect()
    } else {
        vec![state.selected_conn]
            .into_iter()
            .filter(|c| {
                state
                    .connections
                    .get(*c)
                    .is_some_and(|c| c.capabilities.is_some())
            })
            .collect()
    };
    if conns.is_empty() {
        return state.toast("no open connection to audit".to_owned(), true);
    }
    audit_run(state, conns)
}

fn audit_run(state: &mut State, conns: Vec<usize>) -> Vec<Effect> {
    let request = state.next_id();
    let targets = conns
        .iter()
        .map(|&conn| {
            let c = &state.connections[conn];
            let ids = c
                .complete()
                .then(|| c.users.iter().map(|u| u.id.clone()).collect());
            (conn, ids)
        })
        .collect();
    state.screen = Screen::Audit(Box::new(AuditState::new(request, conns)));
    vec![Effect::Audit { request, targets }]
}

fn audit_mut(state: &mut State, request: RequestId) -> Option<&mut AuditState> {
    match &mut state.screen {
        Screen::Audit(audit) if audit.request == request => Some(audit),
        _ => None,
    }
}

/// A connection of an audit run was listed (or could not be).
pub fn audit_sized(
    state: &mut State,
    request: RequestId,
    conn: usize,
    result: Result<usize, ServiceError>,
) -> Vec<Effect> {
    let Some(audit) = audit_mut(state, request) else {
        return Vec::new();
    };
    match result {
        Ok(count) => {
            audit.total += count;
            Vec::new()
        }
        Err(error) => {
            audit.running = audit.running.saturating_sub(1);
            let name = state.connections[conn].name.clone();
            state.toast(format!("audit of {name}: {error}"), true)
        }
    }
}

/// Records of an audit run arrived: add their findings.
pub fn audit_read(
    state: &mut State,
    request: RequestId,
    conn: usize,
    records: Vec<Result<Box<UserRecord>, ServiceError>>,
    last: bool,
) -> Vec<Effect> {
    let Some(audit) = audit_mut(state, request) else {
        return Vec::new();
    };
    let mut first_error = None;
    let mut rows = Vec::new();
    for record in records {
        audit.done += 1;
        match record {
            Ok(record) => rows.extend(audit_record(&record).into_iter().map(|finding| AuditRow {
                conn,
                user_id: record.id.clone(),
                finding,
            })),
            Err(error) => {
                audit.failed += 1;
                if audit.failed == 1 {
                    first_error = Some(error.to_string());
                }
            }
        }
    }
    audit.add(rows);
    if last {
        audit.running = audit.running.saturating_sub(1);
    }
    state.keep_visible();
    match first_error {
        Some(error) => state.toast(format!("audit: cannot read a user: {error}"), true),
        None => Vec::new(),
    }
}

/// Keys in the audit view.
pub fn action(state: &mut State, action: Action) -> Vec<Effect> {
    let Screen::Audit(audit) = &mut state.screen else {
        return Vec::new();
    };
    match action {
        Action::Up => audit.step(-1),
        Action::Down => audit.step(1),
        Action::Filter => audit.filtering = true,
        Action::Back => state.screen = Screen::Browse,
        Action::Audit => {
            let all = audit.conns.len() <= 1 && state.connections.len() > 1;
            return open(state, all);
        }
        Action::Refresh => {
            let conns = audit.conns.clone();
            return audit_run(state, conns);
        }
        Action::Open => return jump_to_finding(state),
        _ => {}
    }
    state.keep_visible();
    Vec::new()
}

/// Typing the audit filter.
pub fn filter_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Screen::Audit(audit) = &mut state.screen else {
        return Vec::new();
    };
    match key.code {
        KeyCode::Esc => {
            audit.filtering = false;
            audit.filter.clear();
        }
        KeyCode::Enter => audit.filtering = false,
        KeyCode::Backspace => {
            audit.filter.pop();
        }
        KeyCode::Up => audit.step(-1),
        KeyCode::Down => audit.step(1),
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => audit.filter.push(c),
        _ => return Vec::new(),
    }
    if !matches!(key.code, KeyCode::Up | KeyCode::Down | KeyCode::Enter) {
        let keep = audit.selected_row().cloned();
        audit.rebuild(keep.as_ref());
    }
    state.keep_visible();
    Vec::new()
}

/// Mouse in the audit view: the wheel moves the selection, a click selects a finding.
pub fn mouse(state: &mut State, mouse: MouseEvent) {
    let area = state.browse_areas().main;
    let Screen::Audit(audit) = &mut state.screen else {
        return;
    };
    match mouse.kind {
        MouseEventKind::ScrollDown => audit.step(1),
        MouseEventKind::ScrollUp => audit.step(-1),
        MouseEventKind::Down(_) => {
            if let Some(row) = mouse.row.checked_sub(area.y + 2) {
                let index = audit.offset + usize::from(row);
                if matches!(audit.lines.get(index), Some(AuditLine::Row(_))) {
                    audit.selected = index;
                }
            }
        }
        _ => {}
    }
    state.keep_visible();
}

fn jump_to_finding(state: &mut State) -> Vec<Effect> {
    let Screen::Audit(audit) = &state.screen else {
        return Vec::new();
    };
    let Some(row) = audit.selected_row().cloned() else {
        return Vec::new();
    };
    state.screen = Screen::Browse;
    if row.conn != state.selected_conn {
        state.select_connection(row.conn);
    }
    state.select_user_id(&row.user_id);
    state.focus = Focus::Detail;
    let effects = state.read_into_detail(row.conn, row.user_id.clone());
    if let Some(detail) = state.detail.as_mut() {
        detail.wanted_attribute = Some(row.finding.attribute.clone());
    }
    effects
}
