//! PATCH operations (RFC 7644 §3.5.2) applied to a stored resource.
//!
//! Paths: `attr`, `attr.sub`, `attr[filter]`, `attr[filter].sub`, each optionally prefixed by a
//! schema URN (`urn:...:enterprise:2.0:User:department`), and a bare extension URN. Filters are
//! `sub eq value` joined by `and`. `add`, `replace` and `remove` follow the RFC, with the
//! leniencies real clients need: a path-less value object whose keys may themselves be paths
//! (Azure AD), an `add` with a value filter that matches nothing creates the element, and a
//! `remove` of `members` with a value list removes those members. The result is checked by the
//! store afterwards. Pure functions over JSON.

use serde_json::{Map, Value};

use super::check::Fault;
use super::schema::{Attr, Mutability, ResourceKind, Type};
use crate::service::scim::wire::PatchOperation;

/// A parsed attribute path.
#[derive(Debug, Clone)]
pub struct Path {
    /// The extension holding the attribute; None for the core schema.
    pub extension: Option<&'static str>,
    /// The attribute, or None for a whole extension.
    pub attr: Option<&'static Attr>,
    /// A value filter on a multi-valued attribute.
    pub filter: Vec<(String, Value)>,
    /// A sub-attribute.
    pub sub: Option<&'static Attr>,
}

/// Parses a path for a resource kind; unknown attributes are `invalidPath`.
pub fn parse_path(kind: ResourceKind, text: &str) -> Result<Path, Fault> {
    let invalid = |why: &str| Fault::new(400, "invalidPath", format!("path `{text}`: {why}"));
    let mut schema = kind.schema();
    let mut extension = None;
    let mut rest = text.trim();
    let lower = rest.to_ascii_lowercase();
    if lower.starts_with("urn:") {
        let candidates = std::iter::once(kind.schema()).chain(kind.extensions());
        let Some(found) = candidates
            .filter(|s| lower.starts_with(&s.id.to_ascii_lowercase()))
            .max_by_key(|s| s.id.len())
        else {
            return Err(invalid("unknown schema"));
        };
        rest = &rest[found.id.len()..];
        if found.id != kind.schema().id {
            extension = Some(found.id);
            schema = found;
        }
        if rest.is_empty() {
            if extension.is_none() {
                return Err(invalid("a path names an attribute"));
            }
            return Ok(Path {
                extension,
                attr: None,
                filter: Vec::new(),
                sub: None,
            });
        }
        rest = rest
            .strip_prefix(':')
            .ok_or_else(|| invalid("expected `:` after the schema"))?;
    }
    let name_end = rest.find(['[', '.']).unwrap_or(rest.len());
    let attr = if extension.is_none() && rest[..name_end].eq_ignore_ascii_case("externalId") {
        &EXTERNAL_ID
    } else {
        schema
            .attr(&rest[..name_end])
            .ok_or_else(|| invalid("unknown attribute"))?
    };
    rest = &rest[name_end..];
    let mut filter = Vec::new();
    if let Some(after) = rest.strip_prefix('[') {
        let close = after.find(']').ok_or_else(|| invalid("unclosed `[`"))?;
        if !attr.multi {
            return Err(invalid("a filter needs a multi-valued attribute"));
        }
        filter = parse_filter(attr, &after[..close])
            .map_err(|why| Fault::new(400, "invalidFilter", format!("path `{text}`: {why}")))?;
        rest = &after[close + 1..];
    }
    let sub = match rest.strip_prefix('.') {
        Some(name) => Some(
            attr.sub_attr(name)
                .ok_or_else(|| invalid("unknown sub-attribute"))?,
        ),
        None if rest.is_empty() => None,
        None => return Err(invalid("unexpected text after the attribute")),
    };
    Ok(Path {
        extension,
        attr: Some(attr),
        filter,
        sub,
    })
}

/// `externalId` is a common attribute, outside every schema.
const EXTERNAL_ID: Attr = Attr {
    name: "externalId",
    kind: Type::String,
    multi: false,
    required: false,
    mutability: Mutability::ReadWrite,
    case_exact: true,
    unique: false,
    sub: &[],
    canonical: &[],
    references: &[],
    description: "The provisioning client's id.",
};

