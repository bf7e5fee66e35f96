//! The group resources of the simulated Looker API: `/groups`, a group's users, and the group
//! values of user attributes.
//!
//! Facts (api-facts §0, §3.3, §3.4): there is no `GET /groups/{id}/attribute_values`; group values
//! are read with `GET /user_attributes/{id}/group_values` (in precedence order), replaced whole
//! with `POST` of that path (array order or explicit `rank` decides precedence), and changed one
//! group at a time with `PATCH`/`DELETE /groups/{group_id}/attribute_values/{attribute_id}`.

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::error::LookerError;
use super::json as render;
use super::paging::{page_of, render_page};
use super::routes::{json_object, parse_id, selected};
use super::store::{LookerStore, User};
use crate::simulator::call::Call;

/// `GET /user_attributes/{attribute_id}/group_values`, lowest rank first.
pub async fn list_group_values(
    call: Call,
    Path(attribute_id): Path<String>,
) -> Result<Response, LookerError> {
    let id = parse_id(&attribute_id)?;
    group_values(&call.state.looker(), id)
}

/// Every group value of an attribute, in precedence order.
fn group_values(store: &LookerStore, attribute_id: u64) -> Result<Response, LookerError> {
    let definition = store.attribute(attribute_id)?;
    let values: Vec<Value> = store
        .group_values_of(attribute_id)
        .into_iter()
        .map(|gv| render::group_value(definition, gv))
        .collect();
    Ok(axum::Json(Value::Array(values)).into_response())
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
    let mut values = Vec::new();
    for item in &items {
        let group_id = item.get("group_id").and_then(|g| {
            g.as_str()
                .map(str::to_owned)
                .or_else(|| g.as_u64().map(|n| n.to_string()))
        });
        let group_id = group_id
            .and_then(|g| g.parse::<u64>().ok())
            .ok_or_else(|| LookerError::invalid("group_id", "missing", "group_id is required"))?;
        let value = item
            .get("value")
            .and_then(Value::as_str)
            .ok_or_else(|| LookerError::invalid("value", "missing", "value is required"))?;
        values.push((
            group_id,
            value.to_owned(),
            item.get("rank").and_then(Value::as_i64),
        ));
    }
    let mut store = call.state.looker();
    store.replace_group_values(id, values)?;
    group_values(&store, id)
}

/// `PATCH /groups/{group_id}/attribute_values/{attribute_id}` with `{"value": …}`.
pub async fn set_group_value(
    call: Call,
    Path((group_id, attribute_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, LookerError> {
    let (gid, aid) = (parse_id(&group_id)?, parse_id(&attribute_id)?);
    let fields = json_object(&body)?;
    let value = fields
        .get("value")
        .and_then(Value::as_str)
        .ok_or_else(|| LookerError::invalid("value", "missing", "value is required"))?;
    let mut store = call.state.looker();
    let group_value = store.set_group_value(gid, aid, value)?;
    let definition = store.attribute(aid)?;
    Ok(axum::Json(render::group_value(definition, &group_value)).into_response())
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

/// `GET /groups`.
pub async fn list_groups(call: Call) -> Response {
    let store = call.state.looker();
    let groups: Vec<Value> = store
        .groups
        .iter()
        .map(|(id, name)| render::group(&store, *id, name))
        .collect();
    selected(&call, Value::Array(groups))
}

/// `GET /groups/{group_id}`.
pub async fn get_group(call: Call, Path(group_id): Path<String>) -> Result<Response, LookerError> {
    let id = parse_id(&group_id)?;
    let store = call.state.looker();
    let name = store.groups.get(&id).ok_or_else(LookerError::not_found)?;
    Ok(axum::Json(render::group(&store, id, name)).into_response())
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
