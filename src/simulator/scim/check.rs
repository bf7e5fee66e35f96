//! Checking and normalising the resources clients send to the simulated SCIM service.
//!
//! A body is turned into the stored form: canonical attribute names (SCIM names are
//! case-insensitive), values of the declared types (`"True"` is accepted for a boolean, as
//! Azure AD sends it), nulls dropped, read-only attributes ignored as RFC 7643 §2.2 says, and
//! unknown attributes refused with `invalidSyntax`. [`Fault`] is the SCIM error every rule
//! returns. No HTTP and no store access here.

use serde_json::{Map, Value};

use super::schema::{Attr, Mutability, ResourceKind, Schema, Type};

/// A refusal in SCIM's terms: status, `scimType` and a detail for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// The HTTP status.
    pub status: u16,
    /// The RFC 7644 §3.12 keyword.
    pub scim_type: Option<&'static str>,
    /// What was wrong.
    pub detail: String,
}

impl Fault {
    /// A fault with a `scimType`.
    pub fn new(status: u16, scim_type: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            scim_type: Some(scim_type),
            detail: detail.into(),
        }
    }

    /// A fault with no `scimType`.
    pub fn plain(status: u16, detail: impl Into<String>) -> Self {
        Self {
            status,
            scim_type: None,
            detail: detail.into(),
        }
    }

    /// 400 `invalidSyntax`.
    pub fn syntax(detail: impl Into<String>) -> Self {
        Self::new(400, "invalidSyntax", detail)
    }

    /// 400 `invalidValue`.
    pub fn value(detail: impl Into<String>) -> Self {
        Self::new(400, "invalidValue", detail)
    }

    /// 404 for a resource id.
    pub fn not_found(kind: ResourceKind, id: &str) -> Self {
        Self::plain(404, format!("{} {id} not found", kind.name()))
    }
}

/// The stored form of a body sent to POST or PUT (or left by a PATCH).
///
/// `require_schemas` demands that `schemas` lists the resource's core schema, as Atlassian does.
pub fn canonical_body(
    kind: ResourceKind,
    input: &Value,
    require_schemas: bool,
) -> Result<Map<String, Value>, Fault> {
    let Some(input) = input.as_object() else {
        return Err(Fault::syntax("the body must be a JSON object"));
    };
    if require_schemas {
        let listed = input
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("schemas"))
            .and_then(|(_, v)| v.as_array())
            .is_some_and(|schemas| {
                schemas.iter().any(|s| {
                    s.as_str()
                        .is_some_and(|s| s.eq_ignore_ascii_case(kind.schema().id))
                })
            });
        if !listed {
            return Err(Fault::syntax(format!(
                "`schemas` must list {}",
                kind.schema().id
            )));
        }
    }
    let mut out = Map::new();
    for (key, value) in input {
        if value.is_null() {
            continue;
        }
        let lower = key.to_ascii_lowercase();
        match lower.as_str() {
            "schemas" | "id" | "meta" => continue,
            "externalid" => {
                let Value::String(text) = value else {
                    return Err(Fault::value("`externalId` must be a string"));
                };
                out.insert("externalId".to_owned(), Value::String(text.clone()));
                continue;
            }
            _ => {}
        }
        if let Some(extension) = kind.extension(key) {
            let Some(object) = value.as_object() else {
                return Err(Fault::value(format!("`{key}` must be an object")));
            };
            let converted = canonical_object(extension, object)?;
            if !converted.is_empty() {
                out.insert(extension.id.to_owned(), Value::Object(converted));
            }
            continue;
        }
        let Some(attr) = kind.schema().attr(key) else {
            return Err(Fault::syntax(format!(
                "`{key}` is not an attribute of {}",
                kind.schema().id
            )));
        };
        if attr.mutability == Mutability::ReadOnly {
            continue;
        }
        if let Some(converted) = canonical_value(attr, value)? {
            out.insert(attr.name.to_owned(), converted);
        }
    }
    Ok(out)
}

