//! The non-interactive commands: list, show, write (with preview, confirmation and a re-read
//! before writing), and audit.
//!
//! Writes follow one path for every service: read the record, let the service plan the edit
//! (nothing sent), print the plan for `--dry-run` or confirmation, re-read and re-plan to detect a
//! change made meanwhile, then apply and report every item's outcome.

use std::io::Read;
use std::path::Path;

use super::args::{BatchCommand, Command, Selection, ShowFormat};
use super::output;
use super::write::{create_user, write_user};
use super::{CliError, Globals, history, sim};
use crate::domain::Edit;
use crate::service::ListQuery;
use crate::simulator::SimOptions;

/// Runs one command.
pub async fn dispatch(command: Command, globals: &Globals) -> Result<(), CliError> {
    match command {
        Command::Sim {
            users,
            port,
            config_out,
            faults,
        } => {
            sim::serve(
                SimOptions {
                    users,
                    port,
                    faults,
                },
                config_out.as_deref(),
            )
            .await
        }
        Command::Users {
            conn,
            filter,
            limit,
            format,
        } => {
            let config = globals.load_config()?;
            let directory = globals.open(&config, &conn)?;
            let query = ListQuery {
                filter,
                limit,
                ..ListQuery::default()
            };
            let mut stream = output::UsersStream::new(format);
            let mut stdout = std::io::stdout();
            let listed = directory
                .list_users(&query, &mut |page| {
                    use std::io::Write;
                    let _ = stdout.write_all(stream.page(&page).as_bytes());
                    let _ = stdout.flush();
                })
                .await;
            if let Some(warning) = stream.warning(&conn) {
                eprintln!("{warning}");
            }
            listed?;
            print!("{}", stream.finish());
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
            selection,
            write,
        } => {
            let (user, assignments) = single_or_bulk(user, assignments, &selection);
            let pairs = parse_assignments(&assignments)?;
            let edits = group_values(pairs)
                .into_iter()
                .map(|(name, values)| Edit::SetAttribute { name, values })
                .collect();
            write_one_or_many(globals, &conn, user, &selection, "set", edits, &write).await
        }
        Command::Unset {
            conn,
            user,
            names,
            selection,
            write,
        } => {
            let (user, names) = single_or_bulk(user, names, &selection);
            let edits = names
                .into_iter()
                .map(|name| Edit::UnsetAttribute { name })
                .collect();
            write_one_or_many(globals, &conn, user, &selection, "unset", edits, &write).await
        }
        Command::Update {
            conn,
            user,
            assignments,
            selection,
            write,
        } => {
            let (user, assignments) = single_or_bulk(user, assignments, &selection);
            let fields = parse_assignments(&assignments)?;
            let edits = vec![Edit::Update { fields }];
            write_one_or_many(globals, &conn, user, &selection, "update", edits, &write).await
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
        Command::Audit {
            conns,
            format,
            per_user,
        } => super::audit::run(globals, conns, format, per_user).await,
        Command::Log { format } => history::log(format),
        Command::Demo { users } => super::browse::demo(users, globals).await,
        Command::Bench {
            users,
            latencies,
            window,
            no_audit,
        } => crate::bench::run(&crate::bench::BenchOptions {
            users,
            latencies_ms: latencies,
            window: window.map(|n| n.max(1)),
            audit: !no_audit,
        })
        .await
        .map_err(CliError::Usage),
        Command::Undo {
            batch: Some(batch),
            write,
            ..
        } => super::batch::undo(globals, &batch, &write).await,
        Command::Undo { id, write, .. } => history::undo(globals, id, &write).await,
        Command::Batch {
            command: BatchCommand::Show { id, format },
        } => super::batch::show(&id, format),
        Command::Batch {
            command: BatchCommand::Resume { id, format, write },
        } => super::batch::resume(globals, &id, &write, format).await,
        Command::Attribute { command } => super::attribute::run(command, globals).await,
        Command::Config { command } => super::config_cmd::run(command, globals).await,
        Command::Doctor(args) => super::config_cmd::check(&args, globals).await,
        Command::Completions { shell, dynamic } => super::completions::print(shell, dynamic),
        Command::Man => super::completions::man(),
    }
}

/// With a selection, the positional USER is really the first NAME=VALUE (or NAME): returns the
/// user (None for a bulk edit) and the whole list.
fn single_or_bulk(
    user: String,
    mut rest: Vec<String>,
    selection: &Selection,
) -> (Option<String>, Vec<String>) {
    if selection.is_bulk() {
        rest.insert(0, user);
        (None, rest)
    } else {
        (Some(user), rest)
    }
}

/// One user's write, or a bulk edit of the selection.
async fn write_one_or_many(
    globals: &Globals,
    conn: &str,
    user: Option<String>,
    selection: &Selection,
    action: &str,
    edits: Vec<Edit>,
    write: &super::args::WriteFlags,
) -> Result<(), CliError> {
    match user {
        Some(user) => write_user(globals, conn, &user, edits, write).await,
        None => super::batch::bulk(globals, conn, selection, action, edits, write).await,
    }
}

/// Splits `NAME=VALUE` arguments; the value may contain `=`.
pub(super) fn parse_assignments(assignments: &[String]) -> Result<Vec<(String, String)>, CliError> {
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
