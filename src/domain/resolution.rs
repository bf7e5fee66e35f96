//! One attribute across every user: each user's effective value and where it comes from, how
//! many users take their value from each source, and the blast radius of a change to the
//! attribute's group values, ranks or default — the users whose effective value would change.
//!
//! The precedence rule is not restated here: each user's chain (own value, the group values of the
//! user's groups, the default) is handed to [`precedence::resolve`](super::precedence::resolve),
//! the resolver the detail view uses, so the detail and a preview can never disagree. Everything is pure and service-neutral:
//! no I/O and no service wording. Hidden values are never held: a hidden attribute's values are
//! [`Stored::Hidden`] (whatever text a caller passes is dropped), and results for it carry
//! sources and counts, never values.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use serde::Serialize;

use super::attribute::CandidateKind;
use super::precedence::{Unresolved, resolve};

/// A value stored on the lookup path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Stored {
    /// The value's text.
    Text(String),
    /// A value of a hidden attribute: present, never read.
    Hidden,
}

impl Stored {
    /// The text, or None for a hidden value.
    pub fn text(&self) -> Option<&str> {
        match self {
            Self::Text(text) => Some(text),
            Self::Hidden => None,
        }
    }

    /// `text` as stored for an attribute that is `hidden` or not.
    fn of(text: String, hidden: bool) -> Self {
        if hidden {
            Self::Hidden
        } else {
            Self::Text(text)
        }
    }

    fn hide_if(self, hidden: bool) -> Self {
        match self {
            Self::Text(text) => Self::of(text, hidden),
            Self::Hidden => Self::Hidden,
        }
    }
}

/// What resolution needs of an attribute's definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeDefinition {
    /// The service's id for the attribute.
    pub id: String,
    /// The attribute's name.
    pub name: String,
    /// The default value, when there is one.
    pub default: Option<Stored>,
    /// Values are hidden: they are never fetched, shown, logged or exported.
    pub hidden: bool,
}

/// One group's value for the attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupValue {
    /// The group's id.
    pub group_id: String,
    /// The group's name.
    pub group_name: String,
    /// Precedence among groups: the lowest rank wins. Unique within an attribute.
    pub rank: i64,
    /// The value.
    pub value: Stored,
}

/// One user as resolution sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The service's id for the user.
    pub user_id: String,
    /// How messages name the user (login, email or `user <id>`).
    pub user: String,
    /// The ids of the groups the user belongs to.
    pub group_ids: Vec<String>,
    /// The user's own value, when they have one.
    pub own_value: Option<Stored>,
}

/// Where a user's effective value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ValueSource {
    /// The user's own value.
    User,
    /// A group's value, the lowest rank among the user's groups that have one.
    Group {
        /// The group's id.
        id: String,
        /// The group's name.
        name: String,
        /// Its rank.
        rank: i64,
    },
    /// The attribute's default.
    Default,
    /// Nothing on the lookup path: the attribute is unset for the user.
    None,
}

impl fmt::Display for ValueSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::User => f.write_str("user"),
            Self::Group { name, rank, .. } => write!(f, "group {name} rank {rank}"),
            Self::Default => f.write_str("default"),
            Self::None => f.write_str("none"),
        }
    }
}

/// The stored value a source stands for: a group is the same slot whatever its rank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot<'a> {
    User,
    Group(&'a str),
    Default,
    None,
}

impl ValueSource {
    fn slot(&self) -> Slot<'_> {
        match self {
            Self::User => Slot::User,
            Self::Group { id, .. } => Slot::Group(id),
            Self::Default => Slot::Default,
            Self::None => Slot::None,
        }
    }
}

/// A user's effective value and its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Effective {
    /// Where the value comes from.
    pub source: ValueSource,
    /// The value; None when unset, and always None for a hidden attribute.
    pub value: Option<String>,
}

