//! Rendering of the simulated Crowd API's bodies: users, groups, attribute lists, references,
//! errors and the XML group memberships.
//!
//! Shapes follow Crowd's entities: hyphenated user fields, `link` objects, the `attributes`
//! container whose list is also named `attributes`, and `{reason, message}` errors. A success
//! body never has a top-level `reason` or `message` key (atlassian-crowd-client would read it as
//! an error). Pure functions.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::{Value, json};

use super::store::{CrowdStore, DIRECTORY_ID, DIRECTORY_NAME, Group, User};
use super::xml::escape;

/// `{"rel": .., "href": ..}`.
pub fn link(rel: &str, href: String) -> Value {
    json!({ "rel": rel, "href": href })
}

/// `{base}/{path}?{query}` with the query form-encoded; written out only when serialised.
#[derive(Clone, Copy)]
struct Href<'a> {
    base: &'a str,
    path: &'a str,
    query: &'a [(&'a str, &'a str)],
}

impl fmt::Display for Href<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}?", self.base, self.path)?;
        for (index, (key, value)) in self.query.iter().enumerate() {
            if index > 0 {
                f.write_str("&")?;
            }
            for part in url::form_urlencoded::byte_serialize(key.as_bytes()) {
                f.write_str(part)?;
            }
            f.write_str("=")?;
            for part in url::form_urlencoded::byte_serialize(value.as_bytes()) {
                f.write_str(part)?;
            }
        }
        Ok(())
    }
}

/// `{"rel": .., "href": ..}` with the href written as it is serialised.
struct Link<'a> {
    rel: &'static str,
    href: Href<'a>,
}

impl Serialize for Link<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("rel", self.rel)?;
        map.serialize_entry("href", &format_args!("{}", self.href))?;
        map.end()
    }
}

/// `{base}/{path}?{query}` with the query encoded.
pub fn href(base: &str, path: &str, query: &[(&str, &str)]) -> String {
    Href { base, path, query }.to_string()
}

/// The attribute list `{"link": .., "attributes": [..]}` of the entity at `{path}?{key}={name}`;
/// the list is empty unless `expanded`.
pub struct AttributeList<'a> {
    base: &'a str,
    path: &'static str,
    key: &'static str,
    name: &'a str,
    attributes: &'a BTreeMap<String, Vec<String>>,
    expanded: bool,
}

impl Serialize for AttributeList<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        let query = [(self.key, self.name)];
        let href = Href {
            base: self.base,
            path: self.path,
            query: &query,
        };
        map.serialize_entry("link", &Link { rel: "self", href })?;
        map.serialize_entry("attributes", &ListedAttributes(self))?;
        map.end()
    }
}

/// The `attributes` array of an [`AttributeList`].
struct ListedAttributes<'l, 'a>(&'l AttributeList<'a>);

impl Serialize for ListedAttributes<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let list = self.0;
        let listed = if list.expanded {
            list.attributes.len()
        } else {
            0
        };
        serializer.collect_seq(
            list.attributes
                .iter()
                .take(listed)
                .map(|(attribute, values)| ListedAttribute {
                    list,
                    attribute,
                    values,
                }),
        )
    }
}

/// One `{"link", "name", "values"}` of an expanded attribute list.
struct ListedAttribute<'l, 'a> {
    list: &'l AttributeList<'a>,
    attribute: &'a str,
    values: &'a [String],
}

impl Serialize for ListedAttribute<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(3))?;
        let query = [
            (self.list.key, self.list.name),
            ("attributename", self.attribute),
        ];
        let href = Href {
            base: self.list.base,
            path: self.list.path,
            query: &query,
        };
        map.serialize_entry("link", &Link { rel: "self", href })?;
        map.serialize_entry("name", self.attribute)?;
        map.serialize_entry("values", self.values)?;
        map.end()
    }
}

/// A user's attribute list (`GET /user/attribute`); empty unless `expanded`.
pub fn attribute_list<'a>(user: &'a User, base: &'a str, expanded: bool) -> AttributeList<'a> {
    AttributeList {
        base,
        path: "user/attribute",
        key: "username",
        name: &user.name,
        attributes: &user.attributes,
        expanded,
    }
}

/// A group's attribute list (`GET /group/attribute`); empty unless `expanded`.
pub fn group_attribute_list<'a>(
    group: &'a Group,
    base: &'a str,
    expanded: bool,
) -> AttributeList<'a> {
    AttributeList {
        base,
        path: "group/attribute",
        key: "groupname",
        name: &group.name,
        attributes: &group.attributes,
        expanded,
    }
}

