//! The membership resources of the simulated Crowd API: a user's groups (`/user/group/…`), a
//! group's users (`/group/user/…`), and every membership at once (`/group/membership`, XML only,
//! as Crowd serves it).
//!
//! Lists page with `start-index`/`max-results` and hold `{link, name}` references.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::json as render;
use super::routes::{api_base, json, page, required};
use super::store::Refusal;
use crate::simulator::call::Call;

/// `GET /user/group/direct|nested?username=U`: `{"groups": [...]}`.
pub async fn user_groups(call: Call) -> Result<Response, Refusal> {
    let name = required(&call, "username")?;
    let base = api_base(&call);
    let store = call.state.crowd();
    let user = store.user(name)?;
    let groups = user.groups.iter().map(|g| render::group_ref(g, &base));
    Ok(json(json!({ "groups": page(groups, &call)? })))
}

/// `GET /group/user/direct|nested?groupname=G`: `{"expand": "user", "users": [...]}`.
pub async fn group_users(call: Call) -> Result<Response, Refusal> {
    let group = required(&call, "groupname")?;
    let base = api_base(&call);
    let store = call.state.crowd();
    let members = store.group_members(group)?;
    let users: Vec<Value> = members.iter().map(|u| render::user_ref(u, &base)).collect();
    Ok(json(
        json!({ "expand": "user", "users": page(users, &call)? }),
    ))
}

/// `GET /group/membership`: every group with its members, as XML.
pub async fn memberships(call: Call) -> Response {
    let body = render::memberships_xml(&call.state.crowd());
    ([(header::CONTENT_TYPE, "application/xml")], body).into_response()
}
