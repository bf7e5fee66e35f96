//! roster's own listing as the bench measures it: every user of one open connection through the
//! service client, timed to the first page and to the end, with this process's peak memory reset
//! before and read after, and the widest its request window grew.

use std::time::{Duration, Instant};

use super::memory::{peak_rss_kib, reset_peak};
use crate::service::{AnyDirectory, ListQuery};

/// The figures of one listing.
#[derive(Debug, Clone)]
pub struct ListingFigures {
    /// Users listed.
    pub users: usize,
    /// Pages received.
    pub pages: usize,
    /// Time to the first page.
    pub first_page: Duration,
    /// Time to the whole listing.
    pub total: Duration,
    /// Peak resident memory of this process during the listing, in KiB (Linux only; when the
    /// peak cannot be reset it is the process's peak so far).
    pub peak_rss_kib: Option<u64>,
    /// The widest the connection's request window grew during the listing.
    pub window_peak: usize,
    /// The most the window could have grown to (the connection's `max_concurrency`).
    pub window_max: usize,
}

/// Lists every user of one open connection and measures it.
pub async fn measure_listing(directory: &AnyDirectory) -> Result<ListingFigures, String> {
    reset_peak();
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
        users,
        pages,
        first_page: first_page.unwrap_or_default(),
        total: started.elapsed(),
        peak_rss_kib: peak_rss_kib(),
        window_peak: directory.window().peak(),
        window_max: directory.window().max(),
    })
}
