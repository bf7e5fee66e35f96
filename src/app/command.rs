//! The `:` command line's model: the text being typed, completion (Tab) of commands, connection
//! names and user names, and the history of commands run this session (Up/Down).
//!
//! Completion candidates are computed by the update function from the state and stored here, so
//! Tab cycles through them; typing anything else drops them. Plain data and string work.

/// The commands the line knows, with their argument, for completion and help.
pub const COMMANDS: [(&str, &str); 6] = [
    ("conn", "NAME"),
    ("user", "ID"),
    ("audit", "[NAME]"),
    ("export", "FILE"),
    ("help", ""),
    ("q", ""),
];

/// The most commands the history keeps.
const HISTORY: usize = 100;

/// The open command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandLine {
    /// The text typed (without the `:`).
    pub text: String,
    /// The completions of the word being typed, once Tab was pressed.
    pub completions: Vec<String>,
    /// The completion shown now.
    pub completion: usize,
    /// The text the completions complete (the line before its last word).
    stem: String,
    /// The history entry shown (Up/Down), counted from the newest.
    recalled: Option<usize>,
}

impl CommandLine {
    /// The text changed by typing: completions and history browsing start over.
    pub fn edited(&mut self) {
        self.completions.clear();
        self.completion = 0;
        self.recalled = None;
    }

    /// The line split into the part before the word being completed and that word.
    pub fn word(&self) -> (&str, &str) {
        match self.text.rfind(' ') {
            Some(at) => (&self.text[..=at], &self.text[at + 1..]),
            None => ("", self.text.as_str()),
        }
    }

    /// Sets the candidates for the current word and shows the first (or the next on repeat).
    pub fn complete(&mut self, candidates: impl FnOnce(&str, &str) -> Vec<String>) {
        if self.completions.is_empty() {
            let (stem, word) = self.word();
            let (stem, word) = (stem.to_owned(), word.to_owned());
            self.completions = candidates(&stem, &word);
            self.completion = 0;
            self.stem = stem;
        } else {
            self.completion = (self.completion + 1) % self.completions.len();
        }
        if let Some(choice) = self.completions.get(self.completion) {
            self.text = format!("{}{choice}", self.stem);
        }
    }

    /// Up/Down: shows an older (`back`) or newer entry of `history` (oldest first).
    pub fn recall(&mut self, history: &[String], back: bool) {
        if history.is_empty() {
            return;
        }
        let next = match (self.recalled, back) {
            (None, true) => Some(0),
            (None, false) => None,
            (Some(n), true) => Some((n + 1).min(history.len() - 1)),
            (Some(0), false) => None,
            (Some(n), false) => Some(n - 1),
        };
        self.recalled = next;
        self.completions.clear();
        self.text = next
            .and_then(|n| history.get(history.len() - 1 - n))
            .cloned()
            .unwrap_or_default();
    }
}

/// Adds a command to the history (not twice in a row), keeping the newest [`HISTORY`].
pub fn remember(history: &mut Vec<String>, line: &str) {
    if line.is_empty() || history.last().is_some_and(|last| last == line) {
        return;
    }
    history.push(line.to_owned());
    if history.len() > HISTORY {
        history.remove(0);
    }
}

/// The candidates that start with `word` (case-insensitive), sorted, at most `limit`.
pub fn starting_with<'a>(
    options: impl IntoIterator<Item = &'a str>,
    word: &str,
    limit: usize,
) -> Vec<String> {
    let word = word.to_lowercase();
    let mut found: Vec<String> = options
        .into_iter()
        .filter(|o| o.to_lowercase().starts_with(&word))
        .take(limit)
        .map(str::to_owned)
        .collect();
    found.sort();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tab_cycles_completions_and_history_recalls() {
        let mut line = CommandLine {
            text: "co".to_owned(),
            ..CommandLine::default()
        };
        let names = ["conn", "user", "audit"];
        line.complete(|_, word| starting_with(names, word, 10));
        assert_eq!(line.text, "conn");
        line.text.push(' ');
        line.edited();
        line.complete(|stem, word| {
            assert_eq!(stem, "conn ");
            starting_with(["looker", "crowd"], word, 10)
        });
        assert_eq!(line.text, "conn crowd");
        line.complete(|_, _| unreachable!());
        assert_eq!(line.text, "conn looker");
        let mut history = Vec::new();
        remember(&mut history, "audit");
        remember(&mut history, "conn crowd");
        remember(&mut history, "conn crowd");
        assert_eq!(history.len(), 2);
        line.recall(&history, true);
        assert_eq!(line.text, "conn crowd");
        line.recall(&history, true);
        assert_eq!(line.text, "audit");
        line.recall(&history, false);
        line.recall(&history, false);
        assert_eq!(line.text, "");
    }
}
