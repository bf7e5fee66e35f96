//! Each user's position in the users table sorted by one column, ignoring case, ties in list
//! order — computed once per column and list, in one pass that stays well inside a frame at
//! 100,000 rows: every lower-cased key goes into one buffer (no string per user), and the sort
//! compares the keys' first 16 bytes as one integer, reading the whole keys only on a tie.
//!
//! Pure computation, no I/O.

use super::browse::SortColumn;
use crate::domain::UserSummary;

/// The rank of each user (index into `users`) when sorted by `column`: 0 first.
pub fn ranks_by(users: &[UserSummary], column: SortColumn) -> Vec<u32> {
    let keys = LowerKeys::new(users, column);
    let mut order: Vec<(u128, u32)> = (0..users.len())
        .map(|index| (keys.prefix(index), index as u32))
        .collect();
    // By prefix, then list order: plain integer comparisons.
    let mut order = if order.len() >= PARALLEL_FROM && cores() > 1 {
        sort_in_halves(order, Ord::cmp)
    } else {
        order.sort_unstable();
        order
    };
    // Rows that share a prefix are in list order, which is right when their keys are the same;
    // a run holding different keys (longer than the prefix) is sorted by the whole keys.
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

/// Sorts the two halves at once (one on a scoped thread), then merges them; `compare` is a total
/// order, so the result is what one sort gives.
fn sort_in_halves<T, F>(mut items: Vec<T>, compare: F) -> Vec<T>
where
    T: Copy + Send,
    F: Fn(&T, &T) -> std::cmp::Ordering + Sync,
{
    let middle = items.len() / 2;
    let (left, right) = items.split_at_mut(middle);
    std::thread::scope(|scope| {
        let worker = scope.spawn(|| left.sort_unstable_by(&compare));
        right.sort_unstable_by(&compare);
        if let Err(panic) = worker.join() {
            std::panic::resume_unwind(panic);
        }
    });
    let (left, right) = items.split_at(middle);
    merge_sorted(left, right, compare)
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

/// Every user's key in one column, lower-cased, in one buffer.
struct LowerKeys {
    text: String,
    /// Where each user's key ends in `text`.
    ends: Vec<usize>,
}

impl LowerKeys {
    fn new(users: &[UserSummary], column: SortColumn) -> Self {
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
        Self { text, ends }
    }

    fn get(&self, index: usize) -> &str {
        let start = index
            .checked_sub(1)
            .and_then(|i| self.ends.get(i))
            .copied()
            .unwrap_or(0);
        let end = self.ends.get(index).copied().unwrap_or(start);
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
            let mut expected: Vec<usize> = (0..users.len()).collect();
            expected.sort_by_cached_key(|i| column.key(&users[*i]).to_lowercase());
            let ranks = ranks_by(&users, column);
            let mut order: Vec<usize> = (0..users.len()).collect();
            order.sort_by_key(|i| ranks[*i]);
            assert_eq!(order, expected, "{column:?}");
        }
    }

    #[test]
    fn halves_sorted_apart_merge_into_one_order() {
        let mut state = 7u64;
        let items: Vec<(u32, u32)> = (0..5_001)
            .map(|i| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 40) as u32 % 300, i)
            })
            .collect();
        let mut expected = items.clone();
        expected.sort_unstable();
        assert_eq!(sort_in_halves(items, |a, b| a.cmp(b)), expected);
        assert!(sort_in_halves(Vec::<(u32, u32)>::new(), |a, b| a.cmp(b)).is_empty());
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
            let mut expected: Vec<usize> = (0..users.len()).collect();
            expected.sort_by_cached_key(|i| column.key(&users[*i]).to_lowercase());
            let ranks = ranks_by(&users, column);
            let mut order: Vec<usize> = (0..users.len()).collect();
            order.sort_by_key(|i| ranks[*i]);
            assert_eq!(order, expected, "{column:?}");
        }
    }
}
