//! The search resource of the simulated Crowd API: `GET /search` with a CQL `restriction`, and
//! `POST /search` with a restriction entity in XML (python-crowd) or JSON.
//!
//! `entity-type` is `user` or `group`; `expand=user` (`expand=group`) lists full entities,
//! `expand=attributes` their attributes too; pages follow `start-index`/`max-results` and announce
//! no total.

use axum::body::Bytes;
use axum::http::header;
use axum::response::Response;
use serde_json::{Value, json};

use super::json as render;
use super::restriction::{self, Restriction};
use super::routes::{DEFAULT_MAX_RESULTS, api_base, expands, json, number, required};
use super::store::Refusal;
use super::xml;
use crate::simulator::call::Call;

/// Runs a search over users or groups and renders Crowd's result.
fn search(call: &Call, restriction: &Restriction) -> Result<Response, Refusal> {
    let start = number(call, "start-index", 0)?;
    let max = number(call, "max-results", DEFAULT_MAX_RESULTS)?;
    let base = api_base(call);
    let store = call.state.crowd();
    match required(call, "entity-type")? {
        "user" => {
            let full = expands(call, "user");
            let with_attributes = expands(call, "attributes");
            let users = store
                .search_users(restriction, start, max)
                .into_iter()
                .map(|u| {
                    if full {
                        render::user(u, &base, with_attributes)
                    } else {
                        render::user_ref(u, &base)
                    }
                })
                .collect();
            Ok(json(render::user_list(users)))
        }
        "group" => {
            let full = expands(call, "group");
            let with_attributes = expands(call, "attributes");
            let groups: Vec<Value> = store
                .search_groups(restriction)
                .into_iter()
                .skip(start)
                .take(max)
                .map(|g| {
                    if full {
                        render::group(g, &base, with_attributes)
                    } else {
                        render::group_ref(&g.name, &base)
                    }
                })
                .collect();
            Ok(json(json!({ "expand": "group", "groups": groups })))
        }
        other => Err(Refusal::illegal(format!(
            "entity-type must be user or group, not {other}"
        ))),
    }
}

fn invalid(why: impl std::fmt::Display) -> Refusal {
    Refusal::illegal(format!("Invalid restriction: {why}"))
}

/// `GET /search?entity-type=…[&restriction=CQL]`.
pub async fn search_get(call: Call) -> Result<Response, Refusal> {
    let restriction =
        restriction::parse_cql(call.param("restriction").unwrap_or_default()).map_err(invalid)?;
    search(&call, &restriction)
}

/// `POST /search?entity-type=…` with a restriction entity (XML or JSON; empty = everything).
pub async fn search_post(call: Call, body: Bytes) -> Result<Response, Refusal> {
    let is_xml = call
        .header(header::CONTENT_TYPE)
        .is_some_and(|t| t.contains("xml"));
    let restriction = if body.iter().all(u8::is_ascii_whitespace) {
        Ok(Restriction::All)
    } else if is_xml {
        std::str::from_utf8(&body)
            .map_err(|_| "the body is not UTF-8".to_owned())
            .and_then(xml::parse)
            .and_then(|root| restriction::parse_xml(&root))
    } else {
        serde_json::from_slice::<Value>(&body)
            .map_err(|e| format!("the body is not JSON: {e}"))
            .and_then(|value| restriction::parse_json(&value))
    }
    .map_err(invalid)?;
    search(&call, &restriction)
}
