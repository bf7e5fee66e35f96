//! The membership resources of the simulated Crowd API: a user's groups (`/user/group/…`), a
//! group's users (`/group/user/…`), groups in groups (`/group/child-group/…`,
//! `/group/parent-group/…`), and every membership at once (`/group/membership`, XML only).
//!
//! Facts (Crowd's `UsersResource`/`GroupsResource` source and exception mappers, api-facts §1.3,
//! §1.5, §1.7): lists page with `start-index`/`max-results` and hold `{link, name}` references,
//! full entities with `expand=group` / `expand=user`; naming one member (`groupname=`,
//! `username=`, `child-groupname=`, `parent-groupname=`) answers that entity, or 404
//! `MEMBERSHIP_NOT_FOUND`. Adding answers 201 with a `Location`. On `POST /user/group/direct` an
//! unknown group is **400** `GROUP_NOT_FOUND` (the resource catches it; the issue that asked for
//! this endpoint said 404, Crowd's source says 400), an unknown user 404 `USER_NOT_FOUND`; on
//! `POST /group/user/direct` it is the other way round (unknown user 400, unknown group 404), and
//! on `POST /group/child-group/direct` an unknown child is 400, an unknown parent 404. An existing
//! membership is 409 `MEMBERSHIP_ALREADY_EXISTS` (status UNCONFIRMED). Removing answers 204, or
//! 404 for a missing user, group or membership. Real Crowd has been seen answering 200 with an
//! empty list for an unknown user or group (CWD-4433, CWD-4470, filed as bugs against the
//! documented 404); the simulator answers the documented 404.

use axum::body::Bytes;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::json as render;
use super::routes::{api_base, created, entity_name, expands, json, no_content, page, required};
use super::store::{Group, Refusal, User};
use crate::simulator::call::Call;

/// Renders groups as Crowd's `GroupEntityList` page, or the one named by `one_key` if given
/// (`missing` says why when it is not among them).
fn groups_answer(
    call: &Call,
    groups: Vec<&Group>,
    one_key: &str,
    missing: impl FnOnce(&str) -> Refusal,
) -> Result<Response, Refusal> {
    let base = api_base(call);
    let full = expands(call, "group");
    let attributes = expands(call, "attributes");
    if let Some(wanted) = call.param(one_key).filter(|name| !name.is_empty()) {
        let group = groups
            .iter()
            .find(|g| g.name.eq_ignore_ascii_case(wanted))
            .ok_or_else(|| missing(wanted))?;
        return Ok(json(render::group(group, &base, attributes)));
    }
    let listed = groups.iter().map(|g| {
        if full {
            render::group(g, &base, attributes)
        } else {
            render::group_ref(&g.name, &base)
        }
    });
    Ok(json(
        json!({ "expand": "group", "groups": page(listed, call)? }),
    ))
}

/// Renders users as Crowd's `UserEntityList` page, or the one named by `username` if given.
fn users_answer(call: &Call, users: Vec<&User>, group: &str) -> Result<Response, Refusal> {
    let base = api_base(call);
    let full = expands(call, "user");
    let attributes = expands(call, "attributes");
    if let Some(wanted) = call.param("username").filter(|name| !name.is_empty()) {
        let user = users
            .iter()
            .find(|u| u.name.eq_ignore_ascii_case(wanted))
            .ok_or_else(|| Refusal::membership_not_found(wanted, group))?;
        return Ok(json(render::user(user, &base, attributes)));
    }
    let listed = users.iter().map(|u| {
        if full {
            render::user(u, &base, attributes)
        } else {
            render::user_ref(u, &base)
        }
    });
    Ok(json(render::user_list(page(listed, call)?)))
}

fn user_groups(call: &Call, nested: bool) -> Result<Response, Refusal> {
    let name = required(call, "username")?;
    let store = call.state.crowd();
    groups_answer(
        call,
        store.user_groups(name, nested)?,
        "groupname",
        |group| Refusal::membership_not_found(name, group),
    )
}

/// `GET /user/group/direct?username=U[&groupname=G]`: the groups the user is directly in.
pub async fn user_direct_groups(call: Call) -> Result<Response, Refusal> {
    user_groups(&call, false)
}

/// `GET /user/group/nested?username=U[&groupname=G]`: also every group above those.
pub async fn user_nested_groups(call: Call) -> Result<Response, Refusal> {
    user_groups(&call, true)
}

/// `POST /user/group/direct?username=U` with `{"name": G}`: 201.
pub async fn add_user_to_group(call: Call, body: Bytes) -> Result<Response, Refusal> {
    let username = required(&call, "username")?;
    let group = entity_name(&body)?;
    let base = api_base(&call);
    let mut store = call.state.crowd();
    store.user(username)?;
    store
        .group(&group)
        .map_err(|refusal| refusal.as_bad_request())?;
    store.add_user_to_group(username, &group)?;
    let added = store.group(&group)?;
    let user = store.user(username)?;
    let location = render::href(
        &base,
        "user/group/direct",
        &[("username", &user.name), ("groupname", &added.name)],
    );
    Ok(created(&location, render::group(added, &base, false)))
}

