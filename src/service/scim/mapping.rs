//! SCIM resources as domain records: every attribute under its SCIM path, with its schema as source.
//!
//! Attribute names are SCIM paths (`userName`, `name.givenName`,
//! `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`), so the same name
//! works in `roster set`/`update` and in a PATCH. Core attributes have the source `core`,
//! extension attributes their schema URN. `id`, `meta`, `groups` and `atlassianAccountId` are
//! locked with the reason. Multi-valued attributes show one value per element as
//! `jdoe@example.com (work, primary)`; [`parse_multi_value`] reads that form back. Attributes the
//! mapping does not know are shown too. Server text is kept exactly as sent, since values go back
//! into PATCH and PUT bodies; every printing and drawing path sanitises it. This module does no
//! I/O.

#![deny(clippy::arithmetic_side_effects)]

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::wire::{self, ATLASSIAN_EXTERNAL, ENTERPRISE_USER};
use crate::domain::attribute::AttributeMeta;
use crate::domain::group::source;
use crate::domain::{Attribute, Group, ServiceKind, UserRecord, UserSummary};
use crate::service::ServiceError;

/// The source of attributes of the core schema (and of unknown top-level attributes).
pub const CORE: &str = "core";

/// Core attributes always shown (unset when absent), in display order, with labels.
pub const CORE_ATTRIBUTES: &[(&str, &str)] = &[
    ("userName", "User name"),
    ("name.givenName", "Given name"),
    ("name.familyName", "Family name"),
    ("name.formatted", "Formatted name"),
    ("displayName", "Display name"),
    ("nickName", "Nickname"),
    ("title", "Title"),
    ("preferredLanguage", "Preferred language"),
    ("timezone", "Time zone"),
    ("active", "Active"),
    ("externalId", "External id"),
    ("emails", "Emails"),
    ("phoneNumbers", "Phone numbers"),
    ("department", "Department"),
    ("organization", "Organization"),
];

/// Core attributes that identify the user (not audited as attributes).
const IDENTITY_ATTRIBUTES: &[&str] = &[
    "id",
    "userName",
    "displayName",
    "active",
    "externalId",
    "emails",
];

/// Enterprise extension attributes always shown: (attribute within the extension, label).
pub const ENTERPRISE_ATTRIBUTES: &[(&str, &str)] = &[
    ("department", "Department (enterprise)"),
    ("organization", "Organization (enterprise)"),
];

/// Core attributes that hold several values.
pub const MULTI_VALUED: &[&str] = &["emails", "phoneNumbers", "groups"];

const ID_LOCK: &str = "read-only: the id is assigned by the service";
const META_LOCK: &str = "read-only: metadata is maintained by the service";
const GROUPS_LOCK: &str = "read-only: group membership is changed through /Groups";
const ACCOUNT_LOCK: &str = "read-only: the account id is assigned by Atlassian";
const SCHEMAS_LOCK: &str = "read-only: follows from the attributes sent";

/// The path of Atlassian's account id.
pub fn account_id_path() -> String {
    format!("{ATLASSIAN_EXTERNAL}:atlassianAccountId")
}

/// Why an attribute path cannot be written, when it cannot.
pub fn lock_reason(path: &str) -> Option<&'static str> {
    let lower = path.to_ascii_lowercase();
    let top = lower.split(['.', '[']).next().unwrap_or_default();
    if lower.starts_with(&ATLASSIAN_EXTERNAL.to_ascii_lowercase()) {
        return Some(ACCOUNT_LOCK);
    }
    match top {
        "id" => Some(ID_LOCK),
        "meta" => Some(META_LOCK),
        "groups" => Some(GROUPS_LOCK),
        "schemas" => Some(SCHEMAS_LOCK),
        _ => None,
    }
}

/// True when the attribute at `path` holds several values.
pub fn is_multi_valued(path: &str, resource: &Value) -> bool {
    MULTI_VALUED.iter().any(|m| m.eq_ignore_ascii_case(path))
        || lookup(resource, path).is_some_and(Value::is_array)
}

/// The JSON value at a simple path (`a`, `a.b`, `urn:...:a.b`), case-insensitively.
pub fn lookup<'a>(resource: &'a Value, path: &str) -> Option<&'a Value> {
    let (container, rest) = split_extension(resource, path);
    let mut current = container?;
    for part in rest.split('.') {
        current = get_ci(current.as_object()?, part)?;
    }
    Some(current)
}

