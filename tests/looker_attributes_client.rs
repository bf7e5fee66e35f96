//! roster's Looker client at the level of one attribute, against the simulator over loopback:
//! the definition by name or id, group names read once, every user's groups, own values read
//! per user, the resolver's inputs (and a blast radius that the simulator then bears out), the
//! planned group-value and definition writes sent as planned, and the groups of a user record.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use roster::domain::resolution::{AttributeChange, Stored, ValueSource};
use roster::service::http::HttpClient;
use roster::service::looker::Client;
use roster::service::looker::attributes::{AttributeSettings, HIDDEN_CANNOT_RERANK};
use roster::service::{Directory, ServiceError};
use roster::simulator::RunningSimulator;
use serde_json::json;

fn client(sim: &RunningSimulator) -> Client {
    Client::new(
        HttpClient::new("looker", false).unwrap(),
        &sim_looker_connection(sim, false),
    )
    .unwrap()
}

#[tokio::test]
async fn the_definition_is_found_by_name_or_id() {
    let sim = start_sim(0).await;
    let client = client(&sim);
    let by_name = client
        .attribute_definition("workload_region")
        .await
        .unwrap();
    assert_eq!(by_name.id, "17");
    assert_eq!(by_name.default_value.as_deref(), Some("us-central1"));
    assert_eq!(
        client.attribute_definition("17").await.unwrap().name,
        "workload_region"
    );
    let missing = client.attribute_definition("nope").await.unwrap_err();
    assert!(matches!(missing, ServiceError::NotFound(_)), "{missing}");
}

#[tokio::test]
async fn group_names_are_read_once_and_again_for_a_group_not_known() {
    let sim = start_sim(0).await;
    let client = client(&sim);
    let names = client.group_names(&[]).await.unwrap();
    assert_eq!(names.get("4").map(String::as_str), Some("Support"));
    sim.state.looker().groups.insert(4, "Renamed".to_owned());
    let cached = client.group_names(&["4".to_owned()]).await.unwrap();
    assert_eq!(
        cached.get("4").map(String::as_str),
        Some("Support"),
        "cached"
    );
    sim.state.looker().groups.insert(40, "Newcomers".to_owned());
    let fresh = client.group_names(&["40".to_owned()]).await.unwrap();
    assert_eq!(fresh.get("40").map(String::as_str), Some("Newcomers"));
    assert_eq!(fresh.get("4").map(String::as_str), Some("Renamed"));
}

#[tokio::test]
async fn every_user_is_listed_with_their_groups_and_own_values_are_read_per_user() {
    let sim = start_sim(30).await;
    let client = client(&sim);
    let members = client.members().await.unwrap();
    assert_eq!(members.len(), DEMO_LOOKER_USERS + 30);
    let priya = members.iter().find(|m| m.user_id == "1").unwrap();
    assert_eq!(priya.group_ids, ["1", "3", "4"]);
    assert_eq!(priya.user, "priya.raman@example.com");
    assert!(
        members
            .iter()
            .all(|m| m.group_ids.contains(&"1".to_owned()))
    );

    let region = client.attribute_definition("region").await.unwrap();
    let ids = vec!["1".to_owned(), "16".to_owned(), "999999".to_owned()];
    let refused = client.own_values(&region, &ids, 2).await.unwrap_err();
    assert!(
        matches!(&refused, ServiceError::Status(s) if s.status == 404),
        "{refused}"
    );
    let (values, default_seen) = client.own_values(&region, &ids[..2], 2).await.unwrap();
    assert_eq!(values, [Some(Stored::Text("APAC".to_owned())), None]);
    assert!(default_seen);
    let secret = client.attribute_definition("db_password").await.unwrap();
    let (values, default_seen) = client.own_values(&secret, &ids[..2], 1).await.unwrap();
    assert_eq!(values, [Some(Stored::Hidden), None]);
    assert!(!default_seen, "db_password has no default");
}

