//! Messages into the update function and effects out of it.
//!
//! A [`Msg`] is something that happened (a key, a page of users, a finished write); an [`Effect`]
//! is something the update function wants done (a request, a file written, a timer). Every
//! request effect carries a [`RequestId`], and its reply carries it back, so the update function
//! can drop replies that are no longer wanted. Plain data: nothing here does I/O.

use std::path::PathBuf;
use std::time::Duration;

use crate::domain::audit::UserAudit;
use crate::domain::{Edit, Finding, UserRecord, UserSummary};
use crate::service::{ServiceError, UsersPage, WritePlan};

/// Identifies one request; replies carry it back.
pub type RequestId = u64;

/// Something that happened.
#[derive(Debug)]
pub enum Msg {
    /// A terminal event: key, mouse, paste or resize.
    Input(crossterm::event::Event),
    /// A page of a user listing arrived.
    UsersPage {
        /// The connection index.
        conn: usize,
        /// The listing request.
        request: RequestId,
        /// The page.
        page: UsersPage,
    },
    /// A user listing ended.
    UsersListed {
        /// The connection index.
        conn: usize,
        /// The listing request.
        request: RequestId,
        /// Success, or why it failed.
        result: Result<(), ServiceError>,
    },
    /// A user record was read (for the detail pane).
    UserRead {
        /// The connection index.
        conn: usize,
        /// The read request.
        request: RequestId,
        /// The record, or why it could not be read.
        result: Result<Box<UserRecord>, ServiceError>,
    },
    /// A server-side search answered.
    SearchDone {
        /// The connection index.
        conn: usize,
        /// The search request.
        request: RequestId,
        /// The matching users, or why the search failed.
        result: Result<Vec<UserSummary>, ServiceError>,
    },
    /// The HTTP layer announced a wait (a rate limit), shown as a toast.
    Notice(String),
    /// The last undoable write of a connection was found in the journal, and its user read.
    UndoFound {
        /// The lookup request.
        request: RequestId,
        /// The connection index.
        conn: usize,
        /// The user as it is now and the edit that reverts the write, or why there is none.
        result: Result<(Box<UserRecord>, Edit), String>,
    },
    /// A write plan was built (nothing sent yet).
    Planned {
        /// The plan request.
        request: RequestId,
        /// The plan, or why the edit was refused.
        result: Result<Box<WritePlan>, ServiceError>,
    },
    /// A write plan was sent.
    Applied {
        /// The apply request.
        request: RequestId,
        /// The id of the user written, or why the write failed.
        result: Result<Option<String>, ServiceError>,
    },
    /// Some records of an audit run were read and audited (the runner keeps only the findings).
    AuditRead {
        /// The audit request.
        request: RequestId,
        /// The connection index.
        conn: usize,
        /// What each record contributed (or why it could not be read).
        audits: Vec<Result<UserAudit, ServiceError>>,
        /// This connection has no more records to read.
        last: bool,
    },
    /// An audit run learnt how many users a connection has.
    AuditSized {
        /// The audit request.
        request: RequestId,
        /// The connection index.
        conn: usize,
        /// Users to read, or why listing them failed.
        result: Result<usize, ServiceError>,
    },
    /// A person lookup on one connection ended.
    PersonFound {
        /// The person request.
        request: RequestId,
        /// The connection index.
        conn: usize,
        /// The record, None when the person is not on this connection, or an error.
        result: Result<Option<Box<UserRecord>>, ServiceError>,
    },
    /// An export was written.
    Exported {
        /// The file, or why it could not be written.
        result: Result<PathBuf, String>,
    },
    /// A toast's time is up.
    ToastExpired(u64),
    /// A pause asked for with [`Effect::Wake`] is over.
    Woken {
        /// The request the pause belongs to.
        request: RequestId,
    },
    /// Text was put on the clipboard (or could not be).
    Copied {
        /// What was copied, for the message ("username of ada").
        what: String,
        /// Success, or why it failed.
        result: Result<(), String>,
    },
    /// The external editor (`$EDITOR`) was closed.
    EditedExternally {
        /// The request.
        request: RequestId,
        /// The file's text, or why the editor could not run.
        result: Result<String, String>,
    },
    /// A task of the effect runner panicked; the panic was caught at the task boundary.
    TaskFailed {
        /// The connection the task worked for, if one.
        conn: Option<usize>,
        /// The request it served.
        request: RequestId,
        /// What the task was doing and the panic's message.
        message: String,
    },
}

