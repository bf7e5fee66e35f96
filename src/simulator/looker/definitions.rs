//! Changing a user attribute's definition in the simulated Looker (`PATCH /user_attributes/{id}`):
//! the rules the store enforces on the settings and the default.
//!
//! Facts (spec `UserAttribute`, api-facts §3.5): `name`, `label` and `type` are required in the
//! schema (the official SDKs always send them); `hidden_value_domain_whitelist` "cannot be edited"
//! once set; `type` is one of the listed types. Looker does not let a hidden attribute become
//! visible again (its values were entered as secrets), so `value_is_hidden: false` on a hidden
//! attribute is refused with a 422 that says why. UNCONFIRMED here, and kept plausible: the
//! wording of every message, the `code` values, that names are lower-case letters, digits and
//! underscores, that names and labels are unique (422 `already_exists`), that a system
//! attribute keeps its name and type, and that a new type must fit every stored value. Nothing is
//! changed unless the whole update is valid. Nothing here knows about HTTP.

use super::store::{AttributeDef, LookerStore, Refusal, check_type, invalid};

/// The types a user attribute may have: the spec's list and the two real instances also show
/// (terraform-provider-looker issue #63).
pub const ATTRIBUTE_TYPES: &[&str] = &[
    "string",
    "number",
    "datetime",
    "yesno",
    "zipcode",
    "advanced_filter_string",
    "advanced_filter_number",
    "advanced_filter_datetime",
    "relative_url",
];

/// Why a hidden attribute cannot be made visible.
pub const HIDDEN_STAYS_HIDDEN: &str = "A user attribute whose values are hidden cannot be made visible again: its values were entered as secrets";

/// The writable settings of a `PATCH /user_attributes/{id}` body; None leaves a setting alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttributeUpdate {
    /// A new name.
    pub name: Option<String>,
    /// A new label.
    pub label: Option<String>,
    /// A new type.
    pub value_type: Option<String>,
    /// A new default (`Some(None)` clears it).
    pub default_value: Option<Option<String>>,
    /// Hide the values (true) or, refused, show hidden ones (false).
    pub value_is_hidden: Option<bool>,
    /// Whether users may see their own value.
    pub user_can_view: Option<bool>,
    /// Whether users may edit their own value.
    pub user_can_edit: Option<bool>,
    /// The destinations hidden values may be sent to (`Some(None)` asks to clear it).
    pub hidden_value_domain_whitelist: Option<Option<String>>,
}

impl LookerStore {
    /// Applies an update to an attribute's definition and returns the new definition.
    pub fn update_attribute(
        &mut self,
        attribute_id: u64,
        update: &AttributeUpdate,
    ) -> Result<&AttributeDef, Refusal> {
        let current = self.attribute(attribute_id)?.clone();
        let mut next = current.clone();
        if let Some(name) = &update.name {
            check_name(name)?;
            next.name = name.clone();
        }
        if let Some(label) = &update.label {
            if label.trim().is_empty() {
                return Err(invalid("label", "missing", "Label must not be blank"));
            }
            next.label = label.clone();
        }
        if let Some(value_type) = &update.value_type {
            if !ATTRIBUTE_TYPES.contains(&value_type.as_str()) {
                return Err(invalid(
                    "type",
                    "invalid",
                    &format!("Type must be one of {}", ATTRIBUTE_TYPES.join(", ")),
                ));
            }
            next.value_type = value_type.clone();
        }
        if current.is_system && (next.name != current.name || next.value_type != current.value_type)
        {
            let field = if next.name == current.name {
                "type"
            } else {
                "name"
            };
            return Err(invalid(
                field,
                "invalid",
                &format!("The {field} of a system user attribute cannot be changed"),
            ));
        }
        self.check_unique(&next)?;
        if let Some(default) = &update.default_value {
            next.default_value = default.clone();
        }
        if let Some(hidden) = update.value_is_hidden {
            if current.value_is_hidden && !hidden {
                return Err(invalid("value_is_hidden", "invalid", HIDDEN_STAYS_HIDDEN));
            }
            next.value_is_hidden = hidden;
        }
        if let Some(view) = update.user_can_view {
            next.user_can_view = view;
        }
        if let Some(edit) = update.user_can_edit {
            next.user_can_edit = edit;
        }
        if let Some(allowlist) = &update.hidden_value_domain_whitelist {
            next.hidden_value_domain_whitelist = check_allowlist(&current, allowlist.as_deref())?;
        }
        if let Some(default) = &next.default_value {
            check_type(&next.value_type, default)
                .map_err(|message| invalid("default_value", "invalid", &message))?;
        }
        if next.value_type != current.value_type {
            self.check_stored_values_fit(&next)?;
        }
        let stored = self
            .attributes
            .get_mut(&attribute_id)
            .ok_or_else(|| Refusal::NotFound("Not found".to_owned()))?;
        *stored = next;
        Ok(stored)
    }

