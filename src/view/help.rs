//! The help dialog, generated from the key map: the keys of the screen the user is on first, then
//! every other key, then forms, preview, commands and the filter syntax. Where the terminal is too
//! short for all of it, it scrolls from the line the state says and its title says so. Reads the
//! state only.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::Theme;
use super::widgets::dialog_area;
use crate::app::keymap::Action;
use crate::app::state::State;

/// The help dialog's width.
const WIDTH: u16 = 96;

/// Draws the help dialog.
pub fn draw(frame: &mut Frame<'_>, whole: Rect, state: &State, theme: &Theme, offset: usize) {
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
        lines.extend(
            wrapped(text, inner)
                .into_iter()
                .map(|line| Line::styled(line, theme.dim)),
        );
    }
    let height = u16::try_from(lines.len())
        .unwrap_or(u16::MAX)
        .saturating_add(2);
    let area = dialog_area(whole, WIDTH, height);
    let shown = usize::from(area.height.saturating_sub(2));
    let offset = offset.min(lines.len().saturating_sub(shown));
    let title = if lines.len() <= shown {
        " Help · Esc closes ".to_owned()
    } else {
        format!(
            " Help · lines {}–{} of {} · j/k scroll · Esc closes ",
            offset + 1,
            (offset + shown).min(lines.len()),
            lines.len()
        )
    };
    let lines: Vec<Line<'_>> = lines.into_iter().skip(offset).collect();
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(title).border_style(theme.focused)),
        area,
    );
}

/// A text broken at spaces into lines of at most `width` columns (a longer word stays whole, and
/// continuation lines are indented by two), so the help's line count is what it draws.
fn wrapped(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let needed = UnicodeWidthStr::width(line.as_str()) + 1 + UnicodeWidthStr::width(word);
        if !line.trim().is_empty() && needed > width {
            lines.push(std::mem::replace(&mut line, "  ".to_owned()));
        } else if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
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

#[cfg(test)]
mod tests {
    use super::wrapped;

    #[test]
    fn long_help_lines_break_at_spaces_within_the_width() {
        let lines = wrapped("Forms: Tab field · Enter next · Ctrl-S preview", 20);
        assert_eq!(
            lines,
            ["Forms: Tab field ·", "  Enter next ·", "  Ctrl-S preview"]
        );
        assert!(lines.iter().all(|l| l.chars().count() <= 20));
        assert_eq!(wrapped("short", 20), ["short"]);
    }
}