#[tokio::test]
async fn the_resolvers_inputs_match_the_simulator_and_its_blast_radius_comes_true() {
    let sim = start_sim(24).await;
    let client = client(&sim);
    let (definition, state) = client.attribute_state("workload_region").await.unwrap();
    let order: Vec<(&str, &str, i64)> = state
        .group_values()
        .iter()
        .map(|g| (g.group_id.as_str(), g.group_name.as_str(), g.rank))
        .collect();
    assert_eq!(
        order,
        [
            ("2", "Engineering", 1),
            ("4", "Support", 2),
            ("1", "All Users", 3)
        ]
    );
    assert_eq!(state.members().len(), DEMO_LOOKER_USERS + 24);
    // Every effective value is what the simulator's own lookup path says.
    for member in state.members() {
        let expected = {
            let store = sim.state.looker();
            let user = store.user(member.user_id.parse().unwrap()).unwrap();
            let path = store.lookup_path(user, store.attribute(17).unwrap());
            path.first().and_then(|v| v.value.clone())
        };
        assert_eq!(
            state.resolve(member).value,
            expected,
            "user {}",
            member.user_id
        );
    }

    // All Users first: every Engineering and Support member changes to us-east1.
    let change = AttributeChange::Rank {
        group_ids: vec!["1".into(), "2".into(), "4".into()],
    };
    let radius = state.blast_radius(&change).unwrap();
    let expected_count = {
        let store = sim.state.looker();
        store
            .users
            .values()
            .filter(|u| u.group_ids.contains(&2) || u.group_ids.contains(&4))
            .count()
    };
    assert!(
        expected_count > 20,
        "the seed makes this rank move a big one"
    );
    assert_eq!(radius.count(), expected_count);
    assert!(
        radius
            .affected
            .iter()
            .all(|a| a.after.value.as_deref() == Some("us-east1"))
    );

    let mut listed = client.group_values(&definition.id).await.unwrap();
    let all_users = listed.remove(2);
    listed.insert(0, all_users);
    let request = client
        .set_group_values_request(&definition, &listed)
        .unwrap();
    assert_eq!(
        request.body.as_ref().unwrap(),
        &json!([
            {"group_id": "1", "value": "us-east1", "rank": 1},
            {"group_id": "2", "value": "europe-west1", "rank": 2},
            {"group_id": "4", "value": "asia-southeast1", "rank": 3}
        ])
    );
    assert!(!request.idempotent, "a POST is never retried blindly");
    client.send_planned(&request).await.unwrap();
    let (_, after) = client.attribute_state("17").await.unwrap();
    for affected in &radius.affected {
        let member = after
            .members()
            .iter()
            .find(|m| m.user_id == affected.user_id)
            .unwrap();
        assert_eq!(after.resolve(member), affected.after, "as the preview said");
    }
    let changed = state
        .members()
        .iter()
        .zip(after.members())
        .filter(|(before, now)| state.resolve(before).value != after.resolve(now).value)
        .count();
    assert_eq!(changed, radius.count(), "and nobody else changed");
}

#[tokio::test]
async fn a_hidden_attribute_is_resolved_without_a_value_in_sight() {
    let sim = start_sim(0).await;
    let client = client(&sim);
    let (definition, state) = client.attribute_state("db_password").await.unwrap();
    assert!(state.definition().hidden && state.definition().default.is_none());
    assert!(
        state
            .group_values()
            .iter()
            .all(|g| g.value == Stored::Hidden)
    );
    let priya = state.members().iter().find(|m| m.user_id == "1").unwrap();
    assert_eq!(state.resolve(priya).source, ValueSource::User);
    assert_no_seeded_secret(&format!("{state:?} {definition:?}"));
    let refused = client
        .set_group_values_request(&definition, &client.group_values("15").await.unwrap())
        .unwrap_err();
    assert!(
        refused.to_string().contains(HIDDEN_CANNOT_RERANK),
        "{refused}"
    );
    let request = client.set_group_value_request("8", &definition, "new-secret");
    assert!(
        request.confidential,
        "a hidden value is masked in every preview"
    );
}

