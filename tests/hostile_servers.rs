//! roster against servers that lie, repeat themselves, ignore what they are asked, trickle or fall
//! silent: every case ends in a bounded outcome (a clear error, or a deduplicated and truthful
//! listing), never a panic, an abort or a hang.
//!
//! The fakes live in `tests/fakes`; the command line is the built binary, the clients are driven
//! through `AnyDirectory`. Deadlines here are generous bounds on hangs, not timings.
#![allow(clippy::unwrap_used)]

mod common;
mod fakes;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use common::{CliEnv, assert_exit, stderr, stdout};
use fakes::{Fake, crowd_page, crowd_user, looker_page, looker_user, scim_list, scim_user};
use roster::config::{Connection, Credentials};
use roster::domain::ServiceKind;
use roster::secret::Secret;
use roster::service::http::{HttpClient, RetryPolicy};
use roster::service::{AnyDirectory, ListQuery, OpenOptions, ServiceError, UsersPage, scim};
use serde_json::Value;

/// The most any case here may take before it counts as a hang.
const HANG: Duration = Duration::from_secs(45);

/// Runs `roster --config … args` on `config` and fails the test if it does not end within [`HANG`].
async fn roster(config: &str, args: &[&str]) -> std::process::Output {
    let env = CliEnv::with_config(config);
    tokio::time::timeout(HANG, env.run(args))
        .await
        .expect("roster ends within the hang bound")
}

fn connection(kind: ServiceKind, url: &str, credentials: Credentials) -> Connection {
    let name = match kind {
        ServiceKind::Crowd => "crowd",
        ServiceKind::Looker => "looker",
        ServiceKind::Scim => "scim",
    };
    Connection {
        name: name.to_owned(),
        kind,
        url: url.parse().unwrap(),
        read_only: false,
        credentials,
        timeout: None,
        max_concurrency: None,
    }
}

fn looker_connection(fake: &Fake, secret: &str) -> Connection {
    let credentials = Credentials::ClientCredentials {
        client_id: "id".to_owned(),
        client_secret: Secret::new(secret),
    };
    connection(
        ServiceKind::Looker,
        &format!("{}/looker", fake.url),
        credentials,
    )
}

fn scim_connection(url: &str, token: &str) -> Connection {
    let credentials = Credentials::Bearer {
        token: Secret::new(token),
    };
    connection(ServiceKind::Scim, &format!("{url}/scim"), credentials)
}

fn open(connection: &Connection) -> AnyDirectory {
    AnyDirectory::open(connection, OpenOptions::default()).unwrap()
}

/// Every page a listing delivered, and its outcome.
async fn pages_of(directory: &AnyDirectory) -> (Vec<UsersPage>, Result<(), ServiceError>) {
    let mut pages = Vec::new();
    let result = tokio::time::timeout(
        HANG,
        directory.list_users(&ListQuery::default(), &mut |page| pages.push(page)),
    )
    .await
    .expect("the listing ends within the hang bound");
    (pages, result)
}

fn json_ids(output: &std::process::Output) -> Vec<String> {
    let rows: Vec<Value> = serde_json::from_str(&stdout(output)).unwrap();
    rows.iter()
        .map(|row| row["id"].as_str().unwrap().to_owned())
        .collect()
}

fn assert_unique(ids: &[String]) {
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "no id twice");
}

/// A Looker directory of `size` users that honours `offset` and `limit` but announces `total`.
fn honest_looker_pages(size: usize, total: &'static str) -> fakes::Pages {
    Arc::new(move |offset, limit| {
        let end = offset.saturating_add(limit).min(size);
        looker_page(
            (offset.min(end)..end).map(|n| looker_user(n + 1)).collect(),
            total,
        )
    })
}