/// Splits `urn:...:attr.sub` into the extension object and `attr.sub`; core paths stay whole.
pub fn split_extension<'a, 'p>(resource: &'a Value, path: &'p str) -> (Option<&'a Value>, &'p str) {
    if let Some((urn, rest)) = extension_prefix(resource, path) {
        let container = resource.as_object().and_then(|m| get_ci(m, urn));
        return (container, rest);
    }
    (Some(resource), path)
}

/// The extension URN a path starts with (known URNs, or any `urn:` key of the resource).
pub fn extension_prefix<'p>(resource: &Value, path: &'p str) -> Option<(&'p str, &'p str)> {
    if !path
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
    {
        return None;
    }
    let mut candidates: Vec<String> =
        vec![ENTERPRISE_USER.to_owned(), ATLASSIAN_EXTERNAL.to_owned()];
    if let Some(map) = resource.as_object() {
        candidates.extend(map.keys().filter(|k| k.starts_with("urn:")).cloned());
    }
    candidates.sort_by_key(|c| std::cmp::Reverse(c.len()));
    candidates.into_iter().find_map(|urn| {
        let head = path.get(..urn.len())?;
        let rest = path.get(urn.len()..)?;
        (head.eq_ignore_ascii_case(&urn) && rest.starts_with(':'))
            .then(|| (&path[..urn.len()], &rest[1..]))
    })
}

fn get_ci<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.get(key).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// The summary row of a resource.
pub fn summary(user: &wire::User) -> UserSummary {
    UserSummary {
        id: user.id.clone(),
        username: user.user_name.clone(),
        display_name: user.full_name(),
        email: user.primary_email(),
        active: user.active.unwrap_or(true),
    }
}

/// The full record of a resource; `raw` keeps the resource (with `meta.version` when known).
pub fn record(connection: &str, raw: Value) -> Result<UserRecord, ServiceError> {
    let user: wire::User =
        serde_json::from_value(raw.clone()).map_err(|e| ServiceError::Decode {
            url: String::new(),
            message: format!("the SCIM user does not have the expected shape: {e}"),
        })?;
    let summary = summary(&user);
    Ok(UserRecord {
        connection: connection.to_owned(),
        kind: ServiceKind::Scim,
        id: user.id,
        username: summary.username,
        display_name: summary.display_name,
        email: summary.email,
        active: summary.active,
        attributes: attributes(&raw),
        groups: groups(&raw),
        raw,
    })
}

/// The user's groups (`groups`, read-only on a user in Atlassian's API: membership changes through
/// `/Groups`): `value` is the group's id, `display` its name, and `type` `indirect` marks a
/// membership through another group. Items without a `value` are skipped.
pub fn groups(resource: &Value) -> Vec<Group> {
    let items = lookup(resource, "groups")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    items
        .iter()
        .filter_map(|item| {
            let group: wire::MultiValue = serde_json::from_value(item.clone()).ok()?;
            let id = group.value.filter(|v| !v.is_empty())?;
            Some(Group {
                name: group
                    .display
                    .filter(|d| !d.is_empty())
                    .unwrap_or_else(|| id.clone()),
                direct: !group
                    .kind
                    .is_some_and(|kind| kind.eq_ignore_ascii_case("indirect")),
                id,
                source: source::SCIM.to_owned(),
            })
        })
        .collect()
}

/// The `meta.version` (entity tag) of a resource, when the server gave one.
pub fn version(resource: &Value) -> Option<&str> {
    resource
        .get("meta")
        .and_then(|m| m.get("version"))
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
}

struct Leaf {
    source: String,
    values: Vec<String>,
    multi: bool,
}

