//! Bulk edits through the engine: one edit planned for many users from a fresh read of each,
//! previewed once, then sent item by item — each item the engine's ordinary write, journaled
//! write-ahead under the batch's id — and resumable when it is stopped.
//!
//! Planning sorts every user into *change*, *skipped* (already at the value) or *refused* (not
//! found, locked, hidden, invalid), with reasons. Running sends the changes a few at a time (the
//! connection's window governs the requests themselves); an interruption stops taking new items
//! and lets the ones in flight finish. Resuming reads each item's journal entries first: an item
//! that was written is never sent again, one whose outcome is not known is resolved by reading
//! the user, and one whose user changed since the plan stops as a conflict. Nothing here prints.

use futures::StreamExt;
use futures::stream::FuturesUnordered;

use super::engine::{Executed, Prepared, WriteEngine, WriteError};
use super::interrupt::Interrupt;
use super::undo::Resolution;
use crate::domain::{Edit, FieldChange, UserRecord};
use crate::journal::{
    BatchItem, BatchPlan, BatchStore, ItemDecision, ItemResult, JournalEntry, Outcome,
};
use crate::secret::MASK;
use crate::service::ServiceError;

/// How a selection names a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SelectionKey {
    /// The service's id (from a listing): read directly.
    Id(String),
    /// An id, username or email (from a file): found by exact match.
    Key(String),
}

impl SelectionKey {
    fn text(&self) -> &str {
        match self {
            Self::Id(text) | Self::Key(text) => text,
        }
    }
}

/// A planned batch: the plan file's content and, for each item to change, what to send.
#[derive(Debug, Clone)]
pub struct PlannedBatch {
    /// What is saved and shown.
    pub plan: BatchPlan,
    /// For each item (same order), the prepared write when it is a change.
    pub prepared: Vec<Option<Prepared>>,
}

/// Counts of a batch's items by what became of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct BatchCounts {
    /// Written.
    pub written: usize,
    /// Already at the value, nothing sent.
    pub skipped: usize,
    /// Refused, not applied, partial or stopped as a conflict.
    pub failed: usize,
    /// Sent, and whether it landed is not known.
    pub unknown: usize,
    /// Planned and not sent yet.
    pub planned: usize,
}

impl BatchCounts {
    /// Counts the items of a plan by their result (or decision, when not run).
    pub fn of(plan: &BatchPlan) -> Self {
        let mut counts = Self::default();
        for item in &plan.items {
            match item_outcome(item).0 {
                "written" => counts.written += 1,
                "skipped" => counts.skipped += 1,
                "unknown" => counts.unknown += 1,
                "planned" => counts.planned += 1,
                _ => counts.failed += 1,
            }
        }
        counts
    }
}

/// The outcome word of an item (`written`, `skipped`, `failed`, `unknown`, `planned`) and its
/// reason, as `roster batch show` reports it.
pub fn item_outcome(item: &BatchItem) -> (&'static str, Option<String>) {
    if let Some(result) = &item.result {
        let word = match result.outcome.as_str() {
            "written" => "written",
            "skipped" => "skipped",
            "unknown" => "unknown",
            _ => "failed",
        };
        return (word, result.error.clone());
    }
    match item.decision {
        ItemDecision::Change => ("planned", None),
        ItemDecision::Skipped => ("skipped", item.reason.clone()),
        ItemDecision::Refused => ("failed", item.reason.clone()),
    }
}

/// One item finished (for progress bars).
#[derive(Debug, Clone)]
pub struct ItemFinished {
    /// The item's index in the plan.
    pub index: usize,
    /// Its result.
    pub result: ItemResult,
}

/// How a run of a batch ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchRun {
    /// The exit code of the signal that stopped it, if one did.
    pub interrupted: Option<i32>,
}

impl WriteEngine {
    /// Plans `edits` for every selected user, `window` users at a time, from a fresh read of
    /// each. `on_planned` is told how many users are planned so far.
    pub async fn plan_batch(
        &self,
        action: &str,
        keys: Vec<SelectionKey>,
        edits: Vec<Edit>,
        window: usize,
        on_planned: &(dyn Fn(usize) + Sync),
    ) -> Result<PlannedBatch, WriteError> {
        if edits.is_empty() {
            return Err(WriteError::Refused("no edit to make".to_owned()));
        }
        let batch = BatchStore::new_id();
        let mut planned: Vec<Option<(BatchItem, Option<Prepared>)>> = vec![None; keys.len()];
        let mut work = futures::stream::iter(keys.into_iter().enumerate())
            .map(|(index, key)| {
                let edits = edits.clone();
                let batch = batch.clone();
                async move { (index, self.plan_item(&key, &edits, &batch).await) }
            })
            .buffer_unordered(window.max(1));
        let mut done = 0;
        while let Some((index, item)) = work.next().await {
            planned[index] = Some(item);
            done += 1;
            on_planned(done);
        }
        drop(work);
        let (items, prepared) = planned.into_iter().flatten().unzip();
        Ok(PlannedBatch {
            plan: BatchPlan {
                batch,
                created: crate::time::now_rfc3339(),
                connection: self.connection().to_owned(),
                server: self.server().clone(),
                action: action.to_owned(),
                edits,
                items,
            },
            prepared,
        })
    }

