//! The attribute screen in the update function: opening it (`:attr NAME`), moving the selection,
//! moving a group value up or down in rank, a group's new value or a new default (typed on the
//! command line) — each planned with its blast radius and shown as a preview — confirming or
//! cancelling, and the replies. No I/O: reads, plans and writes are effects the
//! runner performs through the write engine.

use crossterm::event::{KeyCode, KeyEvent};

use crate::app::attribute::{AttributeScreen, Waiting};
use crate::app::command::CommandLine;
use crate::app::msg::{Effect, RequestId};
use crate::app::state::{Dialog, Screen, State};
use crate::domain::attribute_edit::AttributeEdit;
use crate::domain::resolution::AttributeChange;
use crate::write::attribute::AttributePrepared;

/// Opens the attribute screen for `name` on the selected connection and reads it.
pub fn open(state: &mut State, name: &str) -> Vec<Effect> {
    let name = if name.is_empty() {
        match selected_attribute(state) {
            Some(name) => name,
            None => return state.toast("give an attribute: `:attr NAME`".to_owned(), true),
        }
    } else {
        name.to_owned()
    };
    let request = state.next_id();
    let conn = state.selected_conn;
    state.screen = Screen::Attribute(Box::new(AttributeScreen::new(conn, name.clone(), request)));
    vec![Effect::PlanAttribute {
        conn,
        request,
        name,
        edits: Vec::new(),
    }]
}

/// `Enter` on the detail's selected attribute: when it is a Looker user attribute (its value
/// comes from the user, a group or the default), opens the attribute screen for it; None for
/// any other row or service, which keeps `Enter`'s other meaning (edit the value).
pub fn open_from_detail(state: &mut State) -> Option<Vec<Effect>> {
    let looker = state
        .connection()
        .is_some_and(|c| c.kind == crate::domain::ServiceKind::Looker);
    let detail = state.shown_detail()?;
    let attribute = detail.record.as_ref()?.attributes.get(detail.selected)?;
    if !looker || attribute.meta.definition_id.is_none() {
        return None;
    }
    let name = attribute.name.clone();
    Some(open(state, &name))
}

/// The attribute selected in the detail pane, if one is.
fn selected_attribute(state: &State) -> Option<String> {
    let detail = state.shown_detail()?;
    let record = detail.record.as_ref()?;
    record
        .attributes
        .get(detail.selected)
        .map(|a| a.name.clone())
}

fn screen(state: &mut State) -> Option<&mut AttributeScreen> {
    match &mut state.screen {
        Screen::Attribute(screen) => Some(screen),
        _ => None,
    }
}

/// Keys on the attribute screen; None for a key it leaves to the common ones (`:`, `?`, `q`).
pub fn key(state: &mut State, key: KeyEvent) -> Option<Vec<Effect>> {
    let request = state.next_id();
    let screen = screen(state)?;
    if screen.preview.is_some() {
        return Some(match key.code {
            KeyCode::Enter | KeyCode::Char('y') => {
                let prepared = screen.preview.take()?;
                screen.request = Some((request, Waiting::Writing));
                vec![Effect::ApplyAttribute {
                    conn: screen.conn,
                    request,
                    prepared,
                }]
            }
            KeyCode::Esc | KeyCode::Char('n') => {
                screen.preview = None;
                Vec::new()
            }
            _ => Vec::new(),
        });
    }
    match key.code {
        KeyCode::Esc => {
            state.screen = Screen::Browse;
            Some(Vec::new())
        }
        KeyCode::Up | KeyCode::Char('k') => {
            screen.selected = screen.selected.saturating_sub(1);
            Some(Vec::new())
        }
        KeyCode::Down | KeyCode::Char('j') => {
            let last = screen.group_count().saturating_sub(1);
            screen.selected = (screen.selected + 1).min(last);
            Some(Vec::new())
        }
        KeyCode::Char(c @ ('K' | 'J')) => {
            let delta = if c == 'K' { -1 } else { 1 };
            let Some((group_ids, to)) = screen.moved_order(delta) else {
                return Some(Vec::new());
            };
            let effects = plan(screen, request, AttributeChange::Rank { group_ids });
            if !effects.is_empty() {
                screen.selected = to;
            }
            Some(effects)
        }
        KeyCode::Char(c @ ('e' | 'd')) => {
            // The value is typed on the command line: `:group-value VALUE`, `:default VALUE`.
            let command = if c == 'e' {
                if screen.selected_group().is_none() {
                    return Some(Vec::new());
                }
                "group-value "
            } else {
                "default "
            };
            let mut line = CommandLine::default();
            line.text = command.to_owned();
            line.edited();
            state.dialog = Some(Dialog::Command(line));
            Some(Vec::new())
        }
        KeyCode::Char('r') => Some(reread(screen, request)),
        _ => None,
    }
}

