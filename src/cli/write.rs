//! The write path shared by set, unset, update, replace, create and undo.
//!
//! Read the record, let the service plan each edit (nothing sent), print the plans for `--dry-run`
//! or confirmation, re-read and re-plan to detect a change made meanwhile, apply the plans in
//! order, journal every item's outcome, then show the record as it is now.

use super::args::WriteFlags;
use super::{CliError, Globals, confirm, output};
use crate::domain::{Edit, FieldChange, UserRecord};
use crate::journal::{Journal, NOT_SENT, UndoRecipe};
use crate::service::{AnyDirectory, ServiceError, WritePlan};

/// An extra check run on the fresh record just before writing (undo uses it).
pub type Precondition<'a> = &'a (dyn Fn(&[WritePlan]) -> Result<(), String> + Sync);

/// Plans, confirms, re-checks, writes and journals edits of one existing user.
pub async fn write_user(
    globals: &Globals,
    conn: &str,
    user: &str,
    edits: Vec<Edit>,
    flags: &WriteFlags,
) -> Result<(), CliError> {
    write_user_checked(globals, conn, user, edits, flags, &|_| Ok(()), None).await
}

/// [`write_user`] with a precondition on the re-read plans and an action name for the journal.
pub async fn write_user_checked(
    globals: &Globals,
    conn: &str,
    user: &str,
    edits: Vec<Edit>,
    flags: &WriteFlags,
    precondition: Precondition<'_>,
    action: Option<&str>,
) -> Result<(), CliError> {
    let config = globals.load_config()?;
    let directory = globals.open(&config, conn)?;
    let record = directory.find_user(user).await?;
    let plans = plan_all(&directory, &record, &edits).await?;
    precondition(&plans).map_err(ServiceError::Conflict)?;
    if !confirm::proceed(&plans, flags)? {
        return Ok(());
    }
    // Re-read and re-plan: a change made since the preview stops the write.
    let fresh = directory.read_user(&record.id).await?;
    let replanned = plan_all(&directory, &fresh, &edits).await?;
    for (before, now) in plans.iter().zip(&replanned) {
        if before.changes != now.changes {
            return Err(ServiceError::Conflict(format!(
                "{} changed since it was read; nothing was written.\nWhen read:\n{}\nNow:\n{}",
                crate::text::sanitize(record.username.as_deref().unwrap_or(&record.id)),
                output::changes(&before.changes),
                output::changes(&now.changes)
            ))
            .into());
        }
    }
    precondition(&replanned).map_err(ServiceError::Conflict)?;
    let journal = Journal::open_default().map_err(CliError::Usage)?;
    let outcomes = apply_all(&directory, &replanned).await;
    for (index, (plan, edit)) in replanned.iter().zip(&edits).enumerate() {
        let outcome = outcomes.get(index).map_or(Err(NOT_SENT.to_owned()), |o| {
            o.clone().map_err(|e| e.to_string())
        });
        let undo = UndoRecipe::for_edit(Some(&fresh), edit);
        if let Err(why) = journal.record(
            conn,
            Some(&fresh),
            action.unwrap_or(edit.verb()),
            plan,
            &outcome,
            undo,
        ) {
            eprintln!("roster: warning: the write was not journaled: {why}");
        }
    }
    report(&replanned, &outcomes);
    if let Ok(after) = directory.read_user(&record.id).await {
        let names: Vec<&str> = replanned
            .iter()
            .flat_map(|p| p.changes.iter().map(|c| c.field.as_str()))
            .collect();
        output::print(&output::record_fields(&after, &names));
    }
    finish(&replanned, &outcomes)
}

/// Plans, confirms, sends and journals a create.
pub async fn create_user(
    globals: &Globals,
    conn: &str,
    resource: serde_json::Value,
    flags: &WriteFlags,
) -> Result<(), CliError> {
    let config = globals.load_config()?;
    let directory = globals.open(&config, conn)?;
    let edit = Edit::Create { resource };
    let plans = vec![directory.plan(None, &edit).await?];
    if !confirm::proceed(&plans, flags)? {
        return Ok(());
    }
    let journal = Journal::open_default().map_err(CliError::Usage)?;
    let outcomes = apply_all(&directory, &plans).await;
    let outcome = outcomes[0].clone().map_err(|e| e.to_string());
    if let Err(why) = journal.record(
        conn,
        None,
        "create",
        &plans[0],
        &outcome,
        UndoRecipe::for_edit(None, &edit),
    ) {
        eprintln!("roster: warning: the write was not journaled: {why}");
    }
    if let Some(Ok(Some(id))) = outcomes.first() {
        println!("created user {}", crate::text::sanitize(id));
    }
    finish(&plans, &outcomes)
}

async fn plan_all(
    directory: &AnyDirectory,
    record: &UserRecord,
    edits: &[Edit],
) -> Result<Vec<WritePlan>, CliError> {
    let mut plans = Vec::with_capacity(edits.len());
    for edit in edits {
        plans.push(directory.plan(Some(record), edit).await?);
    }
    Ok(plans)
}

/// Applies plans one by one; a failure stops the rest (they are reported as not sent).
async fn apply_all(
    directory: &AnyDirectory,
    plans: &[WritePlan],
) -> Vec<Result<Option<String>, ServiceError>> {
    let mut outcomes = Vec::with_capacity(plans.len());
    for plan in plans {
        let outcome = directory.apply(plan).await;
        let failed = outcome.is_err();
        outcomes.push(outcome);
        if failed {
            break;
        }
    }
    outcomes
}

/// Tells, on stderr, what was written, what failed and what was not sent.
fn report(plans: &[WritePlan], outcomes: &[Result<Option<String>, ServiceError>]) {
    if plans.len() < 2 && outcomes.iter().all(Result::is_ok) {
        return;
    }
    for (index, plan) in plans.iter().enumerate() {
        let status = match outcomes.get(index) {
            Some(Ok(_)) => "written".to_owned(),
            Some(Err(error)) => format!("FAILED: {error}"),
            None => "not sent".to_owned(),
        };
        eprintln!(
            "{}: {}",
            crate::text::sanitize(&plan.summary),
            crate::text::sanitize(&status)
        );
    }
}

fn finish(
    plans: &[WritePlan],
    outcomes: &[Result<Option<String>, ServiceError>],
) -> Result<(), CliError> {
    match outcomes.iter().find_map(|o| o.as_ref().err()) {
        None => Ok(()),
        Some(error) if plans.len() == 1 => Err(error.clone().into()),
        Some(_) => {
            let written = outcomes.iter().filter(|o| o.is_ok()).count();
            Err(CliError::Partial(format!(
                "{written} of {} writes were made (see above)",
                plans.len()
            )))
        }
    }
}

/// True when every field an entry changed still holds the value the entry wrote.
pub fn still_as_written(written: &[FieldChange], plans: &[WritePlan]) -> Result<(), String> {
    for change in written {
        let now = plans
            .iter()
            .flat_map(|p| &p.changes)
            .find(|c| c.field == change.field);
        if let Some(now) = now
            && now.before != change.after
        {
            return Err(format!(
                "`{}` is {} now, not {} as the write left it; nothing was reverted",
                crate::text::sanitize(&change.field),
                crate::text::sanitize(now.before.as_deref().unwrap_or("(unset)")),
                crate::text::sanitize(change.after.as_deref().unwrap_or("(unset)"))
            ));
        }
    }
    Ok(())
}