    async fn plan_item(
        &self,
        key: &SelectionKey,
        edits: &[Edit],
        batch: &str,
    ) -> (BatchItem, Option<Prepared>) {
        let mut item = BatchItem {
            key: key.text().to_owned(),
            user_id: None,
            user: None,
            decision: ItemDecision::Refused,
            reason: None,
            changes: Vec::new(),
            result: None,
        };
        let found = match key {
            SelectionKey::Id(id) => self.directory().read_user(id).await,
            SelectionKey::Key(text) => self.directory().find_user(text).await,
        };
        let record = match found {
            Ok(record) => record,
            Err(error) => {
                item.reason = Some(refusal(&error));
                return (item, None);
            }
        };
        item.user_id = Some(record.id.clone());
        item.user = Some(record.label());
        if let Some(name) = already_without(&record, edits) {
            item.decision = ItemDecision::Skipped;
            item.reason = Some(format!("has no value of its own for `{name}`"));
            return (item, None);
        }
        match self.prepare_for(record, edits.to_vec()).await {
            Err(WriteError::Service(error)) => {
                item.reason = Some(refusal(&error));
                (item, None)
            }
            Err(other) => {
                item.reason = Some(other.to_string());
                (item, None)
            }
            Ok(mut prepared) => {
                item.changes = prepared
                    .plans()
                    .flat_map(|p| p.changes.iter().cloned())
                    .collect();
                if item.changes.iter().all(unchanged) {
                    item.decision = ItemDecision::Skipped;
                    item.reason = Some("already at the value".to_owned());
                    return (item, None);
                }
                item.decision = ItemDecision::Change;
                prepared.batch = Some(batch.to_owned());
                (item, Some(prepared))
            }
        }
    }

    /// Sends the planned changes of a batch, `window` items at a time, saving the plan file as
    /// results come in. An interruption stops new items; those in flight finish.
    pub async fn run_batch(
        &self,
        planned: &mut PlannedBatch,
        store: &BatchStore,
        window: usize,
        interrupt: &Interrupt,
        on_item: &(dyn Fn(&ItemFinished) + Sync),
    ) -> Result<BatchRun, WriteError> {
        let work: Vec<(usize, Prepared)> = planned
            .prepared
            .iter_mut()
            .enumerate()
            .filter_map(|(index, prepared)| prepared.take().map(|p| (index, p)))
            .collect();
        self.send_items(&mut planned.plan, work, store, window, interrupt, on_item)
            .await
    }

    async fn send_items(
        &self,
        plan: &mut BatchPlan,
        work: Vec<(usize, Prepared)>,
        store: &BatchStore,
        window: usize,
        interrupt: &Interrupt,
        on_item: &(dyn Fn(&ItemFinished) + Sync),
    ) -> Result<BatchRun, WriteError> {
        store.save(plan)?;
        let mut queue = work.into_iter();
        let mut running = FuturesUnordered::new();
        let mut interrupted = None;
        let mut last_save = std::time::Instant::now();
        loop {
            while interrupted.is_none() && running.len() < window.max(1) {
                let Some((index, prepared)) = queue.next() else {
                    break;
                };
                running.push(async move {
                    let executed = self.execute(&prepared, &Interrupt::never()).await;
                    (index, executed)
                });
            }
            if running.is_empty() {
                break;
            }
            tokio::select! {
                biased;
                code = interrupt.fired(), if interrupted.is_none() => interrupted = Some(code),
                Some((index, executed)) = running.next() => {
                    let result = result_of(&executed);
                    if let Some(item) = plan.items.get_mut(index) {
                        item.result = Some(result.clone());
                    }
                    on_item(&ItemFinished { index, result });
                    if last_save.elapsed() > std::time::Duration::from_secs(2) {
                        store.save(plan)?;
                        last_save = std::time::Instant::now();
                    }
                }
            }
        }
        store.save(plan)?;
        Ok(BatchRun { interrupted })
    }

