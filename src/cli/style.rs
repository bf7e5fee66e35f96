//! Colour on the command line and the choice the browser receives: `--color auto|always|never`
//! and `NO_COLOR`.
//!
//! CLI text is written through `anstream`, which drops the styles below when colour is off: with
//! `auto` it honours `NO_COLOR`, `CLICOLOR_FORCE` and whether the stream is a terminal. The
//! browser gets one yes-or-no from [`ColorChoice::browser_colors`]. Nothing here styles data
//! values: styles mark status words and headers only, so output stays the same text without them.

use std::ffi::OsStr;

use anstyle::{AnsiColor, Style};

/// `--color`: when to use colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour on terminals, unless `NO_COLOR` is set.
    #[default]
    Auto,
    /// Always colour, even when `NO_COLOR` is set or output is not a terminal.
    Always,
    /// Never colour; the browser uses its monochrome theme.
    Never,
}

impl ColorChoice {
    /// Makes every `anstream` stream of this process follow the choice.
    pub fn apply_to_output(self) {
        anstream::ColorChoice::write_global(match self {
            Self::Auto => anstream::ColorChoice::Auto,
            Self::Always => anstream::ColorChoice::Always,
            Self::Never => anstream::ColorChoice::Never,
        });
    }

    /// Whether the browser draws in colour, given the value of `NO_COLOR` (any non-empty value
    /// turns colour off under `auto`, as no-color.org asks).
    pub fn browser_colors(self, no_color: Option<&OsStr>) -> bool {
        match self {
            Self::Always => true,
            Self::Never => false,
            Self::Auto => no_color.is_none_or(OsStr::is_empty),
        }
    }

    /// [`ColorChoice::browser_colors`] with this process's `NO_COLOR`.
    pub fn browser_colors_from_env(self) -> bool {
        self.browser_colors(std::env::var_os("NO_COLOR").as_deref())
    }
}

const ERROR: Style = AnsiColor::Red.on_default().bold();
const GOOD: Style = AnsiColor::Green.on_default();
const BAD: Style = AnsiColor::Red.on_default().bold();
const HEADER: Style = Style::new().bold();

/// `roster:` in the error colour, for messages on stderr.
pub fn error_prefix() -> String {
    paint(ERROR, "roster:")
}

/// A table header line in bold.
pub fn header(text: &str) -> String {
    paint(HEADER, text)
}

/// `ok` in green or `FAIL` in bold red, padded to `width` before the styles are added so that
/// columns stay aligned.
pub fn verdict(ok: bool, width: usize) -> String {
    let (style, word) = if ok { (GOOD, "ok") } else { (BAD, "FAIL") };
    let padded = format!("{word:<width$}");
    let trimmed = padded.trim_end();
    format!("{}{}", paint(style, trimmed), &padded[trimmed.len()..])
}

fn paint(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_turns_the_browser_monochrome_only_under_auto() {
        let set = Some(OsStr::new("1"));
        assert!(!ColorChoice::Auto.browser_colors(set));
        assert!(ColorChoice::Auto.browser_colors(Some(OsStr::new(""))));
        assert!(ColorChoice::Auto.browser_colors(None));
        assert!(ColorChoice::Always.browser_colors(set));
        assert!(!ColorChoice::Never.browser_colors(None));
    }

    #[test]
    fn styles_wrap_the_text_and_strip_to_it() {
        let text = format!("{}|{}|", verdict(true, 4), verdict(false, 4));
        assert_eq!(
            anstream::adapter::strip_str(&text).to_string(),
            "ok  |FAIL|"
        );
        assert_eq!(
            anstream::adapter::strip_str(&header("A  B")).to_string(),
            "A  B"
        );
    }
}
