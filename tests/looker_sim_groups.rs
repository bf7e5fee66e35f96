//! The simulated Looker's groups, group values and attribute definitions over raw HTTP
//! (reqwest): `GET`/`PATCH /user_attributes/{id}`, `GET`/`POST /user_attributes/{id}/group_values`,
//! `PATCH`/`DELETE /groups/{g}/attribute_values/{a}`, `/groups`, `/groups/{id}`,
//! `/groups/{id}/users` and `group_ids` on users — status codes, bodies, Looker's `Error` and
//! `ValidationError` shapes, hidden values never in clear, and every user's lookup path following
//! each change.
//!
//! Demo seed facts used here: `workload_region` (17) has Engineering (2) rank 1 `europe-west1`,
//! Support (4) rank 2 `asia-southeast1`, All Users (1) rank 3 `us-east1`, default `us-central1`;
//! `db_password` (15) is hidden; `cost_center` (8) is a number; `email` (1) is a system attribute.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use roster::simulator::RunningSimulator;
use serde_json::{Value, json};

/// A logged-in raw HTTP session against the simulated Looker API.
struct Api {
    http: reqwest::Client,
    token: String,
    base: String,
    sim: RunningSimulator,
}

impl Api {
    async fn start(users: usize) -> Self {
        let sim = start_sim(users).await;
        let http = reqwest::Client::new();
        let token = raw_login(&http, &sim).await;
        Self {
            base: format!("{}/looker/api/4.0", sim.base_url()),
            http,
            token,
            sim,
        }
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, body)
    }

    async fn get(&self, path: &str) -> Value {
        let (status, body) = self.call(Method::GET, path, None).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    /// `(source, value, rank)` of each entry of a user's lookup path for one attribute.
    async fn path(&self, user: u64, attribute: u64) -> Vec<(String, Value, Value)> {
        lookup_chain(
            &self
                .get(&format!(
                    "/users/{user}/attribute_values?user_attribute_ids={attribute}&all_values=true"
                ))
                .await,
        )
    }

    /// `(group_id, rank, value)` of an attribute's group values, in the order listed.
    async fn group_values(&self, attribute: u64) -> Vec<(String, i64, Value)> {
        summary(
            &self
                .get(&format!("/user_attributes/{attribute}/group_values"))
                .await,
        )
    }
}

fn summary(values: &Value) -> Vec<(String, i64, Value)> {
    values
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["group_id"].as_str().unwrap().to_owned(),
                v["rank"].as_i64().unwrap(),
                v["value"].clone(),
            )
        })
        .collect()
}

fn entry(source: &str, value: &str, rank: Option<i64>) -> (String, Value, Value) {
    (source.to_owned(), json!(value), json!(rank))
}

fn gv(group: &str, rank: i64, value: &str) -> (String, i64, Value) {
    (group.to_owned(), rank, json!(value))
}

/// A 422 `ValidationError` naming `field`, whose message contains `says`.
fn assert_validation(status: StatusCode, body: &Value, field: &str, says: &str) {
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["message"], "Validation Failed");
    assert!(body["documentation_url"].is_string());
    let error = &body["errors"][0];
    assert_eq!(error["field"], field, "{body}");
    assert!(error["code"].is_string());
    assert!(
        error["documentation_url"].is_string(),
        "required by the spec"
    );
    assert!(
        error["message"].as_str().unwrap().contains(says),
        "{} does not say {says}",
        error["message"]
    );
}

/// Looker's `Error` body with this status.
fn assert_error(status: StatusCode, body: &Value, expected: StatusCode) {
    assert_eq!(status, expected, "{body}");
    assert!(body["message"].is_string() && body["documentation_url"].is_string());
}

