//! The journal screen: one row per journaled write, newest first — id, time, outcome,
//! connection, user, summary and batch — with the selected row highlighted. Reads the state only.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};

use super::{Theme, clean, clean_or_dash};
use crate::app::journal::JournalView;
use crate::app::layout::{TABLE_CHROME, rows_in};
use crate::app::state::State;
use crate::journal::Outcome;

/// Draws the journal screen.
pub fn draw(frame: &mut Frame<'_>, area: Rect, state: &State, view: &JournalView, theme: &Theme) {
    let undo = state.keys.short_key(crate::app::keymap::Action::Undo);
    let block = Block::bordered()
        .title(Line::from(vec![
            Span::raw(" Journal "),
            Span::styled(
                format!("· {} entries, newest first ", view.entries.len()),
                theme.dim,
            ),
        ]))
        .title_bottom(
            Line::from(format!(" {undo} reverts the entry, or its whole batch ")).right_aligned(),
        )
        .border_style(theme.focused);
    let message = match (&view.error, view.request, view.entries.is_empty()) {
        (Some(why), _, _) => Some(format!("cannot read the journal: {}", clean(why))),
        (None, Some(_), true) => Some("reading the journal…".to_owned()),
        (None, None, true) => Some("no write is journaled yet".to_owned()),
        _ => None,
    };
    if let Some(message) = message {
        frame.render_widget(Paragraph::new(message).style(theme.dim).block(block), area);
        return;
    }
    let rows: Vec<Row<'_>> = view
        .entries
        .iter()
        .enumerate()
        .skip(view.offset)
        .take(rows_in(area, TABLE_CHROME))
        .map(|(index, entry)| {
            let outcome_style = match entry.outcome {
                Outcome::Written => theme.good,
                Outcome::NotApplied => theme.dim,
                Outcome::Pending | Outcome::Unknown | Outcome::Partial => theme.warn,
            };
            let row = Row::new(vec![
                Cell::from(entry.id.to_string()),
                Cell::from(clean(&entry.time)),
                Cell::from(Span::styled(entry.outcome.as_str(), outcome_style)),
                Cell::from(clean(&entry.connection)),
                Cell::from(clean_or_dash(
                    entry.user.as_deref().or(entry.user_id.as_deref()),
                )),
                Cell::from(clean(&entry.summary)),
                Cell::from(clean_or_dash(entry.batch.as_deref())),
            ]);
            if index == view.selected {
                row.style(theme.selected)
            } else {
                row
            }
        })
        .collect();
    let widths = [
        Constraint::Length(5),
        Constraint::Length(20),
        Constraint::Length(11),
        Constraint::Fill(1),
        Constraint::Fill(2),
        Constraint::Fill(3),
        Constraint::Fill(2),
    ];
    let header = Row::new([
        "id",
        "time",
        "outcome",
        "connection",
        "user",
        "summary",
        "batch",
    ])
    .style(theme.header);
    frame.render_widget(Table::new(rows, widths).header(header).block(block), area);
}
