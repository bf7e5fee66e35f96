//! Local edits of a SCIM resource, used to predict what a write will leave and to show the diff.
//!
//! A plan applies its own operations to a copy of the current resource with these functions, then
//! compares the domain attributes before and after; that comparison is the preview. Only plain
//! paths (`a`, `a.b`, `urn:...:a`) are handled, which is all roster sends. Pure functions, no I/O.

use serde_json::{Map, Value};

use super::mapping::{self, extension_prefix};
use super::wire::{ATLASSIAN_EXTERNAL, CORE_USER};
use crate::domain::FieldChange;

/// Sets the value at a plain path, creating the objects on the way.
pub fn set_path(resource: &mut Value, path: &str, value: Value) {
    let (container, rest) = container_mut(resource, path, true);
    let Some(mut current) = container else {
        return;
    };
    let parts: Vec<&str> = rest.split('.').collect();
    for part in &parts[..parts.len() - 1] {
        let Some(map) = current.as_object_mut() else {
            return;
        };
        let key = existing_key(map, part).unwrap_or_else(|| (*part).to_owned());
        let entry = map.entry(key).or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        current = entry;
    }
    if let (Some(map), Some(last)) = (current.as_object_mut(), parts.last()) {
        let key = existing_key(map, last).unwrap_or_else(|| (*last).to_owned());
        map.insert(key, value);
    }
}

/// Removes the value at a plain path; a missing path changes nothing.
pub fn remove_path(resource: &mut Value, path: &str) {
    let (container, rest) = container_mut(resource, path, false);
    let Some(mut current) = container else {
        return;
    };
    let parts: Vec<&str> = rest.split('.').collect();
    for part in &parts[..parts.len() - 1] {
        let Some(next) = current
            .as_object_mut()
            .and_then(|map| existing_key(map, part).and_then(|k| map.get_mut(&k)))
        else {
            return;
        };
        current = next;
    }
    if let (Some(map), Some(last)) = (current.as_object_mut(), parts.last())
        && let Some(key) = existing_key(map, last)
    {
        map.remove(&key);
    }
}

fn container_mut<'a, 'p>(
    resource: &'a mut Value,
    path: &'p str,
    create: bool,
) -> (Option<&'a mut Value>, &'p str) {
    let Some((urn, rest)) = extension_prefix(resource, path) else {
        return (Some(resource), path);
    };
    let Some(map) = resource.as_object_mut() else {
        return (None, rest);
    };
    let key = existing_key(map, urn);
    let key = match (key, create) {
        (Some(key), _) => key,
        (None, true) => {
            map.insert(urn.to_owned(), Value::Object(Map::new()));
            urn.to_owned()
        }
        (None, false) => return (None, rest),
    };
    (map.get_mut(&key), rest)
}

fn existing_key(map: &Map<String, Value>, key: &str) -> Option<String> {
    if map.contains_key(key) {
        return Some(key.to_owned());
    }
    map.keys().find(|k| k.eq_ignore_ascii_case(key)).cloned()
}

/// Lists `schemas` with the core User schema and exactly the extension objects the body carries.
pub fn ensure_schemas(body: &mut Value) {
    let Some(map) = body.as_object_mut() else {
        return;
    };
    let mut schemas: Vec<String> = map
        .get("schemas")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    // Extensions listed without their object are dropped: the body does not use them.
    schemas.retain(|urn| {
        urn.eq_ignore_ascii_case(CORE_USER)
            || existing_key(map, urn).is_some_and(|k| map[&k].is_object())
    });
    let mut wanted = vec![CORE_USER.to_owned()];
    wanted.extend(
        map.iter()
            .filter(|(k, v)| k.starts_with("urn:") && v.is_object())
            .map(|(k, _)| k.clone()),
    );
    for urn in wanted {
        if !schemas.iter().any(|s| s.eq_ignore_ascii_case(&urn)) {
            schemas.push(urn);
        }
    }
    map.remove("schemas");
    let rest = std::mem::take(map);
    map.insert(
        "schemas".to_owned(),
        Value::Array(schemas.into_iter().map(Value::String).collect()),
    );
    map.extend(rest);
}

