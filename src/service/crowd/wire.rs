//! Crowd `usermanagement/1` wire types, as Crowd's own entities and samples name them.
//!
//! Only the fields roster reads are declared; everything else (`link`, `expand`, `password`,
//! dates) is ignored on input. The attribute array is `attributes` (Crowd's JSON name); the
//! `attribute` spelling of some web examples is accepted as well. Nothing here sends requests.

#![deny(clippy::arithmetic_side_effects)]

use serde::{Deserialize, Serialize};

/// A user (`UserEntity`), as `GET /user` and `GET /search?expand=user` return it.
#[derive(Debug, Clone, Deserialize)]
pub struct User {
    /// The username; Crowd's identifier in every URL.
    pub name: String,
    /// Given name.
    #[serde(rename = "first-name")]
    pub first_name: Option<String>,
    /// Family name.
    #[serde(rename = "last-name")]
    pub last_name: Option<String>,
    /// Name people read.
    #[serde(rename = "display-name")]
    pub display_name: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// Whether the account may log in.
    pub active: Option<bool>,
    /// The immutable key (2.8+), e.g. `32769:9f1c…`.
    pub key: Option<String>,
    /// The directory holding the user (newer servers).
    #[serde(rename = "directory-id")]
    pub directory_id: Option<serde_json::Value>,
    /// The directory's name (newer servers).
    #[serde(rename = "directory-name")]
    pub directory_name: Option<String>,
    /// The attribute container (its list is empty unless `expand=attributes`).
    pub attributes: Option<AttributeList>,
}

/// `MultiValuedAttributeEntityList`: `{"link": …, "attributes": [...]}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AttributeList {
    /// The attributes.
    #[serde(default, alias = "attribute")]
    pub attributes: Vec<Attribute>,
}

/// One multi-valued attribute.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Attribute {
    /// The attribute's name.
    pub name: String,
    /// Its values, always strings.
    #[serde(default)]
    pub values: Vec<String>,
}

/// The answer to `GET /search?entity-type=user`: `{"expand": "user", "users": [...]}`.
#[derive(Debug, Clone, Deserialize)]
pub struct UserSearch {
    /// The users of this page (full users with `expand=user`, else name and link).
    #[serde(default)]
    pub users: Vec<User>,
}

/// A group reference, as `/user/group/direct` lists it.
#[derive(Debug, Clone, Deserialize)]
pub struct GroupRef {
    /// The group's name.
    pub name: String,
}

/// `{"groups": [...]}`.
#[derive(Debug, Clone, Deserialize)]
pub struct GroupList {
    /// The groups.
    #[serde(default)]
    pub groups: Vec<GroupRef>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The user example of api-facts.md §1.4 (field names from Crowd's samples and entities).
    const DOCUMENTED_USER: &str = r#"{
      "expand": "attributes",
      "link": {"rel": "self", "href": "https://crowd.example.com/crowd/rest/usermanagement/1/user?username=jdoe"},
      "name": "jdoe",
      "first-name": "Jane",
      "last-name": "Doe",
      "display-name": "Jane Doe",
      "email": "jdoe@example.com",
      "password": {"link": {"rel": "edit", "href": "https://crowd.example.com/crowd/rest/usermanagement/1/user/password?username=jdoe"}},
      "key": "32769:9f1c0d2e-....",
      "active": true,
      "attributes": {
        "link": {"rel": "self", "href": "https://crowd.example.com/crowd/rest/usermanagement/1/user/attribute?username=jdoe"},
        "attributes": [
          {"link": {"rel": "self", "href": "https://crowd.example.com/crowd/rest/usermanagement/1/user/attribute?username=jdoe&attributename=department"},
           "name": "department", "values": ["R&D"]}
        ]
      }
    }"#;

    #[test]
    fn documented_user_parses() {
        let user: User = serde_json::from_str(DOCUMENTED_USER).expect("user");
        assert_eq!(user.name, "jdoe");
        assert_eq!(user.display_name.as_deref(), Some("Jane Doe"));
        assert_eq!(user.active, Some(true));
        assert_eq!(user.key.as_deref(), Some("32769:9f1c0d2e-...."));
        let attributes = user.attributes.expect("attributes").attributes;
        assert_eq!(
            attributes,
            [Attribute {
                name: "department".to_owned(),
                values: vec!["R&D".to_owned()]
            }]
        );
    }

    #[test]
    fn documented_attribute_list_search_and_groups_parse() {
        let list: AttributeList = serde_json::from_str(
            r#"{"link":{"rel":"self","href":"h"},"attributes":[{"link":{"rel":"self","href":"h"},"name":"requiresPasswordChange","values":["false"]}]}"#,
        )
        .expect("attribute list");
        assert_eq!(list.attributes[0].name, "requiresPasswordChange");
        let search: UserSearch = serde_json::from_str(
            r#"{"expand":"user","users":[{"link":{"rel":"self","href":"…/user?username=jdoe"},"name":"jdoe"}]}"#,
        )
        .expect("search");
        assert_eq!(search.users[0].name, "jdoe");
        assert!(search.users[0].email.is_none());
        let groups: GroupList = serde_json::from_str(
            r#"{"groups":[{"link":{"rel":"self","href":"h"},"name":"jira-users"}]}"#,
        )
        .expect("groups");
        assert_eq!(groups.groups[0].name, "jira-users");
    }

    #[test]
    fn the_web_examples_attribute_spelling_is_accepted() {
        let list: AttributeList =
            serde_json::from_str(r#"{"attribute":[{"name":"a","values":["1","2"]}]}"#)
                .expect("list");
        assert_eq!(list.attributes[0].values, ["1", "2"]);
    }

    #[test]
    fn newer_entities_with_directory_and_empty_attributes_parse() {
        let user: User = serde_json::from_str(
            r#"{"name":"x","active":false,"directory-id":32769,"directory-name":"Internal","attributes":{"link":{},"attributes":[]},"created-date":1700000000000}"#,
        )
        .expect("user");
        assert_eq!(user.directory_name.as_deref(), Some("Internal"));
        assert!(user.attributes.expect("container").attributes.is_empty());
    }
}
