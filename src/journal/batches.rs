//! Bulk edits on disk: one plan file per batch (`batches/ID.json` in the state dir, mode 0600),
//! written whole and renamed into place, so that a batch stopped by Ctrl-C, a crash or a 429
//! storm can be shown and resumed.
//!
//! The file holds what was planned and confirmed: the edits, and per user the changes its preview
//! showed (a resume stops an item whose user changed since) and, once known, its result. What was
//! *sent* is the journal's business (each item's entry carries the batch id); `roster batch show`
//! reads both. Storage only: the workflow is the write engine's.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::entry::ServerIdentity;
use super::store::JournalError;
use crate::domain::{Edit, FieldChange};

/// The folder of plan files inside the state dir.
pub const BATCHES_DIR: &str = "batches";

/// What planning decided for one user of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemDecision {
    /// The edit changes this user: it is sent.
    Change,
    /// The user already holds what the edit sets: nothing to send.
    Skipped,
    /// The edit cannot be made for this user (not found, locked, hidden, invalid), with why.
    Refused,
}

/// What became of one item, as far as this process saw (the journal knows what was sent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemResult {
    /// `written`, `skipped`, `failed` or `unknown`.
    pub outcome: String,
    /// Why it failed, or what is not known.
    pub error: Option<String>,
    /// The journal entry of its write, when one was sent.
    pub entry: Option<u64>,
}

/// One user of a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchItem {
    /// The id, username or email the selection gave.
    pub key: String,
    /// The service id, once found.
    pub user_id: Option<String>,
    /// The user as people read it.
    pub user: Option<String>,
    /// What planning decided.
    pub decision: ItemDecision,
    /// Why it is skipped or refused.
    pub reason: Option<String>,
    /// The changes its preview showed (masked), compared at resume.
    pub changes: Vec<FieldChange>,
    /// What became of it.
    pub result: Option<ItemResult>,
}

/// A planned and confirmed bulk edit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchPlan {
    /// The batch id (also in each item's journal entry).
    pub batch: String,
    /// When it was planned, RFC 3339.
    pub created: String,
    /// The connection name.
    pub connection: String,
    /// The server it writes to.
    pub server: ServerIdentity,
    /// `set`, `unset` or `update`.
    pub action: String,
    /// The edits applied to every user.
    pub edits: Vec<Edit>,
    /// One item per selected user, in selection order.
    pub items: Vec<BatchItem>,
}

/// The plan files of a state dir.
#[derive(Debug, Clone)]
pub struct BatchStore {
    dir: PathBuf,
}

impl BatchStore {
    /// The plan files kept beside the journal in `state_dir`.
    pub fn in_dir(state_dir: &Path) -> Self {
        Self {
            dir: state_dir.join(BATCHES_DIR),
        }
    }

    /// A new batch id: the time and a few random-looking digits (never a secret).
    pub fn new_id() -> String {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let stamp: String = crate::time::now_rfc3339()
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        format!("{stamp}-{:04x}", (nanos ^ std::process::id()) & 0xffff)
    }

    fn path(&self, batch: &str) -> Result<PathBuf, JournalError> {
        if batch.is_empty() || !batch.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(JournalError::Io {
                path: self.dir.clone(),
                action: "find",
                reason: format!("`{}` is not a batch id", crate::text::sanitize(batch)),
            });
        }
        Ok(self.dir.join(format!("{batch}.json")))
    }

    /// Writes the plan (replacing the previous version whole).
    pub fn save(&self, plan: &BatchPlan) -> Result<(), JournalError> {
        let path = self.path(&plan.batch)?;
        let io = |action: &'static str, e: std::io::Error| JournalError::Io {
            path: path.clone(),
            action,
            reason: e.to_string(),
        };
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder
            .create(&self.dir)
            .map_err(|e| io("create the folder of", e))?;
        let text =
            serde_json::to_string_pretty(plan).map_err(|e| JournalError::Encode(e.to_string()))?;
        crate::files::write_private(&path, &text).map_err(|e| io("write", e))
    }

    /// Reads a plan.
    pub fn load(&self, batch: &str) -> Result<BatchPlan, JournalError> {
        let path = self.path(batch)?;
        let text = std::fs::read_to_string(&path).map_err(|e| JournalError::Io {
            path: path.clone(),
            action: "read",
            reason: if e.kind() == std::io::ErrorKind::NotFound {
                format!("there is no batch `{}`", crate::text::sanitize(batch))
            } else {
                e.to_string()
            },
        })?;
        serde_json::from_str(&text).map_err(|e| JournalError::Io {
            path,
            action: "read",
            reason: format!("the plan file is damaged: {e}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_round_trips_and_ids_are_checked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = BatchStore::in_dir(dir.path());
        let plan = BatchPlan {
            batch: BatchStore::new_id(),
            created: crate::time::now_rfc3339(),
            connection: "looker".to_owned(),
            server: ServerIdentity {
                url: "http://h".to_owned(),
                principal: "client x".to_owned(),
            },
            action: "set".to_owned(),
            edits: vec![Edit::SetAttribute {
                name: "region".to_owned(),
                values: vec!["EMEA".to_owned()],
            }],
            items: vec![BatchItem {
                key: "1".to_owned(),
                user_id: Some("1".to_owned()),
                user: None,
                decision: ItemDecision::Change,
                reason: None,
                changes: Vec::new(),
                result: None,
            }],
        };
        store.save(&plan).expect("saved");
        assert_eq!(store.load(&plan.batch).expect("loaded"), plan);
        assert!(store.load("../x").is_err());
        assert!(store.load("nope").is_err());
    }
}
