//! From Crowd's wire types to roster's domain: summaries and records.
//!
//! A record holds the user fields (name, key, names, email, active, directory) followed by every
//! attribute with all its values, Crowd-managed attributes first. Crowd has no precedence: every
//! value's source is `"user"`. Fields and attributes the API will not change are locked with a
//! reason. Server text is kept exactly as sent, since names and values go back into requests;
//! every printing and drawing path sanitises it (`text::sanitize`), as for the other services.

#![deny(clippy::arithmetic_side_effects)]

use super::groups::UserGroup;
use super::wire;
use crate::domain::group::source;
use crate::domain::{Attribute, Group, ServiceKind, UserRecord, UserSummary};

/// The source of every Crowd value.
pub const SOURCE: &str = "user";

/// Attributes Crowd maintains itself (password and login bookkeeping). Names after the first two
/// are seen on real servers but not documented.
pub const SYSTEM_ATTRIBUTES: &[&str] = &[
    "requiresPasswordChange",
    "invalidPasswordAttempts",
    "passwordLastChanged",
    "lastAuthenticated",
    "lastActive",
    "autoGroupsAdded",
];

/// Why a Crowd-managed attribute is locked.
pub const SYSTEM_LOCK: &str = "managed by Crowd: it records password and login state";
/// Why the username is locked.
pub const NAME_LOCK: &str = "the username changes only through a rename, not an update";
/// Why the key is locked.
pub const KEY_LOCK: &str = "the key is assigned by Crowd and never changes";
/// Why the directory is locked.
pub const DIRECTORY_LOCK: &str = "the directory holding the user is set by Crowd";

/// The user fields `roster update` may change, with their labels.
pub const UPDATABLE_FIELDS: &[(&str, &str)] = &[
    ("first-name", "First name"),
    ("last-name", "Last name"),
    ("display-name", "Display name"),
    ("email", "Email"),
    ("active", "Active"),
];

/// Every name a record uses for a user field (never for a custom attribute).
pub const FIELD_NAMES: &[&str] = &[
    "name",
    "key",
    "first-name",
    "last-name",
    "display-name",
    "email",
    "active",
    "directory",
];

/// True for attributes Crowd maintains itself.
pub fn is_system_attribute(name: &str) -> bool {
    SYSTEM_ATTRIBUTES.contains(&name)
}

fn clean(text: &Option<String>) -> Option<String> {
    text.clone().filter(|t| !t.is_empty())
}

/// The list row of a user; the id is the username.
pub fn summary(user: &wire::User) -> UserSummary {
    let name = user.name.clone();
    let display_name = clean(&user.display_name).or_else(|| {
        let joined = [clean(&user.first_name), clean(&user.last_name)]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        (!joined.is_empty()).then_some(joined)
    });
    UserSummary {
        id: name.clone(),
        username: Some(name),
        display_name,
        email: clean(&user.email),
        active: user.active.unwrap_or(false),
    }
}

/// The full record: the user fields, then Crowd-managed attributes, then custom attributes.
///
/// The raw JSON keeps everything but `password`, which holds only a link: nothing may mistake it
/// for a value to restore or send back.
pub fn record(connection: &str, user: &wire::User, mut raw: serde_json::Value) -> UserRecord {
    if let Some(map) = raw.as_object_mut() {
        map.remove("password");
    }
    let summary = summary(user);
    let one = |value: Option<String>| value.into_iter().collect::<Vec<_>>();
    let directory = clean(&user.directory_name).or_else(|| {
        user.directory_id.as_ref().map(|id| match id {
            serde_json::Value::String(text) => text.clone(),
            other => other.to_string(),
        })
    });
    let identity = [
        Attribute::single("name", "Username", one(Some(summary.id.clone())), SOURCE)
            .locked_because(NAME_LOCK),
        Attribute::single("key", "Key", one(clean(&user.key)), SOURCE).locked_because(KEY_LOCK),
        Attribute::single(
            "first-name",
            "First name",
            one(clean(&user.first_name)),
            SOURCE,
        ),
        Attribute::single(
            "last-name",
            "Last name",
            one(clean(&user.last_name)),
            SOURCE,
        ),
        Attribute::single(
            "display-name",
            "Display name",
            one(clean(&user.display_name)),
            SOURCE,
        ),
        Attribute::single("email", "Email", one(clean(&user.email)), SOURCE),
        Attribute::single(
            "active",
            "Active",
            one(user.active.map(|a| a.to_string())),
            SOURCE,
        ),
        Attribute::single("directory", "Directory", one(directory), SOURCE)
            .locked_because(DIRECTORY_LOCK),
    ];
    let mut attributes: Vec<Attribute> = identity
        .into_iter()
        .map(Attribute::identity_field)
        .collect();
    let mut custom: Vec<Attribute> = user
        .attributes
        .as_ref()
        .map(|list| list.attributes.iter().map(attribute).collect())
        .unwrap_or_default();
    custom.sort_by(|a, b| (!a.meta.system, &a.name).cmp(&(!b.meta.system, &b.name)));
    attributes.extend(custom);
    UserRecord {
        connection: connection.to_owned(),
        kind: ServiceKind::Crowd,
        id: summary.id,
        username: summary.username,
        display_name: summary.display_name,
        email: summary.email,
        active: summary.active,
        attributes,
        groups: Vec::new(),
        raw,
    }
}

