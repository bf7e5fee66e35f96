//! From Looker's wire types to roster's domain: summaries, records and precedence chains.
//!
//! Looker's `source` wording is not documented beyond `"Default"` and `"No Value"`, so the place
//! of a value in the chain is read from its shape: a rank means a group, `Default` the default,
//! `No Value` nothing, anything else the user's own value. Hidden values are dropped here even if
//! a server sent them, so they cannot travel further.

#![deny(clippy::arithmetic_side_effects)]

use std::collections::BTreeMap;

use super::wire;
use crate::domain::attribute::AttributeMeta;
use crate::domain::group::source;
use crate::domain::precedence::{Unresolved, resolve};
use crate::domain::{Attribute, CandidateKind, Group, ServiceKind, UserRecord, UserSummary};

/// Looker's wording for an attribute with no value on the lookup path.
pub const NO_VALUE: &str = "No Value";

/// Why a system attribute cannot be set.
pub const SYSTEM_LOCK: &str = "system attribute, set from the account";
/// Why an attribute whose `can.set_value` is false cannot be set.
pub const CANNOT_SET_LOCK: &str =
    "Looker does not allow setting this value (can.set_value is false)";

/// The list row of a user.
pub fn summary(user: &wire::User) -> UserSummary {
    let email = user.login_email();
    UserSummary {
        id: user.id.clone(),
        username: email.clone(),
        display_name: user.full_name(),
        email,
        active: !user.is_disabled.unwrap_or(false),
    }
}

/// The place of a value in the chain, or None for Looker's "no value" marker.
pub fn candidate_kind(source: Option<&str>, rank: Option<i64>) -> Option<CandidateKind> {
    let source = source.unwrap_or_default().trim();
    if source.eq_ignore_ascii_case(NO_VALUE) {
        None
    } else if rank.is_some() || source.to_ascii_lowercase().starts_with("group") {
        Some(CandidateKind::Group)
    } else if source.eq_ignore_ascii_case("default") {
        Some(CandidateKind::Default)
    } else {
        Some(CandidateKind::User)
    }
}

