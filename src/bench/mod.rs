//! `roster bench`: the performance comparison roster publishes, on the simulator.
//!
//! Each round starts the real `roster sim` as a child process (so the figures measure the client
//! alone) with an injected latency per request (0 ms, 100 ms, …), reports how soon every
//! connection answered its first page, then for each connection lists every user with roster and
//! fetches the same pages bare ([`bare`]: plain reqwest at the widest window roster's listing
//! reached, or at `--window` for both, no parsing), printing both times, both windows, their
//! ratio, time to first page and peak memory. Without latency it also runs `roster audit` of each
//! connection in a child process ([`audit`]) and fetches the same records bare ([`records`]: the
//! pages and every user's reads at the connection's `max_concurrency`, the window the audit's
//! reads may reach). Prints figures; asserts nothing. `memory` reads peak memory, `child` runs
//! the simulator, `listing` times roster.

pub mod audit;
pub mod bare;
pub mod child;
pub mod listing;
pub mod memory;
pub mod records;

use std::path::Path;

use crate::config::Connection;
use crate::service::{AnyDirectory, ListQuery, OpenOptions};
use audit::AuditFigures;
use bare::BareFigures;
use child::ChildSimulator;
use listing::{ListingFigures, measure_listing};
use memory::mib;

/// What `roster bench` runs.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Generated users per service (on top of the demo people).
    pub users: usize,
    /// One round per injected latency, in milliseconds.
    pub latencies_ms: Vec<u64>,
    /// Requests in flight at once in both roster's listing (its window's cap) and the bare fetch;
    /// `None`: roster's window adapts up to the connection's `max_concurrency` and the bare fetch
    /// uses the widest it reached.
    pub window: Option<usize>,
    /// Run `roster audit` of each connection in the round without latency.
    pub audit: bool,
}

/// Runs every round and prints the figures.
pub async fn run(options: &BenchOptions) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the roster binary: {e}"))?;
    println!(
        "roster bench: {} generated users per service (plus the demo people), {} logical CPUs, {}",
        options.users,
        std::thread::available_parallelism().map_or(1, usize::from),
        options.window.map_or_else(
            || "bare fetch window: the widest roster's window reached".to_owned(),
            |n| format!("bare fetch window {n}, roster's window capped at {n}")
        )
    );
    for &latency_ms in &options.latencies_ms {
        let simulator = ChildSimulator::start(&exe, options.users, latency_ms).await?;
        let result = round(&exe, &simulator, latency_ms, options).await;
        simulator.stop().await;
        result?;
    }
    Ok(())
}

/// One round against one child simulator.
async fn round(
    exe: &Path,
    simulator: &ChildSimulator,
    latency_ms: u64,
    options: &BenchOptions,
) -> Result<(), String> {
    let config = &simulator.config;
    let connections = config
        .connections
        .iter()
        .map(|spec| spec.resolve(&config.path).map_err(|e| e.to_string()))
        .collect::<Result<Vec<Connection>, String>>()?;
    let first_pages = futures::future::join_all(connections.iter().map(bare::first_page)).await;
    let ready = simulator.started.elapsed();
    println!();
    println!(
        "latency {latency_ms} ms: simulator listening {:.2} s after start; every connection answered its first page {:.2} s after start{}",
        simulator.listening_after.as_secs_f64(),
        ready.as_secs_f64(),
        first_pages
            .iter()
            .find_map(|r| r.as_ref().err())
            .map(|e| format!(" (but: {})", crate::text::sanitize(e)))
            .unwrap_or_default()
    );
    for connection in &connections {
        let compared = compare(connection, options.window).await;
        match compared {
            Ok((roster, bare)) => println!("{}", row(&connection.name, &roster, &bare)),
            Err(error) => println!(
                "{:<7} failed: {}",
                connection.name,
                crate::text::sanitize(&error)
            ),
        }
    }
    if options.audit && latency_ms == 0 {
        for connection in &connections {
            match audit_and_bare(exe, simulator.config_path(), connection).await {
                Ok((figures, bare)) => println!("{}", audit_row(&figures, &bare)),
                Err(error) => println!(
                    "audit {:<8} failed: {}",
                    connection.name,
                    crate::text::sanitize(&error)
                ),
            }
        }
    }
    Ok(())
}

/// roster's listing of one connection, then the bare fetch of the same pages at the widest window
/// roster reached (or both at `forced`).
async fn compare(
    connection: &Connection,
    forced: Option<usize>,
) -> Result<(ListingFigures, BareFigures), String> {
    let mut connection = connection.clone();
    if forced.is_some() {
        connection.max_concurrency = forced;
    }
    let directory =
        AnyDirectory::open(&connection, OpenOptions::default()).map_err(|e| e.to_string())?;
    let roster = measure_listing(&directory).await?;
    let window = forced.unwrap_or(roster.window_peak);
    let bare = bare::fetch_listing(&connection, roster.users, window).await?;
    Ok((roster, bare))
}

/// `roster audit` of one connection in a child, then the bare fetch of the records it read, at
/// the connection's `max_concurrency` (the child's config is the simulator's, so its window may
/// reach that and no more).
async fn audit_and_bare(
    exe: &Path,
    config: &Path,
    connection: &Connection,
) -> Result<(AuditFigures, BareFigures), String> {
    let figures = audit::measure_audit(exe, config, &connection.name).await?;
    let directory =
        AnyDirectory::open(connection, OpenOptions::default()).map_err(|e| e.to_string())?;
    let mut ids = Vec::new();
    directory
        .list_users(&ListQuery::default(), &mut |page| {
            ids.extend(page.users.into_iter().map(|user| user.id));
        })
        .await
        .map_err(|e| e.to_string())?;
    let bare = records::fetch_records(connection, &ids, directory.window().max()).await?;
    Ok((figures, bare))
}

/// One audit line: the audit, the bare fetch of its records and their ratio.
fn audit_row(audit: &AuditFigures, bare: &BareFigures) -> String {
    format!(
        "{audit} | bare fetch of the same records: {} requests, window {}, {:.2} s | audit/bare {:.2}x",
        bare.pages,
        bare.window,
        bare.total.as_secs_f64(),
        audit.total.as_secs_f64() / bare.total.as_secs_f64().max(f64::EPSILON),
    )
}

/// One line of the comparison.
fn row(name: &str, roster: &ListingFigures, bare: &BareFigures) -> String {
    let millis = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    format!(
        "{name:<7} {:>7} users | roster: first page {:>7.1} ms, all {:>8.2} s, {:>4} pages, window peak {:>2} of {:>2}, peak RSS {:>9} | bare: first page {:>7.1} ms, all {:>8.2} s, {:>4} pages, window {:>2}, {:>6.1} MB | roster/bare {:.2}x",
        roster.users,
        millis(roster.first_page),
        roster.total.as_secs_f64(),
        roster.pages,
        roster.window_peak,
        roster.window_max,
        mib(roster.peak_rss_kib),
        millis(bare.first_page),
        bare.total.as_secs_f64(),
        bare.pages,
        bare.window,
        bare.bytes as f64 / 1e6,
        roster.total.as_secs_f64() / bare.total.as_secs_f64().max(f64::EPSILON),
    )
}
