//! The Crowd client against the simulated Crowd API over loopback: paging, finding, reading,
//! and every kind of write, each checked by reading the user again.

#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use roster::config::{Connection, Credentials};
use roster::domain::{Edit, ServiceKind};
use roster::secret::Secret;
use roster::service::crowd::Client;
use roster::service::http::HttpClient;
use roster::service::{AnyDirectory, ListQuery, OpenOptions, ServiceError};
use roster::simulator::{RunningSimulator, SimOptions, start};
use roster::write::WriteError;

mod writes;
use serde_json::json;
use writes::{write, written};

fn connection(sim: &RunningSimulator, read_only: bool) -> Connection {
    let (user, password) = sim.state.credentials.crowd.clone();
    Connection {
        name: "crowd".to_owned(),
        kind: ServiceKind::Crowd,
        url: format!("{}/crowd", sim.base_url()).parse().unwrap(),
        read_only,
        credentials: Credentials::Basic {
            username: user,
            password: Secret::new(password),
        },
        timeout: None,
        max_concurrency: None,
    }
}

fn open(sim: &RunningSimulator) -> AnyDirectory {
    AnyDirectory::open(&connection(sim, false), OpenOptions::default()).unwrap()
}

#[tokio::test]
async fn lists_every_user_across_pages_of_the_default_size() {
    let sim = start(&SimOptions {
        users: 2500,
        ..SimOptions::default()
    })
    .await
    .unwrap();
    let expected = sim.state.crowd().users.len();
    assert!(expected > 2500);
    let directory = open(&sim);
    let mut pages = Vec::new();
    directory
        .list_users(&ListQuery::default(), &mut |page| {
            assert_eq!(page.total, None, "Crowd announces no total");
            pages.push(page.users.len());
        })
        .await
        .unwrap();
    assert_eq!(pages.len(), 3, "pages of 1000: {pages:?}");
    assert_eq!(pages.iter().sum::<usize>(), expected);
    let users = directory
        .collect_users(&ListQuery::default())
        .await
        .unwrap();
    let mut ids: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
    let listed = ids.clone();
    ids.sort_unstable_by_key(|id| id.to_lowercase());
    ids.dedup();
    assert_eq!(ids.len(), expected, "no user twice");
    assert_eq!(listed, ids, "delivered in the service's (name) order");
}

#[tokio::test]
async fn small_pages_fetched_ahead_stop_at_the_limit_and_at_a_short_page() {
    let sim = start(&SimOptions {
        users: 40,
        ..SimOptions::default()
    })
    .await
    .unwrap();
    let total = sim.state.crowd().users.len();
    let http = HttpClient::new("crowd", false).unwrap();
    let client = Client::new(http, &connection(&sim, false))
        .unwrap()
        .with_page_size(7);
    let sizes = Arc::new(Mutex::new(Vec::new()));
    let seen = sizes.clone();
    client
        .all_users(None, Some(30), None, &mut |users| {
            seen.lock().unwrap().push(users.items.len())
        })
        .await
        .unwrap();
    assert_eq!(*sizes.lock().unwrap(), [7, 7, 7, 7, 2]);
    sizes.lock().unwrap().clear();
    let seen = sizes.clone();
    client
        .all_users(None, None, None, &mut |users| {
            seen.lock().unwrap().push(users.items.len())
        })
        .await
        .unwrap();
    let sizes = sizes.lock().unwrap().clone();
    assert_eq!(sizes.iter().sum::<usize>(), total);
    assert!(
        sizes[..sizes.len() - 1].iter().all(|s| *s == 7),
        "{sizes:?}"
    );
    assert!(*sizes.last().unwrap() < 7);
}

#[tokio::test]
async fn a_filter_is_searched_on_the_server() {
    let sim = start(&SimOptions::default()).await.unwrap();
    let directory = open(&sim);
    let query = ListQuery {
        filter: Some("RAMAN".to_owned()),
        limit: None,
        ..ListQuery::default()
    };
    let users = directory.collect_users(&query).await.unwrap();
    assert_eq!(
        users.iter().map(|u| u.id.as_str()).collect::<Vec<_>>(),
        ["praman"]
    );
    let summary = &users[0];
    assert_eq!(summary.username.as_deref(), Some("praman"));
    assert_eq!(summary.display_name.as_deref(), Some("Priya Raman"));
    assert_eq!(summary.email.as_deref(), Some("priya.raman@example.com"));
    assert!(summary.active);
    let by_domain = ListQuery {
        filter: Some("example.org".to_owned()),
        limit: None,
        ..ListQuery::default()
    };
    let mut ids: Vec<String> = directory
        .collect_users(&by_domain)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.id)
        .collect();
    ids.sort();
    assert_eq!(ids, ["lnavarro", "vnovak"]);
}

