//! The copy menu (`y`): one line per thing that can be copied, with its key. Reads the state only.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::widgets::dialog_area;
use super::{Theme, clean};
use crate::app::yank::YankMenu;

/// Draws the copy menu.
pub fn draw(frame: &mut Frame<'_>, whole: Rect, menu: &YankMenu, theme: &Theme) {
    let lines: Vec<Line<'_>> = menu
        .choices
        .iter()
        .map(|choice| {
            Line::from(vec![
                Span::styled(format!(" {} ", choice.key), theme.header),
                Span::raw(format!("{}  ", clean(&choice.label))),
                Span::styled(clean(&choice.text), theme.dim),
            ])
        })
        .collect();
    let area = dialog_area(whole, 72, lines.len() as u16 + 2);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::bordered()
                .title(" Copy · a key copies, any other closes ")
                .border_style(theme.focused),
        ),
        area,
    );
}
