//! The adaptive request window over loopback: a small Looker-shaped server that counts the
//! requests it holds at once shows that the window starts modestly and widens to its cap on a
//! fast server, that `max_concurrency` is never exceeded by anything the connection does, that
//! 429s with `Retry-After` narrow the window while the listing still comes out whole and in order,
//! and that waiting for a slot counts against the overall deadline; the simulator with injected 429s shows that each service's
//! listing still returns every user exactly once.

#![allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use reqwest::Method as ClientMethod;
use roster::config::{Config, Connection, Credentials};
use roster::domain::ServiceKind;
use roster::secret::Secret;
use roster::service::http::{HttpClient, Request, Timeouts};
use roster::service::{AnyDirectory, ListQuery, OpenOptions};
use roster::simulator::faults::FaultSpec;
use roster::simulator::{self, RunningSimulator, SimOptions};
use serde_json::{Value, json};

/// How the fake behaves.
#[derive(Clone, Copy)]
struct Behaviour {
    /// Users in the directory.
    users: usize,
    /// How long each answer takes.
    delay: Duration,
    /// Page requests beyond this many at once are refused with 429 and `Retry-After: 1`.
    page_limit: Option<usize>,
    /// The most users one page holds, whatever `limit` asks (cheap pages keep the client and the
    /// fake, which share two cores, from slowing answers down themselves).
    page_cap: Option<usize>,
}

/// What the fake saw.
#[derive(Default)]
struct Seen {
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
    pages_in_flight: AtomicUsize,
    refused: AtomicUsize,
    /// When each request arrived, by path.
    arrivals: Mutex<Vec<(String, Instant)>>,
}

struct Fake {
    url: String,
    seen: Arc<Seen>,
}

