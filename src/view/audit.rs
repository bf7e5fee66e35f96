//! The audit screen: the run's progress, then findings grouped under one header per finding,
//! system locks as one summary line per attribute, matches of the filter highlighted. Only the
//! lines that fit are looked at. Reads the state only.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::width::fit;
use super::{Theme, clean};
use crate::app::audit::{AuditLine, AuditState, row_columns};
use crate::app::filter::Filter;
use crate::app::layout::{AUDIT_CHROME, rows_in};
use crate::app::state::State;
use crate::domain::audit::grouped;

/// Draws the audit view.
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
        grouped(audit.finding_count())
    ))];
    if let Some(kind) = audit.kind_filter {
        title.push(Span::styled(
            format!("· only {} ", kind.as_str()),
            theme.warn,
        ));
    }
    if audit.filtering || !audit.filter.is_empty() {
        title.push(super::widgets::filter_title(
            &audit.filter,
            audit.filtering,
            theme,
        ));
    }
    let block = Block::bordered()
        .title(Line::from(title))
        .border_style(theme.focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut progress = vec![if audit.is_running() {
        Span::styled(
            format!(
                "reading users: {} of {}…",
                grouped(audit.done),
                grouped(audit.total)
            ),
            theme.warn,
        )
    } else {
        let plural = if audit.done == 1 { "" } else { "s" };
        Span::styled(
            format!("read {} user{plural}", grouped(audit.done)),
            theme.good,
        )
    }];
    if audit.failed > 0 {
        progress.push(Span::styled(
            format!(" · {} failed", grouped(audit.failed)),
            theme.error,
        ));
    }
    let mut lines = vec![Line::from(progress)];
    let widths = Widths::new(inner.width, &names);
    let mut filter = Filter::new(&audit.filter);
    let selected = audit.selected();
    let rows = rows_in(area, AUDIT_CHROME);
    for at in audit.offset..audit.offset + rows {
        let Some(line) = audit.line(at) else {
            break;
        };
        let style = if at == selected {
            theme.selected
        } else {
            Style::new()
        };
        lines.push(
            match line {
                AuditLine::Header(kind, count) => Line::styled(
                    format!(
                        "{} {} ({})",
                        if audit.is_collapsed(kind) {
                            "▸"
                        } else {
                            "▾"
                        },
                        kind.as_str(),
                        grouped(count)
                    ),
                    theme.header,
                ),
                AuditLine::Summary(index) => {
                    let count = audit.summary(index);
                    let conn = state
                        .connections
                        .iter()
                        .position(|c| c.name == count.connection);
                    Line::from(vec![
                        Span::styled(
                            format!("  {} ", fit(&clean(&count.connection), widths.conn)),
                            Style::new().fg(theme.accent(conn.unwrap_or(0))),
                        ),
                        Span::styled(clean(&count.attribute), theme.header),
                        Span::raw(" — "),
                        Span::styled(clean(&audit.summary_detail(index)), theme.dim),
                    ])
                }
                AuditLine::Row(index) => {
                    let row = &audit.rows[index];
                    let columns = row_columns(row).map(clean);
                    let marks = filter.highlights(&columns.each_ref().map(String::as_str));
                    let mut spans = vec![Span::styled(
                        format!("  {} ", fit(&columns[1], widths.conn)),
                        Style::new().fg(theme.accent(row.conn)),
                    )];
                    for (column, width) in [(2, widths.user), (3, widths.attribute)] {
                        let text = fit(&columns[column], width);
                        spans.extend(
                            super::widgets::highlighted(&text, &marks[column], theme).spans,
                        );
                        spans.push(Span::raw(" "));
                    }
                    spans.push(Span::styled(columns[4].clone(), theme.dim));
                    Line::from(spans)
                }
            }
            .style(style),
        );
    }
    if audit.line_count() == 0 && !audit.is_running() {
        lines.push(Line::styled(
            if audit.filter.is_empty() && audit.kind_filter.is_none() {
                "no findings"
            } else {
                "no finding matches the filter"
            },
            theme.dim,
        ));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// Column widths of the audit list, in cells.
struct Widths {
    conn: usize,
    user: usize,
    attribute: usize,
}

impl Widths {
    fn new(width: u16, names: &[String]) -> Self {
        Self {
            conn: names
                .iter()
                .map(|n| super::width::display_width(n))
                .max()
                .unwrap_or(4)
                .min(12),
            user: usize::from(width / 4).clamp(8, 32),
            attribute: usize::from(width / 6).clamp(8, 24),
        }
    }
}
