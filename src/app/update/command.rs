//! The `:` command line in the update function: typing it and running it. Commands:
//! `:conn NAME`, `:user ID`, `:audit [NAME]`, `:export FILE`, `:help`, `:q`. No I/O.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::audit;
use crate::app::audit::ExportFormat;
use crate::app::msg::Effect;
use crate::app::state::{Dialog, Focus, Screen, State};

/// Keys on the `:` command line.
pub fn key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
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
                    state.select_connection(conn);
                    state.focus = Focus::Users;
                    Vec::new()
                }
                None => {
                    let known: Vec<String> =
                        state.connections.iter().map(|c| c.name.clone()).collect();
                    state.toast(
                        format!("no connection `{name}` (known: {})", known.join(", ")),
                        true,
                    )
                }
            }
        }
        ("user", key) if !key.is_empty() => {
            let conn = state.selected_conn;
            if state.connection().is_none_or(|c| c.capabilities.is_none()) {
                return state.toast("the selected connection is not open".to_owned(), true);
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
        ("audit", "") => audit::open(state, true),
        ("audit", name) => match state.connections.iter().position(|c| c.name == name) {
            Some(conn) => {
                state.select_connection(conn);
                audit::open(state, false)
            }
            None => state.toast(format!("no connection `{name}`"), true),
        },
        ("export", file) if !file.is_empty() => export(state, PathBuf::from(file)),
        _ => state.toast(
            format!(
                "unknown command `{line}`; commands: conn NAME, user ID, audit [NAME], export FILE, help, q"
            ),
            true,
        ),
    }
}

fn export(state: &mut State, path: PathBuf) -> Vec<Effect> {
    let Screen::Audit(audit) = &state.screen else {
        return state.toast(
            "export works in the audit view: open it with the audit key or :audit".to_owned(),
            true,
        );
    };
    if let Err(why) = ExportFormat::for_path(&path) {
        return state.toast(why, true);
    }
    let findings = audit.shown();
    vec![Effect::Export { path, findings }]
}
