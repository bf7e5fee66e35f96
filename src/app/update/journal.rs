//! The journal view in the update function: opening it (`L`), the journal's entries arriving,
//! moving through them, and `z` on an entry, which plans its revert — or the revert of its whole
//! batch — through the write engine, shown in the batch dialog for one confirmation. No I/O.

use super::page_rows;
use crate::app::batch::BatchDialog;
use crate::app::journal::JournalView;
use crate::app::keymap::Action;
use crate::app::motion::Motion;
use crate::app::msg::{Effect, RequestId};
use crate::app::state::{Dialog, Screen, State};
use crate::journal::JournalEntry;
use crate::text::sanitize;

/// `L`: the journal view, newest entry first.
pub fn open(state: &mut State) -> Vec<Effect> {
    let request = state.next_id();
    state.dialog = None;
    state.screen = Screen::Journal(Box::new(JournalView::loading(request)));
    vec![Effect::LoadJournal { request }]
}

/// Reads the journal again when its view is open (after a revert, or `r`).
pub fn reload(state: &mut State) -> Vec<Effect> {
    let request = state.next_id();
    let Screen::Journal(view) = &mut state.screen else {
        return Vec::new();
    };
    view.request = Some(request);
    vec![Effect::LoadJournal { request }]
}

/// The journal was read.
pub fn loaded(state: &mut State, request: RequestId, result: Result<Vec<JournalEntry>, String>) {
    let Screen::Journal(view) = &mut state.screen else {
        return;
    };
    if view.request != Some(request) {
        return;
    }
    match result {
        Ok(entries) => view.loaded(entries),
        Err(why) => {
            view.request = None;
            view.error = Some(why);
        }
    }
    state.keep_visible();
}

/// An action on the journal view.
pub fn action(state: &mut State, action: Action) -> Vec<Effect> {
    if let Some(motion) = Motion::of(action) {
        let page = page_rows(state);
        if let Screen::Journal(view) = &mut state.screen {
            view.selected = motion.target(view.selected, view.entries.len(), page);
        }
        state.keep_visible();
        return Vec::new();
    }
    match action {
        Action::Back => state.screen = Screen::Browse,
        Action::Refresh => return reload(state),
        Action::Undo => return undo_selected(state),
        _ => {}
    }
    Vec::new()
}

/// `z` on an entry: plans its revert (or its batch's) on the connection it was written on, with
/// the same checks as `roster undo`; the preview is titled with the entry.
fn undo_selected(state: &mut State) -> Vec<Effect> {
    let Screen::Journal(view) = &state.screen else {
        return Vec::new();
    };
    let Some(entry) = view.selected_entry().cloned() else {
        return state.toast("the journal has no entry to undo".to_owned(), true);
    };
    let found = state
        .connections
        .iter()
        .position(|c| c.name == entry.connection);
    let refusal = match found.and_then(|conn| state.connections.get(conn)) {
        None => Some(format!(
            "entry {} was written on `{}`, which this config does not name",
            entry.id,
            sanitize(&entry.connection)
        )),
        Some(c) if c.capabilities.is_none() => {
            Some(format!("connection `{}` is not open", sanitize(&c.name)))
        }
        Some(c) if c.read_only => Some(format!(
            "connection `{}` is read-only: writes are refused",
            sanitize(&c.name)
        )),
        Some(_) => None,
    };
    let (Some(conn), None) = (found, refusal.as_ref()) else {
        return state.toast(refusal.unwrap_or_default(), true);
    };
    let title = match &entry.batch {
        Some(batch) => format!("Undo batch {}", sanitize(batch)),
        None => crate::write::undo::title(&entry),
    };
    let request = state.next_id();
    let mut dialog = BatchDialog::planning(conn, request, title, 1);
    dialog.from_journal = true;
    state.dialog = Some(Dialog::Batch(Box::new(dialog)));
    vec![Effect::PrepareUndo {
        conn,
        request,
        entry: Box::new(entry),
    }]
}
