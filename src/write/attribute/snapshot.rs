//! What an attribute-level write reads before and after sending: the attribute's definition and
//! its group values by rank — the parts of Looker that the write changes — and how a planned edit
//! would leave them.
//!
//! A snapshot is compared with a fresh one to stop a write when someone changed the attribute
//! since the preview, is observed field by field (`value of Support`, `rank of Support`,
//! `default_value`, the flags, the allow-list) to verify a write and to learn whether one whose
//! answer was lost landed, and is what a rank order is sent from. Hidden values are never held: a
//! hidden attribute's group values and default are `None` here, and observing them is
//! "unverifiable".

use std::collections::BTreeMap;

use crate::domain::attribute_edit::AttributeEdit;
use crate::domain::resolution::AttributeChange;
use crate::service::looker::{Client, wire};
use crate::service::{Observed, ServiceError};

/// The prefix of a change to one group's value (`value of Support`).
pub const VALUE_OF: &str = "value of ";
/// The prefix of a change to one group's rank (`rank of Support`).
pub const RANK_OF: &str = "rank of ";
/// The field of the attribute's default.
pub const DEFAULT_VALUE: &str = "default_value";
/// The field of the URLs hidden values may be sent to.
pub const ALLOWLIST: &str = "hidden_value_domain_whitelist";

/// One group's value as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotGroup {
    /// The group's id.
    pub id: String,
    /// The group's name.
    pub name: String,
    /// Its rank (lowest wins).
    pub rank: i64,
    /// The value; None for a hidden attribute.
    pub value: Option<String>,
}

/// An attribute's definition and group values, as read at one moment.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The definition as Looker sent it (the request builders need it); for a hidden attribute
    /// its `default_value` is dropped.
    pub definition: wire::UserAttribute,
    /// The group values, lowest rank first.
    pub groups: Vec<SnapshotGroup>,
    /// Every group's name by id (to name a group that gets its first value).
    pub names: BTreeMap<String, String>,
}

impl Snapshot {
    /// Reads the attribute whose id is `attribute_id`: its definition, its group values and the
    /// groups' names.
    pub async fn read(client: &Client, attribute_id: &str) -> Result<Self, ServiceError> {
        let (mut definition, values) = tokio::try_join!(
            client.attribute_definition(attribute_id),
            client.group_values(attribute_id)
        )?;
        let ids: Vec<String> = values.iter().map(|g| g.group_id.clone()).collect();
        let names = client.group_names(&ids).await?;
        let hidden = definition.value_is_hidden;
        if hidden {
            definition.default_value = None;
        }
        let mut groups: Vec<SnapshotGroup> = values
            .into_iter()
            .filter(|g| g.user_attribute_id == definition.id)
            .map(|g| SnapshotGroup {
                name: names
                    .get(&g.group_id)
                    .cloned()
                    .unwrap_or_else(|| format!("group {}", g.group_id)),
                rank: g.rank.unwrap_or(i64::MAX),
                value: if hidden || g.value_is_hidden {
                    None
                } else {
                    Some(g.value.unwrap_or_default())
                },
                id: g.group_id,
            })
            .collect();
        groups.sort_by_key(|g| g.rank);
        Ok(Self {
            definition,
            groups,
            names: (*names).clone(),
        })
    }

    /// True when the attribute's values are hidden.
    pub fn hidden(&self) -> bool {
        self.definition.value_is_hidden
    }

    /// The group value of `group_id`, if the group has one.
    pub fn group(&self, group_id: &str) -> Option<&SnapshotGroup> {
        self.groups.iter().find(|g| g.id == group_id)
    }

    /// A group's name.
    pub fn group_name(&self, group_id: &str) -> String {
        self.group(group_id)
            .map(|g| g.name.clone())
            .or_else(|| self.names.get(group_id).cloned())
            .unwrap_or_else(|| format!("group {group_id}"))
    }

