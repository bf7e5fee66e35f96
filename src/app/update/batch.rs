//! Bulk edits and reverts from the journal in the update function: `e`/`d`/`u` on marked users
//! plan the edit for all of them, the combined preview is confirmed once, the batch runs with a
//! gauge, and Esc or Ctrl-C stops it after the items in flight, leaving it resumable.
//!
//! The same dialog shows a revert chosen in the journal view (one entry — a user's or an
//! attribute-level one, previewed with its blast radius — or a whole batch). The
//! planning, sending and journaling are the write engine's, done by the effect runner; this
//! module only moves the dialog from phase to phase. No I/O.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent};

use super::{journal, write};
use crate::app::batch::{BatchDialog, BatchPhase, BatchWork, Progress};
use crate::app::editor::EditorState;
use crate::app::keymap::Action;
use crate::app::msg::{Effect, RequestId, UndoPrepared};
use crate::app::state::{Dialog, State};
use crate::domain::Edit;
use crate::text::{sanitize, sanitize_lines};
use crate::write::batch::{BatchCounts, PlannedBatch, SelectionKey};

/// `e`/`d`/`u` with users marked: the same edit as for one user, made to every marked user.
/// The attribute (or the update form) comes from the user open in the detail pane.
pub fn start(state: &mut State, action: Action) -> Vec<Effect> {
    let marked = state.marked();
    let conn = state.selected_conn;
    match action {
        Action::Edit => {
            let editor = write::writable_attribute(state).map(|(record, selected)| {
                let mut editor =
                    EditorState::attribute(conn, &record, &record.attributes[selected]);
                editor.bulk = Some(marked);
                editor
            });
            write::start_editor(state, editor)
        }
        Action::Update => {
            let editor = match write::refuse(state, |c| c.update, "updates") {
                Some(why) => Err(why),
                None => write::current_record(state).map(|record| {
                    let mut editor = EditorState::update(conn, &record);
                    editor.bulk = Some(marked);
                    editor
                }),
            };
            write::start_editor(state, editor)
        }
        Action::Delete => match write::writable_attribute(state) {
            Ok((record, selected)) => {
                let name = record.attributes[selected].name.clone();
                plan(state, Edit::UnsetAttribute { name })
            }
            Err(why) => state.toast(why, true),
        },
        _ => Vec::new(),
    }
}

/// Plans `edit` for every marked user of the selected connection, in listing order.
pub fn plan(state: &mut State, edit: Edit) -> Vec<Effect> {
    let conn = state.selected_conn;
    let Some(connection) = state.connections.get(conn) else {
        return Vec::new();
    };
    let ids = state.marks.ordered_ids(conn, &connection.users);
    if ids.is_empty() {
        return state.toast("no user is marked (Space marks one)".to_owned(), true);
    }
    let what = match &edit {
        Edit::SetAttribute { name, .. } | Edit::UnsetAttribute { name } => {
            format!("{} {}", edit.verb(), sanitize(name))
        }
        other => other.verb().to_owned(),
    };
    let title = format!("Bulk {what} · {} marked users", ids.len());
    let request = state.next_id();
    state.dialog = Some(Dialog::Batch(Box::new(BatchDialog::planning(
        conn,
        request,
        title,
        ids.len(),
    ))));
    vec![Effect::PlanBatch {
        conn,
        request,
        action: edit.verb().to_owned(),
        keys: ids.into_iter().map(SelectionKey::Id).collect(),
        edits: vec![edit],
    }]
}

/// The open batch dialog, when it waits for `request`.
fn dialog(state: &mut State, request: RequestId) -> Option<&mut BatchDialog> {
    match &mut state.dialog {
        Some(Dialog::Batch(dialog)) if dialog.request == request => Some(dialog),
        _ => None,
    }
}

/// More users are planned.
pub fn planning(state: &mut State, request: RequestId, planned: usize) {
    if let Some(BatchDialog {
        phase: BatchPhase::Planning { done, .. },
        ..
    }) = dialog(state, request)
    {
        *done = planned;
    }
}

