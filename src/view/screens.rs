//! Full-screen views: the audit findings grouped by finding, and one person across connections.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, Wrap};

use super::{Theme, clean};
use crate::app::audit::{AuditLine, AuditState};
use crate::app::layout::rows_in;
use crate::app::person::{PersonCell, PersonState, compare};
use crate::app::state::State;
use crate::text::truncate_for_display;

/// The audit view: progress, then findings grouped under one header per finding.
pub fn draw_audit(
    frame: &mut Frame<'_>,
    area: Rect,
    state: &State,
    audit: &AuditState,
    theme: &Theme,
) {
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
    let rows = rows_in(area, 3);
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

/// The person view: one column per connection, one row per compared field, mismatches flagged.
pub fn draw_person(
    frame: &mut Frame<'_>,
    area: Rect,
    state: &State,
    person: &PersonState,
    theme: &Theme,
) {
    let _ = state;
    let block = Block::bordered()
        .title(format!(" Person · {} ", clean(&person.who)))
        .border_style(theme.focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let (rows, missing) = compare(&person.columns);
    let header = std::iter::once(Cell::from("")).chain(person.columns.iter().map(|c| {
        Cell::from(Span::styled(
            clean(&c.name),
            Style::new()
                .fg(theme.accent(c.conn))
                .add_modifier(Modifier::BOLD),
        ))
    }));
    let mut table_rows: Vec<Row<'_>> = rows
        .iter()
        .map(|row| {
            let label_style = if row.mismatch {
                theme.error
            } else {
                theme.header
            };
            let label = format!("{}{}", if row.mismatch { "≠ " } else { "  " }, row.label);
            let cells = std::iter::once(Cell::from(Span::styled(label, label_style))).chain(
                person
                    .columns
                    .iter()
                    .zip(&row.values)
                    .map(|(column, value)| {
                        let text = match (&column.cell, value) {
                            (PersonCell::Found(_), Some(value)) => Span::styled(
                                clean(value),
                                if row.mismatch {
                                    theme.error
                                } else {
                                    Style::new()
                                },
                            ),
                            (PersonCell::Found(_), None) => Span::styled("—", theme.dim),
                            (PersonCell::Pending, _) => Span::styled("…", theme.dim),
                            (PersonCell::Missing, _) => Span::styled("not found", theme.error),
                            (PersonCell::Failed(why), _) => {
                                Span::styled(format!("error: {}", clean(why)), theme.error)
                            }
                        };
                        Cell::from(text)
                    }),
            );
            Row::new(cells.collect::<Vec<_>>())
        })
        .collect();
    table_rows.push(Row::new(vec![Cell::from("")]));
    let n = person.columns.len().max(1) as u16;
    let mut widths = vec![Constraint::Length(11)];
    widths.extend((0..n).map(|_| Constraint::Fill(1)));
    let table_height = (table_rows.len() + 1) as u16;
    let table_area = Rect {
        height: table_height.min(inner.height),
        ..inner
    };
    frame.render_widget(
        Table::new(table_rows, widths).header(Row::new(header.collect::<Vec<_>>())),
        table_area,
    );
    let mut summary = Vec::new();
    let flagged: Vec<&str> = rows
        .iter()
        .filter(|r| r.mismatch)
        .map(|r| r.label)
        .collect();
    if !flagged.is_empty() {
        summary.push(Line::styled(
            format!("mismatch: {}", flagged.join(", ")),
            theme.error,
        ));
    }
    if missing {
        let names: Vec<String> = person
            .columns
            .iter()
            .filter(|c| c.cell == PersonCell::Missing)
            .map(|c| clean(&c.name))
            .collect();
        summary.push(Line::styled(
            format!("missing on: {}", names.join(", ")),
            theme.error,
        ));
    }
    let pending = person.columns.iter().any(|c| c.cell == PersonCell::Pending);
    if summary.is_empty() && !pending {
        summary.push(Line::styled(
            "consistent across the connections where found",
            theme.good,
        ));
    }
    let summary_area = Rect {
        y: inner.y + table_area.height,
        height: inner.height.saturating_sub(table_area.height),
        ..inner
    };
    frame.render_widget(
        Paragraph::new(summary).wrap(Wrap { trim: true }),
        summary_area,
    );
}
