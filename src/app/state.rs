//! Everything the browser knows: connections, the users table, the detail pane, open dialogs.
//!
//! Only `update` changes this state; the view reads it. It holds no service clients and no
//! channels, so it can be built and inspected in plain tests.

use super::audit::AuditState;
use super::editor::EditorState;
use super::filter::{Filter, narrows};
use super::keymap::KeyMap;
use super::msg::RequestId;
use super::person::PersonState;
use crate::domain::{Edit, ServiceKind, UserRecord, UserSummary};
use crate::service::{Capabilities, WritePlan};

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

/// The detail pane.
#[derive(Debug, Clone)]
pub struct DetailState {
    /// The connection index.
    pub conn: usize,
    /// The service id of the user shown.
    pub user_id: String,
    /// The record, once read.
    pub record: Option<Box<UserRecord>>,
    /// The read whose reply is wanted.
    pub request: Option<RequestId>,
    /// Why the last read failed.
    pub error: Option<String>,
    /// The selected attribute.
    pub selected: usize,
    /// The first drawn line.
    pub offset: usize,
    /// Show the raw JSON instead of the attributes.
    pub raw: bool,
    /// Select this attribute once the record arrives (a jump from the audit view).
    pub wanted_attribute: Option<String>,
}

/// A full-screen view.
#[derive(Debug, Clone)]
pub enum Screen {
    /// Connections, users and detail.
    Browse,
    /// Audit findings.
    Audit(Box<AuditState>),
    /// One person across connections.
    Person(Box<PersonState>),
}

/// A write waiting for confirmation.
#[derive(Debug, Clone)]
pub struct PreviewState {
    /// The connection index.
    pub conn: usize,
    /// The plan shown.
    pub plan: Box<WritePlan>,
    /// The form to go back to (None for a delete).
    pub editor: Option<Box<EditorState>>,
    /// The user written (None for a create).
    pub user_id: Option<String>,
    /// The edit the plan was built from.
    pub edit: Edit,
    /// The write in flight, once confirmed.
    pub applying: Option<RequestId>,
    /// The first drawn line.
    pub offset: usize,
}

/// A dialog over the current screen.
#[derive(Debug, Clone)]
pub enum Dialog {
    /// The key help.
    Help,
    /// The `:` command line and its text.
    Command(String),
    /// A form.
    Editor(Box<EditorState>),
    /// A write preview.
    Preview(Box<PreviewState>),
}

/// A short message in the corner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    /// Identifies it for expiry.
    pub id: u64,
    /// What it says.
    pub text: String,
    /// An error (drawn in red) rather than a notice.
    pub error: bool,
}

/// The whole browser state.
#[derive(Debug)]
pub struct State {
    /// The key map.
    pub keys: KeyMap,
    /// The connections, in config order.
    pub connections: Vec<ConnectionState>,
    /// The selected connection.
    pub selected_conn: usize,
    /// The focused pane.
    pub focus: Focus,
    /// The users table of the selected connection.
    pub users: UserList,
    /// The detail pane, once a user is opened.
    pub detail: Option<DetailState>,
    /// The full-screen view.
    pub screen: Screen,
    /// The dialog, if one is open.
    pub dialog: Option<Dialog>,
    /// Toasts, oldest first.
    pub toasts: Vec<Toast>,
    /// The terminal size (width, height).
    pub size: (u16, u16),
    /// The write being planned, whose plan is wanted.
    pub planning: Option<super::write::Planning>,
    /// A `:user` lookup whose reply is wanted.
    pub find_request: Option<(usize, RequestId)>,
    /// An undo lookup (`z`) whose reply is wanted.
    pub undo_request: Option<RequestId>,
    /// The server-side search (while a listing is still loading) whose reply is wanted.
    pub search_request: Option<RequestId>,
    /// Per connection: ids of users added by a server-side search before the listing reached
    /// them, so that the listing does not add them twice.
    pub searched: std::collections::HashMap<usize, std::collections::HashSet<String>>,
    /// The user asked to leave.
    pub quit: bool,
    next_id: u64,
}

impl State {
    /// A state for these connections, nothing loaded yet.
    pub fn new(keys: KeyMap, connections: Vec<ConnectionState>) -> Self {
        Self {
            keys,
            connections,
            selected_conn: 0,
            focus: Focus::Connections,
            users: UserList::default(),
            detail: None,
            screen: Screen::Browse,
            dialog: None,
            toasts: Vec::new(),
            size: (80, 24),
            planning: None,
            undo_request: None,
            search_request: None,
            searched: std::collections::HashMap::new(),
            find_request: None,
            quit: false,
            next_id: 1,
        }
    }

    /// A fresh id for a request or toast.
    pub fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// The selected connection.
    pub fn connection(&self) -> Option<&ConnectionState> {
        self.connections.get(self.selected_conn)
    }

    /// The selected user row of the selected connection.
    pub fn selected_user(&self) -> Option<&UserSummary> {
        let conn = self.connection()?;
        let index = *self.users.visible.get(self.users.selected)?;
        conn.users.get(index)
    }

    /// The record in the detail pane, when it is loaded.
    pub fn record(&self) -> Option<&UserRecord> {
        self.detail.as_ref()?.record.as_deref()
    }
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
