//! Small drawing helpers shared by several screens: highlighted match text, dialog placement and
//! scrolled text dialogs. Reads nothing but its arguments.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::Theme;

/// A filter as a title shows it: `/text`, with a cursor while it is typed.
pub fn filter_title(text: &str, typing: bool, theme: &Theme) -> Span<'static> {
    Span::styled(
        format!("/{}{} ", super::clean(text), if typing { "▏" } else { "" }),
        theme.highlight,
    )
}

/// The widest a dialog gets.
pub const DIALOG_WIDTH: u16 = 100;

pub use crate::app::layout::dialog_area;

/// A dialog of text lines in `block`, as tall as they need (up to the screen), scrolled so that
/// the line `offset` is the first one drawn (never past the last screenful).
pub fn scrolled_dialog(
    frame: &mut Frame<'_>,
    whole: Rect,
    block: Block<'_>,
    lines: Vec<Line<'_>>,
    offset: usize,
) {
    let area = dialog_area(whole, DIALOG_WIDTH, lines.len() as u16 + 4);
    frame.render_widget(Clear, area);
    let inner_height = usize::from(area.height.saturating_sub(2));
    let offset = offset.min(lines.len().saturating_sub(inner_height));
    let lines: Vec<Line<'_>> = lines.into_iter().skip(offset).collect();
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        area,
    );
}

/// The name of connection `conn`, made safe to draw (empty when there is none).
pub fn connection_name(state: &crate::app::state::State, conn: usize) -> String {
    state
        .connections
        .get(conn)
        .map(|c| super::clean(&c.name))
        .unwrap_or_default()
}

/// A text with the characters at `marks` highlighted.
pub fn highlighted(text: &str, marks: &[usize], theme: &Theme) -> Line<'static> {
    if marks.is_empty() {
        return Line::from(text.to_owned());
    }
    let mut spans = Vec::new();
    let mut run = String::new();
    let mut run_marked = false;
    for (index, c) in text.chars().enumerate() {
        let marked = marks.contains(&index);
        if marked != run_marked && !run.is_empty() {
            spans.push(span_of(std::mem::take(&mut run), run_marked, theme));
        }
        run_marked = marked;
        run.push(c);
    }
    if !run.is_empty() {
        spans.push(span_of(run, run_marked, theme));
    }
    Line::from(spans)
}

fn span_of(text: String, marked: bool, theme: &Theme) -> Span<'static> {
    if marked {
        Span::styled(text, theme.highlight)
    } else {
        Span::raw(text)
    }
}