/// `DELETE /user/group/direct?username=U&groupname=G`: 204.
pub async fn remove_user_from_group(call: Call) -> Result<Response, Refusal> {
    let username = required(&call, "username")?;
    let group = required(&call, "groupname")?;
    call.state.crowd().remove_user_from_group(username, group)?;
    Ok(no_content())
}

fn group_users(call: &Call, nested: bool) -> Result<Response, Refusal> {
    let group = required(call, "groupname")?;
    let store = call.state.crowd();
    users_answer(call, store.group_users(group, nested)?, group)
}

/// `GET /group/user/direct?groupname=G[&username=U][&expand=user]`: the group's direct members.
pub async fn group_direct_users(call: Call) -> Result<Response, Refusal> {
    group_users(&call, false)
}

/// `GET /group/user/nested?groupname=G[&username=U][&expand=user]`: also the members of every
/// group inside it.
pub async fn group_nested_users(call: Call) -> Result<Response, Refusal> {
    group_users(&call, true)
}

/// `POST /group/user/direct?groupname=G` with `{"name": U}`: 201.
pub async fn add_group_user(call: Call, body: Bytes) -> Result<Response, Refusal> {
    let group = required(&call, "groupname")?;
    let username = entity_name(&body)?;
    let base = api_base(&call);
    let mut store = call.state.crowd();
    store.group(group)?;
    store
        .user(&username)
        .map_err(|refusal| refusal.as_bad_request())?;
    store.add_user_to_group(&username, group)?;
    let group = store.group(group)?;
    let added = store.user(&username)?;
    let location = render::href(
        &base,
        "group/user/direct",
        &[("groupname", &group.name), ("username", &added.name)],
    );
    Ok(created(&location, render::user(added, &base, false)))
}

/// `DELETE /group/user/direct?groupname=G&username=U`: 204 (what python-crowd's
/// `remove_user_from_group` sends).
pub async fn remove_group_user(call: Call) -> Result<Response, Refusal> {
    let group = required(&call, "groupname")?;
    let username = required(&call, "username")?;
    call.state.crowd().remove_user_from_group(username, group)?;
    Ok(no_content())
}

fn child_groups(call: &Call, nested: bool) -> Result<Response, Refusal> {
    let group = required(call, "groupname")?;
    let store = call.state.crowd();
    groups_answer(
        call,
        store.child_groups(group, nested)?,
        "child-groupname",
        |child| Refusal::membership_not_found(child, group),
    )
}

/// `GET /group/child-group/direct?groupname=G[&child-groupname=C]`.
pub async fn direct_child_groups(call: Call) -> Result<Response, Refusal> {
    child_groups(&call, false)
}

/// `GET /group/child-group/nested?groupname=G[&child-groupname=C]`.
pub async fn nested_child_groups(call: Call) -> Result<Response, Refusal> {
    child_groups(&call, true)
}

/// `POST /group/child-group/direct?groupname=G` with `{"name": C}`: 201.
pub async fn add_child_group(call: Call, body: Bytes) -> Result<Response, Refusal> {
    let parent = required(&call, "groupname")?;
    let child = entity_name(&body)?;
    let base = api_base(&call);
    let mut store = call.state.crowd();
    store.group(parent)?;
    store
        .group(&child)
        .map_err(|refusal| refusal.as_bad_request())?;
    store.add_group_to_group(&child, parent)?;
    let parent = store.group(parent)?;
    let added = store.group(&child)?;
    let location = render::href(
        &base,
        "group/child-group/direct",
        &[
            ("groupname", &parent.name),
            ("child-groupname", &added.name),
        ],
    );
    Ok(created(&location, render::group(added, &base, false)))
}

/// `DELETE /group/child-group/direct?groupname=G&child-groupname=C`: 204.
pub async fn remove_child_group(call: Call) -> Result<Response, Refusal> {
    let parent = required(&call, "groupname")?;
    let child = required(&call, "child-groupname")?;
    call.state.crowd().remove_group_from_group(child, parent)?;
    Ok(no_content())
}

fn parent_groups(call: &Call, nested: bool) -> Result<Response, Refusal> {
    let group = required(call, "groupname")?;
    let store = call.state.crowd();
    groups_answer(
        call,
        store.parent_groups(group, nested)?,
        "parent-groupname",
        |parent| Refusal::membership_not_found(group, parent),
    )
}

/// `GET /group/parent-group/direct?groupname=G[&parent-groupname=P]`.
pub async fn direct_parent_groups(call: Call) -> Result<Response, Refusal> {
    parent_groups(&call, false)
}

/// `GET /group/parent-group/nested?groupname=G[&parent-groupname=P]`.
pub async fn nested_parent_groups(call: Call) -> Result<Response, Refusal> {
    parent_groups(&call, true)
}

/// `GET /group/membership`: every group with its direct users and child groups, as XML.
pub async fn memberships(call: Call) -> Response {
    let body = render::memberships_xml(&call.state.crowd());
    ([(header::CONTENT_TYPE, "application/xml")], body).into_response()
}