    /// Continues a stopped batch: items already written are not sent again; items whose outcome
    /// is not known are resolved by reading the user; the rest are planned again from a fresh
    /// read, and an item whose user changed since the batch was planned stops as a conflict.
    pub async fn resume_batch(
        &self,
        plan: &mut BatchPlan,
        store: &BatchStore,
        window: usize,
        interrupt: &Interrupt,
        on_item: &(dyn Fn(&ItemFinished) + Sync),
    ) -> Result<BatchRun, WriteError> {
        if &plan.server != self.server() {
            return Err(WriteError::Refused(format!(
                "batch {} was planned for {}, and `{}` is {} now",
                plan.batch,
                plan.server,
                self.connection(),
                self.server()
            )));
        }
        let entries = self.journal().entries()?;
        let mut work = Vec::new();
        for index in 0..plan.items.len() {
            let item = &plan.items[index];
            if item.decision != ItemDecision::Change {
                continue;
            }
            let latest = latest_entry(&entries, &plan.batch, item.user_id.as_deref());
            let result = match self
                .resume_item(item, latest, &plan.edits, &plan.batch)
                .await
            {
                Ok(Some(prepared)) => {
                    work.push((index, prepared));
                    continue;
                }
                Ok(None) => continue,
                Err(result) => result,
            };
            on_item(&ItemFinished {
                index,
                result: result.clone(),
            });
            plan.items[index].result = Some(result);
        }
        self.send_items(plan, work, store, window, interrupt, on_item)
            .await
    }

    /// What to do with one item of a resumed batch: `Ok(Some)` send it, `Ok(None)` it is done
    /// (written before), `Err(result)` it ends here with that result.
    async fn resume_item(
        &self,
        item: &BatchItem,
        latest: Option<&JournalEntry>,
        edits: &[Edit],
        batch: &str,
    ) -> Result<Option<Prepared>, ItemResult> {
        let failed = |error: String| ItemResult {
            outcome: "failed".to_owned(),
            error: Some(error),
            entry: latest.map(|e| e.id),
        };
        let Some(user_id) = item.user_id.as_deref() else {
            return Err(failed("the user was never found".to_owned()));
        };
        if latest.is_some_and(|e| e.outcome == Outcome::Written) {
            return Ok(None);
        }
        let record = self
            .directory()
            .read_user(user_id)
            .await
            .map_err(|e| failed(e.to_string()))?;
        match latest.map(|e| (e, e.outcome)) {
            Some((entry, Outcome::Pending | Outcome::Unknown)) => {
                match self.resolve_by_reading(entry, &record) {
                    Resolution::Landed(_) => {
                        return Err(ItemResult {
                            outcome: "written".to_owned(),
                            error: None,
                            entry: Some(entry.id),
                        });
                    }
                    Resolution::NotLanded => {}
                    Resolution::Unclear(why) => {
                        return Err(ItemResult {
                            outcome: "unknown".to_owned(),
                            error: Some(why),
                            entry: Some(entry.id),
                        });
                    }
                }
            }
            Some((entry, Outcome::Partial)) => {
                return Err(failed(format!(
                    "entry {} landed in part; revert or finish it by hand",
                    entry.id
                )));
            }
            _ => {}
        }
        let mut prepared = self
            .prepare_for(record, edits.to_vec())
            .await
            .map_err(|e| failed(e.to_string()))?;
        let now: Vec<FieldChange> = prepared
            .plans()
            .flat_map(|p| p.changes.iter().cloned())
            .collect();
        if now != item.changes {
            return Err(failed(
                "the user changed since the batch was planned; nothing was sent".to_owned(),
            ));
        }
        prepared.batch = Some(batch.to_owned());
        Ok(Some(prepared))
    }

    /// Plans the revert of every item of a batch that landed: one prepared undo per entry, or
    /// the reason it must be skipped.
    pub async fn prepare_batch_undo(
        &self,
        batch: &str,
        window: usize,
    ) -> Result<Vec<(JournalEntry, Result<Prepared, String>)>, WriteError> {
        let entries = self.journal().entries()?;
        let mut latest: Vec<JournalEntry> = Vec::new();
        for entry in entries
            .into_iter()
            .filter(|e| e.batch.as_deref() == Some(batch) && !e.action.starts_with("undo"))
        {
            match latest.iter_mut().find(|e| e.user_id == entry.user_id) {
                Some(slot) => *slot = entry,
                None => latest.push(entry),
            }
        }
        latest.retain(|e| e.outcome.may_have_landed());
        let planned = futures::stream::iter(latest)
            .map(|entry| async move {
                let prepared = self.prepare_undo(&entry).await.map_err(|e| e.to_string());
                (entry, prepared)
            })
            .buffered(window.max(1))
            .collect::<Vec<_>>()
            .await;
        Ok(planned)
    }
}

