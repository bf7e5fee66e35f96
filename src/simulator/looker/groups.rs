//! The group resources of the simulated Looker API: `/groups`, a group's users, and the group
//! values of user attributes.
//!
//! Facts (api-facts §0, §3.3, §3.4): there is no `GET /groups/{id}/attribute_values`; group values
//! are read with `GET /user_attributes/{id}/group_values` (in precedence order), replaced whole
//! with `POST` of that path (array order or explicit `rank` decides precedence), and changed one
//! group at a time with `PATCH`/`DELETE /groups/{group_id}/attribute_values/{attribute_id}`.
//! Hidden values are never rendered (`value` null). The store enforces the rules (`store.rs`);
//! here bodies are read: a `group_id` may be a string or a number, a `value` a string or a
//! number, a `rank` an integer or null, and an item of the wrong shape is a 422 naming the field.
//! `GET /groups` takes `ids`, `sorts` (`id`, `name`) and `fields`; its `limit`/`offset` paging is
//! not simulated (every group is listed).

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::attributes::value_text;
use super::error::LookerError;
use super::json as render;
use super::paging::{page_of, render_page};
use super::routes::{id_list, json_object, parse_id, selected};
use super::store::{GroupValueInput, LookerStore, User};
use crate::simulator::call::Call;

/// `GET /user_attributes/{attribute_id}/group_values`, lowest rank first.
pub async fn list_group_values(
    call: Call,
    Path(attribute_id): Path<String>,
) -> Result<Response, LookerError> {
    let id = parse_id(&attribute_id)?;
    group_values(&call, &call.state.looker(), id)
}

/// Every group value of an attribute, in precedence order.
fn group_values(
    call: &Call,
    store: &LookerStore,
    attribute_id: u64,
) -> Result<Response, LookerError> {
    let definition = store.attribute(attribute_id)?;
    let values: Vec<Value> = store
        .group_values_of(attribute_id)
        .into_iter()
        .map(|gv| render::group_value(definition, gv))
        .collect();
    Ok(selected(call, Value::Array(values)))
}

/// One item of a `POST .../group_values` body.
fn group_value_input(item: &Value) -> Result<GroupValueInput, LookerError> {
    let group_id = match item.get("group_id") {
        Some(Value::String(text)) => text.trim().parse::<u64>().map_err(|_| {
            LookerError::invalid(
                "group_id",
                "invalid",
                format!("Group {text} does not exist"),
            )
        })?,
        Some(Value::Number(number)) => number.as_u64().ok_or_else(|| {
            LookerError::invalid(
                "group_id",
                "invalid",
                format!("Group {number} does not exist"),
            )
        })?,
        _ => {
            return Err(LookerError::invalid(
                "group_id",
                "missing",
                "group_id is required",
            ));
        }
    };
    let rank =
        match item.get("rank") {
            None | Some(Value::Null) => None,
            Some(rank) => Some(rank.as_i64().ok_or_else(|| {
                LookerError::invalid("rank", "invalid", "rank must be an integer")
            })?),
        };
    Ok(GroupValueInput {
        group_id,
        value: value_text(item.get("value"))?,
        rank,
    })
}

/// `POST /user_attributes/{attribute_id}/group_values`: replaces every group value.
pub async fn replace_group_values(
    call: Call,
    Path(attribute_id): Path<String>,
    body: Bytes,
) -> Result<Response, LookerError> {
    let id = parse_id(&attribute_id)?;
    let Ok(Value::Array(items)) = serde_json::from_slice::<Value>(&body) else {
        return Err(LookerError::bad_request(
            "The request body must be a JSON array",
        ));
    };
    let values = items
        .iter()
        .map(group_value_input)
        .collect::<Result<Vec<_>, _>>()?;
    let mut store = call.state.looker();
    store.replace_group_values(id, values)?;
    group_values(&call, &store, id)
}

/// `PATCH /groups/{group_id}/attribute_values/{attribute_id}` with `{"value": …}`.
pub async fn set_group_value(
    call: Call,
    Path((group_id, attribute_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, LookerError> {
    let (gid, aid) = (parse_id(&group_id)?, parse_id(&attribute_id)?);
    let value = value_text(json_object(&body)?.get("value"))?;
    let mut store = call.state.looker();
    let group_value = store.set_group_value(gid, aid, &value)?;
    let definition = store.attribute(aid)?;
    Ok(selected(
        &call,
        render::group_value(definition, &group_value),
    ))
}

/// `DELETE /groups/{group_id}/attribute_values/{attribute_id}`: 204.
pub async fn delete_group_value(
    call: Call,
    Path((group_id, attribute_id)): Path<(String, String)>,
) -> Result<Response, LookerError> {
    let (gid, aid) = (parse_id(&group_id)?, parse_id(&attribute_id)?);
    call.state.looker().delete_group_value(gid, aid)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /groups[?ids&sorts]`: in id order, or by `name` (` desc` reverses).
pub async fn list_groups(call: Call) -> Response {
    let ids = id_list(&call, "ids");
    let store = call.state.looker();
    let mut groups: Vec<(&u64, &String)> = store
        .groups
        .iter()
        .filter(|(id, _)| ids.as_ref().is_none_or(|ids| ids.contains(id)))
        .collect();
    let sorts = call.param("sorts").unwrap_or_default().trim();
    let mut words = sorts.split_whitespace();
    if words.next() == Some("name") {
        groups.sort_by(|a, b| a.1.cmp(b.1));
    }
    if words.next().is_some_and(|w| w.eq_ignore_ascii_case("desc")) {
        groups.reverse();
    }
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|(id, name)| render::group(&store, *id, name))
        .collect();
    selected(&call, Value::Array(groups))
}

/// `GET /groups/{group_id}`.
pub async fn get_group(call: Call, Path(group_id): Path<String>) -> Result<Response, LookerError> {
    let id = parse_id(&group_id)?;
    let store = call.state.looker();
    let name = store.groups.get(&id).ok_or_else(LookerError::not_found)?;
    Ok(selected(&call, render::group(&store, id, name)))
}

/// `GET /groups/{group_id}/users`, sorted and paged like `/users`.
pub async fn group_users(
    call: Call,
    Path(group_id): Path<String>,
) -> Result<Response, LookerError> {
    let id = parse_id(&group_id)?;
    let page = {
        let store = call.state.looker();
        if !store.groups.contains_key(&id) {
            return Err(LookerError::not_found());
        }
        let users: Vec<&User> = store
            .users
            .values()
            .filter(|u| u.group_ids.contains(&id))
            .collect();
        page_of(users, &call)?
    };
    Ok(render_page(&call, page))
}
