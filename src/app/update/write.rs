//! Writes in the browser (the editor and preview screens): opening editors, building the preview,
//! confirming, and what follows.
//!
//! Every write goes form → `Effect::Plan` (sends nothing) → preview → confirm → `Effect::Apply`
//! → re-read the record. Locked attributes, read-only connections and edits the service does not
//! offer are refused before a form opens, with the reason. Server field errors land on the form
//! field they name. Part of the update function: no I/O.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::editor::{EditorKind, EditorState};
use crate::app::keymap::Action;
use crate::app::msg::{Effect, RequestId};
use crate::app::state::{Dialog, Focus, Planning, PreviewState, State};
use crate::domain::{Edit, UserRecord};
use crate::service::{Capabilities, ServiceError, WritePlan};

/// Why a write cannot start on the selected connection, if it cannot.
fn refuse(state: &State, offered: fn(&Capabilities) -> bool, what: &str) -> Option<String> {
    let conn = state.connection()?;
    let Some(capabilities) = conn.capabilities else {
        return Some(format!("connection `{}` is not open", conn.name));
    };
    if conn.read_only {
        return Some(format!(
            "connection `{}` is read-only: writes are refused",
            conn.name
        ));
    }
    if !offered(&capabilities) {
        return Some(format!("{} does not offer {what}", conn.kind));
    }
    None
}

/// The record in the detail pane when it belongs to the selected connection.
fn current_record(state: &State) -> Result<UserRecord, String> {
    match state.detail.as_ref() {
        Some(detail) if detail.conn == state.selected_conn => detail
            .record
            .as_deref()
            .cloned()
            .ok_or_else(|| "the user is still loading".to_owned()),
        _ => Err("open a user first (Enter on the users table)".to_owned()),
    }
}

fn start_editor(state: &mut State, editor: Result<EditorState, String>) -> Vec<Effect> {
    match editor {
        Ok(editor) => {
            state.dialog = Some(Dialog::Editor(Box::new(editor)));
            Vec::new()
        }
        Err(why) => state.toast(why, true),
    }
}

/// The record in the detail pane and its selected attribute, when that attribute may be written.
fn writable_attribute(state: &State) -> Result<(UserRecord, usize), String> {
    if let Some(why) = refuse(state, |c| c.attributes, "attribute edits") {
        return Err(why);
    }
    let record = current_record(state)?;
    let selected = state.detail.as_ref().map_or(0, |d| d.selected);
    let attribute = record
        .attributes
        .get(selected)
        .ok_or_else(|| "this user has no attributes".to_owned())?;
    if attribute.locked {
        return Err(format!(
            "`{}` is locked: {}",
            crate::text::sanitize(&attribute.name),
            attribute.lock_reason.as_deref().unwrap_or("read-only")
        ));
    }
    Ok((record, selected))
}

/// `e`: edit the selected attribute.
pub fn open_attribute_editor(state: &mut State) -> Vec<Effect> {
    let editor = writable_attribute(state).map(|(record, selected)| {
        EditorState::attribute(state.selected_conn, &record, &record.attributes[selected])
    });
    start_editor(state, editor)
}

/// `u`: update the user's fields.
pub fn open_update(state: &mut State) -> Vec<Effect> {
    let editor = match refuse(state, |c| c.update, "updates") {
        Some(why) => Err(why),
        None => current_record(state).map(|r| EditorState::update(state.selected_conn, &r)),
    };
    start_editor(state, editor)
}

/// `R`: replace the whole resource.
pub fn open_replace(state: &mut State) -> Vec<Effect> {
    let editor = match refuse(
        state,
        |c| c.replace,
        "replace (use update and attribute edits)",
    ) {
        Some(why) => Err(why),
        None => current_record(state).map(|r| EditorState::replace(state.selected_conn, &r)),
    };
    start_editor(state, editor)
}

/// `E`: the create or replace JSON in `$EDITOR`: replace when the detail pane has the focus and
/// the service offers it, create otherwise; the form opens under the editor and shows what came
/// back.
pub fn open_external(state: &mut State) -> Vec<Effect> {
    let replace = state.focus == Focus::Detail
        && state
            .connection()
            .and_then(|c| c.capabilities)
            .is_some_and(|c| c.replace);
    let mut effects = if replace {
        open_replace(state)
    } else {
        open_create(state)
    };
    effects.extend(edit_form_externally(state));
    effects
}

/// Hands the JSON of the open create or replace form to `$EDITOR`.
fn edit_form_externally(state: &mut State) -> Vec<Effect> {
    let Some(Dialog::Editor(editor)) = &state.dialog else {
        return Vec::new();
    };
    let Some(text) = editor.json_text() else {
        return Vec::new();
    };
    let request = state.next_id();
    state.external_edit = Some(request);
    vec![Effect::EditExternally { request, text }]
}

