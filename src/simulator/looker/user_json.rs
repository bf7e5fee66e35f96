//! The simulated Looker's `User` and `CredentialsEmail`, shaped as the 4.0 spec's schemas and
//! serialised straight from the store's records with the request's `fields` applied.
//!
//! The official SDKs deserialise these into typed models, so every field has the spec's type. A
//! page of users is written out field by field ([`Fields`]), with no JSON tree built in between.
//! Rendering only: nothing here reads the request or changes the store.

use serde::ser::SerializeMap;

use super::store::User;
use crate::simulator::fields::{Fields, Selected, Selection};

/// The `created_at` every simulated email credential reports.
const EMAIL_CREATED_AT: &str = "2024-01-15T09:30:00.000+00:00";

/// A `User` as the API renders it, below the API base `base` (`http://host/looker/api/4.0`).
#[derive(Debug, Clone, Copy)]
pub struct UserJson<'a> {
    /// The user.
    pub user: &'a User,
    /// The base of the URLs in the body.
    pub base: &'a str,
}

impl<'a> UserJson<'a> {
    /// The user rendered below `base`.
    pub fn new(user: &'a User, base: &'a str) -> Self {
        Self { user, base }
    }

    /// The user with a `fields` selection applied.
    pub fn selected(self, selection: &Selection) -> Selected<'_, Self> {
        Selected::new(self, selection)
    }
}

/// JSON `null`.
const NULL: () = ();
/// An empty JSON array.
const EMPTY: [(); 0] = [];

impl Fields for UserJson<'_> {
    const NAMES: &'static [&'static str] = &[
        "can",
        "avatar_url",
        "avatar_url_without_sizing",
        "credentials_api3",
        "credentials_email",
        "credentials_embed",
        "credentials_google",
        "credentials_ldap",
        "credentials_looker_openid",
        "credentials_oidc",
        "credentials_saml",
        "credentials_totp",
        "display_name",
        "email",
        "embed_group_space_id",
        "embed_group_folder_id",
        "first_name",
        "group_ids",
        "home_folder_id",
        "id",
        "is_disabled",
        "last_name",
        "locale",
        "looker_versions",
        "models_dir_validated",
        "personal_folder_id",
        "presumed_looker_employee",
        "role_ids",
        "sessions",
        "ui_state",
        "verified_looker_employee",
        "roles_externally_managed",
        "allow_direct_roles",
        "allow_normal_group_membership",
        "allow_roles_from_normal_groups",
        "is_service_account",
        "service_account_name",
        "is_iam_admin",
        "can_manage_api3_creds",
        "url",
    ];

    fn write_field<M: SerializeMap>(
        &self,
        map: &mut M,
        name: &str,
        nested: &Selection,
    ) -> Result<bool, M::Error> {
        let (user, base) = (self.user, self.base);
        match name {
            "can" => map.serialize_entry(name, &Selected::new(UserCan, nested))?,
            "avatar_url" | "avatar_url_without_sizing" => {
                map.serialize_entry(name, &format_args!("{base}/users/{}/avatar", user.id))?;
            }
            "credentials_api3" | "credentials_embed" | "looker_versions" | "role_ids"
            | "sessions" => map.serialize_entry(name, &EMPTY)?,
            "credentials_email" => match &user.email {
                Some(email) => {
                    let credential = CredentialsEmailJson { user, email, base };
                    map.serialize_entry(name, &Selected::new(credential, nested))?;
                }
                None => map.serialize_entry(name, &NULL)?,
            },
            "credentials_google"
            | "credentials_ldap"
            | "credentials_looker_openid"
            | "credentials_oidc"
            | "credentials_saml"
            | "credentials_totp"
            | "embed_group_space_id"
            | "embed_group_folder_id"
            | "models_dir_validated"
            | "personal_folder_id"
            | "ui_state"
            | "service_account_name" => map.serialize_entry(name, &NULL)?,
            "display_name" => map.serialize_entry(name, &user.display_name())?,
            "email" => map.serialize_entry(name, &user.email)?,
            "first_name" => map.serialize_entry(name, &user.first_name)?,
            "last_name" => map.serialize_entry(name, &user.last_name)?,
            "locale" => map.serialize_entry(name, &user.locale)?,
            "home_folder_id" => map.serialize_entry(name, &user.home_folder_id)?,
            "group_ids" => map.serialize_entry(name, &GroupIds(&user.group_ids))?,
            "id" => map.serialize_entry(name, &IdText(user.id))?,
            "is_disabled" => map.serialize_entry(name, &user.is_disabled)?,
            "presumed_looker_employee"
            | "verified_looker_employee"
            | "roles_externally_managed"
            | "is_service_account"
            | "is_iam_admin"
            | "can_manage_api3_creds" => map.serialize_entry(name, &false)?,
            "allow_direct_roles"
            | "allow_normal_group_membership"
            | "allow_roles_from_normal_groups" => map.serialize_entry(name, &true)?,
            "url" => map.serialize_entry(name, &format_args!("{base}/users/{}", user.id))?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A numeric id as the string Looker 4.0 sends.
#[derive(Debug, Clone, Copy)]
struct IdText(u64);

impl serde::Serialize for IdText {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// A user's `group_ids`: the ids as strings.
struct GroupIds<'a>(&'a [u64]);

impl serde::Serialize for GroupIds<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|id| IdText(*id)))
    }
}

/// A user's `can`: the simulator's API user may do everything.
#[derive(Debug, Clone, Copy)]
struct UserCan;