/// `sub eq value [and sub eq value]...`, values as JSON literals.
fn parse_filter(attr: &Attr, text: &str) -> Result<Vec<(String, Value)>, String> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    loop {
        let (name, after) = rest
            .split_once(' ')
            .ok_or("expected `attribute eq value`")?;
        let (op, after) = after
            .trim_start()
            .split_once(' ')
            .ok_or("expected an operator and a value")?;
        if !op.eq_ignore_ascii_case("eq") {
            return Err(format!("operator `{op}` is not supported (only eq)"));
        }
        let sub = attr
            .sub_attr(name)
            .ok_or_else(|| format!("unknown sub-attribute `{name}`"))?;
        let after = after.trim_start();
        let (literal, remainder) = split_literal(after)?;
        let value: Value =
            serde_json::from_str(literal).map_err(|_| format!("`{literal}` is not a value"))?;
        out.push((sub.name.to_owned(), value));
        let remainder = remainder.trim_start();
        if remainder.is_empty() {
            return Ok(out);
        }
        let next = remainder
            .get(..4)
            .filter(|w| w.eq_ignore_ascii_case("and "))
            .ok_or("only `and` may join filter expressions")?;
        rest = remainder[next.len()..].trim_start();
    }
}

fn split_literal(text: &str) -> Result<(&str, &str), String> {
    if let Some(body) = text.strip_prefix('"') {
        let mut escaped = false;
        for (index, c) in body.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => return Ok((&text[..index + 2], &body[index + 1..])),
                _ => escaped = false,
            }
        }
        return Err("unterminated string".to_owned());
    }
    let end = text.find(' ').unwrap_or(text.len());
    Ok((&text[..end], &text[end..]))
}

