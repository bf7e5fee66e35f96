//! Looker API 4.0 wire types, as the official spec (`Looker.4.0.oas.json`) defines them.
//!
//! Only the fields roster reads are declared; everything else is ignored on input. Ids are strings
//! in 4.0, but numbers are accepted too, since older servers sent them.

#![deny(clippy::arithmetic_side_effects)]

use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

/// `AccessToken`, the answer to `POST /login`.
#[derive(Debug, Clone, Deserialize)]
pub struct AccessToken {
    /// The token for `Authorization: Bearer`.
    pub access_token: String,
    /// Seconds until it expires (3600 by default); any number is accepted, saturated to `i64`.
    #[serde(default, deserialize_with = "crate::service::numbers::saturating_i64")]
    pub expires_in: Option<i64>,
}

/// `CredentialsEmail`, the email login of a user.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct CredentialsEmail {
    /// The login email.
    pub email: Option<String>,
}

/// `User`.
#[derive(Debug, Clone, Deserialize)]
pub struct User {
    /// Unique id.
    #[serde(deserialize_with = "string_or_number")]
    pub id: String,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Full name for display (read-only).
    pub display_name: Option<String>,
    /// The email (read-only; changed through `credentials_email`).
    pub email: Option<String>,
    /// Account disabled.
    pub is_disabled: Option<bool>,
    /// Locale.
    pub locale: Option<String>,
    /// The email credentials.
    pub credentials_email: Option<CredentialsEmail>,
    /// Groups the user belongs to.
    #[serde(default, deserialize_with = "strings_or_numbers")]
    pub group_ids: Vec<String>,
}

impl User {
    /// The login email: the credential when present, else the read-only `email` field.
    pub fn login_email(&self) -> Option<String> {
        self.credentials_email
            .as_ref()
            .and_then(|c| c.email.clone())
            .or_else(|| self.email.clone())
            .filter(|e| !e.is_empty())
    }

    /// The display name, or first and last name joined.
    pub fn full_name(&self) -> Option<String> {
        self.display_name
            .clone()
            .filter(|n| !n.is_empty())
            .or_else(|| {
                let joined = [self.first_name.as_deref(), self.last_name.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                (!joined.is_empty()).then_some(joined)
            })
    }
}

/// `UserAttribute`, an attribute definition.
#[derive(Debug, Clone, Deserialize)]
pub struct UserAttribute {
    /// Unique id.
    #[serde(deserialize_with = "string_or_number")]
    pub id: String,
    /// Name used in filters and the API.
    pub name: String,
    /// Label people read.
    pub label: Option<String>,
    /// Value type (string, number, datetime, yesno, zipcode, advanced_filter_*).
    #[serde(rename = "type")]
    pub value_type: Option<String>,
    /// The default value.
    pub default_value: Option<String>,
    /// Values are hidden from everyone.
    #[serde(default)]
    pub value_is_hidden: bool,
    /// Users may see their own value.
    #[serde(default)]
    pub user_can_view: bool,
    /// Users may edit their own value.
    #[serde(default)]
    pub user_can_edit: bool,
    /// URL patterns a hidden value may be sent to.
    pub hidden_value_domain_whitelist: Option<String>,
    /// A built-in attribute.
    #[serde(default)]
    pub is_system: bool,
    /// Cannot be deleted.
    #[serde(default)]
    pub is_permanent: bool,
}

/// `UserAttributeWithValue`, one value on a user's lookup path.
#[derive(Debug, Clone, Deserialize)]
pub struct UserAttributeWithValue {
    /// The attribute's name.
    pub name: Option<String>,
    /// Precedence among groups; lower wins. Any number is accepted, saturated to `i64`.
    #[serde(default, deserialize_with = "crate::service::numbers::saturating_i64")]
    pub rank: Option<i64>,
    /// The value (blank or null when hidden).
    pub value: Option<String>,
    /// Users may edit their own value.
    pub user_can_edit: Option<bool>,
    /// The value is hidden.
    #[serde(default)]
    pub value_is_hidden: bool,
    /// The attribute's id.
    #[serde(deserialize_with = "string_or_number")]
    pub user_attribute_id: String,
    /// Where the value comes from, in Looker's wording.
    pub source: Option<String>,
    /// Allowed operations (`set_value`).
    #[serde(default)]
    pub can: BTreeMap<String, bool>,
}

/// `UserAttributeGroupValue`, a group's value for an attribute.
#[derive(Debug, Clone, Deserialize)]
pub struct UserAttributeGroupValue {
    /// The group's id.
    #[serde(deserialize_with = "string_or_number")]
    pub group_id: String,
    /// The attribute's id.
    #[serde(deserialize_with = "string_or_number")]
    pub user_attribute_id: String,
    /// Precedence; lower wins. Any number is accepted, saturated to `i64`.
    #[serde(default, deserialize_with = "crate::service::numbers::saturating_i64")]
    pub rank: Option<i64>,
    /// The value (blank when hidden).
    pub value: Option<String>,
    /// The value is hidden.
    #[serde(default)]
    pub value_is_hidden: bool,
}

/// `Group`.
#[derive(Debug, Clone, Deserialize)]
pub struct Group {
    /// Unique id.
    #[serde(deserialize_with = "string_or_number")]
    pub id: String,
    /// Name.
    pub name: Option<String>,
}

fn string_or_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    deserializer.deserialize_any(IdVisitor)
}

