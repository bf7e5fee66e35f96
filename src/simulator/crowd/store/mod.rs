//! The simulated Crowd directory's data and the rules that act on it: users here, groups and
//! memberships in `groups.rs`, password authentication in `authentication.rs`.
//!
//! Users and groups are keyed by their lower-cased name, as Crowd compares names
//! case-insensitively, and iterate in name order (the order searches return). Crowd-managed
//! attributes are seeded deterministically from the username. Handlers call these methods under
//! the simulator's lock; nothing here knows about HTTP (a [`Refusal`] only names Crowd's status
//! and reason).

mod authentication;
mod groups;

use std::collections::{BTreeMap, BTreeSet};

use super::restriction::Restriction;
use crate::simulator::seed::{Accounts, Seed};
use crate::simulator::window::window;

pub use groups::{Group, GroupFields};

/// The password of every seeded user whose seed names none (a demo directory's, documented in
/// the README); users created through the API have the one they were created with.
pub const SEEDED_PASSWORD: &str = "roster-demo";

/// The id of the one directory every simulated user lives in.
pub const DIRECTORY_ID: u64 = 32769;
/// Its name.
pub const DIRECTORY_NAME: &str = "Crowd Internal Directory";
/// A fixed "now" for seeded timestamps (2025-01-01T00:00:00Z), so seeds are reproducible.
const SEED_NOW_MS: u64 = 1_735_689_600_000;
const DAY_MS: u64 = 86_400_000;

/// A Crowd user.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// The username as created (lookups ignore case).
    pub name: String,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Name people read.
    pub display_name: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// May log in.
    pub active: bool,
    /// The immutable key, `32769:<uuid>`.
    pub key: String,
    /// Multi-valued attributes, Crowd-managed ones included.
    pub attributes: BTreeMap<String, Vec<String>>,
    /// Direct group memberships, by the groups' names as created.
    pub groups: BTreeSet<String>,
    /// The password (`None`: the user cannot authenticate). Never rendered.
    pub password: Option<String>,
}

/// Why an operation was refused: Crowd's status, `reason` and `message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The HTTP status.
    pub status: u16,
    /// Crowd's reason code.
    pub reason: &'static str,
    /// The message.
    pub message: String,
}

impl Refusal {
    /// 404 `USER_NOT_FOUND`, with the message real servers send.
    pub fn user_not_found(name: &str) -> Self {
        Self {
            status: 404,
            reason: "USER_NOT_FOUND",
            message: format!("User <{name}> does not exist"),
        }
    }

    /// 404 `GROUP_NOT_FOUND`.
    pub fn group_not_found(name: &str) -> Self {
        Self {
            status: 404,
            reason: "GROUP_NOT_FOUND",
            message: format!("Group <{name}> does not exist"),
        }
    }

    /// 400 `ILLEGAL_ARGUMENT`.
    pub fn illegal(message: impl Into<String>) -> Self {
        Self {
            status: 400,
            reason: "ILLEGAL_ARGUMENT",
            message: message.into(),
        }
    }

    /// 400 with another reason (`INVALID_USER`, `INVALID_CREDENTIAL`, `INVALID_EMAIL`).
    pub fn bad(reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            status: 400,
            reason,
            message: message.into(),
        }
    }

    /// 404 `MEMBERSHIP_NOT_FOUND` (the status is from Crowd's exception mapper; the message is
    /// UNCONFIRMED).
    pub fn membership_not_found(child: &str, parent: &str) -> Self {
        Self {
            status: 404,
            reason: "MEMBERSHIP_NOT_FOUND",
            message: format!("The child entity <{child}> is not a member of the parent <{parent}>"),
        }
    }

    /// 409 `MEMBERSHIP_ALREADY_EXISTS` (reason from Crowd's list; the status and the message are
    /// UNCONFIRMED).
    pub fn membership_exists(child: &str, parent: &str) -> Self {
        Self {
            status: 409,
            reason: "MEMBERSHIP_ALREADY_EXISTS",
            message: format!("<{child}> is already a direct member of <{parent}>"),
        }
    }

    /// The same refusal answered 400: Crowd's resources do this where the entity named in the
    /// body, rather than the one addressed by the URL, does not exist.
    pub fn as_bad_request(self) -> Self {
        Self {
            status: 400,
            ..self
        }
    }
}