/// Drops what a client must not write: `meta`, `groups` and Atlassian's account id (and `id`
/// when `keep_id` is false). Returns the names dropped.
pub fn strip_read_only(body: &mut Value, keep_id: bool) -> Vec<String> {
    let mut dropped = Vec::new();
    let Some(map) = body.as_object_mut() else {
        return dropped;
    };
    let mut names = vec!["meta", "groups"];
    if !keep_id {
        names.push("id");
    }
    for name in names {
        if let Some(key) = existing_key(map, name) {
            map.remove(&key);
            dropped.push(name.to_owned());
        }
    }
    if let Some(key) = existing_key(map, ATLASSIAN_EXTERNAL) {
        let now_empty = map
            .get_mut(&key)
            .and_then(Value::as_object_mut)
            .map(|ext| {
                if let Some(id) = existing_key(ext, "atlassianAccountId") {
                    ext.remove(&id);
                    dropped.push(mapping::account_id_path());
                }
                ext.is_empty()
            })
            .unwrap_or(false);
        if now_empty {
            map.remove(&key);
            if let Some(Value::Array(schemas)) = map.get_mut("schemas") {
                schemas.retain(|s| s.as_str() != Some(ATLASSIAN_EXTERNAL));
            }
        }
    }
    dropped
}

/// The field-by-field difference of the writable attributes of two resources.
///
/// Locked attributes are skipped (the server ignores them); an attribute that loses every value
/// gets `cleared_note`.
pub fn diff(before: &Value, after: &Value, cleared_note: &str) -> Vec<FieldChange> {
    let writable = |resource: &Value| {
        mapping::attributes(resource)
            .into_iter()
            .filter(|a| !a.locked)
            .map(|a| (a.name, a.values))
            .collect::<Vec<_>>()
    };
    let old = writable(before);
    let new = writable(after);
    let shown = |values: &[String]| (!values.is_empty()).then(|| values.join(", "));
    let mut changes = Vec::new();
    for (name, old_values) in &old {
        let new_values = new
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
            .unwrap_or_default();
        if old_values.as_slice() != new_values {
            changes.push(FieldChange {
                field: name.clone(),
                before: shown(old_values),
                after: shown(new_values),
                note: (new_values.is_empty()).then(|| cleared_note.to_owned()),
            });
        }
    }
    for (name, new_values) in &new {
        if !new_values.is_empty() && !old.iter().any(|(n, _)| n == name) {
            changes.push(FieldChange {
                field: name.clone(),
                before: None,
                after: shown(new_values),
                note: None,
            });
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::scim::wire::ENTERPRISE_USER;
    use serde_json::json;

    #[test]
    fn paths_are_set_and_removed_through_extensions() {
        let mut user = json!({"userName": "a", "name": {"givenName": "A"}});
        set_path(&mut user, "name.familyName", json!("B"));
        set_path(
            &mut user,
            &format!("{ENTERPRISE_USER}:department"),
            json!("R&D"),
        );
        set_path(&mut user, "DisplayName", json!("A B"));
        assert_eq!(
            user,
            json!({"userName": "a", "name": {"givenName": "A", "familyName": "B"},
                   ENTERPRISE_USER: {"department": "R&D"}, "DisplayName": "A B"})
        );
        remove_path(&mut user, "NAME.givenName");
        remove_path(&mut user, &format!("{ENTERPRISE_USER}:department"));
        remove_path(&mut user, "missing.path");
        assert_eq!(user["name"], json!({"familyName": "B"}));
        assert_eq!(user[ENTERPRISE_USER], json!({}));
    }

    #[test]
    fn read_only_parts_are_stripped_and_schemas_completed() {
        let mut body = json!({
            "id": "1", "userName": "a", "meta": {"created": "x"}, "groups": [],
            ATLASSIAN_EXTERNAL: {"atlassianAccountId": "acc"},
            ENTERPRISE_USER: {"department": "R&D"},
            "schemas": [ATLASSIAN_EXTERNAL]
        });
        let dropped = strip_read_only(&mut body, true);
        assert_eq!(dropped, ["meta", "groups", &mapping::account_id_path()]);
        ensure_schemas(&mut body);
        assert_eq!(body["schemas"], json!([CORE_USER, ENTERPRISE_USER]));
        assert_eq!(body["id"], "1");
    }

    #[test]
    fn diff_names_cleared_changed_and_added_attributes() {
        let before = json!({"id": "1", "userName": "a", "title": "T", "nickName": "n",
                            "meta": {"created": "x"}});
        let after = json!({"id": "1", "userName": "a", "title": "U", "displayName": "D"});
        let changes = diff(&before, &after, "cleared by replace");
        let lines: Vec<_> = changes
            .iter()
            .map(|c| {
                (
                    c.field.as_str(),
                    c.before.as_deref(),
                    c.after.as_deref(),
                    c.note.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            lines,
            [
                ("displayName", None, Some("D"), None),
                ("nickName", Some("n"), None, Some("cleared by replace")),
                ("title", Some("T"), Some("U"), None),
            ]
        );
    }
}
