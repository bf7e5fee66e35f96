//! The help dialog: draws the lines `app::help` lays out for the screen the user is on, scrolled
//! from the line the state says (never past the last screenful), its title naming the lines shown
//! when they do not all fit. Reads the state only.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::Theme;
use crate::app::help::{self, HelpLine};
use crate::app::state::State;

/// Draws the help dialog.
pub fn draw(frame: &mut Frame<'_>, whole: Rect, state: &State, theme: &Theme, offset: usize) {
    let lines = help::lines(state, whole.width);
    let count = lines.len();
    let (area, shown) = help::area(whole, count);
    let offset = offset.min(count.saturating_sub(shown));
    let title = if count <= shown {
        " Help · Esc closes ".to_owned()
    } else {
        format!(
            " Help · lines {}–{} of {count} · j/k scroll · Esc closes ",
            offset + 1,
            (offset + shown).min(count),
        )
    };
    let lines: Vec<Line<'_>> = lines
        .into_iter()
        .skip(offset)
        .map(|line| styled(line, theme))
        .collect();
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(title).border_style(theme.focused)),
        area,
    );
}

/// One help line in the theme's styles.
fn styled(line: HelpLine, theme: &Theme) -> Line<'static> {
    match line {
        HelpLine::Heading(text) => Line::styled(text, theme.header),
        HelpLine::Note(text) => Line::styled(text, theme.dim),
        HelpLine::Keys { entries, key, what } => Line::from(
            entries
                .into_iter()
                .flat_map(|(keys, description)| {
                    [
                        Span::styled(format!("{keys:<key$}"), theme.header),
                        Span::raw(format!("{description:<what$}")),
                    ]
                })
                .collect::<Vec<_>>(),
        ),
    }
}
