//! The help dialog, generated from the key map: the keys of the screen the user is on first, then
//! every other key, then forms, preview, commands and the filter syntax. Reads the state only.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::Theme;
use super::widgets::dialog_area;
use crate::app::keymap::Action;
use crate::app::state::State;

/// The help dialog's width.
const WIDTH: u16 = 96;

/// Draws the help dialog.
pub fn draw(frame: &mut Frame<'_>, whole: Rect, state: &State, theme: &Theme) {
    let here = state.screen_actions();
    let others: Vec<Action> = Action::ALL
        .into_iter()
        .filter(|a| !here.contains(a))
        .collect();
    let inner = usize::from(WIDTH.min(whole.width).saturating_sub(2));
    let mut lines = vec![Line::styled(
        format!("Here ({}):", state.screen_name()),
        theme.header,
    )];
    lines.extend(columns(&state.keys.help_for(&here), inner, theme));
    lines.push(Line::styled("Everywhere else:", theme.header));
    lines.extend(columns(&state.keys.help_for(&others), inner, theme));
    for text in [
        "Forms: Tab field · Enter next · Ctrl-S preview · Ctrl-E $EDITOR (JSON) · Esc close",
        "Preview: y/Enter send · Esc back to the form",
        "Detail: Enter on a Looker user attribute opens its attribute screen; elsewhere it edits",
        "Bulk: e/d/u with users marked edit them all · one preview · Esc/Ctrl-C stops a running batch",
        ":conn NAME · :user ID · :attr NAME · :audit [NAME] · :export FILE · :q (Tab completes)",
        "Filter: words all match · 'exact · ^prefix · suffix$ · !not · ranked best first",
    ] {
        lines.push(Line::styled(text, theme.dim));
    }
    let height = lines.len() as u16 + 2;
    let area = dialog_area(whole, WIDTH, height);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::bordered()
                .title(" Help · Esc closes ")
                .border_style(theme.focused),
        ),
        area,
    );
}

/// Key entries laid out in as many columns as fit `width`.
fn columns(entries: &[(String, &'static str)], width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let keys = entries.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 1;
    let what = entries.iter().map(|(_, w)| w.len()).max().unwrap_or(0) + 2;
    let per_line = (width / (keys + what)).max(1);
    entries
        .chunks(per_line)
        .map(|chunk| {
            let spans: Vec<Span<'static>> = chunk
                .iter()
                .flat_map(|(key, description)| {
                    [
                        Span::styled(format!("{key:<keys$}"), theme.header),
                        Span::raw(format!("{description:<what$}")),
                    ]
                })
                .collect();
            Line::from(spans)
        })
        .collect()
}
