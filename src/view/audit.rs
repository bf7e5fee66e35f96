//! The audit screen: the run's progress, then findings grouped under one header per finding.
//! Reads the state only.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{Theme, clean};
use crate::app::audit::{AuditLine, AuditState};
use crate::app::layout::{AUDIT_CHROME, rows_in};
use crate::app::state::State;
use crate::text::truncate_for_display;

/// The audit view: progress, then findings grouped under one header per finding.
pub fn draw(frame: &mut Frame<'_>, area: Rect, state: &State, audit: &AuditState, theme: &Theme) {
    let names: Vec<String> = audit
        .conns
        .iter()
        .filter_map(|c| state.connections.get(*c))
        .map(|c| clean(&c.name))
        .collect();
    let mut title = vec![Span::raw(format!(
        " Audit of {} · {} findings ",
        names.join(", "),
        audit.rows.len()
    ))];
    if audit.filtering || !audit.filter.is_empty() {
        title.push(Span::styled(
            format!(
                "/{}{} ",
                audit.filter,
                if audit.filtering { "▏" } else { "" }
            ),
            theme.highlight,
        ));
    }
    let block = Block::bordered()
        .title(Line::from(title))
        .border_style(theme.focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let progress = if audit.is_running() {
        Span::styled(
            format!("reading users: {} of {}…", audit.done, audit.total),
            theme.warn,
        )
    } else {
        Span::styled(format!("read {} users", audit.done), theme.good)
    };
    let mut progress_line = vec![progress];
    if audit.failed > 0 {
        progress_line.push(Span::styled(
            format!(" · {} failed", audit.failed),
            theme.error,
        ));
    }
    let mut lines = vec![Line::from(progress_line)];
    let rows = rows_in(area, AUDIT_CHROME);
    let user_width = usize::from(inner.width / 4).clamp(8, 32);
    let attribute_width = usize::from(inner.width / 6).clamp(8, 24);
    let conn_width = names
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(4)
        .min(12);
    for (index, line) in audit.lines.iter().enumerate().skip(audit.offset).take(rows) {
        match line {
            AuditLine::Header(kind, count) => lines.push(Line::styled(
                format!("▸ {} ({count})", kind.as_str()),
                theme.header.fg(ratatui::style::Color::Cyan),
            )),
            AuditLine::Row(row_index) => {
                let row = &audit.rows[*row_index];
                let f = &row.finding;
                let style = if index == audit.selected {
                    theme.selected
                } else {
                    Style::new()
                };
                lines.push(
                    Line::from(vec![
                        Span::styled(
                            format!(
                                "  {:<conn_width$} ",
                                truncate_for_display(&clean(&f.connection), conn_width)
                            ),
                            Style::new().fg(theme.accent(row.conn)),
                        ),
                        Span::raw(format!(
                            "{:<user_width$} {:<attribute_width$} ",
                            truncate_for_display(&clean(&f.user), user_width),
                            truncate_for_display(&clean(&f.attribute), attribute_width),
                        )),
                        Span::styled(clean(&f.detail), theme.dim),
                    ])
                    .style(style),
                );
            }
        }
    }
    if audit.lines.is_empty() && !audit.is_running() {
        lines.push(Line::styled(
            if audit.filter.is_empty() {
                "no findings"
            } else {
                "no finding matches the filter"
            },
            theme.dim,
        ));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
