//! `roster bench`: the performance comparison roster publishes, on the simulator.
//!
//! Each round starts the real `roster sim` as a child process (so the figures measure the client
//! alone) with an injected latency per request (0 ms, 100 ms, …), reports how soon every
//! connection answered its first page, then for each connection lists every user with roster and
//! fetches the same pages bare ([`bare`]: plain reqwest at a fixed window, no parsing), printing
//! both times, their ratio, time to first page and peak memory. Without latency it also runs
//! `roster audit` of each connection in a child process ([`audit`]). Prints figures; asserts
//! nothing. `memory` reads peak memory, `child` runs the simulator, `listing` times roster.

pub mod audit;
pub mod bare;
pub mod child;
pub mod listing;
pub mod memory;

use std::path::Path;

use crate::config::Connection;
use crate::service::{AnyDirectory, OpenOptions};
use bare::BareFigures;
use child::ChildSimulator;
use listing::{ListingFigures, measure_listing};
use memory::mib;

/// Pages in flight at once in roster's listings today (`PAGE_WINDOW` of each service client),
/// and so the bare fetch's default window.
pub const LISTING_WINDOW: usize = 4;

/// What `roster bench` runs.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Generated users per service (on top of the demo people).
    pub users: usize,
    /// One round per injected latency, in milliseconds.
    pub latencies_ms: Vec<u64>,
    /// Pages in flight at once in the bare fetch.
    pub window: usize,
    /// Run `roster audit` of each connection in the round without latency.
    pub audit: bool,
}

/// Runs every round and prints the figures.
pub async fn run(options: &BenchOptions) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the roster binary: {e}"))?;
    println!(
        "roster bench: {} generated users per service (plus the demo people), {} logical CPUs, bare fetch window {}",
        options.users,
        std::thread::available_parallelism().map_or(1, usize::from),
        options.window
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
            match audit::measure_audit(exe, simulator.config_path(), &connection.name).await {
                Ok(figures) => println!("{figures}"),
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

/// roster's listing of one connection, then the bare fetch of the same pages.
async fn compare(
    connection: &Connection,
    window: usize,
) -> Result<(ListingFigures, BareFigures), String> {
    let directory =
        AnyDirectory::open(connection, OpenOptions::default()).map_err(|e| e.to_string())?;
    let roster = measure_listing(&directory).await?;
    let bare = bare::fetch_listing(connection, roster.users, window).await?;
    Ok((roster, bare))
}

/// One line of the comparison.
fn row(name: &str, roster: &ListingFigures, bare: &BareFigures) -> String {
    let millis = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    format!(
        "{name:<7} {:>7} users | roster: first page {:>7.1} ms, all {:>8.2} s, {:>4} pages, peak RSS {:>9} | bare: first page {:>7.1} ms, all {:>8.2} s, {:>4} pages, {:>6.1} MB | roster/bare {:.2}x",
        roster.users,
        millis(roster.first_page),
        roster.total.as_secs_f64(),
        roster.pages,
        mib(roster.peak_rss_kib),
        millis(bare.first_page),
        bare.total.as_secs_f64(),
        bare.pages,
        bare.bytes as f64 / 1e6,
        roster.total.as_secs_f64() / bare.total.as_secs_f64().max(f64::EPSILON),
    )
}
