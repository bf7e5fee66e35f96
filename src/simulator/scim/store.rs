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

use serde_json::{Map, Value};

use super::check::{Fault, canonical_body};
use super::patch;
use super::schema::ResourceKind;
use crate::service::scim::wire::{ENTERPRISE_USER, PatchRequest};
use crate::simulator::seed::{Accounts, PersonSeed, ScimAccountSeed, Seed};

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

/// Resources of one kind in creation order, found by id. A page is a slice of `items`; a removal
/// (rare) shifts the later items and renumbers them in `by_id`.
#[derive(Debug, Default)]
struct Collection {
    items: Vec<Stored>,
    by_id: HashMap<String, usize>,
}

impl Collection {
    fn with_capacity(capacity: usize) -> Self {
        Self {
            items: Vec::with_capacity(capacity),
            by_id: HashMap::with_capacity(capacity),
        }
    }

    fn insert(&mut self, stored: Stored) {
        self.by_id.insert(stored.id.clone(), self.items.len());
        self.items.push(stored);
    }

    fn get(&self, id: &str) -> Option<&Stored> {
        self.items.get(*self.by_id.get(id)?)
    }

    fn get_mut(&mut self, id: &str) -> Option<&mut Stored> {
        self.items.get_mut(*self.by_id.get(id)?)
    }

    fn remove(&mut self, id: &str) -> Option<Stored> {
        let position = self.by_id.remove(id)?;
        let removed = self.items.remove(position);
        for (offset, later) in self.items[position..].iter().enumerate() {
            self.by_id.insert(later.id.clone(), position + offset);
        }
        Some(removed)
    }
}

/// Which groups each user belongs to, by positions in the collections: the groups of the user at
/// position `p` are `groups[starts[p]..starts[p + 1]]`, in the groups' order.
#[derive(Debug, Default)]
struct Memberships {
    starts: Vec<u32>,
    groups: Vec<u32>,
}

impl Memberships {
    /// Indexes every group's user members.
    fn index(users: &Collection, groups: &Collection) -> Self {
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        for (group_position, group) in groups.items.iter().enumerate() {
            let members = group.body.get("members").and_then(Value::as_array);
            for member in members.into_iter().flatten() {
                let user = member
                    .get("value")
                    .and_then(Value::as_str)
                    .and_then(|id| users.by_id.get(id));
                if let Some(user) = user {
                    pairs.push((*user as u32, group_position as u32));
                }
            }
        }
        // A stable sort by user keeps each user's groups in the groups' order.
        pairs.sort_by_key(|(user, _)| *user);
        let mut starts = Vec::with_capacity(users.items.len() + 1);
        let mut next = 0;
        for user in 0..users.items.len() as u32 {
            starts.push(next as u32);
            while pairs.get(next).is_some_and(|(u, _)| *u == user) {
                next += 1;
            }
        }
        starts.push(next as u32);
        Self {
            starts,
            groups: pairs.into_iter().map(|(_, group)| group).collect(),
        }
    }