/// Reads an id that is a string or an integer straight from the input (an untagged enum would
/// buffer every id of a page first).
struct IdVisitor;

impl serde::de::Visitor<'_> for IdVisitor {
    type Value = String;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("an id as a string or an integer")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<String, E> {
        Ok(text.to_owned())
    }

    fn visit_string<E: serde::de::Error>(self, text: String) -> Result<String, E> {
        Ok(text)
    }

    fn visit_i64<E: serde::de::Error>(self, number: i64) -> Result<String, E> {
        Ok(number.to_string())
    }

    fn visit_u64<E: serde::de::Error>(self, number: u64) -> Result<String, E> {
        Ok(number.to_string())
    }
}

fn strings_or_numbers<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    struct Wrapped(#[serde(deserialize_with = "string_or_number")] String);
    let items: Option<Vec<Wrapped>> = Option::deserialize(deserializer)?;
    Ok(items.unwrap_or_default().into_iter().map(|w| w.0).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of api-facts.md §3.5, written from the spec's `UserAttributeWithValue`.
    const ALL_VALUES: &str = r#"[
      {"user_attribute_id":"7","name":"region","label":"Region","user_id":"42","value":"EMEA","rank":null,"source":"User","value_is_hidden":false,"user_can_edit":false,"hidden_value_domain_whitelist":null,"can":{"set_value":true}},
      {"user_attribute_id":"7","name":"region","label":"Region","user_id":"42","value":"NA","rank":1,"source":"Group: Sales","value_is_hidden":false,"user_can_edit":false,"hidden_value_domain_whitelist":null,"can":{"set_value":true}},
      {"user_attribute_id":"7","name":"region","label":"Region","user_id":"42","value":"ALL","rank":null,"source":"Default","value_is_hidden":false,"user_can_edit":false,"hidden_value_domain_whitelist":null,"can":{"set_value":true}}
    ]"#;

    #[test]
    fn documented_all_values_example_parses() {
        let values: Vec<UserAttributeWithValue> = serde_json::from_str(ALL_VALUES).expect("parse");
        assert_eq!(values.len(), 3);
        assert_eq!(values[1].rank, Some(1));
        assert_eq!(values[1].source.as_deref(), Some("Group: Sales"));
        assert_eq!(values[0].can.get("set_value"), Some(&true));
    }

    #[test]
    fn documented_token_and_user_parse() {
        let token: AccessToken = serde_json::from_str(
            r#"{"access_token":"4QDkCyCtZzYgj4C2p2cj3csJH7zqS5RzKs2kTnG4","token_type":"Bearer","expires_in":3600,"refresh_token":null}"#,
        )
        .expect("token");
        assert_eq!(token.expires_in, Some(3600));
        let user: User = serde_json::from_str(
            r#"{"id":42,"first_name":"Jane","last_name":"Doe","display_name":"Jane Doe","email":"jdoe@example.com","is_disabled":false,"group_ids":[1,"2"],"credentials_email":{"email":"jdoe@example.com","is_disabled":false},"can":{"show":true}}"#,
        )
        .expect("user");
        assert_eq!(
            (user.id.as_str(), user.group_ids.as_slice()),
            ("42", &["1".to_owned(), "2".to_owned()][..])
        );
        assert_eq!(user.login_email().as_deref(), Some("jdoe@example.com"));
    }

    #[test]
    fn a_user_without_an_id_is_rejected() {
        assert!(serde_json::from_str::<User>(r#"{"first_name":"x"}"#).is_err());
    }

    #[test]
    fn ids_are_strings_or_integers_and_nothing_else() {
        let id = |json: &str| serde_json::from_str::<User>(json).map(|user| user.id);
        assert_eq!(id(r#"{"id":"a\u0062"}"#).expect("text"), "ab");
        assert_eq!(
            id(r#"{"id":18446744073709551615}"#).expect("u64"),
            "18446744073709551615"
        );
        assert_eq!(id(r#"{"id":-3}"#).expect("i64"), "-3");
        for wrong in [
            r#"{"id":1.5}"#,
            r#"{"id":true}"#,
            r#"{"id":null}"#,
            r#"{"id":["1"]}"#,
        ] {
            assert!(id(wrong).is_err(), "{wrong}");
        }
    }

    #[test]
    fn a_lifetime_beyond_i64_saturates_instead_of_failing() {
        let token: AccessToken =
            serde_json::from_str(r#"{"access_token":"t","expires_in":18446744073709551615}"#)
                .expect("token");
        assert_eq!(token.expires_in, Some(i64::MAX));
        let token: AccessToken = serde_json::from_str(r#"{"access_token":"t"}"#).expect("token");
        assert_eq!(token.expires_in, None);
    }
}
