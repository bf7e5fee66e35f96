//! A misbehaving server for write tests: a proxy on loopback in front of the simulator that
//! forwards every request, and can lose the answer to a write after the simulator applied it,
//! delay that answer, refuse one path outright, or lose an answer and then refuse everything.
//!
//! It speaks just enough HTTP/1.1 for roster's client (one request per connection, bodies with
//! `Content-Length`, `Connection: close` on every answer). No assertion lives here.

#![allow(dead_code, clippy::unwrap_used)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// What the proxy does to writes (POST, PUT, PATCH, DELETE).
#[derive(Debug, Clone)]
pub enum Mode {
    /// Forward everything and answer faithfully.
    Pass,
    /// Forward a write, let the simulator apply it, then close the connection unanswered.
    LoseWriteAnswers,
    /// Forward a write, then wait this long before answering.
    DelayWriteAnswers(Duration),
    /// Answer requests whose path ends with this with the status (not forwarded); forward others.
    Refuse(String, u16),
    /// Lose the answers of writes whose path ends with this; forward others faithfully.
    LoseAnswersOf(String),
    /// Lose the answer of the first write whose path ends with this (the simulator applied it),
    /// then answer every later request with the status, not forwarded: the answer is lost and
    /// so is every read that could tell whether the write landed.
    LoseAnswerThenRefuse(String, u16),
}

/// The running proxy.
pub struct LossyProxy {
    /// Where it listens.
    pub addr: SocketAddr,
    mode: Arc<Mutex<Mode>>,
    writes: Arc<AtomicUsize>,
    applied: Applied,
    task: tokio::task::JoinHandle<()>,
}

/// Writes the upstream answered with a 2xx status, by method and target (path and query).
type Applied = Arc<Mutex<HashMap<String, usize>>>;

impl LossyProxy {
    /// Starts a proxy to `upstream` (`http://127.0.0.1:PORT`).
    pub async fn start(upstream: &str, mode: Mode) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mode = Arc::new(Mutex::new(mode));
        let writes = Arc::new(AtomicUsize::new(0));
        let applied = Applied::default();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let upstream = upstream.trim_end_matches('/').to_owned();
        let (shared_mode, shared_writes, shared_applied) =
            (mode.clone(), writes.clone(), applied.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                let (client, upstream) = (client.clone(), upstream.clone());
                let (mode, writes, applied) = (
                    shared_mode.clone(),
                    shared_writes.clone(),
                    shared_applied.clone(),
                );
                tokio::spawn(async move {
                    let _ = serve(socket, &client, &upstream, &mode, &writes, &applied).await;
                });
            }
        });
        Self {
            addr,
            mode,
            writes,
            applied,
            task,
        }
    }

    /// The base URL to give roster instead of the simulator's.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Changes what it does from now on.
    pub fn set_mode(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    /// How many writes reached the simulator.
    pub fn writes_forwarded(&self) -> usize {
        self.writes.load(Ordering::SeqCst)
    }

    /// How many times the simulator applied (answered 2xx to) each write, by `METHOD target`.
    pub fn applied_writes(&self) -> HashMap<String, usize> {
        self.applied.lock().unwrap().clone()
    }

    /// How many `method` writes whose target contains `containing` the simulator applied.
    pub fn applied(&self, method: &str, containing: &str) -> usize {
        self.applied_writes()
            .iter()
            .filter(|(k, _)| k.starts_with(method) && k.contains(containing))
            .map(|(_, n)| n)
            .sum()
    }

    /// How many times the simulator applied a Crowd attribute write
    /// (`POST …/user/attribute?username=…`), per username.
    pub fn crowd_attribute_writes_per_user(&self) -> HashMap<String, usize> {
        let mut per_user = HashMap::new();
        for (request, count) in self.applied_writes() {
            let Some(query) = request
                .strip_prefix("POST ")
                .and_then(|t| t.split_once("/user/attribute?"))
                .map(|(_, q)| q)
            else {
                continue;
            };
            if let Some(user) = url::form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == "username")
                .map(|(_, v)| v.into_owned())
            {
                *per_user.entry(user).or_default() += count;
            }
        }
        per_user
    }
}

impl Drop for LossyProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Incoming {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

async fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Incoming> {
    let mut line = String::new();
    reader.read_line(&mut line).await.ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let mut headers = Vec::new();
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).await.ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        let (name, value) = (name.trim().to_owned(), value.trim().to_owned());
        if name.eq_ignore_ascii_case("content-length") {
            length = value.parse().ok()?;
        }
        headers.push((name, value));
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await.ok()?;
    Some(Incoming {
        method,
        target,
        headers,
        body,
    })
}

async fn serve(
    socket: TcpStream,
    client: &reqwest::Client,
    upstream: &str,
    shared_mode: &Mutex<Mode>,
    writes: &AtomicUsize,
    applied: &Mutex<HashMap<String, usize>>,
) -> Option<()> {
    let mut reader = BufReader::new(socket);
    let incoming = read_request(&mut reader).await?;
    let mode = shared_mode.lock().unwrap().clone();
    let path = incoming.target.split('?').next().unwrap_or("").to_owned();
    let write = incoming.method != "GET" && !path.ends_with("/login");
    if let Mode::Refuse(suffix, status) = &mode
        && path.ends_with(suffix.as_str())
    {
        let body = br#"{"message":"refused by the test proxy","reason":"OPERATION_FAILED"}"#;
        return respond(reader.into_inner(), *status, &[], body).await;
    }
    let method = reqwest::Method::from_bytes(incoming.method.as_bytes()).ok()?;
    let mut request = client.request(method, format!("{upstream}{}", incoming.target));
    for (name, value) in &incoming.headers {
        let skipped = ["host", "connection", "content-length"];
        if !skipped.iter().any(|s| name.eq_ignore_ascii_case(s)) {
            request = request.header(name, value);
        }
    }
    let response = request.body(incoming.body).send().await.ok()?;
    if write {
        writes.fetch_add(1, Ordering::SeqCst);
        if response.status().is_success() {
            *applied
                .lock()
                .unwrap()
                .entry(format!("{} {}", incoming.method, incoming.target))
                .or_default() += 1;
        }
    }
    let status = response.status().as_u16();
    let kept: Vec<(String, String)> = response
        .headers()
        .iter()
        .filter(|(name, _)| {
            [
                "content-type",
                "etag",
                "location",
                "retry-after",
                "x-total-count",
                "link",
                "www-authenticate",
            ]
            .contains(&name.as_str())
        })
        .filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.to_owned())))
        .collect();
    let body = response.bytes().await.ok()?;
    match mode {
        Mode::LoseWriteAnswers if write => return None,
        Mode::LoseAnswersOf(suffix) if write && path.ends_with(suffix.as_str()) => return None,
        Mode::LoseAnswerThenRefuse(suffix, status) if write && path.ends_with(suffix.as_str()) => {
            // Every path ends with "": from now on everything is refused.
            *shared_mode.lock().unwrap() = Mode::Refuse(String::new(), status);
            return None;
        }
        Mode::DelayWriteAnswers(delay) if write => tokio::time::sleep(delay).await,
        _ => {}
    }
    respond(reader.into_inner(), status, &kept, &body).await
}

async fn respond(
    mut socket: TcpStream,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
) -> Option<()> {
    let mut head = format!("HTTP/1.1 {status} X\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
    {
        head.push_str("content-type: application/json\r\n");
    }
    head.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    ));
    socket.write_all(head.as_bytes()).await.ok()?;
    socket.write_all(body).await.ok()?;
    socket.shutdown().await.ok()
}