    /// The groups of the user at `position`.
    fn of(&self, position: usize) -> &[u32] {
        match (self.starts.get(position), self.starts.get(position + 1)) {
            (Some(start), Some(end)) => &self.groups[*start as usize..*end as usize],
            _ => &[],
        }
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
    /// Group memberships of the users, built at seeding (or on first use after a write) and
    /// dropped on every write, so that rendering a page of users does not scan every group's
    /// members for each user.
    memberships: OnceLock<Memberships>,
}

impl ScimStore {
    /// The people of the seed that have a SCIM account, with one group per department.
    pub fn from_seed(seed: &Seed) -> Result<Self, String> {
        let mut store = Self {
            users: Collection::with_capacity(seed.people().size_hint().0),
            groups: Collection::default(),
            etag: true,
            account_extension: true,
            created: 0,
            memberships: OnceLock::new(),
        };
        let mut departments: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (index, person) in seed.people_with(Accounts::SCIM).enumerate() {
            let mut person = person.into_owned();
            let Some(account) = person.scim.take() else {
                continue;
            };
            let id = uuid_from(&format!("scim-user:{}", person.email));
            let account_id = hex_from(&format!("account:{}", person.email), 24);
            if let Some(department) = &account.department {
                departments
                    .entry(department.clone())
                    .or_default()
                    .push(id.clone());
            }
            let body = seeded_user_body(person, account);
            let created = timestamp(SEED_EPOCH_SECONDS * 1_000_000 + index as i64 * 5_821_000_000);
            store.users.insert(Stored {
                account_id: Some(account_id),
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
            let members = members
                .into_iter()
                .map(|id| {
                    let mut member = Map::with_capacity(2);
                    member.insert("value".to_owned(), Value::String(id));
                    member.insert("type".to_owned(), Value::String("User".to_owned()));
                    Value::Object(member)
                })
                .collect();
            let mut body = Map::with_capacity(2);
            body.insert("displayName".to_owned(), Value::String(name.clone()));
            body.insert("members".to_owned(), Value::Array(members));
            store.groups.insert(Stored {
                id: uuid_from(&format!("scim-group:{name}")),
                modified: created.clone(),
                created,
                version: 1,
                body,
                account_id: None,
            });
        }
        store.memberships();
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
        self.collection(kind).items.iter()
    }

    /// How many resources of a kind there are.
    pub fn count(&self, kind: ResourceKind) -> usize {
        self.collection(kind).items.len()
    }

    /// At most `count` resources of a kind from the 0-based position `skip` on, in creation
    /// order (a slice: no walk over the resources before it).
    pub fn page(&self, kind: ResourceKind, skip: usize, count: usize) -> &[Stored] {
        let items = &self.collection(kind).items;
        let start = skip.min(items.len());
        &items[start..start.saturating_add(count).min(items.len())]
    }

    /// One resource.
    pub fn get(&self, kind: ResourceKind, id: &str) -> Result<&Stored, Fault> {
        self.collection(kind)
            .get(id)
            .ok_or_else(|| Fault::not_found(kind, id))
    }

    /// The groups a user belongs to: (id, displayName).
    pub fn groups_of(&self, user_id: &str) -> Vec<(&str, &str)> {
        let Some(position) = self.users.by_id.get(user_id) else {
            return Vec::new();
        };
        self.memberships()
            .of(*position)
            .iter()
            .filter_map(|group| self.groups.items.get(*group as usize))
            .map(|group| {
                (
                    group.id.as_str(),
                    group.text("displayName").unwrap_or_default(),
                )
            })
            .collect()
    }

    fn memberships(&self) -> &Memberships {
        self.memberships
            .get_or_init(|| Memberships::index(&self.users, &self.groups))
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
        for group in self.groups.items.iter_mut() {
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

/// The stored attributes of a seeded user, in the order a client sees them: `userName`, `name`,
/// `displayName`, `active`, `emails`, the optional core attributes, `phoneNumbers`, then the
/// enterprise extension.
fn seeded_user_body(person: PersonSeed, account: ScimAccountSeed) -> Map<String, Value> {
    let email = account.email.unwrap_or(person.email);
    let display = format!("{} {}", person.first_name, person.last_name);
    let text = |value: &str| Value::String(value.to_owned());
    let mut name = Map::with_capacity(3);
    name.insert("givenName".to_owned(), Value::String(person.first_name));
    name.insert("familyName".to_owned(), Value::String(person.last_name));
    name.insert("formatted".to_owned(), text(&display));
    let mut body = Map::with_capacity(14);
    body.insert("userName".to_owned(), text(&email));
    body.insert("name".to_owned(), Value::Object(name));
    body.insert("displayName".to_owned(), Value::String(display));
    body.insert("active".to_owned(), Value::Bool(account.active));
    body.insert("emails".to_owned(), primary_work(email));
    let mut enterprise = Map::new();
    for (key, value) in [
        ("department", &account.department),
        ("organization", &account.organization),
    ] {
        if let Some(value) = value {
            enterprise.insert(key.to_owned(), text(value));
        }
    }
    let optional = [
        ("externalId", account.external_id),
        ("nickName", account.nick_name),
        ("title", account.title),
        ("preferredLanguage", account.preferred_language),
        ("timezone", account.timezone),
        ("department", account.department),
        ("organization", account.organization),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            body.insert(key.to_owned(), Value::String(value));
        }
    }
    if let Some(phone) = account.phone {
        body.insert("phoneNumbers".to_owned(), primary_work(phone));
    }
    if !enterprise.is_empty() {
        body.insert(ENTERPRISE_USER.to_owned(), Value::Object(enterprise));
    }
    body
}

/// `[{"value": value, "type": "work", "primary": true}]`.
fn primary_work(value: String) -> Value {
    let mut item = Map::with_capacity(3);
    item.insert("value".to_owned(), Value::String(value));
    item.insert("type".to_owned(), Value::String("work".to_owned()));
    item.insert("primary".to_owned(), Value::Bool(true));
    Value::Array(vec![Value::Object(item)])
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
