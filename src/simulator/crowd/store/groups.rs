//! Groups of the simulated Crowd directory and who belongs to them: users directly, and groups
//! inside groups, whose members are nested members of every group above them.
//!
//! Facts (Crowd's `GroupsResource`/`UsersResource` source and exception mappers, api-facts §1.5):
//! a missing group is 404 `GROUP_NOT_FOUND`, a missing membership 404 `MEMBERSHIP_NOT_FOUND`, a
//! bad group 400 `INVALID_GROUP`, a bad nesting 400 `INVALID_MEMBERSHIP`; a membership that
//! exists already is 409 `MEMBERSHIP_ALREADY_EXISTS` (status UNCONFIRMED). A user's direct groups
//! are held on the user (by the groups' names as created, an invariant every method keeps); a
//! group holds its direct child groups. Nothing here knows about HTTP.

use std::collections::{BTreeMap, BTreeSet};

use super::{CrowdStore, Refusal, User, check_attribute_names, store_values};
use crate::simulator::crowd::restriction::Restriction;
use crate::simulator::seed::CrowdGroupSeed;

/// A Crowd group.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The name as created (lookups ignore case).
    pub name: String,
    /// What the group is for (Crowd renders an empty one as `""`).
    pub description: String,
    /// Whether the group is active.
    pub active: bool,
    /// Multi-valued attributes (they do not flow down to members).
    pub attributes: BTreeMap<String, Vec<String>>,
    /// Direct child groups, by lower-cased name.
    pub child_groups: BTreeSet<String>,
}

impl Group {
    fn plain(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            description: String::new(),
            active: true,
            attributes: BTreeMap::new(),
            child_groups: BTreeSet::new(),
        }
    }
}

/// The fields of a group a `POST /group` or `PUT /group` body may set; None = not given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupFields {
    /// `description` (null clears it).
    pub description: Option<String>,
    /// `active`.
    pub active: Option<bool>,
}

fn key(name: &str) -> String {
    name.to_lowercase()
}

impl CrowdStore {
    /// Creates the seed's groups, then nests them.
    pub(super) fn seed_groups(&mut self, seeds: &[CrowdGroupSeed]) -> Result<(), String> {
        for seed in seeds {
            let group = Group {
                description: seed.description.clone(),
                active: seed.active,
                attributes: seed.attributes.clone(),
                ..Group::plain(&seed.name)
            };
            if self.groups.insert(key(&seed.name), group).is_some() {
                return Err(format!(
                    "the seed has two Crowd groups named `{}`",
                    seed.name
                ));
            }
        }
        for seed in seeds {
            for child in &seed.child_groups {
                self.seeded_group(child);
                self.add_group_to_group(child, &seed.name)
                    .map_err(|refusal| {
                        format!("Crowd group `{}`: {}", seed.name, refusal.message)
                    })?;
            }
        }
        Ok(())
    }

    /// The name of the group a seed names, created plain when the seed's list lacks it.
    pub(super) fn seeded_group(&mut self, name: &str) -> String {
        self.groups
            .entry(key(name))
            .or_insert_with(|| Group::plain(name))
            .name
            .clone()
    }

    /// The group with this name (any case).
    pub fn group(&self, name: &str) -> Result<&Group, Refusal> {
        self.groups
            .get(&key(name))
            .ok_or_else(|| Refusal::group_not_found(name))
    }

    fn group_mut(&mut self, name: &str) -> Result<&mut Group, Refusal> {
        self.groups
            .get_mut(&key(name))
            .ok_or_else(|| Refusal::group_not_found(name))
    }

    /// `POST /group`: a new group; the name must be given and free (else 400 `INVALID_GROUP`).
    pub fn create_group(&mut self, name: &str, fields: GroupFields) -> Result<&Group, Refusal> {
        if name.trim().is_empty() {
            return Err(Refusal::bad("INVALID_GROUP", "Group name must be given"));
        }
        if self.groups.contains_key(&key(name)) {
            return Err(Refusal::bad(
                "INVALID_GROUP",
                format!("Group <{name}> already exists"),
            ));
        }
        let mut group = Group::plain(name);
        apply_fields(&mut group, fields);
        self.groups.insert(key(name), group);
        self.group(name)
    }

