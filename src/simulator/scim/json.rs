//! Rendering stored users and groups as SCIM resources, and the `attributes` /
//! `excludedAttributes` projection (RFC 7644 §3.4.2.5).
//!
//! A user is rendered with its schemas, id, writable attributes (`active` defaults to true),
//! its groups, the atlassian-external account id and `meta` with the real base URL (and
//! `version` when entity tags are on). A resource is a list of top-level [`Part`]s that borrow
//! the store's data and serialise straight into the response, so a page of users builds no
//! intermediate JSON tree; the projection is parsed once per request ([`Projection::parse`]) and
//! only a sub-attribute path (`emails.value`) turns the one part it touches into a JSON value.
//! Pure functions over the store's data: nothing here locks, writes or knows about HTTP.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Map, Value, json};

use super::schema::ResourceKind;
use super::store::{ScimStore, Stored};
use crate::service::scim::wire::{ATLASSIAN_EXTERNAL, ENTERPRISE_USER};

/// One top-level attribute of a rendered resource, borrowed from the store where it can be.
#[derive(Debug, Clone)]
enum Part<'a> {
    /// `schemas`: the core schema, then the extensions the resource carries.
    Schemas(Vec<&'static str>),
    /// A string such as the `id`.
    Text(&'a str),
    /// A stored attribute, as stored.
    Stored(&'a Value),
    /// A user's `groups`: (id, displayName) of each, with `$ref` below `base`.
    Groups(Vec<(&'a str, &'a str)>, &'a str),
    /// The atlassian-external extension with its account id.
    Account(&'a str),
    /// `meta`.
    Meta(Meta<'a>),
    /// A value built for this response (a group's members, a projected sub-attribute).
    Owned(Value),
}

/// What `meta` is rendered from.
#[derive(Debug, Clone)]
struct Meta<'a> {
    kind: ResourceKind,
    stored: &'a Stored,
    base: &'a str,
    etag: bool,
}

impl Part<'_> {
    /// The part as a JSON value (only for the rare sub-attribute projection).
    fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

impl Serialize for Part<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Schemas(schemas) => schemas.serialize(serializer),
            Self::Text(text) => serializer.serialize_str(text),
            Self::Stored(value) => value.serialize(serializer),
            Self::Groups(groups, base) => {
                let mut seq = serializer.serialize_seq(Some(groups.len()))?;
                for (id, name) in groups {
                    seq.serialize_element(&GroupRef { id, name, base })?;
                }
                seq.end()
            }
            Self::Account(account) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("atlassianAccountId", account)?;
                map.end()
            }
            Self::Meta(meta) => meta.serialize(serializer),
            Self::Owned(value) => value.serialize(serializer),
        }
    }
}

/// One entry of a user's `groups`.
struct GroupRef<'a> {
    id: &'a str,
    name: &'a str,
    base: &'a str,
}

impl Serialize for GroupRef<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(4))?;
        map.serialize_entry("value", self.id)?;
        map.serialize_entry("display", self.name)?;
        map.serialize_entry("type", "direct")?;
        map.serialize_entry("$ref", &format_args!("{}/Groups/{}", self.base, self.id))?;
        map.end()
    }
}

impl Serialize for Meta<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(if self.etag { 5 } else { 4 }))?;
        map.serialize_entry("resourceType", self.kind.name())?;
        map.serialize_entry("created", &self.stored.created)?;
        map.serialize_entry("lastModified", &self.stored.modified)?;
        map.serialize_entry("location", &location(self.kind, self.stored, self.base))?;
        if self.etag {
            map.serialize_entry("version", &self.stored.etag())?;
        }
        map.end()
    }
}

/// `meta.location` (and the `Location` of a create): `{base}/{Users|Groups}/{id}`.
pub fn location(kind: ResourceKind, stored: &Stored, base: &str) -> String {
    format!("{base}/{}/{}", kind.endpoint(), stored.id)
}

/// A resource as a client sees it: its top-level attributes in order. Serialises as an object.
#[derive(Debug, Clone)]
pub struct Resource<'a> {
    parts: Vec<(&'a str, Part<'a>)>,
}

