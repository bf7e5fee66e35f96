//! Decoding and mapping: a page of 1,000 users of each service, decoded from JSON into the
//! client's wire types and mapped to `UserSummary` exactly as each `list_users` does; precedence
//! resolution of a 10-candidate chain; a Looker record with 16 attributes. The page bodies are
//! built here in the shapes the vendors document (Looker 4.0 `User[]`, Crowd
//! `GET /search?entity-type=user&expand=user`, SCIM `ListResponse`), with the fields a real
//! server sends that roster ignores, so decoding pays for them too. Measures only.

mod support;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use roster::domain::precedence::{Unresolved, resolve};
use roster::domain::{CandidateKind, UserSummary};
use roster::service::{crowd, looker, scim};
use serde_json::{Value, json};
use std::hint::black_box;

const PAGE: usize = 1_000;

/// `(first, last, number)` of each user of the page.
fn people() -> Vec<(&'static str, &'static str, usize)> {
    let mut rng = support::Rng::new();
    (0..PAGE).map(|i| support::person(&mut rng, i)).collect()
}

fn login(first: &str, last: &str, n: usize) -> String {
    format!("{}.{}{n}", first.to_lowercase(), last.to_lowercase())
}

/// Looker `GET /api/4.0/users`: a JSON array of `User`.
fn looker_page() -> Vec<u8> {
    let users: Vec<Value> = people()
        .into_iter()
        .map(|(first, last, n)| {
            let email = format!("{}@example.com", login(first, last, n));
            json!({
                "can": {"show": true, "index": true, "show_details": true, "index_details": true,
                        "sudo": true, "edit": true, "destroy": true, "show_creds": true},
                "avatar_url": format!("https://example.looker.com/avatar/{n}?s=156"),
                "avatar_url_without_sizing": format!("https://example.looker.com/avatar/{n}"),
                "credentials_api3": [],
                "credentials_email": {"can": {}, "created_at": "2024-03-01T10:00:00.000+00:00",
                    "user_id": n.to_string(), "email": email, "forced_password_reset_at_next_login": false,
                    "is_disabled": false, "logged_in_at": "2025-01-02T09:30:00.000+00:00",
                    "password_reset_url": null, "account_setup_url": null, "type": "email",
                    "url": format!("https://example.looker.com/api/4.0/users/{n}/credentials_email"),
                    "user_url": format!("https://example.looker.com/api/4.0/users/{n}")},
                "credentials_embed": [],
                "credentials_google": null,
                "credentials_ldap": null,
                "credentials_looker_openid": null,
                "credentials_oidc": null,
                "credentials_saml": null,
                "credentials_totp": null,
                "display_name": format!("{first} {last}"),
                "email": email,
                "embed_group_space_id": null,
                "first_name": first,
                "group_ids": ["1", (n % 40 + 2).to_string()],
                "home_folder_id": "1",
                "id": n.to_string(),
                "is_disabled": n % 7 == 0,
                "last_name": last,
                "locale": "en",
                "looker_versions": ["25.0.0"],
                "models_dir_validated": null,
                "personal_folder_id": (n + 1000).to_string(),
                "presumed_looker_employee": false,
                "role_ids": ["2"],
                "sessions": [],
                "ui_state": null,
                "verified_looker_employee": false,
                "roles_externally_managed": false,
                "allow_direct_roles": true,
                "allow_normal_group_membership": true,
                "allow_roles_from_normal_groups": true,
                "embed_group_folder_id": null,
                "is_iam_admin": false,
                "url": format!("https://example.looker.com/api/4.0/users/{n}")
            })
        })
        .collect();
    serde_json::to_vec(&users).unwrap_or_default()
}

/// Crowd `GET /rest/usermanagement/1/search?entity-type=user&expand=user`.
fn crowd_page() -> Vec<u8> {
    let base = "https://crowd.example.com/crowd/rest/usermanagement/1";
    let users: Vec<Value> = people()
        .into_iter()
        .map(|(first, last, n)| {
            let name = login(first, last, n);
            json!({
                "link": {"href": format!("{base}/user?username={name}"), "rel": "self"},
                "name": name,
                "key": format!("32769:{n:08x}-1b2c-4d5e-8f90-{n:012x}"),
                "first-name": first,
                "last-name": last,
                "display-name": format!("{first} {last}"),
                "email": format!("{name}@example.com"),
                "password": {"link": {"href": format!("{base}/user/password?username={name}"), "rel": "edit"}},
                "active": n % 7 != 0,
                "attributes": {"link": {"href": format!("{base}/user/attribute?username={name}"), "rel": "self"}, "attributes": []},
                "created-date": 1_700_000_000_000u64 + n as u64,
                "updated-date": 1_710_000_000_000u64 + n as u64,
                "directory-id": 32769,
                "directory-name": "Crowd Internal Directory"
            })
        })
        .collect();
    serde_json::to_vec(&json!({"expand": "user", "users": users})).unwrap_or_default()
}

