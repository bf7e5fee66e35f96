//! The simulated SCIM API with raw HTTP: the RFC 7644 and Atlassian behaviours a client can see
//! (auth, filters, paging, error bodies, PUT and PATCH semantics, ETags, discovery, groups).

#![allow(clippy::unwrap_used)]

mod common;

use reqwest::StatusCode;
use roster::simulator::RunningSimulator;
use serde_json::{Value, json};

const CORE: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    fn new(sim: &RunningSimulator) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: format!("{}/scim", sim.base_url()),
            token: sim.state.credentials.scim_token.clone(),
        }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        send(self.request(reqwest::Method::GET, path)).await
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: Value) -> (StatusCode, Value) {
        send(
            self.request(method, path)
                .header("content-type", "application/scim+json")
                .body(body.to_string()),
        )
        .await
    }

    async fn user_id(&self, user_name: &str) -> String {
        let filter = format!("userName eq \"{user_name}\"");
        let (_, list) = self
            .get(&format!("/Users?filter={}", urlencode(&filter)))
            .await;
        list["Resources"][0]["id"].as_str().unwrap().to_owned()
    }
}

async fn send(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.unwrap();
    let status = response.status();
    if status != StatusCode::NO_CONTENT && status != StatusCode::NOT_MODIFIED {
        assert_eq!(
            response.headers()["content-type"],
            "application/scim+json",
            "SCIM responses are application/scim+json"
        );
    }
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn assert_error(body: &Value, status: &str, scim_type: Option<&str>) {
    assert_eq!(
        body["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
    );
    assert_eq!(body["status"], status, "status is a string: {body}");
    assert_eq!(body["scimType"].as_str(), scim_type, "{body}");
    assert!(body["detail"].is_string());
}

#[tokio::test]
async fn auth_filters_and_paging_follow_atlassian() {
    let sim = common::start_sim(150).await;
    let api = Api::new(&sim);
    let response = reqwest::get(format!("{}/Users", api.base)).await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    let (status, body) = send(
        api.http
            .get(format!("{}/Users", api.base))
            .bearer_auth("wrong"),
    )
    .await;
    assert_eq!(status, 401);
    assert_error(&body, "401", None);

    let (status, page) = api.get("/Users").await;
    assert_eq!(status, 200);
    let total = page["totalResults"].as_u64().unwrap();
    assert!(total > 150);
    assert_eq!(
        (page["startIndex"].clone(), page["itemsPerPage"].clone()),
        (json!(1), json!(100))
    );
    assert_eq!(
        page["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"])
    );
    let (_, big) = api.get("/Users?startIndex=0&count=500").await;
    assert_eq!(
        big["itemsPerPage"], 100,
        "count is capped at 100; startIndex below 1 is 1"
    );
    assert_eq!(big["startIndex"], 1);
    let (_, last) = api
        .get(&format!("/Users?startIndex={}&count=10", total - 2))
        .await;
    assert_eq!(last["Resources"].as_array().unwrap().len(), 3);
    let (_, none) = api.get("/Users?count=-4").await;
    assert_eq!(
        (none["itemsPerPage"].clone(), none["totalResults"].as_u64()),
        (json!(0), Some(total))
    );

    let user_name = page["Resources"][3]["userName"]
        .as_str()
        .unwrap()
        .to_owned();
    let external = page["Resources"][3]["externalId"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, by_name) = api
        .get(&format!(
            "/Users?filter={}",
            urlencode(&format!("userName eq \"{}\"", user_name.to_uppercase()))
        ))
        .await;
    assert_eq!(by_name["totalResults"], 1, "userName is not case-exact");
    let (_, by_external) = api
        .get(&format!(
            "/Users?filter={}",
            urlencode(&format!("externalId eq \"{external}\""))
        ))
        .await;
    assert_eq!(by_external["totalResults"], 1);
    let (_, wrong_case) = api
        .get(&format!(
            "/Users?filter={}",
            urlencode(&format!("externalId eq \"{}\"", external.to_uppercase()))
        ))
        .await;
    assert_eq!(wrong_case["totalResults"], 0, "externalId is case-exact");
    for filter in [
        "displayName eq \"x\"",
        "userName sw \"a\"",
        "userName eq \"a\" or userName eq \"b\"",
        "title pr",
    ] {
        let (status, body) = api
            .get(&format!("/Users?filter={}", urlencode(filter)))
            .await;
        assert_eq!(status, 400, "{filter}");
        assert_error(&body, "400", Some("invalidFilter"));
    }
    let (_, projected) = api
        .get(&format!(
            "/Users?count=1&attributes=userName,{ENTERPRISE}:department"
        ))
        .await;
    let keys: Vec<&String> = projected["Resources"][0]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(keys, ["schemas", "id", "userName", ENTERPRISE]);
    let (_, excluded) = api
        .get("/Users?count=1&excludedAttributes=emails,meta,id")
        .await;
    let user = &excluded["Resources"][0];
    assert!(user.get("emails").is_none() && user.get("meta").is_none() && user["id"].is_string());
}

#[tokio::test]
async fn users_have_stable_ids_locations_groups_and_etags() {
    let a = common::start_sim(5).await;
    let b = common::start_sim(5).await;
    let (api_a, api_b) = (Api::new(&a), Api::new(&b));
    let id = api_a.user_id("priya.raman@example.com").await;
    assert_eq!(
        id,
        api_b.user_id("priya.raman@example.com").await,
        "ids come from the seed"
    );
    let response = api_a
        .request(reqwest::Method::GET, &format!("/Users/{id}"))
        .send()
        .await
        .unwrap();
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let user: Value = response.json().await.unwrap();
    assert_eq!(user["meta"]["version"], etag.as_str());
    assert_eq!(
        user["meta"]["location"],
        format!("{}/Users/{id}", api_a.base)
    );
    assert_eq!(user["meta"]["resourceType"], "User");
    assert!(user["meta"]["created"].as_str().unwrap().ends_with('Z'));
    assert_eq!(user["groups"][0]["display"], "Sales");
    let group_id = user["groups"][0]["value"].as_str().unwrap();
    let (_, group) = api_a.get(&format!("/Groups/{group_id}")).await;
    assert!(
        group["members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["value"] == id.as_str())
    );
    let (_, sales) = api_a
        .get(&format!(
            "/Groups?filter={}",
            urlencode("displayName eq \"sales\"")
        ))
        .await;
    assert_eq!(sales["Resources"][0]["id"], group_id);
    assert!(
        user["urn:scim:schemas:extension:atlassian-external:1.0"]["atlassianAccountId"].is_string()
    );

    let not_modified = api_a
        .request(reqwest::Method::GET, &format!("/Users/{id}"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(not_modified.status(), 304);
    let (status, body) = send(
        api_a
            .request(reqwest::Method::PATCH, &format!("/Users/{id}"))
            .header("if-match", "W/\"999\"")
            .body(json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "title", "value": "x"}]}).to_string()),
    )
    .await;
    assert_eq!(status, 412);
    assert_error(&body, "412", None);
    let (status, patched) = send(
        api_a
            .request(reqwest::Method::PATCH, &format!("/Users/{id}"))
            .header("if-match", &etag)
            .body(
                json!({"operations": [{"op": "Replace", "path": "title", "value": "x"}]})
                    .to_string(),
            ),
    )
    .await;
    assert_eq!(status, 200, "{patched}");
    assert_ne!(
        patched["meta"]["version"],
        etag.as_str(),
        "a write changes the version"
    );
}