    /// Names and labels are unique among attributes.
    fn check_unique(&self, next: &AttributeDef) -> Result<(), Refusal> {
        for other in self.attributes.values().filter(|a| a.id != next.id) {
            if other.name == next.name {
                return Err(invalid(
                    "name",
                    "already_exists",
                    &format!("A user attribute named '{}' already exists", next.name),
                ));
            }
            if other.label == next.label {
                return Err(invalid(
                    "label",
                    "already_exists",
                    &format!("A user attribute labelled '{}' already exists", next.label),
                ));
            }
        }
        Ok(())
    }

    /// Every user and group value of the attribute fits its (new) type.
    fn check_stored_values_fit(&self, next: &AttributeDef) -> Result<(), Refusal> {
        let user_values = self
            .user_values
            .iter()
            .filter(|((_, attribute), _)| *attribute == next.id)
            .map(|(_, value)| value);
        let group_values = self
            .group_values
            .iter()
            .filter(|gv| gv.attribute_id == next.id)
            .map(|gv| &gv.value);
        if user_values
            .chain(group_values)
            .any(|value| check_type(&next.value_type, value).is_err())
        {
            return Err(invalid(
                "type",
                "invalid",
                &format!(
                    "Existing values of this user attribute are not valid as {}",
                    next.value_type
                ),
            ));
        }
        Ok(())
    }
}

/// A name of lower-case letters, digits and underscores, starting with a letter.
fn check_name(name: &str) -> Result<(), Refusal> {
    let valid = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(invalid(
            "name",
            "invalid",
            "Name must start with a letter and contain only lower-case letters, digits and underscores",
        ))
    }
}

/// The allow-list after an update: the same one, or a first one that is a comma-separated list
/// of URLs with optional wildcards (the message a real server gave for a bad one, api-facts §3.6).
fn check_allowlist(
    current: &AttributeDef,
    requested: Option<&str>,
) -> Result<Option<String>, Refusal> {
    if let Some(set) = &current.hidden_value_domain_whitelist {
        if requested == Some(set.as_str()) {
            return Ok(Some(set.clone()));
        }
        return Err(invalid(
            "hidden_value_domain_whitelist",
            "invalid",
            "hidden_value_domain_whitelist cannot be changed once it is set",
        ));
    }
    let Some(list) = requested.filter(|l| !l.trim().is_empty()) else {
        return Ok(None);
    };
    let urls = list.split(',').map(str::trim);
    let valid = urls.clone().all(|url| {
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"));
        rest.is_some_and(|r| !r.is_empty() && !r.contains(char::is_whitespace))
    });
    if valid {
        Ok(Some(urls.collect::<Vec<_>>().join(",")))
    } else {
        Err(invalid(
            "hidden_value_domain_whitelist",
            "invalid",
            "hidden_value_domain_whitelist must be a comma-separated list of urls with optional wildcards",
        ))
    }
}
