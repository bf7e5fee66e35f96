//! Attribute-level writes through the one write engine: a Looker attribute's group values, rank
//! order, default and flags, each planned from a fresh read, previewed with its blast radius and
//! sent the way every write of roster is.
//!
//! The flow is the engine's, with the attribute as the target instead of a user: read the
//! attribute (definition, group values, every user's groups and own value) → plan each edit (the
//! exact request, changes with hidden values masked, the resolver's blast radius, the undo
//! recipe) → the front end previews and confirms → under the attribute's lock, re-read and stop
//! if anything changed since the preview (the attribute, and what its blast radius was computed
//! from: the memberships of the groups involved and the own values that decide who it reaches,
//! see [`basis`]) → journal the write as `pending` (its entry names the
//! attribute) → send once through the engine's delivery (a lost answer is resolved by reading the
//! group values back, never by sending a POST again blindly) → read back and verify → complete
//! the entry with a truthful outcome. Undo plans the recipe the same way, and first checks that
//! the attribute still holds what the entry left.

mod basis;
mod plan;
pub mod preview;
pub mod snapshot;

use super::engine::{
    Attempt, Executed, ItemReport, LostAnswers, StillAsWritten, WriteEngine, WriteError,
    journal_requests, replanned,
};
use super::interrupt::Interrupt;
use super::sequence::Sequence;
use super::verify::{self, Evidence};
use crate::domain::FieldChange;
use crate::domain::attribute_edit::AttributeEdit;
use crate::domain::resolution::{AttributeState, BlastRadius};
use crate::journal::{AttributeTarget, JournalEntry, Outcome, UndoRecipe};
use crate::service::looker::Client;
use crate::service::plan::scrub;
use crate::service::{AnyDirectory, ServiceError, WritePlan};
use crate::text::sanitize;
use preview::{RadiusJson, combine, describe_radius};
use snapshot::Snapshot;

/// One edit of the attribute and everything planned for it.
#[derive(Debug, Clone)]
pub struct AttributeItem {
    /// The edit.
    pub edit: AttributeEdit,
    /// Its request and field changes.
    pub plan: WritePlan,
    /// The users whose effective value it changes.
    pub radius: BlastRadius,
    /// The attribute as the edit finds it (after the items before it).
    pub before: Snapshot,
}

/// An attribute-level write, planned and not yet sent.
#[derive(Debug, Clone)]
pub struct AttributePrepared {
    /// The attribute as read for the plan.
    pub snapshot: Snapshot,
    /// Every user's groups, own value and effective value, as read for the plan.
    pub state: AttributeState,
    /// One item per edit, sent in order.
    pub items: Vec<AttributeItem>,
    /// The journal's action, when it is not `attribute <verb>` (`undo 12`).
    pub action: Option<String>,
    /// What the preview is titled (undo names the entry it reverts).
    pub title: Option<String>,
    /// Undo's check that the attribute still holds what the entry left.
    pub precondition: Option<StillAsWritten>,
}

impl AttributePrepared {
    /// The attribute's name.
    pub fn name(&self) -> &str {
        &self.snapshot.definition.name
    }

    /// Every user whose effective value the whole write changes.
    pub fn radius(&self) -> BlastRadius {
        combine(self.items.iter().map(|i| &i.radius))
    }

    /// Every field change, in order.
    pub fn changes(&self) -> Vec<FieldChange> {
        self.items
            .iter()
            .flat_map(|i| i.plan.changes.iter().cloned())
            .collect()
    }

    /// The preview: the title, every plan (exact requests, hidden values masked), the radius.
    pub fn describe(&self) -> String {
        let mut text = String::new();
        if let Some(title) = &self.title {
            text.push_str(title);
            text.push_str("\n\n");
        }
        for item in &self.items {
            text.push_str(&item.plan.describe());
            text.push('\n');
        }
        text.push_str(&describe_radius(&self.radius()));
        text
    }

    /// The preview as the JSON of `roster attribute … --format json`.
    pub fn json(&self) -> RadiusJson {
        RadiusJson::new(self.changes(), &self.radius())
    }

    /// How many requests it sends.
    pub fn request_count(&self) -> usize {
        self.items.iter().map(|i| i.plan.requests.len()).sum()
    }
}

/// The Looker client of a connection, or why attribute-level edits are not offered.
pub fn looker_client<'a>(
    directory: &'a AnyDirectory,
    connection: &str,
) -> Result<&'a Client, ServiceError> {
    match directory {
        AnyDirectory::Looker(client) => Ok(client),
        other => Err(ServiceError::Unsupported(format!(
            "`{connection}` is a {} connection: group values, ranks and defaults of attributes are Looker's (use a Looker connection)",
            other.kind()
        ))),
    }
}

impl WriteEngine {
    fn attribute_client(&self) -> Result<&Client, WriteError> {
        Ok(looker_client(self.directory(), self.connection())?)
    }

