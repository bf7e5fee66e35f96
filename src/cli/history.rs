//! `roster log` and `roster undo`: the journal of writes, and reverting one of them.
//!
//! Undo writes the previous values back through the same path as any write (preview,
//! confirmation, re-read), and first checks that the fields still hold what the write left.

use super::args::{ShowFormat, WriteFlags};
use super::write::{still_as_written, write_user_checked};
use super::{CliError, Globals, output};
use crate::journal::Journal;

/// Prints the journal.
pub fn log(format: ShowFormat) -> Result<(), CliError> {
    let journal = Journal::open_default().map_err(CliError::Usage)?;
    let entries = journal.entries().map_err(CliError::Usage)?;
    match format {
        ShowFormat::Json => output::print(&output::json(&entries)),
        ShowFormat::Table => output::print(&output::journal(&entries)),
    }
    Ok(())
}

/// Reverts the given entry, or the last written one.
pub async fn undo(globals: &Globals, id: Option<u64>, flags: &WriteFlags) -> Result<(), CliError> {
    let journal = Journal::open_default().map_err(CliError::Usage)?;
    let entries = journal.entries().map_err(CliError::Usage)?;
    let entry = match id {
        Some(id) => entries
            .iter()
            .find(|e| e.id == id)
            .ok_or_else(|| CliError::Usage(format!("the journal has no entry {id}")))?,
        None => entries
            .iter()
            .rev()
            .find(|e| {
                e.outcome == "written"
                    && !matches!(e.undo, crate::journal::UndoRecipe::NotPossible { .. })
            })
            .ok_or_else(|| {
                CliError::Usage("the journal has no write that can be undone".to_owned())
            })?,
    };
    if entry.outcome != "written" {
        return Err(CliError::Usage(format!(
            "entry {} was not written ({}); there is nothing to undo",
            entry.id, entry.outcome
        )));
    }
    let edits = entry
        .undo
        .edits()
        .map_err(|why| CliError::Usage(format!("entry {} cannot be undone: {why}", entry.id)))?;
    let user = entry
        .user_id
        .clone()
        .ok_or_else(|| CliError::Usage(format!("entry {} names no user", entry.id)))?;
    let written = entry.changes.clone();
    let check = move |plans: &[crate::service::WritePlan]| still_as_written(&written, plans);
    let action = format!("undo {}", entry.id);
    write_user_checked(
        globals,
        &entry.connection,
        &user,
        edits,
        flags,
        &check,
        Some(&action),
    )
    .await
}
