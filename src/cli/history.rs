//! `roster log` and `roster undo`: the journal of writes, and reverting one of them.
//!
//! Undo goes through the write engine like any write (preview, confirmation, re-read, journal),
//! on the connection the entry was written through; the engine refuses an entry written to
//! another server and checks that the fields still hold what the entry left.

use super::args::{ShowFormat, WriteFlags};
use super::write::{confirm_and_send, engine};
use super::{CliError, Globals, output};
use crate::journal::Journal;
use crate::write::undo::pick_entry;

/// Prints the journal; skipped (damaged) lines are named on stderr.
pub fn log(format: ShowFormat) -> Result<(), CliError> {
    let journal = Journal::open_default()?;
    let read = journal.read()?;
    for warning in &read.warnings {
        eprintln!("roster: warning: {warning}");
    }
    match format {
        ShowFormat::Json => output::print(&output::json(&read.entries)),
        ShowFormat::Table => output::print(&output::journal(&read.entries)),
    }
    Ok(())
}

/// Reverts the given entry, or the last write.
pub async fn undo(globals: &Globals, id: Option<u64>, flags: &WriteFlags) -> Result<(), CliError> {
    let journal = Journal::open_default()?;
    let read = journal.read()?;
    for warning in &read.warnings {
        eprintln!("roster: warning: {warning}");
    }
    let entry = pick_entry(&read.entries, id, None).map_err(CliError::Refused)?;
    if entry.attribute.is_some() {
        return super::attribute::undo(globals, entry, flags).await;
    }
    let engine = engine(globals, &entry.connection)?;
    let prepared = engine.prepare_undo(entry).await?;
    confirm_and_send(&engine, &prepared, flags).await
}
