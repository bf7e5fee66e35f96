//! The command line's side of bulk edits: `set`/`unset`/`update` with `--where` or
//! `--users-from`, `roster batch show`, `roster batch resume` and `roster undo --batch`.
//!
//! It reads the selection, asks the write engine to plan every user, shows one combined preview
//! (how many change, are skipped, are refused and why, a few sample diffs, the request shape),
//! confirms once, then runs the batch with a progress bar (counts and an ETA) and reports per
//! item. Ctrl-C stops after the items in flight and says how to resume. The workflow itself is the
//! engine's (`crate::write::batch`); this module only asks and tells.

use std::collections::BTreeMap;
use std::io::IsTerminal;

use futures::StreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use super::args::{Selection, ShowFormat, WriteFlags};
use super::write::engine;
use super::{CliError, Globals, confirm, output, selection, signals};
use crate::domain::Edit;
use crate::journal::{BatchPlan, BatchStore, ItemDecision};
use crate::service::ListQuery;
use crate::text::{sanitize, sanitize_lines};
use crate::write::batch::{BatchCounts, ItemFinished, PlannedBatch, SelectionKey, item_outcome};
use crate::write::{Interrupt, WriteEngine};

/// Items written at once when the connection names no `max_concurrency`.
const DEFAULT_ITEM_WINDOW: usize = 8;
/// How many sample diffs the preview shows.
const SAMPLES: usize = 3;

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
    let preview = describe_plan(&planned);
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
    let planned = engine.prepare_batch_undo(id, window).await?;
    let (ready, skipped): (Vec<_>, Vec<_>) = planned.into_iter().partition(|(_, p)| p.is_ok());
    let mut preview = format!(
        "undo batch {id} on {}: {} item(s) to revert, {} to skip",
        plan.connection,
        ready.len(),
        skipped.len()
    );
    for (entry, why) in &skipped {
        let why = why.as_ref().err().cloned().unwrap_or_default();
        preview.push_str(&format!(
            "\n  skip {}: {why}",
            entry
                .user
                .as_deref()
                .or(entry.user_id.as_deref())
                .unwrap_or("?")
        ));
    }
    if let Some((_, Ok(first))) = ready.first() {
        preview.push_str("\n\nfor example:\n");
        preview.push_str(&first.describe());
    }
    let preview = sanitize_lines(&preview);
    if flags.dry_run {
        println!("{preview}\n(dry run: nothing was sent)");
        return Ok(());
    }
    if ready.is_empty() {
        eprintln!("{preview}");
        return Err(CliError::Refused(
            "nothing of the batch can be reverted".to_owned(),
        ));
    }
    if !confirm::ask(&preview, ready.len(), flags)? {
        return Ok(());
    }
    let signals = signals::WriteSignals::install();
    let bar = progress(ready.len(), "reverting");
    let interrupt = signals.interrupt().clone();
    let mut reverts = futures::stream::iter(ready)
        .take_while(|_| std::future::ready(interrupt.code().is_none()))
        .map(|(entry, prepared)| {
            let engine = &engine;
            async move {
                let done = match prepared {
                    Ok(prepared) => engine
                        .execute(&prepared, &Interrupt::never())
                        .await
                        .map_err(|e| e.to_string()),
                    Err(why) => Err(why),
                };
                (entry, done)
            }
        })
        .buffer_unordered(window);
    let mut failed = skipped.len();
    while let Some((entry, done)) = reverts.next().await {
        let why = match done {
            Ok(done) if done.all_written() => None,
            Ok(done) => Some(
                done.items
                    .iter()
                    .find_map(|i| {
                        i.entry
                            .as_ref()
                            .and_then(|e| e.error.clone())
                            .or(i.not_sent.clone())
                    })
                    .unwrap_or_default(),
            ),
            Err(error) => Some(error),
        };
        if let Some(why) = why {
            failed += 1;
            bar.suspend(|| {
                eprintln!(
                    "{}",
                    sanitize_lines(&format!("entry {} not reverted: {why}", entry.id))
                );
            });
        }
        bar.inc(1);
    }
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

/// The engine of a connection and how many items a batch sends at once.
fn engine_with_window(globals: &Globals, conn: &str) -> Result<(WriteEngine, usize), CliError> {
    let config = globals.load_config()?;
    let window = config
        .connection(conn)?
        .max_concurrency
        .unwrap_or(DEFAULT_ITEM_WINDOW);
    Ok((engine(globals, conn)?, window.max(1)))
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

/// The combined preview: counts, refusals grouped by reason, a few sample diffs and the exact
/// request shape of the first change.
fn describe_plan(planned: &PlannedBatch) -> String {
    let plan = &planned.plan;
    let counts = BatchCounts::of(plan);
    let mut text = format!(
        "bulk {} on {} ({}): {} user(s) change, {} already at the value (skipped), {} refused",
        plan.action, plan.connection, plan.server, counts.planned, counts.skipped, counts.failed
    );
    let mut reasons: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for item in plan
        .items
        .iter()
        .filter(|i| i.decision == ItemDecision::Refused)
    {
        reasons
            .entry(item.reason.clone().unwrap_or_default())
            .or_default()
            .push(&item.key);
    }
    for (reason, keys) in &reasons {
        let shown: Vec<&str> = keys.iter().take(5).copied().collect();
        text.push_str(&format!(
            "\n  refused ({}): {reason}: {}{}",
            keys.len(),
            shown.join(", "),
            if keys.len() > shown.len() {
                ", …"
            } else {
                ""
            }
        ));
    }
    let samples: Vec<_> = planned.prepared.iter().flatten().take(SAMPLES).collect();
    for prepared in &samples {
        for plan in prepared.plans() {
            text.push_str(&format!("\n\n{}", plan.summary));
            for change in &plan.changes {
                text.push_str(&format!(
                    "\n  {}: {} → {}",
                    change.field,
                    change.before.as_deref().unwrap_or("(unset)"),
                    change.after.as_deref().unwrap_or("(unset)")
                ));
            }
        }
    }
    if let Some(first) = samples.first().and_then(|p| p.plans().next())
        && let Some(request) = first.requests.first()
    {
        text.push_str("\n\nevery user gets requests like:\n");
        text.push_str(&request.describe(first.auth_scheme));
    }
    sanitize_lines(&text)
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
