//! Small misbehaving servers on loopback for the hostile-server tests: Looker, SCIM and Crowd
//! fakes whose pages come from a closure, a server that trickles one byte a second, one that
//! accepts connections and never answers, and a TLS server with a self-signed certificate.
//!
//! Only test plumbing lives here; the assertions are in the test files. Every server runs until
//! its test's runtime ends.

#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

/// Answers one page request: `(position, count)` as the client sent them (Looker `offset` and
/// `limit`, SCIM `startIndex` and `count`, Crowd `start-index` and `max-results`).
pub type Pages = Arc<dyn Fn(usize, usize) -> Response + Send + Sync>;

/// A fake server: its base URL and how many requests it received.
pub struct Fake {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// Requests received so far (page requests, or every request for the raw servers).
    pub requests: Arc<AtomicUsize>,
}

impl Fake {
    /// The number of requests received.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

#[derive(Clone)]
struct Shared {
    pages: Pages,
    requests: Arc<AtomicUsize>,
    /// Which query parameters carry the position and the count, and the position when absent.
    parameters: (&'static str, &'static str, usize),
}

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    url
}

type QueryMap = Query<std::collections::HashMap<String, String>>;

async fn page(State(shared): State<Shared>, Query(query): QueryMap) -> Response {
    shared.requests.fetch_add(1, Ordering::SeqCst);
    let number = |key: &str, default: usize| {
        query
            .get(key)
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (position, count, first) = shared.parameters;
    (shared.pages)(number(position, first), number(count, 0))
}

/// A server whose `GET path` answers `pages(position, count)` read from the two named query
/// parameters, with `extra` routes beside it.
async fn paged(
    path: &str,
    parameters: (&'static str, &'static str, usize),
    pages: Pages,
    extra: Router,
) -> Fake {
    let requests = Arc::new(AtomicUsize::new(0));
    let shared = Shared {
        pages,
        requests: requests.clone(),
        parameters,
    };
    let router = Router::new()
        .route(path, get(page))
        .with_state(shared)
        .merge(extra);
    Fake {
        url: serve(router).await,
        requests,
    }
}

/// A Looker API at `{url}/looker`: `POST /api/4.0/login` answers `login` (raw JSON text), and
/// `GET /api/4.0/users` answers `pages(offset, limit)`.
pub async fn looker(login: &str, pages: Pages) -> Fake {
    let login = login.to_owned();
    let login = Router::new().route(
        "/looker/api/4.0/login",
        post(move || async move { ([("content-type", "application/json")], login) }),
    );
    paged(
        "/looker/api/4.0/users",
        ("offset", "limit", 0),
        pages,
        login,
    )
    .await
}

/// The usual answer to a Looker login.
pub const LOOKER_LOGIN: &str =
    r#"{"access_token":"fake-token","token_type":"Bearer","expires_in":3600}"#;

/// A SCIM API at `{url}/scim`: `GET /Users` answers `pages(startIndex, count)`.
pub async fn scim(pages: Pages) -> Fake {
    let parameters = ("startIndex", "count", 1);
    paged("/scim/Users", parameters, pages, Router::new()).await
}

/// A Crowd API at `{url}/crowd`: `GET /rest/usermanagement/1/search` answers
/// `pages(start-index, max-results)`.
pub async fn crowd(pages: Pages) -> Fake {
    let path = "/crowd/rest/usermanagement/1/search";
    paged(
        path,
        ("start-index", "max-results", 0),
        pages,
        Router::new(),
    )
    .await
}

/// A server that answers every request with status 200 and a JSON body sent one byte a second.
pub async fn trickle() -> Fake {
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = requests.clone();
    let router = Router::new().fallback(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        async move {
            let bytes = futures::stream::unfold(0u64, |sent| async move {
                tokio::time::sleep(Duration::from_secs(1)).await;
                Some((
                    Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b" ")),
                    sent + 1,
                ))
            });
            (
                [("content-type", "application/json")],
                Body::from_stream(bytes),
            )
        }
    });
    Fake {
        url: serve(router).await,
        requests,
    }
}