#[tokio::test]
async fn put_clears_what_it_leaves_out_but_keeps_read_only_attributes() {
    let sim = common::start_sim(0).await;
    let api = Api::new(&sim);
    let id = api.user_id("amara.okonkwo@example.com").await;
    let (_, before) = api.get(&format!("/Users/{id}")).await;
    let body = json!({
        "schemas": [CORE], "id": "ignored", "userName": "amara.okonkwo@example.com",
        "emails": [{"value": "amara.okonkwo@example.com", "primary": true}],
        "groups": [{"value": "nope"}], "meta": {"created": "1999-01-01T00:00:00Z"},
        "urn:scim:schemas:extension:atlassian-external:1.0": {"atlassianAccountId": "forged"}
    });
    let (status, after) = api
        .send(reqwest::Method::PUT, &format!("/Users/{id}"), body)
        .await;
    assert_eq!(status, 200, "{after}");
    assert_eq!(after["id"], id.as_str());
    for cleared in [
        "title",
        "name",
        "phoneNumbers",
        "externalId",
        ENTERPRISE,
        "department",
    ] {
        assert!(after.get(cleared).is_none(), "{cleared} is cleared");
    }
    assert_eq!(after["active"], true, "a missing active is true");
    assert_eq!(after["groups"], before["groups"]);
    assert_eq!(after["meta"]["created"], before["meta"]["created"]);
    assert_eq!(
        after["urn:scim:schemas:extension:atlassian-external:1.0"],
        before["urn:scim:schemas:extension:atlassian-external:1.0"]
    );

    let (status, body) = api
        .send(reqwest::Method::PUT, &format!("/Users/{id}"), json!({"schemas": [CORE], "userName": "a@example.com", "emails": [{"value": "a@example.com"}]}))
        .await;
    assert_eq!(status, 400);
    assert_error(&body, "400", Some("invalidValue"));
    let (status, body) = api
        .send(reqwest::Method::PUT, &format!("/Users/{id}"), json!({"schemas": [CORE], "userName": "priya.raman@example.com", "emails": [{"value": "z@example.com", "primary": true}]}))
        .await;
    assert_eq!(status, 409);
    assert_error(&body, "409", Some("uniqueness"));
    let (status, body) = api
        .send(reqwest::Method::PUT, &format!("/Users/{id}"), json!({"schemas": [CORE], "userName": "q@example.com", "shoeSize": 9, "emails": [{"value": "q@example.com", "primary": true}]}))
        .await;
    assert_eq!(status, 400);
    assert_error(&body, "400", Some("invalidSyntax"));
}

