//! The audit view, the person view and the `:` command line, as parts of the update function.
//!
//! The audit reads every user of one or all connections (bounded concurrency in the effect
//! runner) and runs `domain::audit::audit_record` on each record as it arrives. The person view
//! looks the selected person up on every connection. Commands: `:conn NAME`, `:user ID`,
//! `:audit [NAME]`, `:export FILE`, `:help`, `:q`. No I/O here.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

use super::audit::{AuditRow, AuditState, ExportFormat};
use super::keymap::Action;
use super::layout;
use super::msg::{Effect, PersonLookup, RequestId};
use super::person::{PersonCell, PersonColumn, PersonState, locate};
use super::state::{Dialog, Focus, Screen, State};
use super::update::{read_into_detail, select_connection, select_user_id, toast};
use crate::domain::UserRecord;
use crate::domain::audit::audit_record;
use crate::service::ServiceError;

/// Lines of the audit screen that are not list lines: borders and the progress line.
const AUDIT_CHROME: u16 = 3;

/// Opens the audit view over the selected connection, or over every open connection.
pub fn open_audit(state: &mut State, all: bool) -> Vec<Effect> {
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
        return toast(state, "no open connection to audit".to_owned(), true);
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
            toast(state, format!("audit of {name}: {error}"), true)
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
    keep_audit_visible(state);
    match first_error {
        Some(error) => toast(state, format!("audit: cannot read a user: {error}"), true),
        None => Vec::new(),
    }
}

/// The audit screen's list rectangle.
fn audit_list_area(state: &State) -> Rect {
    super::update::browse_areas(state).main
}

/// Scrolls the audit list so its selection stays in view.
pub fn keep_audit_visible(state: &mut State) {
    let rows = layout::rows_in(audit_list_area(state), AUDIT_CHROME);
    if let Screen::Audit(audit) = &mut state.screen {
        audit.offset = layout::scroll_to(audit.selected, audit.offset, rows);
    }
}

/// Keys in the audit view.
pub fn audit_action(state: &mut State, action: Action) -> Vec<Effect> {
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
            return open_audit(state, all);
        }
        Action::Refresh => {
            let conns = audit.conns.clone();
            return audit_run(state, conns);
        }
        Action::Open => return jump_to_finding(state),
        _ => {}
    }
    keep_audit_visible(state);
    Vec::new()
}

/// Typing the audit filter.
pub fn audit_filter_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
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
    keep_audit_visible(state);
    Vec::new()
}

/// Mouse in the audit view: the wheel moves the selection, a click selects a finding.
pub fn audit_mouse(state: &mut State, mouse: MouseEvent) {
    let area = audit_list_area(state);
    let Screen::Audit(audit) = &mut state.screen else {
        return;
    };
    match mouse.kind {
        MouseEventKind::ScrollDown => audit.step(1),
        MouseEventKind::ScrollUp => audit.step(-1),
        MouseEventKind::Down(_) => {
            if let Some(row) = mouse.row.checked_sub(area.y + 2) {
                let index = audit.offset + usize::from(row);
                if matches!(
                    audit.lines.get(index),
                    Some(super::audit::AuditLine::Row(_))
                ) {
                    audit.selected = index;
                }
            }
        }
        _ => {}
    }
    keep_audit_visible(state);
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
        select_connection(state, row.conn);
    }
    select_user_id(state, &row.user_id);
    state.focus = Focus::Detail;
    let effects = read_into_detail(state, row.conn, row.user_id.clone());
    if let Some(detail) = state.detail.as_mut() {
        detail.wanted_attribute = Some(row.finding.attribute.clone());
    }
    effects
}

/// Opens the person view for the selected user (or the user in the detail pane).
pub fn open_person(state: &mut State) -> Vec<Effect> {
    let from_detail = state
        .record()
        .filter(|_| state.focus == super::state::Focus::Detail)
        .map(|r| (r.id.clone(), r.email.clone(), r.username.clone()));
    let from_list = || {
        state
            .selected_user()
            .map(|u| (u.id.clone(), u.email.clone(), u.username.clone()))
    };
    let Some((id, email, username)) = from_detail.or_else(from_list) else {
        return toast(state, "select a user first".to_owned(), true);
    };
    person_run(state, state.selected_conn, id, email, username)
}