/// `$EDITOR` exited: its text goes into the form, which is checked at once; a valid resource
/// goes on to the preview, an invalid one stays on the form with the error.
pub fn edited_externally(
    state: &mut State,
    request: RequestId,
    result: Result<String, String>,
) -> Vec<Effect> {
    if state.external_edit != Some(request) {
        return Vec::new();
    }
    state.external_edit = None;
    let text = match result {
        Ok(text) => text,
        Err(why) => return state.toast(why, true),
    };
    let Some(Dialog::Editor(editor)) = &mut state.dialog else {
        return Vec::new();
    };
    editor.set_json_text(&text);
    match editor.to_edit() {
        Some(edit) => {
            let (conn, record) = (editor.conn, editor.record.as_deref().cloned());
            plan(state, conn, record, edit)
        }
        None => Vec::new(),
    }
}

/// `n`: create a user.
pub fn open_create(state: &mut State) -> Vec<Effect> {
    let editor = match (
        refuse(state, |c| c.create, "creating users"),
        state.connection(),
    ) {
        (Some(why), _) => Err(why),
        (None, Some(conn)) => Ok(EditorState::create(state.selected_conn, conn.kind)),
        (None, None) => Err("no connection".to_owned()),
    };
    start_editor(state, editor)
}

/// `d`: delete the selected attribute's value (the preview shows what it falls back to).
pub fn delete_value(state: &mut State) -> Vec<Effect> {
    let planned = writable_attribute(state).map(|(record, selected)| {
        let edit = Edit::UnsetAttribute {
            name: record.attributes[selected].name.clone(),
        };
        (record, edit)
    });
    match planned {
        Ok((record, edit)) => plan(state, state.selected_conn, Some(record), edit),
        Err(why) => state.toast(why, true),
    }
}

/// `z`: looks up the last undoable write of the selected connection in the journal.
pub fn undo_last(state: &mut State) -> Vec<Effect> {
    if let Some(why) = refuse(state, |_| true, "undo") {
        return state.toast(why, true);
    }
    let request = state.next_id();
    state.undo_request = Some(request);
    vec![Effect::FindUndo {
        conn: state.selected_conn,
        request,
    }]
}

/// The journal answered: the revert goes through the same preview and confirmation as any edit.
pub fn undo_found(
    state: &mut State,
    request: RequestId,
    conn: usize,
    result: Result<(Box<UserRecord>, Edit), String>,
) -> Vec<Effect> {
    if state.undo_request != Some(request) {
        return Vec::new();
    }
    state.undo_request = None;
    match result {
        Ok((record, edit)) => plan(state, conn, Some(*record), edit),
        Err(why) => state.toast(why, true),
    }
}

fn plan(state: &mut State, conn: usize, record: Option<UserRecord>, edit: Edit) -> Vec<Effect> {
    let request = state.next_id();
    state.planning = Some(Planning {
        request,
        conn,
        user_id: record.as_ref().map(|r| r.id.clone()),
        edit: edit.clone(),
    });
    vec![Effect::Plan {
        conn,
        request,
        record: record.map(Box::new),
        edit,
    }]
}

/// Keys while a form is open: Tab between fields, Enter moves on (or previews from the last
/// single-line field), Ctrl-S previews from anywhere, Esc closes the form.
pub fn editor_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(Dialog::Editor(editor)) = &mut state.dialog else {
        return Vec::new();
    };
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if key.code == KeyCode::Esc {
        state.dialog = None;
        state.planning = None;
        return Vec::new();
    }
    if state.planning.is_some() {
        return Vec::new();
    }
    if key.code == KeyCode::Char('e') && ctrl && editor.is_json() {
        return edit_form_externally(state);
    }
    let submit = match key.code {
        KeyCode::Char('s') if ctrl => true,
        KeyCode::F(2) => true,
        KeyCode::Tab => {
            editor.cycle(true);
            false
        }
        KeyCode::BackTab => {
            editor.cycle(false);
            false
        }
        KeyCode::Enter if !editor.fields.get(editor.focus).is_some_and(|f| f.multiline) => {
            if editor.focus + 1 < editor.fields.len() {
                editor.cycle(true);
                false
            } else {
                true
            }
        }
        _ => {
            if let Some(field) = editor.focused() {
                field.error = None;
                field.input.input(key);
            }
            false
        }
    };
    if !submit {
        return Vec::new();
    }
    match editor.to_edit() {
        Some(edit) => {
            let (conn, record) = (editor.conn, editor.record.as_deref().cloned());
            plan(state, conn, record, edit)
        }
        None => Vec::new(),
    }
}

