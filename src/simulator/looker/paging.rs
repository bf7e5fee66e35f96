//! Sorting and paging of the simulated Looker's user lists, with the paging headers the SDKs read.
//!
//! Facts (sdk-codegen `docs/paging.md`, api-facts §3.2): `limit`/`offset` win over the deprecated
//! `page`/`per_page`; without either, lists return everything; only a call that sends `limit` or
//! `per_page` gets a `Link` header (`first` always, `next` while more remain, `prev` after the
//! first page, `last` when the total is known) and `X-Total-Count`. `sorts` is a comma list of
//! fields, each optionally followed by ` desc` (the exact grammar is UNCONFIRMED).

use std::cmp::Ordering;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::error::LookerError;
use super::routes::{api_base, selection};
use super::store::User;
use super::user_json::UserJson;
use crate::simulator::call::Call;
use crate::simulator::window::window;

/// One page of a user list, cloned out of the store so it can be rendered without the lock.
pub struct UserPage {
    users: Vec<User>,
    total: usize,
    limit: Option<usize>,
    offset: usize,
}

/// The `sorts` parameter when it asks for an order other than the store's (by id).
fn reordering(call: &Call) -> Option<&str> {
    call.param("sorts")
        .filter(|s| !s.trim().is_empty() && s.trim() != "id")
}

/// True when the call wants users in the store's order (by id), so a page can be taken without
/// sorting (see [`page_in_order`]).
pub fn keeps_store_order(call: &Call) -> bool {
    reordering(call).is_none()
}

/// Orders users by the `sorts` parameter; the store keeps them in id order already.
fn sort_users(users: &mut [&User], call: &Call) {
    let Some(sorts) = reordering(call) else {
        return;
    };
    let keys: Vec<(String, bool)> = sorts
        .split(',')
        .map(|s| {
            let mut words = s.split_whitespace();
            let field = words.next().unwrap_or_default().to_owned();
            (
                field,
                words.next().is_some_and(|w| w.eq_ignore_ascii_case("desc")),
            )
        })
        .collect();
    users.sort_by(|a, b| {
        for (field, descending) in &keys {
            let ordering = match field.as_str() {
                "id" => a.id.cmp(&b.id),
                "first_name" => a.first_name.cmp(&b.first_name),
                "last_name" => a.last_name.cmp(&b.last_name),
                "email" => a.email.cmp(&b.email),
                "display_name" => a.display_name().cmp(&b.display_name()),
                "is_disabled" => a.is_disabled.cmp(&b.is_disabled),
                _ => Ordering::Equal,
            };
            let ordering = if *descending {
                ordering.reverse()
            } else {
                ordering
            };
            if ordering.is_ne() {
                return ordering;
            }
        }
        Ordering::Equal
    });
}

/// The `limit` (None: everything) and `offset` a call asks for.
fn limit_and_offset(call: &Call) -> Result<(Option<usize>, usize), LookerError> {
    let number = |key: &str| call.param(key).map(|v| v.trim().parse::<usize>());
    match (
        number("limit"),
        number("offset"),
        number("per_page"),
        number("page"),
    ) {
        (Some(Err(_)), ..)
        | (_, Some(Err(_)), ..)
        | (_, _, Some(Err(_)), _)
        | (.., Some(Err(_))) => Err(LookerError::bad_request(
            "limit, offset, page and per_page must be integers",
        )),
        (Some(Ok(limit)), offset, ..) => {
            Ok((Some(limit), offset.and_then(Result::ok).unwrap_or(0)))
        }
        (None, offset, Some(Ok(per_page)), page) => {
            let page = page.and_then(Result::ok).unwrap_or(1).max(1);
            Ok((
                Some(per_page),
                offset.and_then(Result::ok).unwrap_or((page - 1) * per_page),
            ))
        }
        (None, offset, None, _) => Ok((None, offset.and_then(Result::ok).unwrap_or(0))),
    }
}

/// Sorts and pages a user list (under the store's lock; only the page is cloned).
pub fn page_of(mut users: Vec<&User>, call: &Call) -> Result<UserPage, LookerError> {
    sort_users(&mut users, call);
    let total = users.len();
    page_in_order(users.into_iter(), total, call)
}

/// Pages `total` users that are already in the order the call wants (under the store's lock;
/// only the page is walked to from the nearer end, and cloned).
pub fn page_in_order<'a>(
    users: impl DoubleEndedIterator<Item = &'a User>,
    total: usize,
    call: &Call,
) -> Result<UserPage, LookerError> {
    let (limit, offset) = limit_and_offset(call)?;
    let count = limit.unwrap_or(total);
    Ok(UserPage {
        users: window(users, total, offset, count)
            .into_iter()
            .cloned()
            .collect(),
        total,
        limit,
        offset,
    })
}

/// Renders a page with `fields` selection, adding `Link` and `X-Total-Count` when paged. The
/// users are serialised straight into the body.
pub fn render_page(call: &Call, page: UserPage) -> Response {
    let base = api_base(call);
    let selection = selection(call);
    let rendered: Vec<_> = page
        .users
        .iter()
        .map(|user| UserJson::new(user, &base).selected(&selection))
        .collect();
    let mut response = axum::Json(rendered).into_response();
    if let Some(limit) = page.limit {
        let link = link_header(&base, call, limit, page.offset, page.total);
        let headers = response.headers_mut();
        if let Ok(value) = HeaderValue::from_str(&link) {
            headers.insert(header::LINK, value);
        }
        headers.insert("x-total-count", HeaderValue::from(page.total));
    }
    response
}

fn link_header(base: &str, call: &Call, limit: usize, offset: usize, total: usize) -> String {
    let path = call.path();
    let suffix = path.rsplit_once("/api/4.0").map_or(path, |(_, rest)| rest);
    let kept: Vec<&(String, String)> = call
        .query
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "limit" | "offset" | "page" | "per_page"))
        .collect();
    let link = |offset: usize, rel: &str| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.extend_pairs(kept.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        query
            .append_pair("limit", &limit.to_string())
            .append_pair("offset", &offset.to_string());
        format!("<{base}{suffix}?{}>; rel=\"{rel}\"", query.finish())
    };
    let mut links = vec![link(0, "first")];
    if limit > 0 && offset + limit < total {
        links.push(link(offset + limit, "next"));
    }
    if offset > 0 {
        links.push(link(offset.saturating_sub(limit), "prev"));
    }
    if let Some(pages_before_last) = total.saturating_sub(1).checked_div(limit) {
        links.push(link(pages_before_last * limit, "last"));
    }
    links.join(", ")
}
