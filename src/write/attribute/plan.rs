//! Planning one attribute-level edit from a read of the attribute: the exact request (built by
//! the Looker client's request builders), the field-by-field changes a preview shows and the
//! journal keeps (hidden values masked), and the recipe that reverts it.
//!
//! Nothing is sent here. Refusals come before any plan: making a hidden attribute visible,
//! changing a domain allow-list once set, reordering a hidden attribute's group values, a value
//! of the wrong type.

use crate::domain::FieldChange;
use crate::domain::attribute_edit::{AttributeEdit, FlagChange};
use crate::domain::resolution::AttributeChange;
use crate::journal::UndoRecipe;
use crate::secret::MASK;
use crate::service::looker::Client;
use crate::service::looker::attributes::{AttributeSettings, HIDDEN_STAYS_HIDDEN};
use crate::service::looker::mapping::check_value;
use crate::service::{ServiceError, WritePlan};

use super::snapshot::{ALLOWLIST, DEFAULT_VALUE, RANK_OF, Snapshot, VALUE_OF};

/// The plan of `edit` on the attribute as `snapshot` read it.
pub fn plan(
    client: &Client,
    snapshot: &Snapshot,
    edit: &AttributeEdit,
) -> Result<WritePlan, ServiceError> {
    let definition = &snapshot.definition;
    let hidden = snapshot.hidden();
    let shown = |value: Option<&str>| {
        value.map(|v| {
            if hidden {
                MASK.to_owned()
            } else {
                v.to_owned()
            }
        })
    };
    let name = crate::text::sanitize(&definition.name);
    let (summary, changes, request) = match edit {
        AttributeEdit::Change(AttributeChange::SetGroupValue { group_id, value }) => {
            check_value(definition.value_type.as_deref(), value)
                .map_err(|reason| ServiceError::Invalid(format!("{name}: {reason}")))?;
            let group = snapshot.group_name(group_id);
            let existing = snapshot.group(group_id);
            let before = existing.map(|g| g.value.as_deref().unwrap_or(MASK));
            let change = FieldChange {
                field: format!("{VALUE_OF}{group}"),
                before: shown(before),
                after: shown(Some(value)),
                note: existing
                    .is_none()
                    .then(|| "a new group value takes the last rank".to_owned()),
            };
            (
                format!("set the value of {name} for group {group}"),
                vec![change],
                client.set_group_value_request(group_id, definition, value),
            )
        }
        AttributeEdit::Change(AttributeChange::RemoveGroupValue { group_id }) => {
            let group = snapshot.group(group_id).ok_or_else(|| {
                ServiceError::Invalid(format!(
                    "group {} has no value of {name}",
                    snapshot.group_name(group_id)
                ))
            })?;
            let change = FieldChange {
                field: format!("{VALUE_OF}{}", group.name),
                before: shown(Some(group.value.as_deref().unwrap_or(MASK))),
                after: None,
                note: Some(
                    "its members fall back to their next group value or the default".to_owned(),
                ),
            };
            (
                format!("remove the value of {name} for group {}", group.name),
                vec![change],
                client.delete_group_value_request(group_id, &definition.id),
            )
        }
        AttributeEdit::Change(AttributeChange::Rank { group_ids }) => {
            let after = snapshot.after(edit);
            let changes = snapshot
                .groups
                .iter()
                .map(|g| FieldChange {
                    field: format!("{RANK_OF}{}", g.name),
                    before: Some(g.rank.to_string()),
                    after: after.group(&g.id).map(|a| a.rank.to_string()),
                    note: None,
                })
                .collect();
            let order: Vec<String> = group_ids.iter().map(|g| snapshot.group_name(g)).collect();
            (
                format!("rank the group values of {name}: {}", order.join(", ")),
                changes,
                client.set_group_values_request(definition, &after.wire_group_values())?,
            )
        }
        AttributeEdit::Change(AttributeChange::SetDefault { value }) => {
            let settings = AttributeSettings {
                default_value: Some(value.clone()),
                ..AttributeSettings::default()
            };
            let before = if hidden {
                None
            } else {
                definition.default_value.as_deref()
            };
            let change = FieldChange {
                field: DEFAULT_VALUE.to_owned(),
                before: shown(before),
                after: shown(value.as_deref()),
                note: hidden
                    .then(|| "the previous default of a hidden attribute is never read".to_owned()),
            };
            (
                format!("set the default of {name}"),
                vec![change],
                client.update_attribute_request(definition, &settings)?,
            )
        }
        AttributeEdit::Flags(flags) => {
            if hidden && flags.value_is_hidden == Some(false) {
                return Err(ServiceError::Invalid(HIDDEN_STAYS_HIDDEN.to_owned()));
            }
            let settings = AttributeSettings {
                user_can_view: flags.user_can_view,
                user_can_edit: flags.user_can_edit,
                value_is_hidden: flags.value_is_hidden,
                hidden_value_domain_whitelist: flags.hidden_value_domain_whitelist.clone(),
                ..AttributeSettings::default()
            };
            let mut changes: Vec<FieldChange> = flag_pairs(flags, snapshot)
                .into_iter()
                .map(|(field, before, after)| FieldChange {
                    field: field.to_owned(),
                    before: Some(before.to_string()),
                    after: Some(after.to_string()),
                    note: None,
                })
                .collect();
            if let Some(allowlist) = &flags.hidden_value_domain_whitelist {
                changes.push(FieldChange {
                    field: ALLOWLIST.to_owned(),
                    before: definition.hidden_value_domain_whitelist.clone(),
                    after: Some(allowlist.clone()),
                    note: Some("Looker keeps the first allow-list set: it cannot be changed or removed after".to_owned()),
                });
            }
            (
                format!("change the settings of {name}"),
                changes,
                client.update_attribute_request(definition, &settings)?,
            )
        }
    };
    Ok(WritePlan {
        summary,
        changes,
        requests: vec![request],
        auth_scheme: "Bearer",
    })
}

