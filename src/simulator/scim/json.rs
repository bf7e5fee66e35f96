//! Rendering stored users and groups as SCIM resources, and the `attributes` /
//! `excludedAttributes` projection (RFC 7644 §3.4.2.5).
//!
//! A user is rendered with its schemas, id, writable attributes (`active` defaults to true),
//! its groups, the atlassian-external account id and `meta` with the real base URL (and
//! `version` when entity tags are on). Pure functions over the store's data.

use serde_json::{Map, Value, json};

use super::schema::ResourceKind;
use super::store::{ScimStore, Stored};
use crate::service::scim::wire::{ATLASSIAN_EXTERNAL, ENTERPRISE_USER};

/// The full resource as a client sees it.
pub fn render(store: &ScimStore, kind: ResourceKind, stored: &Stored, base: &str) -> Value {
    let mut out = Map::new();
    let mut schemas = vec![Value::String(kind.schema().id.to_owned())];
    out.insert("id".to_owned(), Value::String(stored.id.clone()));
    for (key, value) in &stored.body {
        out.insert(key.clone(), value.clone());
    }
    match kind {
        ResourceKind::User => {
            let groups: Vec<Value> = store
                .groups_of(&stored.id)
                .into_iter()
                .map(|(id, name)| {
                    json!({"value": id, "display": name, "type": "direct",
                           "$ref": format!("{base}/Groups/{id}")})
                })
                .collect();
            if !groups.is_empty() {
                out.insert("groups".to_owned(), Value::Array(groups));
            }
            if out.contains_key(ENTERPRISE_USER) {
                schemas.push(Value::String(ENTERPRISE_USER.to_owned()));
            }
            if let Some(account) = stored
                .account_id
                .as_ref()
                .filter(|_| store.account_extension)
            {
                out.insert(
                    ATLASSIAN_EXTERNAL.to_owned(),
                    json!({"atlassianAccountId": account}),
                );
                schemas.push(Value::String(ATLASSIAN_EXTERNAL.to_owned()));
            }
        }
        ResourceKind::Group => {
            if let Some(Value::Array(members)) = out.get_mut("members") {
                for member in members.iter_mut() {
                    let id = member
                        .get("value")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned();
                    if let (Some((member_kind, _)), Value::Object(object)) =
                        (store.member_display(&id), member)
                    {
                        object.insert("type".to_owned(), Value::String(member_kind.to_owned()));
                        let endpoint = if member_kind == "User" {
                            "Users"
                        } else {
                            "Groups"
                        };
                        object.insert(
                            "$ref".to_owned(),
                            Value::String(format!("{base}/{endpoint}/{id}")),
                        );
                    }
                }
            }
        }
    }
    let mut meta = json!({
        "resourceType": kind.name(),
        "created": stored.created,
        "lastModified": stored.modified,
        "location": format!("{base}/{}/{}", kind.endpoint(), stored.id),
    });
    if store.etag {
        meta["version"] = Value::String(stored.etag());
    }
    out.insert("meta".to_owned(), meta);
    let mut resource = Map::new();
    resource.insert("schemas".to_owned(), Value::Array(schemas));
    resource.extend(out);
    Value::Object(resource)
}

/// A parsed `attributes` entry: the top-level key and an optional sub-attribute.
#[derive(Debug, PartialEq)]
struct Selected {
    key: String,
    sub: Option<String>,
}

fn parse_list(kind: ResourceKind, text: &str) -> Vec<Selected> {
    text.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|path| {
            let lower = path.to_ascii_lowercase();
            let core = kind.schema().id.to_ascii_lowercase();
            if let Some(rest) = lower.strip_prefix(&core) {
                let rest = &path[path.len() - rest.len()..];
                return split_sub(rest.trim_start_matches(':'));
            }
            for extension in kind.extensions() {
                if lower.starts_with(&extension.id.to_ascii_lowercase()) {
                    let rest = path[extension.id.len()..].trim_start_matches(':');
                    return Selected {
                        key: extension.id.to_owned(),
                        sub: (!rest.is_empty()).then(|| rest.to_owned()),
                    };
                }
            }
            split_sub(path)
        })
        .collect()
}

