//! The update function: every change of browser state happens here, and nothing else happens here.
//!
//! `update(&mut State, Msg) -> Vec<Effect>` decides what a key, a mouse event or a service reply
//! means and returns the requests to make; it does no I/O. Replies whose request id is no longer
//! the one wanted are dropped. This file routes messages and keys to one module per screen
//! (browse, detail, audit, person, write = editor and preview, command, help); the screens share
//! helpers through methods on [`State`], never through each other's private functions.

mod attribute;
mod audit;
mod batch;
mod browse;
mod command;
mod detail;
mod help;
mod journal;
mod person;
mod write;
mod yank;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::command::CommandLine;
use super::keymap::Action;
use super::msg::{Effect, Msg};
use super::state::{ConnStatus, Dialog, Focus, Screen, State};

pub use command::run_command;
pub use detail::FOLLOW_DELAY;

/// The effects to start with: list the users of every connection that opened.
pub fn start(state: &mut State) -> Vec<Effect> {
    (0..state.connections.len())
        .filter_map(|conn| browse::load_users(state, conn))
        .collect()
}

/// Applies one message to the state and returns what to do next.
pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    let mut effects = apply(state, msg);
    effects.extend(detail::follow_selection(state));
    effects
}

fn apply(state: &mut State, msg: Msg) -> Vec<Effect> {
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
            audits,
            last,
        } => audit::audit_read(state, request, conn, audits, last),
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
        Msg::Woken { request } => detail::woken(state, request),
        Msg::Copied { what, result } => match result {
            Ok(()) => state.toast(format!("copied {what}"), false),
            Err(why) => state.toast(format!("cannot copy {what}: {why}"), true),
        },
        Msg::EditedExternally { request, result } => {
            write::edited_externally(state, request, result)
        }
        Msg::AttributePlanned { request, result } => attribute::planned(state, request, result),
        Msg::AttributeApplied { request, result } => attribute::applied(state, request, result),
        Msg::BatchPlanning { request, done } => {
            batch::planning(state, request, done);
            Vec::new()
        }
        Msg::BatchPlanned { request, result } => batch::planned(state, request, result),
        Msg::UndoPrepared { request, result } => batch::undo_prepared(state, request, result),
        Msg::BatchItemDone {
            request,
            outcome,
            error,
            elapsed,
        } => {
            batch::item_done(state, request, &outcome, error, elapsed);
            Vec::new()
        }
        Msg::BatchRan { request, result } => batch::ran(state, request, result),
        Msg::JournalLoaded { request, result } => {
            journal::loaded(state, request, result);
            Vec::new()
        }
        Msg::TaskFailed {
            conn,
            request,
            message,
        } => task_failed(state, conn, request, message),
    }
}

/// A task panicked: the error shows, and what it was doing stops waiting.
fn task_failed(
    state: &mut State,
    conn: Option<usize>,
    request: super::msg::RequestId,
    message: String,
) -> Vec<Effect> {
    if let Some(connection) = conn.and_then(|c| state.connections.get_mut(c))
        && connection.request == Some(request)
    {
        connection.request = None;
        connection.status = ConnStatus::Failed(format!("internal error: {message}"));
    }
    if let Some(detail) = state.detail.as_mut().filter(|d| d.request == Some(request)) {
        detail.request = None;
        detail.error = Some(format!("internal error: {message}"));
    }
    if let (Screen::Audit(audit), Some(_)) = (&mut state.screen, conn)
        && audit.request == request
    {
        audit.finish_connection();
    }
    batch::task_failed(state, request, &message);
    state.toast(format!("internal error: {message}"), true)
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
                Screen::Person(_) => person::mouse(state, mouse),
                Screen::Attribute(_) => {}
                Screen::Journal(_) => {}
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
        // A running batch stops after the items in flight instead of being cut off.
        if matches!(&state.dialog, Some(Dialog::Batch(b)) if b.is_running()) {
            return batch::stop(state);
        }
        state.quit = true;
        return Vec::new();
    }
    match &state.dialog {
        Some(Dialog::Batch(_)) => return batch::key(state, key),
        Some(Dialog::Command(_)) => return command::key(state, key),
        Some(Dialog::Editor(_)) => return write::editor_key(state, key),
        Some(Dialog::Preview(_)) => return write::preview_key(state, key),
        Some(Dialog::Help(_)) => return help::key(state, key),
        Some(Dialog::Yank(_)) => return yank::key(state, key),
        None => {}
    }
    match &state.screen {
        Screen::Browse if state.users.filtering => return browse::filter_key(state, key),
        Screen::Browse if state.detail.as_ref().is_some_and(|d| d.searching) => {
            return detail::search_key(state, key);
        }
        Screen::Audit(audit) if audit.filtering => return audit::filter_key(state, key),
        Screen::Person(person) if person.filtering => return person::filter_key(state, key),
        Screen::Attribute(_) => {
            if let Some(effects) = attribute::key(state, key) {
                return effects;
            }
        }
        _ => {}
    }
    let Some(action) = resolve(state, &key) else {
        return Vec::new();
    };
    match action {
        Action::Quit => {
            state.quit = true;
            Vec::new()
        }
        Action::Help => {
            state.dialog = Some(Dialog::Help(0));
            Vec::new()
        }
        Action::Command => {
            state.dialog = Some(Dialog::Command(CommandLine::default()));
            Vec::new()
        }
        Action::Yank => yank::open(state),
        Action::Journal => journal::open(state),
        _ => match state.screen {
            Screen::Browse => browse::action(state, action),
            Screen::Audit(_) => audit::action(state, action),
            Screen::Person(_) => person::action(state, action),
            Screen::Attribute(_) => Vec::new(),
            Screen::Journal(_) => journal::action(state, action),
        },
    }
}

