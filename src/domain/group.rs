//! The groups a user belongs to, in the same shape for every service.
//!
//! Groups are where values and access come from (Looker group values, Crowd's nested groups,
//! groups an identity provider pushes over SCIM), so the detail and `roster show` list them beside
//! the attributes. This module only describes memberships; it reads nothing and changes nothing.

use serde::Serialize;

/// Where a membership is managed, in the `source` of a [`Group`].
pub mod source {
    /// A Looker group (`User.group_ids`).
    pub const LOOKER: &str = "looker";
    /// A Crowd group, direct or reached through nested groups.
    pub const CROWD: &str = "crowd";
    /// A SCIM group: pushed by the identity provider and read-only on the user in Atlassian's
    /// API (membership changes through `/Groups`).
    pub const SCIM: &str = "scim";
}

/// One group a user belongs to.
///
/// Serialised in `roster show --format json` as `{"name", "id", "direct", "source"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    /// The group's name as people read it.
    pub name: String,
    /// The service's id for the group: Looker's numeric id, the SCIM id; Crowd names groups by
    /// name, so there the name.
    pub id: String,
    /// True when the user is a member itself; false when the membership only comes through
    /// another group (Crowd nested groups, SCIM `indirect`).
    pub direct: bool,
    /// Where the membership is managed: one of [`source`]'s values.
    pub source: String,
}

impl Group {
    /// A direct membership of the group `id` named `name`, managed in `source`.
    pub fn direct(name: &str, id: &str, source: &str) -> Self {
        Self {
            name: name.to_owned(),
            id: id.to_owned(),
            direct: true,
            source: source.to_owned(),
        }
    }
}
