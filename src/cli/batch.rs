//! The command line's side of bulk edits: `set`/`unset`/`update` with `--where` or
//! `--users-from`, `roster batch show`, `roster batch resume` and `roster undo --batch`.
//!
//! It reads the selection, asks the write engine to plan every user, shows one combined preview
//! (how many change, are skipped, are refused and why, a few sample diffs, the request shape),
//! confirms once, then runs the batch with a progress bar (counts and an ETA) and reports per
//! item. Ctrl-C stops after the items in flight and says how to resume. The workflow itself is the
//! engine's (`crate::write::batch`); this module only asks and tells.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use super::args::{Selection, ShowFormat, WriteFlags};
use super::write::engine;
use super::{CliError, Globals, confirm, output, selection, signals};
use crate::domain::Edit;
use crate::journal::{BatchPlan, BatchStore};
use crate::service::ListQuery;
use crate::text::{sanitize, sanitize_lines};
use crate::write::WriteEngine;
use crate::write::batch::{BatchCounts, ItemFinished, PlannedUndo, SelectionKey, item_outcome};

/// Plans, confirms and runs one edit over a selection of users.
pub async fn bulk(
    globals: &Globals,
    conn: &str,
    selection: &Selection,
    action: &str,
    edits: Vec<Edit>,
    flags: &WriteFlags,
) -> Result<(), CliError> {
    let (engine, window) = engine_with_window(globals, conn)?;
    let keys = select(&engine, selection).await?;
    if keys.is_empty() {
        return Err(CliError::Usage("the selection names no user".to_owned()));
    }
    let planning = progress(keys.len(), "planning");
    let mut planned = engine
        .plan_batch(action, keys, edits, window, &|done| {
            planning.set_position(done as u64)
        })
        .await?;
    planning.finish_and_clear();
    let preview = planned.describe();
    if flags.dry_run {
        match selection.format {
            ShowFormat::Json => output::print(&output::json(&report(&planned.plan))),
            ShowFormat::Table => println!("{preview}\n(dry run: nothing was sent)"),
        }
        return Ok(());
    }
    let counts = BatchCounts::of(&planned.plan);
    if counts.planned == 0 {
        eprintln!("{preview}\nnothing to send");
        return print_report(&planned.plan, selection.format);
    }
    if !confirm::ask(&preview, counts.planned, flags)? {
        return Ok(());
    }
    let store = store_of(&engine)?;
    let signals = signals::WriteSignals::install();
    let bar = progress(counts.planned, "writing");
    let totals = std::sync::Mutex::new(BatchCounts::default());
    let run = engine
        .run_batch(&mut planned, &store, window, signals.interrupt(), &|done| {
            tick(&bar, &totals, done)
        })
        .await?;
    bar.finish_and_clear();
    finish(&planned.plan, run.interrupted, selection.format)
}

/// `roster batch show ID`.
pub fn show(id: &str, format: ShowFormat) -> Result<(), CliError> {
    let journal = crate::journal::Journal::open_default()?;
    let store = BatchStore::in_dir(state_dir(journal.path())?);
    let mut plan = store.load(id)?;
    merge_journal(&mut plan, &journal.entries()?);
    print_report(&plan, format)
}

/// `roster batch resume ID`.
pub async fn resume(
    globals: &Globals,
    id: &str,
    flags: &WriteFlags,
    format: ShowFormat,
) -> Result<(), CliError> {
    let journal = crate::journal::Journal::open_default()?;
    let store = BatchStore::in_dir(state_dir(journal.path())?);
    let mut plan = store.load(id)?;
    let (engine, window) = engine_with_window(globals, &plan.connection)?;
    merge_journal(&mut plan, &journal.entries()?);
    let counts = BatchCounts::of(&plan);
    let waiting = counts.planned + counts.unknown;
    let summary = format!(
        "batch {} on {}: {} written, {} not yet written, {} unknown; each is read again before it is sent",
        plan.batch, plan.connection, counts.written, counts.planned, counts.unknown
    );
    if flags.dry_run {
        println!("{summary}\n(dry run: nothing was sent)");
        return Ok(());
    }
    if waiting == 0 {
        eprintln!("{summary}\nnothing to resume");
        return print_report(&plan, format);
    }
    if !confirm::ask(&summary, waiting, flags)? {
        return Ok(());
    }
    let signals = signals::WriteSignals::install();
    let bar = progress(waiting, "resuming");
    let totals = std::sync::Mutex::new(BatchCounts::default());
    let run = engine
        .resume_batch(&mut plan, &store, window, signals.interrupt(), &|done| {
            tick(&bar, &totals, done)
        })
        .await?;
    bar.finish_and_clear();
    finish(&plan, run.interrupted, format)
}