    /// Reads the attribute (by name or id) and every user's part in it, and plans `edits` one
    /// after the other, each with its blast radius. Nothing is sent.
    pub async fn prepare_attribute(
        &self,
        name_or_id: &str,
        edits: Vec<AttributeEdit>,
    ) -> Result<AttributePrepared, WriteError> {
        let client = self.attribute_client()?;
        let (definition, state) = client.attribute_state(name_or_id).await?;
        let snapshot = Snapshot::read(client, &definition.id).await?;
        let invalid = |error: crate::domain::resolution::ResolutionError| {
            WriteError::Service(ServiceError::Invalid(format!(
                "{}: {error}",
                sanitize(&definition.name)
            )))
        };
        let (mut now, mut resolved) = (snapshot.clone(), state.clone());
        let mut items = Vec::with_capacity(edits.len());
        for edit in edits {
            let (radius, next) = match edit.change() {
                Some(change) => (
                    resolved.blast_radius(change).map_err(invalid)?,
                    resolved.apply(change).map_err(invalid)?,
                ),
                None => (
                    BlastRadius {
                        hidden: snapshot.hidden(),
                        affected: Vec::new(),
                    },
                    resolved.clone(),
                ),
            };
            let plan = plan::plan(client, &now, &edit)?;
            let after = now.after(&edit);
            items.push(AttributeItem {
                edit,
                plan,
                radius,
                before: std::mem::replace(&mut now, after),
            });
            resolved = next;
        }
        Ok(AttributePrepared {
            snapshot,
            state,
            items,
            action: None,
            title: None,
            precondition: None,
        })
    }

    /// Sends a confirmed attribute-level write: lock, re-read (a change since the preview stops
    /// it), then per item journal, send once, resolve a lost answer by reading, verify, complete.
    /// Returns `Err` only when nothing was sent.
    pub async fn execute_attribute(
        &self,
        prepared: &AttributePrepared,
        interrupt: &Interrupt,
    ) -> Result<Executed, WriteError> {
        let client = self.attribute_client()?;
        if self.directory().refuses_writes() {
            let first = prepared
                .items
                .iter()
                .flat_map(|i| i.plan.requests.first())
                .next();
            return Err(ServiceError::ReadOnly {
                connection: self.connection().to_owned(),
                method: first.map(|r| r.method.to_string()).unwrap_or_default(),
                path: first.map(|r| r.url.path().to_owned()).unwrap_or_default(),
            }
            .into());
        }
        let id = prepared.snapshot.definition.id.clone();
        let _lock = self.lock(&format!("attribute/{id}")).await?;
        let mut current = Snapshot::read(client, &id).await?;
        if let Some(conflict) = prepared.snapshot.conflict_with(&current) {
            return Err(ServiceError::Conflict(conflict).into());
        }
        if let Some(conflict) = basis::changed_since(client, prepared).await? {
            return Err(ServiceError::Conflict(conflict).into());
        }
        if let Some(precondition) = &prepared.precondition {
            verify::still_as_written(&|field| current.observe(field), precondition)
                .map_err(WriteError::Refused)?;
        }
        let mut run = Sequence::default();
        for (index, item) in prepared.items.iter().enumerate() {
            if run.skipped(&item.plan) {
                continue;
            }
            // The earlier items changed the attribute: plan again from what it holds now.
            let plan = if index == 0 {
                item.plan.clone()
            } else {
                match replanned(&item.plan, plan::plan(client, &current, &item.edit)) {
                    Ok(now) => now,
                    Err(why) => {
                        run.refused(&item.plan, why);
                        continue;
                    }
                }
            };
            let entry = self
                .begin_attribute(prepared, item, &current, &plan)
                .await?;
            let (report, after, signal) =
                self.send_attribute(client, entry, &plan, interrupt).await;
            if let Some(after) = after {
                current = after;
            }
            if run.sent(report, signal) && index + 1 < prepared.items.len() {
                current = Snapshot::read(client, &id).await?;
            }
        }
        Ok(run.finish(None))
    }

    /// Journals an attribute-level write as pending (flushed) before anything is sent.
    async fn begin_attribute(
        &self,
        prepared: &AttributePrepared,
        item: &AttributeItem,
        current: &Snapshot,
        plan: &WritePlan,
    ) -> Result<JournalEntry, WriteError> {
        let definition = &current.definition;
        let entry = JournalEntry {
            id: 0,
            time: crate::time::now_rfc3339(),
            connection: self.connection().to_owned(),
            server: Some(self.server().clone()),
            attribute: Some(AttributeTarget {
                id: definition.id.clone(),
                name: definition.name.clone(),
            }),
            user: None,
            user_id: None,
            action: prepared
                .action
                .clone()
                .unwrap_or_else(|| format!("attribute {}", item.edit.verb())),
            summary: plan.summary.clone(),
            changes: plan.changes.clone(),
            requests: journal_requests(plan),
            outcome: Outcome::Pending,
            error: None,
            batch: None,
            verification: Vec::new(),
            completed: None,
            undo: plan::undo_recipe(current, &item.edit),
        };
        Ok(self.journal().begin_shared(entry).await?)
    }

