//! Colours and styles of the browser, passed to every drawing function (no globals).
//!
//! Two palettes: the coloured default, whose few colours the config's `[theme]` may change, and a
//! monochrome one (for `NO_COLOR` and `--color never`) that marks focus, winners, badges and errors
//! with modifiers alone (bold, reversed, underlined, italic, dim). This module only builds styles;
//! it decides nothing about when colour is wanted.

use std::str::FromStr;

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

/// A colour of the browser that the config's `[theme]` may set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThemeSlot {
    /// `accents`: the connections' colours (a list, cycled).
    Accents,
    /// `focused`: the focused pane's border.
    Focused,
    /// `unfocused`: the other panes' borders.
    Unfocused,
    /// `header`: headers and titles.
    Header,
    /// `highlight`: fuzzy-match highlights.
    Highlight,
    /// `dim`: secondary text.
    Dim,
    /// `error`: errors and mismatches.
    Error,
    /// `good`: success and winning values.
    Good,
    /// `warn`: badges (locked, hidden, read-only).
    Warn,
}

impl ThemeSlot {
    /// Every slot, in the order the README lists them.
    pub const ALL: [Self; 9] = [
        Self::Accents,
        Self::Focused,
        Self::Unfocused,
        Self::Header,
        Self::Highlight,
        Self::Dim,
        Self::Error,
        Self::Good,
        Self::Warn,
    ];

    /// The key in `[theme]`.
    pub fn key(self) -> &'static str {
        match self {
            Self::Accents => "accents",
            Self::Focused => "focused",
            Self::Unfocused => "unfocused",
            Self::Header => "header",
            Self::Highlight => "highlight",
            Self::Dim => "dim",
            Self::Error => "error",
            Self::Good => "good",
            Self::Warn => "warn",
        }
    }

    /// The slot of a `[theme]` key.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|slot| slot.key() == key)
    }
}

/// One `[theme]` entry: a slot and its colours (several only for `accents`).
#[derive(Debug, Clone, PartialEq)]
pub struct ThemeColor {
    /// Which colour of the browser.
    pub slot: ThemeSlot,
    /// The colours given.
    pub colors: Vec<Color>,
}

/// Reads a colour as the config writes it: a name (`red`, `light-blue`, `dark-gray`), `#rrggbb`,
/// or an index from 0 to 255.
pub fn parse_color(text: &str) -> Result<Color, String> {
    Color::from_str(text.trim()).map_err(|_| {
        format!("`{text}` is not a colour (a name such as red or light-blue, #rrggbb, or 0-255)")
    })
}

impl Theme {
    /// The browser's theme: the coloured default with the config's `[theme]` colours applied, or
    /// the monochrome theme when colour is off (then `[theme]` is ignored).
    pub fn new(colors_on: bool, colors: &[ThemeColor]) -> Self {
        if !colors_on {
            return Self::monochrome();
        }
        let mut theme = Self::default();
        for ThemeColor { slot, colors } in colors {
            let Some(&first) = colors.first() else {
                continue;
            };
            match slot {
                ThemeSlot::Accents => theme.accents = colors.clone(),
                ThemeSlot::Focused => theme.focused = theme.focused.fg(first),
                ThemeSlot::Unfocused => theme.unfocused = theme.unfocused.fg(first),
                ThemeSlot::Header => theme.header = theme.header.fg(first),
                ThemeSlot::Highlight => theme.highlight = theme.highlight.fg(first),
                ThemeSlot::Dim => theme.dim = theme.dim.fg(first),
                ThemeSlot::Error => theme.error = theme.error.fg(first),
                ThemeSlot::Good => theme.good = theme.good.fg(first),
                ThemeSlot::Warn => theme.warn = theme.warn.fg(first),
            }
        }
        theme
    }

    /// No colour at all: focus is bold, selection reversed, winners bold, losers dim, badges
    /// italic, errors bold and underlined, matches underlined.
    pub fn monochrome() -> Self {
        Self {
            accents: vec![Color::Reset],
            focused: Style::new().add_modifier(Modifier::BOLD),
            unfocused: Style::new(),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            header: Style::new().add_modifier(Modifier::BOLD),
            highlight: Style::new().add_modifier(Modifier::UNDERLINED),
            dim: Style::new().add_modifier(Modifier::DIM),
            error: Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            good: Style::new().add_modifier(Modifier::BOLD),
            warn: Style::new().add_modifier(Modifier::ITALIC),
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_colours_replace_only_the_colour() {
        let theme = Theme::new(
            true,
            &[
                ThemeColor {
                    slot: ThemeSlot::Focused,
                    colors: vec![Color::Blue],
                },
                ThemeColor {
                    slot: ThemeSlot::Accents,
                    colors: vec![Color::Red, Color::Rgb(1, 2, 3)],
                },
            ],
        );
        assert_eq!(
            theme.focused,
            Style::new().fg(Color::Blue).add_modifier(Modifier::BOLD)
        );
        assert_eq!(theme.accent(3), Color::Rgb(1, 2, 3));
        let mono = Theme::new(false, &[]);
        assert_eq!(mono.accent(0), Color::Reset);
    }

    #[test]
    fn colours_parse_by_name_hex_and_index() {
        assert_eq!(parse_color("light-blue"), Ok(Color::LightBlue));
        assert_eq!(parse_color("#102030"), Ok(Color::Rgb(16, 32, 48)));
        assert_eq!(parse_color("42"), Ok(Color::Indexed(42)));
        assert!(parse_color("blurple").is_err());
        assert!(
            ThemeSlot::ALL
                .iter()
                .all(|s| ThemeSlot::from_key(s.key()) == Some(*s))
        );
    }
}