    /// The parts a write depends on, one line each, for comparing two reads and showing how they
    /// differ: the default, the flags, and every group value with its rank (hidden values are
    /// not known, so they do not appear).
    pub fn lines(&self) -> Vec<String> {
        let d = &self.definition;
        let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "(unset)".to_owned());
        let mut lines = vec![
            format!("{DEFAULT_VALUE}: {}", shown(&d.default_value)),
            format!("user_can_view: {}", d.user_can_view),
            format!("user_can_edit: {}", d.user_can_edit),
            format!("value_is_hidden: {}", d.value_is_hidden),
            format!("{ALLOWLIST}: {}", shown(&d.hidden_value_domain_whitelist)),
        ];
        for group in &self.groups {
            lines.push(format!(
                "{} (group {}) rank {}: {}",
                group.name,
                group.id,
                group.rank,
                group.value.as_deref().unwrap_or("(hidden)")
            ));
        }
        lines
    }

    /// When `now` differs from this read: both versions, for the message that stops a write.
    pub fn conflict_with(&self, now: &Self) -> Option<String> {
        let (then, now) = (self.lines(), now.lines());
        if then == now {
            return None;
        }
        Some(crate::text::sanitize_lines(&format!(
            "`{}` changed since it was read; nothing was written.\nWhen read:\n  {}\nNow:\n  {}",
            self.definition.name,
            then.join("\n  "),
            now.join("\n  ")
        )))
    }

    /// One field of a plan's changes, as this read shows it (see the module's field names).
    pub fn observe(&self, field: &str) -> Observed {
        let hidden = || Observed::Unverifiable("the attribute's values are hidden".to_owned());
        let flag = |on: bool| Observed::Value(Some(on.to_string()));
        let d = &self.definition;
        match field {
            DEFAULT_VALUE if self.hidden() => hidden(),
            DEFAULT_VALUE => Observed::Value(d.default_value.clone()),
            "user_can_view" => flag(d.user_can_view),
            "user_can_edit" => flag(d.user_can_edit),
            "value_is_hidden" => flag(d.value_is_hidden),
            ALLOWLIST => Observed::Value(d.hidden_value_domain_whitelist.clone()),
            _ => {
                let (named, of_rank) = if let Some(name) = field.strip_prefix(VALUE_OF) {
                    (name, false)
                } else if let Some(name) = field.strip_prefix(RANK_OF) {
                    (name, true)
                } else {
                    return Observed::Unverifiable(format!("`{field}` is not read back"));
                };
                let found: Vec<&SnapshotGroup> =
                    self.groups.iter().filter(|g| g.name == named).collect();
                match found.as_slice() {
                    [] => Observed::Value(None),
                    [group] if of_rank => Observed::Value(Some(group.rank.to_string())),
                    [_] if self.hidden() => hidden(),
                    [group] => Observed::Value(group.value.clone()),
                    _ => Observed::Unverifiable(format!("several groups are named {named}")),
                }
            }
        }
    }

    /// The attribute as `edit` would leave it (a group that gets its first value takes the last
    /// rank, as the resolver assumes). The edit is taken as valid: the resolver checks it first.
    pub fn after(&self, edit: &AttributeEdit) -> Self {
        let mut next = self.clone();
        let hidden = self.hidden();
        let kept = |value: &str| (!hidden).then(|| value.to_owned());
        match edit {
            AttributeEdit::Change(AttributeChange::SetGroupValue { group_id, value }) => {
                if let Some(group) = next.groups.iter_mut().find(|g| &g.id == group_id) {
                    group.value = kept(value);
                } else {
                    let last = next.groups.last().map_or(0, |g| g.rank);
                    next.groups.push(SnapshotGroup {
                        id: group_id.clone(),
                        name: self.group_name(group_id),
                        rank: last.saturating_add(1),
                        value: kept(value),
                    });
                }
            }
            AttributeEdit::Change(AttributeChange::RemoveGroupValue { group_id }) => {
                next.groups.retain(|g| &g.id != group_id);
            }
            AttributeEdit::Change(AttributeChange::Rank { group_ids }) => {
                for (rank, group) in (1i64..).zip(group_ids) {
                    if let Some(g) = next.groups.iter_mut().find(|g| &g.id == group) {
                        g.rank = rank;
                    }
                }
                next.groups.sort_by_key(|g| g.rank);
            }
            AttributeEdit::Change(AttributeChange::SetDefault { value }) => {
                next.definition.default_value = value.as_deref().and_then(kept);
            }
            AttributeEdit::Flags(flags) => {
                let d = &mut next.definition;
                d.user_can_view = flags.user_can_view.unwrap_or(d.user_can_view);
                d.user_can_edit = flags.user_can_edit.unwrap_or(d.user_can_edit);
                d.value_is_hidden = flags.value_is_hidden.unwrap_or(d.value_is_hidden);
                if let Some(allowlist) = &flags.hidden_value_domain_whitelist {
                    d.hidden_value_domain_whitelist = Some(allowlist.clone());
                }
            }
        }
        next
    }

    /// The group values as Looker's wire type, in rank order, for a request that sends them all.
    pub fn wire_group_values(&self) -> Vec<wire::UserAttributeGroupValue> {
        self.groups
            .iter()
            .map(|g| wire::UserAttributeGroupValue {
                group_id: g.id.clone(),
                user_attribute_id: self.definition.id.clone(),
                rank: Some(g.rank),
                value: g.value.clone(),
                value_is_hidden: self.hidden(),
            })
            .collect()
    }
}