/// A server that accepts connections, reads what comes, and never answers.
pub async fn silence() -> Fake {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = requests.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                use tokio::io::AsyncReadExt;
                let mut buffer = [0u8; 1024];
                while matches!(socket.read(&mut buffer).await, Ok(n) if n > 0) {}
            });
        }
    });
    Fake { url, requests }
}

/// A TLS server on loopback with a self-signed certificate (made once with openssl for these
/// tests); it completes no handshake with a client that checks certificates.
pub async fn self_signed_tls() -> Fake {
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certificate =
        CertificateDer::from_pem_slice(include_bytes!("self_signed_cert.pem")).unwrap();
    let key = PrivateKeyDer::from_pem_slice(include_bytes!("self_signed_key.pem")).unwrap();
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![certificate], key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = requests.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = acceptor.accept(socket).await;
            });
        }
    });
    Fake { url, requests }
}

/// A JSON response with extra headers.
pub fn json_response(body: Value, headers: &[(&str, String)]) -> Response {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.insert(
            axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    (StatusCode::OK, map, axum::Json(body)).into_response()
}

/// A response with this status and no body.
pub fn status(code: StatusCode) -> Response {
    code.into_response()
}

/// A 200 response whose JSON text is exactly `text` (complete as HTTP, whatever it holds as JSON).
pub fn raw_json(text: &'static str) -> Response {
    ([("content-type", "application/json")], text).into_response()
}

/// A Looker user with id `n`.
pub fn looker_user(n: usize) -> Value {
    json!({"id": n.to_string(), "first_name": "User", "last_name": n.to_string(),
           "is_disabled": false, "credentials_email": {"email": format!("u{n}@example.com")}})
}

/// A SCIM user with id `u{n}`.
pub fn scim_user(n: usize) -> Value {
    json!({"id": format!("u{n}"), "userName": format!("u{n}@example.com"), "active": true,
           "emails": [{"value": format!("u{n}@example.com"), "primary": true}]})
}

/// A Crowd user named `user{n}`.
pub fn crowd_user(n: usize) -> Value {
    json!({"name": format!("user{n:05}"), "display-name": format!("User {n}"),
           "email": format!("u{n}@example.com"), "active": true})
}

/// A SCIM list response.
pub fn scim_list(resources: Vec<Value>, total: &str, start_index: usize) -> Response {
    let text = format!(
        r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":{total},"startIndex":{start_index},"itemsPerPage":{},"Resources":{}}}"#,
        resources.len(),
        Value::Array(resources)
    );
    ([("content-type", "application/scim+json")], text).into_response()
}

/// A Looker users page with an `X-Total-Count`.
pub fn looker_page(users: Vec<Value>, total: &str) -> Response {
    json_response(Value::Array(users), &[("x-total-count", total.to_owned())])
}

/// A Crowd search answer.
pub fn crowd_page(users: Vec<Value>) -> Response {
    json_response(json!({"expand": "user", "users": users}), &[])
}

/// A roster config with one connection of each kind pointing at the given base URLs (absent
/// ones are left out); secrets are plain strings, so the file must be private.
pub fn config(looker: Option<&str>, scim: Option<&str>, crowd: Option<&str>) -> String {
    let mut text = String::new();
    if let Some(url) = looker {
        text.push_str(&format!(
            "[[connection]]\nname = \"looker\"\nkind = \"looker\"\nurl = \"{url}/looker\"\nclient_id = \"id\"\nclient_secret = \"secret\"\n\n"
        ));
    }
    if let Some(url) = scim {
        text.push_str(&format!(
            "[[connection]]\nname = \"scim\"\nkind = \"scim\"\nurl = \"{url}/scim\"\ntoken = \"key\"\n\n"
        ));
    }
    if let Some(url) = crowd {
        text.push_str(&format!(
            "[[connection]]\nname = \"crowd\"\nkind = \"crowd\"\nurl = \"{url}/crowd\"\nusername = \"app\"\npassword = \"secret\"\n\n"
        ));
    }
    text
}