/// Plans one change of the attribute (its preview comes back as [`planned`]); nothing while
/// another request is in flight.
fn plan(screen: &mut AttributeScreen, request: RequestId, change: AttributeChange) -> Vec<Effect> {
    if screen.request.is_some() {
        return Vec::new();
    }
    screen.request = Some((request, Waiting::Planning));
    screen.error = None;
    vec![Effect::PlanAttribute {
        conn: screen.conn,
        request,
        name: screen.name.clone(),
        edits: vec![AttributeEdit::Change(change)],
    }]
}

/// `:group-value VALUE` and `:default VALUE` on the attribute screen: plans the selected group's
/// new value, or the new default, for the preview.
pub fn plan_value(state: &mut State, default: bool, value: &str) -> Vec<Effect> {
    let request = state.next_id();
    let Some(screen) = screen(state) else {
        return state.toast("open an attribute first: `:attr NAME`".to_owned(), true);
    };
    let change = if default {
        AttributeChange::SetDefault {
            value: Some(value.to_owned()),
        }
    } else {
        let Some(group_id) = screen.selected_group() else {
            return Vec::new();
        };
        AttributeChange::SetGroupValue {
            group_id,
            value: value.to_owned(),
        }
    };
    plan(screen, request, change)
}

fn reread(screen: &mut AttributeScreen, request: RequestId) -> Vec<Effect> {
    screen.request = Some((request, Waiting::Reading));
    vec![Effect::PlanAttribute {
        conn: screen.conn,
        request,
        name: screen.name.clone(),
        edits: Vec::new(),
    }]
}

/// A read or a plan arrived.
pub fn planned(
    state: &mut State,
    request: RequestId,
    result: Result<Box<AttributePrepared>, String>,
) -> Vec<Effect> {
    let Some(screen) = screen(state) else {
        return Vec::new();
    };
    let Some((_, waiting)) = screen.request.filter(|(id, _)| *id == request) else {
        return Vec::new();
    };
    screen.request = None;
    match (result, waiting) {
        (Ok(read), Waiting::Reading) => {
            screen.sources = read.state.source_counts();
            screen.selected = screen
                .selected
                .min(read.snapshot.groups.len().saturating_sub(1));
            screen.read = Some(read);
            screen.error = None;
        }
        (Ok(plan), _) => screen.preview = Some(plan),
        (Err(why), _) => {
            screen.error = Some(why.clone());
            return state.toast(why, true);
        }
    }
    Vec::new()
}

/// A confirmed write ended: say what became of it and read the attribute again.
pub fn applied(
    state: &mut State,
    request: RequestId,
    result: Result<Vec<String>, String>,
) -> Vec<Effect> {
    let reread_request = state.next_id();
    let Some(screen) = screen(state) else {
        return Vec::new();
    };
    if screen.request.is_none_or(|(id, _)| id != request) {
        return Vec::new();
    }
    let mut effects = reread(screen, reread_request);
    let (text, error) = match result {
        Ok(lines) => (format!("done: {}", lines.join("; ")), false),
        Err(why) => (why, true),
    };
    effects.extend(state.toast(text, error));
    effects
}
