//! The status line and toasts. The status line shows the keys of the focused screen, taken from
//! the key map in the screen's order of usefulness and cut to the width (help and quit always
//! fit); while a filter or the `:` line is typed, what typing does. Reads the state only.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::width::display_width;
use super::{Theme, clean};
use crate::app::keymap::Action;
use crate::app::state::{Dialog, Screen, State};

/// The separator between status entries.
const SEPARATOR: &str = " · ";

/// The (key, description) entries of the status line, cut to `width` cells; help and quit last.
pub fn status_entries(state: &State, width: usize) -> Vec<(String, &'static str)> {
    let keys = &state.keys;
    let entry = |action: Action| (keys.short_key(action), action.hint());
    let tail = [entry(Action::Help), entry(Action::Quit)];
    let cost = |(key, what): &(String, &str)| {
        display_width(key) + 1 + display_width(what) + display_width(SEPARATOR)
    };
    let mut room = width.saturating_sub(tail.iter().map(cost).sum());
    let mut entries = Vec::new();
    // In the screen's order; an entry that does not fit makes room for a shorter one after it.
    for action in state.screen_actions() {
        let item = entry(action);
        if cost(&item) <= room {
            room -= cost(&item);
            entries.push(item);
        }
    }
    entries.extend(tail);
    entries
}

/// Draws the status line (and, on the `:` line, the completions above it).
pub fn draw_status(frame: &mut Frame<'_>, area: Rect, state: &State, theme: &Theme) {
    let typing = |text: &'static str| Line::styled(text, theme.dim);
    let line = match &state.dialog {
        Some(Dialog::Command(command)) => {
            draw_completions(frame, area, command, theme);
            Line::from(vec![
                Span::styled(":", theme.header),
                Span::raw(clean(&command.text)),
                Span::styled("▏", theme.highlight),
                Span::styled("   Tab complete · Up/Down history · Enter run", theme.dim),
            ])
        }
        Some(Dialog::Editor(_)) => {
            typing("Tab/Shift-Tab field · Enter next · Ctrl-S preview · Ctrl-E $EDITOR · Esc close")
        }
        Some(Dialog::Preview(_)) => typing("y/Enter send · Up/Down scroll · Esc back"),
        Some(Dialog::Yank(_)) => typing("press the key of what to copy · any other key closes"),
        _ if state.users.filtering && matches!(state.screen, Screen::Browse) => typing(
            "type to filter ('exact ^prefix suffix$ !not) · Up/Down move · Enter keep · Esc clear",
        ),
        _ if state.detail.as_ref().is_some_and(|d| d.searching) => {
            typing("type to search the attributes · Enter keep · n/N next/previous · Esc clear")
        }
        _ if matches!(&state.screen, Screen::Audit(a) if a.filtering)
            || matches!(&state.screen, Screen::Person(p) if p.filtering) =>
        {
            typing("type to filter ('exact ^prefix suffix$ !not) · Enter keep · Esc clear")
        }
        _ => {
            let mut spans = Vec::new();
            for (key, what) in status_entries(state, usize::from(area.width)) {
                if !spans.is_empty() {
                    spans.push(Span::styled(SEPARATOR, theme.dim));
                }
                spans.push(Span::styled(key, theme.header));
                spans.push(Span::raw(format!(" {what}")));
            }
            Line::from(spans)
        }
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// The completions Tab found, on the line above the status line, the current one highlighted.
fn draw_completions(
    frame: &mut Frame<'_>,
    status: Rect,
    command: &crate::app::command::CommandLine,
    theme: &Theme,
) {
    if command.completions.len() < 2 || status.y == 0 {
        return;
    }
    let area = Rect {
        y: status.y - 1,
        ..status
    };
    let mut spans = vec![Span::raw(" ")];
    for (index, choice) in command.completions.iter().enumerate() {
        let style = if index == command.completion {
            theme.selected
        } else {
            theme.dim
        };
        spans.push(Span::styled(clean(choice.trim_end()), style));
        spans.push(Span::raw("  "));
    }
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Draws the toasts, newest at the bottom, in the lower right of `area`.
pub fn draw_toasts(frame: &mut Frame<'_>, area: Rect, state: &State, theme: &Theme) {
    let width = (area.width * 3 / 5).max(20).min(area.width);
    let mut bottom = area.y + area.height;
    for toast in state.toasts.iter().rev() {
        let text = clean(&toast.text);
        let inner = usize::from(width.saturating_sub(2)).max(1);
        let rows = display_width(&text).div_ceil(inner).clamp(1, 4) as u16;
        let height = rows + 2;
        if bottom < area.y + height {
            break;
        }
        bottom -= height;
        let rect = Rect {
            x: area.x + area.width - width,
            y: bottom,
            width,
            height,
        };
        let style = if toast.error { theme.error } else { theme.good };
        frame.render_widget(Clear, rect);
        frame.render_widget(
            Paragraph::new(text)
                .wrap(Wrap { trim: true })
                .style(style)
                .block(Block::bordered().border_style(style)),
            rect,
        );
    }
}