/// Where to find the person on one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersonLookup {
    /// The loaded list already has the person: read this id.
    Read(String),
    /// The list is not complete: ask the service by these keys, in order (email, username).
    Find(Vec<String>),
}

/// Something the update function wants done.
#[derive(Debug, Clone)]
pub enum Effect {
    /// List the users of a connection, page by page.
    LoadUsers {
        /// The connection index.
        conn: usize,
        /// The request.
        request: RequestId,
    },
    /// Read one user record.
    ReadUser {
        /// The connection index.
        conn: usize,
        /// The request.
        request: RequestId,
        /// The service's id of the user.
        id: String,
    },
    /// Find one user by id, username or email.
    FindUser {
        /// The connection index.
        conn: usize,
        /// The request.
        request: RequestId,
        /// What the user typed.
        key: String,
    },
    /// Build a write plan; sends nothing.
    Plan {
        /// The connection index.
        conn: usize,
        /// The request.
        request: RequestId,
        /// The record the edit starts from (None for a create).
        record: Option<Box<UserRecord>>,
        /// The edit.
        edit: Edit,
    },
    /// Search the service for the filter text after a pause in typing (dropped when a newer
    /// search starts before the pause ends).
    Search {
        /// The connection index.
        conn: usize,
        /// The request.
        request: RequestId,
        /// The text to search for.
        text: String,
    },
    /// Find the last undoable write of a connection in the journal and read its user.
    FindUndo {
        /// The connection index.
        conn: usize,
        /// The request.
        request: RequestId,
    },
    /// Send a confirmed write plan.
    Apply {
        /// The connection index.
        conn: usize,
        /// The request.
        request: RequestId,
        /// The plan the user confirmed.
        plan: Box<WritePlan>,
        /// The user written: re-read and re-planned first (None for a create).
        user_id: Option<String>,
        /// The edit, to re-plan from the fresh read.
        edit: Edit,
    },
    /// Read every user of some connections for the audit.
    Audit {
        /// The request.
        request: RequestId,
        /// Per connection: the ids to read, or None to list them first.
        targets: Vec<(usize, Option<Vec<String>>)>,
    },
    /// Find one person on several connections.
    FindPerson {
        /// The request.
        request: RequestId,
        /// Per connection: how to find the person.
        lookups: Vec<(usize, PersonLookup)>,
    },
    /// Write audit findings to a file (CSV or JSON by extension).
    Export {
        /// The file.
        path: PathBuf,
        /// The findings, in the order shown.
        findings: Vec<Finding>,
    },
    /// Send [`Msg::ToastExpired`] after a while.
    ExpireToast {
        /// The toast.
        id: u64,
        /// How long it shows.
        after: Duration,
    },
    /// Send [`Msg::Woken`] after a pause (a debounce: the update function ignores a stale one).
    Wake {
        /// The request the pause belongs to.
        request: RequestId,
        /// How long to wait.
        after: Duration,
    },
    /// Put text on the clipboard (OSC 52 to the terminal).
    Copy {
        /// What is copied, for the message.
        what: String,
        /// The text; never a hidden value.
        text: String,
    },
    /// Hand the terminal to `$EDITOR` on a private temporary file holding `text`, and read the
    /// file back when the editor exits.
    EditExternally {
        /// The request.
        request: RequestId,
        /// The text to edit.
        text: String,
    },
}
