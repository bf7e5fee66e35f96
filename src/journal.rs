//! The journal of writes: one JSON line per write attempt in the state dir, for `roster log` and
//! `roster undo`.
//!
//! An entry records what was changed (before and after, as the preview showed them), the requests
//! (bodies masked exactly as previews mask them), the outcome and the time, plus a recipe to
//! revert it. Hidden values are masked before they get here, so the journal never holds one; a
//! change to a hidden value is recorded as not undoable.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::domain::{Edit, FieldChange, UserRecord};
use crate::service::WritePlan;

/// The journal file's name inside the state dir.
pub const JOURNAL_FILE: &str = "journal.jsonl";

/// One write attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// Sequence number, 1 for the first entry of the file.
    pub id: u64,
    /// UTC time, RFC 3339.
    pub time: String,
    /// Connection name.
    pub connection: String,
    /// The user's service id (None for a create that failed).
    pub user_id: Option<String>,
    /// The user's username, for people.
    pub user: Option<String>,
    /// set, unset, update, replace, create, or undo.
    pub action: String,
    /// The plan's one-line summary.
    pub summary: String,
    /// Before → after per field.
    pub changes: Vec<FieldChange>,
    /// The requests, with masked bodies.
    pub requests: Vec<JournalRequest>,
    /// written, failed, or not_sent.
    pub outcome: String,
    /// The error, when it failed.
    pub error: Option<String>,
    /// How to revert it.
    pub undo: UndoRecipe,
}

/// A request as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalRequest {
    /// HTTP method.
    pub method: String,
    /// Full URL.
    pub url: String,
    /// Body with secrets and hidden values masked.
    pub body: Option<serde_json::Value>,
}

/// What it takes to revert an entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum UndoRecipe {
    /// Restore attributes: each to its own values, or remove the own value when there was none.
    Attributes {
        /// Name and the user's own values before the write (None: there were none).
        attributes: Vec<(String, Option<Vec<String>>)>,
    },
    /// Restore user fields to their values before the write.
    Fields {
        /// Field and value before.
        fields: Vec<(String, String)>,
    },
    /// Put the whole resource back.
    Replace {
        /// The resource before the write.
        resource: serde_json::Value,
    },
    /// The entry cannot be reverted, and why.
    NotPossible {
        /// Why.
        reason: String,
    },
}

impl UndoRecipe {
    /// The recipe for an edit of `record`.
    pub fn for_edit(record: Option<&UserRecord>, edit: &Edit) -> Self {
        let Some(record) = record else {
            return Self::NotPossible {
                reason: "a create is not reverted by roster; delete the user in the service"
                    .to_owned(),
            };
        };
        let hidden = |name: &str| record.attribute(name).is_some_and(|a| a.hidden);
        match edit {
            Edit::SetAttribute { name, .. } | Edit::UnsetAttribute { name } => {
                if hidden(name) {
                    return Self::NotPossible {
                        reason: format!("`{name}` is hidden: its previous value was never read"),
                    };
                }
                let own = record
                    .attribute(name)
                    .filter(|a| a.has_user_value())
                    .map(|a| a.values.clone());
                Self::Attributes {
                    attributes: vec![(name.clone(), own)],
                }
            }
            Edit::Update { fields } => {
                let mut before = Vec::new();
                for (field, _) in fields {
                    let value = record
                        .attribute(field)
                        .map(|a| a.values.join(","))
                        .or_else(|| {
                            record
                                .raw
                                .get(field)
                                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                        })
                        .or_else(|| (field == "email").then(|| record.email.clone()).flatten());
                    match value {
                        Some(value) => before.push((field.clone(), value)),
                        None => {
                            return Self::NotPossible {
                                reason: format!("`{field}` had no value to restore"),
                            };
                        }
                    }
                }
                Self::Fields { fields: before }
            }
            Edit::Replace { .. } => Self::Replace {
                resource: record.raw.clone(),
            },
            Edit::Create { .. } => Self::NotPossible {
                reason: "a create is not reverted by roster; delete the user in the service"
                    .to_owned(),
            },
        }
    }