fn matches(item: &Value, filter: &[(String, Value)]) -> bool {
    filter.iter().all(|(name, wanted)| {
        let actual = item
            .as_object()
            .and_then(|m| m.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
            .map(|(_, v)| v);
        match (actual, wanted) {
            (Some(Value::String(a)), Value::String(b)) => a.eq_ignore_ascii_case(b),
            (Some(a), b) => a == b,
            (None, _) => false,
        }
    })
}

/// Applies one operation to a stored body.
pub fn apply(
    kind: ResourceKind,
    body: &mut Map<String, Value>,
    operation: &PatchOperation,
) -> Result<(), Fault> {
    let op = operation.op.to_ascii_lowercase();
    if !matches!(op.as_str(), "add" | "replace" | "remove") {
        return Err(Fault::syntax(format!("unknown op `{}`", operation.op)));
    }
    let Some(path) = operation.path.as_deref().filter(|p| !p.trim().is_empty()) else {
        if op == "remove" {
            return Err(Fault::new(400, "noTarget", "remove needs a path"));
        }
        let Some(Value::Object(values)) = &operation.value else {
            return Err(Fault::value(
                "an operation without a path needs an object value",
            ));
        };
        for (key, value) in values {
            if ["schemas", "id", "meta"]
                .iter()
                .any(|k| k.eq_ignore_ascii_case(key))
            {
                continue;
            }
            if let (Some(extension), Value::Object(inner)) = (kind.extension(key), value) {
                for (sub, item) in inner {
                    apply_path(
                        kind,
                        body,
                        &op,
                        &format!("{}:{sub}", extension.id),
                        Some(item),
                    )?;
                }
                continue;
            }
            apply_path(kind, body, &op, key, Some(value))?;
        }
        return Ok(());
    };
    apply_path(kind, body, &op, path, operation.value.as_ref())
}

fn apply_path(
    kind: ResourceKind,
    body: &mut Map<String, Value>,
    op: &str,
    text: &str,
    value: Option<&Value>,
) -> Result<(), Fault> {
    let path = parse_path(kind, text)?;
    let read_only = |attr: &Attr| attr.mutability == Mutability::ReadOnly;
    if path.extension.is_some_and(|urn| {
        kind.extension(urn)
            .is_some_and(|s| s.attributes.iter().all(read_only))
    }) || path.attr.is_some_and(read_only)
        || path.sub.is_some_and(read_only)
    {
        return Err(Fault::new(
            400,
            "mutability",
            format!("`{text}` is read-only"),
        ));
    }
    let needs_value = op != "remove";
    let value = match value {
        Some(value) => value.clone(),
        None if needs_value => return Err(Fault::value(format!("{op} `{text}` needs a value"))),
        None => Value::Null,
    };
    let container = match path.extension {
        Some(urn) => {
            let entry = body
                .entry(urn.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            match entry {
                Value::Object(map) => map,
                _ => return Err(Fault::value(format!("`{urn}` is not an object"))),
            }
        }
        None => body,
    };
    let Some(attr) = path.attr else {
        // A whole extension.
        match (op, value) {
            ("remove", _) => container.clear(),
            (_, Value::Object(values)) => {
                for (key, item) in values {
                    if !key.eq_ignore_ascii_case("schemas") {
                        container.insert(key, item);
                    }
                }
            }
            _ => return Err(Fault::value(format!("`{text}` needs an object value"))),
        }
        return Ok(());
    };
    let name = attr.name.to_owned();
    if attr.multi {
        return apply_multi(container, op, &name, &path, value, text);
    }
    match (op, path.sub) {
        ("remove", None) => {
            container.remove(&name);
        }
        ("remove", Some(sub)) => {
            if let Some(Value::Object(object)) = container.get_mut(&name) {
                object.remove(sub.name);
            }
        }
        (_, Some(sub)) => {
            let entry = container
                .entry(name)
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(object) = entry {
                object.insert(sub.name.to_owned(), value);
            }
        }
        (_, None) if attr.kind == Type::Complex => {
            let Value::Object(values) = value else {
                return Err(Fault::value(format!("`{text}` needs an object value")));
            };
            let entry = container
                .entry(name)
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(object) = entry {
                for (key, item) in values {
                    object.insert(key, item);
                }
            }
        }
        (_, None) => {
            container.insert(name, value);
        }
    }
    Ok(())
}

fn apply_multi(
    container: &mut Map<String, Value>,
    op: &str,
    name: &str,
    path: &Path,
    value: Value,
    text: &str,
) -> Result<(), Fault> {
    let mut items: Vec<Value> = match container.remove(name) {
        Some(Value::Array(items)) => items,
        Some(other) => vec![other],
        None => Vec::new(),
    };
    let new_items = |value: Value| match value {
        Value::Array(items) => items,
        Value::Null => Vec::new(),
        single => vec![single],
    };
    let no_target = || Fault::new(400, "noTarget", format!("`{text}` matches no value"));
    let selected: Vec<usize> = (0..items.len())
        .filter(|&i| !path.filter.is_empty() && matches(&items[i], &path.filter))
        .collect();
    match (op, path.filter.is_empty(), path.sub) {
        ("add", true, None) => {
            for item in new_items(value) {
                if !items.contains(&item) {
                    items.push(item);
                }
            }
        }
        ("replace", true, None) => items = new_items(value),
        (_, true, None) => {
            let listed = new_items(value);
            if listed.is_empty() {
                items.clear();
            } else {
                // Remove the listed members (Azure AD's form of removing members).
                items.retain(|item| {
                    !listed
                        .iter()
                        .any(|l| l.get("value").is_some_and(|v| item.get("value") == Some(v)))
                });
            }
        }
        (_, true, Some(sub)) => {
            for item in &mut items {
                if let Value::Object(object) = item {
                    if op == "remove" {
                        object.remove(sub.name);
                    } else {
                        object.insert(sub.name.to_owned(), value.clone());
                    }
                }
            }
        }
        ("remove", false, None) => {
            let mut index = 0;
            items.retain(|_| {
                index += 1;
                !selected.contains(&(index - 1))
            });
        }
        ("remove", false, Some(sub)) => {
            for &i in &selected {
                if let Value::Object(object) = &mut items[i] {
                    object.remove(sub.name);
                }
            }
        }
        (_, false, Some(sub)) => {
            if selected.is_empty() {
                if op == "replace" {
                    return Err(no_target());
                }
                // `add` through a filter that matches nothing creates the element (Azure AD).
                let mut object: Map<String, Value> = path.filter.iter().cloned().collect();
                object.insert(sub.name.to_owned(), value.clone());
                items.push(Value::Object(object));
            }
            for &i in &selected {
                if let Value::Object(object) = &mut items[i] {
                    object.insert(sub.name.to_owned(), value.clone());
                }
            }
            if sub.name == "primary" && value == Value::Bool(true) {
                let keep = selected.first().copied().unwrap_or(items.len() - 1);
                demote_other_primaries(&mut items, keep);
            }
        }
        (_, false, None) => {
            if selected.is_empty() {
                return Err(no_target());
            }
            for &i in &selected {
                if op == "replace" {
                    items[i] = value.clone();
                } else if let (Value::Object(object), Value::Object(values)) =
                    (&mut items[i], &value)
                {
                    for (key, item) in values {
                        object.insert(key.clone(), item.clone());
                    }
                }
            }
        }
    }
    if op != "remove"
        && path.sub.is_none()
        && let Some(last_primary) = items
            .iter()
            .rposition(|i| i.get("primary") == Some(&Value::Bool(true)))
    {
        // The newest primary wins (RFC 7644 §3.5.2).
        demote_other_primaries(&mut items, last_primary);
    }
    if !items.is_empty() {
        container.insert(name.to_owned(), Value::Array(items));
    }
    Ok(())
}

fn demote_other_primaries(items: &mut [Value], keep: usize) {
    for (index, item) in items.iter_mut().enumerate() {
        if index != keep
            && let Value::Object(object) = item
            && object.get("primary") == Some(&Value::Bool(true))
        {
            object.insert("primary".to_owned(), Value::Bool(false));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::scim::wire::ENTERPRISE_USER;
    use serde_json::json;

    fn run(body: Value, ops: Value) -> Result<Value, Fault> {
        let Value::Object(mut body) = body else {
            panic!("object")
        };
        let ops: Vec<PatchOperation> = serde_json::from_value(ops).expect("ops");
        for op in &ops {
            apply(ResourceKind::User, &mut body, op)?;
        }
        Ok(Value::Object(body))
    }

    #[test]
    fn filtered_paths_extension_paths_and_value_objects() {
        let body = json!({"userName": "a", "emails": [{"value": "a@x", "type": "work", "primary": true},
                                                      {"value": "a@home", "type": "home"}]});
        let out = run(
            body,
            json!([
                {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "new@x"},
                {"op": "add", "path": format!("{ENTERPRISE_USER}:department"), "value": "R&D"},
                {"op": "Replace", "value": {"displayName": "A", "name.givenName": "G",
                                            ENTERPRISE_USER: {"organization": "O"}}},
                {"op": "remove", "path": "emails[type eq \"home\"]"}
            ]),
        )
        .expect("patched");
        assert_eq!(
            out,
            json!({"userName": "a",
            "emails": [{"value": "new@x", "type": "work", "primary": true}],
            ENTERPRISE_USER: {"department": "R&D", "organization": "O"},
            "displayName": "A", "name": {"givenName": "G"}})
        );
    }

    #[test]
    fn adding_a_primary_demotes_the_old_one_and_add_through_a_filter_creates() {
        let body = json!({"emails": [{"value": "a@x", "primary": true}]});
        let out = run(
            body,
            json!([
                {"op": "add", "path": "emails", "value": [{"value": "b@x", "primary": true}]},
                {"op": "add", "path": "phoneNumbers[type eq \"work\"].value", "value": "+1"}
            ]),
        )
        .expect("patched");
        assert_eq!(
            out["emails"],
            json!([{"value": "a@x", "primary": false}, {"value": "b@x", "primary": true}])
        );
        assert_eq!(
            out["phoneNumbers"],
            json!([{"type": "work", "value": "+1"}])
        );
    }

    #[test]
    fn read_only_unknown_and_unmatched_targets_are_refused() {
        let refuse = |ops: Value| run(json!({"emails": []}), ops).expect_err("refused");
        assert_eq!(
            refuse(json!([{"op": "replace", "path": "groups", "value": []}])).scim_type,
            Some("mutability")
        );
        assert_eq!(
            refuse(json!([{"op": "replace", "path": "shoeSize", "value": "9"}])).scim_type,
            Some("invalidPath")
        );
        assert_eq!(
            refuse(json!([{"op": "replace", "path": "emails[type eq \"x\"].value", "value": "v"}]))
                .scim_type,
            Some("noTarget")
        );
        assert_eq!(
            refuse(json!([{"op": "remove"}])).scim_type,
            Some("noTarget")
        );
        assert_eq!(
            refuse(json!([{"op": "replace", "path": "emails[type co \"x\"]", "value": {}}]))
                .scim_type,
            Some("invalidFilter")
        );
        assert_eq!(
            refuse(json!([{"op": "move", "path": "title"}])).scim_type,
            Some("invalidSyntax")
        );
    }
}
