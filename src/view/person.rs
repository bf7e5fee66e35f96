//! The person screen: one column per connection, one row per compared field, mismatches flagged.
//! Reads the state only.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, Wrap};

use super::{Theme, clean};
use crate::app::person::{PersonCell, PersonState};

/// The person view: one column per connection, one row per compared field, mismatches flagged.
pub fn draw(frame: &mut Frame<'_>, area: Rect, person: &PersonState, theme: &Theme) {
    let mut title = vec![Span::raw(format!(" Person · {} ", clean(&person.who)))];
    if person.filtering || !person.filter.is_empty() {
        title.push(super::widgets::filter_title(
            &person.filter,
            person.filtering,
            theme,
        ));
    }
    let block = Block::bordered()
        .title(Line::from(title))
        .border_style(theme.focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let (rows, missing) = person.rows();
    // Each connection's header says which key found the person there.
    let header = std::iter::once(Cell::from("")).chain(person.columns.iter().map(|c| {
        let mut spans = vec![Span::styled(
            clean(&c.name),
            Style::new()
                .fg(theme.accent(c.conn))
                .add_modifier(Modifier::BOLD),
        )];
        if let Some(key) = c.matched {
            spans.push(Span::styled(format!(" · {}", key.describe()), theme.dim));
        }
        Cell::from(Line::from(spans))
    }));
    let room = usize::from(inner.height.saturating_sub(4)).max(1);
    let offset = person.offset.min(rows.len().saturating_sub(room));
    let mut table_rows: Vec<Row<'_>> = rows
        .iter()
        .skip(offset)
        .take(room)
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
    let label_width = rows
        .iter()
        .map(|r| super::width::display_width(&r.label) + 2)
        .max()
        .unwrap_or(11)
        .clamp(11, 28) as u16;
    let mut widths = vec![Constraint::Length(label_width)];
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
        .map(|r| r.label.as_str())
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