#[tokio::test]
async fn patch_paths_values_and_errors() {
    let sim = common::start_sim(0).await;
    let api = Api::new(&sim);
    let id = api.user_id("liam.fairweather@example.com").await;
    let patch = |operations: Value| json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations});
    let (status, user) = api
        .send(reqwest::Method::PATCH, &format!("/Users/{id}"), patch(json!([
            {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "liam.f@example.com"},
            {"op": "add", "path": format!("{ENTERPRISE}:department"), "value": "Revenue"},
            {"op": "replace", "value": {"displayName": "Liam F.", "name.givenName": "William", "active": "False"}},
            {"op": "add", "path": "emails", "value": [{"value": "liam@home.example", "type": "home", "primary": true}]},
            {"op": "remove", "path": "phoneNumbers"}
        ])))
        .await;
    assert_eq!(status, 200, "{user}");
    assert_eq!(
        user["emails"],
        json!([
            {"value": "liam.f@example.com", "type": "work", "primary": false},
            {"value": "liam@home.example", "type": "home", "primary": true}
        ])
    );
    assert_eq!(user[ENTERPRISE]["department"], "Revenue");
    assert_eq!(
        (
            user["displayName"].clone(),
            user["name"]["givenName"].clone(),
            user["active"].clone()
        ),
        (json!("Liam F."), json!("William"), json!(false))
    );
    assert!(user.get("phoneNumbers").is_none());

    for (operation, status, scim_type) in [
        (
            json!({"op": "replace", "path": "groups", "value": []}),
            "400",
            "mutability",
        ),
        (
            json!({"op": "replace", "path": "id", "value": "x"}),
            "400",
            "invalidPath",
        ),
        (
            json!({"op": "replace", "path": "emails[type eq \"pager\"].value", "value": "x"}),
            "400",
            "noTarget",
        ),
        (
            json!({"op": "remove", "path": "userName"}),
            "400",
            "invalidValue",
        ),
        (
            json!({"op": "remove", "path": "emails"}),
            "400",
            "invalidValue",
        ),
    ] {
        let (code, body) = api
            .send(
                reqwest::Method::PATCH,
                &format!("/Users/{id}"),
                patch(json!([operation])),
            )
            .await;
        assert_eq!(code.as_str(), status, "{operation}: {body}");
        assert_error(&body, status, Some(scim_type));
    }
    // A failed PATCH changes nothing (all or nothing).
    let (_, unchanged) = api
        .send(
            reqwest::Method::PATCH,
            &format!("/Users/{id}"),
            patch(json!([
                {"op": "replace", "path": "title", "value": "changed"},
                {"op": "replace", "path": "groups", "value": []}
            ])),
        )
        .await;
    assert_eq!(unchanged["status"], "400");
    let (_, current) = api.get(&format!("/Users/{id}")).await;
    assert_eq!(current["title"], "Account Executive");

    let (status, _) = api
        .send(
            reqwest::Method::DELETE,
            &format!("/Users/{id}"),
            Value::Null,
        )
        .await;
    assert_eq!(status, 204);
    let (status, body) = api.get(&format!("/Users/{id}")).await;
    assert_eq!(status, 404);
    assert_error(&body, "404", None);
    let (_, group) = api
        .get(&format!(
            "/Groups?filter={}",
            urlencode("displayName eq \"Sales\"")
        ))
        .await;
    assert!(
        !group["Resources"][0]["members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["value"] == id.as_str())
    );
}