#[tokio::test]
async fn attribute_definitions_have_every_field_of_the_spec() {
    let api = Api::start(0).await;
    let region = api.get("/user_attributes/17").await;
    for key in [
        "id",
        "name",
        "label",
        "type",
        "default_value",
        "value_is_hidden",
        "user_can_view",
        "user_can_edit",
        "hidden_value_domain_whitelist",
        "is_system",
        "is_permanent",
        "can",
    ] {
        assert!(region.get(key).is_some(), "{key} missing from {region}");
    }
    assert_eq!(region["name"], "workload_region");
    assert_eq!(region["default_value"], "us-central1");
    let hidden = api.get("/user_attributes/15").await;
    assert_eq!(hidden["value_is_hidden"], true);
    assert!(hidden["hidden_value_domain_whitelist"].is_string());
    let selected = api.get("/user_attributes/17?fields=id,name").await;
    assert_eq!(selected, json!({"id": "17", "name": "workload_region"}));
    let listed = api.get("/user_attributes?sorts=name").await;
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["name"] == "workload_region")
    );
    let (status, body) = api.call(Method::GET, "/user_attributes/999", None).await;
    assert_error(status, &body, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn patching_a_definition_changes_its_settings_and_the_default_users_fall_back_to() {
    let api = Api::start(0).await;
    // Lena (4: All Users, Sales) takes All Users' value; without it, the default.
    let (status, _) = api
        .call(Method::DELETE, "/groups/1/attribute_values/17", None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        api.path(4, 17).await,
        [entry("Default", "us-central1", None)]
    );
    let (status, body) = api
        .call(
            Method::PATCH,
            "/user_attributes/17",
            Some(json!({
                "name": "workload_region", "label": "Workload Region", "type": "string",
                "default_value": "us-west1", "user_can_edit": true,
                "id": "999", "is_system": true, "can": {}, "unknown": 1
            })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["default_value"], "us-west1");
    assert_eq!(body["user_can_edit"], true);
    assert_eq!(body["id"], "17", "read-only keys are ignored");
    assert_eq!(body["is_system"], false);
    assert_eq!(
        api.get("/user_attributes/17").await["default_value"],
        "us-west1"
    );
    assert_eq!(api.path(4, 17).await, [entry("Default", "us-west1", None)]);

    let (status, body) = api
        .call(
            Method::PATCH,
            "/user_attributes/17?fields=default_value",
            Some(json!({"default_value": null})),
        )
        .await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, json!({"default_value": null}))
    );
    assert!(
        api.path(4, 17).await.is_empty(),
        "no value left on the path"
    );
}

