//! Users as every service shows them: a compact summary for lists and a full record for detail.

use serde::{Deserialize, Serialize};

use super::attribute::Attribute;
use super::group::Group;

/// Which of the three identity services a connection speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceKind {
    /// Atlassian Crowd, REST `usermanagement/1`.
    Crowd,
    /// Atlassian Cloud user provisioning, SCIM 2.0.
    Scim,
    /// Looker API 4.0.
    Looker,
}

impl ServiceKind {
    /// The lower-case name used in the config file and in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Crowd => "crowd",
            Self::Scim => "scim",
            Self::Looker => "looker",
        }
    }
}

impl std::fmt::Display for ServiceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of a user list: enough to show a table and to open the full record.
///
/// The JSON form is the stable `roster users --format json` shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    /// The service's own id (Looker numeric id, SCIM id, Crowd username).
    pub id: String,
    /// The login name (Looker: the email credential, SCIM `userName`, Crowd `name`).
    pub username: Option<String>,
    /// The name people read.
    pub display_name: Option<String>,
    /// The primary email address.
    pub email: Option<String>,
    /// False for disabled or inactive accounts.
    pub active: bool,
}

/// The full record of one user: identity fields plus every attribute with its source chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserRecord {
    /// The connection name from the config.
    pub connection: String,
    /// The service this record came from.
    pub kind: ServiceKind,
    /// The service's own id.
    pub id: String,
    /// See [`UserSummary::username`].
    pub username: Option<String>,
    /// See [`UserSummary::display_name`].
    pub display_name: Option<String>,
    /// See [`UserSummary::email`].
    pub email: Option<String>,
    /// See [`UserSummary::active`].
    pub active: bool,
    /// Every attribute, in a stable order (service fields first, then custom ones by name).
    pub attributes: Vec<Attribute>,
    /// The groups the user belongs to in this service (Looker groups, Crowd direct and nested
    /// groups, SCIM groups), in the service's order.
    pub groups: Vec<Group>,
    /// The service's own JSON for the user, with hidden values removed; a replace starts from it.
    #[serde(skip)]
    pub raw: serde_json::Value,
}

impl UserRecord {
    /// The summary row for this record.
    pub fn summary(&self) -> UserSummary {
        UserSummary {
            id: self.id.clone(),
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            email: self.email.clone(),
            active: self.active,
        }
    }

    /// The user as messages name them: the username, else `user <id>`.
    pub fn label(&self) -> String {
        self.username
            .clone()
            .unwrap_or_else(|| format!("user {}", self.id))
    }

    /// The attribute with this exact name, if the record has it.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
}