#[tokio::test]
async fn create_defaults_and_uniqueness() {
    let sim = common::start_sim(0).await;
    let api = Api::new(&sim);
    let body = json!({"schemas": [CORE], "userName": "fresh@example.com",
                      "emails": [{"value": "fresh@example.com", "type": "work", "primary": true}]});
    let response = api
        .request(reqwest::Method::POST, "/Users")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["meta"]["location"], location.as_str());
    assert_eq!(created["active"], true);
    let (status, body) = api.send(reqwest::Method::POST, "/Users", body).await;
    assert_eq!(status, 409);
    assert_error(&body, "409", Some("uniqueness"));
    let (status, body) = api.send(reqwest::Method::POST, "/Users", json!({"schemas": [CORE], "userName": "other@example.com", "emails": [{"value": "Fresh@Example.com", "primary": true}]})).await;
    assert_eq!(status, 409, "the primary email is unique too");
    assert_error(&body, "409", Some("uniqueness"));
    let (status, body) = api
        .send(
            reqwest::Method::POST,
            "/Users",
            json!({"userName": "x@example.com"}),
        )
        .await;
    assert_eq!(status, 400, "schemas are required");
    assert_error(&body, "400", Some("invalidSyntax"));
    let (status, body) = api
        .send(reqwest::Method::POST, "/Users", json!({"schemas": [CORE], "userName": "y@example.com", "emails": [{"value": "y@example.com", "primary": true}, {"value": "z@example.com", "primary": true}]}))
        .await;
    assert_eq!(status, 400, "exactly one primary email");
    assert_error(&body, "400", Some("invalidValue"));
}

#[tokio::test]
async fn discovery_describes_what_is_served() {
    let sim = common::start_sim(0).await;
    let api = Api::new(&sim);
    let (_, config) = api.get("/ServiceProviderConfig").await;
    assert_eq!(config["patch"]["supported"], true);
    assert_eq!(config["bulk"]["supported"], false);
    assert_eq!(
        config["filter"],
        json!({"supported": true, "maxResults": 100})
    );
    assert_eq!(config["sort"]["supported"], false);
    assert_eq!(config["etag"]["supported"], true);
    let (_, schemas) = api.get("/Schemas").await;
    let ids: Vec<&str> = schemas["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            CORE,
            ENTERPRISE,
            "urn:scim:schemas:extension:atlassian-external:1.0",
            "urn:ietf:params:scim:schemas:core:2.0:Group"
        ]
    );
    let (_, enterprise) = api.get(&format!("/Schemas/{ENTERPRISE}")).await;
    let names: Vec<&str> = enterprise["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["department", "organization"]);
    let (_, user_type) = api.get("/ResourceTypes/User").await;
    assert_eq!(user_type["endpoint"], "/Users");
    assert_eq!(user_type["schemaExtensions"].as_array().unwrap().len(), 2);
    let (status, body) = api.get("/Schemas?filter=x").await;
    assert_eq!(status, 403);
    assert_error(&body, "403", None);
    let (status, body) = api.send(reqwest::Method::POST, "/Schemas", json!({})).await;
    assert_eq!(status, 405);
    assert_error(&body, "405", None);
    let (status, body) = api.get("/Bulk").await;
    assert_eq!(status, 404);
    assert_error(&body, "404", None);
}
