//! The simulated Atlassian SCIM directory's data and the rules that act on it.
//!
//! Users and groups are kept in their stored form (writable attributes only); ids, timestamps,
//! versions, account ids and group membership are kept beside them. Every write goes through
//! one path: check the body, apply Atlassian's rules (unique `userName`, exactly one primary
//! email, unique primary email, unique group names, members that exist), honour `If-Match`, then
//! store. Ids are derived from the seed, so the same seed gives the same ids. Nothing here knows
//! about HTTP.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use super::check::{Fault, canonical_body};
use super::patch;
use super::schema::ResourceKind;
use crate::service::scim::wire::{ENTERPRISE_USER, PatchRequest};
use crate::simulator::seed::Seed;

/// When the seeded users were created: 2024-01-08T09:00:00Z.
const SEED_EPOCH_SECONDS: i64 = 1_704_704_400;

/// One stored user or group.
#[derive(Debug, Clone)]
pub struct Stored {
    /// The id (UUID-shaped, derived from the seed).
    pub id: String,
    /// `meta.created`.
    pub created: String,
    /// `meta.lastModified`.
    pub modified: String,
    /// Bumped on every write; the entity tag is `W/"<version>"`.
    pub version: u64,
    /// The writable attributes.
    pub body: Map<String, Value>,
    /// Users: the linked Atlassian account id.
    pub account_id: Option<String>,
}

impl Stored {
    /// The entity tag.
    pub fn etag(&self) -> String {
        format!("W/\"{}\"", self.version)
    }

    /// A string attribute of the body.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.body.get(name).and_then(Value::as_str)
    }
}

/// Resources of one kind in creation order, found by id.
#[derive(Debug, Default)]
struct Collection {
    items: BTreeMap<u64, Stored>,
    by_id: HashMap<String, u64>,
    next: u64,
}

impl Collection {
    fn insert(&mut self, stored: Stored) {
        self.by_id.insert(stored.id.clone(), self.next);
        self.items.insert(self.next, stored);
        self.next += 1;
    }

    fn get(&self, id: &str) -> Option<&Stored> {
        self.items.get(self.by_id.get(id)?)
    }

    fn get_mut(&mut self, id: &str) -> Option<&mut Stored> {
        self.items.get_mut(self.by_id.get(id)?)
    }

    fn remove(&mut self, id: &str) -> Option<Stored> {
        self.items.remove(&self.by_id.remove(id)?)
    }
}

/// The directory.
#[derive(Debug)]
pub struct ScimStore {
    users: Collection,
    groups: Collection,
    /// Entity tags are announced, sent and checked (`If-Match` → 412).
    pub etag: bool,
    /// Users carry Atlassian's `urn:scim:schemas:extension:atlassian-external:1.0` extension
    /// (on by default, as on Atlassian). Off only for checkers that cannot parse that URN.
    pub account_extension: bool,
    created: u64,
    /// Group memberships by user id, built on first use and dropped on every write, so that
    /// rendering a page of users does not scan every group's members for each user.
    memberships: OnceLock<HashMap<String, Vec<(String, String)>>>,
}