    /// `PUT /group`: the body's name must equal the query's (ignoring case), else 400
    /// `INVALID_GROUP` with Crowd's message; fields not given stay as they are.
    pub fn update_group(
        &mut self,
        name: &str,
        body_name: Option<&str>,
        fields: GroupFields,
    ) -> Result<&Group, Refusal> {
        self.group(name)?;
        if !body_name.is_some_and(|b| b.eq_ignore_ascii_case(name)) {
            return Err(Refusal::bad(
                "INVALID_GROUP",
                format!(
                    "The names of the resource location <{name}> and object <{}> are not equal",
                    body_name.unwrap_or("null")
                ),
            ));
        }
        apply_fields(self.group_mut(name)?, fields);
        self.group(name)
    }

    /// `DELETE /group`: the group and every membership in or of it go.
    pub fn delete_group(&mut self, name: &str) -> Result<(), Refusal> {
        let removed = self
            .groups
            .remove(&key(name))
            .ok_or_else(|| Refusal::group_not_found(name))?;
        for user in self.users.values_mut() {
            user.groups.remove(&removed.name);
        }
        for group in self.groups.values_mut() {
            group.child_groups.remove(&key(name));
        }
        Ok(())
    }

    /// `POST /group/attribute`: each named attribute gets exactly these values; others stay.
    pub fn store_group_attributes(
        &mut self,
        name: &str,
        attributes: Vec<(String, Vec<String>)>,
    ) -> Result<(), Refusal> {
        check_attribute_names(&attributes)?;
        store_values(&mut self.group_mut(name)?.attributes, attributes);
        Ok(())
    }

    /// `DELETE /group/attribute`: removing an attribute the group lacks is not an error.
    pub fn delete_group_attribute(&mut self, name: &str, attribute: &str) -> Result<(), Refusal> {
        self.group_mut(name)?.attributes.remove(attribute);
        Ok(())
    }

    /// Makes a user a direct member of a group (404 for either missing, 409 if a member).
    pub fn add_user_to_group(&mut self, username: &str, group: &str) -> Result<(), Refusal> {
        self.user(username)?;
        let group_name = self.group(group)?.name.clone();
        let user = self.user_mut(username)?;
        if !user.groups.insert(group_name.clone()) {
            return Err(Refusal::membership_exists(&user.name, &group_name));
        }
        Ok(())
    }

    /// Ends a user's direct membership (404 for either missing or no such membership).
    pub fn remove_user_from_group(&mut self, username: &str, group: &str) -> Result<(), Refusal> {
        self.user(username)?;
        let group_name = self.group(group)?.name.clone();
        let user = self.user_mut(username)?;
        if !user.groups.remove(&group_name) {
            return Err(Refusal::membership_not_found(&user.name, &group_name));
        }
        Ok(())
    }

    /// Nests `child` directly in `parent`; a group cannot contain itself, directly or through
    /// others (400 `INVALID_MEMBERSHIP`; Crowd's handling of cycles is UNCONFIRMED).
    pub fn add_group_to_group(&mut self, child: &str, parent: &str) -> Result<(), Refusal> {
        let parent_name = self.group(parent)?.name.clone();
        let child_name = self.group(child)?.name.clone();
        if key(child) == key(parent) || self.descendants(child).contains(&key(parent)) {
            return Err(Refusal::bad(
                "INVALID_MEMBERSHIP",
                format!(
                    "Cannot add <{child_name}> to <{parent_name}>: groups cannot contain themselves"
                ),
            ));
        }
        if !self.group_mut(parent)?.child_groups.insert(key(child)) {
            return Err(Refusal::membership_exists(&child_name, &parent_name));
        }
        Ok(())
    }

    /// Ends a direct nesting of `child` in `parent`.
    pub fn remove_group_from_group(&mut self, child: &str, parent: &str) -> Result<(), Refusal> {
        let child_name = self.group(child)?.name.clone();
        let parent = self.group_mut(parent)?;
        if !parent.child_groups.remove(&key(child)) {
            return Err(Refusal::membership_not_found(&child_name, &parent.name));
        }
        Ok(())
    }

    /// The lower-cased names of the groups inside `name`, at any depth.
    fn descendants(&self, name: &str) -> BTreeSet<String> {
        self.closure(key(name), |group| {
            self.groups
                .get(group)
                .map(|g| g.child_groups.iter().cloned().collect())
                .unwrap_or_default()
        })
    }

