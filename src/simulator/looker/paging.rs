//! Sorting and paging of the simulated Looker's user lists, with the paging headers the SDKs read.
//!
//! Facts (sdk-codegen `docs/paging.md`, api-facts §3.2): `limit`/`offset` win over the deprecated
//! `page`/`per_page`; without either, lists return everything; only a call that sends `limit` or
//! `per_page` gets a `Link` header (`first` always, `next` while more remain, `prev` after the
//! first page, `last` when the total is known) and `X-Total-Count`. `sorts` is a comma list of
//! fields, each optionally followed by ` desc` (the exact grammar is UNCONFIRMED).

use std::cmp::Ordering;

use axum::http::{HeaderValue, header};
use axum::response::Response;
use serde_json::Value;

use super::error::LookerError;
use super::json as render;
use super::routes::{api_base, selected};
use super::store::User;
use crate::simulator::call::Call;

/// One page of a user list, cloned out of the store so it can be rendered without the lock.
pub struct UserPage {
    users: Vec<User>,
    total: usize,
    limit: Option<usize>,
    offset: usize,
}

/// Orders users by the `sorts` parameter; the store keeps them in id order already.
fn sort_users(users: &mut [&User], sorts: Option<&str>) {
    let Some(sorts) = sorts.filter(|s| !s.trim().is_empty() && s.trim() != "id") else {
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

/// Sorts and pages a user list (under the store's lock; only the page is cloned).
pub fn page_of(mut users: Vec<&User>, call: &Call) -> Result<UserPage, LookerError> {
    sort_users(&mut users, call.param("sorts"));
    let number = |key: &str| call.param(key).map(|v| v.trim().parse::<usize>());
    let (limit, offset) = match (
        number("limit"),
        number("offset"),
        number("per_page"),
        number("page"),
    ) {
        (Some(Err(_)), ..)
        | (_, Some(Err(_)), ..)
        | (_, _, Some(Err(_)), _)
        | (.., Some(Err(_))) => {
            return Err(LookerError::bad_request(
                "limit, offset, page and per_page must be integers",
            ));
        }
        (Some(Ok(limit)), offset, ..) => (Some(limit), offset.and_then(Result::ok).unwrap_or(0)),
        (None, offset, Some(Ok(per_page)), page) => {
            let page = page.and_then(Result::ok).unwrap_or(1).max(1);
            (
                Some(per_page),
                offset.and_then(Result::ok).unwrap_or((page - 1) * per_page),
            )
        }
        (None, offset, None, _) => (None, offset.and_then(Result::ok).unwrap_or(0)),
    };
    let total = users.len();
    let start = offset.min(total);
    let end = limit
        .map_or(total, |l| offset.saturating_add(l).min(total))
        .max(start);
    Ok(UserPage {
        users: users[start..end].iter().map(|u| (*u).clone()).collect(),
        total,
        limit,
        offset,
    })
}

/// Renders a page with `fields` selection, adding `Link` and `X-Total-Count` when paged.
pub fn render_page(call: &Call, page: UserPage) -> Response {
    let base = api_base(call);
    let rendered: Vec<Value> = page.users.iter().map(|u| render::user(u, &base)).collect();
    let mut response = selected(call, Value::Array(rendered));
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
