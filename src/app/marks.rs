//! Marked users for a bulk edit: per connection, the ids of the users `Space` and `*` marked.
//!
//! Plain data with methods on itself; the update function decides when marks change and the
//! view draws them. Marks belong to a connection, so switching connections never edits the
//! users of another one. Nothing here does I/O.

use std::collections::{BTreeSet, HashMap};

use crate::domain::UserSummary;

/// The marked users of every connection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Marks {
    by_conn: HashMap<usize, BTreeSet<String>>,
}

impl Marks {
    /// Marks the user, or unmarks it when it is marked.
    pub fn toggle(&mut self, conn: usize, id: &str) {
        let marked = self.by_conn.entry(conn).or_default();
        if !marked.remove(id) {
            marked.insert(id.to_owned());
        }
    }

    /// Marks every one of `ids`; when all of them are marked already, unmarks every user of the
    /// connection instead (`*` twice clears).
    pub fn toggle_all<'a>(&mut self, conn: usize, ids: impl IntoIterator<Item = &'a str>) {
        let marked = self.by_conn.entry(conn).or_default();
        let ids: Vec<&str> = ids.into_iter().collect();
        if !ids.is_empty() && ids.iter().all(|id| marked.contains(*id)) {
            marked.clear();
        } else {
            marked.extend(ids.into_iter().map(str::to_owned));
        }
    }

    /// Unmarks every user of the connection.
    pub fn clear(&mut self, conn: usize) {
        self.by_conn.remove(&conn);
    }

    /// True when the user is marked.
    pub fn is_marked(&self, conn: usize, id: &str) -> bool {
        self.by_conn.get(&conn).is_some_and(|m| m.contains(id))
    }

    /// How many users of the connection are marked.
    pub fn count(&self, conn: usize) -> usize {
        self.by_conn.get(&conn).map_or(0, BTreeSet::len)
    }

    /// The marked ids in the order of `users` (the service's listing order), then any marked id
    /// the list does not hold, in id order.
    pub fn ordered_ids(&self, conn: usize, users: &[UserSummary]) -> Vec<String> {
        let Some(marked) = self.by_conn.get(&conn) else {
            return Vec::new();
        };
        let mut ids: Vec<String> = users
            .iter()
            .filter(|u| marked.contains(&u.id))
            .map(|u| u.id.clone())
            .collect();
        let listed: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
        let unlisted: Vec<String> = marked
            .iter()
            .filter(|id| !listed.contains(id.as_str()))
            .cloned()
            .collect();
        ids.extend(unlisted);
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str) -> UserSummary {
        UserSummary {
            id: id.to_owned(),
            username: None,
            display_name: None,
            email: None,
            active: true,
        }
    }

    #[test]
    fn space_toggles_and_star_marks_then_clears() {
        let mut marks = Marks::default();
        marks.toggle(0, "2");
        assert!(marks.is_marked(0, "2"));
        assert!(!marks.is_marked(1, "2"));
        marks.toggle(0, "2");
        assert_eq!(marks.count(0), 0);
        marks.toggle(0, "9");
        marks.toggle_all(0, ["3", "1"]);
        assert_eq!(marks.count(0), 3);
        let users = [user("1"), user("2"), user("3")];
        assert_eq!(marks.ordered_ids(0, &users), ["1", "3", "9"]);
        marks.toggle_all(0, ["3", "1"]);
        assert_eq!(marks.count(0), 0);
    }
}