/// Every attribute of a resource: known ones first (unset when absent), then the rest by name.
pub fn attributes(resource: &Value) -> Vec<Attribute> {
    let mut leaves = flatten(resource);
    let mut out = Vec::new();
    let mut take = |name: &str, label: &str, source: &str, out: &mut Vec<Attribute>| {
        let leaf = leaves.remove(name);
        let multi = leaf.as_ref().is_some_and(|l| l.multi) || MULTI_VALUED.contains(&name);
        let values = leaf.map(|l| l.values).unwrap_or_default();
        out.push(attribute(name, label, source, values, multi));
    };
    take("id", "Id", CORE, &mut out);
    for (name, label) in CORE_ATTRIBUTES {
        take(name, label, CORE, &mut out);
    }
    for (name, label) in ENTERPRISE_ATTRIBUTES {
        take(
            &format!("{ENTERPRISE_USER}:{name}"),
            label,
            ENTERPRISE_USER,
            &mut out,
        );
    }
    take(
        &account_id_path(),
        "Atlassian account id",
        ATLASSIAN_EXTERNAL,
        &mut out,
    );
    take("groups", "Groups", CORE, &mut out);
    let (meta, rest): (Vec<_>, Vec<_>) = leaves
        .into_iter()
        .partition(|(name, _)| name.starts_with("meta."));
    for (name, leaf) in meta.into_iter().chain(rest) {
        out.push(attribute(
            &name,
            &name,
            &leaf.source,
            leaf.values,
            leaf.multi,
        ));
    }
    out
}

fn attribute(name: &str, label: &str, source: &str, values: Vec<String>, multi: bool) -> Attribute {
    let mut attribute = Attribute::single(name, label, values, source);
    if attribute.values.is_empty() {
        attribute.candidates.clear();
    }
    attribute.meta = AttributeMeta {
        multi_valued: multi,
        system: name == "id" || name.starts_with("meta."),
        identity: IDENTITY_ATTRIBUTES.contains(&name)
            || name.starts_with("name.")
            || name.starts_with("meta."),
        ..AttributeMeta::default()
    };
    match lock_reason(name) {
        Some(reason) => attribute.locked_because(reason),
        None => attribute,
    }
}

fn flatten(resource: &Value) -> BTreeMap<String, Leaf> {
    let mut leaves = BTreeMap::new();
    let Some(map) = resource.as_object() else {
        return leaves;
    };
    for (key, value) in map {
        if key == "schemas" {
            continue;
        }
        match value {
            Value::Object(extension) if key.starts_with("urn:") => {
                for (sub, item) in extension {
                    walk(&format!("{key}:{sub}"), key, item, &mut leaves);
                }
            }
            _ => walk(key, CORE, value, &mut leaves),
        }
    }
    leaves
}