/// SCIM `GET /scim/directory/{id}/Users?startIndex=1&count=1000`: a `ListResponse` of whole
/// resources (a server that ignores `attributes=`), or, with `summary`, of the attributes roster
/// asks for (`scim::client::SUMMARY_ATTRIBUTES`) plus `id`, which RFC 7643 always returns.
fn scim_page(summary: bool) -> Vec<u8> {
    let base = "https://api.atlassian.com/scim/directory/d0c5/Users";
    let users: Vec<Value> = people()
        .into_iter()
        .map(|(first, last, n)| {
            let name = login(first, last, n);
            let id = format!("{n:08x}-7d3a-4b1e-9c2f-{n:012x}");
            json!({
                "schemas": [scim::wire::CORE_USER, scim::wire::ENTERPRISE_USER, scim::wire::ATLASSIAN_EXTERNAL],
                "id": id,
                "externalId": format!("ext-{n}"),
                "userName": format!("{name}@example.com"),
                "name": {"formatted": format!("{first} {last}"), "familyName": last, "givenName": first},
                "displayName": format!("{first} {last}"),
                "nickName": first,
                "title": "Engineer",
                "preferredLanguage": "en-US",
                "timezone": "Europe/London",
                "active": n % 7 != 0,
                "emails": [{"value": format!("{name}@example.com"), "type": "work", "primary": true}],
                "phoneNumbers": [{"value": "+44 20 7946 0000", "type": "work", "primary": true}],
                "groups": [{"value": format!("g-{}", n % 40), "display": "engineering", "type": "direct"}],
                scim::wire::ENTERPRISE_USER: {"organization": "Example", "department": "R&D"},
                scim::wire::ATLASSIAN_EXTERNAL: {"atlassianAccountId": format!("5b10ac8d82e05b22cc7d{n:04}")},
                "meta": {"resourceType": "User", "created": "2024-03-01T10:00:00.000Z",
                         "lastModified": "2025-01-02T09:30:00.000Z", "location": format!("{base}/{id}")}
            })
        })
        .collect();
    let users: Vec<Value> = if summary {
        let wanted: Vec<&str> = scim::client::SUMMARY_ATTRIBUTES.split(',').collect();
        users
            .into_iter()
            .map(|mut user| {
                if let Some(map) = user.as_object_mut() {
                    map.retain(|key, _| key == "id" || wanted.contains(&key.as_str()));
                }
                user
            })
            .collect()
    } else {
        users
    };
    serde_json::to_vec(&json!({
        "schemas": [scim::wire::LIST_RESPONSE],
        "totalResults": 100_000,
        "startIndex": 1,
        "itemsPerPage": PAGE,
        "Resources": users
    }))
    .unwrap_or_default()
}

/// Decodes a page body and maps it to list rows, as a service's `list_users` does.
type Decode = fn(&[u8]) -> Vec<UserSummary>;

fn decode_looker(body: &[u8]) -> Vec<UserSummary> {
    let users: Vec<looker::wire::User> = serde_json::from_slice(body).unwrap_or_default();
    users.iter().map(looker::mapping::summary).collect()
}

fn decode_crowd(body: &[u8]) -> Vec<UserSummary> {
    serde_json::from_slice::<crowd::wire::UserSearch>(body)
        .map(|page| page.users.iter().map(crowd::mapping::summary).collect())
        .unwrap_or_default()
}

fn decode_scim(body: &[u8]) -> Vec<UserSummary> {
    serde_json::from_slice::<scim::wire::ListResponse<scim::wire::Listed<scim::wire::User>>>(body)
        .map(|list| {
            list.resources
                .into_iter()
                .filter_map(scim::client::summary_of)
                .collect()
        })
        .unwrap_or_default()
}

fn pages(c: &mut Criterion) {
    let mut group = c.benchmark_group("page_of_1000");
    group.throughput(Throughput::Elements(PAGE as u64));
    let services: [(&str, Vec<u8>, Decode); 4] = [
        ("looker", looker_page(), decode_looker),
        ("crowd", crowd_page(), decode_crowd),
        ("scim", scim_page(false), decode_scim),
        ("scim_summary_attributes", scim_page(true), decode_scim),
    ];
    for (name, body, decode) in &services {
        let decoded = decode(body);
        assert_eq!(decoded.len(), PAGE, "{name}: the page decodes");
        assert!(
            decoded.iter().all(|u| u.email.is_some()),
            "{name}: emails map"
        );
        group.bench_function(*name, |b| b.iter(|| decode(black_box(body))));
    }
    group.finish();
}

