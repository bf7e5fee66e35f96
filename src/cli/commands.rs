//! The non-interactive commands: list, show, write (with preview, confirmation and a re-read
//! before writing), and audit.
//!
//! Writes follow one path for every service: read the record, let the service plan the edit
//! (nothing sent), print the plan for `--dry-run` or confirmation, re-read and re-plan to detect a
//! change made meanwhile, then apply and report every item's outcome.

use std::io::Read;
use std::path::Path;

use futures::StreamExt;

use super::args::{Command, Format, ShowFormat, WriteFlags};
use super::output;
use super::{CliError, Globals, confirm, sim};
use crate::domain::audit::audit_record;
use crate::domain::{Edit, Finding, UserRecord};
use crate::service::{AnyDirectory, ListQuery, ServiceError, WritePlan};

/// Records read at once during an audit.
const AUDIT_CONCURRENCY: usize = 8;

/// Runs one command.
pub async fn dispatch(command: Command, globals: &Globals) -> Result<(), CliError> {
    match command {
        Command::Sim {
            users,
            port,
            config_out,
        } => sim::serve(users, port, config_out.as_deref()).await,
        Command::Users {
            conn,
            filter,
            limit,
            format,
        } => {
            let config = globals.load_config()?;
            let directory = globals.open(&config, &conn)?;
            let query = ListQuery { filter, limit };
            let users = directory.collect_users(&query).await?;
            output::print(&output::users(&users, format));
            Ok(())
        }
        Command::Show { conn, user, format } => {
            let config = globals.load_config()?;
            let directory = globals.open(&config, &conn)?;
            let record = directory.find_user(&user).await?;
            output::print(&match format {
                ShowFormat::Json => output::json(&record),
                ShowFormat::Table => output::record_table(&record),
            });
            Ok(())
        }
        Command::Set {
            conn,
            user,
            assignments,
            write,
        } => {
            let pairs = parse_assignments(&assignments)?;
            let edits = group_values(pairs)
                .into_iter()
                .map(|(name, values)| Edit::SetAttribute { name, values })
                .collect();
            write_user(globals, &conn, &user, edits, &write).await
        }
        Command::Unset {
            conn,
            user,
            names,
            write,
        } => {
            let edits = names
                .into_iter()
                .map(|name| Edit::UnsetAttribute { name })
                .collect();
            write_user(globals, &conn, &user, edits, &write).await
        }
        Command::Update {
            conn,
            user,
            assignments,
            write,
        } => {
            let fields = parse_assignments(&assignments)?;
            write_user(globals, &conn, &user, vec![Edit::Update { fields }], &write).await
        }
        Command::Replace {
            conn,
            user,
            file,
            write,
        } => {
            let resource = read_json_file(&file)?;
            write_user(
                globals,
                &conn,
                &user,
                vec![Edit::Replace { resource }],
                &write,
            )
            .await
        }
        Command::Create { conn, file, write } => {
            let resource = read_json_file(&file)?;
            create_user(globals, &conn, resource, &write).await
        }
        Command::Audit { conns, format } => audit(globals, conns, format).await,
    }
}

/// Splits `NAME=VALUE` arguments; the value may contain `=`.
fn parse_assignments(assignments: &[String]) -> Result<Vec<(String, String)>, CliError> {
    assignments
        .iter()
        .map(|a| match a.split_once('=') {
            Some((name, value)) if !name.trim().is_empty() => {
                Ok((name.trim().to_owned(), value.to_owned()))
            }
            _ => Err(CliError::Usage(format!("`{a}` is not NAME=VALUE"))),
        })
        .collect()
}

/// Groups repeated names into one multi-valued assignment, keeping first-seen order.
fn group_values(pairs: Vec<(String, String)>) -> Vec<(String, Vec<String>)> {
    let mut grouped: Vec<(String, Vec<String>)> = Vec::new();
    for (name, value) in pairs {
        match grouped.iter_mut().find(|(n, _)| *n == name) {
            Some((_, values)) => values.push(value),
            None => grouped.push((name, vec![value])),
        }
    }
    grouped
}

