//! An editor form: one input per field, the focused one highlighted, errors under their fields.
//! Reads the state only.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::widgets::{DIALOG_WIDTH, dialog_area};
use super::{Theme, clean};
use crate::app::editor::{EditorKind, EditorState};
use crate::app::state::State;

/// An editor form: one input per field, the focused one highlighted, errors under fields.
pub fn draw(
    frame: &mut Frame<'_>,
    whole: Rect,
    state: &State,
    editor: &EditorState,
    theme: &Theme,
) {
    let wanted: u16 = editor
        .fields
        .iter()
        .map(|f| {
            if f.multiline {
                whole.height
            } else {
                3 + u16::from(f.error.is_some())
            }
        })
        .sum::<u16>()
        .saturating_add(4);
    let area = dialog_area(whole, DIALOG_WIDTH, wanted);
    frame.render_widget(Clear, area);
    let who = editor
        .record
        .as_ref()
        .and_then(|r| r.username.clone())
        .map(|u| format!(" · {}", clean(&u)))
        .unwrap_or_default();
    let conn = state
        .connections
        .get(editor.conn)
        .map(|c| clean(&c.name))
        .unwrap_or_default();
    let block = Block::bordered()
        .title(format!(" {}{who} on {conn} ", editor.kind.title()))
        .title_bottom(Line::from(" Tab field · Ctrl-S preview · Esc close ").right_aligned())
        .border_style(Style::new().fg(theme.accent(editor.conn)));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let mut constraints = Vec::new();
    let status = if state.planning.is_some() {
        Some(Line::styled("building the preview…", theme.dim))
    } else {
        editor
            .message
            .as_ref()
            .map(|m| Line::styled(clean(m), theme.error))
    };
    if status.is_some() {
        constraints.push(Constraint::Length(2));
    }
    let fixed = editor.fields.iter().filter(|f| !f.multiline).count();
    for field in &editor.fields {
        let errors = u16::from(field.error.is_some());
        if field.multiline {
            constraints.push(Constraint::Min(3 + errors));
        } else {
            constraints.push(Constraint::Length(3 + errors));
        }
    }
    if fixed == editor.fields.len() {
        constraints.push(Constraint::Min(0));
    }
    let areas = Layout::vertical(constraints).split(inner);
    let mut next = 0;
    if let Some(status) = status {
        frame.render_widget(Paragraph::new(status).wrap(Wrap { trim: true }), areas[0]);
        next = 1;
    }
    for (index, field) in editor.fields.iter().enumerate() {
        let Some(&slot) = areas.get(next + index) else {
            break;
        };
        let focused = index == editor.focus;
        let (input_area, error_area) = match field.error {
            Some(_) => {
                let [input, error] =
                    Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(slot);
                (input, Some(error))
            }
            None => (slot, None),
        };
        let mut label = format!(" {} ", field.name);
        if field.required {
            label.push_str("* ");
        }
        if matches!(
            editor.kind,
            EditorKind::SetAttribute {
                multi_valued: true,
                ..
            }
        ) {
            label.push_str("(one value per line) ");
        }
        let mut input = field.input.clone();
        input.set_block(
            Block::bordered()
                .title(label)
                .border_style(theme.border(focused)),
        );
        input.set_cursor_line_style(Style::new());
        if !focused {
            input.set_cursor_style(Style::new());
        }
        frame.render_widget(&input, input_area);
        if let (Some(error), Some(error_area)) = (&field.error, error_area) {
            frame.render_widget(
                Paragraph::new(Line::styled(format!("  {}", clean(error)), theme.error)),
                error_area,
            );
        }
    }
}
