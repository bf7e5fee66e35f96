//! The browse screen's model: the connections with their loaded users, the users table (filter,
//! selection, scroll) and which pane has the focus.
//!
//! Plain data with methods on itself; it knows nothing of the other screens, of `State` or of the
//! update function, and does no I/O.

use super::filter::narrows;
use super::msg::RequestId;
use super::row_scores::{RowTexts, score_rows};
use super::sort_ranks::{merge_sorted, ranks_by};
use crate::domain::{ServiceKind, UserSummary};
use crate::service::Capabilities;

/// The pane that takes keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// The connections pane.
    Connections,
    /// The users table.
    Users,
    /// The detail pane.
    Detail,
}

/// Where a connection stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnStatus {
    /// Nothing has arrived yet.
    Connecting,
    /// Pages are arriving.
    Loading,
    /// Every user is listed.
    Ready,
    /// Opening or listing failed, with the reason.
    Failed(String),
}

/// One configured connection.
#[derive(Debug, Clone)]
pub struct ConnectionState {
    /// The name from the config.
    pub name: String,
    /// The service.
    pub kind: ServiceKind,
    /// The server's base URL (never credentials), for the header.
    pub server: Option<String>,
    /// Writes are refused on this connection.
    pub read_only: bool,
    /// What the service offers (None when it could not be opened).
    pub capabilities: Option<Capabilities>,
    /// Its status.
    pub status: ConnStatus,
    /// The users loaded so far, in service order.
    pub users: Vec<UserSummary>,
    /// The total the service announced.
    pub total: Option<usize>,
    /// The listing whose pages are wanted.
    pub request: Option<RequestId>,
}

impl ConnectionState {
    /// True when the whole list is loaded.
    pub fn complete(&self) -> bool {
        self.status == ConnStatus::Ready
    }
}

/// A column the users table can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortColumn {
    /// The login name.
    Username,
    /// The display name.
    Name,
    /// The email address.
    Email,
    /// Active first, then disabled.
    Active,
}

impl SortColumn {
    /// The columns in the order `s` cycles through them.
    pub const ALL: [SortColumn; 4] = [Self::Username, Self::Name, Self::Email, Self::Active];

    /// The column's header text.
    pub fn label(self) -> &'static str {
        match self {
            Self::Username => "username",
            Self::Name => "name",
            Self::Email => "email",
            Self::Active => "active",
        }
    }

    /// The user's text in this column (what it sorts by, before ignoring case).
    pub(super) fn key(self, user: &UserSummary) -> &str {
        match self {
            Self::Username => user.username.as_deref().unwrap_or(""),
            Self::Name => user.display_name.as_deref().unwrap_or(""),
            Self::Email => user.email.as_deref().unwrap_or(""),
            Self::Active if user.active => "0",
            Self::Active => "1",
        }
    }

    /// Compares two users by this column, ignoring case; ties keep list order.
    fn compare(self, users: &[UserSummary], a: usize, b: usize) -> std::cmp::Ordering {
        let key = |i: usize| users.get(i).map_or("", |u| self.key(u));
        let lower = |t: &str| t.chars().flat_map(char::to_lowercase).collect::<Vec<_>>();
        let (ka, kb) = (key(a), key(b));
        let order = if ka.is_ascii() && kb.is_ascii() {
            ka.bytes()
                .map(|c| c.to_ascii_lowercase())
                .cmp(kb.bytes().map(|c| c.to_ascii_lowercase()))
        } else {
            lower(ka).cmp(&lower(kb))
        };
        order.then(a.cmp(&b))
    }
}

/// The order of the users table chosen with `s`/`S`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    /// The column.
    pub column: SortColumn,
    /// Descending instead of ascending.
    pub reverse: bool,
}

/// Each user's position when sorted by one column, computed once per column and list.
#[derive(Debug, Clone)]
struct SortRanks {
    column: SortColumn,
    len: usize,
    ranks: Vec<u32>,
}

