//! Everything the browser knows, composed of the screens' models, and the helpers that several
//! screens share (toasts, selecting a connection or a user, keeping selections in view), as
//! methods on [`State`].
//!
//! Only the update function changes this state; the view reads it. It holds no service clients
//! and no channels, so it can be built and inspected in plain tests. It imports the screens'
//! models, never the update function.

use std::time::Duration;

use ratatui::layout::Rect;

use super::attribute::AttributeScreen;
use super::audit::AuditState;
use super::batch::BatchDialog;
pub use super::browse::{ConnStatus, ConnectionState, Focus, UserList, columns};
use super::command::CommandLine;
pub use super::detail::DetailState;
use super::editor::EditorState;
use super::journal::JournalView;
use super::keymap::{Action, KeyMap};
use super::layout::{self, AUDIT_CHROME, TABLE_CHROME};
use super::marks::Marks;
use super::msg::{Effect, RequestId};
use super::person::PersonState;
pub use super::preview::{Planning, PreviewState};
use super::yank::YankMenu;
use crate::domain::{UserRecord, UserSummary};

/// How long a toast shows.
pub const TOAST_TIME: Duration = Duration::from_secs(6);
/// The most toasts shown at once.
const MAX_TOASTS: usize = 3;

/// A full-screen view.
#[derive(Debug, Clone)]
pub enum Screen {
    /// Connections, users and detail.
    Browse,
    /// Audit findings.
    Audit(Box<AuditState>),
    /// One person across connections.
    Person(Box<PersonState>),
    /// One Looker attribute: settings, group values by rank, sources, rank changes.
    Attribute(Box<AttributeScreen>),
    /// The journal, newest first (`z` reverts an entry or its batch).
    Journal(Box<JournalView>),
}

/// A dialog over the current screen.
#[derive(Debug, Clone)]
pub enum Dialog {
    /// The key help, scrolled down by this many lines (the view stops at the last screenful).
    Help(usize),
    /// The `:` command line.
    Command(CommandLine),
    /// The copy menu.
    Yank(YankMenu),
    /// A form.
    Editor(Box<EditorState>),
    /// A write preview.
    Preview(Box<PreviewState>),
    /// A bulk edit or a revert from the journal: planning, preview, progress, result.
    Batch(Box<BatchDialog>),
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
#[derive(Debug, Clone)]
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
    /// The users marked for a bulk edit.
    pub marks: Marks,
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
    pub planning: Option<Planning>,
    /// A `:user` lookup whose reply is wanted.
    pub find_request: Option<(usize, RequestId)>,
    /// An undo lookup (`z`) whose reply is wanted.
    pub undo_request: Option<RequestId>,
    /// The server-side search (while a listing is still loading) whose reply is wanted.
    pub search_request: Option<RequestId>,
    /// Per connection: ids of users added by a server-side search before the listing reached
    /// them, so that the listing does not add them twice.
    pub searched: std::collections::HashMap<usize, std::collections::HashSet<String>>,
    /// The commands run this session, oldest first (Up/Down on the command line).
    pub command_history: Vec<String>,
    /// An edit in `$EDITOR` whose result is wanted.
    pub external_edit: Option<RequestId>,
    /// The config file the connections come from, for the header.
    pub config_path: Option<String>,
    /// The time zone timestamps are shown in (UTC until the browser sets the local one).
    pub time_zone: jiff::tz::TimeZone,
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
            marks: Marks::default(),
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
            command_history: Vec::new(),
            external_edit: None,
            config_path: None,
            time_zone: jiff::tz::TimeZone::UTC,
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

    /// How many users of the selected connection are marked for a bulk edit.
    pub fn marked(&self) -> usize {
        self.marks.count(self.selected_conn)
    }

    /// The record in the detail pane, when it is loaded.
    pub fn record(&self) -> Option<&UserRecord> {
        self.detail.as_ref()?.record.as_deref()
    }