impl ScimStore {
    /// The people of the seed that have a SCIM account, with one group per department.
    pub fn from_seed(seed: &Seed) -> Result<Self, String> {
        let mut store = Self {
            users: Collection::default(),
            groups: Collection::default(),
            etag: true,
            account_extension: true,
            created: 0,
            memberships: OnceLock::new(),
        };
        let mut departments: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (index, person) in seed.people.iter().enumerate() {
            let Some(account) = &person.scim else {
                continue;
            };
            let email = account
                .email
                .clone()
                .unwrap_or_else(|| person.email.clone());
            let display = format!("{} {}", person.first_name, person.last_name);
            let mut body = json!({
                "userName": email,
                "name": {"givenName": person.first_name, "familyName": person.last_name, "formatted": display},
                "displayName": display,
                "active": account.active,
                "emails": [{"value": email, "type": "work", "primary": true}],
            });
            let optional = [
                ("externalId", &account.external_id),
                ("nickName", &account.nick_name),
                ("title", &account.title),
                ("preferredLanguage", &account.preferred_language),
                ("timezone", &account.timezone),
                ("department", &account.department),
                ("organization", &account.organization),
            ];
            for (name, value) in optional {
                if let Some(value) = value {
                    body[name] = json!(value);
                }
            }
            if let Some(phone) = &account.phone {
                body["phoneNumbers"] = json!([{"value": phone, "type": "work", "primary": true}]);
            }
            let mut enterprise = Map::new();
            for (name, value) in [
                ("department", &account.department),
                ("organization", &account.organization),
            ] {
                if let Some(value) = value {
                    enterprise.insert(name.to_owned(), json!(value));
                }
            }
            if !enterprise.is_empty() {
                body[ENTERPRISE_USER] = Value::Object(enterprise);
            }
            let Value::Object(body) = body else {
                return Err("a seeded SCIM user is not an object".to_owned());
            };
            let created = timestamp(SEED_EPOCH_SECONDS * 1_000_000 + index as i64 * 5_821_000_000);
            let id = uuid_from(&format!("scim-user:{}", person.email));
            if let Some(department) = &account.department {
                departments
                    .entry(department.clone())
                    .or_default()
                    .push(id.clone());
            }
            store.users.insert(Stored {
                account_id: Some(hex_from(&format!("account:{}", person.email), 24)),
                id,
                modified: created.clone(),
                created,
                version: 1,
                body,
            });
        }
        for (index, (name, members)) in departments.into_iter().enumerate() {
            let created =
                timestamp(SEED_EPOCH_SECONDS * 1_000_000 - (index as i64 + 1) * 86_400_000_000);
            let members: Vec<Value> = members
                .into_iter()
                .map(|id| json!({"value": id, "type": "User"}))
                .collect();
            let Value::Object(body) = json!({"displayName": name, "members": members}) else {
                return Err("a seeded group is not an object".to_owned());
            };
            store.groups.insert(Stored {
                id: uuid_from(&format!("scim-group:{name}")),
                modified: created.clone(),
                created,
                version: 1,
                body,
                account_id: None,
            });
        }
        Ok(store)
    }

    fn collection(&self, kind: ResourceKind) -> &Collection {
        match kind {
            ResourceKind::User => &self.users,
            ResourceKind::Group => &self.groups,
        }
    }

    fn collection_mut(&mut self, kind: ResourceKind) -> &mut Collection {
        self.memberships = OnceLock::new();
        match kind {
            ResourceKind::User => &mut self.users,
            ResourceKind::Group => &mut self.groups,
        }
    }

    /// Every resource of a kind, in creation order.
    pub fn all(&self, kind: ResourceKind) -> impl Iterator<Item = &Stored> {
        self.collection(kind).items.values()
    }

    /// One resource.
    pub fn get(&self, kind: ResourceKind, id: &str) -> Result<&Stored, Fault> {
        self.collection(kind)
            .get(id)
            .ok_or_else(|| Fault::not_found(kind, id))
    }