/// A full group (`GroupEntity`, as Crowd's samples show it); its attributes are listed only when
/// `expand_attributes`.
pub fn group(group: &Group, base: &str, expand_attributes: bool) -> Value {
    json!({
        "link": link("self", href(base, "group", &[("groupname", &group.name)])),
        "expand": "attributes",
        "name": group.name,
        "description": group.description,
        "type": "GROUP",
        "active": group.active,
        "attributes": group_attribute_list(group, base, expand_attributes),
    })
}

/// A user as Crowd renders it, serialised straight from the store's record.
pub enum UserEntity<'a> {
    /// The whole `UserEntity`; its attributes are listed only when `attributes` is true.
    Full {
        /// The user.
        user: &'a User,
        /// The API base the links point below.
        base: &'a str,
        /// `expand=attributes`.
        attributes: bool,
    },
    /// A reference `{"link": .., "name": ..}`.
    Reference {
        /// The user.
        user: &'a User,
        /// The API base the link points below.
        base: &'a str,
    },
}

impl Serialize for UserEntity<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match *self {
            Self::Full {
                user,
                base,
                attributes,
            } => {
                let query = [("username", user.name.as_str())];
                let this = Href {
                    base,
                    path: "user",
                    query: &query,
                };
                let password = Href {
                    path: "user/password",
                    ..this
                };
                let mut map = serializer.serialize_map(Some(13))?;
                map.serialize_entry("expand", "attributes")?;
                map.serialize_entry(
                    "link",
                    &Link {
                        rel: "self",
                        href: this,
                    },
                )?;
                map.serialize_entry("name", &user.name)?;
                map.serialize_entry("first-name", &user.first_name)?;
                map.serialize_entry("last-name", &user.last_name)?;
                map.serialize_entry("display-name", &user.display_name)?;
                map.serialize_entry("email", &user.email)?;
                map.serialize_entry(
                    "password",
                    &PasswordLink(Link {
                        rel: "edit",
                        href: password,
                    }),
                )?;
                map.serialize_entry("key", &user.key)?;
                map.serialize_entry("active", &user.active)?;
                map.serialize_entry("directory-id", &DIRECTORY_ID)?;
                map.serialize_entry("directory-name", DIRECTORY_NAME)?;
                map.serialize_entry("attributes", &attribute_list(user, base, attributes))?;
                map.end()
            }
            Self::Reference { user, base } => {
                let query = [("username", user.name.as_str())];
                let href = Href {
                    base,
                    path: "user",
                    query: &query,
                };
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("link", &Link { rel: "self", href })?;
                map.serialize_entry("name", &user.name)?;
                map.end()
            }
        }
    }
}

/// `{"link": ..}`: the user's `password` entry.
struct PasswordLink<'a>(Link<'a>);

impl Serialize for PasswordLink<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry("link", &self.0)?;
        map.end()
    }
}

/// A full user; its attributes are listed only when `expand_attributes`.
pub fn user<'a>(user: &'a User, base: &'a str, expand_attributes: bool) -> UserEntity<'a> {
    UserEntity::Full {
        user,
        base,
        attributes: expand_attributes,
    }
}

/// A page of users, Crowd's `UserEntityList`: `{"expand": "user", "users": [..]}`.
#[derive(Serialize)]
pub struct UserList<'a> {
    expand: &'static str,
    users: Vec<UserEntity<'a>>,
}

/// The `UserEntityList` of these users.
pub fn user_list(users: Vec<UserEntity<'_>>) -> UserList<'_> {
    UserList {
        expand: "user",
        users,
    }
}

/// A user reference `{"link": .., "name": ..}` (search results without `expand=user`).
pub fn user_ref<'a>(user: &'a User, base: &'a str) -> UserEntity<'a> {
    UserEntity::Reference { user, base }
}

/// A group reference `{"link": .., "name": ..}`.
pub fn group_ref(name: &str, base: &str) -> Value {
    json!({
        "link": link("self", href(base, "group", &[("groupname", name)])),
        "name": name,
    })
}

/// Crowd's error entity.
pub fn error(reason: &str, message: &str) -> Value {
    json!({ "reason": reason, "message": message })
}

/// Crowd's error entity in XML.
pub fn error_xml(reason: &str, message: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><error><reason>{}</reason><message>{}</message></error>",
        escape(reason),
        escape(message)
    )
}

/// `GET /group/membership`: every group with its direct user members and direct child groups.
pub fn memberships_xml(store: &CrowdStore) -> String {
    let mut xml =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><memberships>");
    for (group, users, children) in store.memberships() {
        xml.push_str(&format!(
            "<membership group=\"{}\"><users>",
            escape(&group.name)
        ));
        for user in users {
            xml.push_str(&format!("<user name=\"{}\"/>", escape(&user.name)));
        }
        xml.push_str("</users><groups>");
        for child in children {
            xml.push_str(&format!("<group name=\"{}\"/>", escape(&child.name)));
        }
        xml.push_str("</groups></membership>");
    }
    xml.push_str("</memberships>");
    xml
}