    /// Shows a toast and returns the effect that expires it.
    pub fn toast(&mut self, text: String, error: bool) -> Vec<Effect> {
        let id = self.next_id();
        self.toasts.push(Toast { id, text, error });
        if self.toasts.len() > MAX_TOASTS {
            self.toasts.remove(0);
        }
        vec![Effect::ExpireToast {
            id,
            after: TOAST_TIME,
        }]
    }

    /// The browse screen's pane rectangles for the current size and focus.
    pub fn browse_areas(&self) -> layout::Areas {
        let (width, height) = self.size;
        layout::areas(
            Rect::new(0, 0, width, height),
            self.connections.len(),
            self.focus == Focus::Detail,
        )
    }

    /// The first connection drawn in the connections pane.
    pub fn connection_window(&self) -> usize {
        let rows = layout::rows_in(self.browse_areas().connections, 2);
        self.selected_conn.saturating_sub(rows.saturating_sub(1))
    }

    /// Scrolls the users table (and the audit list) so their selections stay in view.
    pub fn keep_visible(&mut self) {
        let areas = self.browse_areas();
        let rows = layout::rows_in(areas.users, TABLE_CHROME);
        let list = &mut self.users;
        list.selected = list.selected.min(list.visible.len().saturating_sub(1));
        list.offset = layout::scroll_to(list.selected, list.offset, rows);
        let audit_rows = layout::rows_in(areas.main, AUDIT_CHROME);
        match &mut self.screen {
            Screen::Audit(audit) => audit.keep_visible(audit_rows),
            Screen::Journal(journal) => {
                journal.keep_visible(layout::rows_in(areas.main, TABLE_CHROME));
            }
            Screen::Person(_) | Screen::Attribute(_) | Screen::Browse => {}
        }
    }

    /// Re-applies the users filter and keeps the selection visible.
    pub fn refilter(&mut self) {
        if let Some(conn) = self.connections.get(self.selected_conn) {
            self.users.refilter(&conn.users);
        }
        self.keep_visible();
    }

    /// Makes a connection the selected one: its users fill the table.
    pub fn select_connection(&mut self, conn: usize) {
        self.selected_conn = conn;
        self.users.reset();
        self.refilter();
        if self.detail.as_ref().is_some_and(|d| d.conn != conn) {
            self.detail = None;
        }
    }

    /// Selects the row of a user id in the table, clearing the filter if it hides the row.
    pub fn select_user_id(&mut self, id: &str) {
        let Some(index) = self
            .connection()
            .and_then(|c| c.users.iter().position(|u| u.id == id))
        else {
            return;
        };
        if !self.users.visible.contains(&index) {
            self.users.filter.clear();
            self.refilter();
        }
        if let Some(at) = self.users.visible.iter().position(|v| *v == index) {
            self.users.selected = at;
        }
        self.keep_visible();
    }

    /// Points the detail pane at a user and returns the read of the record.
    pub fn read_into_detail(&mut self, conn: usize, id: String) -> Vec<Effect> {
        let request = self.next_id();
        let keep = self
            .detail
            .as_ref()
            .filter(|d| d.conn == conn && d.user_id == id);
        let (selected, raw, record) =
            keep.map_or((0, false, None), |d| (d.selected, d.raw, d.record.clone()));
        let row = (conn == self.selected_conn)
            .then(|| self.users.visible.get(self.users.selected).copied())
            .flatten();
        self.detail = Some(DetailState {
            record,
            request: Some(request),
            selected,
            raw,
            row,
            ..DetailState::new(conn, id.clone())
        });
        vec![Effect::ReadUser { conn, request, id }]
    }

    /// The detail pane when it belongs to the selected connection.
    pub fn shown_detail(&self) -> Option<&DetailState> {
        self.detail
            .as_ref()
            .filter(|d| d.conn == self.selected_conn)
    }

    /// The user the detail pane shows (its record, or its row while it loads), as messages name
    /// them.
    pub fn detail_user_label(&self) -> Option<String> {
        let detail = self.shown_detail()?;
        if let Some(record) = &detail.record {
            return Some(record.label());
        }
        Some(
            self.detail_row()
                .and_then(|u| u.username.clone())
                .unwrap_or_else(|| format!("user {}", detail.user_id)),
        )
    }