/// Each flag the change sets: its name, its value now and after.
fn flag_pairs(flags: &FlagChange, snapshot: &Snapshot) -> Vec<(&'static str, bool, bool)> {
    let d = &snapshot.definition;
    [
        ("user_can_view", d.user_can_view, flags.user_can_view),
        ("user_can_edit", d.user_can_edit, flags.user_can_edit),
        ("value_is_hidden", d.value_is_hidden, flags.value_is_hidden),
    ]
    .into_iter()
    .filter_map(|(name, now, asked)| asked.map(|asked| (name, now, asked)))
    .collect()
}

/// The recipe that reverts `edit` made on the attribute as `before` read it: the previous group
/// value (or its removal), the previous order, default or flags. What was never read (a hidden
/// value) cannot be put back, and the recipe says so.
pub fn undo_recipe(before: &Snapshot, edit: &AttributeEdit) -> UndoRecipe {
    let not_possible = |reason: &str| UndoRecipe::NotPossible {
        reason: reason.to_owned(),
    };
    let hidden = before.hidden();
    let order = || AttributeChange::Rank {
        group_ids: before.groups.iter().map(|g| g.id.clone()).collect(),
    };
    let edits = match edit {
        AttributeEdit::Change(AttributeChange::SetGroupValue { group_id, .. }) => {
            match before.group(group_id) {
                None => vec![AttributeChange::RemoveGroupValue {
                    group_id: group_id.clone(),
                }],
                Some(_) if hidden => {
                    return not_possible(
                        "the attribute is hidden: the group's previous value was never read",
                    );
                }
                Some(group) => vec![AttributeChange::SetGroupValue {
                    group_id: group_id.clone(),
                    value: group.value.clone().unwrap_or_default(),
                }],
            }
        }
        AttributeEdit::Change(AttributeChange::RemoveGroupValue { group_id }) => {
            let Some(group) = before.group(group_id).filter(|_| !hidden) else {
                return not_possible("the attribute is hidden: the removed value was never read");
            };
            let mut edits = vec![AttributeChange::SetGroupValue {
                group_id: group_id.clone(),
                value: group.value.clone().unwrap_or_default(),
            }];
            // Put back at the end, the value needs the old order again unless it was last.
            if before
                .groups
                .last()
                .is_some_and(|last| &last.id != group_id)
            {
                edits.push(order());
            }
            edits
        }
        AttributeEdit::Change(AttributeChange::Rank { .. }) => vec![order()],
        AttributeEdit::Change(AttributeChange::SetDefault { .. }) if hidden => {
            return not_possible("the attribute is hidden: its previous default was never read");
        }
        AttributeEdit::Change(AttributeChange::SetDefault { .. }) => {
            vec![AttributeChange::SetDefault {
                value: before.definition.default_value.clone(),
            }]
        }
        AttributeEdit::Flags(flags) => {
            if flags.value_is_hidden == Some(true) && !hidden {
                return not_possible("a hidden attribute cannot be made visible again");
            }
            if flags.hidden_value_domain_whitelist.is_some()
                && before.definition.hidden_value_domain_whitelist.is_none()
            {
                return not_possible(
                    "the domain allow-list of hidden values cannot be removed once it is set",
                );
            }
            let pairs = flag_pairs(flags, before);
            let was = |name: &str| pairs.iter().find(|p| p.0 == name).map(|p| p.1);
            return UndoRecipe::AttributeEdits {
                edits: vec![AttributeEdit::Flags(FlagChange {
                    user_can_view: was("user_can_view"),
                    user_can_edit: was("user_can_edit"),
                    value_is_hidden: None,
                    hidden_value_domain_whitelist: None,
                })],
            };
        }
    };
    UndoRecipe::AttributeEdits {
        edits: edits.into_iter().map(AttributeEdit::Change).collect(),
    }
}