impl Fields for UserCan {
    const NAMES: &'static [&'static str] = &[
        "show",
        "index",
        "show_details",
        "index_details",
        "sudo",
        "see_sudo",
        "edit",
        "update",
    ];

    fn write_field<M: SerializeMap>(
        &self,
        map: &mut M,
        name: &str,
        _nested: &Selection,
    ) -> Result<bool, M::Error> {
        if !Self::NAMES.contains(&name) {
            return Ok(false);
        }
        map.serialize_entry(name, &true)?;
        Ok(true)
    }
}

/// An empty `can` (`{}`).
#[derive(Debug, Clone, Copy)]
struct NoCan;

impl Fields for NoCan {
    const NAMES: &'static [&'static str] = &[];

    fn write_field<M: SerializeMap>(
        &self,
        _map: &mut M,
        _name: &str,
        _nested: &Selection,
    ) -> Result<bool, M::Error> {
        Ok(false)
    }
}

/// A `CredentialsEmail`: the user's email credential.
#[derive(Debug, Clone, Copy)]
pub struct CredentialsEmailJson<'a> {
    /// Whose credential.
    pub user: &'a User,
    /// The address.
    pub email: &'a str,
    /// The base of the URLs in the body.
    pub base: &'a str,
}

impl Fields for CredentialsEmailJson<'_> {
    const NAMES: &'static [&'static str] = &[
        "can",
        "created_at",
        "user_id",
        "email",
        "forced_password_reset_at_next_login",
        "is_disabled",
        "logged_in_at",
        "password_reset_url",
        "account_setup_url",
        "password_reset_url_expired",
        "account_setup_url_expired",
        "type",
        "url",
        "user_url",
    ];

    fn write_field<M: SerializeMap>(
        &self,
        map: &mut M,
        name: &str,
        nested: &Selection,
    ) -> Result<bool, M::Error> {
        let (user, base) = (self.user, self.base);
        match name {
            "can" => map.serialize_entry(name, &Selected::new(NoCan, nested))?,
            "created_at" => map.serialize_entry(name, EMAIL_CREATED_AT)?,
            "user_id" => map.serialize_entry(name, &IdText(user.id))?,
            "email" => map.serialize_entry(name, self.email)?,
            "forced_password_reset_at_next_login"
            | "password_reset_url_expired"
            | "account_setup_url_expired" => map.serialize_entry(name, &false)?,
            "is_disabled" => map.serialize_entry(name, &user.is_disabled)?,
            "logged_in_at" | "password_reset_url" | "account_setup_url" => {
                map.serialize_entry(name, &NULL)?;
            }
            "type" => map.serialize_entry(name, "email")?,
            "url" => map.serialize_entry(
                name,
                &format_args!("{base}/users/{}/credentials_email", user.id),
            )?,
            "user_url" => map.serialize_entry(name, &format_args!("{base}/users/{}", user.id))?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::UserJson;
    use crate::simulator::fields::{Fields, Selection};
    use crate::simulator::looker::store::LookerStore;
    use crate::simulator::seed::Seed;

    const BASE: &str = "http://127.0.0.1:1/looker/api/4.0";

    fn rendered(json: UserJson<'_>, fields: &str) -> String {
        serde_json::to_string(&json.selected(&Selection::parse(fields))).expect("serialises")
    }

    #[test]
    fn a_whole_user_has_the_spec_types_and_urls() {
        let store = LookerStore::from_seed(&Seed::demo(0).expect("seed")).expect("store");
        let user = store
            .users
            .values()
            .find(|u| u.email.is_some() && !u.group_ids.is_empty())
            .expect("a user with an email and groups");
        let whole: Value =
            serde_json::from_str(&rendered(UserJson::new(user, BASE), "")).expect("json");
        let id = user.id.to_string();
        assert_eq!(whole["id"], json!(id));
        assert_eq!(whole["url"], json!(format!("{BASE}/users/{id}")));
        assert_eq!(whole["display_name"], json!(user.display_name()));
        assert_eq!(
            whole["group_ids"],
            json!(
                user.group_ids
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
            )
        );
        assert_eq!(whole["credentials_email"]["user_id"], json!(id));
        assert_eq!(whole["credentials_email"]["email"], json!(user.email));
        assert_eq!(whole["credentials_email"]["can"], json!({}));
        assert_eq!(whole["can"]["update"], json!(true));
        assert_eq!(whole["sessions"], json!([]));
        assert_eq!(whole["ui_state"], Value::Null);
        let keys: Vec<&str> = whole
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            <UserJson<'_> as Fields>::NAMES,
            "every field, in the spec's order"
        );
    }

    #[test]
    fn a_selection_written_while_serialising_equals_one_applied_to_the_whole_user() {
        let store = LookerStore::from_seed(&Seed::demo(20).expect("seed")).expect("store");
        let selections = [
            "id,email",
            "email,id,first_name",
            "id,credentials_email(email,user_id),can(show,nope)",
            "credentials_email,id,id(x),group_ids,unknown",
            "is_disabled,credentials_email(can),display_name,email(x)",
            "can",
            "(",
            "id,,last_name",
        ];
        for user in store.users.values() {
            let json = UserJson::new(user, BASE);
            let whole: Value = serde_json::from_str(&rendered(json, "")).expect("json");
            for fields in selections {
                let applied = serde_json::to_string(&Selection::parse(fields).apply(whole.clone()))
                    .expect("serialises");
                assert_eq!(
                    rendered(json, fields),
                    applied,
                    "user {} with {fields}",
                    user.id
                );
            }
        }
    }
}
