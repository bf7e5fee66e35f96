//! Shared helpers for the integration tests: start the simulator, build Looker connections, write
//! private config files, and run the built `roster` binary.
//!
//! Only test plumbing lives here; no assertion about roster's behaviour does. Each test binary
//! uses a different subset, hence the `dead_code` allowance.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use roster::config::{Connection, Credentials};
use roster::domain::ServiceKind;
use roster::secret::Secret;
use roster::service::http::{HttpClient, RetryPolicy};
use roster::simulator::{self, RunningSimulator, SimOptions};
use url::Url;

/// The demo people that have a Looker account in `assets/demo/directory.json`.
pub const DEMO_LOOKER_USERS: usize = 34;

/// The keys of one audit finding in `roster audit --format json`, in order (product.md).
pub const FINDING_KEYS: [&str; 6] = [
    "connection",
    "user",
    "user_id",
    "attribute",
    "finding",
    "detail",
];

/// The simulator's Looker client id and secret.
pub const LOOKER_CLIENT_ID: &str = "roster-sim";
pub const LOOKER_CLIENT_SECRET: &str = "roster-sim-looker-secret";

/// Starts the simulator on a free port with `users` generated people.
pub async fn start_sim(users: usize) -> RunningSimulator {
    simulator::start(&SimOptions {
        users,
        port: 0,
        ..SimOptions::default()
    })
    .await
    .expect("the simulator starts")
}

/// A Looker connection named `looker` to `url` with the given credentials.
pub fn looker_connection_to(
    url: &str,
    client_id: &str,
    secret: &str,
    read_only: bool,
) -> Connection {
    Connection {
        name: "looker".to_owned(),
        kind: ServiceKind::Looker,
        url: Url::parse(url).unwrap(),
        read_only,
        credentials: Credentials::ClientCredentials {
            client_id: client_id.to_owned(),
            client_secret: Secret::new(secret),
        },
        timeout: None,
        max_concurrency: None,
    }
}

/// The Looker connection of a running simulator.
pub fn sim_looker_connection(sim: &RunningSimulator, read_only: bool) -> Connection {
    looker_connection_to(
        &format!("{}/looker", sim.base_url()),
        LOOKER_CLIENT_ID,
        LOOKER_CLIENT_SECRET,
        read_only,
    )
}

/// An HTTP client whose retries wait only milliseconds.
pub fn fast_http(attempts: u32) -> HttpClient {
    HttpClient::new("looker", false)
        .unwrap()
        .with_retry(RetryPolicy {
            max_attempts: attempts,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(20),
        })
}

/// Every secret value seeded in the demo directory (hidden attribute values).
pub fn seeded_secrets() -> Vec<String> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/directory.json"),
    )
    .unwrap();
    let seed: serde_json::Value = serde_json::from_str(&text).unwrap();
    let hidden: Vec<String> = seed["looker"]["user_attributes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["value_is_hidden"] == true)
        .map(|a| a["name"].as_str().unwrap().to_owned())
        .collect();
    let mut secrets = Vec::new();
    for gv in seed["looker"]["group_values"].as_array().unwrap() {
        if hidden.iter().any(|h| gv["attribute"] == h.as_str()) {
            secrets.push(gv["value"].as_str().unwrap().to_owned());
        }
    }
    for person in seed["people"].as_array().unwrap() {
        if let Some(attributes) = person["looker"]["attributes"].as_object() {
            for name in &hidden {
                if let Some(value) = attributes.get(name).and_then(|v| v.as_str()) {
                    secrets.push(value.to_owned());
                }
            }
        }
    }
    assert!(secrets.len() >= 5, "the demo seeds hidden values");
    secrets
}

/// Asserts that none of the seeded secrets occurs in `text`.
pub fn assert_no_seeded_secret(text: &str) {
    for secret in seeded_secrets() {
        assert!(
            !text.contains(&secret),
            "a hidden value ({secret}) leaked into:\n{text}"
        );
    }
}

/// Writes `text` to a fresh file with mode 0600 in `dir`.
pub fn write_config(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    simulator::write_private_file(&path, text).unwrap();
    path
}

/// A temporary directory holding `config.toml` (mode 0600) for the simulator; roster's state
/// (log and journal) goes there too.
pub struct CliEnv {
    /// The directory.
    pub dir: tempfile::TempDir,
    /// The config file in it.
    pub config: PathBuf,
}

impl CliEnv {
    /// A config for the simulator.
    pub fn for_sim(sim: &RunningSimulator) -> Self {
        Self::with_config(&sim.config_toml())
    }

    /// A config with this text.
    pub fn with_config(text: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = write_config(dir.path(), "config.toml", text);
        Self { dir, config }
    }