    /// The lower-cased names of the groups that contain `name`, at any depth.
    fn ancestors(&self, name: &str) -> BTreeSet<String> {
        self.closure(key(name), |group| {
            self.groups
                .iter()
                .filter(|(_, g)| g.child_groups.contains(group))
                .map(|(k, _)| k.clone())
                .collect()
        })
    }

    /// Every group reachable from `start` by `next`, `start` excluded unless a cycle leads back.
    fn closure(&self, start: String, next: impl Fn(&str) -> Vec<String>) -> BTreeSet<String> {
        let mut found = BTreeSet::new();
        let mut pending = next(&start);
        while let Some(group) = pending.pop() {
            if found.insert(group.clone()) {
                pending.extend(next(&group));
            }
        }
        found
    }

    fn groups_named(&self, keys: impl IntoIterator<Item = String>) -> Vec<&Group> {
        let keys: BTreeSet<String> = keys.into_iter().collect();
        keys.iter().filter_map(|k| self.groups.get(k)).collect()
    }

    /// A user's groups in name order: direct ones, or (`nested`) those and every group above them.
    pub fn user_groups(&self, username: &str, nested: bool) -> Result<Vec<&Group>, Refusal> {
        let user = self.user(username)?;
        let direct = user.groups.iter().map(|g| key(g));
        if !nested {
            return Ok(self.groups_named(direct));
        }
        let mut all = BTreeSet::new();
        for group in direct {
            all.extend(self.ancestors(&group));
            all.insert(group);
        }
        Ok(self.groups_named(all))
    }

    /// A group's users in name order: direct members, or (`nested`) also the members of every
    /// group inside it.
    pub fn group_users(&self, group: &str, nested: bool) -> Result<Vec<&User>, Refusal> {
        let group = self.group(group)?;
        let mut names: BTreeSet<&str> = BTreeSet::from([group.name.as_str()]);
        if nested {
            let inside = self.descendants(&group.name);
            names.extend(
                self.groups_named(inside)
                    .into_iter()
                    .map(|g| g.name.as_str()),
            );
        }
        Ok(self
            .users
            .values()
            .filter(|u| u.groups.iter().any(|g| names.contains(g.as_str())))
            .collect())
    }

    /// A group's child groups in name order, direct or (`nested`) at any depth.
    pub fn child_groups(&self, group: &str, nested: bool) -> Result<Vec<&Group>, Refusal> {
        let group = self.group(group)?;
        Ok(if nested {
            self.groups_named(self.descendants(&group.name))
        } else {
            self.groups_named(group.child_groups.iter().cloned())
        })
    }

    /// The groups a group is inside, in name order, direct or (`nested`) at any depth.
    pub fn parent_groups(&self, group: &str, nested: bool) -> Result<Vec<&Group>, Refusal> {
        let group = self.group(group)?;
        Ok(if nested {
            self.groups_named(self.ancestors(&group.name))
        } else {
            self.groups_named(
                self.groups
                    .iter()
                    .filter(|(_, g)| g.child_groups.contains(&key(&group.name)))
                    .map(|(k, _)| k.clone()),
            )
        })
    }

    /// Groups matching a restriction (on `name`, `description`, `active`), in name order.
    pub fn search_groups(&self, restriction: &Restriction) -> Vec<&Group> {
        self.groups
            .values()
            .filter(|g| {
                restriction.matches(&|property| match property {
                    "name" => vec![g.name.clone()],
                    "description" => vec![g.description.clone()],
                    "active" => vec![g.active.to_string()],
                    _ => Vec::new(),
                })
            })
            .collect()
    }

    /// Every group with its direct users and direct child groups, in name order (one pass over
    /// the users).
    pub fn memberships(&self) -> Vec<(&Group, Vec<&User>, Vec<&Group>)> {
        let mut members: BTreeMap<&str, Vec<&User>> = BTreeMap::new();
        for user in self.users.values() {
            for group in &user.groups {
                members.entry(group.as_str()).or_default().push(user);
            }
        }
        self.groups
            .values()
            .map(|group| {
                let users = members.remove(group.name.as_str()).unwrap_or_default();
                (
                    group,
                    users,
                    self.groups_named(group.child_groups.iter().cloned()),
                )
            })
            .collect()
    }
}