/// A user's Crowd groups (direct and nested, as [`Client::user_groups`] reads them); Crowd names
/// groups by name, so the name is also the id.
///
/// [`Client::user_groups`]: super::client::Client::user_groups
pub fn groups(groups: Vec<UserGroup>) -> Vec<Group> {
    groups
        .into_iter()
        .map(|group| Group {
            id: group.name.clone(),
            name: group.name,
            direct: group.direct,
            source: source::CROWD.to_owned(),
        })
        .collect()
}

/// One multi-valued attribute; Crowd-managed ones are system attributes and locked.
pub fn attribute(wire: &wire::Attribute) -> Attribute {
    let name = wire.name.clone();
    let values = wire.values.clone();
    let mut attribute = Attribute::single(&name, &name, values, SOURCE);
    attribute.meta.multi_valued = true;
    if is_system_attribute(&name) {
        attribute.meta.system = true;
        attribute = attribute.locked_because(SYSTEM_LOCK);
    }
    attribute
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::{FindingKind, audit_record};

    fn user(active: bool) -> wire::User {
        serde_json::from_value(serde_json::json!({
            "name": "jdoe", "first-name": "Jane", "last-name": "Doe", "email": "jdoe@example.com",
            "active": active, "key": "32769:abc", "directory-id": 32769,
            "attributes": {"attributes": [
                {"name": "skills", "values": ["sql", "rust"]},
                {"name": "invalidPasswordAttempts", "values": ["0"]},
                {"name": "department", "values": ["R&D\u{1b}[2J"]}
            ]}
        }))
        .expect("user")
    }

    #[test]
    fn records_hold_fields_then_system_then_custom_attributes() {
        let record = record("corp", &user(true), serde_json::Value::Null);
        let names: Vec<&str> = record.attributes.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "name",
                "key",
                "first-name",
                "last-name",
                "display-name",
                "email",
                "active",
                "directory",
                "invalidPasswordAttempts",
                "department",
                "skills"
            ]
        );
        assert_eq!(record.display_name.as_deref(), Some("Jane Doe"));
        let skills = record.attribute("skills").expect("skills");
        assert_eq!(skills.values, ["sql", "rust"]);
        assert!(skills.meta.multi_valued && !skills.locked);
        assert_eq!(skills.source, "user");
        let system = record.attribute("invalidPasswordAttempts").expect("system");
        assert!(system.meta.system && system.locked);
        assert_eq!(system.lock_reason.as_deref(), Some(SYSTEM_LOCK));
        assert!(record.attribute("name").expect("name").locked);
        assert!(record.attribute("key").expect("key").locked);
        assert_eq!(
            record.attribute("directory").expect("dir").values,
            ["32769"]
        );
        assert_eq!(
            record.attribute("department").expect("dept").values,
            ["R&D\u{1b}[2J"],
            "kept exact for writing back; printing and drawing sanitise it"
        );
    }

    #[test]
    fn audit_flags_system_attributes_and_inactive_users_with_values() {
        let findings = audit_record(&record("corp", &user(false), serde_json::Value::Null));
        let found = |attribute: &str, kind| {
            findings
                .iter()
                .any(|f| f.attribute == attribute && f.finding == kind)
        };
        assert!(found("invalidPasswordAttempts", FindingKind::Locked));
        assert!(found("skills", FindingKind::InactiveWithValues));
        assert!(!found(
            "invalidPasswordAttempts",
            FindingKind::InactiveWithValues
        ));
    }
}
