//! The built-in simulator of the three APIs: one axum server on 127.0.0.1 over one in-memory store.
//!
//! Each service is a sibling router under its own prefix (`/crowd`, `/looker`, `/scim`) over the
//! same seeded people. `roster sim` and `roster demo` run it; the tests start
//! it on port 0. It holds only demo data and its own credentials.
//!
//! Every handler has one shape: it takes a [`call::Call`] (method, URI, query, authorization,
//! state) and returns `Result<Response, E>`, where `E` is its service's error type rendering that
//! service's own error body (Crowd's `Refusal`, Looker's `LookerError`, SCIM's `Fault`).

pub mod call;
pub mod crowd;
pub mod faults;
pub mod fields;
pub mod looker;
pub mod scim;
pub mod seed;
pub mod window;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use tokio::net::TcpListener;

use seed::Seed;

/// The credentials the simulator accepts; written into the config it emits.
#[derive(Debug, Clone)]
pub struct SimCredentials {
    /// Crowd application name and password.
    pub crowd: (String, String),
    /// SCIM directory API key.
    pub scim_token: String,
    /// Looker client id and secret.
    pub looker: (String, String),
}

impl Default for SimCredentials {
    fn default() -> Self {
        Self {
            crowd: ("roster".to_owned(), "roster-sim-crowd-password".to_owned()),
            scim_token: "roster-sim-scim-token".to_owned(),
            looker: (
                "roster-sim".to_owned(),
                "roster-sim-looker-secret".to_owned(),
            ),
        }
    }
}

/// How to run the simulator.
#[derive(Debug, Clone, Default)]
pub struct SimOptions {
    /// Generated users per service, on top of the curated demo people.
    pub users: usize,
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Faults to inject, if any.
    pub faults: Option<faults::FaultSpec>,
}

/// The shared state of all routers.
#[derive(Debug)]
pub struct SimState {
    /// Accepted credentials.
    pub credentials: SimCredentials,
    crowd: Mutex<crowd::CrowdStore>,
    looker: Mutex<looker::LookerStore>,
    scim: Mutex<scim::ScimStore>,
}

/// The store a seeding thread built, or why it could not.
fn joined<T>(service: &str, result: std::thread::Result<Result<T, String>>) -> Result<T, String> {
    result.unwrap_or_else(|_| Err(format!("seeding the simulated {service} failed")))
}

impl SimState {
    /// Builds every service's store from one seed, the three at once on their own threads (each
    /// reads the seed and builds only its own records).
    pub fn new(seed: &Seed, credentials: SimCredentials) -> Result<Self, String> {
        let (crowd, looker, scim) = std::thread::scope(|scope| {
            let crowd = scope.spawn(|| crowd::CrowdStore::from_seed(seed));
            let looker = scope.spawn(|| looker::LookerStore::from_seed(seed));
            let scim = scim::ScimStore::from_seed(seed);
            (
                joined("Crowd", crowd.join()),
                joined("Looker", looker.join()),
                scim,
            )
        });
        Ok(Self {
            credentials,
            crowd: Mutex::new(crowd?),
            looker: Mutex::new(looker?),
            scim: Mutex::new(scim?),
        })
    }

    /// The Crowd store, locked; poisoning is recovered as for [`SimState::looker`].
    pub fn crowd(&self) -> MutexGuard<'_, crowd::CrowdStore> {
        self.crowd
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The Looker store, locked. A poisoned lock is recovered: the data stays consistent because
    /// every mutation is a single assignment after validation.
    pub fn looker(&self) -> MutexGuard<'_, looker::LookerStore> {
        self.looker
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The SCIM store, locked (recovered from poisoning like [`SimState::looker`]).
    pub fn scim(&self) -> MutexGuard<'_, scim::ScimStore> {
        self.scim
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The decoded query pairs of a request URI, in order.
pub fn query_pairs(uri: &axum::http::Uri) -> Vec<(String, String)> {
    uri.query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default()
}

/// The router serving every simulated API.
///
/// Looker is also served at the root (`/api/4.0/...`, `/api/logout`): the official SDKs resolve
/// API paths against the host root (Python: `urljoin(base_url, "/api/4.0/")`), so they cannot
/// reach an API below a path prefix such as `/looker`.
pub fn router(state: Arc<SimState>) -> Router {
    Router::new()
        .nest("/crowd", crowd::router(state.clone()))
        .nest("/looker", looker::router(state.clone()))
        .nest("/scim", scim::router(state.clone()))
        .merge(looker::router(state))
}

/// A simulator that is listening.
#[derive(Debug)]
pub struct RunningSimulator {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its state (tests inspect and change it directly).
    pub state: Arc<SimState>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningSimulator {
    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A roster config with connections `crowd`, `scim` and `looker` pointing here.
    pub fn config_toml(&self) -> String {
        let base = self.base_url();
        let c = &self.state.credentials;
        format!(
            "# Written by `roster sim`: connections to the simulator at {base}.\n\
             # Plain secrets are accepted because this file is written with mode 0600.\n\n\
             [[connection]]\nname = \"crowd\"\nkind = \"crowd\"\nurl = \"{base}/crowd\"\nusername = \"{}\"\npassword = \"{}\"\n\n\
             [[connection]]\nname = \"scim\"\nkind = \"scim\"\nurl = \"{base}/scim\"\ntoken = \"{}\"\n\n\
             [[connection]]\nname = \"looker\"\nkind = \"looker\"\nurl = \"{base}/looker\"\nclient_id = \"{}\"\nclient_secret = \"{}\"\n",
            c.crowd.0, c.crowd.1, c.scim_token, c.looker.0, c.looker.1
        )
    }

    /// Stops serving and waits for the server task to end.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for RunningSimulator {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// Seeds the store and starts serving on 127.0.0.1.
pub async fn start(options: &SimOptions) -> Result<RunningSimulator, String> {
    let seed = Seed::demo(options.users)?;
    let state = Arc::new(SimState::new(&seed, SimCredentials::default())?);
    let listener = TcpListener::bind(("127.0.0.1", options.port))
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", options.port))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
    let mut app = router(state.clone());
    if let Some(spec) = options.faults.clone() {
        let injector = Arc::new(faults::FaultInjector::new(spec));
        app = app.layer(axum::middleware::from_fn_with_state(
            injector,
            faults::inject,
        ));
    }
    let task = tokio::spawn(async move {
        let server = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        if let Err(error) = server.await {
            tracing::error!("simulator stopped: {error}");
        }
    });
    Ok(RunningSimulator {
        addr,
        state,
        shutdown: Some(shutdown),
        task,
    })
}

/// Writes `text` to `path` with mode 0600, atomically (the file holds the simulator's
/// credentials).
pub use crate::files::write_private as write_private_file;