    /// The edits that revert the entry.
    pub fn edits(&self) -> Result<Vec<Edit>, String> {
        match self {
            Self::Attributes { attributes } => Ok(attributes
                .iter()
                .map(|(name, own)| match own {
                    Some(values) => Edit::SetAttribute {
                        name: name.clone(),
                        values: values.clone(),
                    },
                    None => Edit::UnsetAttribute { name: name.clone() },
                })
                .collect()),
            Self::Fields { fields } => Ok(vec![Edit::Update {
                fields: fields.clone(),
            }]),
            Self::Replace { resource } => Ok(vec![Edit::Replace {
                resource: resource.clone(),
            }]),
            Self::NotPossible { reason } => Err(reason.clone()),
        }
    }
}

/// The journal file.
#[derive(Debug, Clone)]
pub struct Journal {
    path: PathBuf,
}

impl Journal {
    /// The journal in `dir`.
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            path: dir.join(JOURNAL_FILE),
        }
    }

    /// The journal in roster's state dir.
    pub fn open_default() -> Result<Self, String> {
        let dir =
            crate::logging::state_dir().ok_or("cannot find a state directory for the journal")?;
        Ok(Self::in_dir(&dir))
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every entry, oldest first. A missing file is an empty journal; a damaged line is an error.
    pub fn entries(&self) -> Result<Vec<JournalEntry>, String> {
        let file = match std::fs::File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(format!("cannot read {}: {e}", self.path.display())),
        };
        std::io::BufReader::new(file)
            .lines()
            .enumerate()
            .filter(|(_, line)| line.as_ref().map_or(true, |l| !l.trim().is_empty()))
            .map(|(index, line)| {
                let line = line.map_err(|e| format!("cannot read {}: {e}", self.path.display()))?;
                serde_json::from_str(&line).map_err(|e| {
                    format!("{}:{}: damaged entry: {e}", self.path.display(), index + 1)
                })
            })
            .collect()
    }

    /// Appends one entry for a write attempt and returns it.
    pub fn record(
        &self,
        connection: &str,
        record: Option<&UserRecord>,
        action: &str,
        plan: &WritePlan,
        outcome: &Result<Option<String>, String>,
        undo: UndoRecipe,
    ) -> Result<JournalEntry, String> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let id = self.entries()?.last().map_or(1, |e| e.id + 1);
        let (status, error, written_id) = match outcome {
            Ok(id) => ("written", None, id.clone()),
            Err(error) if error == NOT_SENT => ("not_sent", None, None),
            Err(error) => ("failed", Some(error.clone()), None),
        };
        let entry = JournalEntry {
            id,
            time: crate::time::now_rfc3339(),
            connection: connection.to_owned(),
            user_id: record.map(|r| r.id.clone()).or(written_id),
            user: record.and_then(|r| r.username.clone()),
            action: action.to_owned(),
            summary: plan.summary.clone(),
            changes: plan.changes.clone(),
            requests: plan
                .requests
                .iter()
                .map(|r| JournalRequest {
                    method: r.method.to_string(),
                    url: r.url.to_string(),
                    body: r.shown_body(),
                })
                .collect(),
            outcome: status.to_owned(),
            error,
            undo,
        };
        let mut line = serde_json::to_string(&entry).map_err(|e| e.to_string())?;
        line.push('\n');
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options
            .open(&self.path)
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()))?;
        file.write_all(line.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()))?;
        Ok(entry)
    }
}

