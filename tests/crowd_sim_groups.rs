//! The simulated Crowd API's authentication, cookie configuration, group and membership
//! resources, driven by raw requests shaped like python-crowd's and atlassian-crowd-client's,
//! checked against the statuses and bodies Crowd documents (facts and sources are written beside
//! the simulator's handlers).

#![allow(clippy::unwrap_used)]

mod crowd_support;

use crowd_support::{Answer, Crowd, answer, assert_refused, assert_success_body, names};
use reqwest::{Method, StatusCode};
use roster::simulator::crowd::store::SEEDED_PASSWORD;
use serde_json::{Value, json};

impl Crowd {
    async fn authenticate(&self, username: &str, password: &str) -> Answer {
        answer(
            self.node(
                Method::POST,
                &format!("/authentication?username={username}"),
            )
            .body(json!({ "value": password }).to_string()),
        )
        .await
    }

    async fn get(&self, rest: &str) -> Answer {
        answer(self.node(Method::GET, rest)).await
    }

    async fn send(&self, method: Method, rest: &str, body: Value) -> Answer {
        answer(self.python(method, rest).body(body.to_string())).await
    }
}

#[tokio::test]
async fn authentication_answers_the_user_or_crowds_reasons() {
    let crowd = Crowd::start().await;
    let ok = crowd.authenticate("PRaman", SEEDED_PASSWORD).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.content_type, "application/json");
    assert_success_body(&ok.body);
    assert_eq!(ok.body["name"], "praman");
    assert_eq!(ok.body["email"], "priya.raman@example.com");
    assert_eq!(
        ok.body["attributes"]["attributes"],
        json!([]),
        "not expanded"
    );
    assert!(!ok.body.to_string().contains(SEEDED_PASSWORD));

    let wrong = crowd.authenticate("praman", "guess").await;
    assert_refused(&wrong, 400, "INVALID_USER_AUTHENTICATION");
    let attempts = crowd.get("/user/attribute?username=praman").await;
    let invalid = attempts.body["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "invalidPasswordAttempts")
        .unwrap()["values"]
        .clone();
    assert_eq!(invalid, json!(["1"]));

    assert_refused(
        &crowd.authenticate("nobody", "x").await,
        400,
        "USER_NOT_FOUND",
    );
    assert_refused(
        &crowd.authenticate("jwhitcombe", SEEDED_PASSWORD).await,
        400,
        "INACTIVE_ACCOUNT",
    );
    assert_refused(
        &crowd.authenticate("amehta", SEEDED_PASSWORD).await,
        400,
        "EXPIRED_CREDENTIAL",
    );
    let no_name = answer(
        crowd
            .node(Method::POST, "/authentication")
            .body(json!({"value": "x"}).to_string()),
    )
    .await;
    assert_refused(&no_name, 400, "ILLEGAL_ARGUMENT");
}