    /// The users-table row of the user the detail pane shows, if the list has it.
    pub fn detail_row(&self) -> Option<&UserSummary> {
        let detail = self.shown_detail()?;
        let users = &self.connection()?.users;
        detail
            .row
            .and_then(|row| users.get(row))
            .filter(|u| u.id == detail.user_id)
            .or_else(|| users.iter().find(|u| u.id == detail.user_id))
    }

    /// True when `n`/`N` mean the next/previous match here: the focused list has a filter or
    /// a search.
    pub fn has_matches(&self) -> bool {
        match &self.screen {
            Screen::Audit(audit) => !audit.filter.trim().is_empty(),
            Screen::Person(person) => !person.filter.trim().is_empty(),
            Screen::Attribute(_) => false,
            Screen::Journal(_) => false,
            Screen::Browse => match self.focus {
                Focus::Users => !self.users.filter.trim().is_empty(),
                Focus::Detail => self.detail.as_ref().is_some_and(|d| !d.search.is_empty()),
                Focus::Connections => false,
            },
        }
    }

    /// What the focused screen is called, for help.
    pub fn screen_name(&self) -> &'static str {
        match (&self.screen, self.focus) {
            (Screen::Audit(_), _) => "audit",
            (Screen::Person(_), _) => "person",
            (Screen::Attribute(_), _) => "attribute",
            (Screen::Journal(_), _) => "journal",
            (Screen::Browse, Focus::Connections) => "connections",
            (Screen::Browse, Focus::Users) => "users",
            (Screen::Browse, Focus::Detail) => "detail",
        }
    }

    /// The actions that apply where the user is, most useful first: the status line shows as
    /// many as fit, help lists them first. Writes the connection refuses (read-only, or not
    /// offered by the service) are left out.
    pub fn screen_actions(&self) -> Vec<Action> {
        use Action::*;
        let actions = match (&self.screen, self.focus) {
            (Screen::Audit(_), _) => vec![
                Open, Collapse, NextGroup, PrevGroup, Filter, KindFilter, Yank, Audit, Refresh,
                PageDown, Top, Bottom, Command, Back,
            ],
            (Screen::Person(_), _) => vec![Filter, Yank, Refresh, Audit, Down, PageDown, Back],
            (Screen::Attribute(_), _) => vec![Down, Refresh, Command, Back],
            (Screen::Journal(_), _) => {
                vec![Undo, Yank, Down, PageDown, Top, Bottom, Refresh, Back]
            }
            (Screen::Browse, Focus::Connections) => {
                vec![
                    Down, Open, NextPane, Filter, Audit, Command, Refresh, Journal,
                ]
            }
            (Screen::Browse, Focus::Users) => vec![
                Down,
                Open,
                Filter,
                Sort,
                SortReverse,
                Yank,
                Person,
                Create,
                ExternalEdit,
                Audit,
                PageDown,
                Top,
                Bottom,
                Refresh,
                Undo,
                Command,
                Mark,
                MarkAll,
                Journal,
            ],
            (Screen::Browse, Focus::Detail) => vec![
                Edit,
                Delete,
                Update,
                Replace,
                ExternalEdit,
                Yank,
                Filter,
                Raw,
                Person,
                Down,
                PageDown,
                Back,
                Undo,
                Refresh,
                Journal,
            ],
        };
        let conn = self.connection();
        let capabilities = conn.and_then(|c| c.capabilities);
        let read_only = conn.is_none_or(|c| c.read_only);
        actions
            .into_iter()
            .filter(|action| {
                let offered = match action {
                    Edit | Delete => capabilities.is_some_and(|c| c.attributes),
                    Update => capabilities.is_some_and(|c| c.update),
                    Replace => capabilities.is_some_and(|c| c.replace),
                    Create => capabilities.is_some_and(|c| c.create),
                    ExternalEdit => capabilities.is_some_and(|c| c.create || c.replace),
                    _ => true,
                };
                offered && !(read_only && (action.writes() || *action == ExternalEdit))
            })
            .collect()
    }
}
