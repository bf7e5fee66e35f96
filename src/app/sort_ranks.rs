//! Each user's position in the users table sorted by one column, ignoring case, ties in list
//! order — computed once per column and list: every lower-cased key goes into one buffer (no
//! string per user), the sort compares the keys' first 16 bytes as one integer and reads whole
//! keys only where those are shared, and a long list is split in two halves sorted on two threads
//! and merged.
//!
//! Pure computation (scoped threads that share nothing mutable), no I/O.

use super::browse::SortColumn;
use crate::domain::UserSummary;

/// The rank of each user (index into `users`) when sorted by `column`: 0 first.
pub fn ranks_by(users: &[UserSummary], column: SortColumn) -> Vec<u32> {
    let order = if users.len() >= PARALLEL_FROM && cores() > 1 {
        // Each half builds its keys and sorts them on its own thread; one merge joins them.
        let middle = users.len() / 2;
        let (left, right) = std::thread::scope(|scope| {
            let worker = scope.spawn(|| SortedRun::new(&users[..middle], 0, column));
            let right = SortedRun::new(&users[middle..], middle, column);
            match worker.join() {
                Ok(left) => (left, right),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        });
        let key = |index: u32| {
            let run = if (index as usize) < middle {
                &left
            } else {
                &right
            };
            run.keys.get(index as usize)
        };
        merge_sorted(&left.order, &right.order, |a, b| {
            a.0.cmp(&b.0)
                .then_with(|| key(a.1).cmp(key(b.1)))
                .then(a.1.cmp(&b.1))
        })
    } else {
        SortedRun::new(users, 0, column).order
    };
    let mut ranks = vec![0u32; users.len()];
    for (rank, (_, index)) in order.into_iter().enumerate() {
        ranks[index as usize] = rank as u32;
    }
    ranks
}

/// The bytes of a key compared as one integer.
const PREFIX: usize = 16;

/// From this many rows on, the two halves are sorted on two threads and merged.
const PARALLEL_FROM: usize = 32_768;

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// A contiguous part of the list, sorted: its keys and (prefix, list index) in key order.
struct SortedRun {
    keys: LowerKeys,
    order: Vec<(u128, u32)>,
}

impl SortedRun {
    /// Sorts `users`, the part of the list that starts at index `first`.
    fn new(users: &[UserSummary], first: usize, column: SortColumn) -> Self {
        let keys = LowerKeys::new(users, first, column);
        let mut order: Vec<(u128, u32)> = (first..first + users.len())
            .map(|index| (keys.prefix(index), index as u32))
            .collect();
        // By prefix, then list order: plain integer comparisons.
        order.sort_unstable();
        // Rows that share a prefix are in list order, which is right when their keys are the
        // same; a run holding different keys (longer than the prefix) is sorted by whole keys.
        for run in order.chunk_by_mut(|a, b| a.0 == b.0) {
            let length = keys.get(run[0].1 as usize).len();
            let same = length < PREFIX
                && run
                    .iter()
                    .all(|(_, index)| keys.get(*index as usize).len() == length);
            if !same {
                run.sort_unstable_by(|a, b| {
                    keys.get(a.1 as usize)
                        .cmp(keys.get(b.1 as usize))
                        .then(a.1.cmp(&b.1))
                });
            }
        }
        Self { keys, order }
    }
}

/// Merges two runs sorted by `compare` into one; on a tie the left run's item comes first.
pub fn merge_sorted<T: Copy>(
    left: &[T],
    right: &[T],
    compare: impl Fn(&T, &T) -> std::cmp::Ordering,
) -> Vec<T> {
    let mut merged = Vec::with_capacity(left.len() + right.len());
    let (mut i, mut j) = (0, 0);
    while i < left.len() && j < right.len() {
        if compare(&right[j], &left[i]).is_lt() {
            merged.push(right[j]);
            j += 1;
        } else {
            merged.push(left[i]);
            i += 1;
        }
    }
    merged.extend_from_slice(&left[i..]);
    merged.extend_from_slice(&right[j..]);
    merged
}

/// The keys of a contiguous part of the list in one column, lower-cased, in one buffer.
struct LowerKeys {
    text: String,
    /// Where each user's key ends in `text`.
    ends: Vec<usize>,
    /// The list index of the first user.
    first: usize,
}

impl LowerKeys {
    fn new(users: &[UserSummary], first: usize, column: SortColumn) -> Self {
        let mut text = String::new();
        let mut ends = Vec::with_capacity(users.len());
        for user in users {
            let key = column.key(user);
            if key.is_ascii() {
                let start = text.len();
                text.push_str(key);
                text[start..].make_ascii_lowercase();
            } else {
                text.push_str(&key.to_lowercase());
            }
            ends.push(text.len());
        }
        Self { text, ends, first }
    }

    /// The key of the user at list index `index` ("" outside this part).
    fn get(&self, index: usize) -> &str {
        let Some(at) = index.checked_sub(self.first) else {
            return "";
        };
        let start = at
            .checked_sub(1)
            .and_then(|i| self.ends.get(i))
            .copied()
            .unwrap_or(0);
        let end = self.ends.get(at).copied().unwrap_or(start);
        self.text.get(start..end).unwrap_or("")
    }

    /// The key's first 16 bytes as a big-endian integer (zero-padded), which orders as the bytes
    /// do; keys that share them are compared whole.
    fn prefix(&self, index: usize) -> u128 {
        let mut bytes = [0u8; PREFIX];
        let key = self.get(index).as_bytes();
        let len = key.len().min(PREFIX);
        bytes[..len].copy_from_slice(&key[..len]);
        u128::from_be_bytes(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Enough rows for the two-thread sort, with keys that share 16-byte prefixes, equal keys and
    /// keys that differ only in case.
    #[test]
    fn many_rows_rank_like_a_stable_sort() {
        let users: Vec<UserSummary> = (0..PARALLEL_FROM + 7_000)
            .map(|i| {
                let name = match i % 4 {
                    0 => format!("Katherine.Johnson.{}", i % 997),
                    1 => format!("ada{}", i % 13),
                    2 => "Zoë".to_owned(),
                    _ => format!("katherine.johnson.{}", i % 991),
                };
                user(&name, i.is_multiple_of(5))
            })
            .collect();
        for column in [SortColumn::Username, SortColumn::Active] {
            assert_ranks_as_a_stable_sort(&users, column);
        }
    }

    #[test]
    fn merging_keeps_the_order_and_puts_the_left_run_first_on_ties() {
        let merged = merge_sorted(
            &[(1, 'a'), (3, 'a'), (5, 'a')],
            &[(1, 'b'), (4, 'b')],
            |x, y| x.0.cmp(&y.0),
        );
        assert_eq!(merged, [(1, 'a'), (1, 'b'), (3, 'a'), (4, 'b'), (5, 'a')]);
        assert!(merge_sorted::<u8>(&[], &[], Ord::cmp).is_empty());
    }

    /// The rows in rank order are the rows stably sorted by their lower-cased key.
    fn assert_ranks_as_a_stable_sort(users: &[UserSummary], column: SortColumn) {
        let mut expected: Vec<usize> = (0..users.len()).collect();
        expected.sort_by_cached_key(|i| column.key(&users[*i]).to_lowercase());
        let ranks = ranks_by(users, column);
        let mut order: Vec<usize> = (0..users.len()).collect();
        order.sort_by_key(|i| ranks[*i]);
        assert_eq!(order, expected, "{column:?}");
    }

    fn user(name: &str, active: bool) -> UserSummary {
        UserSummary {
            id: name.to_owned(),
            username: Some(name.to_owned()),
            display_name: Some(name.to_uppercase()),
            email: None,
            active,
        }
    }

    /// The ranks order rows exactly as a stable sort by the lower-cased key does, including keys
    /// that share their first 16 bytes, non-ASCII keys, empty keys and ties.
    #[test]
    fn ranks_follow_the_lower_cased_key_then_list_order() {
        let names = [
            "ada.lovelace.second.account",
            "Ada.Lovelace.first.account",
            "ada.lovelace.second.account",
            "Émile",
            "emile",
            "",
            "Zoë",
            "zoe",
            "ada.lovelace.se",
            "ADA",
        ];
        let users: Vec<UserSummary> = names
            .iter()
            .enumerate()
            .map(|(i, n)| user(n, i.is_multiple_of(3)))
            .collect();
        for column in SortColumn::ALL {
            assert_ranks_as_a_stable_sort(&users, column);
        }
    }
}