/// `roster undo --batch ID`: reverts every written item whose fields still hold what the batch
/// left, and reports the ones it must skip.
pub async fn undo(globals: &Globals, id: &str, flags: &WriteFlags) -> Result<(), CliError> {
    let journal = crate::journal::Journal::open_default()?;
    let store = BatchStore::in_dir(state_dir(journal.path())?);
    let plan = store.load(id)?;
    let (engine, window) = engine_with_window(globals, &plan.connection)?;
    let planned = PlannedUndo::of(engine.prepare_batch_undo(id, window).await?);
    let preview = planned.describe(id, &plan.connection);
    if flags.dry_run {
        println!("{preview}\n(dry run: nothing was sent)");
        return Ok(());
    }
    if planned.ready.is_empty() {
        eprintln!("{preview}");
        return Err(CliError::Refused(
            "nothing of the batch can be reverted".to_owned(),
        ));
    }
    if !confirm::ask(&preview, planned.ready.len(), flags)? {
        return Ok(());
    }
    let signals = signals::WriteSignals::install();
    let bar = progress(planned.ready.len(), "reverting");
    let not_reverted = engine
        .revert_items(planned.ready, window, signals.interrupt(), &|entry, why| {
            if let Some(why) = why {
                bar.suspend(|| {
                    eprintln!(
                        "{}",
                        sanitize_lines(&format!("entry {} not reverted: {why}", entry.id))
                    );
                });
            }
            bar.inc(1);
        })
        .await;
    let failed = planned.skipped.len() + not_reverted;
    bar.finish_and_clear();
    if let Some(code) = signals.interrupt().code() {
        return Err(CliError::Interrupted(code));
    }
    if failed > 0 {
        return Err(CliError::Partial(format!(
            "{failed} item(s) of batch {id} were not reverted (see above)"
        )));
    }
    Ok(())
}

/// The engine of a connection and how many items a batch has under way at once: as many as the
/// connection's request window can ever allow (the window decides how many requests are sent).
fn engine_with_window(globals: &Globals, conn: &str) -> Result<(WriteEngine, usize), CliError> {
    let engine = engine(globals, conn)?;
    let window = engine.directory().reads_in_flight().max(1);
    Ok((engine, window))
}

fn state_dir(journal: &std::path::Path) -> Result<&std::path::Path, CliError> {
    journal
        .parent()
        .ok_or(CliError::Journal(crate::journal::JournalError::NoStateDir))
}

fn store_of(engine: &WriteEngine) -> Result<BatchStore, CliError> {
    Ok(BatchStore::in_dir(state_dir(engine.journal().path())?))
}

/// The users a selection names: the ids a filtered listing gives, or the keys a file holds.
async fn select(
    engine: &WriteEngine,
    selection: &Selection,
) -> Result<Vec<SelectionKey>, CliError> {
    if let Some(filter) = &selection.where_filter {
        let users = engine
            .directory()
            .collect_users(&ListQuery {
                filter: Some(filter.clone()),
                limit: None,
                ..ListQuery::default()
            })
            .await?;
        return Ok(users.into_iter().map(|u| SelectionKey::Id(u.id)).collect());
    }
    let Some(path) = &selection.users_from else {
        return Ok(Vec::new());
    };
    let text = if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())
            .map_err(|e| CliError::Usage(format!("cannot read stdin: {e}")))?
    } else {
        std::fs::read_to_string(path)
            .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", path.display())))?
    };
    let keys = selection::parse(&text)
        .map_err(|why| CliError::Usage(format!("{}: {why}", path.display())))?;
    Ok(keys
        .into_iter()
        .map(|key| match key {
            selection::Key::Id(id) => SelectionKey::Id(id),
            selection::Key::Any(text) => SelectionKey::Key(text),
        })
        .collect())
}

/// One item of the JSON report.
#[derive(Serialize)]
struct ReportItem {
    user: Option<String>,
    user_id: Option<String>,
    outcome: &'static str,
    error: Option<String>,
}