fn canonical_object(
    schema: &Schema,
    object: &Map<String, Value>,
) -> Result<Map<String, Value>, Fault> {
    let mut out = Map::new();
    for (key, value) in object {
        let Some(attr) = schema.attr(key) else {
            return Err(Fault::syntax(format!(
                "`{key}` is not an attribute of {}",
                schema.id
            )));
        };
        if attr.mutability == Mutability::ReadOnly || value.is_null() {
            continue;
        }
        if let Some(converted) = canonical_value(attr, value)? {
            out.insert(attr.name.to_owned(), converted);
        }
    }
    Ok(out)
}

/// A value converted to the attribute's type; None when it carries nothing (null, empty list).
pub fn canonical_value(attr: &Attr, value: &Value) -> Result<Option<Value>, Fault> {
    if value.is_null() {
        return Ok(None);
    }
    if attr.multi {
        let items: Vec<&Value> = match value {
            Value::Array(items) => items.iter().collect(),
            single => vec![single],
        };
        let mut out = Vec::new();
        for item in items {
            if let Some(converted) = single_value(attr, item)? {
                out.push(converted);
            }
        }
        return Ok((!out.is_empty()).then_some(Value::Array(out)));
    }
    single_value(attr, value)
}

fn single_value(attr: &Attr, value: &Value) -> Result<Option<Value>, Fault> {
    let wrong = || Fault::value(format!("`{}` has a value of the wrong type", attr.name));
    Ok(Some(match (attr.kind, value) {
        (_, Value::Null) => return Ok(None),
        (Type::String | Type::Reference, Value::String(text)) => Value::String(text.clone()),
        (Type::Boolean, Value::Bool(flag)) => Value::Bool(*flag),
        (Type::Boolean, Value::String(text)) if text.eq_ignore_ascii_case("true") => {
            Value::Bool(true)
        }
        (Type::Boolean, Value::String(text)) if text.eq_ignore_ascii_case("false") => {
            Value::Bool(false)
        }
        (Type::Complex, Value::Object(object)) => {
            let mut out = Map::new();
            for (key, item) in object {
                let Some(sub) = attr.sub_attr(key) else {
                    return Err(Fault::syntax(format!(
                        "`{key}` is not a sub-attribute of `{}`",
                        attr.name
                    )));
                };
                if let Some(converted) = single_value(sub, item)? {
                    out.insert(sub.name.to_owned(), converted);
                }
            }
            if out.is_empty() {
                return Ok(None);
            }
            Value::Object(out)
        }
        _ => return Err(wrong()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::scim::wire::{ATLASSIAN_EXTERNAL, CORE_USER, ENTERPRISE_USER};
    use serde_json::json;

    #[test]
    fn names_are_canonical_read_only_ignored_and_booleans_coerced() {
        let body = json!({
            "schemas": [CORE_USER], "id": "x", "USERNAME": "a", "Active": "False",
            "emails": [{"Value": "a@x", "primary": true}], "groups": [{"value": "g"}],
            "nickName": null, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": {"Department": "R&D"},
            ATLASSIAN_EXTERNAL: {"atlassianAccountId": "acc"}, "meta": {}
        });
        let stored = canonical_body(ResourceKind::User, &body, true).expect("ok");
        assert_eq!(
            Value::Object(stored),
            json!({"userName": "a", "active": false, "emails": [{"value": "a@x", "primary": true}],
                   ENTERPRISE_USER: {"department": "R&D"}})
        );
    }

    #[test]
    fn unknown_attributes_wrong_types_and_missing_schemas_are_refused() {
        let refuse =
            |body: Value| canonical_body(ResourceKind::User, &body, true).expect_err("refused");
        assert_eq!(
            refuse(json!({"userName": "a"})).scim_type,
            Some("invalidSyntax")
        );
        let unknown = refuse(json!({"schemas": [CORE_USER], "shoeSize": "9"}));
        assert_eq!(
            (unknown.status, unknown.scim_type),
            (400, Some("invalidSyntax"))
        );
        let wrong = refuse(json!({"schemas": [CORE_USER], "active": 3}));
        assert_eq!(wrong.scim_type, Some("invalidValue"));
    }
}
