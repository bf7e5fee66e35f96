//! Rendering of the simulated Crowd API's bodies: users, groups, attribute lists, references,
//! errors and the XML group memberships.
//!
//! Shapes follow Crowd's entities: hyphenated user fields, `link` objects, the `attributes`
//! container whose list is also named `attributes`, and `{reason, message}` errors. A success
//! body never has a top-level `reason` or `message` key (atlassian-crowd-client would read it as
//! an error). Pure functions.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::store::{CrowdStore, DIRECTORY_ID, DIRECTORY_NAME, Group, User};
use super::xml::escape;

/// `{"rel": .., "href": ..}`.
pub fn link(rel: &str, href: String) -> Value {
    json!({ "rel": rel, "href": href })
}

/// `{base}/{path}?{query}` with the query encoded.
pub fn href(base: &str, path: &str, query: &[(&str, &str)]) -> String {
    let mut encoded = url::form_urlencoded::Serializer::new(String::new());
    encoded.extend_pairs(query);
    format!("{base}/{path}?{}", encoded.finish())
}

/// The attribute list `{"link": .., "attributes": [..]}` of the entity at `{path}?{key}={name}`;
/// the list is empty unless `expanded`.
fn attributes_of(
    base: &str,
    (path, key, name): (&str, &str, &str),
    attributes: &BTreeMap<String, Vec<String>>,
    expanded: bool,
) -> Value {
    let listed: Vec<Value> = if expanded {
        attributes
            .iter()
            .map(|(attribute, values)| {
                json!({
                    "link": link("self", href(base, path, &[(key, name), ("attributename", attribute)])),
                    "name": attribute,
                    "values": values,
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    json!({
        "link": link("self", href(base, path, &[(key, name)])),
        "attributes": listed,
    })
}

/// A user's attribute list (`GET /user/attribute`); empty unless `expanded`.
pub fn attribute_list(user: &User, base: &str, expanded: bool) -> Value {
    attributes_of(
        base,
        ("user/attribute", "username", &user.name),
        &user.attributes,
        expanded,
    )
}

/// A group's attribute list (`GET /group/attribute`); empty unless `expanded`.
pub fn group_attribute_list(group: &Group, base: &str, expanded: bool) -> Value {
    attributes_of(
        base,
        ("group/attribute", "groupname", &group.name),
        &group.attributes,
        expanded,
    )
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

/// A full user; its attributes are listed only when `expand_attributes`.
pub fn user(user: &User, base: &str, expand_attributes: bool) -> Value {
    let this = href(base, "user", &[("username", &user.name)]);
    json!({
        "expand": "attributes",
        "link": link("self", this),
        "name": user.name,
        "first-name": user.first_name,
        "last-name": user.last_name,
        "display-name": user.display_name,
        "email": user.email,
        "password": {"link": link("edit", href(base, "user/password", &[("username", &user.name)]))},
        "key": user.key,
        "active": user.active,
        "directory-id": DIRECTORY_ID,
        "directory-name": DIRECTORY_NAME,
        "attributes": attribute_list(user, base, expand_attributes),
    })
}

/// A user reference `{"link": .., "name": ..}` (search results without `expand=user`).
pub fn user_ref(user: &User, base: &str) -> Value {
    json!({
        "link": link("self", href(base, "user", &[("username", &user.name)])),
        "name": user.name,
    })
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
