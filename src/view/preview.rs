//! The write preview: summary, field changes (before → after, notes) and the exact requests with
//! secrets masked. Reads the state only.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::widgets::{DIALOG_WIDTH, dialog_area};
use super::{Theme, clean};
use crate::app::state::{PreviewState, State};

/// The write preview: summary, field changes (before → after, notes) and the requests.
pub fn draw(
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
    // Says whose record the write is for: the detail's user, or a new one.
    let who = match &preview.user_id {
        Some(id) => state
            .detail
            .as_ref()
            .filter(|d| d.user_id == *id && d.conn == preview.conn)
            .and_then(|_| state.detail_user_label())
            .unwrap_or_else(|| format!("user {id}")),
        None => "a new user".to_owned(),
    };
    let block = Block::bordered()
        .title(format!(" Preview on {conn} · {} ", clean(&who)))
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
