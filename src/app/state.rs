//! Everything the browser knows: connections, the users table, the detail pane, open dialogs.
//!
//! Only `update` changes this state; the view reads it. It holds no service clients and no
//! channels, so it can be built and inspected in plain tests.

use super::audit::AuditState;
use super::editor::EditorState;
use super::filter::Filter;
use super::keymap::KeyMap;
use super::msg::RequestId;
use super::person::PersonState;
use crate::domain::{ServiceKind, UserRecord, UserSummary};
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
}

impl UserList {
    /// Recomputes the visible rows from scratch.
    pub fn refilter(&mut self, users: &[UserSummary]) {
        let keep = self.visible.get(self.selected).copied();
        self.visible.clear();
        self.extend(users, 0);
        self.selected = keep
            .and_then(|k| self.visible.iter().position(|v| *v == k))
            .unwrap_or(0);
        self.offset = self.offset.min(self.selected);
    }

    /// Adds the rows from `start` on that pass the filter.
    pub fn extend(&mut self, users: &[UserSummary], start: usize) {
        let mut filter = Filter::new(&self.filter);
        for (index, user) in users.iter().enumerate().skip(start) {
            if filter.matches(columns(user)) {
                self.visible.push(index);
            }
        }
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
