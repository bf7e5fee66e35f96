//! The simulated Looker instance's data and the rules that act on it.
//!
//! Users, groups, attribute definitions, group values and user values live here, with the
//! lookup-path resolution Looker documents: the user's own value, then group values by lowest
//! rank, then the default. Handlers call these methods under the simulator's lock; nothing here
//! knows about HTTP.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use crate::simulator::seed::{Accounts, Seed};

/// Looker's wording for the sources of values (not documented beyond Default and No Value).
pub mod source {
    /// A value set on the user.
    pub const USER: &str = "User";
    /// A value from the attribute's default.
    pub const DEFAULT: &str = "Default";
    /// No value on the lookup path.
    pub const NO_VALUE: &str = "No Value";
    /// The prefix of a group's value: `Group: <name>`.
    pub const GROUP_PREFIX: &str = "Group: ";
}

/// A Looker user.
#[derive(Debug, Clone)]
pub struct User {
    /// Numeric id.
    pub id: u64,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Email credential.
    pub email: Option<String>,
    /// Disabled.
    pub is_disabled: bool,
    /// Locale.
    pub locale: Option<String>,
    /// Home folder.
    pub home_folder_id: Option<String>,
    /// Group ids.
    pub group_ids: Vec<u64>,
}

impl User {
    /// First and last name joined.
    pub fn display_name(&self) -> String {
        [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// An attribute definition.
#[derive(Debug, Clone)]
pub struct AttributeDef {
    /// Numeric id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Label.
    pub label: String,
    /// Value type.
    pub value_type: String,
    /// Default.
    pub default_value: Option<String>,
    /// Hidden values.
    pub value_is_hidden: bool,
    /// Users may view.
    pub user_can_view: bool,
    /// Users may edit.
    pub user_can_edit: bool,
    /// Built in.
    pub is_system: bool,
    /// Cannot be deleted.
    pub is_permanent: bool,
    /// Allowed domains for hidden values.
    pub hidden_value_domain_whitelist: Option<String>,
}

/// A group's value for an attribute.
#[derive(Debug, Clone)]
pub struct GroupValue {
    /// Stable id of this group value.
    pub id: u64,
    /// Group.
    pub group_id: u64,
    /// Attribute.
    pub attribute_id: u64,
    /// Value.
    pub value: String,
    /// Rank; lower wins.
    pub rank: i64,
}

/// One item of a `POST .../group_values` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupValueInput {
    /// The group.
    pub group_id: u64,
    /// The value.
    pub value: String,
    /// The explicit rank, when given.
    pub rank: Option<i64>,
}

/// One value on a user's lookup path, as `attribute_values` reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct PathValue {
    /// The value (the simulator never reports it for hidden attributes).
    pub value: Option<String>,
    /// Looker's source wording.
    pub source: String,
    /// Group rank.
    pub rank: Option<i64>,
}

/// The whole simulated instance.
#[derive(Debug)]
pub struct LookerStore {
    /// Users by id.
    pub users: BTreeMap<u64, User>,
    /// Groups by id.
    pub groups: BTreeMap<u64, String>,
    /// Attribute definitions by id.
    pub attributes: BTreeMap<u64, AttributeDef>,
    /// Group values.
    pub group_values: Vec<GroupValue>,
    /// The users' own values by (user, attribute).
    pub user_values: BTreeMap<(u64, u64), String>,
    /// Issued tokens and when they expire.
    pub tokens: HashMap<String, Instant>,
    next_group_value_id: u64,
    token_counter: u64,
}

/// Why a store operation was refused; handlers turn it into Looker's error bodies.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// 404.
    NotFound(String),
    /// 403.
    Forbidden(String),
    /// 409.
    Conflict(String),
    /// 422 with the field, code and message.
    Invalid {
        /// The field.
        field: String,
        /// The code.
        code: String,
        /// The message.
        message: String,
    },
}

