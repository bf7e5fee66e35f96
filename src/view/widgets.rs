//! Small drawing helpers shared by several screens: highlighted match text and dialog placement.
//! Reads nothing but its arguments.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::Theme;
use crate::app::layout::centered;

/// A filter as a title shows it: `/text`, with a cursor while it is typed.
pub fn filter_title(text: &str, typing: bool, theme: &Theme) -> Span<'static> {
    Span::styled(
        format!("/{}{} ", super::clean(text), if typing { "▏" } else { "" }),
        theme.highlight,
    )
}

/// The widest a dialog gets.
pub const DIALOG_WIDTH: u16 = 100;

/// A centred dialog rectangle that leaves the status line free.
pub fn dialog_area(whole: Rect, width: u16, height: u16) -> Rect {
    let room = Rect {
        height: whole.height.saturating_sub(1),
        ..whole
    };
    centered(room, width, height)
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