#[tokio::test]
async fn a_changed_or_created_password_authenticates_and_the_old_one_does_not() {
    let crowd = Crowd::start().await;
    let changed = crowd
        .send(
            Method::PUT,
            "/user/password?username=amehta",
            json!({"value": "n3w-pass"}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::NO_CONTENT);
    assert_eq!(
        crowd.authenticate("amehta", "n3w-pass").await.status,
        StatusCode::OK,
        "the change also clears requiresPasswordChange"
    );
    assert_refused(
        &crowd.authenticate("amehta", SEEDED_PASSWORD).await,
        400,
        "INVALID_USER_AUTHENTICATION",
    );

    let created = crowd
        .send(
            Method::POST,
            "/user",
            json!({"name": "newbie", "email": "newbie@example.com", "password": {"value": "f1rst-Pa55"}, "active": true}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert!(!created.body.to_string().contains("f1rst-Pa55"));
    assert_eq!(
        crowd.authenticate("newbie", "f1rst-Pa55").await.status,
        StatusCode::OK
    );
    let deactivated = crowd
        .send(
            Method::PUT,
            "/user?username=newbie",
            json!({"name": "newbie", "active": false}),
        )
        .await;
    assert_eq!(deactivated.status, StatusCode::NO_CONTENT);
    assert_refused(
        &crowd.authenticate("newbie", "f1rst-Pa55").await,
        400,
        "INACTIVE_ACCOUNT",
    );
}

#[tokio::test]
async fn the_cookie_configuration_is_crowds_sso_settings() {
    let crowd = Crowd::start().await;
    let cookie = crowd.get("/config/cookie").await;
    assert_eq!(cookie.status, StatusCode::OK);
    assert_eq!(cookie.content_type, "application/json");
    assert_eq!(
        cookie.body,
        json!({"domain": "", "name": "crowd.token_key", "secure": false})
    );
}

#[tokio::test]
async fn groups_are_read_with_or_without_their_attributes() {
    let crowd = Crowd::start().await;
    let plain = crowd.get("/group?groupname=Engineering").await;
    assert_eq!(plain.status, StatusCode::OK);
    assert_success_body(&plain.body);
    assert_eq!(plain.body["name"], "engineering");
    assert_eq!(plain.body["type"], "GROUP");
    assert_eq!(plain.body["active"], true);
    assert_eq!(plain.body["description"], "The engineering department");
    assert_eq!(plain.body["attributes"]["attributes"], json!([]));
    assert!(
        plain.body["link"]["href"]
            .as_str()
            .unwrap()
            .ends_with("/crowd/rest/usermanagement/1/group?groupname=engineering")
    );
    let expanded = crowd
        .get("/group?groupname=engineering&expand=attributes")
        .await;
    let attributes = &expanded.body["attributes"]["attributes"];
    assert_eq!(
        attributes
            .as_array()
            .unwrap()
            .iter()
            .map(|a| (a["name"].as_str().unwrap(), a["values"].clone()))
            .collect::<Vec<_>>(),
        [
            ("cost-centre", json!(["CC-4100"])),
            ("manager", json!(["aokonkwo"]))
        ]
    );
    let listed = crowd.get("/group/attribute?groupname=engineering").await;
    assert_eq!(&listed.body["attributes"], attributes);
    assert_refused(
        &crowd.get("/group?groupname=nope").await,
        404,
        "GROUP_NOT_FOUND",
    );
    assert_refused(&crowd.get("/group").await, 400, "ILLEGAL_ARGUMENT");
}

#[tokio::test]
async fn groups_are_created_updated_and_deleted() {
    let crowd = Crowd::start().await;
    // python-crowd's create_group body.
    let body = json!({"name": "Testers", "description": "QA", "type": "GROUP", "active": true});
    let created = crowd.send(Method::POST, "/group", body.clone()).await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(created.content_type, "application/json");
    assert!(
        created
            .location
            .as_deref()
            .unwrap()
            .ends_with("/group?groupname=Testers")
    );
    assert_eq!(created.body["name"], "Testers");
    assert_refused(
        &crowd.send(Method::POST, "/group", body).await,
        400,
        "INVALID_GROUP",
    );
    assert_refused(
        &crowd
            .send(Method::POST, "/group", json!({"description": "x"}))
            .await,
        400,
        "INVALID_GROUP",
    );

    let updated = crowd
        .send(
            Method::PUT,
            "/group?groupname=testers",
            json!({"name": "TESTERS", "description": "Quality", "type": "GROUP"}),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK);
    assert_eq!(updated.body["description"], "Quality");
    assert_eq!(updated.body["active"], true, "fields not given stay");
    assert_refused(
        &crowd
            .send(
                Method::PUT,
                "/group?groupname=testers",
                json!({"name": "other"}),
            )
            .await,
        400,
        "INVALID_GROUP",
    );

    let deleted = answer(crowd.python(Method::DELETE, "/group?groupname=Testers")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(deleted.body, Value::Null);
    assert_refused(
        &crowd.get("/group?groupname=Testers").await,
        404,
        "GROUP_NOT_FOUND",
    );
    let again = answer(crowd.python(Method::DELETE, "/group?groupname=Testers")).await;
    assert_refused(&again, 404, "GROUP_NOT_FOUND");
}

#[tokio::test]
async fn group_attributes_are_stored_and_deleted_and_scalars_are_kept_as_text() {
    let crowd = Crowd::start().await;
    let stored = crowd
        .send(
            Method::POST,
            "/group/attribute?groupname=developers",
            json!({"attributes": [{"name": "seats", "values": [12, true, "x"]}]}),
        )
        .await;
    assert_eq!(stored.status, StatusCode::NO_CONTENT);
    {
        let store = crowd.sim.state.crowd();
        let group = store.group("developers").unwrap();
        assert_eq!(group.attributes["seats"], ["12", "true", "x"]);
        assert_eq!(
            group.attributes["branch-policy"],
            ["protected"],
            "others stay"
        );
    }
    let deleted = answer(crowd.python(
        Method::DELETE,
        "/group/attribute?groupname=developers&attributename=seats",
    ))
    .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert!(
        !crowd
            .sim
            .state
            .crowd()
            .group("developers")
            .unwrap()
            .attributes
            .contains_key("seats")
    );
    assert_refused(
        &crowd
            .send(
                Method::POST,
                "/group/attribute?groupname=nope",
                json!({"attributes": []}),
            )
            .await,
        404,
        "GROUP_NOT_FOUND",
    );
}

#[tokio::test]
async fn user_attributes_accept_booleans_and_numbers_as_their_text() {
    let crowd = Crowd::start().await;
    let stored = crowd
        .send(
            Method::POST,
            "/user/attribute?username=mzhou",
            json!({"attributes": [{"name": "remote", "values": [true]}, {"name": "floor", "values": [3, -1, 2.5]}]}),
        )
        .await;
    assert_eq!(stored.status, StatusCode::NO_CONTENT);
    {
        let store = crowd.sim.state.crowd();
        let user = store.user("mzhou").unwrap();
        assert_eq!(user.attributes["remote"], ["true"]);
        assert_eq!(user.attributes["floor"], ["3", "-1", "2.5"]);
    }
    for refused in [json!([null]), json!([["a"]]), json!([{"a": 1}]), json!("a")] {
        let answer = crowd
            .send(
                Method::POST,
                "/user/attribute?username=mzhou",
                json!({"attributes": [{"name": "x", "values": refused}]}),
            )
            .await;
        assert_refused(&answer, 400, "ILLEGAL_ARGUMENT");
    }
}

#[tokio::test]
async fn a_user_is_added_to_and_removed_from_a_group_directly() {
    let crowd = Crowd::start().await;
    // python-crowd's add_user_to_group.
    let added = crowd
        .send(
            Method::POST,
            "/user/group/direct?username=praman",
            json!({"name": "Developers"}),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED);
    assert_eq!(added.content_type, "application/json");
    assert!(
        added
            .location
            .as_deref()
            .unwrap()
            .ends_with("/user/group/direct?username=praman&groupname=developers")
    );
    assert_eq!(added.body["name"], "developers");
    assert_refused(
        &crowd
            .send(
                Method::POST,
                "/user/group/direct?username=praman",
                json!({"name": "developers"}),
            )
            .await,
        409,
        "MEMBERSHIP_ALREADY_EXISTS",
    );
    // Crowd's resource answers 400 for a missing group named in the body.
    assert_refused(
        &crowd
            .send(
                Method::POST,
                "/user/group/direct?username=praman",
                json!({"name": "nope"}),
            )
            .await,
        400,
        "GROUP_NOT_FOUND",
    );
    assert_refused(
        &crowd
            .send(
                Method::POST,
                "/user/group/direct?username=nobody",
                json!({"name": "developers"}),
            )
            .await,
        404,
        "USER_NOT_FOUND",
    );
    let direct = crowd
        .get("/user/group/direct?username=praman&groupname=developers")
        .await;
    assert_eq!(direct.status, StatusCode::OK);
    assert_eq!(direct.body["name"], "developers");

    let removed = answer(crowd.python(
        Method::DELETE,
        "/user/group/direct?username=praman&groupname=developers",
    ))
    .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    let again = answer(crowd.python(
        Method::DELETE,
        "/user/group/direct?username=praman&groupname=developers",
    ))
    .await;
    assert_refused(&again, 404, "MEMBERSHIP_NOT_FOUND");
    assert_refused(
        &crowd
            .get("/user/group/direct?username=praman&groupname=developers")
            .await,
        404,
        "MEMBERSHIP_NOT_FOUND",
    );
}

#[tokio::test]
async fn a_group_adds_and_removes_its_users() {
    let crowd = Crowd::start().await;
    // atlassian-crowd-client's group.users.add.
    let added = answer(
        crowd
            .node(Method::POST, "/group/user/direct?groupname=developers")
            .body(json!({"name": "mzhou"}).to_string()),
    )
    .await;
    assert_eq!(added.status, StatusCode::CREATED);
    assert_eq!(added.content_type, "application/json");
    assert_success_body(&added.body);
    assert_eq!(added.body["name"], "mzhou");
    assert_refused(
        &crowd
            .send(
                Method::POST,
                "/group/user/direct?groupname=developers",
                json!({"name": "nobody"}),
            )
            .await,
        400,
        "USER_NOT_FOUND",
    );
    assert_refused(
        &crowd
            .send(
                Method::POST,
                "/group/user/direct?groupname=nope",
                json!({"name": "mzhou"}),
            )
            .await,
        404,
        "GROUP_NOT_FOUND",
    );
    // python-crowd's remove_user_from_group.
    let removed = answer(crowd.python(
        Method::DELETE,
        "/group/user/direct?username=mzhou&groupname=developers",
    ))
    .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    assert!(
        !crowd
            .sim
            .state
            .crowd()
            .user("mzhou")
            .unwrap()
            .groups
            .contains("developers")
    );
}

#[tokio::test]
async fn group_members_are_listed_direct_or_nested_with_expand_user() {
    let crowd = Crowd::start().await;
    let direct = crowd.get("/group/user/direct?groupname=developers").await;
    assert_eq!(direct.status, StatusCode::OK);
    assert_eq!(direct.body["expand"], "user");
    assert!(direct.body["users"][0].get("email").is_none(), "references");
    let developers = names(&direct.body, "users");
    assert!(developers.contains(&"vnovak".to_owned()));

    let expanded = crowd
        .get("/group/user/direct?groupname=developers&expand=user")
        .await;
    assert_eq!(names(&expanded.body, "users"), developers);
    let first = &expanded.body["users"][0];
    assert!(first["email"].is_string() && first["active"].is_boolean());
    assert!(!expanded.body.to_string().contains(SEEDED_PASSWORD));

    // all-staff has no direct members; engineering (and developers in it) and the licence
    // groups are nested in it.
    let none = crowd.get("/group/user/direct?groupname=all-staff").await;
    assert_eq!(names(&none.body, "users"), Vec::<String>::new());
    let nested = crowd
        .get("/group/user/nested?groupname=all-staff&expand=user&start-index=0&max-results=1000")
        .await;
    let everyone = names(&nested.body, "users");
    assert!(everyone.contains(&"vnovak".to_owned()) && everyone.contains(&"praman".to_owned()));
    assert!(nested.body["users"][0]["email"].is_string());

    let page = crowd
        .get("/group/user/nested?groupname=all-staff&start-index=2&max-results=3")
        .await;
    assert_eq!(names(&page.body, "users"), everyone[2..5]);

    let one = crowd
        .get("/group/user/nested?groupname=all-staff&username=VNOVAK")
        .await;
    assert_eq!(one.body["name"], "vnovak");
    assert_refused(
        &crowd
            .get("/group/user/direct?groupname=all-staff&username=vnovak")
            .await,
        404,
        "MEMBERSHIP_NOT_FOUND",
    );
    assert_refused(
        &crowd.get("/group/user/nested?groupname=nope").await,
        404,
        "GROUP_NOT_FOUND",
    );
}

#[tokio::test]
async fn a_users_groups_are_listed_direct_or_nested() {
    let crowd = Crowd::start().await;
    let direct = crowd.get("/user/group/direct?username=vnovak").await;
    assert_eq!(direct.status, StatusCode::OK);
    assert_success_body(&direct.body);
    assert_eq!(
        names(&direct.body, "groups"),
        ["developers", "jira-software-users"]
    );
    let nested = crowd.get("/user/group/nested?username=vnovak").await;
    assert_eq!(
        names(&nested.body, "groups"),
        [
            "all-staff",
            "bitbucket-users",
            "developers",
            "engineering",
            "jira-software-users"
        ]
    );
    let page = crowd
        .get("/user/group/nested?username=vnovak&start-index=1&max-results=2")
        .await;
    assert_eq!(
        names(&page.body, "groups"),
        ["bitbucket-users", "developers"]
    );
    let full = crowd
        .get("/user/group/nested?username=vnovak&expand=group")
        .await;
    assert_eq!(full.body["groups"][0]["type"], "GROUP");
    let one = crowd
        .get("/user/group/nested?username=vnovak&groupname=ENGINEERING")
        .await;
    assert_eq!(one.body["name"], "engineering");
    assert_refused(
        &crowd
            .get("/user/group/direct?username=vnovak&groupname=engineering")
            .await,
        404,
        "MEMBERSHIP_NOT_FOUND",
    );
    assert_refused(
        &crowd.get("/user/group/nested?username=nobody").await,
        404,
        "USER_NOT_FOUND",
    );
}

#[tokio::test]
async fn groups_nest_in_groups() {
    let crowd = Crowd::start().await;
    let children = crowd
        .get("/group/child-group/direct?groupname=all-staff")
        .await;
    assert_eq!(
        names(&children.body, "groups"),
        [
            "confluence-users",
            "engineering",
            "jira-servicemanagement-users"
        ]
    );
    let below = crowd
        .get("/group/child-group/nested?groupname=all-staff")
        .await;
    assert!(names(&below.body, "groups").contains(&"developers".to_owned()));
    let parents = crowd
        .get("/group/parent-group/nested?groupname=developers")
        .await;
    assert_eq!(
        names(&parents.body, "groups"),
        [
            "all-staff",
            "bitbucket-users",
            "engineering",
            "jira-software-users"
        ]
    );

    // python-crowd's add_child_group and remove_child_group.
    let added = crowd
        .send(
            Method::POST,
            "/group/child-group/direct?groupname=engineering",
            json!({"name": "crowd-administrators"}),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED);
    let admins = crowd
        .get("/user/group/nested?username=twielgosz&groupname=engineering")
        .await;
    assert_eq!(admins.status, StatusCode::OK);
    assert_refused(
        &crowd
            .send(
                Method::POST,
                "/group/child-group/direct?groupname=engineering",
                json!({"name": "crowd-administrators"}),
            )
            .await,
        409,
        "MEMBERSHIP_ALREADY_EXISTS",
    );
    assert_refused(
        &crowd
            .send(
                Method::POST,
                "/group/child-group/direct?groupname=developers",
                json!({"name": "all-staff"}),
            )
            .await,
        400,
        "INVALID_MEMBERSHIP",
    );
    assert_refused(
        &crowd
            .send(
                Method::POST,
                "/group/child-group/direct?groupname=engineering",
                json!({"name": "nope"}),
            )
            .await,
        400,
        "GROUP_NOT_FOUND",
    );
    let removed = answer(crowd.python(
        Method::DELETE,
        "/group/child-group/direct?groupname=engineering&child-groupname=crowd-administrators",
    ))
    .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    let again = answer(crowd.python(
        Method::DELETE,
        "/group/child-group/direct?groupname=engineering&child-groupname=crowd-administrators",
    ))
    .await;
    assert_refused(&again, 404, "MEMBERSHIP_NOT_FOUND");
}

#[tokio::test]
async fn group_searches_and_memberships_show_the_groups_themselves() {
    let crowd = Crowd::start().await;
    let found = crowd
        .get("/search?entity-type=group&restriction=name%20%3D%20%22*staff*%22&expand=group")
        .await;
    assert_eq!(names(&found.body, "groups"), ["all-staff"]);
    assert_eq!(
        found.body["groups"][0]["description"],
        "Everyone employed by Example Ltd"
    );
    let (app, password) = &crowd.sim.state.credentials.crowd;
    let xml = crowd
        .http
        .get(crowd.url("/group/membership"))
        .basic_auth(app, Some(password))
        .header("accept", "application/xml")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let root = roster::simulator::crowd::xml::parse(&xml).unwrap();
    let staff = root
        .children
        .iter()
        .find(|m| {
            m.attributes
                .contains(&("group".to_owned(), "all-staff".to_owned()))
        })
        .unwrap();
    let children: Vec<&str> = staff
        .child("groups")
        .unwrap()
        .children
        .iter()
        .map(|g| g.attributes[0].1.as_str())
        .collect();
    assert_eq!(
        children,
        [
            "confluence-users",
            "engineering",
            "jira-servicemanagement-users"
        ]
    );
}
