//! The journal's types: one entry per write, its typed outcome, the requests with what became of
//! each, the checks made after the write, and the recipe that reverts it.
//!
//! Everything here is data that is written to disk and read back; nothing holds a secret (bodies
//! are masked before they get here, hidden values are never read) and nothing does I/O.

use serde::{Deserialize, Serialize};

use crate::domain::{Edit, FieldChange, UserRecord};

/// What became of a write, as far as roster knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Journaled before sending and never completed: the process died or was killed while the
    /// write was in flight. Whether it landed is learned by reading the record again.
    Pending,
    /// Every request landed.
    Written,
    /// Some requests landed and the rest did not (their statuses say which).
    Partial,
    /// Nothing landed: the service refused, or a re-read showed the record unchanged.
    /// (Journals written before the write engine said `not_sent`.)
    #[serde(alias = "not_sent")]
    NotApplied,
    /// The answer was lost and a re-read could not tell whether the write landed.
    /// (Journals written before the write engine said `failed`, which did not know either.)
    #[serde(alias = "failed")]
    Unknown,
}

impl Outcome {
    /// The wire name (`written`, `not_applied`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Written => "written",
            Self::Partial => "partial",
            Self::NotApplied => "not_applied",
            Self::Unknown => "unknown",
        }
    }

    /// How `roster log` and the browser describe it to people.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Pending => "interrupted — re-read to learn",
            Self::Written => "written",
            Self::Partial => "partial",
            Self::NotApplied => "not applied",
            Self::Unknown => "unknown — re-read to learn",
        }
    }

    /// True when at least part of the write may have landed, so an undo can be considered.
    pub fn may_have_landed(self) -> bool {
        !matches!(self, Self::NotApplied)
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What became of one request of a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Not sent (yet, or because an earlier request did not land).
    NotSent,
    /// Sent; no answer recorded (the process stopped before it came).
    Sent,
    /// The service applied it (its answer said so, or a re-read showed it).
    Landed,
    /// The service did not apply it.
    NotApplied,
    /// The answer was lost and a re-read could not tell.
    Unknown,
}

/// The service a write went to: enough to tell two servers apart, never a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerIdentity {
    /// The connection's base URL, without credentials, query or fragment.
    pub url: String,
    /// Who roster acts as: the Crowd application, the Looker client id, the SCIM directory key.
    pub principal: String,
}

impl std::fmt::Display for ServerIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} as {}", self.url, self.principal)
    }
}

/// A request as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalRequest {
    /// HTTP method.
    pub method: String,
    /// Full URL (never with credentials).
    pub url: String,
    /// Body with secrets and hidden values masked.
    pub body: Option<serde_json::Value>,
    /// What became of it (absent in journals written before the write engine).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<RequestStatus>,
    /// The fields of the entry's changes this request writes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
}

/// How a field read back after a write compares with what the write meant to leave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldCheckStatus {
    /// The field holds what the write set.
    Stuck,
    /// The field still holds its old value: the service ignored the change.
    DidNotStick,
    /// The field holds a third value: someone else wrote it in between.
    ChangedByOther,
    /// Cannot be read back (a hidden value, a password).
    Unverifiable,
}

/// One field read back after a write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldCheck {
    /// The field or attribute.
    pub field: String,
    /// What the write meant to leave.
    pub expected: Option<String>,
    /// What the record holds after the write (None when unset or unverifiable).
    pub found: Option<String>,
    /// The verdict.
    pub status: FieldCheckStatus,
}