fn read_json_file(path: &Path) -> Result<serde_json::Value, CliError> {
    let text = if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| CliError::Usage(format!("cannot read stdin: {e}")))?;
        text
    } else {
        std::fs::read_to_string(path)
            .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", path.display())))?
    };
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| CliError::Usage(format!("{} is not valid JSON: {e}", path.display())))?;
    if !value.is_object() {
        return Err(CliError::Usage(format!(
            "{} must hold a JSON object",
            path.display()
        )));
    }
    Ok(value)
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

/// The write path for an existing user.
async fn write_user(
    globals: &Globals,
    conn: &str,
    user: &str,
    edits: Vec<Edit>,
    flags: &WriteFlags,
) -> Result<(), CliError> {
    let config = globals.load_config()?;
    let directory = globals.open(&config, conn)?;
    let record = directory.find_user(user).await?;
    let plans = plan_all(&directory, &record, &edits).await?;
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
                record.username.as_deref().unwrap_or(&record.id),
                output::changes(&before.changes),
                output::changes(&now.changes)
            ))
            .into());
        }
    }
    let outcomes = apply_all(&directory, &replanned).await;
    let after = directory.read_user(&record.id).await;
    report(&replanned, &outcomes);
    if let Ok(after) = &after {
        let names: Vec<&str> = replanned
            .iter()
            .flat_map(|p| p.changes.iter().map(|c| c.field.as_str()))
            .collect();
        output::print(&output::record_fields(after, &names));
    }
    finish(&replanned, &outcomes)
}

async fn create_user(
    globals: &Globals,
    conn: &str,
    resource: serde_json::Value,
    flags: &WriteFlags,
) -> Result<(), CliError> {
    let config = globals.load_config()?;
    let directory = globals.open(&config, conn)?;
    let plans = vec![directory.plan(None, &Edit::Create { resource }).await?];
    if !confirm::proceed(&plans, flags)? {
        return Ok(());
    }
    let outcomes = apply_all(&directory, &plans).await;
    report(&plans, &outcomes);
    if let Some(Ok(Some(id))) = outcomes.first() {
        println!("created user {}", crate::text::sanitize(id));
    }
    finish(&plans, &outcomes)
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
    let failure = outcomes.iter().find_map(|o| o.as_ref().err());
    match failure {
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

/// Audits the named connections (all when none is named).
async fn audit(globals: &Globals, conns: Vec<String>, format: Format) -> Result<(), CliError> {
    let config = globals.load_config()?;
    let names: Vec<String> = if conns.is_empty() {
        config.connections.iter().map(|c| c.name.clone()).collect()
    } else {
        conns
    };
    let mut findings: Vec<Finding> = Vec::new();
    let mut failures = Vec::new();
    for name in &names {
        let directory = globals.open(&config, name)?;
        match audit_connection(&directory).await {
            Ok(found) => findings.extend(found),
            Err(error) => {
                eprintln!(
                    "roster: audit of `{name}` failed: {}",
                    crate::text::sanitize(&error.to_string())
                );
                failures.push(name.clone());
            }
        }
    }
    output::print(&output::findings(&findings, format));
    if failures.is_empty() {
        Ok(())
    } else {
        Err(CliError::Partial(format!(
            "the audit of {} failed",
            failures.join(", ")
        )))
    }
}

/// Every finding of one connection: every user's record, read a few at a time.
pub async fn audit_connection(directory: &AnyDirectory) -> Result<Vec<Finding>, ServiceError> {
    let users = directory.collect_users(&ListQuery::default()).await?;
    let mut records = futures::stream::iter(users)
        .map(|user| async move { directory.read_user(&user.id).await })
        .buffered(AUDIT_CONCURRENCY);
    let mut findings = Vec::new();
    while let Some(record) = records.next().await {
        findings.extend(audit_record(&record?));
    }
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignments_split_at_the_first_equals_and_group_by_name() {
        let pairs = parse_assignments(&[
            "skills=rust".to_owned(),
            "note=a=b".to_owned(),
            "skills=sql".to_owned(),
        ])
        .expect("valid");
        assert_eq!(
            group_values(pairs),
            [
                (
                    "skills".to_owned(),
                    vec!["rust".to_owned(), "sql".to_owned()]
                ),
                ("note".to_owned(), vec!["a=b".to_owned()])
            ]
        );
        assert!(parse_assignments(&["novalue".to_owned()]).is_err());
        assert!(parse_assignments(&["=x".to_owned()]).is_err());
    }
}