#[tokio::test]
async fn a_hidden_attribute_cannot_be_made_visible_and_its_allow_list_cannot_change() {
    let api = Api::start(0).await;
    let (status, body) = api
        .call(
            Method::PATCH,
            "/user_attributes/15",
            Some(json!({"value_is_hidden": false})),
        )
        .await;
    assert_validation(status, &body, "value_is_hidden", "cannot be made visible");
    let (status, body) = api
        .call(
            Method::PATCH,
            "/user_attributes/15",
            Some(json!({"hidden_value_domain_whitelist": "https://evil.example.net/*"})),
        )
        .await;
    assert_validation(
        status,
        &body,
        "hidden_value_domain_whitelist",
        "cannot be changed",
    );
    let unchanged = api.get("/user_attributes/15").await;
    assert_eq!(unchanged["value_is_hidden"], true);
    assert_eq!(
        unchanged["hidden_value_domain_whitelist"],
        "https://*.example.com/*,https://reports.example.org/*"
    );
    // The same allow-list again, and settings that keep it hidden, are fine.
    let (status, body) = api
        .call(
            Method::PATCH,
            "/user_attributes/15",
            Some(json!({
                "value_is_hidden": true, "user_can_edit": true,
                "hidden_value_domain_whitelist": "https://*.example.com/*,https://reports.example.org/*"
            })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user_can_edit"], true);
}

#[tokio::test]
async fn hiding_a_visible_attribute_hides_its_values_everywhere() {
    let api = Api::start(0).await;
    let (status, body) = api
        .call(
            Method::PATCH,
            "/user_attributes/17",
            Some(json!({"value_is_hidden": true, "hidden_value_domain_whitelist": "https://*.example.com/*"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["default_value"],
        Value::Null,
        "a hidden default is not sent"
    );
    let values = api.get("/user_attributes/17/group_values").await;
    for value in values.as_array().unwrap() {
        assert_eq!(value["value"], Value::Null);
        assert_eq!(value["value_is_hidden"], true);
    }
    let path = api.path(2, 17).await;
    assert_eq!(path[0].0, "Group: Engineering");
    assert!(path.iter().all(|(_, value, _)| value.is_null()));
    let text = serde_json::to_string(&api.get("/users/2/attribute_values").await).unwrap();
    assert!(!text.contains("europe-west1") && !text.contains("us-central1"));
}

#[tokio::test]
async fn invalid_definitions_are_refused_naming_the_field() {
    let api = Api::start(0).await;
    let cases = [
        (
            json!({"default_value": "lots"}),
            "/user_attributes/8",
            "default_value",
            "number",
        ),
        (
            json!({"name": "region"}),
            "/user_attributes/17",
            "name",
            "already exists",
        ),
        (
            json!({"label": "Region"}),
            "/user_attributes/17",
            "label",
            "already exists",
        ),
        (
            json!({"name": "Bad Name"}),
            "/user_attributes/17",
            "name",
            "lower-case",
        ),
        (
            json!({"name": null}),
            "/user_attributes/17",
            "name",
            "required",
        ),
        (
            json!({"type": "colour"}),
            "/user_attributes/17",
            "type",
            "must be one of",
        ),
        (
            json!({"type": "number"}),
            "/user_attributes/12",
            "type",
            "not valid as number",
        ),
        (
            json!({"user_can_edit": "yes"}),
            "/user_attributes/17",
            "user_can_edit",
            "true or false",
        ),
        (
            json!({"name": "mail"}),
            "/user_attributes/1",
            "name",
            "system",
        ),
        (
            json!({"value_is_hidden": true, "hidden_value_domain_whitelist": "example.com"}),
            "/user_attributes/17",
            "hidden_value_domain_whitelist",
            "comma-separated list of urls",
        ),
    ];
    for (body, path, field, says) in cases {
        let (status, answer) = api.call(Method::PATCH, path, Some(body.clone())).await;
        assert_validation(status, &answer, field, says);
    }
    let after = api.get("/user_attributes/17").await;
    assert_eq!(
        (after["name"].clone(), after["value_is_hidden"].clone()),
        (json!("workload_region"), json!(false)),
        "a refused update changes nothing"
    );
    let (status, body) = api
        .call(
            Method::PATCH,
            "/user_attributes/999",
            Some(json!({"label": "x"})),
        )
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND);
    let (status, body) = api
        .call(Method::PATCH, "/user_attributes/17", Some(json!([1])))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn group_values_are_listed_in_precedence_order_with_hidden_values_null() {
    let api = Api::start(0).await;
    assert_eq!(
        api.group_values(17).await,
        [
            gv("2", 1, "europe-west1"),
            gv("4", 2, "asia-southeast1"),
            gv("1", 3, "us-east1")
        ]
    );
    let hidden = api.get("/user_attributes/15/group_values").await;
    assert_eq!(hidden.as_array().unwrap().len(), 2);
    for value in hidden.as_array().unwrap() {
        assert_eq!(value["value"], Value::Null);
        assert_eq!(value["value_is_hidden"], true);
        for key in ["id", "group_id", "user_attribute_id", "rank", "can"] {
            assert!(value.get(key).is_some(), "{key}");
        }
    }
    assert_no_seeded_secret(&hidden.to_string());
    let selected = api
        .get("/user_attributes/17/group_values?fields=group_id,rank")
        .await;
    assert_eq!(selected[0], json!({"group_id": "2", "rank": 1}));
    let (status, body) = api
        .call(Method::GET, "/user_attributes/999/group_values", None)
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn posting_group_values_replaces_them_all_and_moves_everyones_precedence() {
    let api = Api::start(0).await;
    let ids_before: Vec<Value> = api
        .get("/user_attributes/17/group_values")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].clone())
        .collect();
    assert_eq!(
        api.path(2, 17).await[0],
        entry("Group: Engineering", "europe-west1", Some(1))
    );
    // Array order decides: All Users first now.
    let (status, body) = api
        .call(
            Method::POST,
            "/user_attributes/17/group_values",
            Some(json!([
                {"group_id": "1", "value": "us-east1"},
                {"group_id": 2, "value": "europe-west1"},
                {"group_id": "4", "value": "asia-southeast1"}
            ])),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let expected = [
        gv("1", 1, "us-east1"),
        gv("2", 2, "europe-west1"),
        gv("4", 3, "asia-southeast1"),
    ];
    assert_eq!(summary(&body), expected, "the answer is the new list");
    assert_eq!(api.group_values(17).await, expected);
    let ids_after: Vec<Value> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].clone())
        .collect();
    assert!(
        ids_after.iter().all(|id| ids_before.contains(id)),
        "the same groups keep their relation ids"
    );
    assert_eq!(
        api.path(2, 17).await,
        [
            entry("Group: All Users", "us-east1", Some(1)),
            entry("Group: Engineering", "europe-west1", Some(2)),
            entry("Default", "us-central1", None)
        ]
    );

    // Explicit ranks on every item decide instead of the order; groups left out lose their value.
    let (status, body) = api
        .call(
            Method::POST,
            "/user_attributes/17/group_values",
            Some(json!([
                {"group_id": "1", "value": "us-east1", "rank": 30},
                {"group_id": "2", "value": "europe-west2", "rank": 10}
            ])),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        summary(&body),
        [gv("2", 10, "europe-west2"), gv("1", 30, "us-east1")]
    );
    assert_eq!(
        api.path(6, 17).await[0],
        entry("Group: All Users", "us-east1", Some(30)),
        "Support lost its value"
    );

    let (status, body) = api
        .call(
            Method::POST,
            "/user_attributes/17/group_values",
            Some(json!([])),
        )
        .await;
    assert_eq!((status, body), (StatusCode::OK, json!([])));
    assert_eq!(
        api.path(2, 17).await,
        [entry("Default", "us-central1", None)]
    );
}

#[tokio::test]
async fn invalid_group_value_lists_are_refused_and_change_nothing() {
    let api = Api::start(0).await;
    let cases = [
        (
            json!([{"group_id": "1", "value": "a", "rank": 1}, {"group_id": "2", "value": "b"}]),
            "rank",
            "every group value or on none",
        ),
        (
            json!([{"group_id": "1", "value": "a", "rank": 1}, {"group_id": "2", "value": "b", "rank": 1}]),
            "rank",
            "more than one group",
        ),
        (
            json!([{"group_id": "1", "value": "a"}, {"group_id": "1", "value": "b"}]),
            "group_id",
            "more than once",
        ),
        (
            json!([{"group_id": "404", "value": "a"}]),
            "group_id",
            "does not exist",
        ),
        (
            json!([{"group_id": "x", "value": "a"}]),
            "group_id",
            "does not exist",
        ),
        (json!([{"value": "a"}]), "group_id", "required"),
        (json!([{"group_id": "1"}]), "value", "required"),
        (json!([{"group_id": "1", "value": true}]), "value", "string"),
        (
            json!([{"group_id": "1", "value": "a", "rank": "first"}]),
            "rank",
            "integer",
        ),
    ];
    for (body, field, says) in cases {
        let (status, answer) = api
            .call(Method::POST, "/user_attributes/17/group_values", Some(body))
            .await;
        assert_validation(status, &answer, field, says);
    }
    let (status, answer) = api
        .call(
            Method::POST,
            "/user_attributes/8/group_values",
            Some(json!([{"group_id": "1", "value": "lots"}])),
        )
        .await;
    assert_validation(status, &answer, "value", "number");
    assert_eq!(api.group_values(17).await.len(), 3, "nothing changed");
    let (status, answer) = api
        .call(
            Method::POST,
            "/user_attributes/999/group_values",
            Some(json!([])),
        )
        .await;
    assert_error(status, &answer, StatusCode::NOT_FOUND);
    let (status, answer) = api
        .call(
            Method::POST,
            "/user_attributes/17/group_values",
            Some(json!({"group_id": "1"})),
        )
        .await;
    assert_error(status, &answer, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn one_groups_value_is_set_in_place_or_added_last_and_deleted_with_204() {
    let api = Api::start(0).await;
    let (status, body) = api
        .call(
            Method::PATCH,
            "/groups/4/attribute_values/17",
            Some(json!({"value": "asia-east1"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["rank"], 2, "an existing group value keeps its rank");
    assert_eq!(body["value"], "asia-east1");
    assert_eq!(body["group_id"], "4");
    assert_eq!(body["user_attribute_id"], "17");
    assert_eq!(
        api.path(6, 17).await[0],
        entry("Group: Support", "asia-east1", Some(2))
    );

    // Sales (3) had no value: it is added after every other group (UNCONFIRMED in Looker).
    let (status, body) = api
        .call(
            Method::PATCH,
            "/groups/3/attribute_values/17",
            Some(json!({"value": "northamerica-northeast1"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["rank"], 4);
    assert_eq!(
        api.path(4, 17).await,
        [
            entry("Group: All Users", "us-east1", Some(3)),
            entry("Group: Sales", "northamerica-northeast1", Some(4)),
            entry("Default", "us-central1", None)
        ]
    );

    let response = api
        .http
        .delete(format!("{}/groups/1/attribute_values/17", api.base))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(response.bytes().await.unwrap().is_empty(), "an empty 204");
    assert_eq!(
        api.path(4, 17).await[0],
        entry("Group: Sales", "northamerica-northeast1", Some(4)),
        "Lena falls back to the next group"
    );
    assert!(api.group_values(17).await.iter().all(|(g, _, _)| g != "1"));

    let (status, body) = api
        .call(
            Method::PATCH,
            "/groups/2/attribute_values/15",
            Some(json!({"value": "new-secret-value"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["value"],
        Value::Null,
        "a hidden value is never answered"
    );
    assert_eq!(
        api.sim.state.looker().group_values_of(15)[1].value,
        "new-secret-value"
    );
}

#[tokio::test]
async fn group_value_writes_name_what_is_wrong() {
    let api = Api::start(0).await;
    for (method, path, body, expected) in [
        (
            Method::PATCH,
            "/groups/404/attribute_values/17",
            Some(json!({"value": "x"})),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::PATCH,
            "/groups/1/attribute_values/999",
            Some(json!({"value": "x"})),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::DELETE,
            "/groups/404/attribute_values/17",
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            Method::DELETE,
            "/groups/1/attribute_values/999",
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            Method::PATCH,
            "/groups/1/attribute_values/17",
            Some(json!("x")),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let (status, answer) = api.call(method.clone(), path, body).await;
        assert_error(status, &answer, expected);
    }
    let (status, answer) = api
        .call(
            Method::PATCH,
            "/groups/1/attribute_values/17",
            Some(json!({})),
        )
        .await;
    assert_validation(status, &answer, "value", "required");
    let (status, answer) = api
        .call(
            Method::PATCH,
            "/groups/1/attribute_values/8",
            Some(json!({"value": "lots"})),
        )
        .await;
    assert_validation(status, &answer, "value", "number");
}

#[tokio::test]
async fn groups_and_their_members_are_listed() {
    let api = Api::start(12).await;
    let groups = api.get("/groups").await;
    let names: Vec<&str> = groups
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(names[..3], ["All Users", "Engineering", "Sales"]);
    for key in [
        "id",
        "name",
        "user_count",
        "can",
        "externally_managed",
        "include_by_default",
    ] {
        assert!(groups[0].get(key).is_some(), "{key}");
    }
    assert_eq!(groups[0]["user_count"], DEMO_LOOKER_USERS + 12);
    let picked = api.get("/groups?ids=4,2&fields=id,name&sorts=name").await;
    assert_eq!(
        picked,
        json!([{"id": "2", "name": "Engineering"}, {"id": "4", "name": "Support"}])
    );
    let reversed = api.get("/groups?sorts=name%20desc&fields=name").await;
    assert_eq!(reversed[0]["name"], "Support");
    assert_eq!(
        api.get("/groups/4?fields=id,name").await,
        json!({"id": "4", "name": "Support"})
    );
    let (status, body) = api.call(Method::GET, "/groups/404", None).await;
    assert_error(status, &body, StatusCode::NOT_FOUND);

    let members = api
        .get("/groups/4/users?fields=id,group_ids&sorts=id")
        .await;
    let members = members.as_array().unwrap();
    assert!(members.len() >= 6);
    assert_eq!(members[0], json!({"id": "1", "group_ids": ["1", "3", "4"]}));
    assert!(
        members
            .iter()
            .all(|m| m["group_ids"].as_array().unwrap().contains(&json!("4")))
    );
    let response = api
        .http
        .get(format!(
            "{}/groups/4/users?fields=id&limit=2&offset=2",
            api.base
        ))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert!(response.headers().get("link").is_some());
    let page: Value = response.json().await.unwrap();
    let expected: Vec<Value> = members[2..4]
        .iter()
        .map(|m| json!({"id": m["id"]}))
        .collect();
    assert_eq!(page, json!(expected));
    let (status, body) = api.call(Method::GET, "/groups/404/users", None).await;
    assert_error(status, &body, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn users_list_their_group_ids() {
    let api = Api::start(0).await;
    let users = api.get("/users?fields=id,group_ids&ids=1,2").await;
    assert_eq!(
        users,
        json!([
            {"id": "1", "group_ids": ["1", "3", "4"]},
            {"id": "2", "group_ids": ["1", "2"]}
        ])
    );
}