    /// The groups a user belongs to: (id, displayName).
    pub fn groups_of(&self, user_id: &str) -> Vec<(&str, &str)> {
        let memberships = self.memberships.get_or_init(|| {
            let mut index: HashMap<String, Vec<(String, String)>> = HashMap::new();
            for group in self.groups.items.values() {
                let name = group.text("displayName").unwrap_or_default();
                let members = group.body.get("members").and_then(Value::as_array);
                for member in members.into_iter().flatten() {
                    if let Some(id) = member.get("value").and_then(Value::as_str) {
                        index
                            .entry(id.to_owned())
                            .or_default()
                            .push((group.id.clone(), name.to_owned()));
                    }
                }
            }
            index
        });
        memberships
            .get(user_id)
            .map(|groups| {
                groups
                    .iter()
                    .map(|(id, name)| (id.as_str(), name.as_str()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The display name of a member (user or group), for `members[].display`.
    pub fn member_display(&self, id: &str) -> Option<(&'static str, String)> {
        if let Some(user) = self.users.get(id) {
            let name = user
                .text("displayName")
                .or(user.text("userName"))
                .unwrap_or_default();
            return Some(("User", name.to_owned()));
        }
        self.groups.get(id).map(|g| {
            (
                "Group",
                g.text("displayName").unwrap_or_default().to_owned(),
            )
        })
    }

    /// `POST`: creates a resource from a body.
    pub fn create(&mut self, kind: ResourceKind, input: &Value) -> Result<&Stored, Fault> {
        let body = with_default_active(kind, canonical_body(kind, input, true)?);
        self.check_rules(kind, None, &body)?;
        self.created += 1;
        let key = body
            .get(if kind == ResourceKind::User {
                "userName"
            } else {
                "displayName"
            })
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_lowercase();
        let id = uuid_from(&format!("created-{}:{key}:{}", kind.name(), self.created));
        let now = now();
        let account_id =
            (kind == ResourceKind::User).then(|| hex_from(&format!("account:{id}"), 24));
        self.collection_mut(kind).insert(Stored {
            id: id.clone(),
            created: now.clone(),
            modified: now,
            version: 1,
            body,
            account_id,
        });
        self.get(kind, &id)
    }

    /// `PUT`: replaces every writable attribute; what the body leaves out is cleared.
    pub fn replace(
        &mut self,
        kind: ResourceKind,
        id: &str,
        input: &Value,
        if_match: Option<&str>,
    ) -> Result<&Stored, Fault> {
        self.precondition(kind, id, if_match)?;
        let body = with_default_active(kind, canonical_body(kind, input, true)?);
        self.store(kind, id, body)
    }

    /// `PATCH`: applies the operations in order; all or nothing.
    pub fn patch(
        &mut self,
        kind: ResourceKind,
        id: &str,
        request: &PatchRequest,
        if_match: Option<&str>,
    ) -> Result<&Stored, Fault> {
        self.precondition(kind, id, if_match)?;
        if request.operations.is_empty() {
            return Err(Fault::value("a PATCH needs at least one operation"));
        }
        let mut body = self.get(kind, id)?.body.clone();
        for operation in &request.operations {
            patch::apply(kind, &mut body, operation)?;
        }
        let body = canonical_body(kind, &Value::Object(body), false)?;
        self.store(kind, id, body)
    }

    /// `DELETE`: removes a resource (and a user from every group).
    pub fn delete(
        &mut self,
        kind: ResourceKind,
        id: &str,
        if_match: Option<&str>,
    ) -> Result<(), Fault> {
        self.precondition(kind, id, if_match)?;
        self.collection_mut(kind).remove(id);
        let now = now();
        self.memberships = OnceLock::new();
        for group in self.groups.items.values_mut() {
            if let Some(Value::Array(members)) = group.body.get_mut("members") {
                let before = members.len();
                members.retain(|m| m.get("value").and_then(Value::as_str) != Some(id));
                if members.len() != before {
                    group.version += 1;
                    group.modified = now.clone();
                }
            }
        }
        Ok(())
    }

    fn store(
        &mut self,
        kind: ResourceKind,
        id: &str,
        body: Map<String, Value>,
    ) -> Result<&Stored, Fault> {
        self.check_rules(kind, Some(id), &body)?;
        let stored = self
            .collection_mut(kind)
            .get_mut(id)
            .ok_or_else(|| Fault::not_found(kind, id))?;
        if stored.body != body {
            stored.body = body;
            stored.version += 1;
            stored.modified = now();
        }
        self.get(kind, id)
    }

    /// 404 for an unknown id; 412 when `If-Match` names another version.
    fn precondition(
        &self,
        kind: ResourceKind,
        id: &str,
        if_match: Option<&str>,
    ) -> Result<(), Fault> {
        let stored = self.get(kind, id)?;
        let Some(if_match) = if_match.filter(|_| self.etag) else {
            return Ok(());
        };
        let current = stored.etag();
        let strip = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
        let ok = if_match
            .split(',')
            .any(|tag| tag.trim() == "*" || strip(tag) == strip(&current));
        if ok {
            Ok(())
        } else {
            Err(Fault {
                status: 412,
                scim_type: None,
                detail: format!("{} {id} has changed: its version is {current}", kind.name()),
            })
        }
    }

    fn check_rules(
        &self,
        kind: ResourceKind,
        id: Option<&str>,
        body: &Map<String, Value>,
    ) -> Result<(), Fault> {
        let others = || self.all(kind).filter(move |s| Some(s.id.as_str()) != id);
        match kind {
            ResourceKind::User => {
                let user_name = body
                    .get("userName")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if user_name.trim().is_empty() {
                    return Err(Fault::value("`userName` is required"));
                }
                if others().any(|s| {
                    s.text("userName")
                        .is_some_and(|u| u.eq_ignore_ascii_case(user_name))
                }) {
                    return Err(Fault::new(
                        409,
                        "uniqueness",
                        format!("Resource [USER]: with userName[{user_name}] already exists."),
                    ));
                }
                let primaries: Vec<&str> = primary_values(body.get("emails"));
                let [email] = primaries.as_slice() else {
                    return Err(Fault::value(format!(
                        "`emails` must have exactly one primary address; {} given",
                        primaries.len()
                    )));
                };
                if others().any(|s| {
                    primary_values(s.body.get("emails"))
                        .iter()
                        .any(|e| e.eq_ignore_ascii_case(email))
                }) {
                    return Err(Fault::new(
                        409,
                        "uniqueness",
                        format!("Resource [USER]: with email[{email}] already exists."),
                    ));
                }
                if primary_values(body.get("phoneNumbers")).len() > 1 {
                    return Err(Fault::value(
                        "`phoneNumbers` may have at most one primary number",
                    ));
                }
            }
            ResourceKind::Group => {
                let name = body
                    .get("displayName")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if name.trim().is_empty() {
                    return Err(Fault::value("`displayName` is required"));
                }
                if others().any(|s| {
                    s.text("displayName")
                        .is_some_and(|n| n.eq_ignore_ascii_case(name))
                }) {
                    return Err(Fault::new(
                        409,
                        "uniqueness",
                        format!("Resource [GROUP]: with displayName[{name}] already exists."),
                    ));
                }
                for member in body
                    .get("members")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let value = member
                        .get("value")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    if self.member_display(value).is_none() {
                        return Err(Fault::value(format!(
                            "member `{value}` is not a user or group of this directory"
                        )));
                    }
                }
            }
        }
        Ok(())
    }
}

/// Atlassian: `active` is true when a create or replace leaves it out (a PATCH may remove it).
fn with_default_active(kind: ResourceKind, mut body: Map<String, Value>) -> Map<String, Value> {
    if kind == ResourceKind::User {
        body.entry("active").or_insert(Value::Bool(true));
    }
    body
}

fn primary_values(items: Option<&Value>) -> Vec<&str> {
    items
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|i| i.get("primary") == Some(&Value::Bool(true)))
        .filter_map(|i| i.get("value").and_then(Value::as_str))
        .collect()
}

/// FNV-1a over the text, then splitmix64: a stable 64-bit hash.
fn hash64(text: &str, salt: u64) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325_u64 ^ salt;
    for b in text.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x100_0000_01b3);
    }
    let mut z = h.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A UUID-shaped id (version 8, "custom") derived from the text.
pub fn uuid_from(text: &str) -> String {
    let high = hash64(text, 1);
    let low = hash64(text, 2);
    let high = (high & !0xf000) | 0x8000;
    let low = (low & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        high >> 32,
        (high >> 16) & 0xffff,
        high & 0xffff,
        low >> 48,
        low & 0xffff_ffff_ffff
    )
}

fn hex_from(text: &str, len: usize) -> String {
    let mut out = format!("{:016x}{:016x}", hash64(text, 3), hash64(text, 4));
    out.truncate(len);
    out
}

fn now() -> String {
    let micros = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64);
    timestamp(micros)
}

/// ISO 8601 UTC with microseconds, as Atlassian sends `meta` times.
pub fn timestamp(epoch_micros: i64) -> String {
    crate::time::rfc3339_micros(epoch_micros)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_and_ids_are_well_formed_and_stable() {
        assert_eq!(
            timestamp(SEED_EPOCH_SECONDS * 1_000_000 + 185_473),
            "2024-01-08T09:00:00.185473Z"
        );
        assert_eq!(
            timestamp(951_782_400_000_000),
            "2000-02-29T00:00:00.000000Z"
        );
        let id = uuid_from("x");
        assert_eq!(id, uuid_from("x"));
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "8");
        assert_ne!(id, uuid_from("y"));
    }

    #[test]
    fn the_seed_gives_users_with_groups_and_unique_names() {
        let store = ScimStore::from_seed(&Seed::demo(20).expect("seed")).expect("store");
        let users: Vec<&Stored> = store.all(ResourceKind::User).collect();
        assert!(users.len() >= 30 + 20);
        let first = users[0];
        assert!(!store.groups_of(&first.id).is_empty());
        for user in &users {
            store
                .check_rules(ResourceKind::User, Some(&user.id), &user.body)
                .expect("seeded users obey the rules");
        }
    }
}