fn split_sub(path: &str) -> Selected {
    match path.split_once('.') {
        Some((key, sub)) => Selected {
            key: key.to_owned(),
            sub: Some(sub.to_owned()),
        },
        None => Selected {
            key: path.to_owned(),
            sub: None,
        },
    }
}

fn find_key(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.keys().find(|k| k.eq_ignore_ascii_case(key)).cloned()
}

/// Keeps only `attributes` (plus `id` and `schemas`), or drops `excluded`.
pub fn project(
    kind: ResourceKind,
    resource: Value,
    attributes: Option<&str>,
    excluded: Option<&str>,
) -> Value {
    let Value::Object(mut map) = resource else {
        return resource;
    };
    if let Some(attributes) = attributes.filter(|a| !a.trim().is_empty()) {
        let mut out = Map::new();
        for always in ["schemas", "id"] {
            if let Some(value) = map.get(always) {
                out.insert(always.to_owned(), value.clone());
            }
        }
        for selected in parse_list(kind, attributes) {
            let Some(key) = find_key(&map, &selected.key) else {
                continue;
            };
            let value = &map[&key];
            let kept = match &selected.sub {
                None => Some(value.clone()),
                Some(sub) => keep_sub(value, sub, out.get(&key)),
            };
            if let Some(kept) = kept {
                out.insert(key, kept);
            }
        }
        return Value::Object(out);
    }
    if let Some(excluded) = excluded {
        for selected in parse_list(kind, excluded) {
            let Some(key) = find_key(&map, &selected.key) else {
                continue;
            };
            if key == "id" || key == "schemas" {
                continue;
            }
            match &selected.sub {
                None => {
                    map.remove(&key);
                }
                Some(sub) => {
                    if let Some(value) = map.get_mut(&key) {
                        drop_sub(value, sub);
                    }
                }
            }
        }
    }
    Value::Object(map)
}

fn keep_sub(value: &Value, sub: &str, already: Option<&Value>) -> Option<Value> {
    match value {
        Value::Object(object) => {
            let mut out = already
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let key = find_key(object, sub)?;
            out.insert(key.clone(), object[&key].clone());
            Some(Value::Object(out))
        }
        Value::Array(items) => Some(Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(index, item)| {
                    let previous = already.and_then(|a| a.get(index));
                    keep_sub(item, sub, previous).unwrap_or_else(|| json!({}))
                })
                .collect(),
        )),
        _ => None,
    }
}

fn drop_sub(value: &mut Value, sub: &str) {
    match value {
        Value::Object(object) => {
            if let Some(key) = find_key(object, sub) {
                object.remove(&key);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| drop_sub(item, sub)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::scim::wire::CORE_USER;

    #[test]
    fn projection_keeps_or_drops_paths_including_extensions() {
        let user = json!({"schemas": [CORE_USER], "id": "1", "userName": "a", "title": "T",
                          "emails": [{"value": "a@x", "type": "work"}],
                          ENTERPRISE_USER: {"department": "R&D", "organization": "O"}});
        let kept = project(
            ResourceKind::User,
            user.clone(),
            Some(&format!(
                "userName,emails.value,{ENTERPRISE_USER}:department"
            )),
            None,
        );
        assert_eq!(
            kept,
            json!({"schemas": [CORE_USER], "id": "1", "userName": "a",
                                "emails": [{"value": "a@x"}], ENTERPRISE_USER: {"department": "R&D"}})
        );
        let dropped = project(
            ResourceKind::User,
            user,
            None,
            Some(&format!(
                "title,id,emails.type,{CORE_USER}:userName,{ENTERPRISE_USER}"
            )),
        );
        assert_eq!(
            dropped,
            json!({"schemas": [CORE_USER], "id": "1", "emails": [{"value": "a@x"}]})
        );
    }
}
