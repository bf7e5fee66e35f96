//! The help dialog's content, generated from the key map: the keys of the screen the user is on
//! first, then every other key, then forms, preview, commands and the filter syntax — laid out
//! for a terminal width, so that the view draws these lines and the update function knows how
//! far they scroll. Plain data, no styles, no I/O.

use unicode_width::UnicodeWidthStr;

use super::keymap::Action;
use super::layout::dialog_area;
use super::state::State;
use ratatui::layout::Rect;

/// The help dialog's width (less on a narrower terminal).
pub const WIDTH: u16 = 96;

/// The notes under the key tables.
const NOTES: [&str; 6] = [
    "Forms: Tab field · Enter next · Ctrl-S preview · Ctrl-E $EDITOR (JSON) · Esc close",
    "Preview: y/Enter send · Esc back to the form",
    "Detail: Enter on a Looker user attribute opens its attribute screen; elsewhere it edits",
    "Bulk: e/d/u with users marked edit them all · one preview · Esc/Ctrl-C stops a running batch",
    ":conn NAME · :user ID · :attr NAME · :audit [NAME] · :export FILE · :q (Tab completes)",
    "Filter: words all match · 'exact · ^prefix · suffix$ · !not · ranked best first",
];

/// One line of the help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelpLine {
    /// A heading ("Here (users):", "Everywhere else:").
    Heading(String),
    /// Keys side by side, each key padded to `key` columns and its description to `what`.
    Keys {
        /// (keys, description) pairs.
        entries: Vec<(String, &'static str)>,
        /// The width of the key column.
        key: usize,
        /// The width of the description column.
        what: usize,
    },
    /// A line of the notes.
    Note(String),
}

/// The help's lines for the screen the user is on, laid out for a terminal `width` wide.
pub fn lines(state: &State, width: u16) -> Vec<HelpLine> {
    let here = state.screen_actions();
    let others: Vec<Action> = Action::ALL
        .into_iter()
        .filter(|a| !here.contains(a))
        .collect();
    let inner = usize::from(WIDTH.min(width).saturating_sub(2));
    let mut lines = vec![HelpLine::Heading(format!(
        "Here ({}):",
        state.screen_name()
    ))];
    lines.extend(key_rows(state.keys.help_for(&here), inner));
    lines.push(HelpLine::Heading("Everywhere else:".to_owned()));
    lines.extend(key_rows(state.keys.help_for(&others), inner));
    for note in NOTES {
        lines.extend(wrapped(note, inner).into_iter().map(HelpLine::Note));
    }
    lines
}

/// Where the help dialog of `count` lines sits on a terminal of `whole` size (above the status
/// line), and how many of its lines show.
pub fn area(whole: Rect, count: usize) -> (Rect, usize) {
    let height = u16::try_from(count).unwrap_or(u16::MAX).saturating_add(2);
    let area = dialog_area(whole, WIDTH, height);
    (area, usize::from(area.height.saturating_sub(2)))
}

/// The furthest the help scrolls on the terminal the state was last drawn on.
pub fn max_offset(state: &State) -> usize {
    let whole = Rect::new(0, 0, state.size.0, state.size.1);
    let count = lines(state, whole.width).len();
    count.saturating_sub(area(whole, count).1)
}

/// Key entries laid out in as many columns as fit `width`.
fn key_rows(entries: Vec<(String, &'static str)>, width: usize) -> Vec<HelpLine> {
    let key = entries.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 1;
    let what = entries.iter().map(|(_, w)| w.len()).max().unwrap_or(0) + 2;
    let per_line = (width / (key + what)).max(1);
    entries
        .chunks(per_line)
        .map(|chunk| HelpLine::Keys {
            entries: chunk.to_vec(),
            key,
            what,
        })
        .collect()
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