impl LookerStore {
    /// Builds the instance from the seed.
    pub fn from_seed(seed: &Seed) -> Result<Self, String> {
        let parse_id = |id: &str, what: &str| {
            id.parse::<u64>()
                .map_err(|_| format!("{what} id `{id}` is not numeric"))
        };
        let mut groups = BTreeMap::new();
        for group in &seed.looker.groups {
            groups.insert(parse_id(&group.id, "group")?, group.name.clone());
        }
        let group_id = |name: &str| {
            groups
                .iter()
                .find(|(_, n)| n.as_str() == name)
                .map(|(id, _)| *id)
        };
        let mut attributes = BTreeMap::new();
        for a in &seed.looker.user_attributes {
            let id = parse_id(&a.id, "attribute")?;
            attributes.insert(
                id,
                AttributeDef {
                    id,
                    name: a.name.clone(),
                    label: a.label.clone(),
                    value_type: a.value_type.clone(),
                    default_value: a.default_value.clone(),
                    value_is_hidden: a.value_is_hidden,
                    user_can_view: a.user_can_view,
                    user_can_edit: a.user_can_edit,
                    is_system: a.is_system,
                    is_permanent: a.is_permanent,
                    hidden_value_domain_whitelist: a.hidden_value_domain_whitelist.clone(),
                },
            );
        }
        let attribute_id = |name: &str| attributes.values().find(|a| a.name == name).map(|a| a.id);
        let mut group_values = Vec::new();
        for (index, gv) in seed.looker.group_values.iter().enumerate() {
            group_values.push(GroupValue {
                id: index as u64 + 1,
                group_id: group_id(&gv.group)
                    .ok_or_else(|| format!("unknown group `{}`", gv.group))?,
                attribute_id: attribute_id(&gv.attribute)
                    .ok_or_else(|| format!("unknown attribute `{}`", gv.attribute))?,
                value: gv.value.clone(),
                rank: gv.rank,
            });
        }
        let mut users = BTreeMap::new();
        let mut user_values = BTreeMap::new();
        for person in seed.people_with(Accounts::LOOKER) {
            let Some(account) = &person.looker else {
                continue;
            };
            let id = parse_id(&account.id, "user")?;
            let mut group_ids = Vec::new();
            for name in &account.groups {
                group_ids.push(group_id(name).ok_or_else(|| format!("unknown group `{name}`"))?);
            }
            for (name, value) in &account.attributes {
                let attribute =
                    attribute_id(name).ok_or_else(|| format!("unknown attribute `{name}`"))?;
                user_values.insert((id, attribute), value.clone());
            }
            users.insert(
                id,
                User {
                    id,
                    first_name: Some(person.first_name.clone()),
                    last_name: Some(person.last_name.clone()),
                    email: Some(
                        account
                            .email
                            .clone()
                            .unwrap_or_else(|| person.email.clone()),
                    ),
                    is_disabled: account.disabled,
                    locale: account.locale.clone(),
                    home_folder_id: None,
                    group_ids,
                },
            );
        }
        let next_group_value_id = group_values.len() as u64 + 1;
        Ok(Self {
            users,
            groups,
            attributes,
            group_values,
            user_values,
            tokens: HashMap::new(),
            next_group_value_id,
            token_counter: 0,
        })
    }

    /// Issues a new access token valid for `lifetime`.
    pub fn issue_token(&mut self, lifetime: std::time::Duration) -> String {
        self.token_counter += 1;
        let token = format!(
            "sim{:016x}{:08x}",
            mix_token(self.token_counter),
            self.token_counter
        );
        self.tokens.insert(token.clone(), Instant::now() + lifetime);
        token
    }

    /// True when the token was issued and has not expired.
    pub fn token_is_valid(&self, token: &str) -> bool {
        self.tokens
            .get(token)
            .is_some_and(|expiry| Instant::now() < *expiry)
    }

    /// The user, or a 404 refusal.
    pub fn user(&self, id: u64) -> Result<&User, Refusal> {
        self.users
            .get(&id)
            .ok_or_else(|| Refusal::NotFound("Not found".to_owned()))
    }

    /// The attribute, or a 404 refusal.
    pub fn attribute(&self, id: u64) -> Result<&AttributeDef, Refusal> {
        self.attributes
            .get(&id)
            .ok_or_else(|| Refusal::NotFound("Not found".to_owned()))
    }