/// The bulk edit is planned: the combined preview waits for one confirmation.
pub fn planned(
    state: &mut State,
    request: RequestId,
    result: Result<Box<PlannedBatch>, String>,
) -> Vec<Effect> {
    let Some(open) = dialog(state, request) else {
        return Vec::new();
    };
    match result {
        Ok(planned) => {
            let counts = BatchCounts::of(&planned.plan);
            open.batch = Some(planned.plan.batch.clone());
            open.phase = BatchPhase::Preview {
                text: planned.describe(),
                sends: counts.planned,
                skipped: counts.skipped,
                refused: counts.failed,
                work: BatchWork::Edit(planned),
            };
            Vec::new()
        }
        Err(why) => {
            state.dialog = None;
            state.toast(
                format!("cannot plan the bulk edit: {}", sanitize(&why)),
                true,
            )
        }
    }
}

/// The revert chosen in the journal view is planned: its titled preview waits for confirmation.
pub fn undo_prepared(
    state: &mut State,
    request: RequestId,
    result: Result<Box<UndoPrepared>, String>,
) -> Vec<Effect> {
    let conn_name = match &state.dialog {
        Some(Dialog::Batch(open)) => state
            .connections
            .get(open.conn)
            .map(|c| c.name.clone())
            .unwrap_or_default(),
        _ => String::new(),
    };
    let Some(open) = dialog(state, request) else {
        return Vec::new();
    };
    match result.map(|b| *b) {
        Ok(UndoPrepared::Entry(pair)) => {
            let (entry, prepared) = *pair;
            let text = sanitize_lines(&prepared.describe());
            retitle(open, prepared.title.as_deref());
            open.phase = BatchPhase::Preview {
                text,
                sends: 1,
                skipped: 0,
                refused: 0,
                work: BatchWork::Undo(vec![(entry, prepared)]),
            };
            Vec::new()
        }
        Ok(UndoPrepared::Attribute(prepared)) => {
            retitle(open, prepared.title.as_deref());
            open.phase = BatchPhase::Preview {
                text: sanitize_lines(&prepared.describe()),
                sends: prepared.items.len(),
                skipped: 0,
                refused: 0,
                work: BatchWork::AttributeUndo(prepared),
            };
            Vec::new()
        }
        Ok(UndoPrepared::Batch { batch, planned }) => {
            let text = planned.describe(&batch, &conn_name);
            open.phase = BatchPhase::Preview {
                text,
                sends: planned.ready.len(),
                skipped: planned.skipped.len(),
                refused: 0,
                work: BatchWork::Undo(planned.ready),
            };
            Vec::new()
        }
        Err(why) => {
            state.dialog = None;
            state.toast(sanitize(&why), true)
        }
    }
}

/// Titles the dialog with the first line of a revert's title (`Undo entry 4 (…)`).
fn retitle(open: &mut BatchDialog, title: Option<&str>) {
    if let Some(title) = title.and_then(|t| t.lines().next()) {
        open.title = sanitize(title);
    }
}

/// Keys in the batch dialog: while planning Esc cancels; in the preview `y`/Enter sends and Esc
/// closes (nothing sent); while running Esc stops after the items in flight; once finished,
/// Enter or Esc closes.
pub fn key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    /// What a key does in the dialog's phase.
    enum Step {
        Close(Option<&'static str>),
        Send,
        Scroll(isize),
        Stop,
        Nothing,
    }
    let action = state.keys.action(&key);
    let Some(Dialog::Batch(open)) = &mut state.dialog else {
        return Vec::new();
    };
    let confirm = matches!(key.code, KeyCode::Char('y' | 'Y')) || action == Some(Action::Open);
    let back = action == Some(Action::Back);
    let step = match &open.phase {
        BatchPhase::Planning { .. } if back => {
            Step::Close(Some("bulk edit cancelled; nothing was sent"))
        }
        BatchPhase::Preview { sends, .. } if confirm && *sends > 0 => Step::Send,
        BatchPhase::Preview { .. } if back => Step::Close(Some("nothing was sent")),
        BatchPhase::Preview { .. } if action == Some(Action::Up) => Step::Scroll(-1),
        BatchPhase::Preview { .. } if action == Some(Action::Down) => Step::Scroll(1),
        BatchPhase::Running { .. } if back => Step::Stop,
        BatchPhase::Finished { .. } if confirm || back => Step::Close(None),
        _ => Step::Nothing,
    };
    match step {
        Step::Scroll(delta) => {
            open.offset = open.offset.saturating_add_signed(delta);
            Vec::new()
        }
        Step::Close(said) => {
            state.dialog = None;
            said.map_or_else(Vec::new, |text| state.toast(text.to_owned(), false))
        }
        Step::Send => run(state),
        Step::Stop => stop(state),
        Step::Nothing => Vec::new(),
    }
}

