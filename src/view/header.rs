//! The header line: the connection in use, its server (base URL, never credentials) and the
//! config file the connections come from. Reads the state only.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Theme, clean};
use crate::app::state::State;

/// Draws the header line.
pub fn draw(frame: &mut Frame<'_>, area: Rect, state: &State, theme: &Theme) {
    let mut spans = vec![Span::styled(" roster ", theme.header)];
    if let Some(conn) = state.connection() {
        spans.push(Span::styled("▸ ", theme.dim));
        spans.push(Span::styled(
            clean(&conn.name),
            Style::new().fg(theme.accent(state.selected_conn)),
        ));
        spans.push(Span::styled(format!(" ({})", conn.kind), theme.dim));
        if let Some(server) = &conn.server {
            spans.push(Span::raw(format!(" {}", clean(server))));
        }
        if conn.read_only {
            spans.push(Span::styled(" [read-only]", theme.warn));
        }
    }
    if let Some(path) = &state.config_path {
        spans.push(Span::styled(
            format!("  · config {}", clean(path)),
            theme.dim,
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