    /// Sends one journaled attribute plan, reads the attribute back to verify it, and completes
    /// the entry. Returns the report, the attribute as read after, and a signal that interrupted.
    async fn send_attribute(
        &self,
        client: &Client,
        mut entry: JournalEntry,
        plan: &WritePlan,
        interrupt: &Interrupt,
    ) -> (ItemReport, Option<Snapshot>, Option<i32>) {
        let secrets = plan.secret_values();
        let attribute_id = entry
            .attribute
            .as_ref()
            .map(|a| a.id.clone())
            .unwrap_or_default();
        let mut notes = Vec::new();
        let mut learner = ReadTheAttribute {
            client,
            attribute_id: &attribute_id,
            plan,
        };
        let interrupted = self
            .send_requests(&mut entry, plan, &mut learner, &mut notes, interrupt)
            .await;
        let mut after = None;
        if interrupted.is_none() && entry.outcome.may_have_landed() {
            match Snapshot::read(client, &attribute_id).await {
                Ok(read) => {
                    let fields: Vec<String> =
                        plan.changes.iter().map(|c| c.field.clone()).collect();
                    entry.verification =
                        verify::checks_by(&|field| read.observe(field), &plan.changes, &fields);
                    notes.extend(verify::describe_unstuck(&entry.verification));
                    after = Some(read);
                }
                Err(error) => notes.push(format!(
                    "the attribute could not be read after the write to verify it: {}",
                    scrub(&error.to_string(), &secrets)
                )),
            }
        }
        let report = self.complete(entry, plan, notes).await;
        (report, after, interrupted)
    }

    /// Plans the revert of an attribute-level entry on this connection, or says plainly why it
    /// cannot be made: written elsewhere, nothing landed, a value never read (hidden).
    pub async fn prepare_attribute_undo(
        &self,
        entry: &JournalEntry,
    ) -> Result<AttributePrepared, WriteError> {
        let refuse = |why: String| {
            WriteError::Refused(format!("entry {} cannot be undone: {why}", entry.id))
        };
        self.check_same_server(entry)?;
        let (Some(target), UndoRecipe::AttributeEdits { edits }) = (&entry.attribute, &entry.undo)
        else {
            return Err(refuse(match &entry.undo {
                UndoRecipe::NotPossible { reason } => reason.clone(),
                _ => "it is not an attribute-level write".to_owned(),
            }));
        };
        let client = self.attribute_client()?;
        match entry.outcome {
            Outcome::NotApplied => return Err(refuse("nothing of it was applied".to_owned())),
            Outcome::Written | Outcome::Partial => {}
            Outcome::Pending | Outcome::Unknown => {
                let now = Snapshot::read(client, &target.id).await?;
                let fields: Vec<String> = entry.changes.iter().map(|c| c.field.clone()).collect();
                let (outcome, refusal) =
                    match verify::evidence_by(&|field| now.observe(field), &entry.changes, &fields)
                    {
                        Evidence::Landed => (Outcome::Written, None),
                        Evidence::NotApplied => (
                            Outcome::NotApplied,
                            Some("reading the attribute shows it did not land".to_owned()),
                        ),
                        Evidence::Unclear(why) => {
                            return Err(refuse(format!(
                                "reading the attribute cannot tell whether it landed ({why})"
                            )));
                        }
                    };
                self.journal_resolution(entry, outcome, "the attribute");
                if let Some(why) = refusal {
                    return Err(refuse(why));
                }
            }
        }
        let mut prepared = self.prepare_attribute(&target.id, edits.clone()).await?;
        prepared.action = Some(format!("undo {}", entry.id));
        prepared.title = Some(super::undo::title(entry));
        prepared.precondition = Some(StillAsWritten {
            entry: entry.id,
            changes: entry
                .changes
                .iter()
                .filter(|c| c.before != c.after)
                .cloned()
                .collect(),
        });
        Ok(prepared)
    }
}

/// Learns about an attribute-level write whose answer was lost by reading the group values and
/// definition back.
struct ReadTheAttribute<'a> {
    client: &'a Client,
    attribute_id: &'a str,
    plan: &'a WritePlan,
}

impl LostAnswers for ReadTheAttribute<'_> {
    async fn learn(
        &mut self,
        _engine: &WriteEngine,
        index: usize,
        error: ServiceError,
        notes: &mut Vec<String>,
    ) -> Attempt {
        let lost = error.to_string();
        let now = match Snapshot::read(self.client, self.attribute_id).await {
            Ok(now) => now,
            Err(read) => {
                return Attempt::Unknown(format!(
                    "{lost}; the attribute could not be read to learn whether it landed ({read}): `roster attribute show` it to check"
                ));
            }
        };
        let fields = self.plan.fields_of(index);
        match verify::evidence_by(&|field| now.observe(field), &self.plan.changes, &fields) {
            Evidence::Landed => {
                notes.push(format!(
                    "the answer was lost ({lost}); reading the attribute shows the change was made"
                ));
                Attempt::Landed(None)
            }
            Evidence::NotApplied => Attempt::NotLanded(format!(
                "{lost}; reading the attribute shows the change was not made"
            )),
            Evidence::Unclear(why) => Attempt::Unknown(format!(
                "{lost}; reading the attribute cannot tell whether it landed ({why}): `roster attribute show` it to check"
            )),
        }
    }
}