/// The users table of the selected connection.
///
/// Its order: by the chosen sort column when there is one; otherwise, while a filter is set, by
/// score (best first); otherwise the service's order. Ties always keep the service's order.
#[derive(Debug, Clone, Default)]
pub struct UserList {
    /// The filter text.
    pub filter: String,
    /// The filter is being typed.
    pub filtering: bool,
    /// Indices into the connection's users that pass the filter, in display order.
    pub visible: Vec<usize>,
    /// The filter score of each visible row (parallel to `visible`).
    scores: Vec<u32>,
    /// The selected position in `visible`.
    pub selected: usize,
    /// The first drawn position.
    pub offset: usize,
    /// The sort chosen with `s`/`S`, if any.
    pub sort: Option<Sort>,
    /// The filter text `visible` holds every match of (None: unknown, so the next refilter
    /// starts from scratch).
    applied: Option<String>,
    ranks: Option<SortRanks>,
    /// Each loaded row's text as the filter reads it, joined once.
    texts: RowTexts,
}

impl UserList {
    /// Recomputes the visible rows for the filter text. When the text grew since the last
    /// refilter (a keystroke), only the previous matches are looked at; otherwise every row is.
    /// A changed filter text puts the selection on the best match; otherwise it stays on its user.
    pub fn refilter(&mut self, users: &[UserSummary]) {
        let keep = self.visible.get(self.selected).copied();
        let text_changed = self.applied.as_deref() != Some(self.filter.as_str());
        self.texts.sync(users);
        let candidates: Vec<usize> = match &self.applied {
            Some(old) if narrows(old, &self.filter) => {
                // The previous matches, looked at in list order (memory order: a ranked order
                // would jump around the list and miss the cache on every row).
                let mut previous = vec![false; users.len()];
                for &index in &self.visible {
                    if let Some(slot) = previous.get_mut(index) {
                        *slot = true;
                    }
                }
                (0..users.len()).filter(|index| previous[*index]).collect()
            }
            _ => (0..users.len()).collect(),
        };
        let found = score_rows(&self.filter, &candidates, users, &self.texts);
        self.set_matches(found, users, true);
        self.applied = Some(self.filter.clone());
        self.selected = match keep {
            Some(_) if text_changed && !self.filter.trim().is_empty() => 0,
            Some(k) => self.visible.iter().position(|v| *v == k).unwrap_or(0),
            None => 0,
        };
        self.offset = self.offset.min(self.selected);
    }

    /// Adds the rows from `start` on that pass the filter, in their place in the order.
    pub fn extend(&mut self, users: &[UserSummary], start: usize) {
        if self.applied.as_deref() != Some(self.filter.as_str()) {
            self.applied = None;
        }
        if start == 0 {
            // A listing starts again: the rows kept may be another listing's.
            self.texts.clear();
        }
        self.texts.sync(users);
        let candidates: Vec<usize> = (start..users.len()).collect();
        let mut found = score_rows(&self.filter, &candidates, users, &self.texts);
        if found.is_empty() {
            return;
        }
        let by_score = !self.filter.trim().is_empty();
        if self.sort.is_none() && !by_score {
            self.scores.extend(found.iter().map(|(s, _)| *s));
            self.visible.extend(found.iter().map(|(_, i)| *i));
            return;
        }
        let old = self.rows();
        let sort = self.sort;
        let before = |a: &(u32, usize), b: &(u32, usize)| match sort {
            Some(sort) => {
                let order = sort.column.compare(users, a.1, b.1);
                if sort.reverse { order.reverse() } else { order }
            }
            None => b.0.cmp(&a.0).then(a.1.cmp(&b.1)),
        };
        found.sort_by(before);
        let merged = merge_sorted(&old, &found, before);
        self.scores = merged.iter().map(|(s, _)| *s).collect();
        self.visible = merged.into_iter().map(|(_, i)| i).collect();
    }

    /// `s`: sorts by the next column (after the last one, back to the service's order or score).
    pub fn cycle_sort(&mut self, users: &[UserSummary]) {
        let next = match self.sort {
            None => Some(SortColumn::ALL[0]),
            Some(sort) => SortColumn::ALL
                .iter()
                .position(|c| *c == sort.column)
                .and_then(|at| SortColumn::ALL.get(at + 1))
                .copied(),
        };
        self.sort = next.map(|column| Sort {
            column,
            reverse: false,
        });
        self.reorder(users);
    }

    /// `S`: reverses the sort (sorting by the first column when there was none).
    pub fn reverse_sort(&mut self, users: &[UserSummary]) {
        self.sort = Some(match self.sort {
            Some(sort) => Sort {
                reverse: !sort.reverse,
                ..sort
            },
            None => Sort {
                column: SortColumn::ALL[0],
                reverse: true,
            },
        });
        self.reorder(users);
    }

