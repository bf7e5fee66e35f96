//! Dialogs over the current screen: help (generated from the key map), editor forms, and the
//! write preview (field-by-field changes and the exact requests, secrets masked).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::{Theme, clean};
use crate::app::editor::{EditorKind, EditorState};
use crate::app::layout::centered;
use crate::app::state::{PreviewState, State};

/// The widest a dialog gets.
const DIALOG_WIDTH: u16 = 100;

fn dialog_area(whole: Rect, width: u16, height: u16) -> Rect {
    let room = Rect {
        height: whole.height.saturating_sub(1),
        ..whole
    };
    centered(room, width, height)
}

/// The help dialog: every action with its keys, then the editor keys and commands.
pub fn draw_help(frame: &mut Frame<'_>, whole: Rect, state: &State, theme: &Theme) {
    let help = state.keys.help();
    let width = help.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 2;
    let entry = |(keys, what): &(String, &'static str)| {
        vec![
            Span::styled(format!("{keys:<width$}"), theme.header),
            Span::raw(format!("{what:<18}")),
        ]
    };
    // Two columns when one does not fit the terminal.
    let room = usize::from(whole.height.saturating_sub(8));
    let per_column = if help.len() > room {
        help.len().div_ceil(2)
    } else {
        help.len()
    };
    let mut lines: Vec<Line<'_>> = (0..per_column)
        .map(|row| {
            let mut spans = entry(&help[row]);
            if let Some(second) = help
                .get(row + per_column)
                .filter(|_| per_column < help.len())
            {
                spans.push(Span::raw("  "));
                spans.extend(entry(second));
            }
            Line::from(spans)
        })
        .collect();
    lines.push(Line::default());
    lines.push(Line::styled(
        "Forms: Tab/Shift-Tab field · Enter next field · Ctrl-S preview · Esc close",
        theme.dim,
    ));
    lines.push(Line::styled(
        "Preview: y/Enter send · Esc back to the form",
        theme.dim,
    ));
    lines.push(Line::styled(
        "Commands: :conn NAME · :user ID · :audit [NAME] · :export FILE · :q",
        theme.dim,
    ));
    let height = lines.len() as u16 + 2;
    let area = dialog_area(whole, 78, height);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::bordered()
                .title(" Help ")
                .border_style(theme.focused),
        ),
        area,
    );
}

/// An editor form: one input per field, the focused one highlighted, errors under fields.
pub fn draw_editor(
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

/// The write preview: summary, field changes (before → after, notes) and the requests.
pub fn draw_preview(
    frame: &mut Frame<'_>,
    whole: Rect,
    state: &State,
    preview: &PreviewState,
    theme: &Theme,
) {
    let conn = state
        .connections
        .get(preview.conn)
        .map(|c| clean(&c.name))
        .unwrap_or_default();
    let footer = if preview.applying.is_some() {
        " sending… ".to_owned()
    } else {
        " y/Enter send · Esc back · nothing is sent until you confirm ".to_owned()
    };
    let block = Block::bordered()
        .title(format!(" Preview on {conn} "))
        .title_bottom(Line::from(footer).right_aligned())
        .border_style(Style::new().fg(theme.accent(preview.conn)));
    let plan = &preview.plan;
    let mut lines = vec![
        Line::styled(clean(&plan.summary), theme.header),
        Line::default(),
    ];
    if plan.changes.is_empty() {
        lines.push(Line::styled("no field changes", theme.dim));
    }
    let width = plan
        .changes
        .iter()
        .map(|c| c.field.chars().count())
        .max()
        .unwrap_or(0);
    for change in &plan.changes {
        let before = change
            .before
            .as_deref()
            .map_or_else(|| "(unset)".to_owned(), clean);
        let after = change
            .after
            .as_deref()
            .map_or_else(|| "(unset)".to_owned(), clean);
        let mut spans = vec![
            Span::styled(format!("{:<width$}  ", clean(&change.field)), theme.header),
            Span::styled(before, theme.error),
            Span::raw(" → "),
            Span::styled(after, theme.good),
        ];
        if let Some(note) = &change.note {
            spans.push(Span::styled(format!("  [{}]", clean(note)), theme.warn));
        }
        lines.push(Line::from(spans));
    }
    for request in &plan.requests {
        lines.push(Line::default());
        for line in request.describe(plan.auth_scheme).lines() {
            lines.push(Line::styled(clean(line), theme.dim));
        }
    }
    let area = dialog_area(whole, DIALOG_WIDTH, lines.len() as u16 + 4);
    frame.render_widget(Clear, area);
    let inner_height = usize::from(area.height.saturating_sub(2));
    let offset = preview.offset.min(lines.len().saturating_sub(inner_height));
    let lines: Vec<Line<'_>> = lines.into_iter().skip(offset).collect();
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        area,
    );
}
