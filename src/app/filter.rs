//! Filtering lists as you type with fzf's syntax (nucleo-matcher), ranking the matches, and the
//! positions to highlight.
//!
//! A pattern is parsed by nucleo exactly as fzf reads it: words separated by spaces must all match
//! (`\ ` is a literal space); `'exact` matches a substring, `^prefix` and `suffix$` anchor, `^both$`
//! is an exact match, `!word` excludes. A row is its columns (username, name, email...): a fuzzy
//! word may match across them (the row text is the columns joined by spaces), anchored and exact
//! words match one column (so `^ada` finds a username or a name that starts with "ada"). A
//! negative word excludes a row when it would match it.
//!
//! [`Filter::score`] gives a row's score (None when it does not match); higher ranks first, and
//! lists break ties by their own order so results are stable. [`Filter::highlights`] gives the
//! matched positions of one row, for the few rows drawn. [`narrows`] tells when a new pattern can
//! only match rows the old one matched, so a growing query re-filters the previous matches. Pure
//! code: nothing here draws or does I/O.
//!
//! Speed (benches/filter.rs): fuzzy words are scored with nucleo's greedy matcher, which accepts
//! exactly the rows the optimal one accepts (both start with the same prefilter) and scores the
//! alignment it finds; that made a 2-character query over 100,000 rows about four times faster
//! than the optimal alignment. Highlights still use the optimal alignment, for the rows drawn.

use nucleo_matcher::pattern::{Atom, AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

/// The separator between the columns of a row's text.
const SEPARATOR: &str = " ";

/// A parsed pattern and the matcher that applies it.
pub struct Filter {
    pattern: Pattern,
    /// The matcher settings of each atom (smart case and normalization, as nucleo derives them).
    configs: Vec<Config>,
    matcher: Matcher,
    buffer: Vec<char>,
    text_buffer: String,
    /// Where each column starts and ends in the row text, in matcher characters.
    bounds: Vec<(usize, usize)>,
    /// Some word is anchored or exact, so column bounds are needed to score a row.
    per_column: bool,
    column_buffer: Vec<char>,
    text: String,
}

impl std::fmt::Debug for Filter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Filter").field("text", &self.text).finish()
    }
}

impl Filter {
    /// A filter for this pattern text (fzf syntax, smart case).
    pub fn new(text: &str) -> Self {
        let pattern = Pattern::parse(text, CaseMatching::Smart, Normalization::Smart);
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
        let per_column = pattern
            .atoms
            .iter()
            .any(|atom| atom.kind != AtomKind::Fuzzy);
        Self {
            per_column,
            pattern,
            configs,
            matcher,
            buffer,
            text_buffer: String::new(),
            bounds: Vec::new(),
            column_buffer: Vec::new(),
            text: text.to_owned(),
        }
    }

    /// True when the pattern matches everything.
    pub fn is_empty(&self) -> bool {
        self.pattern.atoms.is_empty()
    }