    /// Puts the visible rows in the current order, keeping the selection on its user.
    fn reorder(&mut self, users: &[UserSummary]) {
        let keep = self.visible.get(self.selected).copied();
        let rows = self.rows();
        self.set_matches(rows, users, true);
        self.selected = keep
            .and_then(|k| self.visible.iter().position(|v| *v == k))
            .unwrap_or(0);
    }

    /// The visible rows with their scores, in display order.
    fn rows(&self) -> Vec<(u32, usize)> {
        self.scores
            .iter()
            .copied()
            .zip(self.visible.iter().copied())
            .collect()
    }

    /// Stores the matches, ordered when `order` says they are not in order yet.
    fn set_matches(&mut self, mut rows: Vec<(u32, usize)>, users: &[UserSummary], order: bool) {
        if order {
            match self.sort {
                Some(sort) => {
                    let ranks = self.ranks(users, sort.column);
                    rows = order_by_rank(rows, ranks, sort.reverse);
                }
                None if !self.filter.trim().is_empty() => rows = rank_by_score(rows, users.len()),
                None => rows.sort_unstable_by_key(|(_, index)| *index),
            }
        }
        self.scores = rows.iter().map(|(s, _)| *s).collect();
        self.visible = rows.into_iter().map(|(_, i)| i).collect();
    }

    /// Each user's rank by a column (cached until the list changes).
    fn ranks(&mut self, users: &[UserSummary], column: SortColumn) -> &[u32] {
        let fresh = self
            .ranks
            .as_ref()
            .is_some_and(|r| r.column == column && r.len == users.len());
        if !fresh {
            self.ranks = Some(SortRanks {
                column,
                len: users.len(),
                ranks: ranks_by(users, column),
            });
        }
        self.ranks.as_ref().map_or(&[], |r| r.ranks.as_slice())
    }

    /// Empties the table for another list of users (nothing visible, nothing selected).
    pub fn reset(&mut self) {
        self.visible.clear();
        self.scores.clear();
        self.selected = 0;
        self.offset = 0;
        self.applied = None;
        self.ranks = None;
        self.texts.clear();
    }

    /// Rows already loaded changed in place: the next refilter looks at every row again.
    pub fn rows_changed(&mut self) {
        self.applied = None;
        self.ranks = None;
        self.texts.clear();
    }
}

/// Orders rows by their users' ranks (a permutation of the list), in linear time: each row goes
/// to its rank's slot. Rows without a rank (not expected) go last, in their order.
fn order_by_rank(rows: Vec<(u32, usize)>, ranks: &[u32], reverse: bool) -> Vec<(u32, usize)> {
    let mut slots: Vec<Option<(u32, usize)>> = vec![None; ranks.len()];
    let mut unranked = Vec::new();
    for row in rows {
        match ranks.get(row.1).and_then(|r| slots.get_mut(*r as usize)) {
            Some(slot @ None) => *slot = Some(row),
            _ => unranked.push(row),
        }
    }
    let mut ordered: Vec<(u32, usize)> = if reverse {
        slots.into_iter().rev().flatten().collect()
    } else {
        slots.into_iter().flatten().collect()
    };
    ordered.extend(unranked);
    ordered
}

