//! Fuzzy filtering of lists as you type (nucleo-matcher), and the positions to highlight.
//!
//! [`Filter::matches`] tells whether a row matches the pattern (rows keep their list order, so
//! pages arriving later extend a filtered list without reordering it); [`Filter::highlights`] gives
//! the matched character positions of one row, so the view can highlight only the rows it draws.
//! A row's text is its columns joined by single spaces; positions map back to columns.
//! [`narrows`] tells when a new pattern can only match rows the old one matched, so a growing
//! query re-filters the previous matches instead of the whole list. Pure code: nothing here draws
//! or does I/O.
//!
//! Speed (benches/filter.rs): `matches` asks nucleo's greedy matcher, which accepts exactly the
//! rows the optimal one accepts (both start with the same prefilter) but skips the optimal
//! alignment, whose score a filter that keeps list order never uses; that made a 2-character
//! query over 100,000 rows about four times faster. Highlights still use the optimal alignment,
//! for the few rows drawn.

use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

/// The separator between the columns of a row's text.
const SEPARATOR: &str = " ";

/// A fuzzy pattern and the matcher that applies it.
pub struct Filter {
    pattern: Pattern,
    /// The matcher settings of each atom (smart case and normalization, as nucleo derives them).
    configs: Vec<Config>,
    matcher: Matcher,
    buffer: Vec<char>,
    text_buffer: String,
    text: String,
}

impl std::fmt::Debug for Filter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Filter").field("text", &self.text).finish()
    }
}

impl Filter {
    /// A filter for this pattern text (smart case, fuzzy, whitespace separates atoms).
    pub fn new(text: &str) -> Self {
        let pattern = Pattern::new(
            text,
            CaseMatching::Smart,
            Normalization::Smart,
            AtomKind::Fuzzy,
        );
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut buffer = Vec::new();
        // Scoring an atom sets the matcher's case and normalization settings from the atom
        // (documented on `Atom::score`); an empty haystack makes that call return at once.
        let configs = pattern
            .atoms
            .iter()
            .map(|atom| {
                let _ = atom.score(Utf32Str::new("", &mut buffer), &mut matcher);
                matcher.config.clone()
            })
            .collect();
        Self {
            pattern,
            configs,
            matcher,
            buffer,
            text_buffer: String::new(),
            text: text.to_owned(),
        }
    }

    /// True when the pattern matches everything.
    pub fn is_empty(&self) -> bool {
        self.text.trim().is_empty()
    }

    /// True when a row (its columns) matches the pattern; rows keep their list order.
    pub fn matches<'a>(&mut self, columns: impl IntoIterator<Item = &'a str>) -> bool {
        if self.is_empty() {
            return true;
        }
        join_into(&mut self.text_buffer, columns);
        let haystack = Utf32Str::new(&self.text_buffer, &mut self.buffer);
        let matcher = &mut self.matcher;
        self.pattern
            .atoms
            .iter()
            .zip(&self.configs)
            .all(|(atom, config)| {
                matcher.config.clone_from(config);
                matcher
                    .fuzzy_match_greedy(haystack, atom.needle_text())
                    .is_some()
            })
    }

    /// For one row, the matched character positions within each column.
    pub fn highlights(&mut self, columns: &[&str]) -> Vec<Vec<usize>> {
        let mut per_column = vec![Vec::new(); columns.len()];
        if self.is_empty() {
            return per_column;
        }
        let mut text = String::new();
        join_into(&mut text, columns.iter().copied());
        let mut indices = Vec::new();
        let haystack = Utf32Str::new(&text, &mut self.buffer);
        if self
            .pattern
            .indices(haystack, &mut self.matcher, &mut indices)
            .is_none()
        {
            return per_column;
        }
        indices.sort_unstable();
        indices.dedup();
        let mut start = 0usize;
        let mut bounds = Vec::with_capacity(columns.len());
        for column in columns {
            let len = column.chars().count();
            bounds.push((start, start + len));
            start += len + SEPARATOR.len();
        }
        for index in indices {
            let index = index as usize;
            if let Some(column) = bounds.iter().position(|(s, e)| (*s..*e).contains(&index)) {
                per_column[column].push(index - bounds[column].0);
            }
        }
        per_column
    }
}

/// True when every row that matches `new` also matches `old`, so the rows `old` matched are the
/// only ones `new` needs to look at: `new` is `old` with more typed after it. Not when `old` ends
/// with a backslash, which the next character may turn into an escaped space.
pub fn narrows(old: &str, new: &str) -> bool {
    new.len() > old.len() && new.starts_with(old) && !old.ends_with('\\')
}

fn join_into<'a>(text: &mut String, columns: impl IntoIterator<Item = &'a str>) {
    text.clear();
    for (i, column) in columns.into_iter().enumerate() {
        if i > 0 {
            text.push_str(SEPARATOR);
        }
        text.push_str(column);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn fuzzy_matches_select_rows() {
        let mut filter = Filter::new("hop");
        assert!(filter.matches(["grace", "Grace Hopper"]));
        assert!(!filter.matches(["ada", "Ada Lovelace"]));
        let mut across = Filter::new("ada love");
        assert!(across.matches(["ada", "Ada Lovelace"]));
        let mut empty = Filter::new("  ");
        assert!(empty.matches(["anything"]));
    }

    #[test]
    fn greedy_matching_keeps_smart_case_and_every_atom() {
        let mut lower = Filter::new("ada");
        assert!(lower.matches(["ADA", "x"]));
        let mut upper = Filter::new("Ada");
        assert!(upper.matches(["ada", "Ada"]));
        assert!(!upper.matches(["ada", "ADA"]));
        let mut two = Filter::new("ada hop");
        assert!(!two.matches(["ada", "Ada Lovelace"]));
        assert!(two.matches(["ada", "Hopper"]));
        let mut accented = Filter::new("jose");
        assert!(accented.matches(["José"]));
        let mut exact = Filter::new("José");
        assert!(!exact.matches(["Jose"]));
    }

    #[test]
    fn only_a_longer_query_narrows() {
        assert!(narrows("lo", "lov"));
        assert!(narrows("", "l"));
        assert!(narrows("ada", "ada l"));
        assert!(!narrows("lov", "lov"));
        assert!(!narrows("lov", "lo"));
        assert!(!narrows("lov", "loa"));
        assert!(!narrows("ada\\", "ada\\ "));
    }

    /// Whatever is typed after a query, the rows matching the longer query are among those the
    /// shorter one matched (which is what lets a growing query re-filter only the old matches).
    #[test]
    fn longer_queries_match_subsets() {
        let rows = [
            ["ada", "Ada Lovelace", "ada@example.com"],
            ["grace", "Grace Hopper", "GRACE@example.com"],
            ["jose", "José Núñez", "jose@example.com"],
            ["a b", "A\\ B", "ab@example.com"],
        ];
        for old in ["", "a", "A", "gr", "jos", "ada ", "a\\", "Nú"] {
            for more in ["a", "A", " ", "e", "é", "\\", " l", "c"] {
                let new = format!("{old}{more}");
                let mut before = Filter::new(old);
                let mut after = Filter::new(&new);
                for row in rows {
                    if narrows(old, &new) && after.matches(row) {
                        assert!(
                            before.matches(row),
                            "{new:?} matches {row:?} but {old:?} does not"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn highlights_map_back_to_columns() {
        let mut filter = Filter::new("hop");
        let marks = filter.highlights(&["grace", "Grace Hopper"]);
        assert_eq!(marks[0], Vec::<usize>::new());
        assert_eq!(marks[1], [6, 7, 8]);
    }
}