    /// True when a row (its columns) matches the pattern.
    pub fn matches<'a>(&mut self, columns: impl IntoIterator<Item = &'a str>) -> bool {
        self.score(columns).is_some()
    }

    /// The row's score (higher is better), or None when it does not match; 0 for every row when
    /// the pattern is empty.
    pub fn score<'a>(&mut self, columns: impl IntoIterator<Item = &'a str>) -> Option<u32> {
        if self.is_empty() {
            return Some(0);
        }
        self.load(columns, self.per_column);
        let haystack = Utf32Str::new(&self.text_buffer, &mut self.buffer);
        score_atoms(
            &self.pattern,
            &self.configs,
            &mut self.matcher,
            haystack,
            &self.bounds,
        )
    }

    /// The same score as [`Filter::score`], from the row's text as [`push_row_text`] joined it,
    /// which spares joining the columns again; the columns are asked for only when the pattern
    /// has an anchored or exact word (those match one column).
    pub fn score_row<'a, I>(&mut self, text: &str, columns: impl FnOnce() -> I) -> Option<u32>
    where
        I: IntoIterator<Item = &'a str>,
    {
        if self.per_column {
            return self.score(columns());
        }
        if self.is_empty() {
            return Some(0);
        }
        let haystack = Utf32Str::new(text, &mut self.buffer);
        score_atoms(
            &self.pattern,
            &self.configs,
            &mut self.matcher,
            haystack,
            &[],
        )
    }

    /// For one row, the matched character positions within each column.
    pub fn highlights(&mut self, columns: &[&str]) -> Vec<Vec<usize>> {
        let mut per_column = vec![Vec::new(); columns.len()];
        if self.is_empty() {
            return per_column;
        }
        self.load(columns.iter().copied(), true);
        let haystack = Utf32Str::new(&self.text_buffer, &mut self.buffer);
        let mut indices = Vec::new();
        for (atom, config) in self.pattern.atoms.iter().zip(&self.configs) {
            if atom.negative {
                continue;
            }
            self.matcher.config.clone_from(config);
            match atom.kind {
                AtomKind::Fuzzy => {
                    self.matcher
                        .fuzzy_indices(haystack, atom.needle_text(), &mut indices);
                }
                _ => {
                    if let Some((_, column)) =
                        best_column(&mut self.matcher, atom, haystack, &self.bounds)
                    {
                        let (start, end) = self.bounds[column];
                        let mut found = Vec::new();
                        column_indices(
                            &mut self.matcher,
                            atom,
                            haystack.slice(start..end),
                            &mut found,
                        );
                        indices.extend(found.into_iter().map(|i| i + start as u32));
                    }
                }
            }
        }
        indices.sort_unstable();
        indices.dedup();
        for index in indices {
            let index = index as usize;
            if let Some(column) = self
                .bounds
                .iter()
                .position(|(s, e)| (*s..*e).contains(&index))
            {
                per_column[column].push(index - self.bounds[column].0);
            }
        }
        per_column
    }

    /// Joins the columns into the row text and, when `bounds` asks for them, records where each
    /// column lies in it (fuzzy-only patterns need not: that costs a Unicode segmentation per
    /// column of every row).
    fn load<'a>(&mut self, columns: impl IntoIterator<Item = &'a str>, bounds: bool) {
        self.text_buffer.clear();
        self.bounds.clear();
        let mut start = 0usize;
        for (i, column) in columns.into_iter().enumerate() {
            push_column(&mut self.text_buffer, i == 0, column);
            if bounds {
                if i > 0 {
                    start += SEPARATOR.len();
                }
                let len = Utf32Str::new(column, &mut self.column_buffer).len();
                self.bounds.push((start, start + len));
                start += len;
            }
        }
    }
}

/// Appends a row's text as the filter reads it (its columns joined by a space) to `out`.
pub fn push_row_text<'a>(out: &mut String, columns: impl IntoIterator<Item = &'a str>) {
    for (i, column) in columns.into_iter().enumerate() {
        push_column(out, i == 0, column);
    }
}

/// Appends one column of a row's text, after the separator unless it is the first.
fn push_column(out: &mut String, first: bool, column: &str) {
    if !first {
        out.push_str(SEPARATOR);
    }
    out.push_str(column);
}

/// Every atom of the pattern against one row: the summed score, or None when a word does not
/// match (or a negative word does). `bounds` are the columns, needed by anchored and exact words.
fn score_atoms(
    pattern: &Pattern,
    configs: &[Config],
    matcher: &mut Matcher,
    haystack: Utf32Str<'_>,
    bounds: &[(usize, usize)],
) -> Option<u32> {
    let mut total = 0u32;
    for (atom, config) in pattern.atoms.iter().zip(configs) {
        matcher.config.clone_from(config);
        let found = match atom.kind {
            AtomKind::Fuzzy => matcher.fuzzy_match_greedy(haystack, atom.needle_text()),
            _ => best_column(matcher, atom, haystack, bounds).map(|(s, _)| s),
        };
        match (found, atom.negative) {
            (Some(_), true) | (None, false) => return None,
            (Some(score), false) => total = total.saturating_add(u32::from(score)),
            (None, true) => {}
        }
    }
    Some(total)
}