fn person_run(
    state: &mut State,
    source: usize,
    id: String,
    email: Option<String>,
    username: Option<String>,
) -> Vec<Effect> {
    let request = state.next_id();
    let mut columns = Vec::new();
    let mut lookups = Vec::new();
    for (conn, c) in state.connections.iter().enumerate() {
        let cell = if c.capabilities.is_none() {
            PersonCell::Failed(match &c.status {
                super::state::ConnStatus::Failed(why) => why.clone(),
                _ => "not open".to_owned(),
            })
        } else if conn == source {
            lookups.push((conn, PersonLookup::Read(id.clone())));
            PersonCell::Pending
        } else if let Some(index) = locate(&c.users, email.as_deref(), username.as_deref()) {
            lookups.push((conn, PersonLookup::Read(c.users[index].id.clone())));
            PersonCell::Pending
        } else if c.complete() {
            PersonCell::Missing
        } else {
            let keys = email.iter().chain(username.iter()).cloned().collect();
            lookups.push((conn, PersonLookup::Find(keys)));
            PersonCell::Pending
        };
        columns.push(PersonColumn {
            conn,
            name: c.name.clone(),
            cell,
        });
    }
    let who = email.or(username).unwrap_or(id);
    state.screen = Screen::Person(Box::new(PersonState {
        request,
        who,
        columns,
    }));
    vec![Effect::FindPerson { request, lookups }]
}

/// A person lookup on one connection ended.
pub fn person_found(
    state: &mut State,
    request: RequestId,
    conn: usize,
    result: Result<Option<Box<UserRecord>>, ServiceError>,
) {
    let Screen::Person(person) = &mut state.screen else {
        return;
    };
    if person.request != request {
        return;
    }
    if let Some(column) = person.columns.iter_mut().find(|c| c.conn == conn) {
        column.cell = match result {
            Ok(Some(record)) => PersonCell::Found(record),
            Ok(None) => PersonCell::Missing,
            Err(error) => PersonCell::Failed(error.to_string()),
        };
    }
}

/// Keys in the person view: Back returns, Refresh looks again, Open shows the first record.
pub fn person_action(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Back => state.screen = Screen::Browse,
        Action::Refresh => return open_person(state),
        Action::Audit => return open_audit(state, false),
        _ => {}
    }
    Vec::new()
}

/// Keys on the `:` command line.
pub fn command_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(Dialog::Command(line)) = &mut state.dialog else {
        return Vec::new();
    };
    match key.code {
        KeyCode::Esc => state.dialog = None,
        KeyCode::Backspace if line.pop().is_none() => state.dialog = None,
        KeyCode::Enter => {
            let line = std::mem::take(line);
            state.dialog = None;
            return run_command(state, line.trim());
        }
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => line.push(c),
        _ => {}
    }
    Vec::new()
}

/// Runs one command line.
pub fn run_command(state: &mut State, line: &str) -> Vec<Effect> {
    let (command, argument) = match line.split_once(char::is_whitespace) {
        Some((command, rest)) => (command, rest.trim()),
        None => (line, ""),
    };
    match (command, argument) {
        ("q" | "quit", _) => {
            state.quit = true;
            Vec::new()
        }
        ("help", _) => {
            state.dialog = Some(Dialog::Help);
            Vec::new()
        }
        ("conn", name) if !name.is_empty() => {
            match state.connections.iter().position(|c| c.name == name) {
                Some(conn) => {
                    state.screen = Screen::Browse;
                    select_connection(state, conn);
                    state.focus = Focus::Users;
                    Vec::new()
                }
                None => {
                    let known: Vec<String> =
                        state.connections.iter().map(|c| c.name.clone()).collect();
                    toast(
                        state,
                        format!("no connection `{name}` (known: {})", known.join(", ")),
                        true,
                    )
                }
            }
        }
        ("user", key) if !key.is_empty() => {
            let conn = state.selected_conn;
            if state.connection().is_none_or(|c| c.capabilities.is_none()) {
                return toast(
                    state,
                    "the selected connection is not open".to_owned(),
                    true,
                );
            }
            let request = state.next_id();
            state.find_request = Some((conn, request));
            state.screen = Screen::Browse;
            vec![Effect::FindUser {
                conn,
                request,
                key: key.to_owned(),
            }]
        }
        ("audit", "") => open_audit(state, true),
        ("audit", name) => match state.connections.iter().position(|c| c.name == name) {
            Some(conn) => {
                select_connection(state, conn);
                open_audit(state, false)
            }
            None => toast(state, format!("no connection `{name}`"), true),
        },
        ("export", file) if !file.is_empty() => export(state, PathBuf::from(file)),
        _ => toast(
            state,
            format!(
                "unknown command `{line}`; commands: conn NAME, user ID, audit [NAME], export FILE, help, q"
            ),
            true,
        ),
    }
}

fn export(state: &mut State, path: PathBuf) -> Vec<Effect> {
    let Screen::Audit(audit) = &state.screen else {
        return toast(
            state,
            "export works in the audit view: open it with the audit key or :audit".to_owned(),
            true,
        );
    };
    if let Err(why) = ExportFormat::for_path(&path) {
        return toast(state, why, true);
    }
    let findings = audit.shown();
    vec![Effect::Export { path, findings }]
}