fn walk(path: &str, source: &str, value: &Value, leaves: &mut BTreeMap<String, Leaf>) {
    let leaf = |values: Vec<String>, multi: bool| Leaf {
        source: source.to_owned(),
        values,
        multi,
    };
    match value {
        Value::Object(map) => {
            for (sub, item) in map {
                walk(&format!("{path}.{sub}"), source, item, leaves);
            }
        }
        Value::Array(items) => {
            let values = items
                .iter()
                .map(|item| {
                    if path == "groups" {
                        group_text(item)
                    } else {
                        format_multi_value(item)
                    }
                })
                .collect();
            leaves.insert(path.to_owned(), leaf(values, true));
        }
        Value::Null => {
            leaves.insert(path.to_owned(), leaf(Vec::new(), false));
        }
        scalar => {
            leaves.insert(path.to_owned(), leaf(vec![scalar_text(scalar)], false));
        }
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn group_text(item: &Value) -> String {
    ["display", "value"]
        .iter()
        .find_map(|k| item.get(k).and_then(Value::as_str))
        .map_or_else(|| scalar_text(item), str::to_owned)
}

/// One element of a multi-valued attribute as text: `value (type, primary)`.
pub fn format_multi_value(item: &Value) -> String {
    let Some(map) = item.as_object() else {
        return scalar_text(item);
    };
    let Some(value) = map.get("value").filter(|v| !v.is_null()) else {
        return scalar_text(item);
    };
    let mut labels = Vec::new();
    if let Some(kind) = map.get("type").and_then(Value::as_str) {
        labels.push(kind.to_owned());
    }
    if map.get("primary").and_then(Value::as_bool) == Some(true) {
        labels.push("primary".to_owned());
    }
    let value = scalar_text(value);
    if labels.is_empty() {
        value
    } else {
        format!("{value} ({})", labels.join(", "))
    }
}

/// Reads `value (type, primary)` back into a multi-valued element.
pub fn parse_multi_value(text: &str) -> Value {
    let text = text.trim();
    let mut object = Map::new();
    let (value, labels) = match text.strip_suffix(')').and_then(|t| t.rsplit_once(" (")) {
        Some((value, labels)) => (value.trim(), Some(labels)),
        None => (text, None),
    };
    object.insert("value".to_owned(), Value::String(value.to_owned()));
    for label in labels.into_iter().flat_map(|l| l.split(',')).map(str::trim) {
        if label.eq_ignore_ascii_case("primary") {
            object.insert("primary".to_owned(), Value::Bool(true));
        } else if !label.is_empty() {
            object.insert("type".to_owned(), Value::String(label.to_owned()));
        }
    }
    Value::Object(object)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::scim::wire::tests::DOCUMENTED_LIST;

    fn documented_user() -> Value {
        let list: Value = serde_json::from_str(DOCUMENTED_LIST).expect("list");
        list["Resources"][0].clone()
    }

    #[test]
    fn the_documented_user_maps_to_paths_with_sources_and_locks() {
        let record = record("scim", documented_user()).expect("record");
        assert_eq!(record.username.as_deref(), Some("jdoe@example.com"));
        let get = |name: &str| record.attribute(name).expect(name);
        assert_eq!(get("name.givenName").values, ["Jane"]);
        assert_eq!(get("name.givenName").source, CORE);
        assert_eq!(get("emails").values, ["jdoe@example.com (work, primary)"]);
        assert!(get("emails").meta.multi_valued);
        assert!(get("phoneNumbers").values.is_empty() && get("phoneNumbers").meta.multi_valued);
        assert!(get("nickName").values.is_empty());
        let department = get(&format!("{ENTERPRISE_USER}:department"));
        assert_eq!(
            (department.values.as_slice(), department.source.as_str()),
            (&["R&D".to_owned()][..], ENTERPRISE_USER)
        );
        let account = get(&account_id_path());
        assert!(account.locked && account.source == ATLASSIAN_EXTERNAL);
        assert_eq!(get("groups").values, ["engineering"]);
        assert_eq!(get("groups").lock_reason.as_deref(), Some(GROUPS_LOCK));
        assert!(get("meta.created").locked && get("id").locked);
        assert!(!get("title").locked);
    }

    #[test]
    fn unknown_attributes_are_shown_with_their_schema() {
        let mut user = documented_user();
        user["urn:example:custom:1.0"] = serde_json::json!({"badge": "42", "tags": ["a", "b"]});
        user["x-vendor"] = serde_json::json!(true);
        let all = attributes(&user);
        let badge = all
            .iter()
            .find(|a| a.name == "urn:example:custom:1.0:badge")
            .expect("badge");
        assert_eq!(badge.source, "urn:example:custom:1.0");
        let tags = all
            .iter()
            .find(|a| a.name == "urn:example:custom:1.0:tags")
            .expect("tags");
        assert!(tags.meta.multi_valued && tags.values == ["a", "b"]);
        let vendor = all.iter().find(|a| a.name == "x-vendor").expect("vendor");
        assert_eq!(
            (vendor.source.as_str(), vendor.values.as_slice()),
            (CORE, &["true".to_owned()][..])
        );
    }

    #[test]
    fn multi_values_round_trip_through_text() {
        for text in [
            "a@x.com (work, primary)",
            "a@x.com",
            "+1 555 (mobile)",
            "b@y (primary)",
        ] {
            assert_eq!(format_multi_value(&parse_multi_value(text)), text);
        }
        assert_eq!(
            parse_multi_value("a@x.com (home)"),
            serde_json::json!({"value": "a@x.com", "type": "home"})
        );
    }

    #[test]
    fn paths_resolve_case_insensitively_and_through_extensions() {
        let user = documented_user();
        assert_eq!(
            lookup(&user, "NAME.givenname"),
            Some(&Value::String("Jane".into()))
        );
        let path = format!("{ENTERPRISE_USER}:organization");
        assert_eq!(
            lookup(&user, &path),
            Some(&Value::String("Example Ltd".into()))
        );
        assert!(lock_reason(&account_id_path()).is_some());
        assert!(lock_reason("meta.lastModified").is_some());
        assert!(lock_reason(&path).is_none());
    }

    #[test]
    fn server_text_is_kept_exact_for_writing_back() {
        let mut user = documented_user();
        user["title"] = Value::String("boss\u{1b}[2J\u{200b}".into());
        let record = record("scim", user).expect("record");
        assert_eq!(
            record.attribute("title").expect("title").values,
            ["boss\u{1b}[2J\u{200b}"]
        );
    }
}