/// The best score of an anchored or exact atom over the columns, and its column.
fn best_column(
    matcher: &mut Matcher,
    atom: &Atom,
    haystack: Utf32Str<'_>,
    bounds: &[(usize, usize)],
) -> Option<(u16, usize)> {
    let needle = atom.needle_text();
    bounds
        .iter()
        .enumerate()
        .filter_map(|(column, (start, end))| {
            let text = haystack.slice(*start..*end);
            let score = match atom.kind {
                AtomKind::Exact => matcher.exact_match(text, needle),
                AtomKind::Substring => matcher.substring_match(text, needle),
                AtomKind::Prefix => matcher.prefix_match(text, needle),
                AtomKind::Postfix => matcher.postfix_match(text, needle),
                _ => matcher.fuzzy_match_greedy(text, needle),
            };
            score.map(|s| (s, column))
        })
        .max_by_key(|(score, column)| (*score, std::cmp::Reverse(*column)))
}

fn column_indices(matcher: &mut Matcher, atom: &Atom, text: Utf32Str<'_>, out: &mut Vec<u32>) {
    let needle = atom.needle_text();
    let _ = match atom.kind {
        AtomKind::Exact => matcher.exact_indices(text, needle, out),
        AtomKind::Substring => matcher.substring_indices(text, needle, out),
        AtomKind::Prefix => matcher.prefix_indices(text, needle, out),
        AtomKind::Postfix => matcher.postfix_indices(text, needle, out),
        _ => matcher.fuzzy_indices(text, needle, out),
    };
}

/// True when every row that matches `new` also matches `old`, so the rows `old` matched are the
/// only ones `new` needs to look at: `new` is `old` with more typed after it. Not when `old` ends
/// with a backslash, which the next character may turn into an escaped space, and not when the
/// last word of `new` is negative (`!ab` excludes fewer rows than `!a`).
pub fn narrows(old: &str, new: &str) -> bool {
    let last_word = new.rsplit(' ').next().unwrap_or("");
    new.len() > old.len()
        && new.starts_with(old)
        && !old.ends_with('\\')
        && !last_word.starts_with('!')
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
    fn fzf_syntax_anchors_per_column_and_excludes() {
        let ada = ["ada.lovelace", "Ada Lovelace", "ada@example.com"];
        let grace = ["grace", "Grace Hopper", "grace@navy.mil"];
        let mut prefix = Filter::new("^ada");
        assert!(prefix.matches(ada), "columns start with ada");
        assert!(!prefix.matches(grace));
        assert!(
            !Filter::new("^love").matches(ada),
            "no column starts with love"
        );
        let mut suffix = Filter::new(".mil$");
        assert!(suffix.matches(grace) && !suffix.matches(ada));
        let mut exact = Filter::new("'hop");
        assert!(exact.matches(grace) && !exact.matches(ada));
        let mut not = Filter::new("!grace");
        assert!(not.matches(ada) && !not.matches(grace));
        let mut both = Filter::new("^grace$");
        assert!(both.matches(grace) && !both.matches(ada));
        let mut and = Filter::new("ada !hop");
        assert!(and.matches(ada) && !and.matches(grace));
        let marks = prefix.highlights(&ada);
        assert_eq!(marks[0], [0, 1, 2]);
        let marks = Filter::new("'lace").highlights(&ada);
        assert_eq!(marks[0], [8, 9, 10, 11]);
    }

    #[test]
    fn closer_matches_score_higher() {
        let mut filter = Filter::new("marcus");
        let exact = filter.score(["marcus.webb", "Marcus Webb", "marcus@example.com"]);
        let scattered = filter.score(["tariq.mansour", "Tariq Mansour", "tm@example.com"]);
        assert!(exact.unwrap() > scattered.unwrap_or(0));
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
        assert!(!narrows("!a", "!ab"));
        assert!(!narrows("x", "x !"));
        assert!(narrows("ada", "ada$"));
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
            for more in [
                "a", "A", " ", "e", "é", "\\", " l", "c", "$", " !a", " ^a", " 'd",
            ] {
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
    fn a_kept_row_text_scores_like_the_columns() {
        let row = ["ada.lovelace", "Ada Lovelace", "ada@example.com"];
        let mut text = String::new();
        push_row_text(&mut text, row);
        for pattern in ["alove", "^ada", "com$", "!grace ada", "'lace", "xyz", ""] {
            let mut filter = Filter::new(pattern);
            let expected = filter.score(row);
            assert_eq!(filter.score_row(&text, || row), expected, "{pattern:?}");
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