async fn fake(behaviour: Behaviour) -> Fake {
    let seen = Arc::new(Seen::default());
    let router = Router::new()
        .fallback(answer)
        .with_state((behaviour, seen.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/looker", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Fake { url, seen }
}

/// A fake that answers every request after 300 ms, with pages of at most 50 users: slow enough,
/// and pages small enough, that the work of the client and the fake (a debug build on a busy
/// machine, two cores) cannot double their latency, so only the window limits how many requests
/// are in flight.
async fn fake_with_small_pages(users: usize) -> Fake {
    fake(Behaviour {
        users,
        delay: Duration::from_millis(300),
        page_limit: None,
        page_cap: Some(50),
    })
    .await
}

/// Decrements a counter when the answer is done, however it ends.
struct Holding<'a>(&'a AtomicUsize);

impl Drop for Holding<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn answer(
    State((behaviour, seen)): State<(Behaviour, Arc<Seen>)>,
    method: Method,
    uri: Uri,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let now = seen.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    let _holding = Holding(&seen.in_flight);
    seen.most_in_flight.fetch_max(now, Ordering::SeqCst);
    let path = uri
        .path()
        .strip_prefix("/looker/api/4.0")
        .unwrap_or("")
        .to_owned();
    seen.arrivals
        .lock()
        .unwrap()
        .push((path.clone(), Instant::now()));
    if method == Method::POST && path == "/login" {
        return axum::Json(
            json!({"access_token": "t", "token_type": "Bearer", "expires_in": 3600}),
        )
        .into_response();
    }
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        ["users"] => {
            let pages = seen.pages_in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            let _page = Holding(&seen.pages_in_flight);
            if behaviour.page_limit.is_some_and(|limit| pages > limit) {
                seen.refused.fetch_add(1, Ordering::SeqCst);
                return (
                    StatusCode::TOO_MANY_REQUESTS,
                    [("retry-after", "1")],
                    axum::Json(json!({"message": "slow down", "documentation_url": null})),
                )
                    .into_response();
            }
            tokio::time::sleep(behaviour.delay).await;
            let number = |key: &str| query.get(key).and_then(|v| v.parse::<usize>().ok());
            let offset = number("offset").unwrap_or(0).min(behaviour.users);
            let limit = number("limit")
                .unwrap_or(behaviour.users)
                .min(behaviour.page_cap.unwrap_or(usize::MAX));
            let end = (offset + limit).min(behaviour.users);
            let users: Vec<Value> = (offset..end).map(|n| user(n + 1)).collect();
            (
                [("x-total-count", behaviour.users.to_string())],
                axum::Json(Value::Array(users)),
            )
                .into_response()
        }
        ["users", id] => {
            tokio::time::sleep(behaviour.delay).await;
            axum::Json(user(id.parse().unwrap_or(1))).into_response()
        }
        ["users", _, "attribute_values"] | ["user_attributes"] => {
            tokio::time::sleep(behaviour.delay).await;
            axum::Json(json!([])).into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

fn user(id: usize) -> Value {
    json!({
        "id": id.to_string(),
        "first_name": format!("First{id}"),
        "last_name": format!("Last{id}"),
        "display_name": format!("First{id} Last{id}"),
        "email": format!("user{id}@example.com"),
        "is_disabled": false,
        "credentials_email": {"email": format!("user{id}@example.com")},
    })
}

fn connection(url: &str, max_concurrency: Option<usize>) -> Connection {
    Connection {
        name: "looker".to_owned(),
        kind: ServiceKind::Looker,
        url: url::Url::parse(url).unwrap(),
        read_only: false,
        credentials: Credentials::ClientCredentials {
            client_id: "id".to_owned(),
            client_secret: Secret::new("secret"),
        },
        timeout: None,
        max_concurrency,
    }
}

/// The ids of a whole listing, in the order they were delivered.
async fn listed_ids(directory: &AnyDirectory) -> Vec<String> {
    let users = directory.collect_users(&ListQuery::default()).await;
    users.unwrap().into_iter().map(|u| u.id).collect()
}

fn ids_in_order(users: usize) -> Vec<String> {
    (1..=users).map(|n| n.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_concurrency_of_one_is_never_exceeded_by_anything_the_connection_does() {
    let server = fake(Behaviour {
        users: 5_500,
        delay: Duration::from_millis(20),
        page_limit: None,
        page_cap: None,
    })
    .await;
    let directory =
        AnyDirectory::open(&connection(&server.url, Some(1)), OpenOptions::default()).unwrap();
    assert_eq!(
        (directory.window().current(), directory.window().max()),
        (1, 1)
    );
    // A listing, person look-ups (three requests each) and raw reads, all at once.
    let everyone = ListQuery::default();
    let listing = directory.collect_users(&everyone);
    let reads = futures::future::join_all((1..=6).map(|id| {
        let directory = directory.clone();
        async move { directory.read_user(&id.to_string()).await }
    }));
    let (listed, read) = tokio::join!(listing, reads);
    let listed: Vec<String> = listed.unwrap().into_iter().map(|u| u.id).collect();
    assert_eq!(listed, ids_in_order(5_500));
    assert!(read.iter().all(Result::is_ok));
    assert_eq!(server.seen.most_in_flight.load(Ordering::SeqCst), 1);
    assert_eq!(directory.window().current(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_fast_server_the_window_widens_to_the_service_default_cap() {
    // Forty pages of 50: one alone, then rounds of 4, 8 and 16.
    let server = fake_with_small_pages(2_000).await;
    let directory =
        AnyDirectory::open(&connection(&server.url, None), OpenOptions::default()).unwrap();
    let window = directory.window();
    let cap = roster::service::looker::client::DEFAULT_MAX_CONCURRENCY;
    assert_eq!(
        (window.current(), window.max()),
        (4, cap),
        "starts modestly"
    );
    assert_eq!(directory.reads_in_flight(), cap);
    let listed = listed_ids(&directory).await;
    assert_eq!(listed, ids_in_order(2_000), "every user once, in order");
    assert_eq!(window.cuts(), 0, "never narrowed");
    assert_eq!(window.current(), cap, "widened to its cap");
    assert_eq!(
        server.seen.most_in_flight.load(Ordering::SeqCst),
        cap,
        "the server saw as many requests at once as the cap, and never more"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_max_concurrency_caps_the_window() {
    let server = fake_with_small_pages(600).await;
    let directory =
        AnyDirectory::open(&connection(&server.url, Some(6)), OpenOptions::default()).unwrap();
    assert_eq!(listed_ids(&directory).await, ids_in_order(600));
    assert_eq!(directory.window().current(), 6);
    assert_eq!(server.seen.most_in_flight.load(Ordering::SeqCst), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_narrow_the_window_and_the_listing_still_comes_out_whole() {
    // A server that takes two pages at once and refuses the rest with 429 and Retry-After.
    let server = fake(Behaviour {
        users: 12_000,
        delay: Duration::from_millis(50),
        page_limit: Some(2),
        page_cap: None,
    })
    .await;
    let directory =
        AnyDirectory::open(&connection(&server.url, Some(8)), OpenOptions::default()).unwrap();
    let listed = listed_ids(&directory).await;
    assert_eq!(listed, ids_in_order(12_000), "every user once, in order");
    let refused = server.seen.refused.load(Ordering::SeqCst);
    assert!(refused > 0, "the server did refuse");
    assert!(directory.window().cuts() > 0, "the window was halved");
    assert!(
        directory.window().current() < 4,
        "narrowed below its start: {}",
        directory.window().current()
    );
    // A fixed window of four would have been refused on about every second request; the
    // narrowed window only when it probes for more.
    assert!(refused <= 6, "{refused} refusals for 12 pages");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_for_a_slot_counts_against_the_overall_deadline() {
    let server = fake(Behaviour {
        users: 10,
        delay: Duration::from_secs(3),
        page_limit: None,
        page_cap: None,
    })
    .await;
    let http = HttpClient::new("looker", false)
        .unwrap()
        .with_timeouts(Timeouts {
            overall: Duration::from_millis(400),
            ..Timeouts::default()
        })
        .unwrap()
        .with_max_concurrency(1);
    let url = url::Url::parse(&format!("{}/api/4.0/user_attributes", server.url)).unwrap();
    // The one slot is held by a slow request sent without a deadline.
    let holder = {
        let (http, url) = (http.clone(), url.clone());
        tokio::spawn(async move { http.send(&Request::new(ClientMethod::GET, url)).await })
    };
    while http.window().in_flight() == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let waiting = http
        .within_deadline(http.send(&Request::new(ClientMethod::GET, url)))
        .await;
    let error = waiting.unwrap_err().to_string();
    assert!(error.contains("overall deadline"), "{error}");
    assert_eq!(server.seen.arrivals.lock().unwrap().len(), 1, "never sent");
    holder.abort();
}

/// A connection of the simulator's config, with `max_concurrency` set.
fn simulator_connection(sim: &RunningSimulator, name: &str, max: usize) -> Connection {
    let config = Config::parse(std::path::Path::new("sim.toml"), &sim.config_toml()).unwrap();
    let mut connection = config
        .connection(name)
        .unwrap()
        .resolve(&config.path)
        .unwrap();
    connection.max_concurrency = Some(max);
    connection
}

/// Every id of a listing, after checking that none is listed twice.
async fn listed_once(directory: &AnyDirectory) -> BTreeSet<String> {
    let users = directory
        .collect_users(&ListQuery::default())
        .await
        .unwrap();
    let ids: BTreeSet<String> = users.iter().map(|u| u.id.clone()).collect();
    assert_eq!(ids.len(), users.len(), "a user was listed twice");
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_simulated_429s_every_service_lists_every_user_exactly_once_and_the_window_narrows() {
    let options = |faults: Option<&str>| SimOptions {
        users: 3000,
        port: 0,
        faults: faults.map(|f| f.parse::<FaultSpec>().unwrap()),
    };
    let clean = simulator::start(&options(None)).await.unwrap();
    // One answer in four is a 429 with `Retry-After: 1`.
    let limited = simulator::start(&options(Some("429=0.25,seed=11")))
        .await
        .unwrap();
    for name in ["scim", "looker", "crowd"] {
        let expected = listed_once(
            &AnyDirectory::open(
                &simulator_connection(&clean, name, 8),
                OpenOptions::default(),
            )
            .unwrap(),
        )
        .await;
        let directory = AnyDirectory::open(
            &simulator_connection(&limited, name, 8),
            OpenOptions::default(),
        )
        .unwrap();
        assert_eq!(listed_once(&directory).await, expected, "{name} under 429s");
        assert!(directory.window().current() <= 8);
        if name == "scim" {
            // Thirty pages of 100: some 429s are certain, and each halves the window.
            assert!(directory.window().cuts() > 0, "the window narrowed");
        }
    }
}