/// The latest journal entry of a batch's item (its own writes, not reverts).
fn latest_entry<'a>(
    entries: &'a [JournalEntry],
    batch: &str,
    user_id: Option<&str>,
) -> Option<&'a JournalEntry> {
    entries.iter().rev().find(|e| {
        e.batch.as_deref() == Some(batch)
            && e.user_id.as_deref() == user_id
            && !e.action.starts_with("undo")
    })
}

/// The reason an item cannot be planned, in words for the preview.
fn refusal(error: &ServiceError) -> String {
    match error {
        ServiceError::NotFound(_) => "not found".to_owned(),
        other => other.to_string(),
    }
}

/// For an unset: the name of an attribute the user holds no value of its own for (nothing to
/// remove: the item is skipped, not refused).
fn already_without(record: &UserRecord, edits: &[Edit]) -> Option<String> {
    edits.iter().find_map(|edit| match edit {
        Edit::UnsetAttribute { name } => {
            let holds = record
                .attribute(name)
                .is_some_and(|a| a.has_user_value() && (a.hidden || !a.values.is_empty()));
            (!holds).then(|| name.clone())
        }
        _ => None,
    })
}

/// True when a change leaves the field as it is (a masked value never counts as unchanged:
/// roster cannot know a hidden value).
fn unchanged(change: &FieldChange) -> bool {
    let masked = |v: &Option<String>| v.as_deref() == Some(MASK);
    change.before == change.after && !masked(&change.before) && !masked(&change.after)
}

/// An item's result from the engine's report.
fn result_of(executed: &Result<Executed, WriteError>) -> ItemResult {
    match executed {
        Err(error) => ItemResult {
            outcome: "failed".to_owned(),
            error: Some(error.to_string()),
            entry: None,
        },
        Ok(executed) => {
            let item = executed.items.first();
            match item.and_then(|i| i.entry.as_ref()) {
                Some(entry) => ItemResult {
                    outcome: match entry.outcome {
                        Outcome::Written => "written",
                        Outcome::Unknown | Outcome::Pending => "unknown",
                        Outcome::NotApplied | Outcome::Partial => "failed",
                    }
                    .to_owned(),
                    error: entry.error.clone(),
                    entry: Some(entry.id),
                },
                None => ItemResult {
                    outcome: "failed".to_owned(),
                    error: item.and_then(|i| i.not_sent.clone()),
                    entry: None,
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(decision: ItemDecision, result: Option<&str>) -> BatchItem {
        BatchItem {
            key: "k".to_owned(),
            user_id: Some("1".to_owned()),
            user: None,
            decision,
            reason: None,
            changes: Vec::new(),
            result: result.map(|outcome| ItemResult {
                outcome: outcome.to_owned(),
                error: None,
                entry: None,
            }),
        }
    }

    #[test]
    fn counts_follow_results_then_decisions() {
        let plan = BatchPlan {
            batch: "b".to_owned(),
            created: String::new(),
            connection: "c".to_owned(),
            server: crate::journal::ServerIdentity {
                url: "u".to_owned(),
                principal: "p".to_owned(),
            },
            action: "set".to_owned(),
            edits: Vec::new(),
            items: vec![
                item(ItemDecision::Change, Some("written")),
                item(ItemDecision::Change, Some("unknown")),
                item(ItemDecision::Change, Some("failed")),
                item(ItemDecision::Change, None),
                item(ItemDecision::Skipped, None),
                item(ItemDecision::Refused, None),
            ],
        };
        assert_eq!(
            BatchCounts::of(&plan),
            BatchCounts {
                written: 1,
                skipped: 1,
                failed: 2,
                unknown: 1,
                planned: 1,
            }
        );
    }

    #[test]
    fn a_masked_value_is_never_taken_as_unchanged() {
        let change = |before: &str, after: &str| FieldChange {
            field: "f".to_owned(),
            before: Some(before.to_owned()),
            after: Some(after.to_owned()),
            note: None,
        };
        assert!(unchanged(&change("a", "a")));
        assert!(!unchanged(&change("a", "b")));
        assert!(!unchanged(&change(MASK, MASK)));
    }
}