/// A change to an attribute's group values, ranks or default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttributeChange {
    /// Set one group's value (Looker `PATCH /groups/{g}/attribute_values/{a}`); a group that had
    /// no value gets the last rank.
    SetGroupValue {
        /// The group's id.
        group_id: String,
        /// The new value.
        value: String,
    },
    /// Remove one group's value (Looker `DELETE /groups/{g}/attribute_values/{a}`).
    RemoveGroupValue {
        /// The group's id.
        group_id: String,
    },
    /// A new rank order of every group value, lowest (winning) first: ranks become 1, 2, …
    /// (Looker `POST /user_attributes/{a}/group_values` with the full ordered list).
    Rank {
        /// Every group that has a value, each once.
        group_ids: Vec<String>,
    },
    /// A new default, or none (Looker `PATCH /user_attributes/{a}` with `default_value`).
    SetDefault {
        /// The new default.
        value: Option<String>,
    },
}

/// Why a state or a change cannot be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolutionError {
    /// Two group values share a rank, so precedence between them is undefined.
    #[error("groups {first} and {second} both have rank {rank}; ranks must be unique")]
    DuplicateRank {
        /// The rank.
        rank: i64,
        /// One group's name.
        first: String,
        /// The other's.
        second: String,
    },
    /// A group has two values for one attribute.
    #[error("group {0} has more than one value")]
    DuplicateGroup(String),
    /// The change names a group that does not exist.
    #[error("there is no group with id {0}")]
    UnknownGroup(String),
    /// The change removes or ranks a value the group does not have.
    #[error("group {0} has no value for this attribute")]
    NoGroupValue(String),
    /// A new rank order must list every group that has a value, each once.
    #[error("the new order must list every group that has a value, each once: {0}")]
    NotAnOrder(String),
}

/// How many users take their effective value from one source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceCount {
    /// The source.
    pub source: ValueSource,
    /// The number of users.
    pub users: usize,
}

/// A user whose effective value a change would change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Affected {
    /// The service's id for the user.
    pub user_id: String,
    /// How messages name the user.
    pub user: String,
    /// The effective value now.
    pub before: Effective,
    /// The effective value after the change.
    pub after: Effective,
}

/// Every user whose effective value a change would change.
///
/// For a hidden attribute, "changes" means another stored value would apply (or the applying one
/// would be rewritten): the texts are never read, so two that happen to be equal still count, and
/// `before`/`after` carry sources only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlastRadius {
    /// The attribute is hidden: no value is carried, only who changes.
    pub hidden: bool,
    /// The users who change, in the order of the state's members.
    pub affected: Vec<Affected>,
}

impl BlastRadius {
    /// How many users change.
    pub fn count(&self) -> usize {
        self.affected.len()
    }
}

/// One attribute's definition, group values and every user's memberships and own value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeState {
    definition: AttributeDefinition,
    group_values: Vec<GroupValue>,
    group_names: BTreeMap<String, String>,
    members: Vec<Member>,
}

impl AttributeState {
    /// The state, checked: ranks unique and one value per group. `group_names` (id → name) names
    /// the groups a change may give a value to. For a hidden attribute every text is dropped.
    pub fn new(
        mut definition: AttributeDefinition,
        mut group_values: Vec<GroupValue>,
        group_names: BTreeMap<String, String>,
        mut members: Vec<Member>,
    ) -> Result<Self, ResolutionError> {
        let hidden = definition.hidden;
        definition.default = definition.default.map(|d| d.hide_if(hidden));
        for value in &mut group_values {
            value.value = std::mem::replace(&mut value.value, Stored::Hidden).hide_if(hidden);
        }
        for member in &mut members {
            member.own_value = member.own_value.take().map(|v| v.hide_if(hidden));
        }
        group_values.sort_by_key(|v| v.rank);
        for pair in group_values.windows(2) {
            if pair[0].rank == pair[1].rank {
                return Err(ResolutionError::DuplicateRank {
                    rank: pair[0].rank,
                    first: pair[0].group_name.clone(),
                    second: pair[1].group_name.clone(),
                });
            }
        }
        let mut seen = HashSet::new();
        if let Some(twice) = group_values.iter().find(|v| !seen.insert(&v.group_id)) {
            return Err(ResolutionError::DuplicateGroup(twice.group_name.clone()));
        }
        Ok(Self {
            definition,
            group_values,
            group_names,
            members,
        })
    }

