//! Undo through the engine: choosing the entry, learning what of it landed, and planning the
//! revert with the precondition that the fields still hold what that write left.
//!
//! `roster undo` and the browser's `z` both come here, so both check the same things: the entry
//! was written to the server this connection points at now (never replayed against another
//! one); only the parts that landed are reverted; a `pending` or `unknown` entry is first
//! resolved by reading the user; and, at send time, every field must still hold the value the
//! entry left (another change since then stops the revert).

use super::engine::{Prepared, PreparedItem, StillAsWritten, WriteEngine, WriteError};
use super::verify::{self, Evidence};
use crate::domain::FieldChange;
use crate::journal::{JournalEntry, Outcome};
use crate::service::WritePlan;
use crate::text::sanitize;

/// The entry `id` names, or the last entry (of `connection`, when given).
///
/// Refuses an id that several entries share (journals from before ids were taken under a lock)
/// and says so, instead of picking one.
pub fn pick_entry<'a>(
    entries: &'a [JournalEntry],
    id: Option<u64>,
    connection: Option<&str>,
) -> Result<&'a JournalEntry, String> {
    match id {
        Some(id) => {
            let matching: Vec<&JournalEntry> = entries.iter().filter(|e| e.id == id).collect();
            match matching.as_slice() {
                [] => Err(format!("the journal has no entry {id}")),
                [entry] => Ok(entry),
                several => Err(format!(
                    "{} entries share the id {id} (written before roster locked the journal): revert by hand",
                    several.len()
                )),
            }
        }
        None => entries
            .iter()
            .rev()
            .find(|e| connection.is_none_or(|c| e.connection == c))
            .ok_or_else(|| match connection {
                Some(c) => format!("the journal has no write on `{c}`"),
                None => "the journal has no write".to_owned(),
            }),
    }
}

/// The preview title of the revert of `entry`.
pub fn title(entry: &JournalEntry) -> String {
    format!(
        "Undo entry {} ({}, {}): {}",
        entry.id,
        entry.time,
        entry.outcome.describe(),
        sanitize(&entry.summary)
    )
}

impl WriteEngine {
    /// Plans the revert of `entry` on this connection, or says plainly why it cannot be made.
    pub async fn prepare_undo(&self, entry: &JournalEntry) -> Result<Prepared, WriteError> {
        let refuse = |why: String| {
            WriteError::Refused(format!("entry {} cannot be undone: {why}", entry.id))
        };
        match &entry.server {
            None => {
                return Err(refuse(
                    "it was journaled before roster recorded the server it wrote to, so it cannot be matched with this connection"
                        .to_owned(),
                ));
            }
            Some(server) if server != self.server() => {
                return Err(refuse(format!(
                    "it was written to {server}, and `{}` is {} now",
                    self.connection(),
                    self.server()
                )));
            }
            Some(_) => {}
        }
        if !entry.undo.is_possible() {
            return Err(refuse(entry.undo.edits_for(&[]).err().unwrap_or_default()));
        }
        let user_id = entry
            .user_id
            .as_deref()
            .ok_or_else(|| refuse("it names no user".to_owned()))?;
        let record = self.directory().read_user(user_id).await?;
        let landed = match entry.outcome {
            Outcome::NotApplied => {
                return Err(refuse("nothing of it was applied".to_owned()));
            }
            Outcome::Written | Outcome::Partial => entry.landed_fields(),
            Outcome::Pending | Outcome::Unknown => match self.resolve_by_reading(entry, &record) {
                Resolution::Landed(fields) => fields,
                Resolution::NotLanded => {
                    return Err(refuse("reading the user shows it did not land".to_owned()));
                }
                Resolution::Unclear(why) => {
                    return Err(refuse(format!(
                        "reading the user cannot tell whether it landed ({why})"
                    )));
                }
            },
        };
        let edits = entry.undo.edits_for(&landed).map_err(refuse)?;
        if edits.is_empty() {
            return Err(refuse("none of its fields landed".to_owned()));
        }
        let changes: Vec<FieldChange> = entry
            .changes
            .iter()
            .filter(|c| landed.contains(&c.field) && c.before != c.after)
            .filter(|c| !crate::service::plan::is_secret_name(&c.field))
            .cloned()
            .collect();
        let mut items = Vec::with_capacity(edits.len());
        for edit in edits {
            let plan = self.directory().plan(Some(&record), &edit).await?;
            items.push(PreparedItem { edit, plan });
        }
        let mut title = title(entry);
        let kept = entry.undo.not_restorable(&landed);
        if !kept.is_empty() {
            title.push_str(&format!(
                "\n{} stays as it is: its previous value was never known",
                kept.join(", ")
            ));
        }
        let prepared = Prepared {
            target: Some(record),
            items,
            action: Some(format!("undo {}", entry.id)),
            title: Some(title),
            precondition: Some(StillAsWritten {
                entry: entry.id,
                changes,
            }),
            batch: None,
        };
        Ok(prepared)
    }

    /// For an entry whose outcome is not known (pending, unknown): learns from `record` (the user
    /// read now) whether it landed, and journals what was learned.
    pub(super) fn resolve_by_reading(
        &self,
        entry: &JournalEntry,
        record: &crate::domain::UserRecord,
    ) -> Resolution {
        let plan = WritePlan {
            summary: entry.summary.clone(),
            changes: entry.changes.clone(),
            requests: Vec::new(),
            auth_scheme: "",
        };
        let fields: Vec<String> = entry.changes.iter().map(|c| c.field.clone()).collect();
        let (outcome, resolution) = match verify::evidence(self.directory(), record, &plan, &fields)
        {
            Evidence::Landed => (Outcome::Written, Resolution::Landed(fields)),
            Evidence::NotApplied => (Outcome::NotApplied, Resolution::NotLanded),
            Evidence::Unclear(why) => return Resolution::Unclear(why),
        };
        let mut resolved = entry.clone();
        resolved.outcome = outcome;
        resolved.error = Some(format!(
            "{} (resolved by reading the user at {})",
            entry.error.as_deref().unwrap_or("outcome was not known"),
            crate::time::now_rfc3339()
        ));
        if let Err(error) = self.journal().complete(&resolved) {
            tracing::warn!(
                "could not journal the resolution of entry {}: {error}",
                entry.id
            );
        }
        resolution
    }
}

/// What reading a user taught about a write whose outcome was not known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Resolution {
    /// It landed: these fields hold what it wrote.
    Landed(Vec<String>),
    /// It did not land: the fields still hold their old values.
    NotLanded,
    /// The user cannot tell, and why.
    Unclear(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: u64, connection: &str) -> JournalEntry {
        JournalEntry {
            id,
            ..JournalEntry::example(connection)
        }
    }

    #[test]
    fn shared_ids_are_refused_not_guessed() {
        let entries = [entry(1, "a"), entry(2, "a"), entry(2, "b")];
        assert!(
            pick_entry(&entries, Some(2), None)
                .expect_err("ambiguous")
                .contains("2 entries share the id 2")
        );
        assert_eq!(pick_entry(&entries, Some(1), None).map(|e| e.id), Ok(1));
        assert_eq!(
            pick_entry(&entries, None, Some("a")).map(|e| (e.id, e.connection.as_str())),
            Ok((2, "a"))
        );
        assert!(pick_entry(&entries, None, Some("c")).is_err());
    }
}
