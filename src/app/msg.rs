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
use crate::journal::JournalEntry;
use crate::service::{ServiceError, UsersPage, WritePlan};
use crate::write::Prepared;
use crate::write::attribute::AttributePrepared;
use crate::write::batch::{PlannedBatch, PlannedUndo, SelectionKey};

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
    /// An attribute was read, or a change of it planned, for the attribute screen (a plan of no
    /// edits is a read).
    AttributePlanned {
        /// The read or plan request.
        request: RequestId,
        /// The plan with its blast radius, or why it could not be made.
        result: Result<Box<crate::write::attribute::AttributePrepared>, String>,
    },
    /// A confirmed attribute-level write ended.
    AttributeApplied {
        /// The write request.
        request: RequestId,
        /// One line per item (its outcome and journal entry), or why nothing was sent.
        result: Result<Vec<String>, String>,
    },
    /// Some users of a bulk edit are planned.
    BatchPlanning {
        /// The plan request.
        request: RequestId,
        /// Users planned so far.
        done: usize,
    },
    /// A bulk edit is planned (nothing sent yet).
    BatchPlanned {
        /// The plan request.
        request: RequestId,
        /// The plan, or why it could not be made.
        result: Result<Box<PlannedBatch>, String>,
    },
    /// The revert of a journal entry (or of a whole batch) is planned.
    UndoPrepared {
        /// The request.
        request: RequestId,
        /// The revert, or why there is none.
        result: Result<Box<UndoPrepared>, String>,
    },
    /// One item of a running batch finished.
    BatchItemDone {
        /// The run request.
        request: RequestId,
        /// `written`, `skipped`, `failed` or `unknown`.
        outcome: String,
        /// Why it was not written.
        error: Option<String>,
        /// Time since the run started.
        elapsed: Duration,
    },
    /// A batch run ended.
    BatchRan {
        /// The run request.
        request: RequestId,
        /// Whether Esc or Ctrl-C stopped it, or why it could not run at all.
        result: Result<bool, String>,
    },
    /// The journal was read (for the journal view).
    JournalLoaded {
        /// The request.
        request: RequestId,
        /// The entries, oldest first, or why the journal could not be read.
        result: Result<Vec<JournalEntry>, String>,
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

/// What a confirmed batch sends.
#[derive(Debug, Clone)]
pub enum BatchWork {
    /// A bulk edit, planned per user.
    Edit(Box<PlannedBatch>),
    /// Reverts of journal entries (one entry, or the written items of a batch).
    Undo(Vec<(JournalEntry, Prepared)>),
    /// The revert of an attribute-level entry (a group value, a rank order, the default): the
    /// attribute-level write `roster undo N` sends, under the same checks.
    AttributeUndo(Box<AttributePrepared>),
}

/// A revert planned from the journal view.
#[derive(Debug)]
pub enum UndoPrepared {
    /// One entry: its prepared revert (titled, with the precondition `roster undo` checks).
    Entry(Box<(JournalEntry, Prepared)>),
    /// One attribute-level entry: its revert planned with the blast radius, titled, with the
    /// precondition that the attribute still holds what the entry left.
    Attribute(Box<AttributePrepared>),
    /// A whole batch: the items to revert and those skipped, with reasons.
    Batch {
        /// The batch id.
        batch: String,
        /// What the engine planned.
        planned: PlannedUndo,
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
    /// Read an attribute (`edits` empty) or plan attribute-level edits with their blast radius,
    /// through the write engine; sends nothing.
    PlanAttribute {
        /// The connection index.
        conn: usize,
        /// The request.
        request: RequestId,
        /// The attribute's name or id.
        name: String,
        /// The edits.
        edits: Vec<crate::domain::attribute_edit::AttributeEdit>,
    },
    /// Send a confirmed attribute-level write through the write engine.
    ApplyAttribute {
        /// The connection index.
        conn: usize,
        /// The request.
        request: RequestId,
        /// The plan the user confirmed (the engine re-reads and stops on a change).
        prepared: Box<crate::write::attribute::AttributePrepared>,
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
    /// Plan one edit for many users from a fresh read of each; sends nothing.
    PlanBatch {
        /// The connection index.
        conn: usize,
        /// The request.
        request: RequestId,
        /// `set`, `unset` or `update`.
        action: String,
        /// The users, in order.
        keys: Vec<SelectionKey>,
        /// The edits made to each.
        edits: Vec<Edit>,
    },
    /// Plan the revert of a journal entry, or of its whole batch when it belongs to one.
    PrepareUndo {
        /// The connection index the entry was written on.
        conn: usize,
        /// The request.
        request: RequestId,
        /// The entry.
        entry: Box<JournalEntry>,
    },
    /// Send a confirmed batch, reporting each item.
    RunBatch {
        /// The connection index.
        conn: usize,
        /// The request.
        request: RequestId,
        /// What to send.
        work: BatchWork,
    },
    /// Stop a running batch after the items in flight.
    StopBatch {
        /// The run request.
        request: RequestId,
    },
    /// Read the journal (for the journal view).
    LoadJournal {
        /// The request.
        request: RequestId,
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