impl Serialize for Resource<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.parts.len()))?;
        for (key, part) in &self.parts {
            map.serialize_entry(key, part)?;
        }
        map.end()
    }
}

impl Resource<'_> {
    /// The resource as a JSON value.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.parts
            .iter()
            .position(|(k, _)| k.eq_ignore_ascii_case(key))
    }
}

/// The full resource as a client sees it: schemas, id, the stored attributes, then (users) groups
/// and the account extension, then `meta`.
pub fn render<'a>(
    store: &'a ScimStore,
    kind: ResourceKind,
    stored: &'a Stored,
    base: &'a str,
) -> Resource<'a> {
    let mut schemas = vec![kind.schema().id];
    let mut parts = Vec::with_capacity(stored.body.len() + 5);
    parts.push(("schemas", Part::Schemas(Vec::new())));
    parts.push(("id", Part::Text(stored.id.as_str())));
    for (key, value) in &stored.body {
        let part = match (kind, key.as_str()) {
            (ResourceKind::Group, "members") => Part::Owned(members(store, value, base)),
            _ => Part::Stored(value),
        };
        parts.push((key.as_str(), part));
    }
    if kind == ResourceKind::User {
        let groups = store.groups_of(&stored.id);
        if !groups.is_empty() {
            parts.push(("groups", Part::Groups(groups, base)));
        }
        if stored.body.contains_key(ENTERPRISE_USER) {
            schemas.push(ENTERPRISE_USER);
        }
        if let Some(account) = stored
            .account_id
            .as_deref()
            .filter(|_| store.account_extension)
        {
            parts.push((ATLASSIAN_EXTERNAL, Part::Account(account)));
            schemas.push(ATLASSIAN_EXTERNAL);
        }
    }
    parts.push((
        "meta",
        Part::Meta(Meta {
            kind,
            stored,
            base,
            etag: store.etag,
        }),
    ));
    parts[0].1 = Part::Schemas(schemas);
    Resource { parts }
}

/// A group's `members`, each with its `type` and `$ref` when the member exists.
fn members(store: &ScimStore, stored: &Value, base: &str) -> Value {
    let mut members = stored.clone();
    if let Value::Array(members) = &mut members {
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
    members
}

/// A parsed `attributes` entry: the top-level key and an optional sub-attribute.
#[derive(Debug, Clone, PartialEq)]
struct Selected {
    key: String,
    sub: Option<String>,
}

fn parse_list(kind: ResourceKind, text: &str) -> Vec<Selected> {
    let core = kind.schema().id.to_ascii_lowercase();
    text.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|path| {
            let lower = path.to_ascii_lowercase();
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

/// A request's `attributes` / `excludedAttributes`, parsed once and applied to every resource.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Projection {
    /// `attributes`, when given and not blank: only these (plus `id` and `schemas`) are kept.
    kept: Option<Vec<Selected>>,
    /// `excludedAttributes` (ignored when `attributes` is given): these are dropped.
    excluded: Vec<Selected>,
}

impl Projection {
    /// The projection a request asks for.
    pub fn parse(kind: ResourceKind, attributes: Option<&str>, excluded: Option<&str>) -> Self {
        match attributes.filter(|a| !a.trim().is_empty()) {
            Some(attributes) => Self {
                kept: Some(parse_list(kind, attributes)),
                excluded: Vec::new(),
            },
            None => Self {
                kept: None,
                excluded: excluded.map_or_else(Vec::new, |e| parse_list(kind, e)),
            },
        }
    }

    /// True when the resource is rendered whole.
    pub fn is_whole(&self) -> bool {
        self.kept.is_none() && self.excluded.is_empty()
    }

    /// Keeps only the selected attributes (plus `id` and `schemas`), or drops the excluded ones.
    pub fn apply<'a>(&self, resource: Resource<'a>) -> Resource<'a> {
        match &self.kept {
            Some(kept) => keep(resource, kept),
            None => exclude(resource, &self.excluded),
        }
    }
}

