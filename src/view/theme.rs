//! Colours and styles of the browser, passed to every drawing function (no globals).

use ratatui::style::{Color, Modifier, Style};

/// The styles the view uses.
#[derive(Debug, Clone)]
pub struct Theme {
    /// Per-connection accent colours, cycled by connection index.
    pub accents: Vec<Color>,
    /// The border of the focused pane.
    pub focused: Style,
    /// The border of other panes.
    pub unfocused: Style,
    /// The selected row.
    pub selected: Style,
    /// Table headers and section titles.
    pub header: Style,
    /// Fuzzy-match highlights.
    pub highlight: Style,
    /// Secondary text (losing candidates, hints).
    pub dim: Style,
    /// Errors and mismatches.
    pub error: Style,
    /// Success and the winning candidate.
    pub good: Style,
    /// Warnings (locked, hidden, read-only).
    pub warn: Style,
}

impl Default for Theme {
    fn default() -> Self {
        Self {
            accents: vec![
                Color::Cyan,
                Color::Magenta,
                Color::Yellow,
                Color::Green,
                Color::Blue,
                Color::LightRed,
            ],
            focused: Style::new().fg(Color::White).add_modifier(Modifier::BOLD),
            unfocused: Style::new().fg(Color::DarkGray),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            header: Style::new().add_modifier(Modifier::BOLD),
            highlight: Style::new()
                .fg(Color::Yellow)
                .add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            dim: Style::new().fg(Color::DarkGray),
            error: Style::new().fg(Color::Red),
            good: Style::new().fg(Color::Green),
            warn: Style::new().fg(Color::Yellow),
        }
    }
}

impl Theme {
    /// The accent colour of a connection.
    pub fn accent(&self, conn: usize) -> Color {
        self.accents
            .get(conn % self.accents.len().max(1))
            .copied()
            .unwrap_or(Color::Reset)
    }

    /// The border style of a pane.
    pub fn border(&self, focused: bool) -> Style {
        if focused {
            self.focused
        } else {
            self.unfocused
        }
    }
}