    /// Runs `roster --config FILE args...` with the state dir inside this directory.
    pub async fn run(&self, args: &[&str]) -> Output {
        self.run_within(Duration::from_secs(60), args).await
    }

    /// [`CliEnv::run`] for a long job (a batch of thousands of users), bounded by `limit`.
    pub async fn run_within(&self, limit: Duration, args: &[&str]) -> Output {
        let mut full = vec!["--config", self.config.to_str().unwrap()];
        full.extend_from_slice(args);
        let state = self.dir.path().join("state");
        run_roster_bounded(
            &full,
            &[("ROSTER_STATE_DIR", state.to_str().unwrap())],
            limit,
        )
        .await
    }

    /// Runs `roster args...` (no `--config` added) with extra environment variables.
    pub async fn run_plain(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let state = self.dir.path().join("state");
        let mut all_env = vec![("ROSTER_STATE_DIR", state.to_str().unwrap())];
        all_env.extend_from_slice(env);
        run_roster_with_env(args, &all_env).await
    }

    /// Starts `roster --config FILE args...` in the background (output discarded), for tests
    /// that kill it midway; the child dies with its handle.
    pub fn spawn(&self, args: &[&str]) -> tokio::process::Child {
        tokio::process::Command::new(roster_bin())
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .env("ROSTER_STATE_DIR", self.dir.path().join("state"))
            .env_remove("ROSTER_CONFIG")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap()
    }

    /// Everything roster wrote to its state dir (log and journal), for leak checks.
    pub fn state_text(&self) -> String {
        let mut text = String::new();
        if let Ok(entries) = std::fs::read_dir(self.dir.path().join("state")) {
            for entry in entries.flatten() {
                text.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
            }
        }
        text
    }
}

/// The built `roster` binary.
pub fn roster_bin() -> &'static str {
    env!("CARGO_BIN_EXE_roster")
}

/// Runs `roster` with `args` and extra environment variables, stdin closed (not a terminal).
pub async fn run_roster_with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    run_roster_bounded(args, env, Duration::from_secs(60)).await
}

/// [`run_roster_with_env`], bounded by `limit` instead of a minute.
pub async fn run_roster_bounded(args: &[&str], env: &[(&str, &str)], limit: Duration) -> Output {
    let mut command = tokio::process::Command::new(roster_bin());
    command
        .args(args)
        .env_remove("ROSTER_CONFIG")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    for (key, value) in env {
        command.env(key, value);
    }
    tokio::time::timeout(limit, command.output())
        .await
        .unwrap_or_else(|_| panic!("roster finishes within {limit:?}"))
        .expect("roster runs")
}

/// Asserts the exit code, showing stdout and stderr when it differs.
pub fn assert_exit(output: &std::process::Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "exit code; stdout:\n{}\nstderr:\n{}",
        stdout(output),
        stderr(output)
    );
}

/// Standard output as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Standard output parsed as JSON (a failure shows both streams).
pub fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(output), stderr(output)))
}

/// Polls `condition` every few milliseconds until it holds or `timeout` passes.
pub async fn wait_until(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Sends `signal` (`-INT`, `-KILL`) to a running roster and returns its exit status once it
/// ended (None when a signal ended it without one).
pub async fn signal_and_wait(child: &mut tokio::process::Child, signal: &str) -> Option<i32> {
    let pid = child.id().unwrap().to_string();
    let sent = std::process::Command::new("kill")
        .args([signal, &pid])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("roster ends after the signal")
        .unwrap();
    status.code()
}

/// Logs in to the simulated Looker with reqwest and returns the access token.
/// `(source, value, rank)` of each entry of a Looker `attribute_values` answer, in order.
pub fn lookup_chain(
    values: &serde_json::Value,
) -> Vec<(String, serde_json::Value, serde_json::Value)> {
    values
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["source"].as_str().unwrap().to_owned(),
                v["value"].clone(),
                v["rank"].clone(),
            )
        })
        .collect()
}

pub async fn raw_login(http: &reqwest::Client, sim: &RunningSimulator) -> String {
    let response = http
        .post(format!("{}/looker/api/4.0/login", sim.base_url()))
        .form(&[
            ("client_id", LOOKER_CLIENT_ID),
            ("client_secret", LOOKER_CLIENT_SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let token: serde_json::Value = response.json().await.unwrap();
    token["access_token"].as_str().unwrap().to_owned()
}

/// Creates a Looker user in the simulator through its own API (as any client would) from a
/// `User` body, and returns the new id.
pub async fn create_looker_user(sim: &RunningSimulator, body: serde_json::Value) -> String {
    let http = reqwest::Client::new();
    let token = raw_login(&http, sim).await;
    let created: serde_json::Value = http
        .post(format!("{}/looker/api/4.0/users", sim.base_url()))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    created["id"].as_str().unwrap().to_owned()
}
