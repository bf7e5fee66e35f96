//! The command line's side of a write: build the engine for the connection, let it prepare,
//! print the preview and confirm (`--dry-run`, `--yes`, or a question on the terminal), execute
//! with Ctrl-C and SIGTERM turned into an interruption the engine finishes cleanly, and report
//! each item's outcome truthfully. All of the workflow is the write engine's (`crate::write`);
//! this module only asks and tells.

use super::args::{VerifyMode, WriteFlags};
use super::{CliError, Globals, confirm, output, signals};
use crate::domain::Edit;
use crate::journal::{Journal, Outcome};
use crate::text::sanitize_lines;
use crate::write::{Executed, Prepared, WriteEngine};

/// Finds the user, plans the edits, confirms and writes.
pub async fn write_user(
    globals: &Globals,
    conn: &str,
    user: &str,
    edits: Vec<Edit>,
    flags: &WriteFlags,
) -> Result<(), CliError> {
    let engine = engine(globals, conn)?;
    let prepared = engine.prepare(user, edits).await?;
    confirm_and_send(&engine, &prepared, flags).await
}

/// Plans, confirms and sends a create.
pub async fn create_user(
    globals: &Globals,
    conn: &str,
    resource: serde_json::Value,
    flags: &WriteFlags,
) -> Result<(), CliError> {
    let engine = engine(globals, conn)?;
    let prepared = engine.prepare_create(resource).await?;
    confirm_and_send(&engine, &prepared, flags).await
}

/// The write engine of a configured connection, journaling to the state dir's journal.
pub fn engine(globals: &Globals, conn: &str) -> Result<WriteEngine, CliError> {
    let config = globals.load_config()?;
    let connection = config.connection(conn)?.resolve(&config.path)?;
    let directory = crate::service::AnyDirectory::open(&connection, globals.options.clone())?;
    let journal = Journal::open_default()?;
    Ok(WriteEngine::new(
        directory,
        journal,
        &connection.name,
        crate::write::server_identity(&connection),
    ))
}

/// Shows the preview, asks, sends, reports; the exit code follows the outcome.
pub async fn confirm_and_send(
    engine: &WriteEngine,
    prepared: &Prepared,
    flags: &WriteFlags,
) -> Result<(), CliError> {
    if !confirm::proceed(prepared, flags)? {
        return Ok(());
    }
    let signals = signals::WriteSignals::install();
    let executed = engine.execute(prepared, signals.interrupt()).await?;
    report(&executed);
    if let Some(record) = &executed.after {
        let written: Vec<&str> = executed
            .items
            .iter()
            .filter(|i| i.outcome().is_some_and(Outcome::may_have_landed))
            .filter_map(|i| i.entry.as_ref())
            .flat_map(|e| e.changes.iter().map(|c| c.field.as_str()))
            .collect();
        if !written.is_empty() {
            output::print(&output::record_fields(record, &written));
        }
    }
    if let Some(id) = executed.created_id()
        && prepared.target.is_none()
        && executed.all_written()
    {
        println!("created user {}", crate::text::sanitize(id));
    }
    finish(&executed, flags)
}

/// Tells, on stderr, what became of each item: written (with its journal entry), partial, not
/// applied, unknown, or not sent, with the notes (a lost answer, a field that did not stick).
pub fn report(executed: &Executed) {
    for item in &executed.items {
        let status = match (&item.entry, &item.not_sent) {
            (Some(entry), _) => {
                let mut status =
                    format!("{} (journal entry {})", entry.outcome.describe(), entry.id);
                if let Some(error) = &entry.error {
                    status.push_str(": ");
                    status.push_str(error);
                }
                status
            }
            (None, Some(why)) => format!("not sent: {why}"),
            (None, None) => "not sent".to_owned(),
        };
        eprintln!("{}", sanitize_lines(&format!("{}: {status}", item.summary)));
        for note in &item.notes {
            eprintln!("  {}", sanitize_lines(note));
        }
    }
}

pub fn finish(executed: &Executed, flags: &WriteFlags) -> Result<(), CliError> {
    if let Some(code) = executed.interrupted {
        return Err(CliError::Interrupted(code));
    }
    if !executed.all_written() {
        let written = executed
            .items
            .iter()
            .filter(|i| i.outcome() == Some(Outcome::Written))
            .count();
        let unknown = executed
            .items
            .iter()
            .any(|i| matches!(i.outcome(), Some(Outcome::Unknown | Outcome::Pending)));
        let mut message = format!(
            "{written} of {} writes were made (see above)",
            executed.items.len()
        );
        let attribute = executed
            .items
            .iter()
            .any(|i| i.entry.as_ref().is_some_and(|e| e.attribute.is_some()));
        match (unknown, attribute) {
            (true, true) => message.push_str(
                "; for an unknown outcome, `roster attribute show` the attribute to learn it (`roster undo` learns it by reading first)",
            ),
            (true, false) => {
                message.push_str("; for an unknown outcome, `roster show` the user to learn it");
            }
            (false, _) => {}
        }
        return Err(CliError::Partial(message));
    }
    if flags.verify == VerifyMode::Strict && executed.any_unstuck() {
        return Err(CliError::Partial(
            "the write was sent, but a field does not hold what was written (see above; --verify strict)"
                .to_owned(),
        ));
    }
    Ok(())
}
