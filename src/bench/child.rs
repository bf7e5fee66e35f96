//! The simulator a bench round measures against: the real `roster sim` in a child process (so
//! every figure is the client's alone), with generated users and an injected latency per request.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::config::Config;

/// How long seeding may take before the bench gives up.
const START_LIMIT: Duration = Duration::from_secs(300);

/// A running child simulator and the config that reaches it.
pub struct ChildSimulator {
    child: tokio::process::Child,
    dir: PathBuf,
    config_path: PathBuf,
    /// The config `roster sim --config-out` wrote.
    pub config: Config,
    /// When the child was started.
    pub started: Instant,
    /// From the start to the config being written (seeded and listening).
    pub listening_after: Duration,
}

impl ChildSimulator {
    /// Starts `roster sim --users users` (with `--faults latency=…ms` unless `latency_ms` is 0)
    /// and waits until it listens.
    pub async fn start(exe: &Path, users: usize, latency_ms: u64) -> Result<Self, String> {
        let dir = std::env::temp_dir().join(format!(
            "roster-bench-{}-{latency_ms}ms",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let config_path = dir.join("bench.toml");
        let _ = std::fs::remove_file(&config_path);
        let mut command = tokio::process::Command::new(exe);
        command
            .args(["sim", "--users", &users.to_string(), "--config-out"])
            .arg(&config_path);
        if latency_ms > 0 {
            command.args(["--faults", &format!("latency={latency_ms}ms")]);
        }
        let started = Instant::now();
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start the simulator: {e}"))?;
        while !config_path.exists() {
            if started.elapsed() > START_LIMIT {
                return Err("the simulator did not start in time".to_owned());
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let listening_after = started.elapsed();
        let config = Config::load(&config_path).map_err(|e| e.to_string())?;
        Ok(Self {
            child,
            dir,
            config_path,
            config,
            started,
            listening_after,
        })
    }

    /// The config file, for commands run against this simulator.
    pub fn config_path(&self) -> &Path {
        &self.config_path
    }

    /// Stops the child and removes its config.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
