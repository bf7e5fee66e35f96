//! The user attribute resources of the simulated Looker API: definitions (`/user_attributes`) and
//! a user's values (`/users/{id}/attribute_values`).
//!
//! Facts (api-facts §3.3, §3.4): `attribute_values` lists only attributes with a value unless
//! `include_unset=true` (then with source `No Value`); `all_values=true` lists the whole lookup
//! path (the user's value, each group's by rank, the default) instead of the winner; hidden values
//! are never sent. Setting a value answers the `UserAttributeWithValue`; deleting answers an empty
//! 204, after which the value falls back to the groups and the default.

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::error::LookerError;
use super::json as render;
use super::routes::{id_list, json_object, parse_id, selected};
use super::store::{self, source};
use crate::simulator::call::Call;

/// `GET /users/{user_id}/attribute_values[?user_attribute_ids&all_values&include_unset]`.
pub async fn user_attribute_values(
    call: Call,
    Path(user_id): Path<String>,
) -> Result<Response, LookerError> {
    let id = parse_id(&user_id)?;
    let all_values = call.param("all_values") == Some("true");
    let include_unset = call.param("include_unset") == Some("true");
    let wanted = id_list(&call, "user_attribute_ids");
    let store = call.state.looker();
    let user = store.user(id)?;
    let mut definitions: Vec<_> = store
        .attributes
        .values()
        .filter(|a| wanted.as_ref().is_none_or(|w| w.contains(&a.id)))
        .collect();
    definitions.sort_by(|a, b| a.name.cmp(&b.name));
    let mut out = Vec::new();
    for definition in definitions {
        let path_values = store.lookup_path(user, definition);
        if path_values.is_empty() {
            if include_unset {
                let unset = store::PathValue {
                    value: None,
                    source: source::NO_VALUE.to_owned(),
                    rank: None,
                };
                out.push(render::attribute_with_value(user, definition, &unset));
            }
            continue;
        }
        let take = if all_values { path_values.len() } else { 1 };
        out.extend(
            path_values
                .iter()
                .take(take)
                .map(|v| render::attribute_with_value(user, definition, v)),
        );
    }
    Ok(selected(&call, Value::Array(out)))
}

/// `PATCH /users/{user_id}/attribute_values/{attribute_id}` with `{"value": …}`.
pub async fn set_user_value(
    call: Call,
    Path((user_id, attribute_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, LookerError> {
    let (uid, aid) = (parse_id(&user_id)?, parse_id(&attribute_id)?);
    let fields = json_object(&body)?;
    let value = match fields.get("value") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => {
            return Err(LookerError::invalid(
                "value",
                "missing",
                "value is required and must be a string",
            ));
        }
    };
    let mut store = call.state.looker();
    store.set_user_value(uid, aid, &value)?;
    let (user, definition) = (store.user(uid)?, store.attribute(aid)?);
    let written = store::PathValue {
        value: (!definition.value_is_hidden).then_some(value),
        source: source::USER.to_owned(),
        rank: None,
    };
    Ok(axum::Json(render::attribute_with_value(user, definition, &written)).into_response())
}

/// `DELETE /users/{user_id}/attribute_values/{attribute_id}`: an empty 204.
pub async fn delete_user_value(
    call: Call,
    Path((user_id, attribute_id)): Path<(String, String)>,
) -> Result<Response, LookerError> {
    let (uid, aid) = (parse_id(&user_id)?, parse_id(&attribute_id)?);
    call.state.looker().delete_user_value(uid, aid)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /user_attributes[?sorts=name|label]`.
pub async fn list_attributes(call: Call) -> Response {
    let store = call.state.looker();
    let mut definitions: Vec<_> = store.attributes.values().collect();
    match call.param("sorts").map(str::trim) {
        Some("name") => definitions.sort_by(|a, b| a.name.cmp(&b.name)),
        Some("label") => definitions.sort_by(|a, b| a.label.cmp(&b.label)),
        _ => {}
    }
    let body = Value::Array(definitions.into_iter().map(render::attribute).collect());
    selected(&call, body)
}

/// `GET /user_attributes/{attribute_id}`.
pub async fn get_attribute(
    call: Call,
    Path(attribute_id): Path<String>,
) -> Result<Response, LookerError> {
    let id = parse_id(&attribute_id)?;
    let store = call.state.looker();
    let definition = store.attribute(id)?;
    Ok(selected(&call, render::attribute(definition)))
}
