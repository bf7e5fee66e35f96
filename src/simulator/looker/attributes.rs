//! The user attribute resources of the simulated Looker API: definitions (`/user_attributes`,
//! read and changed with `PATCH`) and a user's values (`/users/{id}/attribute_values`).
//!
//! Facts (api-facts §3.3, §3.4): `attribute_values` lists only attributes with a value unless
//! `include_unset=true` (then with source `No Value`); `all_values=true` lists the whole lookup
//! path (the user's value, each group's by rank, the default) instead of the winner; hidden values
//! are never sent. Setting a value answers the `UserAttributeWithValue`; deleting answers an empty
//! 204, after which the value falls back to the groups and the default. A definition's `PATCH`
//! takes the writable settings of `UserAttribute` (read-only and unknown keys are ignored, a key
//! of the wrong JSON type is a 422 naming it) under the rules of `definitions.rs`.

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::definitions::AttributeUpdate;
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
    let value = value_text(json_object(&body)?.get("value"))?;
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

/// A `value` sent as a string or a number; anything else is a 422 naming `value`.
pub fn value_text(value: Option<&Value>) -> Result<String, LookerError> {
    match value {
        Some(Value::String(text)) => Ok(text.clone()),
        Some(Value::Number(number)) => Ok(number.to_string()),
        None | Some(Value::Null) => Err(LookerError::invalid(
            "value",
            "missing",
            "value is required",
        )),
        Some(_) => Err(LookerError::invalid(
            "value",
            "invalid",
            "value must be a string",
        )),
    }
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

/// `PATCH /user_attributes/{attribute_id}`: the updated definition.
pub async fn update_attribute(
    call: Call,
    Path(attribute_id): Path<String>,
    body: Bytes,
) -> Result<Response, LookerError> {
    let id = parse_id(&attribute_id)?;
    let update = attribute_update(&json_object(&body)?)?;
    let mut store = call.state.looker();
    let definition = store.update_attribute(id, &update)?;
    Ok(selected(&call, render::attribute(definition)))
}

/// The writable settings of a `UserAttribute` body.
fn attribute_update(body: &Map<String, Value>) -> Result<AttributeUpdate, LookerError> {
    let required_text = |key: &str| -> Result<Option<String>, LookerError> {
        match body.get(key) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(Value::Null) => Err(LookerError::invalid(
                key,
                "missing",
                format!("{key} is required"),
            )),
            Some(_) => Err(LookerError::invalid(
                key,
                "invalid",
                format!("{key} must be a string"),
            )),
        }
    };
    let nullable_text = |key: &str| -> Result<Option<Option<String>>, LookerError> {
        match body.get(key) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(Value::String(text)) => Ok(Some(Some(text.clone()))),
            Some(Value::Number(number)) => Ok(Some(Some(number.to_string()))),
            Some(_) => Err(LookerError::invalid(
                key,
                "invalid",
                format!("{key} must be a string"),
            )),
        }
    };
    let flag = |key: &str| -> Result<Option<bool>, LookerError> {
        match body.get(key) {
            None => Ok(None),
            Some(Value::Bool(flag)) => Ok(Some(*flag)),
            Some(_) => Err(LookerError::invalid(
                key,
                "invalid",
                format!("{key} must be true or false"),
            )),
        }
    };
    Ok(AttributeUpdate {
        name: required_text("name")?,
        label: required_text("label")?,
        value_type: required_text("type")?,
        default_value: nullable_text("default_value")?,
        value_is_hidden: flag("value_is_hidden")?,
        user_can_view: flag("user_can_view")?,
        user_can_edit: flag("user_can_edit")?,
        hidden_value_domain_whitelist: nullable_text("hidden_value_domain_whitelist")?,
    })
}
