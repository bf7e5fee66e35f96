//! `roster bench`: performance figures for listing on the simulator, per service.
//!
//! Starts the real `roster sim` as a child process (so the figures measure the client alone),
//! then for each of its connections lists every user and reports time to the first page, time to
//! the whole listing, users per second, pages per second and the client's peak memory. Prints
//! figures; asserts nothing.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::service::{AnyDirectory, ListQuery, OpenOptions};

/// The figures of one connection.
#[derive(Debug, Clone)]
pub struct ListingFigures {
    /// Connection name.
    pub connection: String,
    /// Users listed.
    pub users: usize,
    /// Pages received.
    pub pages: usize,
    /// Time to the first page.
    pub first_page: Duration,
    /// Time to the whole listing.
    pub total: Duration,
    /// Peak resident memory of this process after the listing, in KiB (Linux only).
    pub peak_rss_kib: Option<u64>,
}

impl std::fmt::Display for ListingFigures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let seconds = self.total.as_secs_f64().max(f64::EPSILON);
        write!(
            f,
            "{:<8} {:>8} users  first page {:>8.1} ms  all {:>8.1} ms  {:>9.0} users/s  {:>7.1} pages/s  peak RSS {}",
            self.connection,
            self.users,
            self.first_page.as_secs_f64() * 1000.0,
            seconds * 1000.0,
            self.users as f64 / seconds,
            self.pages as f64 / seconds,
            self.peak_rss_kib.map_or_else(
                || "n/a".to_owned(),
                |k| format!("{:.1} MiB", k as f64 / 1024.0)
            )
        )
    }
}

/// Lists every user of one open connection and measures it.
pub async fn measure_listing(
    name: &str,
    directory: &AnyDirectory,
) -> Result<ListingFigures, String> {
    let started = Instant::now();
    let mut first_page = None;
    let mut users = 0;
    let mut pages = 0;
    directory
        .list_users(&ListQuery::default(), &mut |page| {
            first_page.get_or_insert_with(|| started.elapsed());
            users += page.users.len();
            pages += 1;
        })
        .await
        .map_err(|e| e.to_string())?;
    Ok(ListingFigures {
        connection: name.to_owned(),
        users,
        pages,
        first_page: first_page.unwrap_or_default(),
        total: started.elapsed(),
        peak_rss_kib: peak_rss_kib(),
    })
}

/// The process's peak resident set size (`VmHWM`), in KiB.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Runs the whole benchmark: a child simulator with `users` generated people, then every connection.
pub async fn run(users: usize) -> Result<(), String> {
    let dir = tempfile_dir()?;
    let config_path = dir.join("bench.toml");
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the roster binary: {e}"))?;
    let mut child = tokio::process::Command::new(exe)
        .args(["sim", "--users", &users.to_string(), "--config-out"])
        .arg(&config_path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start the simulator: {e}"))?;
    let seeded = Instant::now();
    wait_for_file(&config_path, Duration::from_secs(300)).await?;
    println!(
        "simulator with {users} generated users per service ready in {:.1} s (seeding included)",
        seeded.elapsed().as_secs_f64()
    );
    let config = Config::load(&config_path).map_err(|e| e.to_string())?;
    println!(
        "machine: {} logical CPUs; peak RSS before listing: {}",
        num_cpus(),
        peak_rss_kib().map_or("n/a".to_owned(), |k| format!(
            "{:.1} MiB",
            k as f64 / 1024.0
        ))
    );
    for spec in &config.connections {
        let opened = spec
            .resolve(&config.path)
            .map_err(|e| e.to_string())
            .and_then(|c| {
                AnyDirectory::open(&c, OpenOptions::default()).map_err(|e| e.to_string())
            });
        let result = match opened {
            Ok(directory) => measure_listing(&spec.name, &directory).await,
            Err(error) => Err(error),
        };
        match result {
            Ok(figures) => println!("{figures}"),
            Err(error) => println!("{:<8} failed: {}", spec.name, crate::text::sanitize(&error)),
        }
    }
    let _ = child.kill().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

async fn wait_for_file(path: &Path, limit: Duration) -> Result<(), String> {
    let deadline = Instant::now() + limit;
    while !path.exists() {
        if Instant::now() > deadline {
            return Err("the simulator did not start in time".to_owned());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

fn tempfile_dir() -> Result<std::path::PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("roster-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}

fn num_cpus() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}
