//! The effect runner's bulk work: planning a bulk edit, planning a revert from the journal view
//! (of a user's write, a batch, or an attribute-level write), sending a confirmed batch item by
//! item, and reading the journal — each as a task that reports
//! back on the loop's channel, so the browser never waits on it.
//!
//! Every write goes through the write engine (`crate::write::batch`), with the batch journaled
//! write-ahead and its plan file saved, so a batch stopped here resumes with
//! `roster batch resume ID`. Nothing here decides what the browser shows.

use std::time::Instant;

use tokio::sync::mpsc::UnboundedSender;

use crate::app::msg::{BatchWork, Msg, RequestId, UndoPrepared};
use crate::domain::Edit;
use crate::journal::{BatchStore, Journal, JournalEntry, Outcome};
use crate::write::batch::{ItemFinished, PlannedUndo, SelectionKey};
use crate::write::{Interrupt, ItemReport, WriteEngine};

/// What every bulk task needs: the connection's engine (or why there is none), how many items
/// go at once, and where to report.
pub struct Work {
    /// The write engine of the connection.
    pub engine: Result<WriteEngine, String>,
    /// Items planned or sent at once.
    pub window: usize,
    /// The loop's channel.
    pub tx: UnboundedSender<Msg>,
    /// The request the replies carry.
    pub request: RequestId,
}

/// Plans `edits` for every user of `keys`, reporting how many are planned as it goes.
pub async fn plan(work: Work, action: String, keys: Vec<SelectionKey>, edits: Vec<Edit>) {
    let (tx, request) = (&work.tx, work.request);
    let result = match work.engine {
        Ok(engine) => engine
            .plan_batch(&action, keys, edits, work.window, &|done| {
                let _ = tx.send(Msg::BatchPlanning { request, done });
            })
            .await
            .map(Box::new)
            .map_err(|e| e.to_string()),
        Err(why) => Err(why),
    };
    let _ = tx.send(Msg::BatchPlanned { request, result });
}

/// Plans the revert of `entry`, or of every written item of its batch when it belongs to one.
pub async fn prepare_undo(work: Work, entry: JournalEntry) {
    let (tx, request) = (&work.tx, work.request);
    let result = match work.engine {
        Ok(engine) if entry.attribute.is_some() => engine
            .prepare_attribute_undo(&entry)
            .await
            .map(|prepared| UndoPrepared::Attribute(Box::new(prepared)))
            .map_err(|e| e.to_string()),
        Ok(engine) => match entry.batch.clone() {
            Some(batch) => engine
                .prepare_batch_undo(&batch, work.window)
                .await
                .map(|planned| UndoPrepared::Batch {
                    batch,
                    planned: PlannedUndo::of(planned),
                })
                .map_err(|e| e.to_string()),
            None => engine
                .prepare_undo(&entry)
                .await
                .map(|prepared| UndoPrepared::Entry(Box::new((entry, prepared))))
                .map_err(|e| e.to_string()),
        },
        Err(why) => Err(why),
    };
    let _ = tx.send(Msg::UndoPrepared {
        request,
        result: result.map(Box::new),
    });
}

/// Sends a confirmed batch, reporting each item with the time since the start; `interrupt`
/// stops new items and lets those in flight finish.
pub async fn run(work: Work, batch: BatchWork, interrupt: Interrupt) {
    let (tx, request, window) = (&work.tx, work.request, work.window);
    let started = Instant::now();
    let report = |outcome: &str, error: Option<String>| {
        let _ = tx.send(Msg::BatchItemDone {
            request,
            outcome: outcome.to_owned(),
            error,
            elapsed: started.elapsed(),
        });
    };
    let result = match (work.engine, batch) {
        (Err(why), _) => Err(why),
        (Ok(engine), BatchWork::Edit(mut planned)) => match store_of(&engine) {
            Ok(store) => engine
                .run_batch(
                    &mut planned,
                    &store,
                    window,
                    &interrupt,
                    &|done: &ItemFinished| {
                        report(&done.result.outcome, done.result.error.clone());
                    },
                )
                .await
                .map(|run| run.interrupted.is_some())
                .map_err(|e| e.to_string()),
            Err(why) => Err(why),
        },
        (Ok(engine), BatchWork::Undo(items)) => {
            engine
                .revert_items(items, window, &interrupt, &|_, why| match why {
                    None => report("written", None),
                    Some(why) => report("failed", Some(why.to_owned())),
                })
                .await;
            Ok(interrupt.code().is_some())
        }
        (Ok(engine), BatchWork::AttributeUndo(prepared)) => engine
            .execute_attribute(&prepared, &interrupt)
            .await
            .map(|executed| {
                for item in &executed.items {
                    let (outcome, why) = item_outcome(item);
                    report(outcome, why);
                }
                executed.interrupted.is_some()
            })
            .map_err(|e| e.to_string()),
    };
    let _ = tx.send(Msg::BatchRan { request, result });
}

/// What became of one item of an attribute-level write, in the words the gauge counts
/// (`written`, `unknown`, `failed`), and why it was not written.
fn item_outcome(item: &ItemReport) -> (&'static str, Option<String>) {
    let why = || {
        item.entry
            .as_ref()
            .and_then(|e| e.error.clone())
            .or_else(|| item.not_sent.clone())
    };
    match item.outcome() {
        Some(Outcome::Written) => ("written", None),
        Some(Outcome::Pending | Outcome::Unknown) => ("unknown", why()),
        Some(Outcome::NotApplied | Outcome::Partial) | None => ("failed", why()),
    }
}

/// Where a connection's batch plans are saved: beside its journal.
fn store_of(engine: &WriteEngine) -> Result<BatchStore, String> {
    engine
        .journal()
        .path()
        .parent()
        .map(BatchStore::in_dir)
        .ok_or_else(|| "the journal has no folder to keep batch plans in".to_owned())
}

/// Reads the journal for the journal view (on a blocking thread: it is file I/O).
pub async fn load_journal(journal: Option<Journal>, tx: UnboundedSender<Msg>, request: RequestId) {
    let result = match journal {
        Some(journal) => tokio::task::spawn_blocking(move || journal.entries())
            .await
            .map_err(|e| e.to_string())
            .and_then(|read| read.map_err(|e| e.to_string())),
        None => Err("no journal: this browser session records no writes".to_owned()),
    };
    let _ = tx.send(Msg::JournalLoaded { request, result });
}
