//! The journal of writes: what roster was about to send, and what became of it.
//!
//! It is kept the way a database keeps its log: an entry is appended with the outcome `pending`
//! and flushed to disk *before* the first request of a write leaves the process, and the same
//! entry is appended again, completed, once the outcome is known. A process killed in between
//! leaves the pending line, which `roster log` shows as interrupted. The file is
//! `journal.jsonl` in the state dir (mode 0600), one JSON object per line.
//!
//! This module is storage only: [`entry`] holds the types, [`store`] the file, [`batches`] the
//! plan files of bulk edits. The workflow
//! that decides what to record lives in the write engine (`crate::write`).

pub mod batches;
pub mod entry;
pub mod store;

pub use batches::{BatchItem, BatchPlan, BatchStore, ItemDecision, ItemResult};
pub use entry::{
    FieldCheck, FieldCheckStatus, JournalEntry, JournalRequest, Outcome, RequestStatus,
    ServerIdentity, UndoRecipe,
};
pub use store::{JOURNAL_FILE, Journal, JournalError, JournalRead};