    /// The attribute's definition.
    pub fn definition(&self) -> &AttributeDefinition {
        &self.definition
    }

    /// The group values, lowest rank first.
    pub fn group_values(&self) -> &[GroupValue] {
        &self.group_values
    }

    /// The users.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// The name of a group, from the group values or the group names given.
    pub fn group_name(&self, group_id: &str) -> Option<&str> {
        self.group_values
            .iter()
            .find(|v| v.group_id == group_id)
            .map(|v| v.group_name.as_str())
            .or_else(|| self.group_names.get(group_id).map(String::as_str))
    }

    /// A user's effective value and its source, by [`precedence::resolve`](super::precedence::resolve).
    pub fn resolve(&self, member: &Member) -> Effective {
        let text = |stored: &Stored| stored.text().map(str::to_owned).into_iter().collect();
        // A group candidate's `source` is its index in `group_values`, to find it again after
        // `resolve` has ordered the chain; the service's wording plays no part here.
        let mut chain = Vec::new();
        if let Some(own) = &member.own_value {
            chain.push(Unresolved {
                kind: CandidateKind::User,
                source: String::new(),
                rank: None,
                values: text(own),
            });
        }
        for (index, group_value) in self.group_values.iter().enumerate() {
            if member.group_ids.contains(&group_value.group_id) {
                chain.push(Unresolved {
                    kind: CandidateKind::Group,
                    source: index.to_string(),
                    rank: Some(group_value.rank),
                    values: text(&group_value.value),
                });
            }
        }
        if let Some(default) = &self.definition.default {
            chain.push(Unresolved {
                kind: CandidateKind::Default,
                source: String::new(),
                rank: None,
                values: text(default),
            });
        }
        let Some(winner) = resolve(chain).into_iter().find(|c| c.effective) else {
            return Effective {
                source: ValueSource::None,
                value: None,
            };
        };
        let source = match winner.kind {
            CandidateKind::User => ValueSource::User,
            CandidateKind::Default => ValueSource::Default,
            CandidateKind::Group => {
                let group_value = winner
                    .source
                    .parse::<usize>()
                    .ok()
                    .and_then(|index| self.group_values.get(index));
                match group_value {
                    Some(g) => ValueSource::Group {
                        id: g.group_id.clone(),
                        name: g.group_name.clone(),
                        rank: g.rank,
                    },
                    None => ValueSource::None,
                }
            }
        };
        Effective {
            source,
            value: winner.values.into_iter().next(),
        }
    }

    /// Every user's effective value, in the order of [`members`](Self::members).
    pub fn resolve_all(&self) -> Vec<Effective> {
        self.members.iter().map(|m| self.resolve(m)).collect()
    }

    /// How many users take their value from each source: the user, each group (lowest rank
    /// first), the default, none. Every source is listed, with zero when nobody takes it.
    pub fn source_counts(&self) -> Vec<SourceCount> {
        let mut counts: Vec<SourceCount> = std::iter::once(ValueSource::User)
            .chain(self.group_values.iter().map(|g| ValueSource::Group {
                id: g.group_id.clone(),
                name: g.group_name.clone(),
                rank: g.rank,
            }))
            .chain([ValueSource::Default, ValueSource::None])
            .map(|source| SourceCount { source, users: 0 })
            .collect();
        for effective in self.resolve_all() {
            if let Some(count) = counts.iter_mut().find(|c| c.source == effective.source) {
                count.users += 1;
            }
        }
        counts
    }

