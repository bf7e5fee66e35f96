//! The simulator's pages over loopback HTTP, all the way through a large directory: every page of
//! each service's user listing, including those nearer the end (taken from the end of the store),
//! holds exactly the users at its positions in the store's order, and a page past the end is
//! empty. Odd page sizes so that pages straddle the middle.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use serde_json::Value;

const GENERATED: usize = 2_500;

async fn get_json(request: reqwest::RequestBuilder) -> Value {
    let response = request.send().await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.unwrap()
}

/// Pages of `size` from position 0 to past the end: the names `page` reads from each.
async fn paged<F, Fut>(total: usize, size: usize, page: F) -> Vec<String>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Vec<String>>,
{
    let mut listed = Vec::new();
    let mut position = 0;
    while position <= total {
        let names = page(position).await;
        assert_eq!(
            names.len(),
            size.min(total.saturating_sub(position)),
            "page at {position}"
        );
        listed.extend(names);
        position += size;
    }
    listed
}

fn strings(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| match &item[key] {
            Value::String(text) => text.clone(),
            other => panic!("{key} is {other}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_of_every_service_holds_the_users_at_its_positions() {
    let sim = start_sim(GENERATED).await;
    let http = reqwest::Client::new();
    let base = sim.base_url();

    let looker_ids: Vec<String> = sim
        .state
        .looker()
        .users
        .keys()
        .map(u64::to_string)
        .collect();
    let token = raw_login(&http, &sim).await;
    let listed = paged(looker_ids.len(), 701, |offset| {
        let request = http
            .get(format!(
                "{base}/looker/api/4.0/users?fields=id&limit=701&offset={offset}"
            ))
            .bearer_auth(&token);
        async move { strings(&get_json(request).await, "id") }
    })
    .await;
    assert_eq!(listed, looker_ids);

    let scim_ids: Vec<String> = sim
        .state
        .scim()
        .all(roster::simulator::scim::schema::ResourceKind::User)
        .map(|user| user.id.clone())
        .collect();
    let scim_token = sim.state.credentials.scim_token.clone();
    let listed = paged(scim_ids.len(), 97, |position| {
        let request = http
            .get(format!(
                "{base}/scim/Users?attributes=userName&count=97&startIndex={}",
                position + 1
            ))
            .bearer_auth(&scim_token);
        async move { strings(&get_json(request).await["Resources"], "id") }
    })
    .await;
    assert_eq!(listed, scim_ids);

    let crowd_names: Vec<String> = sim
        .state
        .crowd()
        .users
        .values()
        .map(|user| user.name.clone())
        .collect();
    let (user, password) = sim.state.credentials.crowd.clone();
    let listed = paged(crowd_names.len(), 333, |start| {
        let request = http
            .get(format!(
                "{base}/crowd/rest/usermanagement/1/search?entity-type=user&start-index={start}&max-results=333"
            ))
            .basic_auth(&user, Some(&password));
        async move { strings(&get_json(request).await["users"], "name") }
    })
    .await;
    assert_eq!(listed, crowd_names);
}