/// Pastes text into the focused field (single-line fields get it on one line).
pub fn paste(editor: &mut EditorState, text: &str) {
    if let Some(field) = editor.focused() {
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        if field.multiline {
            field.input.insert_str(text);
        } else {
            field.input.insert_str(text.replace('\n', " "));
        }
    }
}

/// A plan arrived: show the preview, or put the refusal on the form.
pub fn planned(
    state: &mut State,
    request: RequestId,
    result: Result<Box<WritePlan>, ServiceError>,
) -> Vec<Effect> {
    let Some(planning) = state.planning.take_if(|p| p.request == request) else {
        return Vec::new();
    };
    let editor = match state.dialog.take() {
        Some(Dialog::Editor(editor)) => Some(editor),
        other => {
            state.dialog = other;
            None
        }
    };
    match result {
        Ok(plan) => {
            state.dialog = Some(Dialog::Preview(Box::new(PreviewState {
                conn: planning.conn,
                plan,
                editor,
                user_id: planning.user_id,
                edit: planning.edit,
                applying: None,
                offset: 0,
            })));
            Vec::new()
        }
        Err(error) => back_to_form(state, editor, &error),
    }
}

/// Keys in the preview: `y`/Enter sends, Esc goes back to the form, Up/Down scroll.
pub fn preview_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let action = state.keys.action(&key);
    let Some(Dialog::Preview(preview)) = &mut state.dialog else {
        return Vec::new();
    };
    if preview.applying.is_some() {
        return Vec::new();
    }
    if matches!(key.code, KeyCode::Char('y' | 'Y')) || action == Some(Action::Open) {
        let request = state.next_id();
        if let Some(Dialog::Preview(preview)) = &mut state.dialog {
            preview.applying = Some(request);
            return vec![Effect::Apply {
                conn: preview.conn,
                request,
                plan: preview.plan.clone(),
                user_id: preview.user_id.clone(),
                edit: preview.edit.clone(),
            }];
        }
        return Vec::new();
    }
    match action {
        Some(Action::Back) => {
            state.dialog = match state.dialog.take() {
                Some(Dialog::Preview(preview)) => preview.editor.map(Dialog::Editor),
                other => other,
            };
        }
        Some(Action::Up) => preview.offset = preview.offset.saturating_sub(1),
        Some(Action::Down) => preview.offset += 1,
        _ => {}
    }
    Vec::new()
}

/// A write finished: re-read the user and show it, or go back to the form with the errors.
pub fn applied(
    state: &mut State,
    request: RequestId,
    result: Result<Option<String>, ServiceError>,
) -> Vec<Effect> {
    let preview = match state.dialog.take() {
        Some(Dialog::Preview(preview)) if preview.applying == Some(request) => preview,
        other => {
            state.dialog = other;
            return Vec::new();
        }
    };
    match result {
        Ok(written) => {
            let mut effects = state.toast(
                format!("done: {}", crate::text::sanitize(&preview.plan.summary)),
                false,
            );
            if let Some(id) = written.or(preview.user_id) {
                if preview.conn != state.selected_conn {
                    state.select_connection(preview.conn);
                }
                effects.extend(state.read_into_detail(preview.conn, id.clone()));
                state.select_user_id(&id);
                state.focus = Focus::Detail;
            }
            effects
        }
        Err(error) => back_to_form(state, preview.editor, &error),
    }
}

/// Reopens the form with the error on the fields it names; the rest goes to a toast.
fn back_to_form(
    state: &mut State,
    editor: Option<Box<EditorState>>,
    error: &ServiceError,
) -> Vec<Effect> {
    let text = error.to_string();
    let Some(mut editor) = editor else {
        return state.toast(text, true);
    };
    let named = field_errors(error);
    let unplaced = editor.place_errors(&named);
    if named.is_empty() || !unplaced.is_empty() {
        editor.message = Some(text.clone());
    }
    if editor.kind == EditorKind::Create
        && matches!(error, ServiceError::Status(s) if s.status == 409)
    {
        editor.message = Some(format!("already exists: {text}"));
    }
    state.dialog = Some(Dialog::Editor(editor));
    state.toast(text, true)
}

/// The (field, message) pairs an error names: server field errors, or a leading `` `field`: ``.
fn field_errors(error: &ServiceError) -> Vec<(String, String)> {
    match error {
        ServiceError::Status(status) => status
            .field_errors
            .iter()
            .map(|f| (f.field.clone(), f.message.clone()))
            .collect(),
        ServiceError::Invalid(text) => text
            .strip_prefix('`')
            .and_then(|rest| rest.split_once("`: "))
            .map(|(field, message)| vec![(field.to_owned(), message.to_owned())])
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}
