//! The simulated Looker API 4.0 over raw HTTP (reqwest): login forms, both authorisation schemes,
//! logout paths, paging headers, field selection, sorting, search, the value lookup path, group
//! values, and Looker's error bodies.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use reqwest::{Client, Response, StatusCode};
use roster::simulator::RunningSimulator;
use serde_json::{Value, json};

fn api(sim: &RunningSimulator, rest: &str) -> String {
    format!("{}/looker/api/4.0{rest}", sim.base_url())
}

async fn get(http: &Client, token: &str, url: &str) -> Response {
    http.get(url).bearer_auth(token).send().await.unwrap()
}

async fn get_json(http: &Client, token: &str, url: &str) -> Value {
    let response = get(http, token, url).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {url}");
    response.json().await.unwrap()
}

/// Checks Looker's `Error` shape, with a documentation URL the SDKs will not try to fetch.
fn assert_looker_error(body: &Value, message: &str) {
    assert_eq!(body["message"], message);
    let doc = body["documentation_url"]
        .as_str()
        .expect("documentation_url");
    assert!(!doc.contains("cloud.google.com"), "{doc}");
    assert!(!doc.contains("docs.looker.com"), "{doc}");
    assert!(!doc.contains("looker.app"), "{doc}");
}

#[tokio::test]
async fn login_accepts_a_form_body_or_query_parameters() {
    let sim = start_sim(0).await;
    let http = Client::new();
    let response = http
        .post(api(&sim, "/login"))
        .form(&[
            ("client_id", LOOKER_CLIENT_ID),
            ("client_secret", LOOKER_CLIENT_SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let token: Value = response.json().await.unwrap();
    assert_eq!(token["token_type"], "Bearer");
    assert_eq!(token["expires_in"], 3600);
    assert!(token["refresh_token"].is_null());
    assert!(!token["access_token"].as_str().unwrap().is_empty());

    let response = http
        .post(api(&sim, "/login"))
        .query(&[
            ("client_id", LOOKER_CLIENT_ID),
            ("client_secret", LOOKER_CLIENT_SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(sim.state.looker().tokens.len(), 2);
}

#[tokio::test]
async fn bad_credentials_get_a_404_looker_error() {
    let sim = start_sim(0).await;
    let response = Client::new()
        .post(api(&sim, "/login"))
        .form(&[("client_id", LOOKER_CLIENT_ID), ("client_secret", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_looker_error(&response.json().await.unwrap(), "Not found");
    assert!(sim.state.looker().tokens.is_empty());
}

#[tokio::test]
async fn token_and_bearer_schemes_are_both_accepted() {
    let sim = start_sim(0).await;
    let http = Client::new();
    let token = raw_login(&http, &sim).await;
    for scheme in ["token", "Bearer", "bearer"] {
        let response = http
            .get(api(&sim, "/user"))
            .header("authorization", format!("{scheme} {token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "scheme {scheme}");
    }
    let response = http.get(api(&sim, "/users/1")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_looker_error(&response.json().await.unwrap(), "Requires authentication.");
    let response = http
        .get(api(&sim, "/users/1"))
        .header("authorization", "Bearer not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn both_logout_paths_end_the_session() {
    let sim = start_sim(0).await;
    let http = Client::new();
    for logout in ["/looker/api/4.0/logout", "/looker/api/logout"] {
        let token = raw_login(&http, &sim).await;
        assert_eq!(get(&http, &token, &api(&sim, "/user")).await.status(), 200);
        let response = http
            .delete(format!("{}{logout}", sim.base_url()))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT, "{logout}");
        assert!(response.bytes().await.unwrap().is_empty());
        assert_eq!(
            get(&http, &token, &api(&sim, "/user")).await.status(),
            StatusCode::UNAUTHORIZED,
            "the token stops working after {logout}"
        );
    }
}

fn links(response: &Response) -> Vec<(String, String)> {
    let header = response
        .headers()
        .get("link")
        .expect("a Link header")
        .to_str()
        .unwrap();
    header
        .split(", ")
        .map(|part| {
            let (url, rel) = part.split_once(">; rel=\"").unwrap();
            (
                rel.trim_end_matches('"').to_owned(),
                url.trim_start_matches('<').to_owned(),
            )
        })
        .collect()
}

fn offset_of(url: &str) -> String {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "offset")
        .unwrap()
        .1
        .into_owned()
}

#[tokio::test]
async fn paging_headers_only_when_a_limit_is_sent() {
    let sim = start_sim(0).await;
    let http = Client::new();
    let token = raw_login(&http, &sim).await;
    let response = get(
        &http,
        &token,
        &api(&sim, "/users?limit=10&offset=10&sorts=id"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["x-total-count"].to_str().unwrap(),
        DEMO_LOOKER_USERS.to_string()
    );
    let found = links(&response);
    let rels: Vec<&str> = found.iter().map(|(rel, _)| rel.as_str()).collect();
    assert_eq!(rels, ["first", "next", "prev", "last"]);
    let offsets: Vec<String> = found.iter().map(|(_, url)| offset_of(url)).collect();
    assert_eq!(offsets, ["0", "20", "0", "30"]);
    assert!(
        found
            .iter()
            .all(|(_, url)| url.contains("sorts=id") && url.contains("limit=10"))
    );
    let page: Vec<Value> = response.json().await.unwrap();
    let ids: Vec<&str> = page.iter().map(|u| u["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["11", "12", "13", "14", "15", "16", "17", "18", "19", "20"]
    );

    // The last page has no next.
    let response = get(&http, &token, &api(&sim, "/users?limit=10&offset=30")).await;
    let rels: Vec<String> = links(&response).into_iter().map(|(rel, _)| rel).collect();
    assert_eq!(rels, ["first", "prev", "last"]);
    assert_eq!(response.json::<Vec<Value>>().await.unwrap().len(), 4);

    // Without limit: everything, no paging headers.
    let response = get(&http, &token, &api(&sim, "/users")).await;
    assert!(response.headers().get("link").is_none());
    assert!(response.headers().get("x-total-count").is_none());
    assert_eq!(
        response.json::<Vec<Value>>().await.unwrap().len(),
        DEMO_LOOKER_USERS
    );
}

#[tokio::test]
async fn fields_select_nested_keys_and_sorts_order_the_list() {
    let sim = start_sim(0).await;
    let http = Client::new();
    let token = raw_login(&http, &sim).await;
    let users = get_json(
        &http,
        &token,
        &api(&sim, "/users?fields=id,credentials_email(email)"),
    )
    .await;
    for user in users.as_array().unwrap() {
        let keys: Vec<&String> = user.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["id", "credentials_email"]);
        let nested: Vec<&String> = user["credentials_email"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(nested, ["email"]);
    }
    let user = get_json(&http, &token, &api(&sim, "/users/1?fields=id,display_name")).await;
    assert_eq!(user, json!({"id": "1", "display_name": "Priya Raman"}));

    let users = get_json(
        &http,
        &token,
        &api(&sim, "/users?fields=id,last_name&sorts=last_name%20desc"),
    )
    .await;
    let names: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["last_name"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(names, sorted);
    assert_eq!(names[0], "Zhou");
}

#[tokio::test]
async fn search_combines_with_and_or_with_filter_or() {
    let sim = start_sim(0).await;
    let http = Client::new();
    let token = raw_login(&http, &sim).await;
    let ids = |users: Value| -> Vec<String> {
        users
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let both = "/users/search?first_name=PRIYA&last_name=okonkwo";
    assert!(ids(get_json(&http, &token, &api(&sim, both)).await).is_empty());
    let either = format!("{both}&filter_or=true");
    assert_eq!(
        ids(get_json(&http, &token, &api(&sim, &either)).await),
        ["1", "3"]
    );
    let like = "/users/search?email=%25%40example.org";
    assert_eq!(
        ids(get_json(&http, &token, &api(&sim, like)).await),
        ["30", "31", "32"]
    );
    let disabled = "/users/search?is_disabled=true";
    assert_eq!(
        ids(get_json(&http, &token, &api(&sim, disabled)).await),
        ["26", "27", "28", "29"]
    );
    let bad = get(&http, &token, &api(&sim, "/users/search?is_disabled=maybe")).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn attribute_values_follow_the_lookup_path() {
    let sim = start_sim(0).await;
    let http = Client::new();
    let token = raw_login(&http, &sim).await;
    let all = get_json(
        &http,
        &token,
        &api(
            &sim,
            "/users/1/attribute_values?user_attribute_ids=7&all_values=true",
        ),
    )
    .await;
    assert_eq!(
        lookup_chain(&all),
        [
            ("User".to_owned(), json!("APAC"), Value::Null),
            ("Group: Sales".to_owned(), json!("NA"), json!(2)),
            ("Group: Support".to_owned(), json!("EMEA"), json!(3)),
            ("Default".to_owned(), json!("GLOBAL"), Value::Null),
        ]
    );
    let first = &all[0];
    assert_eq!(first["user_attribute_id"], "7");
    assert_eq!(first["user_id"], "1");
    assert_eq!(first["name"], "region");
    assert_eq!(first["can"]["set_value"], true);

    let winner = get_json(
        &http,
        &token,
        &api(&sim, "/users/1/attribute_values?user_attribute_ids=7"),
    )
    .await;
    assert_eq!(
        lookup_chain(&winner),
        [("User".to_owned(), json!("APAC"), Value::Null)]
    );

    // Hidden attributes report the source but never the value.
    let hidden = get_json(
        &http,
        &token,
        &api(
            &sim,
            "/users/1/attribute_values?user_attribute_ids=15&all_values=true",
        ),
    )
    .await;
    assert_eq!(
        lookup_chain(&hidden),
        [("User".to_owned(), Value::Null, Value::Null)]
    );
    assert_eq!(hidden[0]["value_is_hidden"], true);
    let everything = get(
        &http,
        &token,
        &api(
            &sim,
            "/users/1/attribute_values?all_values=true&include_unset=true",
        ),
    )
    .await;
    assert_no_seeded_secret(&everything.text().await.unwrap());
}

#[tokio::test]
async fn include_unset_adds_no_value_records() {
    let sim = start_sim(0).await;
    let http = Client::new();
    let token = raw_login(&http, &sim).await;
    // Aisha Bello (16) has no cost_center (8) anywhere on her lookup path.
    let url = "/users/16/attribute_values?user_attribute_ids=8";
    assert_eq!(get_json(&http, &token, &api(&sim, url)).await, json!([]));
    let unset = get_json(
        &http,
        &token,
        &api(&sim, &format!("{url}&include_unset=true")),
    )
    .await;
    assert_eq!(
        lookup_chain(&unset),
        [("No Value".to_owned(), Value::Null, Value::Null)]
    );
    let all = get_json(
        &http,
        &token,
        &api(&sim, "/users/16/attribute_values?include_unset=true"),
    )
    .await;
    assert_eq!(
        all.as_array().unwrap().len(),
        17,
        "one record per attribute"
    );
}

#[tokio::test]
async fn group_values_replace_and_patch() {
    let sim = start_sim(0).await;
    let http = Client::new();
    let token = raw_login(&http, &sim).await;
    let response = http
        .post(api(&sim, "/user_attributes/7/group_values"))
        .bearer_auth(&token)
        .json(&json!([
            {"group_id": "4", "value": "LATAM"},
            {"group_id": "3", "value": "NA"}
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let replaced: Value = response.json().await.unwrap();
    let summary = |values: &Value| -> Vec<(String, i64, String)> {
        values
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v["group_id"].as_str().unwrap().to_owned(),
                    v["rank"].as_i64().unwrap(),
                    v["value"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let expected = vec![
        ("4".to_owned(), 1, "LATAM".to_owned()),
        ("3".to_owned(), 2, "NA".to_owned()),
    ];
    assert_eq!(summary(&replaced), expected);
    let listed = get_json(&http, &token, &api(&sim, "/user_attributes/7/group_values")).await;
    assert_eq!(summary(&listed), expected);
    // Aisha (16, in Support and Sales) now gets Support's value first.
    let values = get_json(
        &http,
        &token,
        &api(&sim, "/users/16/attribute_values?user_attribute_ids=7"),
    )
    .await;
    assert_eq!(
        lookup_chain(&values),
        [("Group: Support".to_owned(), json!("LATAM"), json!(1))]
    );

    let response = http
        .patch(api(&sim, "/groups/3/attribute_values/7"))
        .bearer_auth(&token)
        .json(&json!({"value": "APAC"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let patched: Value = response.json().await.unwrap();
    assert_eq!(patched["value"], "APAC");
    assert_eq!(patched["rank"], 2, "an existing group value keeps its rank");
    let listed = get_json(&http, &token, &api(&sim, "/user_attributes/7/group_values")).await;
    assert_eq!(summary(&listed)[1], ("3".to_owned(), 2, "APAC".to_owned()));

    let response = http
        .patch(api(&sim, "/groups/3/attribute_values/8"))
        .bearer_auth(&token)
        .json(&json!({"value": "twelve"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["field"], "value");
    assert!(body["errors"][0]["documentation_url"].is_string());
}

#[tokio::test]
async fn user_writes_answer_as_the_spec_says() {
    let sim = start_sim(0).await;
    let http = Client::new();
    let token = raw_login(&http, &sim).await;
    let response = http
        .post(api(&sim, "/users"))
        .bearer_auth(&token)
        .json(&json!({"first_name": "Nova", "last_name": "Lindgren", "credentials_email": {"email": "nova@example.com"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "POST /users answers 200");
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["id"], (DEMO_LOOKER_USERS + 1).to_string());
    assert_eq!(created["credentials_email"]["email"], "nova@example.com");
    let response = http
        .post(api(&sim, "/users"))
        .bearer_auth(&token)
        .json(&json!({"first_name": "Again", "credentials_email": {"email": "NOVA@example.com"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);

    // `email` is read-only on a user: PATCH ignores it.
    let response = http
        .patch(api(&sim, "/users/1"))
        .bearer_auth(&token)
        .json(&json!({"first_name": "Pia", "email": "ignored@example.com", "id": "99"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let patched: Value = response.json().await.unwrap();
    assert_eq!(patched["id"], "1");
    assert_eq!(patched["first_name"], "Pia");
    assert_eq!(patched["email"], "priya.raman@example.com");

    let response = http
        .delete(api(&sim, "/users/1/attribute_values/7"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(response.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn unknown_paths_get_a_looker_404() {
    let sim = start_sim(0).await;
    let http = Client::new();
    let token = raw_login(&http, &sim).await;
    for url in [
        api(&sim, "/no_such_thing"),
        api(&sim, "/users/999999"),
        api(&sim, "/users/abc"),
        format!("{}/looker/elsewhere", sim.base_url()),
    ] {
        let response = get(&http, &token, &url).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{url}");
        assert_looker_error(&response.json().await.unwrap(), "Not found");
    }
}

#[tokio::test]
async fn looker_is_also_served_at_the_root_for_the_official_sdks() {
    let sim = start_sim(0).await;
    let http = Client::new();
    let root = sim.base_url();
    let response = http
        .post(format!("{root}/api/4.0/login"))
        .form(&[
            ("client_id", LOOKER_CLIENT_ID),
            ("client_secret", LOOKER_CLIENT_SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let token: Value = response.json().await.unwrap();
    let token = token["access_token"].as_str().unwrap();
    // One store behind both mounts: a token from the root works under /looker and back.
    let user = get_json(&http, token, &api(&sim, "/users/1")).await;
    assert_eq!(user["id"], "1");
    let user = get_json(&http, token, &format!("{root}/api/4.0/users/1")).await;
    assert_eq!(user["display_name"], "Priya Raman");
    let response = http
        .delete(format!("{root}/api/logout"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        get(&http, token, &api(&sim, "/users/1")).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let response = get(&http, token, &format!("{root}/nothing/here")).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}