#[tokio::test]
async fn finds_by_username_or_email_and_reads_the_whole_record() {
    let sim = start(&SimOptions::default()).await.unwrap();
    let directory = open(&sim);
    let record = directory.find_user("praman").await.unwrap();
    assert_eq!(record.kind, ServiceKind::Crowd);
    assert_eq!(record.id, "praman");
    let by_email = directory
        .find_user("Priya.Raman@example.com")
        .await
        .unwrap();
    assert_eq!(by_email.id, "praman");
    // An email that differs from the person's usual one (a deliberate typo in the seed).
    assert_eq!(
        directory
            .find_user("noor.alsayed@exmaple.com")
            .await
            .unwrap()
            .id,
        "nalsayed"
    );
    let skills = record.attribute("skills").unwrap();
    assert_eq!(skills.values, ["salesforce", "forecasting", "sql"]);
    assert!(skills.meta.multi_valued && !skills.locked && !skills.meta.system);
    assert_eq!(skills.source, "user");
    for system in [
        "requiresPasswordChange",
        "invalidPasswordAttempts",
        "passwordLastChanged",
        "lastAuthenticated",
    ] {
        let attribute = record.attribute(system).unwrap();
        assert!(attribute.meta.system && attribute.locked, "{system}");
        assert_eq!(attribute.values.len(), 1);
    }
    assert!(record.attribute("key").unwrap().values[0].starts_with("32769:"));
    assert_eq!(
        record.attribute("directory").unwrap().values,
        ["Crowd Internal Directory"]
    );
    for missing in ["nobody", "nobody@example.com"] {
        match directory.find_user(missing).await {
            Err(ServiceError::NotFound(message)) => assert!(message.contains(missing)),
            other => panic!("expected not found, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn set_multi_valued_then_unset_round_trips() {
    let sim = start(&SimOptions::default()).await.unwrap();
    let directory = open(&sim);
    let record = directory.find_user("twielgosz").await.unwrap();
    let before_department = record.attribute("department").unwrap().values.clone();
    let edit = Edit::SetAttribute {
        name: "certifications".to_owned(),
        values: vec!["CKA".to_owned(), "AWS SA".to_owned()],
    };
    let plan = directory.plan(Some(&record), &edit).await.unwrap();
    assert_eq!(plan.requests.len(), 1);
    assert_eq!(plan.changes[0].before, None);
    assert_eq!(plan.changes[0].after.as_deref(), Some("CKA, AWS SA"));
    assert!(
        directory
            .find_user("twielgosz")
            .await
            .unwrap()
            .attribute("certifications")
            .is_none(),
        "planning sends nothing"
    );
    assert_eq!(
        written(&directory, Some(&record), edit)
            .await
            .id()
            .as_deref(),
        Some("twielgosz")
    );
    let after = directory.find_user("twielgosz").await.unwrap();
    assert_eq!(
        after.attribute("certifications").unwrap().values,
        ["CKA", "AWS SA"]
    );
    assert_eq!(
        after.attribute("department").unwrap().values,
        before_department,
        "attributes not named stay unchanged"
    );

    let unset = Edit::UnsetAttribute {
        name: "certifications".to_owned(),
    };
    written(&directory, Some(&after), unset).await;
    let gone = directory.find_user("twielgosz").await.unwrap();
    assert!(gone.attribute("certifications").is_none());
    assert!(gone.attribute("department").is_some());
}

#[tokio::test]
async fn update_sends_the_whole_user_and_changes_only_what_was_asked() {
    let sim = start(&SimOptions::default()).await.unwrap();
    let directory = open(&sim);
    let record = directory.find_user("aokonkwo").await.unwrap();
    let edit = Edit::Update {
        fields: vec![
            ("display-name".to_owned(), "Amara O.".to_owned()),
            ("active".to_owned(), "false".to_owned()),
        ],
    };
    let plan = directory.plan(Some(&record), &edit).await.unwrap();
    let body = plan.requests[0].body.clone().unwrap();
    assert_eq!(
        body,
        json!({"name": "aokonkwo", "first-name": "Amara", "last-name": "Okonkwo",
               "display-name": "Amara O.", "email": "amara.okonkwo@example.com", "active": false})
    );
    written(&directory, Some(&record), edit).await;
    let after = directory.find_user("aokonkwo").await.unwrap();
    assert_eq!(after.display_name.as_deref(), Some("Amara O."));
    assert!(!after.active);
    assert_eq!(after.email, record.email);
    assert_eq!(
        after.attribute("first-name").unwrap().values,
        ["Amara"],
        "fields not named keep their values"
    );
}

#[tokio::test]
async fn a_password_change_is_its_own_masked_request() {
    let sim = start(&SimOptions::default()).await.unwrap();
    let directory = open(&sim);
    let record = directory.find_user("mzhou").await.unwrap();
    let edit = Edit::Update {
        fields: vec![("password".to_owned(), "n3w-Secret!".to_owned())],
    };
    let plan = directory.plan(Some(&record), &edit).await.unwrap();
    assert_eq!(plan.requests.len(), 1);
    assert!(plan.requests[0].url.path().ends_with("/user/password"));
    assert!(!plan.describe().contains("n3w-Secret!"));
    let done = written(&directory, Some(&record), edit).await;
    assert!(
        !serde_json::to_string(&done.journal())
            .unwrap()
            .contains("n3w-Secret!"),
        "the journal never holds the password"
    );
    assert_eq!(
        sim.state.crowd().user("mzhou").unwrap().password.as_deref(),
        Some("n3w-Secret!")
    );
}

#[tokio::test]
async fn create_posts_the_user_then_its_attributes() {
    let sim = start(&SimOptions::default()).await.unwrap();
    let directory = open(&sim);
    let resource = json!({
        "name": "new.hire", "first-name": "New", "last-name": "Hire",
        "email": "new.hire@example.com", "password": "pa55-word",
        "attributes": {"department": ["Support"], "skills": ["a", "b"]}
    });
    let plan = directory
        .plan(
            None,
            &Edit::Create {
                resource: resource.clone(),
            },
        )
        .await
        .unwrap();
    let preview = plan.describe();
    assert!(!preview.contains("pa55-word"), "{preview}");
    assert_eq!(plan.requests.len(), 2);
    assert_eq!(
        written(&directory, None, Edit::Create { resource })
            .await
            .id()
            .as_deref(),
        Some("new.hire")
    );
    let created = directory.find_user("new.hire@example.com").await.unwrap();
    assert_eq!(created.display_name.as_deref(), Some("New Hire"));
    assert!(created.active);
    assert_eq!(created.attribute("skills").unwrap().values, ["a", "b"]);
    assert!(created.attribute("requiresPasswordChange").unwrap().locked);
    assert_eq!(
        sim.state
            .crowd()
            .user("new.hire")
            .unwrap()
            .password
            .as_deref(),
        Some("pa55-word")
    );
    // The same name again: Crowd's 400 INVALID_USER comes back as a status error.
    let again = write(
        &directory,
        None,
        Edit::Create {
            resource: json!({"name": "new.hire", "password": {"value": "x"}}),
        },
    )
    .await
    .unwrap();
    assert_eq!(again.outcome(), roster::journal::Outcome::NotApplied);
    assert!(
        again.error().contains("400") && again.error().contains("INVALID_USER"),
        "{}",
        again.error()
    );
}

#[tokio::test]
async fn locked_fields_system_attributes_and_replace_are_refused_before_sending() {
    let sim = start(&SimOptions::default()).await.unwrap();
    let directory = open(&sim);
    let record = directory.find_user("praman").await.unwrap();
    let refused = [
        Edit::SetAttribute {
            name: "invalidPasswordAttempts".to_owned(),
            values: vec!["0".to_owned()],
        },
        Edit::SetAttribute {
            name: "email".to_owned(),
            values: vec!["x@example.com".to_owned()],
        },
        Edit::UnsetAttribute {
            name: "not-there".to_owned(),
        },
        Edit::Update {
            fields: vec![("name".to_owned(), "other".to_owned())],
        },
        Edit::Update {
            fields: vec![("key".to_owned(), "1:2".to_owned())],
        },
        Edit::Update {
            fields: vec![("active".to_owned(), "maybe".to_owned())],
        },
        Edit::Update {
            fields: vec![("email".to_owned(), "not-an-email".to_owned())],
        },
        Edit::Create {
            resource: json!({"name": "nopass"}),
        },
    ];
    for edit in refused {
        match directory.plan(Some(&record), &edit).await {
            Err(ServiceError::Invalid(_)) => {}
            other => panic!("{edit:?} should be refused, got {other:?}"),
        }
    }
    let replace = Edit::Replace {
        resource: json!({}),
    };
    assert!(matches!(
        directory.plan(Some(&record), &replace).await,
        Err(ServiceError::Unsupported(_))
    ));
}

#[tokio::test]
async fn a_read_only_connection_refuses_the_write_itself() {
    let sim = start(&SimOptions::default()).await.unwrap();
    let directory = AnyDirectory::open(&connection(&sim, true), OpenOptions::default()).unwrap();
    let record = directory.find_user("praman").await.unwrap();
    let edit = Edit::SetAttribute {
        name: "skills".to_owned(),
        values: vec!["x".to_owned()],
    };
    assert!(matches!(
        write(&directory, Some(&record), edit).await,
        Err(WriteError::Service(ServiceError::ReadOnly { .. }))
    ));
    assert_eq!(
        sim.state.crowd().user("praman").unwrap().attributes["skills"],
        ["salesforce", "forecasting", "sql"]
    );
}

#[tokio::test]
async fn wrong_application_credentials_are_an_auth_error() {
    let sim = start(&SimOptions::default()).await.unwrap();
    let mut connection = connection(&sim, false);
    connection.credentials = Credentials::Basic {
        username: "roster".to_owned(),
        password: Secret::new("wrong"),
    };
    let directory = AnyDirectory::open(&connection, OpenOptions::default()).unwrap();
    match directory.find_user("praman").await {
        Err(error @ ServiceError::Auth { status: 401, .. }) => {
            let message = error.to_string();
            assert!(
                message.contains("application name and password"),
                "{message}"
            );
            assert!(!message.contains("wrong"));
        }
        other => panic!("expected 401, got {other:?}"),
    }
}
