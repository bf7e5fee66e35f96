//! Edits a user asks for, and the field-by-field changes a preview shows before anything is sent.

use serde::{Deserialize, Serialize};

/// A change to one user (or a new user), in service-neutral terms. Serialized in a bulk edit's
/// plan file, so that a stopped batch can be resumed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Edit {
    /// Set an attribute to these values (several values only where the service allows it).
    SetAttribute {
        /// The attribute's service name.
        name: String,
        /// The new values.
        values: Vec<String>,
    },
    /// Remove the user's own value; Looker then falls back to a group value or the default.
    UnsetAttribute {
        /// The attribute's service name.
        name: String,
    },
    /// Change user fields (`first_name`, `display-name`, `displayName`, ...).
    Update {
        /// Field name and new value, in the order given.
        fields: Vec<(String, String)>,
    },
    /// Replace the whole resource (SCIM `PUT`): what the body leaves out is cleared.
    Replace {
        /// The full new resource in the service's own JSON.
        resource: serde_json::Value,
    },
    /// Create a user from the service's own JSON.
    Create {
        /// The new resource.
        resource: serde_json::Value,
    },
}

impl Edit {
    /// A short verb for messages and the journal.
    pub fn verb(&self) -> &'static str {
        match self {
            Self::SetAttribute { .. } => "set",
            Self::UnsetAttribute { .. } => "unset",
            Self::Update { .. } => "update",
            Self::Replace { .. } => "replace",
            Self::Create { .. } => "create",
        }
    }
}

/// One line of a preview: a field, its value now, and its value after the write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The field or attribute name.
    pub field: String,
    /// The current value (None when unset; a mask when hidden).
    pub before: Option<String>,
    /// The value after the write (None when cleared or removed).
    pub after: Option<String>,
    /// Why the value changes this way, e.g. "falls back to Group: Sales (rank 1)".
    pub note: Option<String>,
}