    /// The state after a change.
    pub fn apply(&self, change: &AttributeChange) -> Result<Self, ResolutionError> {
        let hidden = self.definition.hidden;
        let mut next = self.clone();
        match change {
            AttributeChange::SetGroupValue { group_id, value } => {
                let stored = Stored::of(value.clone(), hidden);
                if let Some(existing) = next
                    .group_values
                    .iter_mut()
                    .find(|v| &v.group_id == group_id)
                {
                    existing.value = stored;
                } else {
                    let name = self
                        .group_names
                        .get(group_id)
                        .ok_or_else(|| ResolutionError::UnknownGroup(group_id.clone()))?;
                    let last = next.group_values.last().map_or(0, |v| v.rank);
                    next.group_values.push(GroupValue {
                        group_id: group_id.clone(),
                        group_name: name.clone(),
                        rank: last.saturating_add(1),
                        value: stored,
                    });
                }
            }
            AttributeChange::RemoveGroupValue { group_id } => {
                let before = next.group_values.len();
                next.group_values.retain(|v| &v.group_id != group_id);
                if next.group_values.len() == before {
                    return Err(self.no_group_value(group_id));
                }
            }
            AttributeChange::Rank { group_ids } => {
                next.group_values = self.ranked(group_ids)?;
            }
            AttributeChange::SetDefault { value } => {
                next.definition.default = value.clone().map(|v| Stored::of(v, hidden));
            }
        }
        Ok(next)
    }

    /// The group values in a new order, ranked 1, 2, …
    fn ranked(&self, group_ids: &[String]) -> Result<Vec<GroupValue>, ResolutionError> {
        let mut listed = HashSet::new();
        let mut ranked = Vec::with_capacity(group_ids.len());
        for (position, group_id) in (1i64..).zip(group_ids) {
            if !listed.insert(group_id.as_str()) {
                return Err(ResolutionError::NotAnOrder(format!(
                    "{} is listed twice",
                    self.group_name(group_id).unwrap_or(group_id)
                )));
            }
            let mut value = self
                .group_values
                .iter()
                .find(|v| &v.group_id == group_id)
                .cloned()
                .ok_or_else(|| self.no_group_value(group_id))?;
            value.rank = position;
            ranked.push(value);
        }
        let missing: Vec<&str> = self
            .group_values
            .iter()
            .filter(|v| !listed.contains(v.group_id.as_str()))
            .map(|v| v.group_name.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(ResolutionError::NotAnOrder(format!(
                "{} missing",
                missing.join(", ")
            )));
        }
        Ok(ranked)
    }

    fn no_group_value(&self, group_id: &str) -> ResolutionError {
        ResolutionError::NoGroupValue(self.group_name(group_id).unwrap_or(group_id).to_owned())
    }

    /// Every user whose effective value the change would change, with before and after.
    ///
    /// Only the users the change can reach are resolved: members of the group whose value is
    /// set or removed, members of two or more groups with values for a new rank order, users
    /// whom no group value reaches for a new default; a user's own value shields them from all
    /// of these.
    pub fn blast_radius(&self, change: &AttributeChange) -> Result<BlastRadius, ResolutionError> {
        let after = self.apply(change)?;
        let with_value = |member: &Member| {
            self.group_values
                .iter()
                .filter(|g| member.group_ids.contains(&g.group_id))
                .count()
        };
        let reachable = |member: &Member| -> bool {
            if member.own_value.is_some() {
                return false;
            }
            match change {
                AttributeChange::SetGroupValue { group_id, .. }
                | AttributeChange::RemoveGroupValue { group_id } => {
                    member.group_ids.contains(group_id)
                }
                AttributeChange::Rank { .. } => with_value(member) >= 2,
                AttributeChange::SetDefault { .. } => with_value(member) == 0,
            }
        };
        let rewritten = match change {
            AttributeChange::SetGroupValue { group_id, .. } => Some(Slot::Group(group_id)),
            AttributeChange::SetDefault { .. } => Some(Slot::Default),
            AttributeChange::RemoveGroupValue { .. } | AttributeChange::Rank { .. } => None,
        };
        let hidden = self.definition.hidden;
        let affected = self
            .members
            .iter()
            .filter(|m| reachable(m))
            .filter_map(|member| {
                let before = self.resolve(member);
                let now = after.resolve(member);
                let changed = if hidden {
                    before.source.slot() != now.source.slot()
                        || Some(now.source.slot()) == rewritten
                } else {
                    before.value != now.value
                };
                changed.then(|| Affected {
                    user_id: member.user_id.clone(),
                    user: member.user.clone(),
                    before,
                    after: now,
                })
            })
            .collect();
        Ok(BlastRadius { hidden, affected })
    }
}

#[cfg(test)]
mod tests;