fn apply_fields(group: &mut Group, fields: GroupFields) {
    if let Some(description) = fields.description {
        group.description = description;
    }
    if let Some(active) = fields.active {
        group.active = active;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulator::seed::Seed;

    fn store() -> CrowdStore {
        CrowdStore::from_seed(&Seed::demo(3).expect("seed")).expect("store")
    }

    fn names(groups: Vec<&Group>) -> Vec<&str> {
        groups.into_iter().map(|g| g.name.as_str()).collect()
    }

    #[test]
    fn the_demo_nests_developers_below_licences_and_departments() {
        let s = store();
        let direct = names(s.user_groups("vnovak", false).expect("user"));
        assert_eq!(direct, ["developers", "jira-software-users"]);
        let nested = names(s.user_groups("VNOVAK", true).expect("user"));
        assert_eq!(
            nested,
            [
                "all-staff",
                "bitbucket-users",
                "developers",
                "engineering",
                "jira-software-users"
            ]
        );
        let staff: Vec<&str> = s
            .group_users("all-staff", true)
            .expect("group")
            .into_iter()
            .map(|u| u.name.as_str())
            .collect();
        assert!(
            staff.contains(&"vnovak") && staff.contains(&"praman"),
            "{staff:?}"
        );
        assert!(s.group_users("all-staff", false).expect("group").is_empty());
        assert_eq!(
            s.group("Engineering").expect("group").attributes["cost-centre"],
            ["CC-4100"]
        );
        assert!(!s.group("contractors").expect("group").active);
        assert_eq!(
            names(s.parent_groups("developers", false).expect("group")),
            ["bitbucket-users", "engineering", "jira-software-users"]
        );
    }

    #[test]
    fn memberships_are_added_once_and_removed_once() {
        let mut s = store();
        s.add_user_to_group("praman", "Developers").expect("added");
        assert!(
            s.user("praman")
                .expect("user")
                .groups
                .contains("developers")
        );
        let again = s
            .add_user_to_group("praman", "developers")
            .map_err(|r| (r.status, r.reason));
        assert_eq!(again, Err((409, "MEMBERSHIP_ALREADY_EXISTS")));
        let missing = s
            .add_user_to_group("praman", "nope")
            .map_err(|r| (r.status, r.reason));
        assert_eq!(missing, Err((404, "GROUP_NOT_FOUND")));
        s.remove_user_from_group("PRAMAN", "developers")
            .expect("removed");
        let gone = s
            .remove_user_from_group("praman", "developers")
            .map_err(|r| (r.status, r.reason));
        assert_eq!(gone, Err((404, "MEMBERSHIP_NOT_FOUND")));
    }

    #[test]
    fn groups_cannot_contain_themselves_and_deleting_one_ends_its_memberships() {
        let mut s = store();
        for (child, parent) in [("all-staff", "developers"), ("developers", "developers")] {
            let refused = s
                .add_group_to_group(child, parent)
                .map_err(|r| (r.status, r.reason));
            assert_eq!(
                refused,
                Err((400, "INVALID_MEMBERSHIP")),
                "{child} in {parent}"
            );
        }
        let again = s
            .add_group_to_group("developers", "engineering")
            .map_err(|r| r.status);
        assert_eq!(again, Err(409));
        s.delete_group("developers").expect("deleted");
        assert!(s.users.values().all(|u| !u.groups.contains("developers")));
        assert!(
            s.groups
                .values()
                .all(|g| !g.child_groups.contains("developers"))
        );
        assert_eq!(
            s.group_users("developers", false)
                .map_err(|r| r.status)
                .err(),
            Some(404)
        );
    }

    #[test]
    fn created_groups_keep_their_spelling_and_refuse_duplicates() {
        let mut s = store();
        let fields = GroupFields {
            description: Some("QA".to_owned()),
            active: None,
        };
        s.create_group("Testers", fields).expect("created");
        let taken = s
            .create_group("TESTERS", GroupFields::default())
            .map(|_| ())
            .map_err(|r| r.reason);
        assert_eq!(taken, Err("INVALID_GROUP"));
        s.add_user_to_group("mzhou", "testers").expect("added");
        assert!(s.user("mzhou").expect("user").groups.contains("Testers"));
        let renamed = s
            .update_group("testers", Some("other"), GroupFields::default())
            .map(|_| ())
            .map_err(|r| r.reason);
        assert_eq!(renamed, Err("INVALID_GROUP"));
        let updated = s
            .update_group(
                "testers",
                Some("TESTERS"),
                GroupFields {
                    description: None,
                    active: Some(false),
                },
            )
            .expect("updated");
        assert_eq!(
            (updated.description.as_str(), updated.active),
            ("QA", false)
        );
    }
}