/// The action a key means here: for a key two actions share, `n` is the match motion while the
/// focused list has a filter or search and the other action otherwise; for any other shared key
/// (`Space`), the action the focused screen offers.
fn resolve(state: &State, key: &KeyEvent) -> Option<Action> {
    let actions: Vec<Action> = state.keys.actions(key).collect();
    let is_match = |a: &Action| matches!(a, Action::NextMatch | Action::PrevMatch);
    match actions.as_slice() {
        [] => None,
        [only] => Some(*only),
        several if !several.iter().any(is_match) => {
            let here = state.screen_actions();
            several
                .iter()
                .find(|a| here.contains(a))
                .or(several.first())
                .copied()
        }
        several => {
            let wanted = state.has_matches();
            several
                .iter()
                .find(|a| is_match(a) == wanted)
                .or(several.first())
                .copied()
        }
    }
}

/// What a key did to a filter or search being typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Typed {
    /// The text changed.
    Changed,
    /// Enter: typing ends, the text stays.
    Kept,
    /// Esc: typing ends and the text is cleared.
    Cleared,
    /// Up/Down while typing.
    Moved(isize),
    /// Nothing for the filter.
    Ignored,
}

/// Applies a key to a filter text being typed; the caller reacts to what happened.
fn type_into(text: &mut String, key: &KeyEvent) -> Typed {
    match key.code {
        KeyCode::Esc => {
            text.clear();
            Typed::Cleared
        }
        KeyCode::Enter => Typed::Kept,
        KeyCode::Backspace => {
            text.pop();
            Typed::Changed
        }
        KeyCode::Up => Typed::Moved(-1),
        KeyCode::Down => Typed::Moved(1),
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            text.push(c);
            Typed::Changed
        }
        _ => Typed::Ignored,
    }
}

/// Rows of the focused list that one page moves.
fn page_rows(state: &State) -> usize {
    use super::layout::{AUDIT_CHROME, TABLE_CHROME, rows_in};
    let areas = state.browse_areas();
    match (&state.screen, state.focus) {
        (Screen::Browse, Focus::Users) => rows_in(areas.users, TABLE_CHROME),
        (Screen::Browse, _) => rows_in(areas.detail, 2) / 3,
        _ => rows_in(areas.main, AUDIT_CHROME),
    }
}

fn paste(state: &mut State, text: &str) {
    match &mut state.dialog {
        Some(Dialog::Editor(editor)) => write::paste(editor, text),
        Some(Dialog::Command(line)) => {
            line.text.push_str(&crate::text::sanitize(text));
            line.edited();
        }
        Some(_) => {}
        None if state.users.filtering => {
            state.users.filter.push_str(&crate::text::sanitize(text));
            state.refilter();
        }
        None => {}
    }
}
