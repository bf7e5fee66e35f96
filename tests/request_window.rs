//! The adaptive request window over loopback: a small Looker-shaped server that counts the
//! requests it holds at once shows that `max_concurrency` is never exceeded by anything the
//! connection does, that 429s with `Retry-After` narrow the window while the listing still comes
//! out whole and in order, that a `Retry-After` holds back requests not yet sent, and that waiting
//! for a slot counts against the overall deadline.

#![allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use reqwest::Method as ClientMethod;
use roster::config::{Connection, Credentials};
use roster::domain::ServiceKind;
use roster::secret::Secret;
use roster::service::http::{HttpClient, Request, Timeouts};
use roster::service::{AnyDirectory, ListQuery, OpenOptions, ServiceError};
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
            let end = (offset + number("limit").unwrap_or(behaviour.users)).min(behaviour.users);
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

fn ids_in_order(users: usize) -> Vec<String> {
    (1..=users).map(|n| n.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_concurrency_of_one_is_never_exceeded_by_anything_the_connection_does() {
    let server = fake(Behaviour {
        users: 5_500,
        delay: Duration::from_millis(20),
        page_limit: None,
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
async fn the_service_default_applies_without_max_concurrency_and_the_window_widens() {
    // Answers slow enough that the work of the client and the fake (a debug build on a busy
    // machine) cannot double their latency.
    let server = fake(Behaviour {
        users: 20_000,
        delay: Duration::from_millis(300),
        page_limit: None,
    })
    .await;
    let directory =
        AnyDirectory::open(&connection(&server.url, None), OpenOptions::default()).unwrap();
    let window = directory.window();
    assert_eq!(
        (window.current(), window.max()),
        (4, roster::service::looker::client::DEFAULT_MAX_CONCURRENCY)
    );
    let listed = directory
        .collect_users(&ListQuery::default())
        .await
        .unwrap();
    assert_eq!(listed.len(), 20_000);
    let most = server.seen.most_in_flight.load(Ordering::SeqCst);
    assert!(
        most > 4 && most <= window.max(),
        "the window widened past its start of 4, within its maximum: {most} in flight at most"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_narrow_the_window_and_the_listing_still_comes_out_whole() {
    // A server that takes two pages at once and refuses the rest with 429 and Retry-After.
    let server = fake(Behaviour {
        users: 12_000,
        delay: Duration::from_millis(50),
        page_limit: Some(2),
    })
    .await;
    let directory =
        AnyDirectory::open(&connection(&server.url, Some(8)), OpenOptions::default()).unwrap();
    let listed = directory
        .collect_users(&ListQuery::default())
        .await
        .unwrap();
    let listed: Vec<String> = listed.into_iter().map(|u| u.id).collect();
    assert_eq!(listed, ids_in_order(12_000), "every user once, in order");
    let refused = server.seen.refused.load(Ordering::SeqCst);
    assert!(refused > 0, "the server did refuse");
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
async fn a_retry_after_holds_back_requests_not_yet_sent() {
    let server = fake(Behaviour {
        users: 10,
        delay: Duration::ZERO,
        page_limit: Some(0),
    })
    .await;
    let http = HttpClient::new("looker", false).unwrap();
    let url = |path: &str| url::Url::parse(&format!("{}/api/4.0/{path}", server.url)).unwrap();
    // A POST is not retried, so this one only brings the 429 and its Retry-After: 1.
    let mut refused = Request::new(ClientMethod::POST, url("users"));
    refused.writes = false;
    let error = http.send(&refused).await;
    assert!(
        matches!(error, Err(ServiceError::RateLimited { .. })),
        "{error:?}"
    );
    let refused_at = Instant::now();
    let other = http
        .send(&Request::new(ClientMethod::GET, url("user_attributes")))
        .await
        .unwrap();
    assert_eq!(other.status, 200);
    let arrivals = server.seen.arrivals.lock().unwrap().clone();
    let (_, arrived) = arrivals
        .iter()
        .find(|(path, _)| path == "/user_attributes")
        .unwrap();
    assert!(
        arrived.duration_since(refused_at) >= Duration::from_millis(800),
        "sent {:?} after the 429",
        arrived.duration_since(refused_at)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_for_a_slot_counts_against_the_overall_deadline() {
    let server = fake(Behaviour {
        users: 10,
        delay: Duration::from_secs(3),
        page_limit: None,
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
    let started = Instant::now();
    let waiting = http
        .within_deadline(http.send(&Request::new(ClientMethod::GET, url)))
        .await;
    let error = waiting.unwrap_err().to_string();
    assert!(error.contains("overall deadline"), "{error}");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(server.seen.arrivals.lock().unwrap().len(), 1, "never sent");
    holder.abort();
}