/// Confirmed: the batch is sent off the UI thread, each item reported as it finishes.
fn run(state: &mut State) -> Vec<Effect> {
    let request = state.next_id();
    let Some(Dialog::Batch(open)) = &mut state.dialog else {
        return Vec::new();
    };
    let placeholder = BatchPhase::Planning { done: 0, total: 0 };
    let BatchPhase::Preview {
        work,
        sends,
        skipped,
        refused,
        ..
    } = std::mem::replace(&mut open.phase, placeholder)
    else {
        return Vec::new();
    };
    open.request = request;
    open.phase = BatchPhase::Running {
        progress: Progress {
            total: sends,
            skipped,
            refused,
            ..Progress::default()
        },
        stopping: false,
    };
    vec![Effect::RunBatch {
        conn: open.conn,
        request,
        work,
    }]
}

/// Esc or Ctrl-C while a batch runs: no new item starts; those in flight finish.
pub fn stop(state: &mut State) -> Vec<Effect> {
    let Some(Dialog::Batch(open)) = &mut state.dialog else {
        return Vec::new();
    };
    match &mut open.phase {
        BatchPhase::Running { stopping, .. } if !*stopping => {
            *stopping = true;
            vec![Effect::StopBatch {
                request: open.request,
            }]
        }
        _ => Vec::new(),
    }
}

/// One item finished: the gauge moves.
pub fn item_done(
    state: &mut State,
    request: RequestId,
    outcome: &str,
    error: Option<String>,
    elapsed: Duration,
) {
    if let Some(BatchDialog {
        phase: BatchPhase::Running { progress, .. },
        ..
    }) = dialog(state, request)
    {
        progress.count(outcome, error.map(|e| sanitize(&e)), elapsed);
    }
}

/// The run ended (finished, stopped, or could not start): the dialog says what became of it and
/// how to go on; the record in the detail pane (and the journal view) are read again.
pub fn ran(state: &mut State, request: RequestId, result: Result<bool, String>) -> Vec<Effect> {
    let Some(open) = dialog(state, request) else {
        return Vec::new();
    };
    let BatchPhase::Running { progress, .. } = &open.phase else {
        return Vec::new();
    };
    let progress = progress.clone();
    let (conn, from_journal) = (open.conn, open.from_journal);
    let summary = summary(open.batch.as_deref(), from_journal, &progress, &result);
    open.phase = BatchPhase::Finished {
        progress: progress.clone(),
        summary: summary.clone(),
    };
    let clean = result == Ok(false) && progress.failed + progress.unknown == 0;
    let mut effects = state.toast(summary, !clean);
    if clean && !from_journal {
        state.marks.clear(conn);
    }
    if let Some(detail) = state.shown_detail().filter(|d| d.conn == conn) {
        let id = detail.user_id.clone();
        effects.extend(state.read_into_detail(conn, id));
    }
    if from_journal {
        effects.extend(journal::reload(state));
    }
    effects
}

/// What a finished run says: the counts, and how to resume a stopped bulk edit.
fn summary(
    batch: Option<&str>,
    reverts: bool,
    progress: &Progress,
    result: &Result<bool, String>,
) -> String {
    let counts = format!(
        "{} written, {} failed, {} unknown, {} skipped, {} refused",
        progress.written, progress.failed, progress.unknown, progress.skipped, progress.refused
    );
    match (result, batch) {
        (Err(why), _) => format!("could not run: {}", sanitize(why)),
        (Ok(true), Some(id)) if !reverts => format!(
            "`roster batch resume {id}` continues batch {id}, stopped after the items in flight ({counts})"
        ),
        (Ok(true), _) => format!("stopped after the items in flight ({counts})"),
        (Ok(false), Some(id)) if !reverts && progress.failed + progress.unknown > 0 => {
            format!("batch {id}: {counts}; `roster batch show {id}` has every reason")
        }
        (Ok(false), Some(id)) if !reverts => format!("batch {id} done: {counts}"),
        (Ok(false), _) => format!("reverted: {counts}"),
    }
}

/// A task panicked: the dialog waiting for it ends with the error.
pub fn task_failed(state: &mut State, request: RequestId, message: &str) {
    if let Some(open) = dialog(state, request) {
        let progress = match &open.phase {
            BatchPhase::Running { progress, .. } => progress.clone(),
            _ => Progress::default(),
        };
        open.phase = BatchPhase::Finished {
            progress,
            summary: format!("internal error: {}", sanitize(message)),
        };
    }
}