fn keep<'a>(resource: Resource<'a>, kept: &[Selected]) -> Resource<'a> {
    let mut out = Resource { parts: Vec::new() };
    for always in ["schemas", "id"] {
        if let Some((key, part)) = resource.parts.iter().find(|(k, _)| *k == always) {
            out.parts.push((key, part.clone()));
        }
    }
    for selected in kept {
        let Some(index) = resource.position(&selected.key) else {
            continue;
        };
        let (key, part) = &resource.parts[index];
        let slot = out.parts.iter().position(|(k, _)| k == key);
        let projected = match &selected.sub {
            None => Some(part.clone()),
            Some(sub) => {
                let already = slot.map(|slot| out.parts[slot].1.to_value());
                keep_sub(&part.to_value(), sub, already.as_ref()).map(Part::Owned)
            }
        };
        match (projected, slot) {
            (Some(projected), Some(slot)) => out.parts[slot].1 = projected,
            (Some(projected), None) => out.parts.push((key, projected)),
            (None, _) => {}
        }
    }
    out
}

fn exclude<'a>(mut resource: Resource<'a>, excluded: &[Selected]) -> Resource<'a> {
    for selected in excluded {
        let Some(index) = resource.position(&selected.key) else {
            continue;
        };
        if matches!(resource.parts[index].0, "id" | "schemas") {
            continue;
        }
        match &selected.sub {
            // As `serde_json::Map::remove` does (with `preserve_order`): the last attribute takes
            // the removed one's place.
            None => {
                resource.parts.swap_remove(index);
            }
            Some(sub) => {
                let mut value = resource.parts[index].1.to_value();
                drop_sub(&mut value, sub);
                resource.parts[index].1 = Part::Owned(value);
            }
        }
    }
    resource
}

fn find_key(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.keys().find(|k| k.eq_ignore_ascii_case(key)).cloned()
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
    use serde_json::{Value, json};

    use super::{Projection, render};
    use crate::service::scim::wire::{CORE_USER, ENTERPRISE_USER};
    use crate::simulator::scim::schema::ResourceKind;
    use crate::simulator::scim::store::ScimStore;
    use crate::simulator::seed::Seed;

    const BASE: &str = "http://127.0.0.1:1/scim/directory/d";

    #[test]
    fn projection_keeps_or_drops_paths_including_extensions() {
        let store = ScimStore::from_seed(&Seed::demo(3).expect("seed")).expect("store");
        let stored = store
            .all(ResourceKind::User)
            .find(|s| s.body.contains_key(ENTERPRISE_USER) && s.body.contains_key("title"))
            .expect("a user with a title and the enterprise extension");
        let whole = render(&store, ResourceKind::User, stored, BASE).to_value();
        let projected = |attributes: Option<&str>, excluded: Option<&str>| {
            let projection = Projection::parse(ResourceKind::User, attributes, excluded);
            serde_json::to_string(&projection.apply(render(
                &store,
                ResourceKind::User,
                stored,
                BASE,
            )))
            .expect("serialises")
        };

        let kept = projected(
            Some(&format!(
                "userName,emails.value,{ENTERPRISE_USER}:department"
            )),
            None,
        );
        let expected = json!({
            "schemas": whole["schemas"], "id": whole["id"], "userName": whole["userName"],
            "emails": [{"value": whole["emails"][0]["value"]}],
            ENTERPRISE_USER: {"department": whole[ENTERPRISE_USER]["department"]},
        });
        assert_eq!(kept, expected.to_string());

        let dropped = projected(
            None,
            Some(&format!(
                "title,id,emails.type,{CORE_USER}:userName,{ENTERPRISE_USER}"
            )),
        );
        // As the earlier renderer did on a whole JSON object: `Map::remove` moves the last key
        // into the removed one's place.
        let mut expected = whole.clone();
        let object = expected.as_object_mut().expect("object");
        for key in ["title", "userName", ENTERPRISE_USER] {
            object.remove(key);
        }
        if let Some(Value::Array(emails)) = object.get_mut("emails") {
            for email in emails {
                email.as_object_mut().expect("object").remove("type");
            }
        }
        assert_eq!(dropped, expected.to_string());
        assert!(!dropped.contains("\"title\"") && dropped.contains("\"id\""));

        assert_eq!(projected(None, None), whole.to_string());
        assert_eq!(projected(Some("  "), None), whole.to_string());
    }
}
