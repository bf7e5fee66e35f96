//! The `:` command line in the update function: typing it and running it. Commands:
//! `:conn NAME`, `:user ID`, `:attr NAME` (and on its screen `:group-value VALUE`,
//! `:default VALUE`), `:audit [NAME]`, `:export FILE`, `:help`, `:q`. No I/O.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{attribute, audit};
use crate::app::audit::ExportFormat;
use crate::app::command::{COMMANDS, starting_with};
use crate::app::msg::Effect;
use crate::app::state::{Dialog, Focus, Screen, State};

/// How many user names Tab offers at most.
const USER_COMPLETIONS: usize = 50;

/// Keys on the `:` command line: typing, Tab completion, Up/Down history, Enter runs.
pub fn key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(Dialog::Command(line)) = &state.dialog else {
        return Vec::new();
    };
    let mut line = line.clone();
    match key.code {
        KeyCode::Esc => {
            state.dialog = None;
            return Vec::new();
        }
        KeyCode::Backspace if line.text.is_empty() => {
            state.dialog = None;
            return Vec::new();
        }
        KeyCode::Backspace => {
            line.text.pop();
            line.edited();
        }
        KeyCode::Enter => {
            state.dialog = None;
            let text = line.text.trim().to_owned();
            crate::app::command::remember(&mut state.command_history, &text);
            return run_command(state, &text);
        }
        KeyCode::Tab => line.complete(|stem, word| completions(state, stem, word)),
        KeyCode::Up => line.recall(&state.command_history, true),
        KeyCode::Down => line.recall(&state.command_history, false),
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            line.text.push(c);
            line.edited();
        }
        _ => {}
    }
    state.dialog = Some(Dialog::Command(line));
    Vec::new()
}

/// What Tab offers for the word being typed: a command, a connection name, or a user name of the
/// selected connection (loaded users whose username starts with the word).
fn completions(state: &State, stem: &str, word: &str) -> Vec<String> {
    let command = stem.split_whitespace().next();
    match command {
        None => starting_with(COMMANDS.iter().map(|(name, _)| *name), word, COMMANDS.len())
            .into_iter()
            .map(|name| {
                let takes_argument = COMMANDS
                    .iter()
                    .any(|(n, argument)| *n == name && !argument.is_empty());
                if takes_argument {
                    format!("{name} ")
                } else {
                    name
                }
            })
            .collect(),
        Some("conn" | "audit") => starting_with(
            state.connections.iter().map(|c| c.name.as_str()),
            word,
            state.connections.len(),
        ),
        Some("user") => state.connection().map_or_else(Vec::new, |conn| {
            starting_with(
                conn.users.iter().filter_map(|u| u.username.as_deref()),
                word,
                USER_COMPLETIONS,
            )
        }),
        Some(_) => Vec::new(),
    }
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
        ("attr", name) => attribute::open(state, name),
        ("group-value", value) => attribute::plan_value(state, false, value),
        ("default", value) if !value.is_empty() => attribute::plan_value(state, true, value),
        ("help", _) => {
            state.dialog = Some(Dialog::Help(0));
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
                "unknown command `{line}`; commands: conn NAME, user ID, attr NAME, audit [NAME], export FILE, help, q"
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
