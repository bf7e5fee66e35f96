//! JSON renderings of the simulated Looker's resources, shaped as the 4.0 spec's schemas.
//!
//! The official SDKs deserialise these into typed models, so every field has the spec's type;
//! hidden attribute values are always rendered as null.

use serde_json::{Value, json};

use super::store::{AttributeDef, GroupValue, LookerStore, PathValue, User};

/// A `User`.
pub fn user(user: &User, api_base: &str) -> Value {
    let id = user.id.to_string();
    let credentials_email = user
        .email
        .as_ref()
        .map(|email| credentials_email(user, email, api_base));
    json!({
        "can": {"show": true, "index": true, "show_details": true, "index_details": true, "sudo": true, "see_sudo": true, "edit": true, "update": true},
        "avatar_url": format!("{api_base}/users/{id}/avatar"),
        "avatar_url_without_sizing": format!("{api_base}/users/{id}/avatar"),
        "credentials_api3": [],
        "credentials_email": credentials_email,
        "credentials_embed": [],
        "credentials_google": null,
        "credentials_ldap": null,
        "credentials_looker_openid": null,
        "credentials_oidc": null,
        "credentials_saml": null,
        "credentials_totp": null,
        "display_name": user.display_name(),
        "email": user.email,
        "embed_group_space_id": null,
        "embed_group_folder_id": null,
        "first_name": user.first_name,
        "group_ids": user.group_ids.iter().map(u64::to_string).collect::<Vec<_>>(),
        "home_folder_id": user.home_folder_id,
        "id": id,
        "is_disabled": user.is_disabled,
        "last_name": user.last_name,
        "locale": user.locale,
        "looker_versions": [],
        "models_dir_validated": null,
        "personal_folder_id": null,
        "presumed_looker_employee": false,
        "role_ids": [],
        "sessions": [],
        "ui_state": null,
        "verified_looker_employee": false,
        "roles_externally_managed": false,
        "allow_direct_roles": true,
        "allow_normal_group_membership": true,
        "allow_roles_from_normal_groups": true,
        "is_service_account": false,
        "service_account_name": null,
        "is_iam_admin": false,
        "can_manage_api3_creds": false,
        "url": format!("{api_base}/users/{}", user.id)
    })
}

/// A `CredentialsEmail`.
pub fn credentials_email(user: &User, email: &str, api_base: &str) -> Value {
    json!({
        "can": {},
        "created_at": "2024-01-15T09:30:00.000+00:00",
        "user_id": user.id.to_string(),
        "email": email,
        "forced_password_reset_at_next_login": false,
        "is_disabled": user.is_disabled,
        "logged_in_at": null,
        "password_reset_url": null,
        "account_setup_url": null,
        "password_reset_url_expired": false,
        "account_setup_url_expired": false,
        "type": "email",
        "url": format!("{api_base}/users/{}/credentials_email", user.id),
        "user_url": format!("{api_base}/users/{}", user.id)
    })
}

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
