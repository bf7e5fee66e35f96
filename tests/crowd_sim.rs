//! The simulated Crowd API driven the way existing open-source clients drive it: raw requests
//! that copy python-crowd 3.1.0 and atlassian-crowd-client 2.0.0 (api-facts §1.7) byte for byte
//! where it matters, plus Crowd's status codes and error bodies.

#![allow(clippy::unwrap_used)]

mod crowd_support;

use crowd_support::{Crowd, assert_success_body, content_type};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn auth_ping_gets_401_for_bad_credentials_and_404_for_good_ones() {
    let crowd = Crowd::start().await;
    let bad = crowd
        .http
        .get(crowd.url("/non-existent/location"))
        .basic_auth("roster", Some("wrong"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        bad.headers()["www-authenticate"],
        "Basic realm=\"Crowd REST Service\""
    );
    assert!(bad.text().await.unwrap().is_empty());
    let missing = crowd
        .http
        .get(crowd.url("/user?username=praman"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        missing.status(),
        StatusCode::UNAUTHORIZED,
        "auth before routing"
    );
    let good = crowd
        .python(reqwest::Method::GET, "/non-existent/location")
        .send()
        .await
        .unwrap();
    assert_eq!(good.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn python_crowd_set_active_echoes_the_whole_get_body() {
    let crowd = Crowd::start().await;
    let get = crowd
        .python(
            reqwest::Method::GET,
            "/user?username=praman&expand=attributes",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), StatusCode::OK);
    assert_eq!(content_type(&get), "application/json");
    let mut user: Value = get.json().await.unwrap();
    assert_success_body(&user);
    assert!(user["password"]["link"].is_object());
    assert!(
        user["attributes"]["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["name"] == "requiresPasswordChange")
    );
    user["active"] = json!(false);
    let put = crowd
        .python(reqwest::Method::PUT, "/user?username=praman")
        .body(user.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::NO_CONTENT);
    let store = crowd.sim.state.crowd();
    let after = store.user("praman").unwrap();
    assert!(!after.active);
    assert_eq!(
        after.password.as_deref(),
        Some(roster::simulator::crowd::store::SEEDED_PASSWORD),
        "a password object without value changes nothing"
    );
    assert_eq!(
        after.attributes["skills"],
        ["salesforce", "forecasting", "sql"]
    );
}

#[tokio::test]
async fn put_with_a_different_name_is_refused() {
    let crowd = Crowd::start().await;
    let put = crowd
        .python(reqwest::Method::PUT, "/user?username=praman")
        .body(json!({"name": "someone", "active": true}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::BAD_REQUEST);
    let body: Value = put.json().await.unwrap();
    assert_eq!(body["reason"], "ILLEGAL_ARGUMENT");
    assert!(body["message"].as_str().unwrap().contains("are not equal"));
    let case = crowd
        .python(reqwest::Method::PUT, "/user?username=praman")
        .body(json!({"name": "PRaman", "email": "p@example.com"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(
        case.status(),
        StatusCode::NO_CONTENT,
        "names compare ignoring case"
    );
}

#[tokio::test]
async fn python_crowd_add_user_gets_201_with_location_and_the_user() {
    let crowd = Crowd::start().await;
    let data = json!({
        "name": "pyuser", "first-name": "pyuser", "last-name": "pyuser",
        "display-name": "pyuser", "email": "py@example.com",
        "password": {"value": "s3cret"}, "active": true
    });
    let created = crowd
        .python(reqwest::Method::POST, "/user")
        .body(data.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    assert!(
        created.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with("/crowd/rest/usermanagement/1/user?username=pyuser")
    );
    assert_eq!(content_type(&created), "application/json");
    let body: Value = created.json().await.unwrap();
    assert_success_body(&body);
    assert_eq!(body["name"], "pyuser");
    let again = crowd
        .python(reqwest::Method::POST, "/user")
        .body(data.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    let error: Value = again.json().await.unwrap();
    assert_eq!(error["reason"], "INVALID_USER");
    let no_password = crowd
        .python(reqwest::Method::POST, "/user")
        .body(json!({"name": "x"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(no_password.status(), StatusCode::BAD_REQUEST);
    let error: Value = no_password.json().await.unwrap();
    assert_eq!(error["reason"], "INVALID_CREDENTIAL");
}

#[tokio::test]
async fn python_crowd_attribute_password_and_group_calls() {
    let crowd = Crowd::start().await;
    let set = crowd
        .python(reqwest::Method::POST, "/user/attribute?username=mzhou")
        .body(json!({"attributes": [{"name": "pager", "values": ["on"]}]}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), StatusCode::NO_CONTENT);
    let password = crowd
        .python(reqwest::Method::PUT, "/user/password?username=mzhou")
        .body(json!({"value": "n3w"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(password.status(), StatusCode::NO_CONTENT);
    let groups: Value = crowd
        .python(
            reqwest::Method::GET,
            "/user/group/direct?username=twielgosz",
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = groups["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"developers"), "{names:?}");
    let members: Value = crowd
        .python(
            reqwest::Method::GET,
            "/group/user/nested?groupname=developers&start-index=0&max-results=99999",
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        members["users"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["name"] == "twielgosz")
    );
    let store = crowd.sim.state.crowd();
    let user = store.user("mzhou").unwrap();
    assert_eq!(user.attributes["pager"], ["on"]);
    assert_eq!(user.password.as_deref(), Some("n3w"));
}

#[tokio::test]
async fn python_crowd_xml_search_gets_json_users() {
    let crowd = Crowd::start().await;
    let (app, password) = &crowd.sim.state.credentials.crowd;
    let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<property-search-restriction><property><name>email</name><type>STRING</type></property><match-mode>CONTAINS</match-mode><value>@example.org</value></property-search-restriction>";
    let response = crowd
        .http
        .post(crowd.url("/search?entity-type=user&expand=user&start-index=0&max-results=99999"))
        .basic_auth(app, Some(password))
        .header("content-type", "application/xml")
        .header("accept", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(content_type(&response), "application/json");
    let result: Value = response.json().await.unwrap();
    let names: Vec<&str> = result["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["lnavarro", "vnovak"]);
    assert_eq!(result["users"][0]["email"], "lucia.navarro@example.org");
}

#[tokio::test]
async fn json_search_entities_are_accepted_too() {
    let crowd = Crowd::start().await;
    let restriction = json!({
        "restriction-type": "boolean-search-restriction", "boolean-logic": "and",
        "restrictions": [
            {"restriction-type": "property-search-restriction",
             "property": {"name": "email", "type": "STRING"}, "match-mode": "ENDS_WITH", "value": "example.org"},
            {"restriction-type": "property-search-restriction",
             "property": {"name": "firstName", "type": "STRING"}, "matchMode": "STARTS_WITH", "value": "vik"}
        ]
    });
    let result: Value = crowd
        .python(reqwest::Method::POST, "/search?entity-type=user")
        .body(restriction.to_string())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        result["users"],
        json!([{"link": result["users"][0]["link"], "name": "vnovak"}])
    );
}

#[tokio::test]
async fn python_crowd_reads_memberships_as_xml() {
    let crowd = Crowd::start().await;
    let (app, password) = &crowd.sim.state.credentials.crowd;
    let response = crowd
        .http
        .get(crowd.url("/group/membership"))
        .basic_auth(app, Some(password))
        .header("content-type", "application/xml")
        .header("accept", "application/xml")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(content_type(&response), "application/xml");
    let text = response.text().await.unwrap();
    let root = roster::simulator::crowd::xml::parse(&text).unwrap();
    assert_eq!(root.name, "memberships");
    let developers = root
        .children
        .iter()
        .find(|m| {
            m.attributes
                .contains(&("group".to_owned(), "developers".to_owned()))
        })
        .unwrap();
    let users: Vec<&str> = developers
        .child("users")
        .unwrap()
        .children
        .iter()
        .map(|u| u.attributes[0].1.as_str())
        .collect();
    assert!(users.contains(&"twielgosz"), "{users:?}");
    assert!(developers.child("groups").is_some());
}

#[tokio::test]
async fn atlassian_crowd_client_cql_search_and_content_types() {
    let crowd = Crowd::start().await;
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("entity-type", "user")
        .append_pair("restriction", "email = \"*@example.org\" and active = true")
        .append_pair("start-index", "0")
        .append_pair("max-results", "1000")
        .finish();
    let response = crowd
        .node(reqwest::Method::GET, &format!("/search?{query}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(content_type(&response), "application/json");
    let result: Value = response.json().await.unwrap();
    assert_success_body(&result);
    let names: Vec<&str> = result["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["lnavarro", "vnovak"]);

    let user: Value = crowd
        .node(
            reqwest::Method::GET,
            "/user?username=vnovak&expand=attributes",
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_success_body(&user);
    assert!(user["attributes"]["attributes"].is_array());
    let list = crowd
        .node(reqwest::Method::GET, "/user/attribute?username=vnovak")
        .send()
        .await
        .unwrap();
    assert_eq!(content_type(&list), "application/json");
    let list: Value = list.json().await.unwrap();
    assert_success_body(&list);
    assert!(list["attributes"].as_array().unwrap().len() > 4);

    // DELETE carries a JSON content type and an empty body.
    let deleted = crowd
        .node(
            reqwest::Method::DELETE,
            "/user/attribute?username=vnovak&attributename=skills",
        )
        .body("")
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert!(
        !crowd
            .sim
            .state
            .crowd()
            .user("vnovak")
            .unwrap()
            .attributes
            .contains_key("skills")
    );
}

#[tokio::test]
async fn crowd_errors_have_crowds_statuses_and_bodies() {
    let crowd = Crowd::start().await;
    let missing = crowd
        .node(reqwest::Method::GET, "/user?username=nobody")
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(content_type(&missing), "application/json");
    assert_eq!(
        missing.json::<Value>().await.unwrap(),
        json!({"reason": "USER_NOT_FOUND", "message": "User <nobody> does not exist"})
    );
    let no_name = crowd
        .node(reqwest::Method::GET, "/user")
        .send()
        .await
        .unwrap();
    assert_eq!(no_name.status(), StatusCode::BAD_REQUEST);
    let no_attribute = crowd
        .node(reqwest::Method::DELETE, "/user/attribute?username=praman")
        .body("")
        .send()
        .await
        .unwrap();
    assert_eq!(no_attribute.status(), StatusCode::BAD_REQUEST);
    let bad_cql = crowd
        .node(
            reqwest::Method::GET,
            "/search?entity-type=user&restriction=name%20%3D",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(bad_cql.status(), StatusCode::BAD_REQUEST);
    let (app, password) = &crowd.sim.state.credentials.crowd;
    let xml_error = crowd
        .http
        .get(crowd.url("/user?username=nobody"))
        .basic_auth(app, Some(password))
        .header("accept", "application/xml")
        .send()
        .await
        .unwrap();
    assert_eq!(content_type(&xml_error), "application/xml");
    assert!(
        xml_error
            .text()
            .await
            .unwrap()
            .contains("<reason>USER_NOT_FOUND</reason>")
    );
}

#[tokio::test]
async fn search_pages_and_the_latest_alias() {
    let crowd = Crowd::start().await;
    let total = crowd.sim.state.crowd().users.len();
    let (app, password) = crowd.sim.state.credentials.crowd.clone();
    let mut names = Vec::new();
    let mut start = 0;
    loop {
        let page: Value = crowd
            .http
            .get(format!(
                "{}/crowd/rest/usermanagement/latest/search?entity-type=user&start-index={start}&max-results=10",
                crowd.sim.base_url()
            ))
            .basic_auth(&app, Some(&password))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let users = page["users"].as_array().unwrap();
        names.extend(users.iter().map(|u| u["name"].as_str().unwrap().to_owned()));
        assert!(
            users.iter().all(|u| u.get("email").is_none()),
            "not expanded"
        );
        if users.len() < 10 {
            break;
        }
        start += 10;
    }
    assert_eq!(names.len(), total);
}