/// The full record: identity fields plus every defined attribute with its chain.
pub fn record(
    connection: &str,
    user: &wire::User,
    raw: serde_json::Value,
    definitions: &[wire::UserAttribute],
    values: &[wire::UserAttributeWithValue],
) -> UserRecord {
    let summary = summary(user);
    let mut by_attribute: BTreeMap<&str, Vec<&wire::UserAttributeWithValue>> = BTreeMap::new();
    for value in values {
        by_attribute
            .entry(value.user_attribute_id.as_str())
            .or_default()
            .push(value);
    }
    let mut attributes: Vec<Attribute> = definitions
        .iter()
        .map(|definition| {
            attribute(
                definition,
                by_attribute
                    .get(definition.id.as_str())
                    .map_or(&[][..], Vec::as_slice),
            )
        })
        .collect();
    attributes.sort_by(|a, b| (!a.meta.system, &a.name).cmp(&(!b.meta.system, &b.name)));
    UserRecord {
        connection: connection.to_owned(),
        kind: ServiceKind::Looker,
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

fn attribute(
    definition: &wire::UserAttribute,
    values: &[&wire::UserAttributeWithValue],
) -> Attribute {
    let hidden = definition.value_is_hidden || values.iter().any(|v| v.value_is_hidden);
    let chain: Vec<Unresolved> = values
        .iter()
        .filter_map(|v| {
            let kind = candidate_kind(v.source.as_deref(), v.rank)?;
            let value = v.value.clone().filter(|_| !hidden);
            Some(Unresolved {
                kind,
                source: v.source.clone().unwrap_or_else(|| "User".to_owned()),
                rank: if kind == CandidateKind::Group {
                    v.rank
                } else {
                    None
                },
                values: value.into_iter().collect(),
            })
        })
        .collect();
    let candidates = resolve(chain);
    let can_set = values
        .iter()
        .all(|v| v.can.get("set_value").copied().unwrap_or(true));
    let user_can_edit = values
        .iter()
        .find_map(|v| v.user_can_edit)
        .unwrap_or(definition.user_can_edit);
    let lock_reason = if definition.is_system {
        Some(SYSTEM_LOCK)
    } else if !can_set {
        Some(CANNOT_SET_LOCK)
    } else {
        None
    };
    let (values, source, rank) = match candidates.first() {
        Some(winner) => (winner.values.clone(), winner.source.clone(), winner.rank),
        None => (Vec::new(), NO_VALUE.to_owned(), None),
    };
    Attribute {
        name: definition.name.clone(),
        label: definition
            .label
            .clone()
            .unwrap_or_else(|| definition.name.clone()),
        values,
        source,
        rank,
        hidden,
        locked: lock_reason.is_some(),
        lock_reason: lock_reason.map(str::to_owned),
        user_can_edit,
        candidates,
        meta: AttributeMeta {
            definition_id: Some(definition.id.clone()),
            value_type: definition.value_type.clone(),
            hidden_domain_allowlist: definition
                .hidden_value_domain_whitelist
                .clone()
                .filter(|_| hidden),
            system: definition.is_system,
            multi_valued: false,
            identity: false,
        },
    }
}

/// The user's groups (`User.group_ids`, in Looker's order) named from `names` (id → name); a
/// group missing there is called `group <id>`. Every one is direct: whether `group_ids` also
/// lists groups reached through groups in groups is UNCONFIRMED.
pub fn groups(group_ids: &[String], names: &BTreeMap<String, String>) -> Vec<Group> {
    group_ids
        .iter()
        .map(|id| {
            let name = names
                .get(id)
                .cloned()
                .unwrap_or_else(|| format!("group {id}"));
            Group::direct(&name, id, source::LOOKER)
        })
        .collect()
}

/// Checks a value against a Looker attribute type before it is sent.
pub fn check_value(value_type: Option<&str>, value: &str) -> Result<(), String> {
    let ok = match value_type.unwrap_or("string") {
        "number" => value.trim().parse::<f64>().is_ok_and(f64::is_finite),
        "yesno" => matches!(value, "yes" | "no"),
        "zipcode" => is_zipcode(value),
        "datetime" => is_datetime(value),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(match value_type.unwrap_or_default() {
            "number" => format!("{value:?} is not a number"),
            "yesno" => format!("{value:?} is not yes or no"),
            "zipcode" => format!("{value:?} is not a zip code (12345 or 12345-6789)"),
            _ => format!("{value:?} is not a date and time (YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS])"),
        })
    }
}

fn is_zipcode(value: &str) -> bool {
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    match value.split_once('-') {
        Some((five, four)) => digits(five, 5) && digits(four, 4),
        None => digits(value, 5),
    }
}

fn is_datetime(value: &str) -> bool {
    let (date, time) = match value.split_once([' ', 'T']) {
        Some((date, time)) => (date, Some(time)),
        None => (value, None),
    };
    let date_parts: Vec<&str> = date.split('-').collect();
    let numeric = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let date_ok = date_parts.len() == 3
        && numeric(date_parts[0], 4)
        && numeric(date_parts[1], 2)
        && numeric(date_parts[2], 2);
    let time_ok = time.is_none_or(|t| {
        let t = t.trim_end_matches('Z');
        let parts: Vec<&str> = t.split(':').collect();
        (2..=3).contains(&parts.len())
            && parts
                .iter()
                .all(|p| numeric(p.split('.').next().unwrap_or(""), 2))
    });
    date_ok && time_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_classified_by_shape() {
        assert_eq!(
            candidate_kind(Some("User"), None),
            Some(CandidateKind::User)
        );
        assert_eq!(
            candidate_kind(Some("Group: Sales"), Some(1)),
            Some(CandidateKind::Group)
        );
        assert_eq!(
            candidate_kind(Some("Sales"), Some(3)),
            Some(CandidateKind::Group)
        );
        assert_eq!(
            candidate_kind(Some("Default"), None),
            Some(CandidateKind::Default)
        );
        assert_eq!(candidate_kind(Some("No Value"), None), None);
    }

    #[test]
    fn values_are_checked_by_type() {
        assert!(check_value(Some("number"), "12.5").is_ok());
        assert!(check_value(Some("number"), "twelve").is_err());
        assert!(check_value(Some("yesno"), "yes").is_ok());
        assert!(check_value(Some("yesno"), "true").is_err());
        assert!(check_value(Some("zipcode"), "94103-1234").is_ok());
        assert!(check_value(Some("zipcode"), "9410").is_err());
        assert!(check_value(Some("datetime"), "2024-02-29 13:45").is_ok());
        assert!(check_value(Some("datetime"), "tomorrow").is_err());
        assert!(check_value(Some("string"), "anything").is_ok());
    }

    #[test]
    fn hidden_values_are_dropped_even_when_sent() {
        let definition: wire::UserAttribute = serde_json::from_value(serde_json::json!({
            "id": "9", "name": "db_password", "label": "DB", "type": "string",
            "value_is_hidden": true, "hidden_value_domain_whitelist": "https://*.example.com/*"
        }))
        .expect("definition");
        let leaked: wire::UserAttributeWithValue = serde_json::from_value(serde_json::json!({
            "user_attribute_id": "9", "value": "s3cret", "source": "User", "rank": null, "value_is_hidden": true
        }))
        .expect("value");
        let attribute = attribute(&definition, &[&leaked]);
        assert!(attribute.hidden && attribute.values.is_empty());
        assert!(attribute.candidates[0].values.is_empty());
        assert_eq!(attribute.source, "User");
    }
}