/// A SCIM directory of `size` users that honours `startIndex` and `count` (at most 100) but
/// announces `total`.
fn honest_scim_pages(size: usize, total: &'static str) -> fakes::Pages {
    Arc::new(move |start, count| {
        let first = start.max(1) - 1;
        let end = first.saturating_add(count.min(100)).min(size);
        scim_list((first.min(end)..end).map(scim_user).collect(), total, start)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lying_totals_end_with_the_users_that_exist_and_a_truthful_total() {
    for total in ["18446744073709551615", "50000000000"] {
        let looker = fakes::looker(fakes::LOOKER_LOGIN, honest_looker_pages(1_200, total)).await;
        let scim = fakes::scim(honest_scim_pages(250, total)).await;
        let config = fakes::config(Some(&looker.url), Some(&scim.url), None);
        for (conn, expected) in [("looker", 1_200), ("scim", 250)] {
            let output = roster(&config, &["users", conn, "--format", "json"]).await;
            assert_exit(&output, 0);
            let ids = json_ids(&output);
            assert_eq!(ids.len(), expected, "{conn} with total {total}");
            assert_unique(&ids);
        }
        // The browser's "N of M": no page shows the lie, the last one shows what was listed.
        for (directory, expected) in [
            (open(&looker_connection(&looker, "secret")), 1_200),
            (open(&scim_connection(&scim.url, "key")), 250),
        ] {
            let (pages, result) = pages_of(&directory).await;
            result.unwrap();
            assert!(pages.iter().all(|p| p.total.is_none_or(|t| t <= expected)));
            assert_eq!(pages.last().unwrap().total, Some(expected));
        }
        assert!(looker.requests() < 20, "{} requests", looker.requests());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_that_never_advance_stop_with_a_clear_error() {
    // Looker: the same full page at every offset, a total of 2^64-1, and a next link back to 0.
    let looker = fakes::looker(
        fakes::LOOKER_LOGIN,
        Arc::new(|_, limit| {
            let users = (0..limit).map(|n| looker_user(n + 1)).collect();
            fakes::json_response(
                Value::Array(users),
                &[
                    ("x-total-count", "18446744073709551615".to_owned()),
                    (
                        "link",
                        "<http://127.0.0.1/api/4.0/users?limit=500&offset=0>; rel=\"next\""
                            .to_owned(),
                    ),
                ],
            )
        }),
    )
    .await;
    // Crowd: the same full page at every start-index.
    let crowd = fakes::crowd(Arc::new(|_, max| {
        crowd_page((0..max).map(crowd_user).collect())
    }))
    .await;
    let config = fakes::config(Some(&looker.url), None, Some(&crowd.url));
    for (conn, position) in [("looker", "offset=500"), ("crowd", "start-index=1000")] {
        let output = roster(&config, &["users", conn]).await;
        assert_exit(&output, 1);
        let message = stderr(&output);
        assert!(
            message.contains(&format!("`{conn}`: the listing was stopped"))
                && message.contains(position)
                && message.contains("does not advance"),
            "{message}"
        );
    }
    assert!(looker.requests() <= 6 && crowd.requests() <= 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scim_server_ignoring_start_index_is_stopped_after_one_retry() {
    // 20 users in pages of 10; every answer is the first page, labelled startIndex 1.
    let honest_label = fakes::scim(Arc::new(|_, _| {
        scim_list((0..10).map(scim_user).collect(), "20", 1)
    }))
    .await;
    let output = roster(
        &fakes::config(None, Some(&honest_label.url), None),
        &["users", "scim"],
    )
    .await;
    assert_exit(&output, 1);
    let message = stderr(&output);
    assert!(
        message.contains("startIndex=11") && message.contains("ignore `startIndex`"),
        "{message}"
    );
    assert_eq!(
        honest_label.requests(),
        3,
        "the first page, the second, one retry"
    );
    // The same, but the answers claim the startIndex that was asked for.
    let lying_label = fakes::scim(Arc::new(|start, _| {
        scim_list((0..10).map(scim_user).collect(), "20", start)
    }))
    .await;
    let output = roster(
        &fakes::config(None, Some(&lying_label.url), None),
        &["users", "scim", "--format", "csv"],
    )
    .await;
    assert_exit(&output, 1);
    assert!(
        stderr(&output).contains("does not advance"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        stdout(&output).lines().count(),
        11,
        "the header and 10 users, once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_ids_across_pages_are_listed_once_with_a_warning() {
    // 2,500 Crowd users; every page also repeats the last 10 users of the page before.
    let crowd = fakes::crowd(Arc::new(|start, max| {
        let first = start.saturating_sub(10).min(2_500);
        let end = start.saturating_add(max).min(2_500);
        crowd_page((first..end).map(crowd_user).collect())
    }))
    .await;
    let config = fakes::config(None, None, Some(&crowd.url));
    let output = roster(&config, &["users", "crowd", "--format", "json"]).await;
    assert_exit(&output, 0);
    let ids = json_ids(&output);
    assert_eq!(ids.len(), 2_500);
    assert_unique(&ids);
    let message = stderr(&output);
    assert!(
        message.contains("listed 20 user(s) more than once"),
        "{message}"
    );
    // --limit counts users, not rows the server sent.
    let output = roster(
        &config,
        &["users", "crowd", "--format", "json", "--limit", "1500"],
    )
    .await;
    assert_exit(&output, 0);
    let ids = json_ids(&output);
    assert_eq!(ids.len(), 1_500);
    assert_unique(&ids);
    // Callers of the service layer learn the count from the pages.
    let credentials = Credentials::Basic {
        username: "app".to_owned(),
        password: Secret::new("secret"),
    };
    let directory = open(&connection(
        ServiceKind::Crowd,
        &format!("{}/crowd", crowd.url),
        credentials,
    ));
    let (pages, result) = pages_of(&directory).await;
    result.unwrap();
    assert_eq!(
        pages.iter().map(|p| p.duplicates_removed).sum::<usize>(),
        20
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickling_or_silent_server_ends_at_the_deadline_with_its_name() {
    for fake in [fakes::trickle().await, fakes::silence().await] {
        let config = fakes::config(None, Some(&fake.url), None);
        let output = roster(&config, &["--timeout", "2", "users", "scim"]).await;
        assert_exit(&output, 1);
        let message = stderr(&output);
        assert!(
            message.contains("`scim` stopped answering")
                && message.contains(&format!("{}/scim", fake.url))
                && message.contains("deadline of 2 s"),
            "{message}"
        );
        assert!(fake.requests() >= 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_timeout_from_the_config_bounds_the_service_layer() {
    let fake = fakes::silence().await;
    let mut connection = scim_connection(&fake.url, "key");
    connection.timeout = Some(Duration::from_secs(1));
    let (_, result) = pages_of(&open(&connection)).await;
    let message = result.unwrap_err().to_string();
    assert!(message.contains("deadline of 1 s"), "{message}");
    // --timeout wins over the connection's own.
    let options = OpenOptions {
        timeout: Some(Duration::from_millis(1500)),
        ..OpenOptions::default()
    };
    let (_, result) = pages_of(&AnyDirectory::open(&connection, options).unwrap()).await;
    let message = result.unwrap_err().to_string();
    assert!(message.contains("deadline of 1.5 s"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_token_lifetime_from_looker_is_survived() {
    for expires_in in [
        "9223372036854775807",
        "18446744073709551615",
        "1e300",
        "-5",
        "\"soon\"",
    ] {
        let login =
            format!(r#"{{"access_token":"t","token_type":"Bearer","expires_in":{expires_in}}}"#);
        let looker = fakes::looker(&login, honest_looker_pages(3, "3")).await;
        let output = roster(
            &fakes::config(Some(&looker.url), None, None),
            &["users", "looker", "--format", "csv"],
        )
        .await;
        assert_exit(&output, 0);
        assert_eq!(
            stdout(&output).lines().count(),
            4,
            "expires_in {expires_in}"
        );
    }
}

/// A SCIM client whose retries wait only milliseconds, through `AnyDirectory`.
fn fast_scim(fake: &Fake, token: &str) -> AnyDirectory {
    let http = HttpClient::new("scim", false)
        .unwrap()
        .with_retry(RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(10),
        });
    AnyDirectory::Scim(scim::Client::new(http, &scim_connection(&fake.url, token)).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_that_will_not_change_are_not_retried() {
    use axum::http::StatusCode;
    let cases: [(&str, fakes::Pages, usize); 5] = [
        (
            "a complete body of the wrong shape",
            Arc::new(|_, _| fakes::raw_json(r#"{"Resources": 5}"#)),
            1,
        ),
        (
            "a 400",
            Arc::new(|_, _| fakes::status(StatusCode::BAD_REQUEST)),
            1,
        ),
        (
            "a 404",
            Arc::new(|_, _| fakes::status(StatusCode::NOT_FOUND)),
            1,
        ),
        // Retried: the server says it may answer next time, or the body was cut short.
        (
            "a 408",
            Arc::new(|_, _| fakes::status(StatusCode::REQUEST_TIMEOUT)),
            4,
        ),
        (
            "a body cut short",
            Arc::new(|_, _| fakes::raw_json(r#"{"Resources": ["#)),
            4,
        ),
    ];
    for (case, pages, expected) in cases {
        let fake = fakes::scim(pages).await;
        let (_, result) = pages_of(&fast_scim(&fake, "key")).await;
        assert!(result.is_err(), "{case}");
        assert_eq!(fake.requests(), expected, "{case}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_credential_is_never_sent() {
    let scim = fakes::scim(honest_scim_pages(3, "3")).await;
    let (_, result) = pages_of(&open(&scim_connection(&scim.url, ""))).await;
    let message = result.unwrap_err().to_string();
    assert!(message.contains("credential is empty"), "{message}");
    assert_eq!(scim.requests(), 0);
    let looker = fakes::looker(fakes::LOOKER_LOGIN, honest_looker_pages(3, "3")).await;
    let (_, result) = pages_of(&open(&looker_connection(&looker, " "))).await;
    assert!(
        matches!(result, Err(ServiceError::Invalid(_))),
        "{result:?}"
    );
    assert_eq!(looker.requests(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_self_signed_certificate_is_reported_as_a_certificate_error() {
    let tls = fakes::self_signed_tls().await;
    let (_, result) = pages_of(&open(&scim_connection(&tls.url, "key"))).await;
    let message = result.unwrap_err().to_string();
    assert!(message.contains("certificate"), "{message}");
    assert!(
        !message.contains("refused or could not be made"),
        "{message}"
    );
    assert_eq!(tls.requests(), 1, "a refused certificate is not retried");
}