/// A chain of 10: the user's value, eight groups in shuffled rank order, the default.
fn chain() -> Vec<Unresolved> {
    let mut chain = vec![Unresolved {
        kind: CandidateKind::Default,
        source: "Default".to_owned(),
        rank: None,
        values: vec!["ALL".to_owned()],
    }];
    for rank in [5, 2, 8, 1, 7, 3, 6, 4] {
        chain.push(Unresolved {
            kind: CandidateKind::Group,
            source: format!("Group: team-{rank}"),
            rank: Some(rank),
            values: vec![format!("region-{rank}")],
        });
    }
    chain.push(Unresolved {
        kind: CandidateKind::User,
        source: "User".to_owned(),
        rank: None,
        values: vec!["EMEA".to_owned()],
    });
    chain
}

/// Looker's attribute definitions (16, four of them system ones) and a user's values on their
/// lookup paths (user value, two groups, default), as `GET /user_attributes` and
/// `GET /users/{id}/attribute_values?all_values=true&include_unset=true` return them.
fn looker_attributes() -> (
    Vec<looker::wire::UserAttribute>,
    Vec<looker::wire::UserAttributeWithValue>,
) {
    let system = ["email", "first_name", "last_name", "locale"];
    let mut definitions = Vec::new();
    let mut values = Vec::new();
    for i in 0..16 {
        let name = system
            .get(i)
            .map_or_else(|| format!("custom_{i}"), |s| (*s).to_owned());
        let id = (i + 1).to_string();
        definitions.push(json!({
            "can": {"show": true, "index": true, "update": true, "destroy": true},
            "id": id, "name": name, "label": name.replace('_', " "), "type": "string",
            "default_value": if i % 3 == 0 { Value::from("ALL") } else { Value::Null },
            "is_system": i < system.len(), "is_permanent": i < system.len(),
            "value_is_hidden": i == 15, "user_can_view": true, "user_can_edit": i % 2 == 0,
            "hidden_value_domain_whitelist": if i == 15 { Value::from("https://ok.example.com/*") } else { Value::Null },
            "url": format!("https://example.looker.com/api/4.0/user_attributes/{id}")
        }));
        values.push(json!({"name": name, "label": name, "rank": null, "value": format!("mine-{i}"),
            "user_id": "7", "user_can_edit": true, "value_is_hidden": i == 15, "user_attribute_id": id,
            "source": "User", "hidden_value_domain_whitelist": null, "can": {"show": true, "set_value": true}}));
        for rank in [2, 1] {
            values.push(json!({"name": name, "label": name, "rank": rank, "value": format!("group-{rank}"),
                "user_id": "7", "user_can_edit": true, "value_is_hidden": i == 15, "user_attribute_id": id,
                "source": format!("Group: team-{rank}"), "hidden_value_domain_whitelist": null,
                "can": {"show": true, "set_value": true}}));
        }
        values.push(json!({"name": name, "label": name, "rank": null, "value": "ALL",
            "user_id": "7", "user_can_edit": true, "value_is_hidden": i == 15, "user_attribute_id": id,
            "source": "Default", "hidden_value_domain_whitelist": null, "can": {"show": true, "set_value": true}}));
    }
    (
        serde_json::from_value(Value::Array(definitions)).unwrap_or_default(),
        serde_json::from_value(Value::Array(values)).unwrap_or_default(),
    )
}

fn domain(c: &mut Criterion) {
    let chain = chain();
    c.bench_function("precedence_resolve_10_candidates", |b| {
        b.iter_batched(|| chain.clone(), resolve, BatchSize::SmallInput);
    });
    let (definitions, values) = looker_attributes();
    assert_eq!(
        (definitions.len(), values.len()),
        (16, 64),
        "attribute fixtures decode"
    );
    let raw = json!({"id": "7", "first_name": "Ada", "last_name": "Lovelace", "display_name": "Ada Lovelace",
        "email": "ada@example.com", "is_disabled": false, "locale": "en", "group_ids": ["1", "2"],
        "credentials_email": {"email": "ada@example.com"}});
    let user: Option<looker::wire::User> = serde_json::from_value(raw.clone()).ok();
    let Some(user) = user else {
        panic!("the Looker user fixture does not decode");
    };
    c.bench_function("looker_record_16_attributes", |b| {
        b.iter_batched(
            || raw.clone(),
            |raw| looker::mapping::record("looker", &user, raw, &definitions, &values),
            BatchSize::SmallInput,
        );
    });
}

criterion_group!(benches, pages, domain);
criterion_main!(benches);