/// One write: journaled as `pending` before it is sent, then completed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// Sequence number, unique in the file (taken under the file's lock).
    pub id: u64,
    /// UTC time the write began, RFC 3339.
    pub time: String,
    /// Connection name.
    pub connection: String,
    /// The server written to (absent in journals written before the write engine).
    #[serde(default)]
    pub server: Option<ServerIdentity>,
    /// The user's username, for people.
    pub user: Option<String>,
    /// The user's service id (None for a create whose id is not known).
    pub user_id: Option<String>,
    /// set, unset, update, replace, create, or `undo N`.
    pub action: String,
    /// The plan's one-line summary.
    pub summary: String,
    /// Before → after per field (secrets and hidden values masked).
    pub changes: Vec<FieldChange>,
    /// The requests, with masked bodies and their statuses.
    pub requests: Vec<JournalRequest>,
    /// What became of the write.
    pub outcome: Outcome,
    /// Why it did not (fully) land, or what is not known.
    pub error: Option<String>,
    /// The bulk edit this write belongs to.
    #[serde(default)]
    pub batch: Option<String>,
    /// The fields read back after the write.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verification: Vec<FieldCheck>,
    /// UTC time the outcome was recorded (None while pending).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed: Option<String>,
    /// How to revert it.
    pub undo: UndoRecipe,
}

impl JournalEntry {
    /// The fields whose requests landed (all changed fields for a fully written entry).
    pub fn landed_fields(&self) -> Vec<String> {
        if self.outcome == Outcome::Written {
            return self.changes.iter().map(|c| c.field.clone()).collect();
        }
        self.requests
            .iter()
            .filter(|r| r.status == Some(RequestStatus::Landed))
            .flat_map(|r| r.fields.iter().cloned())
            .collect()
    }

    /// The fields the entry says were checked after the write and found not as intended.
    pub fn unstuck(&self) -> impl Iterator<Item = &FieldCheck> {
        self.verification.iter().filter(|c| {
            matches!(
                c.status,
                FieldCheckStatus::DidNotStick | FieldCheckStatus::ChangedByOther
            )
        })
    }
}

#[cfg(test)]
impl JournalEntry {
    /// An entry for tests: a written `set` on `connection` for user 1, not undoable.
    pub(crate) fn example(connection: &str) -> Self {
        Self {
            id: 0,
            time: "2026-11-29T00:00:00Z".to_owned(),
            connection: connection.to_owned(),
            server: None,
            user: Some("ada@example.com".to_owned()),
            user_id: Some("1".to_owned()),
            action: "set".to_owned(),
            summary: "set region".to_owned(),
            changes: Vec::new(),
            requests: Vec::new(),
            outcome: Outcome::Written,
            error: None,
            batch: None,
            verification: Vec::new(),
            completed: None,
            undo: UndoRecipe::NotPossible {
                reason: "x".to_owned(),
            },
        }
    }
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
        /// Fields the write changed whose old value was never known (passwords).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        not_restorable: Vec<String>,
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

/// Why a create is never reverted by roster.
const CREATE_NOT_REVERTED: &str =
    "a create is not reverted by roster; delete the user in the service";

impl UndoRecipe {
    /// The recipe for an edit of `record` (None for a create).
    pub fn for_edit(record: Option<&UserRecord>, edit: &Edit) -> Self {
        let Some(record) = record else {
            return Self::NotPossible {
                reason: CREATE_NOT_REVERTED.to_owned(),
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
                let mut not_restorable = Vec::new();
                for (field, _) in fields {
                    if crate::service::plan::is_secret_name(field) {
                        not_restorable.push(field.clone());
                        continue;
                    }
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
                if before.is_empty() {
                    return Self::NotPossible {
                        reason: format!(
                            "{} cannot be restored: the previous value of a secret is never known",
                            not_restorable.join(", ")
                        ),
                    };
                }
                Self::Fields {
                    fields: before,
                    not_restorable,
                }
            }
            Edit::Replace { .. } => Self::Replace {
                resource: record.raw.clone(),
            },
            Edit::Create { .. } => Self::NotPossible {
                reason: CREATE_NOT_REVERTED.to_owned(),
            },
        }
    }

    /// The edits that revert the entry, limited to `fields` (the parts that landed).
    pub fn edits_for(&self, fields: &[String]) -> Result<Vec<Edit>, String> {
        let wanted = |name: &str| fields.iter().any(|f| f == name);
        match self {
            Self::Attributes { attributes } => Ok(attributes
                .iter()
                .filter(|(name, _)| wanted(name))
                .map(|(name, own)| match own {
                    Some(values) => Edit::SetAttribute {
                        name: name.clone(),
                        values: values.clone(),
                    },
                    None => Edit::UnsetAttribute { name: name.clone() },
                })
                .collect()),
            Self::Fields { fields: before, .. } => {
                let kept: Vec<(String, String)> = before
                    .iter()
                    .filter(|(name, _)| wanted(name))
                    .cloned()
                    .collect();
                Ok(if kept.is_empty() {
                    Vec::new()
                } else {
                    vec![Edit::Update { fields: kept }]
                })
            }
            Self::Replace { resource } => Ok(vec![Edit::Replace {
                resource: resource.clone(),
            }]),
            Self::NotPossible { reason } => Err(reason.clone()),
        }
    }

    /// The fields among `landed` that an undo leaves as they are (their old value is unknown).
    pub fn not_restorable<'a>(&'a self, landed: &'a [String]) -> Vec<&'a str> {
        match self {
            Self::Fields { not_restorable, .. } => not_restorable
                .iter()
                .filter(|f| landed.contains(f))
                .map(String::as_str)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// True when the entry can be reverted at all.
    pub fn is_possible(&self) -> bool {
        !matches!(self, Self::NotPossible { .. })
    }
}

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
            groups: Vec::new(),
            raw: serde_json::json!({"first_name": "Ada"}),
        }
    }