/// Orders matches best score first, ties in list order, in linear time: the rows are put in list
/// order (a bitmap over the list) and then counted into one slot per score (a stable counting
/// sort), which keeps a keystroke over 100,000 rows well inside a frame; very high scores fall
/// back to a comparison sort.
fn rank_by_score(rows: Vec<(u32, usize)>, len: usize) -> Vec<(u32, usize)> {
    const MAX_BUCKETS: u32 = 1 << 16;
    let in_order = rows.windows(2).all(|w| w[0].1 < w[1].1);
    let rows = if in_order {
        rows
    } else {
        let mut score_of = vec![None; len];
        for (score, index) in &rows {
            if let Some(slot) = score_of.get_mut(*index) {
                *slot = Some(*score);
            }
        }
        score_of
            .into_iter()
            .enumerate()
            .filter_map(|(index, score)| score.map(|s| (s, index)))
            .collect()
    };
    let max = rows.iter().map(|(score, _)| *score).max().unwrap_or(0);
    if max >= MAX_BUCKETS {
        let mut rows = rows;
        rows.sort_by_key(|(score, _)| std::cmp::Reverse(*score));
        return rows;
    }
    // Slot of each score, highest first.
    let mut starts = vec![0usize; max as usize + 2];
    for (score, _) in &rows {
        starts[(max - score) as usize + 1] += 1;
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    let mut ranked = vec![(0, 0); rows.len()];
    for row in rows {
        let slot = &mut starts[(max - row.0) as usize];
        ranked[*slot] = row;
        *slot += 1;
    }
    ranked
}

/// The columns of a user row that the filter looks at and the table draws.
pub fn columns(user: &UserSummary) -> [&str; 3] {
    [
        user.username.as_deref().unwrap_or(""),
        user.display_name.as_deref().unwrap_or(""),
        user.email.as_deref().unwrap_or(""),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users() -> Vec<UserSummary> {
        [
            "ada lovelace",
            "grace hopper",
            "alan turing",
            "barbara liskov",
            "linus torvalds",
        ]
        .iter()
        .enumerate()
        .map(|(i, name)| UserSummary {
            id: i.to_string(),
            username: Some(name.replace(' ', ".")),
            display_name: Some((*name).to_owned()),
            email: None,
            active: true,
        })
        .collect()
    }

    fn typed(list: &mut UserList, users: &[UserSummary], text: &str) {
        list.filter = text.to_owned();
        list.refilter(users);
    }

    fn from_scratch(users: &[UserSummary], text: &str) -> Vec<usize> {
        let mut list = UserList::default();
        typed(&mut list, users, text);
        list.visible
    }

    #[test]
    fn typing_narrows_to_the_same_rows_as_filtering_from_scratch() {
        let users = users();
        let mut list = UserList::default();
        for text in ["l", "li", "lis", "li", "l", "lo", "lov", "lov ", "lov a"] {
            typed(&mut list, &users, text);
            assert_eq!(list.visible, from_scratch(&users, text), "after {text:?}");
        }
        let mut found = list.visible.clone();
        found.sort_unstable();
        assert_eq!(found, [0, 3, 4]);
    }

    #[test]
    fn rows_added_or_changed_are_seen_by_the_next_refilter() {
        let mut users = users();
        let mut list = UserList::default();
        typed(&mut list, &users, "a");
        users.push(UserSummary {
            id: "9".to_owned(),
            username: Some("ann".to_owned()),
            ..users[0].clone()
        });
        list.refilter(&users);
        assert!(list.visible.contains(&5));
        users[1].display_name = Some("ann hopper".to_owned());
        users[1].username = Some("ann.hopper".to_owned());
        list.rows_changed();
        typed(&mut list, &users, "an");
        assert_eq!(list.visible, from_scratch(&users, "an"));
        list.reset();
        assert!(list.visible.is_empty());
        list.extend(&users, 0);
        typed(&mut list, &users, "ann");
        assert_eq!(list.visible, from_scratch(&users, "ann"));
    }

    #[test]
    fn matches_are_ranked_and_pages_merge_into_the_order() {
        let mut users = users();
        let mut list = UserList::default();
        typed(&mut list, &users, "lin");
        let first = users[list.visible[0]].username.clone();
        assert_eq!(
            first.as_deref(),
            Some("linus.torvalds"),
            "the closest match leads"
        );
        let start = users.len();
        users.push(UserSummary {
            id: "9".to_owned(),
            username: Some("lin".to_owned()),
            display_name: Some("Lin".to_owned()),
            email: None,
            active: true,
        });
        list.extend(&users, start);
        assert_eq!(list.visible, from_scratch(&users, "lin"));
    }

    #[test]
    fn sorting_cycles_columns_and_reverses() {
        let users = users();
        let mut list = UserList::default();
        list.refilter(&users);
        list.cycle_sort(&users);
        let names = |list: &UserList| {
            list.visible
                .iter()
                .map(|i| users[*i].username.clone().unwrap_or_default())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&list)[0], "ada.lovelace");
        list.reverse_sort(&users);
        assert_eq!(names(&list)[0], "linus.torvalds");
        typed(&mut list, &users, "a");
        assert_eq!(list.visible, from_scratch_sorted(&users, "a", list.sort));
        list.sort = None;
        list.cycle_sort(&users);
        list.cycle_sort(&users);
        assert_eq!(list.sort.map(|s| s.column), Some(SortColumn::Name));
    }

    fn from_scratch_sorted(users: &[UserSummary], text: &str, sort: Option<Sort>) -> Vec<usize> {
        let mut list = UserList {
            sort,
            ..UserList::default()
        };
        typed(&mut list, users, text);
        list.visible
    }
}
