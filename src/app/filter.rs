//! Fuzzy filtering of lists as you type (nucleo-matcher), and the positions to highlight.
//!
//! [`Filter::matches`] tells whether a row matches the pattern (rows keep their list order, so
//! pages arriving later extend a filtered list without reordering it); [`Filter::highlights`] gives
//! the matched character positions of one row, so the view can highlight only the rows it draws.
//! A row's text is its columns joined by single spaces; positions map back to columns. Pure code:
//! nothing here draws or does I/O.

use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

/// The separator between the columns of a row's text.
const SEPARATOR: &str = " ";

/// A fuzzy pattern and the matcher that applies it.
pub struct Filter {
    pattern: Pattern,
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
        Self {
            pattern: Pattern::new(
                text,
                CaseMatching::Smart,
                Normalization::Smart,
                AtomKind::Fuzzy,
            ),
            matcher: Matcher::new(Config::DEFAULT),
            buffer: Vec::new(),
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
        self.pattern.score(haystack, &mut self.matcher).is_some()
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
    fn highlights_map_back_to_columns() {
        let mut filter = Filter::new("hop");
        let marks = filter.highlights(&["grace", "Grace Hopper"]);
        assert_eq!(marks[0], Vec::<usize>::new());
        assert_eq!(marks[1], [6, 7, 8]);
    }
}
