//! Scoring the users table's rows against the filter, fast enough for one keystroke over 100,000
//! rows: each row's text is joined once and kept ([`RowTexts`]), and a large set of rows is scored
//! on every core in contiguous chunks, so the result is in list order whatever the core count.
//!
//! Pure computation: the threads are scoped to one call and share nothing mutable; no I/O.

use super::browse::columns;
use super::filter::{Filter, push_row_text};
use crate::domain::UserSummary;

/// Fewer rows than this are scored on the calling thread: starting threads would cost more.
const ROWS_PER_THREAD: usize = 16_384;

/// At most this many threads score one keystroke.
const MAX_THREADS: usize = 8;

/// The text the filter reads for each loaded user (its columns joined), kept between keystrokes.
#[derive(Debug, Clone, Default)]
pub struct RowTexts {
    text: String,
    /// Where each row's text ends in `text`.
    ends: Vec<usize>,
}

impl RowTexts {
    /// Joins the rows not joined yet (the list grows by pages); a shorter list starts again.
    pub fn sync(&mut self, users: &[UserSummary]) {
        if self.ends.len() > users.len() {
            self.clear();
        }
        for user in &users[self.ends.len()..] {
            push_row_text(&mut self.text, columns(user));
            self.ends.push(self.text.len());
        }
    }

    /// Forgets every row (the rows changed in place or were replaced).
    pub fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    /// Row `index`'s text ("" when it is not joined).
    fn get(&self, index: usize) -> &str {
        let start = match index {
            0 => 0,
            _ => self.ends.get(index - 1).copied().unwrap_or(usize::MAX),
        };
        let end = self.ends.get(index).copied().unwrap_or(0);
        self.text.get(start..end).unwrap_or("")
    }
}

/// The candidates (indices in list order) that match `pattern`, with their scores, in the same
/// order. `texts` must be synced with `users`.
pub fn score_rows(
    pattern: &str,
    candidates: &[usize],
    users: &[UserSummary],
    texts: &RowTexts,
) -> Vec<(u32, usize)> {
    score_in_chunks(
        pattern,
        candidates,
        users,
        texts,
        threads_for(candidates.len()),
    )
}

/// [`score_rows`] on `threads` threads.
fn score_in_chunks(
    pattern: &str,
    candidates: &[usize],
    users: &[UserSummary],
    texts: &RowTexts,
    threads: usize,
) -> Vec<(u32, usize)> {
    if threads <= 1 {
        return score_chunk(pattern, candidates, users, texts);
    }
    let chunk = candidates.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = candidates
            .chunks(chunk)
            .map(|part| scope.spawn(move || score_chunk(pattern, part, users, texts)))
            .collect();
        let mut found = Vec::new();
        for worker in workers {
            match worker.join() {
                Ok(part) => found.extend(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        found
    })
}

/// One thread's share: its own matcher over a contiguous run of candidates.
fn score_chunk(
    pattern: &str,
    candidates: &[usize],
    users: &[UserSummary],
    texts: &RowTexts,
) -> Vec<(u32, usize)> {
    let mut filter = Filter::new(pattern);
    candidates
        .iter()
        .filter_map(|&index| {
            let user = users.get(index)?;
            filter
                .score_row(texts.get(index), || columns(user))
                .map(|score| (score, index))
        })
        .collect()
}

/// How many threads score `rows` rows: one per 16k rows, at most the cores (and 8).
fn threads_for(rows: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    (rows / ROWS_PER_THREAD).clamp(1, cores.min(MAX_THREADS))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(index: usize) -> UserSummary {
        let name = ["ada lovelace", "grace hopper", "alan turing", "josé núñez"][index % 4];
        UserSummary {
            id: index.to_string(),
            username: Some(format!("{}{index}", name.replace(' ', "."))),
            display_name: Some(name.to_owned()),
            email: index
                .is_multiple_of(3)
                .then(|| format!("u{index}@example.com")),
            active: true,
        }
    }

    /// Chunked scoring on several threads gives exactly what one filter over every row gives,
    /// for fuzzy, anchored and negative patterns, also over a subset of the rows.
    #[test]
    fn threads_and_kept_texts_score_like_one_filter() {
        let users: Vec<UserSummary> = (0..5_000).map(user).collect();
        let mut texts = RowTexts::default();
        texts.sync(&users[..1000]);
        texts.sync(&users);
        let all: Vec<usize> = (0..users.len()).collect();
        let some: Vec<usize> = (0..users.len()).filter(|i| !i.is_multiple_of(7)).collect();
        for pattern in ["lo", "ada 12", "^grace", "núñez$", "!alan a", "'u3", ""] {
            for candidates in [&all, &some] {
                let mut filter = Filter::new(pattern);
                let expected: Vec<(u32, usize)> = candidates
                    .iter()
                    .filter_map(|&i| filter.score(columns(&users[i])).map(|s| (s, i)))
                    .collect();
                for threads in [1, 3] {
                    assert_eq!(
                        score_in_chunks(pattern, candidates, &users, &texts, threads),
                        expected,
                        "{pattern:?} on {threads} threads"
                    );
                }
            }
        }
    }

    #[test]
    fn a_shorter_list_is_joined_again() {
        let users: Vec<UserSummary> = (0..10).map(user).collect();
        let mut texts = RowTexts::default();
        texts.sync(&users);
        let fewer: Vec<UserSummary> = (5..8).map(user).collect();
        texts.sync(&fewer);
        assert_eq!(texts.get(0), "grace.hopper5 grace hopper ");
        assert_eq!(texts.get(1), "alan.turing6 alan turing u6@example.com");
        assert_eq!(texts.get(3), "");
    }
}
