//! The status line (the keys that apply here, the filter or the `:` command line) and toasts.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::{Theme, clean};
use crate::app::keymap::Action;
use crate::app::state::{Dialog, Focus, Screen, State};

/// The actions worth showing in the status line for where the user is.
fn actions_here(state: &State) -> Vec<Action> {
    use Action::*;
    let capabilities = state.connection().and_then(|c| c.capabilities);
    match (&state.screen, &state.dialog) {
        (_, Some(Dialog::Help)) => vec![Back],
        (Screen::Audit(_), _) => vec![Up, Down, Open, Filter, Audit, Refresh, Command, Back, Quit],
        (Screen::Person(_), _) => vec![Refresh, Back, Help, Quit],
        (Screen::Browse, _) => match state.focus {
            Focus::Connections => vec![Down, NextPane, Open, Filter, Audit, Help, Quit],
            Focus::Users => {
                let mut actions = vec![Down, Open, Filter, Person, Refresh];
                if capabilities.is_some_and(|c| c.create) {
                    actions.push(Create);
                }
                actions.extend([Audit, Help, Quit]);
                actions
            }
            Focus::Detail => {
                let mut actions = vec![Down, Edit, Delete, Update];
                if capabilities.is_some_and(|c| c.replace) {
                    actions.push(Replace);
                }
                actions.extend([Raw, Person, Back, Help, Quit]);
                actions
            }
        },
    }
}

/// Draws the status line.
pub fn draw_status(frame: &mut Frame<'_>, area: Rect, state: &State, theme: &Theme) {
    let line = match &state.dialog {
        Some(Dialog::Command(text)) => Line::from(vec![
            Span::styled(":", theme.header),
            Span::raw(clean(text)),
            Span::styled("▏", theme.highlight),
        ]),
        Some(Dialog::Editor(_)) => Line::styled(
            "Tab/Shift-Tab field · Enter next · Ctrl-S preview · Esc close",
            theme.dim,
        ),
        Some(Dialog::Preview(_)) => {
            Line::styled("y/Enter send · Up/Down scroll · Esc back", theme.dim)
        }
        _ if state.users.filtering && matches!(state.screen, Screen::Browse) => Line::styled(
            "type to filter · Up/Down move · Enter keep · Esc clear",
            theme.dim,
        ),
        _ if matches!(&state.screen, Screen::Audit(a) if a.filtering) => Line::styled(
            "type to filter findings · Enter keep · Esc clear",
            theme.dim,
        ),
        _ => {
            let mut spans = Vec::new();
            for action in actions_here(state) {
                if !spans.is_empty() {
                    spans.push(Span::styled(" · ", theme.dim));
                }
                spans.push(Span::styled(state.keys.keys_of(action), theme.header));
                spans.push(Span::raw(format!(" {}", action.description())));
            }
            Line::from(spans)
        }
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// Draws the toasts, newest at the bottom, in the lower right of `area`.
pub fn draw_toasts(frame: &mut Frame<'_>, area: Rect, state: &State, theme: &Theme) {
    let width = (area.width * 3 / 5).max(20).min(area.width);
    let mut bottom = area.y + area.height;
    for toast in state.toasts.iter().rev() {
        let text = clean(&toast.text);
        let inner = usize::from(width.saturating_sub(2)).max(1);
        let rows = text.chars().count().div_ceil(inner).clamp(1, 4) as u16;
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