    fn all(recipe: &UndoRecipe, fields: &[&str]) -> Result<Vec<Edit>, String> {
        let fields: Vec<String> = fields.iter().map(|f| (*f).to_owned()).collect();
        recipe.edits_for(&fields)
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
            all(&set, &["region"]).expect("undoable"),
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
            all(&new, &["team"]).expect("undoable"),
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
        assert!(!hidden.is_possible());
        let update = UndoRecipe::for_edit(
            Some(&record),
            &Edit::Update {
                fields: vec![("first_name".to_owned(), "Bo".to_owned())],
            },
        );
        assert_eq!(
            all(&update, &["first_name"]).expect("undoable"),
            [Edit::Update {
                fields: vec![("first_name".to_owned(), "Ada".to_owned())]
            }]
        );
    }

    #[test]
    fn a_partial_undo_reverts_only_the_fields_that_landed() {
        let recipe = UndoRecipe::Fields {
            fields: vec![
                ("first_name".to_owned(), "Ada".to_owned()),
                ("email".to_owned(), "ada@example.com".to_owned()),
            ],
            not_restorable: Vec::new(),
        };
        assert_eq!(
            all(&recipe, &["first_name"]).expect("undoable"),
            [Edit::Update {
                fields: vec![("first_name".to_owned(), "Ada".to_owned())]
            }]
        );
        assert!(all(&recipe, &[]).expect("undoable").is_empty());
    }

    #[test]
    fn a_password_is_never_restored_but_the_fields_beside_it_are() {
        let alone = UndoRecipe::for_edit(
            Some(&record()),
            &Edit::Update {
                fields: vec![("password".to_owned(), "x".to_owned())],
            },
        );
        assert!(!alone.is_possible());
        let beside = UndoRecipe::for_edit(
            Some(&record()),
            &Edit::Update {
                fields: vec![
                    ("first_name".to_owned(), "Bo".to_owned()),
                    ("password".to_owned(), "x".to_owned()),
                ],
            },
        );
        let landed = ["first_name".to_owned(), "password".to_owned()];
        assert_eq!(beside.not_restorable(&landed), ["password"]);
        assert_eq!(
            beside.edits_for(&landed).expect("undoable"),
            [Edit::Update {
                fields: vec![("first_name".to_owned(), "Ada".to_owned())]
            }]
        );
    }

    #[test]
    fn old_outcome_words_read_as_what_they_meant() {
        let read = |word: &str| serde_json::from_str::<Outcome>(&format!("\"{word}\""));
        assert_eq!(read("failed").ok(), Some(Outcome::Unknown));
        assert_eq!(read("not_sent").ok(), Some(Outcome::NotApplied));
        assert_eq!(read("written").ok(), Some(Outcome::Written));
        assert_eq!(read("pending").ok(), Some(Outcome::Pending));
    }
}