/// The JSON report of a batch: `{"batch", "items", "counts"}`.
#[derive(Serialize)]
struct Report {
    batch: String,
    items: Vec<ReportItem>,
    counts: BatchCounts,
}

fn report(plan: &BatchPlan) -> Report {
    Report {
        batch: plan.batch.clone(),
        items: plan
            .items
            .iter()
            .map(|item| {
                let (outcome, error) = item_outcome(item);
                ReportItem {
                    user: item.user.clone().or_else(|| Some(item.key.clone())),
                    user_id: item.user_id.clone(),
                    outcome,
                    error,
                }
            })
            .collect(),
        counts: BatchCounts::of(plan),
    }
}

fn print_report(plan: &BatchPlan, format: ShowFormat) -> Result<(), CliError> {
    match format {
        ShowFormat::Json => output::print(&output::json(&report(plan))),
        ShowFormat::Table => {
            let rows = plan.items.iter().map(|item| {
                let (outcome, error) = item_outcome(item);
                vec![
                    item.user.clone().unwrap_or_else(|| item.key.clone()),
                    item.user_id.clone().unwrap_or_default(),
                    outcome.to_owned(),
                    error.unwrap_or_default(),
                ]
            });
            output::print(&output::table(&["USER", "ID", "OUTCOME", "REASON"], rows));
            let counts = BatchCounts::of(plan);
            eprintln!(
                "batch {}: {} written, {} skipped, {} failed, {} unknown, {} not sent",
                plan.batch,
                counts.written,
                counts.skipped,
                counts.failed,
                counts.unknown,
                counts.planned
            );
        }
    }
    Ok(())
}

/// Reports a run and turns it into the exit code.
fn finish(plan: &BatchPlan, interrupted: Option<i32>, format: ShowFormat) -> Result<(), CliError> {
    print_report(plan, format)?;
    let counts = BatchCounts::of(plan);
    if let Some(code) = interrupted {
        eprintln!(
            "roster: batch {} stopped after the items in flight; `roster batch resume {}` continues it",
            plan.batch, plan.batch
        );
        return Err(CliError::Interrupted(code));
    }
    if counts.failed + counts.unknown + counts.planned > 0 {
        return Err(CliError::Partial(format!(
            "batch {}: {} of {} items written; `roster batch show {}` has every reason",
            plan.batch,
            counts.written,
            plan.items.len() - counts.skipped,
            plan.batch
        )));
    }
    Ok(())
}

/// Puts what the journal knows (writes sent by a process that did not save its plan) into the
/// plan's items.
fn merge_journal(plan: &mut BatchPlan, entries: &[crate::journal::JournalEntry]) {
    for item in &mut plan.items {
        let latest = entries.iter().rev().find(|e| {
            e.batch.as_deref() == Some(plan.batch.as_str())
                && e.user_id == item.user_id
                && !e.action.starts_with("undo")
        });
        if let Some(entry) = latest {
            item.result = Some(crate::journal::ItemResult {
                outcome: match entry.outcome {
                    crate::journal::Outcome::Written => "written",
                    crate::journal::Outcome::Pending | crate::journal::Outcome::Unknown => {
                        "unknown"
                    }
                    _ => "failed",
                }
                .to_owned(),
                error: entry.error.clone(),
                entry: Some(entry.id),
            });
        }
    }
}

/// A progress bar on stderr when it is a terminal (hidden otherwise).
fn progress(total: usize, what: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(
        Some(total as u64),
        if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    if let Ok(style) =
        ProgressStyle::with_template("{prefix} {bar:30} {pos}/{len} {msg} (eta {eta})")
    {
        bar.set_style(style);
    }
    bar.set_prefix(what.to_owned());
    bar
}

/// Counts one finished item on the bar.
fn tick(bar: &ProgressBar, totals: &std::sync::Mutex<BatchCounts>, done: &ItemFinished) {
    let mut counts = totals.lock().unwrap_or_else(|p| p.into_inner());
    match done.result.outcome.as_str() {
        "written" => counts.written += 1,
        "unknown" => counts.unknown += 1,
        "skipped" => counts.skipped += 1,
        _ => counts.failed += 1,
    }
    bar.set_message(format!(
        "written {} failed {} unknown {}",
        counts.written, counts.failed, counts.unknown
    ));
    bar.inc(1);
    if done.result.outcome != "written"
        && let Some(error) = &done.result.error
    {
        bar.suspend(|| eprintln!("{}", sanitize(error)));
    }
}