/// Sends a confirmed plan the way the browser sends every write: the user is read again and the
/// edit planned again (a difference from the confirmed plan stops it), then the plan is applied
/// and the attempt journaled. `user_id` is None for a create.
pub async fn send_confirmed(
    directory: &crate::service::AnyDirectory,
    journal: Option<&Journal>,
    connection: &str,
    user_id: Option<&str>,
    edit: &Edit,
    confirmed: &WritePlan,
) -> Result<Option<String>, crate::service::ServiceError> {
    let fresh = match user_id {
        Some(id) => {
            let fresh = directory.read_user(id).await?;
            let now = directory.plan(Some(&fresh), edit).await?;
            if let Some(conflict) = crate::service::plan::conflict(confirmed, &now) {
                return Err(crate::service::ServiceError::Conflict(conflict));
            }
            Some(fresh)
        }
        None => None,
    };
    let outcome = directory.apply(confirmed).await;
    if let Some(journal) = journal {
        let recorded = outcome.clone().map_err(|e| e.to_string());
        let undo = UndoRecipe::for_edit(fresh.as_ref(), edit);
        if let Err(why) = journal.record(
            connection,
            fresh.as_ref(),
            edit.verb(),
            confirmed,
            &recorded,
            undo,
        ) {
            tracing::warn!("a write was not journaled: {why}");
        }
    }
    outcome
}

/// The outcome text of a plan that was never sent because an earlier one failed.
pub const NOT_SENT: &str = "not sent: an earlier write of the same run failed";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Attribute, ServiceKind};

    fn record() -> UserRecord {
        let mut own = Attribute::single("region", "Region", vec!["EMEA".to_owned()], "User");
        own.user_can_edit = false;
        let mut secret = Attribute::single("db_password", "DB", Vec::new(), "User");
        secret.hidden = true;
        UserRecord {
            connection: "looker".to_owned(),
            kind: ServiceKind::Looker,
            id: "1".to_owned(),
            username: Some("ada@example.com".to_owned()),
            display_name: None,
            email: Some("ada@example.com".to_owned()),
            active: true,
            attributes: vec![own, secret],
            raw: serde_json::json!({"first_name": "Ada"}),
        }
    }

    #[test]
    fn recipes_restore_own_values_or_remove_them() {
        let record = record();
        let set = UndoRecipe::for_edit(
            Some(&record),
            &Edit::SetAttribute {
                name: "region".to_owned(),
                values: vec!["NA".to_owned()],
            },
        );
        assert_eq!(
            set.edits().expect("undoable"),
            [Edit::SetAttribute {
                name: "region".to_owned(),
                values: vec!["EMEA".to_owned()]
            }]
        );
        let new = UndoRecipe::for_edit(
            Some(&record),
            &Edit::SetAttribute {
                name: "team".to_owned(),
                values: vec!["x".to_owned()],
            },
        );
        assert_eq!(
            new.edits().expect("undoable"),
            [Edit::UnsetAttribute {
                name: "team".to_owned()
            }]
        );
        let hidden = UndoRecipe::for_edit(
            Some(&record),
            &Edit::UnsetAttribute {
                name: "db_password".to_owned(),
            },
        );
        assert!(hidden.edits().is_err());
        let update = UndoRecipe::for_edit(
            Some(&record),
            &Edit::Update {
                fields: vec![("first_name".to_owned(), "Bo".to_owned())],
            },
        );
        assert_eq!(
            update.edits().expect("undoable"),
            [Edit::Update {
                fields: vec![("first_name".to_owned(), "Ada".to_owned())]
            }]
        );
    }

    #[test]
    fn entries_round_trip_through_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let journal = Journal::in_dir(dir.path());
        let plan = WritePlan {
            summary: "set region".to_owned(),
            changes: Vec::new(),
            requests: Vec::new(),
            auth_scheme: "Bearer",
        };
        let record = record();
        let first = journal
            .record(
                "looker",
                Some(&record),
                "set",
                &plan,
                &Ok(None),
                UndoRecipe::NotPossible {
                    reason: "x".to_owned(),
                },
            )
            .expect("recorded");
        let second = journal
            .record(
                "looker",
                Some(&record),
                "set",
                &plan,
                &Err("boom".to_owned()),
                UndoRecipe::NotPossible {
                    reason: "x".to_owned(),
                },
            )
            .expect("recorded");
        assert_eq!((first.id, second.id), (1, 2));
        let entries = journal.entries().expect("entries");
        assert_eq!(entries, [first, second]);
        assert_eq!(entries[1].outcome, "failed");
    }
}
