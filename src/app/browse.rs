//! The browse screen's model: the connections with their loaded users, the users table (filter,
//! selection, scroll) and which pane has the focus.
//!
//! Plain data with methods on itself; it knows nothing of the other screens, of `State` or of the
//! update function, and does no I/O.

use super::filter::{Filter, narrows};
use super::msg::RequestId;
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

/// The users table of the selected connection.
#[derive(Debug, Clone, Default)]
pub struct UserList {
    /// The filter text.
    pub filter: String,
    /// The filter is being typed.
    pub filtering: bool,
    /// Indices into the connection's users that pass the filter, in list order.
    pub visible: Vec<usize>,
    /// The selected position in `visible`.
    pub selected: usize,
    /// The first drawn position.
    pub offset: usize,
    /// The filter text `visible` holds every match of (None: unknown, so the next refilter
    /// starts from scratch).
    applied: Option<String>,
}

impl UserList {
    /// Recomputes the visible rows for the filter text. When the text grew since the last
    /// refilter (a keystroke), only the previous matches are looked at; otherwise every row is.
    pub fn refilter(&mut self, users: &[UserSummary]) {
        let keep = self.visible.get(self.selected).copied();
        match &self.applied {
            Some(old) if narrows(old, &self.filter) => {
                let mut filter = Filter::new(&self.filter);
                self.visible.retain(|index| {
                    users
                        .get(*index)
                        .is_some_and(|u| filter.matches(columns(u)))
                });
            }
            _ => {
                self.visible.clear();
                self.push_matches(users, 0);
            }
        }
        self.applied = Some(self.filter.clone());
        self.selected = keep
            .and_then(|k| self.visible.iter().position(|v| *v == k))
            .unwrap_or(0);
        self.offset = self.offset.min(self.selected);
    }

    /// Adds the rows from `start` on that pass the filter.
    pub fn extend(&mut self, users: &[UserSummary], start: usize) {
        if self.applied.as_deref() != Some(self.filter.as_str()) {
            self.applied = None;
        }
        self.push_matches(users, start);
    }

    fn push_matches(&mut self, users: &[UserSummary], start: usize) {
        let mut filter = Filter::new(&self.filter);
        for (index, user) in users.iter().enumerate().skip(start) {
            if filter.matches(columns(user)) {
                self.visible.push(index);
            }
        }
    }

    /// Empties the table for another list of users (nothing visible, nothing selected).
    pub fn reset(&mut self) {
        self.visible.clear();
        self.selected = 0;
        self.offset = 0;
        self.applied = None;
    }

    /// Rows already loaded changed in place: the next refilter looks at every row again.
    pub fn rows_changed(&mut self) {
        self.applied = None;
    }
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
        assert_eq!(list.visible, [0, 3, 4]);
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
}
