//! The update function: every change of browser state happens here, and nothing else happens here.
//!
//! `update(&mut State, Msg) -> Vec<Effect>` decides what a key, a mouse event or a service reply
//! means and returns the requests to make; it does no I/O. Replies whose request id is no longer
//! the one wanted are dropped. This file routes messages and keys to one module per screen
//! (browse, detail, audit, person, write = editor and preview, command, help); the screens share
//! helpers through methods on [`State`], never through each other's private functions.

mod audit;
mod browse;
mod command;
mod detail;
mod help;
mod person;
mod write;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::keymap::Action;
use super::msg::{Effect, Msg};
use super::state::{Dialog, Screen, State};

pub use command::run_command;

/// The effects to start with: list the users of every connection that opened.
pub fn start(state: &mut State) -> Vec<Effect> {
    (0..state.connections.len())
        .filter_map(|conn| browse::load_users(state, conn))
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
            browse::users_page(state, conn, request, page);
            Vec::new()
        }
        Msg::UsersListed {
            conn,
            request,
            result,
        } => {
            browse::users_listed(state, conn, request, result);
            Vec::new()
        }
        Msg::UserRead {
            conn,
            request,
            result,
        } => detail::user_read(state, conn, request, result),
        Msg::Planned { request, result } => write::planned(state, request, result),
        Msg::SearchDone {
            conn,
            request,
            result,
        } => browse::search_done(state, conn, request, result),
        Msg::Notice(text) => state.toast(crate::text::sanitize(&text), false),
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
        } => audit::audit_sized(state, request, conn, result),
        Msg::AuditRead {
            request,
            conn,
            records,
            last,
        } => audit::audit_read(state, request, conn, records, last),
        Msg::PersonFound {
            request,
            conn,
            result,
        } => {
            person::person_found(state, request, conn, result);
            Vec::new()
        }
        Msg::Exported { result } => match result {
            Ok(path) => state.toast(format!("exported to {}", path.display()), false),
            Err(why) => state.toast(why, true),
        },
        Msg::ToastExpired(id) => {
            state.toasts.retain(|t| t.id != id);
            Vec::new()
        }
    }
}

fn input(state: &mut State, event: Event) -> Vec<Effect> {
    match event {
        Event::Resize(width, height) => {
            state.size = (width, height);
            state.keep_visible();
            Vec::new()
        }
        Event::Key(key) if key.kind != KeyEventKind::Release => key_press(state, key),
        Event::Mouse(mouse) => {
            if state.dialog.is_some() {
                return Vec::new();
            }
            match state.screen {
                Screen::Browse => browse::mouse(state, mouse),
                Screen::Audit(_) => audit::mouse(state, mouse),
                Screen::Person(_) => {}
            }
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
        Some(Dialog::Command(_)) => return command::key(state, key),
        Some(Dialog::Editor(_)) => return write::editor_key(state, key),
        Some(Dialog::Preview(_)) => return write::preview_key(state, key),
        Some(Dialog::Help) => return help::key(state, key),
        None => {}
    }
    if matches!(state.screen, Screen::Browse) && state.users.filtering {
        return browse::filter_key(state, key);
    }
    if let Screen::Audit(audit) = &state.screen
        && audit.filtering
    {
        return audit::filter_key(state, key);
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
            Screen::Browse => browse::action(state, action),
            Screen::Audit(_) => audit::action(state, action),
            Screen::Person(_) => person::action(state, action),
        },
    }
}

fn paste(state: &mut State, text: &str) {
    match &mut state.dialog {
        Some(Dialog::Editor(editor)) => write::paste(editor, text),
        Some(Dialog::Command(line)) => line.push_str(&crate::text::sanitize(text)),
        Some(_) => {}
        None if state.users.filtering => {
            state.users.filter.push_str(&crate::text::sanitize(text));
            state.refilter();
        }
        None => {}
    }
}
