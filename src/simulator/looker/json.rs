//! JSON renderings of the simulated Looker's resources, shaped as the 4.0 spec's schemas.
//!
//! The official SDKs deserialise these into typed models, so every field has the spec's type;
//! hidden attribute values are always rendered as null.

use serde_json::{Value, json};

use super::store::{AttributeDef, GroupValue, LookerStore, PathValue, User};

/// A `UserAttribute`.
pub fn attribute(def: &AttributeDef) -> Value {
    json!({
        "can": {"show": true, "index": true, "create": true, "update": !def.is_system, "destroy": !def.is_permanent, "set_value": !def.is_system},
        "id": def.id.to_string(),
        "name": def.name,
        "label": def.label,
        "type": def.value_type,
        "default_value": if def.value_is_hidden { None } else { def.default_value.clone() },
        "is_system": def.is_system,
        "is_permanent": def.is_permanent,
        "value_is_hidden": def.value_is_hidden,
        "user_can_view": def.user_can_view,
        "user_can_edit": def.user_can_edit,
        "hidden_value_domain_whitelist": def.hidden_value_domain_whitelist,
        "needed_for_ci_run": false,
        "value_for_ci_run": null
    })
}

/// A `UserAttributeWithValue`.
pub fn attribute_with_value(user: &User, def: &AttributeDef, path_value: &PathValue) -> Value {
    json!({
        "can": {"set_value": !def.is_system},
        "name": def.name,
        "label": def.label,
        "rank": path_value.rank,
        "value": path_value.value,
        "user_id": user.id.to_string(),
        "user_can_edit": def.user_can_edit,
        "value_is_hidden": def.value_is_hidden,
        "user_attribute_id": def.id.to_string(),
        "source": path_value.source,
        "hidden_value_domain_whitelist": def.hidden_value_domain_whitelist
    })
}

/// A `UserAttributeGroupValue`.
pub fn group_value(def: &AttributeDef, gv: &GroupValue) -> Value {
    json!({
        "can": {},
        "id": gv.id.to_string(),
        "group_id": gv.group_id.to_string(),
        "user_attribute_id": def.id.to_string(),
        "value_is_hidden": def.value_is_hidden,
        "rank": gv.rank,
        "value": if def.value_is_hidden { None } else { Some(gv.value.clone()) }
    })
}

/// A `Group`.
pub fn group(store: &LookerStore, id: u64, name: &str) -> Value {
    let user_count = store
        .users
        .values()
        .filter(|u| u.group_ids.contains(&id))
        .count();
    json!({
        "can": {},
        "can_add_to_content_metadata": true,
        "contains_current_user": false,
        "external_group_id": null,
        "externally_managed": false,
        "id": id.to_string(),
        "include_by_default": id == 1,
        "name": name,
        "user_count": user_count
    })
}