/// The fields of a user a `PUT /user` or `POST /user` body may set; None = not given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserFields {
    /// `first-name` (Some(None) = cleared).
    pub first_name: Option<Option<String>>,
    /// `last-name`.
    pub last_name: Option<Option<String>>,
    /// `display-name`.
    pub display_name: Option<Option<String>>,
    /// `email`.
    pub email: Option<Option<String>>,
    /// `active`.
    pub active: Option<bool>,
}

/// The whole simulated directory.
#[derive(Debug, Default)]
pub struct CrowdStore {
    /// Users by lower-cased name.
    pub users: BTreeMap<String, User>,
    /// Groups by lower-cased name.
    pub groups: BTreeMap<String, Group>,
    created: u64,
}

/// A deterministic 64-bit hash of a text (FNV-1a, then splitmix64 finalisation).
fn hash(text: &str) -> u64 {
    let fnv = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let mut z = fnv.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A user key in Crowd's `<directory id>:<uuid>` form, derived from a text.
fn key_for(text: &str) -> String {
    let a = hash(text);
    let b = hash(&format!("{text}#key"));
    format!(
        "{DIRECTORY_ID}:{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

/// Crowd's password and login bookkeeping for a user, derived from the username.
fn system_attributes(name: &str, active: bool) -> [(&'static str, String); 4] {
    let h = hash(name);
    let changed = SEED_NOW_MS - DAY_MS * ((h >> 16) % 400);
    let idle_days = if active {
        (h >> 32) % 30
    } else {
        120 + (h >> 32) % 200
    };
    [
        ("requiresPasswordChange", h.is_multiple_of(11).to_string()),
        ("invalidPasswordAttempts", ((h >> 8) % 4).to_string()),
        ("passwordLastChanged", changed.to_string()),
        (
            "lastAuthenticated",
            (SEED_NOW_MS - DAY_MS * idle_days - (h >> 40) % DAY_MS).to_string(),
        ),
    ]
}

fn text_matches(value: &str, wanted: &str) -> bool {
    value.eq_ignore_ascii_case(wanted)
}

impl CrowdStore {
    /// Every group of the seed and every person with a Crowd account (curated and generated).
    ///
    /// A group a person names that the seed's group list lacks is created plain (no description,
    /// no attributes, active).
    pub fn from_seed(seed: &Seed) -> Result<Self, String> {
        let mut store = Self::default();
        store.seed_groups(&seed.crowd.groups)?;
        for person in seed.people_with(Accounts::CROWD) {
            let person = person.into_owned();
            let Some(account) = person.crowd else {
                continue;
            };
            let name = person.username;
            let mut attributes: BTreeMap<String, Vec<String>> =
                system_attributes(&name, account.active)
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), vec![v]))
                    .collect();
            attributes.extend(account.attributes);
            let user = User {
                key: key_for(&name),
                display_name: Some(format!("{} {}", person.first_name, person.last_name)),
                first_name: Some(person.first_name),
                last_name: Some(person.last_name),
                email: Some(account.email.unwrap_or(person.email)),
                active: account.active,
                attributes,
                groups: account
                    .groups
                    .iter()
                    .map(|group| store.seeded_group(group))
                    .collect(),
                password: Some(
                    account
                        .password
                        .unwrap_or_else(|| SEEDED_PASSWORD.to_owned()),
                ),
                name,
            };
            match store.users.entry(user.name.to_lowercase()) {
                std::collections::btree_map::Entry::Vacant(vacant) => {
                    vacant.insert(user);
                }
                std::collections::btree_map::Entry::Occupied(_) => {
                    return Err(format!(
                        "the seed has two Crowd users named `{}`",
                        user.name
                    ));
                }
            }
        }
        Ok(store)
    }

    /// The user with this name (any case).
    pub fn user(&self, name: &str) -> Result<&User, Refusal> {
        self.users
            .get(&name.to_lowercase())
            .ok_or_else(|| Refusal::user_not_found(name))
    }

    fn user_mut(&mut self, name: &str) -> Result<&mut User, Refusal> {
        self.users
            .get_mut(&name.to_lowercase())
            .ok_or_else(|| Refusal::user_not_found(name))
    }

    /// `PUT /user`: the body's name must equal the query's (ignoring case); fields not given
    /// stay as they are.
    pub fn update_user(
        &mut self,
        name: &str,
        body_name: Option<&str>,
        fields: UserFields,
    ) -> Result<(), Refusal> {
        self.user(name)?;
        if !body_name.is_some_and(|b| text_matches(b, name)) {
            return Err(Refusal::illegal(format!(
                "The names of the resource location <{name}> and object <{}> are not equal",
                body_name.unwrap_or("null")
            )));
        }
        check_email(&fields)?;
        let user = self.user_mut(name)?;
        apply_fields(user, fields);
        Ok(())
    }

    /// `POST /user`: a new user with a password; the name must be free.
    pub fn create_user(
        &mut self,
        name: &str,
        password: &str,
        fields: UserFields,
    ) -> Result<&User, Refusal> {
        if name.trim().is_empty() {
            return Err(Refusal::bad("INVALID_USER", "User name must be given"));
        }
        if password.is_empty() {
            return Err(Refusal::bad(
                "INVALID_CREDENTIAL",
                "Password must be given when creating a user",
            ));
        }
        if self.users.contains_key(&name.to_lowercase()) {
            return Err(Refusal::bad(
                "INVALID_USER",
                format!("User <{name}> already exists"),
            ));
        }
        check_email(&fields)?;
        self.created += 1;
        let mut user = User {
            name: name.to_owned(),
            first_name: None,
            last_name: None,
            display_name: None,
            email: None,
            active: true,
            key: key_for(&format!("{name}#created{}", self.created)),
            attributes: [
                ("requiresPasswordChange", "false"),
                ("invalidPasswordAttempts", "0"),
                ("passwordLastChanged", &now_ms().to_string()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), vec![v.to_owned()]))
            .collect(),
            groups: BTreeSet::new(),
            password: Some(password.to_owned()),
        };
        apply_fields(&mut user, fields);
        if user.display_name.is_none() {
            let joined = [user.first_name.as_deref(), user.last_name.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            user.display_name = Some(joined).filter(|j| !j.is_empty());
        }
        let key = name.to_lowercase();
        self.users.insert(key.clone(), user);
        self.user(&key)
    }

    /// `DELETE /user`.
    pub fn delete_user(&mut self, name: &str) -> Result<(), Refusal> {
        self.users
            .remove(&name.to_lowercase())
            .map(|_| ())
            .ok_or_else(|| Refusal::user_not_found(name))
    }

    /// `PUT /user/password`: the new password works at once; as Crowd's internal directory does,
    /// the change also clears `requiresPasswordChange` and `invalidPasswordAttempts`.
    pub fn set_password(&mut self, name: &str, password: &str) -> Result<(), Refusal> {
        if password.is_empty() {
            return Err(Refusal::bad(
                "INVALID_CREDENTIAL",
                "Password must not be empty",
            ));
        }
        let user = self.user_mut(name)?;
        user.password = Some(password.to_owned());
        user.attributes
            .insert("passwordLastChanged".to_owned(), vec![now_ms().to_string()]);
        user.attributes.insert(
            "requiresPasswordChange".to_owned(),
            vec!["false".to_owned()],
        );
        user.attributes
            .insert("invalidPasswordAttempts".to_owned(), vec!["0".to_owned()]);
        Ok(())
    }

    /// `POST /user/attribute`: each named attribute gets exactly these values; others stay.
    pub fn store_attributes(
        &mut self,
        name: &str,
        attributes: Vec<(String, Vec<String>)>,
    ) -> Result<(), Refusal> {
        check_attribute_names(&attributes)?;
        store_values(&mut self.user_mut(name)?.attributes, attributes);
        Ok(())
    }

    /// `DELETE /user/attribute`: removing an attribute the user lacks is not an error.
    pub fn delete_attribute(&mut self, name: &str, attribute: &str) -> Result<(), Refusal> {
        self.user_mut(name)?.attributes.remove(attribute);
        Ok(())
    }

    /// Users matching a restriction, in name order, from `start` on, at most `max`.
    pub fn search_users(&self, restriction: &Restriction, start: usize, max: usize) -> Vec<&User> {
        if matches!(restriction, Restriction::All) {
            return window(self.users.values(), self.users.len(), start, max);
        }
        self.users
            .values()
            .filter(|u| restriction.matches(&|property| user_property(u, property)))
            .skip(start)
            .take(max)
            .collect()
    }
}

/// The values of a searchable property of a user: Crowd's user terms, else a custom attribute.
pub fn user_property(user: &User, property: &str) -> Vec<String> {
    let one = |v: &Option<String>| v.iter().cloned().collect();
    match property {
        "name" | "username" => vec![user.name.clone()],
        "email" => one(&user.email),
        "firstName" => one(&user.first_name),
        "lastName" => one(&user.last_name),
        "displayName" => one(&user.display_name),
        "active" => vec![user.active.to_string()],
        "key" => vec![user.key.clone()],
        other => user.attributes.get(other).cloned().unwrap_or_default(),
    }
}

/// Refuses a list that names an attribute with an empty name.
fn check_attribute_names(attributes: &[(String, Vec<String>)]) -> Result<(), Refusal> {
    if attributes.iter().any(|(n, _)| n.trim().is_empty()) {
        return Err(Refusal::illegal("Attribute name must be given"));
    }
    Ok(())
}

/// Gives each named attribute exactly these values (a set: repeats are dropped); others stay.
fn store_values(
    target: &mut BTreeMap<String, Vec<String>>,
    attributes: Vec<(String, Vec<String>)>,
) {
    for (attribute, values) in attributes {
        let mut unique: Vec<String> = Vec::with_capacity(values.len());
        for value in values {
            if !unique.contains(&value) {
                unique.push(value);
            }
        }
        target.insert(attribute, unique);
    }
}

fn check_email(fields: &UserFields) -> Result<(), Refusal> {
    match &fields.email {
        Some(Some(email)) if !email.is_empty() && !email.contains('@') => Err(Refusal::bad(
            "INVALID_EMAIL",
            format!("Invalid email address <{email}>"),
        )),
        _ => Ok(()),
    }
}

fn apply_fields(user: &mut User, fields: UserFields) {
    if let Some(v) = fields.first_name {
        user.first_name = v;
    }
    if let Some(v) = fields.last_name {
        user.last_name = v;
    }
    if let Some(v) = fields.display_name {
        user.display_name = v;
    }
    if let Some(v) = fields.email {
        user.email = v;
    }
    if let Some(v) = fields.active {
        user.active = v;
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(SEED_NOW_MS, |d| d.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> CrowdStore {
        CrowdStore::from_seed(&Seed::demo(20).expect("seed")).expect("store")
    }

    #[test]
    fn seeding_is_deterministic_and_includes_crowd_managed_attributes() {
        let (a, b) = (store(), store());
        assert_eq!(a.users, b.users);
        let user = a.user("PRAMAN").expect("case-insensitive lookup");
        for name in [
            "requiresPasswordChange",
            "invalidPasswordAttempts",
            "passwordLastChanged",
            "lastAuthenticated",
        ] {
            assert_eq!(user.attributes[name].len(), 1, "{name}");
        }
        assert!(user.key.starts_with("32769:"));
        assert!(a.users.len() >= 33 + 20);
    }

    #[test]
    fn update_needs_matching_names_and_keeps_fields_not_given() {
        let mut s = store();
        let refused = s.update_user("praman", Some("other"), UserFields::default());
        assert_eq!(refused.map_err(|r| r.reason), Err("ILLEGAL_ARGUMENT"));
        let fields = UserFields {
            last_name: Some(Some("R".to_owned())),
            ..UserFields::default()
        };
        s.update_user("praman", Some("PRaman"), fields)
            .expect("update");
        let user = s.user("praman").expect("user");
        assert_eq!(user.last_name.as_deref(), Some("R"));
        assert_eq!(user.first_name.as_deref(), Some("Priya"));
    }

    #[test]
    fn storing_attributes_leaves_others_alone() {
        let mut s = store();
        let before = s.user("praman").expect("user").attributes.clone();
        s.store_attributes(
            "praman",
            vec![(
                "skills".to_owned(),
                vec!["a".to_owned(), "a".to_owned(), "b".to_owned()],
            )],
        )
        .expect("store");
        let after = &s.user("praman").expect("user").attributes;
        assert_eq!(after["skills"], ["a", "b"]);
        assert_eq!(after["department"], before["department"]);
        s.delete_attribute("praman", "no-such")
            .expect("absent is fine");
        assert_eq!(
            s.delete_attribute("nobody", "x").map_err(|r| r.status),
            Err(404)
        );
    }

    #[test]
    fn create_refuses_duplicates_and_missing_passwords() {
        let mut s = store();
        assert_eq!(
            s.create_user("praman", "pw", UserFields::default())
                .map(|_| ())
                .map_err(|r| r.reason),
            Err("INVALID_USER")
        );
        assert_eq!(
            s.create_user("new", "", UserFields::default())
                .map(|_| ())
                .map_err(|r| r.reason),
            Err("INVALID_CREDENTIAL")
        );
        let user = s
            .create_user("New.User", "pw", UserFields::default())
            .expect("created");
        assert!(user.active);
        assert!(s.user("new.user").is_ok());
    }
}
