//! The help dialog, generated from the key map. Reads the state only.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::Theme;
use super::widgets::dialog_area;
use crate::app::state::State;

/// The help dialog: every action with its keys, then the editor keys and commands.
pub fn draw(frame: &mut Frame<'_>, whole: Rect, state: &State, theme: &Theme) {
    let help = state.keys.help();
    let width = help.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 2;
    let entry = |(keys, what): &(String, &'static str)| {
        vec![
            Span::styled(format!("{keys:<width$}"), theme.header),
            Span::raw(format!("{what:<18}")),
        ]
    };
    // Two columns when one does not fit the terminal.
    let room = usize::from(whole.height.saturating_sub(8));
    let per_column = if help.len() > room {
        help.len().div_ceil(2)
    } else {
        help.len()
    };
    let mut lines: Vec<Line<'_>> = (0..per_column)
        .map(|row| {
            let mut spans = entry(&help[row]);
            if let Some(second) = help
                .get(row + per_column)
                .filter(|_| per_column < help.len())
            {
                spans.push(Span::raw("  "));
                spans.extend(entry(second));
            }
            Line::from(spans)
        })
        .collect();
    lines.push(Line::default());
    lines.push(Line::styled(
        "Forms: Tab/Shift-Tab field · Enter next field · Ctrl-S preview · Esc close",
        theme.dim,
    ));
    lines.push(Line::styled(
        "Preview: y/Enter send · Esc back to the form",
        theme.dim,
    ));
    lines.push(Line::styled(
        "Commands: :conn NAME · :user ID · :audit [NAME] · :export FILE · :q",
        theme.dim,
    ));
    let height = lines.len() as u16 + 2;
    let area = dialog_area(whole, 78, height);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::bordered()
                .title(" Help ")
                .border_style(theme.focused),
        ),
        area,
    );
}
