//! The group resources of the simulated Crowd API: `/group` and `/group/attribute`.
//!
//! Facts (Crowd's `GroupsResource` source, its exception mappers, crowd-rest-test 2.8.7's JSON
//! samples, developer.atlassian.com's v601 group pages): `GET /group?groupname=` answers the
//! `GroupEntity` (`name`, `description`, `type: "GROUP"`, `active`, `attributes` listed only with
//! `expand=attributes`), 404 `GROUP_NOT_FOUND` for an unknown group; `POST /group` answers 201
//! with a `Location`, 400 `INVALID_GROUP` for a bad or taken name; `PUT /group` answers 200 with
//! the group, 400 `INVALID_GROUP` when the body's name differs from the query's;
//! `DELETE /group` answers 204; `GET /group/attribute` answers the attribute list;
//! `POST /group/attribute` gives each named attribute exactly the values sent and answers 204;
//! `DELETE /group/attribute` answers 204. Group attributes do not flow down to members.

use axum::body::Bytes;
use axum::response::Response;
use serde_json::{Map, Value};

use super::json as render;
use super::routes::{
    api_base, attribute_lists, created, expands, json, json_object, no_content, required,
};
use super::store::{GroupFields, Refusal};
use crate::simulator::call::Call;

/// The writable fields of a group body; `name`, `type`, `link` and `attributes` are not fields.
fn group_fields(body: &Map<String, Value>) -> Result<GroupFields, Refusal> {
    let description = match body.get("description") {
        None => None,
        Some(Value::Null) => Some(String::new()),
        Some(Value::String(text)) => Some(text.clone()),
        Some(_) => {
            return Err(Refusal::bad(
                "INVALID_GROUP",
                "description must be a string",
            ));
        }
    };
    let active = match body.get("active") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(flag)) => Some(*flag),
        Some(_) => return Err(Refusal::bad("INVALID_GROUP", "active must be a boolean")),
    };
    Ok(GroupFields {
        description,
        active,
    })
}

/// `GET /group?groupname=G[&expand=attributes]`.
pub async fn get_group(call: Call) -> Result<Response, Refusal> {
    let name = required(&call, "groupname")?;
    let store = call.state.crowd();
    let group = store.group(name)?;
    Ok(json(render::group(
        group,
        &api_base(&call),
        expands(&call, "attributes"),
    )))
}

/// `POST /group` with a `GroupEntity`: 201 with `Location` and the group.
pub async fn create_group(call: Call, body: Bytes) -> Result<Response, Refusal> {
    let body = json_object(&body)?;
    let fields = group_fields(&body)?;
    let name = body.get("name").and_then(Value::as_str).unwrap_or_default();
    let base = api_base(&call);
    let mut store = call.state.crowd();
    let group = store.create_group(name, fields)?;
    let location = render::href(&base, "group", &[("groupname", &group.name)]);
    Ok(created(&location, render::group(group, &base, false)))
}

/// `PUT /group?groupname=G` with a `GroupEntity`: 200 with the group.
pub async fn update_group(call: Call, body: Bytes) -> Result<Response, Refusal> {
    let name = required(&call, "groupname")?;
    let body = json_object(&body)?;
    let fields = group_fields(&body)?;
    let body_name = body.get("name").and_then(Value::as_str);
    let base = api_base(&call);
    let mut store = call.state.crowd();
    let group = store.update_group(name, body_name, fields)?;
    Ok(json(render::group(group, &base, false)))
}

/// `DELETE /group?groupname=G`: 204; its memberships go with it.
pub async fn delete_group(call: Call) -> Result<Response, Refusal> {
    let name = required(&call, "groupname")?;
    call.state.crowd().delete_group(name)?;
    Ok(no_content())
}

/// `GET /group/attribute?groupname=G`: the attribute list.
pub async fn get_attributes(call: Call) -> Result<Response, Refusal> {
    let name = required(&call, "groupname")?;
    let store = call.state.crowd();
    let group = store.group(name)?;
    Ok(json(render::group_attribute_list(
        group,
        &api_base(&call),
        true,
    )))
}

/// `POST /group/attribute?groupname=G` with `{"attributes": [{"name", "values"}]}`: 204.
pub async fn store_attributes(call: Call, body: Bytes) -> Result<Response, Refusal> {
    let name = required(&call, "groupname")?;
    let attributes = attribute_lists(&body)?;
    call.state
        .crowd()
        .store_group_attributes(name, attributes)?;
    Ok(no_content())
}

/// `DELETE /group/attribute?groupname=G&attributename=N`: 204.
pub async fn delete_attribute(call: Call) -> Result<Response, Refusal> {
    let name = required(&call, "groupname")?;
    let attribute = required(&call, "attributename")?;
    call.state.crowd().delete_group_attribute(name, attribute)?;
    Ok(no_content())
}