    /// The lookup path of one attribute for one user, winner first.
    pub fn lookup_path(&self, user: &User, attribute: &AttributeDef) -> Vec<PathValue> {
        let mut path = Vec::new();
        let hide = |value: String| (!attribute.value_is_hidden).then_some(value);
        if attribute.is_system {
            let derived = match attribute.name.as_str() {
                "email" => user.email.clone(),
                "first_name" => user.first_name.clone(),
                "last_name" => user.last_name.clone(),
                "name" => Some(user.display_name()),
                "locale" => user.locale.clone(),
                _ => None,
            };
            if let Some(value) = derived {
                path.push(PathValue {
                    value: hide(value),
                    source: source::USER.to_owned(),
                    rank: None,
                });
            }
        } else if let Some(value) = self.user_values.get(&(user.id, attribute.id)) {
            path.push(PathValue {
                value: hide(value.clone()),
                source: source::USER.to_owned(),
                rank: None,
            });
        }
        let mut groups: Vec<&GroupValue> = self
            .group_values
            .iter()
            .filter(|gv| gv.attribute_id == attribute.id && user.group_ids.contains(&gv.group_id))
            .collect();
        groups.sort_by_key(|gv| gv.rank);
        for gv in groups {
            let name = self.groups.get(&gv.group_id).cloned().unwrap_or_default();
            path.push(PathValue {
                value: hide(gv.value.clone()),
                source: format!("{}{name}", source::GROUP_PREFIX),
                rank: Some(gv.rank),
            });
        }
        if let Some(default) = &attribute.default_value {
            path.push(PathValue {
                value: hide(default.clone()),
                source: source::DEFAULT.to_owned(),
                rank: None,
            });
        }
        path
    }

    /// Sets the user's own value after checking type and permission.
    pub fn set_user_value(
        &mut self,
        user_id: u64,
        attribute_id: u64,
        value: &str,
    ) -> Result<(), Refusal> {
        self.user(user_id)?;
        let attribute = self.attribute(attribute_id)?;
        if attribute.is_system {
            return Err(Refusal::Forbidden(format!(
                "The value of system user attribute '{}' cannot be set",
                attribute.name
            )));
        }
        if let Err(message) = check_type(&attribute.value_type, value) {
            return Err(Refusal::Invalid {
                field: "value".to_owned(),
                code: "invalid".to_owned(),
                message,
            });
        }
        self.user_values
            .insert((user_id, attribute_id), value.to_owned());
        Ok(())
    }

    /// Removes the user's own value (absent values are fine).
    pub fn delete_user_value(&mut self, user_id: u64, attribute_id: u64) -> Result<(), Refusal> {
        self.user(user_id)?;
        let attribute = self.attribute(attribute_id)?;
        if attribute.is_system {
            return Err(Refusal::Forbidden(format!(
                "The value of system user attribute '{}' cannot be deleted",
                attribute.name
            )));
        }
        self.user_values.remove(&(user_id, attribute_id));
        Ok(())
    }

    /// Group values of an attribute in precedence order.
    pub fn group_values_of(&self, attribute_id: u64) -> Vec<&GroupValue> {
        let mut values: Vec<&GroupValue> = self
            .group_values
            .iter()
            .filter(|gv| gv.attribute_id == attribute_id)
            .collect();
        values.sort_by_key(|gv| gv.rank);
        values
    }

    /// Replaces every group value of an attribute (`POST .../group_values`).
    ///
    /// Precedence is the array order (ranks 1, 2, …) or, when every item has one, the explicit
    /// `rank` (the spec: "you must assign a rank value to every group-value object"); ranks must
    /// be unique and a group may appear once. A group that had a value keeps the id of its
    /// group-attribute relation. Nothing changes unless every item is valid. Which of 404 and 422
    /// (both listed) Looker answers for a group that does not exist is UNCONFIRMED: 422 here.
    pub fn replace_group_values(
        &mut self,
        attribute_id: u64,
        values: Vec<GroupValueInput>,
    ) -> Result<(), Refusal> {
        let attribute = self.attribute(attribute_id)?.clone();
        let ranked = values.iter().filter(|v| v.rank.is_some()).count();
        if ranked != 0 && ranked != values.len() {
            return Err(invalid(
                "rank",
                "invalid",
                "rank must be given on every group value or on none",
            ));
        }
        let mut seen_groups = std::collections::HashSet::new();
        let mut seen_ranks = std::collections::HashSet::new();
        for input in &values {
            if !self.groups.contains_key(&input.group_id) {
                return Err(invalid(
                    "group_id",
                    "invalid",
                    &format!("Group {} does not exist", input.group_id),
                ));
            }
            if !seen_groups.insert(input.group_id) {
                return Err(invalid(
                    "group_id",
                    "already_exists",
                    &format!("Group {} is listed more than once", input.group_id),
                ));
            }
            if let Some(rank) = input.rank
                && !seen_ranks.insert(rank)
            {
                return Err(invalid(
                    "rank",
                    "already_exists",
                    &format!("Rank {rank} is given to more than one group"),
                ));
            }
            check_type(&attribute.value_type, &input.value)
                .map_err(|message| invalid("value", "invalid", &message))?;
        }
        let previous: Vec<GroupValue> = self
            .group_values
            .iter()
            .filter(|gv| gv.attribute_id == attribute_id)
            .cloned()
            .collect();
        self.group_values
            .retain(|gv| gv.attribute_id != attribute_id);
        for (position, input) in (1i64..).zip(values) {
            let id = match previous.iter().find(|gv| gv.group_id == input.group_id) {
                Some(kept) => kept.id,
                None => {
                    self.next_group_value_id += 1;
                    self.next_group_value_id - 1
                }
            };
            self.group_values.push(GroupValue {
                id,
                group_id: input.group_id,
                attribute_id,
                value: input.value,
                rank: input.rank.unwrap_or(position),
            });
        }
        Ok(())
    }

