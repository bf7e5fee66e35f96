//! Test plumbing for writes: every write a test makes goes through the write engine, as every
//! write of roster does (journal in a temporary folder), or — for tests that pin the exact
//! requests on wiremock — sends a plan's requests one by one without the engine's reads.
//!
//! No assertion about roster's behaviour lives here.

#![allow(dead_code, clippy::unwrap_used)]

use roster::domain::{Edit, UserRecord};
use roster::journal::{Journal, JournalEntry, Outcome, ServerIdentity};
use roster::service::{AnyDirectory, ServiceError, WritePlan};
use roster::write::{Executed, Interrupt, WriteEngine, WriteError};

/// The Crowd `department` of every user, by username, as the simulator holds it.
pub fn crowd_departments(
    sim: &roster::simulator::RunningSimulator,
) -> std::collections::HashMap<String, Vec<String>> {
    sim.state
        .crowd()
        .users
        .values()
        .map(|u| {
            (
                u.name.clone(),
                u.attributes.get("department").cloned().unwrap_or_default(),
            )
        })
        .collect()
}

/// What a write through the engine did, with its journal.
pub struct Written {
    /// The engine's report.
    pub executed: Executed,
    /// The journal folder (kept as long as the report).
    pub state: tempfile::TempDir,
}

impl Written {
    /// The first item's journal entry.
    pub fn entry(&self) -> &JournalEntry {
        self.executed.items[0]
            .entry
            .as_ref()
            .expect("the item was sent")
    }

    /// The first item's outcome.
    pub fn outcome(&self) -> Outcome {
        self.entry().outcome
    }

    /// The id of the user written (a create's new id).
    pub fn id(&self) -> Option<String> {
        self.entry().user_id.clone()
    }

    /// The first item's error text.
    pub fn error(&self) -> String {
        self.entry().error.clone().unwrap_or_default()
    }

    /// The journal's entries.
    pub fn journal(&self) -> Vec<JournalEntry> {
        Journal::in_dir(self.state.path()).entries().unwrap()
    }
}

/// The engine of `directory` journaling to a fresh temporary folder.
pub fn engine(directory: &AnyDirectory) -> (WriteEngine, tempfile::TempDir) {
    let state = tempfile::tempdir().unwrap();
    let engine = WriteEngine::new(
        directory.clone(),
        Journal::in_dir(state.path()),
        "test",
        ServerIdentity {
            url: "http://test".to_owned(),
            principal: "test".to_owned(),
        },
    );
    (engine, state)
}

/// Plans `edit` of `record` (None: a create) and sends it through the engine.
pub async fn write(
    directory: &AnyDirectory,
    record: Option<&UserRecord>,
    edit: Edit,
) -> Result<Written, WriteError> {
    let (engine, state) = engine(directory);
    let prepared = match (record, edit) {
        (None, Edit::Create { resource }) => engine.prepare_create(resource).await?,
        (Some(record), edit) => engine.prepare_for(record.clone(), vec![edit]).await?,
        (None, other) => panic!("{other:?} needs a record"),
    };
    let executed = engine.execute(&prepared, &Interrupt::never()).await?;
    Ok(Written { executed, state })
}

/// Like [`write`], and the write must have landed whole.
pub async fn written(directory: &AnyDirectory, record: Option<&UserRecord>, edit: Edit) -> Written {
    let done = write(directory, record, edit).await.unwrap();
    assert_eq!(done.outcome(), Outcome::Written, "{}", done.error());
    done
}

/// Sends a plan's requests in order, without the engine (for exact request shapes on wiremock);
/// returns a create's new id.
pub async fn send_plan(
    directory: &AnyDirectory,
    plan: &WritePlan,
) -> Result<Option<String>, ServiceError> {
    let mut created = None;
    for request in &plan.requests {
        let sent = directory.send(request).await?;
        created = sent.created_id.or(created);
    }
    Ok(created)
}