#[tokio::test]
async fn group_value_and_definition_writes_are_planned_exactly_and_land() {
    let sim = start_sim(0).await;
    let client = client(&sim);
    let definition = client
        .attribute_definition("workload_region")
        .await
        .unwrap();
    let base = format!("{}/looker/api/4.0", sim.base_url());

    let set = client.set_group_value_request("3", &definition, "northamerica-northeast1");
    assert_eq!(set.method, reqwest::Method::PATCH);
    assert_eq!(
        set.url.as_str(),
        format!("{base}/groups/3/attribute_values/17")
    );
    assert_eq!(set.body, Some(json!({"value": "northamerica-northeast1"})));
    assert!(set.idempotent && !set.confidential);
    client.send_planned(&set).await.unwrap();

    let delete = client.delete_group_value_request("1", "17");
    assert_eq!(delete.method, reqwest::Method::DELETE);
    assert_eq!(
        delete.url.as_str(),
        format!("{base}/groups/1/attribute_values/17")
    );
    assert!(delete.body.is_none());
    assert_eq!(client.send_planned(&delete).await.unwrap(), None);

    let settings = AttributeSettings {
        default_value: Some(Some("us-west1".to_owned())),
        user_can_edit: Some(true),
        ..AttributeSettings::default()
    };
    let update = client
        .update_attribute_request(&definition, &settings)
        .unwrap();
    assert_eq!(update.method, reqwest::Method::PATCH);
    assert_eq!(update.url.as_str(), format!("{base}/user_attributes/17"));
    assert_eq!(
        update.body,
        Some(json!({
            "name": "workload_region", "label": "Workload Region", "type": "string",
            "default_value": "us-west1", "user_can_edit": true
        }))
    );
    let answered = client.send_planned(&update).await.unwrap().unwrap();
    assert_eq!(answered["default_value"], "us-west1");

    let store = sim.state.looker();
    let values: Vec<(u64, i64, &str)> = store
        .group_values_of(17)
        .iter()
        .map(|g| (g.group_id, g.rank, g.value.as_str()))
        .collect();
    assert_eq!(
        values,
        [
            (2, 1, "europe-west1"),
            (4, 2, "asia-southeast1"),
            (3, 4, "northamerica-northeast1")
        ]
    );
    let stored = store.attribute(17).unwrap();
    assert_eq!(stored.default_value.as_deref(), Some("us-west1"));
    assert!(stored.user_can_edit);
}

#[tokio::test]
async fn definition_changes_looker_refuses_are_refused_before_planning() {
    let sim = start_sim(0).await;
    let client = client(&sim);
    let hidden = client.attribute_definition("db_password").await.unwrap();
    let visible = AttributeSettings {
        value_is_hidden: Some(false),
        ..AttributeSettings::default()
    };
    let refused = client
        .update_attribute_request(&hidden, &visible)
        .unwrap_err();
    assert!(refused.to_string().contains("made visible"), "{refused}");
    let allowlist = AttributeSettings {
        hidden_value_domain_whitelist: Some("https://elsewhere.example.net/*".to_owned()),
        ..AttributeSettings::default()
    };
    let refused = client
        .update_attribute_request(&hidden, &allowlist)
        .unwrap_err();
    assert!(refused.to_string().contains("allow-list"), "{refused}");
    let cost_center = client.attribute_definition("cost_center").await.unwrap();
    let wrong_type = AttributeSettings {
        default_value: Some(Some("lots".to_owned())),
        ..AttributeSettings::default()
    };
    let refused = client
        .update_attribute_request(&cost_center, &wrong_type)
        .unwrap_err();
    assert!(refused.to_string().contains("not a number"), "{refused}");
    // A new default of a hidden attribute is a hidden value: masked in every preview.
    let default = AttributeSettings {
        default_value: Some(Some("fallback-secret".to_owned())),
        ..AttributeSettings::default()
    };
    let request = client.update_attribute_request(&hidden, &default).unwrap();
    assert!(request.confidential);
    assert!(
        !request
            .shown_body()
            .unwrap()
            .to_string()
            .contains("fallback-secret")
    );
}

#[tokio::test]
async fn a_user_record_lists_the_users_looker_groups() {
    let sim = start_sim(0).await;
    let client = client(&sim);
    let record = client.read_user("1").await.unwrap();
    let groups: Vec<(&str, &str, bool, &str)> = record
        .groups
        .iter()
        .map(|g| (g.name.as_str(), g.id.as_str(), g.direct, g.source.as_str()))
        .collect();
    assert_eq!(
        groups,
        [
            ("All Users", "1", true, "looker"),
            ("Sales", "3", true, "looker"),
            ("Support", "4", true, "looker")
        ]
    );
    let json = serde_json::to_value(&record).unwrap();
    assert_eq!(
        json["groups"][1],
        json!({"name": "Sales", "id": "3", "direct": true, "source": "looker"})
    );
}