    /// Sets one group's value (`PATCH /groups/{g}/attribute_values/{a}`): an existing one keeps
    /// its rank; a new one ranks after every other group value of the attribute. The rank Looker
    /// gives a new group value is UNCONFIRMED (api-facts §3.4: probably last place).
    pub fn set_group_value(
        &mut self,
        group_id: u64,
        attribute_id: u64,
        value: &str,
    ) -> Result<GroupValue, Refusal> {
        if !self.groups.contains_key(&group_id) {
            return Err(Refusal::NotFound("Not found".to_owned()));
        }
        let attribute = self.attribute(attribute_id)?;
        check_type(&attribute.value_type, value)
            .map_err(|message| invalid("value", "invalid", &message))?;
        if let Some(existing) = self
            .group_values
            .iter_mut()
            .find(|gv| gv.group_id == group_id && gv.attribute_id == attribute_id)
        {
            existing.value = value.to_owned();
            return Ok(existing.clone());
        }
        // UNCONFIRMED: a new group value ranks last.
        let rank = self
            .group_values
            .iter()
            .filter(|gv| gv.attribute_id == attribute_id)
            .map(|gv| gv.rank)
            .max()
            .unwrap_or(0)
            .saturating_add(1);
        let created = GroupValue {
            id: self.next_group_value_id,
            group_id,
            attribute_id,
            value: value.to_owned(),
            rank,
        };
        self.next_group_value_id += 1;
        self.group_values.push(created.clone());
        Ok(created)
    }

    /// Removes one group's value; a group with no value for the attribute is fine (204 either
    /// way: whether Looker answers 404 then is UNCONFIRMED).
    pub fn delete_group_value(&mut self, group_id: u64, attribute_id: u64) -> Result<(), Refusal> {
        if !self.groups.contains_key(&group_id) {
            return Err(Refusal::NotFound("Not found".to_owned()));
        }
        self.attribute(attribute_id)?;
        self.group_values
            .retain(|gv| !(gv.group_id == group_id && gv.attribute_id == attribute_id));
        Ok(())
    }

    /// True when another user already has this email.
    pub fn email_taken(&self, email: &str, except: Option<u64>) -> bool {
        self.users.values().any(|u| {
            Some(u.id) != except
                && u.email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(email))
        })
    }

    /// Adds a user with the next free id.
    pub fn insert_user(&mut self, mut user: User) -> u64 {
        let id = self.users.keys().next_back().copied().unwrap_or(0) + 1;
        user.id = id;
        self.users.insert(id, user);
        id
    }
}

/// A 422 refusal naming the field.
pub fn invalid(field: &str, code: &str, message: &str) -> Refusal {
    Refusal::Invalid {
        field: field.to_owned(),
        code: code.to_owned(),
        message: message.to_owned(),
    }
}

/// Checks a value against an attribute type the way Looker validates it.
pub fn check_type(value_type: &str, value: &str) -> Result<(), String> {
    let ok = match value_type {
        "number" => value.trim().parse::<f64>().is_ok_and(f64::is_finite),
        "yesno" => matches!(value, "yes" | "no"),
        "zipcode" => {
            let digits = |s: &str, n| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
            match value.split_once('-') {
                Some((a, b)) => digits(a, 5) && digits(b, 4),
                None => digits(value, 5),
            }
        }
        "datetime" => {
            value.len() >= 10
                && value.as_bytes()[4] == b'-'
                && value.as_bytes()[7] == b'-'
                && value[..4].bytes().all(|b| b.is_ascii_digit())
        }
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("Value must be a valid {value_type}"))
    }
}

fn mix_token(counter: u64) -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    (nanos ^ counter.wrapping_mul(0x9e37_79b9_7f4a_7c15)).rotate_left(17)
}
