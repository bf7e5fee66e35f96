//! The audit view in the update function: starting a run, findings arriving, moving, filtering,
//! and jumping from a finding to the user's attribute.
//!
//! The audit reads every user of one or all connections (bounded concurrency in the effect
//! runner, which audits each record as it arrives and sends only the findings); here they are
//! appended to the view's index. No I/O here.

use crossterm::event::{KeyEvent, MouseEvent, MouseEventKind};

use super::{Typed, page_rows, type_into};
use crate::app::audit::{AuditLine, AuditState};
use crate::app::keymap::Action;
use crate::app::motion::Motion;
use crate::app::msg::{Effect, RequestId};
use crate::app::state::{Focus, Screen, State};
use crate::domain::audit::UserAudit;
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
            audit.finish_connection();
            let name = state.connections[conn].name.clone();
            state.toast(format!("audit of {name}: {error}"), true)
        }
    }
}

/// Audited records of a run arrived: append their findings.
pub fn audit_read(
    state: &mut State,
    request: RequestId,
    conn: usize,
    audits: Vec<Result<UserAudit, ServiceError>>,
    last: bool,
) -> Vec<Effect> {
    let name = state
        .connections
        .get(conn)
        .map(|c| c.name.clone())
        .unwrap_or_default();
    let Some(audit) = audit_mut(state, request) else {
        return Vec::new();
    };
    let mut first_error = None;
    let mut read = Vec::with_capacity(audits.len());
    for result in audits {
        audit.done += 1;
        match result {
            Ok(user) => read.push(user),
            Err(error) => {
                audit.failed += 1;
                if audit.failed == 1 {
                    first_error = Some(error.to_string());
                }
            }
        }
    }
    audit.add_all(conn, &name, read);
    if last {
        audit.finish_connection();
    }
    state.keep_visible();
    match first_error {
        Some(error) => state.toast(format!("audit: cannot read a user: {error}"), true),
        None => Vec::new(),
    }
}

/// Keys in the audit view.
pub fn action(state: &mut State, action: Action) -> Vec<Effect> {
    let page = page_rows(state);
    let Screen::Audit(audit) = &mut state.screen else {
        return Vec::new();
    };
    if let Some(motion) = Motion::of(action) {
        let at = motion.target(audit.selected(), audit.line_count(), page);
        audit.select(at);
        state.keep_visible();
        return Vec::new();
    }
    match action {
        Action::Filter => audit.filtering = true,
        Action::Back if !audit.filter.is_empty() => {
            audit.filter.clear();
            audit.refilter();
        }
        Action::Back => state.screen = Screen::Browse,
        Action::Audit => {
            let all = audit.conns.len() <= 1 && state.connections.len() > 1;
            return open(state, all);
        }
        Action::Refresh => {
            let conns = audit.conns.clone();
            return audit_run(state, conns);
        }
        Action::Open => match audit.selected_line() {
            AuditLine::Header(..) => audit.toggle_group(),
            AuditLine::Row(_) => return jump_to_finding(state),
            AuditLine::Summary(_) => {
                return state.toast(
                    "a summary stands for every user: filter the users by it, or open one"
                        .to_owned(),
                    false,
                );
            }
        },
        Action::Collapse => audit.toggle_group(),
        Action::NextGroup => audit.jump_group(1),
        Action::PrevGroup => audit.jump_group(-1),
        Action::KindFilter => audit.cycle_kind(),
        Action::NextMatch => audit.step(1),
        Action::PrevMatch => audit.step(-1),
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
    match type_into(&mut audit.filter, &key) {
        Typed::Changed => audit.refilter(),
        Typed::Cleared => {
            audit.filtering = false;
            audit.refilter();
        }
        Typed::Kept => audit.filtering = false,
        Typed::Moved(delta) => audit.step(delta),
        Typed::Ignored => return Vec::new(),
    }
    state.keep_visible();
    Vec::new()
}

/// Mouse in the audit view: the wheel moves the selection, a click selects a line.
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
                if index < audit.line_count() {
                    audit.select(index);
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
