//! The paging rules against scripted services: honest ones, liars, repeaters and runaways. No
//! network: a fetch function answers from a closure and counts the requests.

#![allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{LazyLock, Mutex};

use super::*;

/// A scripted service: `answer(position, count)` gives the page, and every request is recorded.
struct Script<F> {
    answer: F,
    requests: Mutex<Vec<(usize, usize)>>,
}

impl<F: Fn(usize, usize) -> Fetched<String>> Script<F> {
    fn new(answer: F) -> Self {
        Self {
            answer,
            requests: Mutex::new(Vec::new()),
        }
    }

    /// Records the request and answers it.
    fn fetch(
        &self,
        position: usize,
        count: usize,
    ) -> std::future::Ready<Result<Fetched<String>, ServiceError>> {
        self.requests.lock().unwrap().push((position, count));
        std::future::ready(Ok((self.answer)(position, count)))
    }

    fn requests(&self) -> Vec<(usize, usize)> {
        self.requests.lock().unwrap().clone()
    }

    /// Runs `listing` and returns the pages delivered and the outcome.
    fn list(&self, listing: Listing<'_>) -> (Vec<Page<String>>, Result<(), ServiceError>) {
        let mut pages = Vec::new();
        let result = futures::executor::block_on(listing.run(
            |position, count| self.fetch(position, count),
            |id: &String| Some(id.as_str()),
            &mut |page| {
                pages.push(page);
                true
            },
        ));
        (pages, result)
    }
}

fn ids(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("u{i}")).collect()
}

/// An honest directory of `size` users that announces `total`.
fn directory(size: usize, total: Option<usize>) -> impl Fn(usize, usize) -> Fetched<String> {
    move |position, count| Fetched {
        items: ids(position.min(size)..(position + count).min(size)),
        total,
        position: None,
    }
}

fn listed(pages: &[Page<String>]) -> Vec<String> {
    pages.iter().flat_map(|p| p.items.clone()).collect()
}

/// A window of three slots that stays so (no request reports to it).
static THREE: LazyLock<Window> = LazyLock::new(|| Window::starting_at(3, 3));
/// A window of one slot.
static ONE: LazyLock<Window> = LazyLock::new(|| Window::starting_at(1, 1));

fn listing() -> Listing<'static> {
    Listing::new("test", "offset", 0, 10, &THREE)
}

#[test]
fn an_honest_total_lists_everyone_once_in_order() {
    let script = Script::new(directory(45, Some(45)));
    let (pages, result) = script.list(listing());
    result.unwrap();
    assert_eq!(listed(&pages), ids(0..45));
    assert!(pages.iter().all(|p| p.total == Some(45)));
    assert_eq!(script.requests().len(), 5, "no page past the total");
}

#[test]
fn a_huge_total_is_not_believed_and_the_truth_is_shown_at_the_end() {
    for claimed in [usize::MAX, 50_000_000_000] {
        let script = Script::new(directory(25, Some(claimed)));
        let (pages, result) = script.list(listing());
        result.unwrap();
        assert_eq!(listed(&pages), ids(0..25));
        assert!(pages[..pages.len() - 1].iter().all(|p| p.total.is_none()));
        let last = pages.last().unwrap();
        assert!(last.items.is_empty());
        assert_eq!(last.total, Some(25), "the total shown is what was listed");
    }
}

#[test]
fn a_total_larger_than_the_directory_ends_at_the_first_empty_page() {
    let script = Script::new(directory(25, Some(1_000)));
    let (pages, result) = script.list(listing());
    result.unwrap();
    assert_eq!(listed(&pages), ids(0..25));
    assert_eq!(pages.last().unwrap().total, Some(25));
    assert!(script.requests().len() < 10, "{:?}", script.requests());
}

#[test]
fn pages_that_never_change_stop_the_listing() {
    let script = Script::new(|_, count| Fetched {
        items: ids(0..count),
        total: Some(usize::MAX),
        position: None,
    });
    let (pages, result) = script.list(listing());
    let error = result.unwrap_err().to_string();
    assert!(error.contains("offset=10 brought no user"), "{error}");
    assert_eq!(listed(&pages), ids(0..10));
    assert_eq!(pages.last().unwrap().total, Some(10));
}

#[test]
fn duplicates_across_pages_are_removed_and_counted() {
    // Every page repeats the last three users of the page before.
    let script = Script::new(|position: usize, count| Fetched {
        items: ids(position.saturating_sub(3).min(40)..(position + count).min(40)),
        total: None,
        position: None,
    });
    let (pages, result) = script.list(listing());
    result.unwrap();
    assert_eq!(listed(&pages), ids(0..40));
    let removed: usize = pages.iter().map(|p| p.duplicates_removed).sum();
    assert!(removed >= 9, "{removed}");
}

#[test]
fn a_server_answering_another_position_is_asked_once_more_then_stopped() {
    let script = Script::new(|_, count| Fetched {
        items: ids(0..count),
        total: Some(100),
        position: Some(0),
    });
    let (pages, result) = script.list(listing());
    let error = result.unwrap_err().to_string();
    assert!(
        error.contains("answered with the page at offset=0, twice"),
        "{error}"
    );
    assert_eq!(listed(&pages), ids(0..10));
    let retries = script.requests().iter().filter(|r| r.0 == 10).count();
    assert_eq!(retries, 2, "one retry, alone: {:?}", script.requests());
}

#[test]
fn an_out_of_turn_answer_that_is_right_the_second_time_goes_on() {
    let asked = Mutex::new(0usize);
    let script = Script::new(|position: usize, count| {
        let mut asked = asked.lock().unwrap();
        *asked += 1;
        let answered = if *asked == 2 { 0 } else { position };
        Fetched {
            items: ids(answered..(answered + count).min(30)),
            total: Some(30),
            position: Some(answered),
        }
    });
    let (pages, result) = script.list(Listing::new("test", "startIndex", 1, 10, &ONE));
    result.unwrap();
    assert_eq!(listed(&pages), ids(0..30));
}

#[test]
fn a_listing_past_the_announced_total_by_more_than_a_page_stops() {
    // Announces 20, but every page after the first brings three times what was asked for.
    let script = Script::new(|position: usize, count| Fetched {
        items: ids(position..position + if position == 0 { count } else { 3 * count }),
        total: Some(20),
        position: None,
    });
    let (pages, result) = script.list(listing().with_max_listed(1_000));
    let error = result.unwrap_err().to_string();
    assert!(error.contains("announced 20 users"), "{error}");
    assert_eq!(pages.last().unwrap().total, Some(listed(&pages).len()));
}

#[test]
fn a_listing_without_end_stops_at_the_cap() {
    let script = Script::new(|position: usize, count| Fetched {
        items: ids(position..position + count),
        total: None,
        position: None,
    });
    let (pages, result) = script.list(listing().with_max_listed(95));
    let error = result.unwrap_err().to_string();
    assert!(error.contains("more than 95 users"), "{error}");
    assert!(listed(&pages).len() <= 100);
}

#[test]
fn the_limit_is_exact_and_asks_no_further() {
    for limit in [1, 9, 10, 11, 25] {
        let script = Script::new(directory(1_000, Some(1_000)));
        let (pages, result) = script.list(listing().with_limit(Some(limit)));
        result.unwrap();
        assert_eq!(listed(&pages), ids(0..limit), "limit {limit}");
        let asked: usize = script.requests().iter().map(|r| r.1).sum();
        assert_eq!(asked, limit, "{:?}", script.requests());
        assert!(pages.iter().all(|p| p.total == Some(1_000)));
    }
}

#[test]
fn without_a_total_the_first_short_page_ends_the_listing() {
    let script = Script::new(directory(23, None));
    let (pages, result) = script.list(listing());
    result.unwrap();
    assert_eq!(listed(&pages), ids(0..23));
    assert!(pages.iter().all(|p| p.total.is_none()));
}

#[test]
fn a_server_with_smaller_pages_than_asked_is_followed_at_its_own_size() {
    let script = Script::new(|position: usize, count: usize| Fetched {
        items: ids(position..(position + count.min(4)).min(18)),
        total: Some(18),
        position: None,
    });
    let (pages, result) = script.list(listing());
    result.unwrap();
    assert_eq!(listed(&pages), ids(0..18));
    assert!(script.requests()[1..].iter().all(|r| r.1 <= 4));
}

#[test]
fn a_short_page_in_the_middle_is_filled_before_going_on() {
    // Position 10 answers only 6 users (deleted meanwhile, say); the rest follow.
    let script = Script::new(|position: usize, count: usize| {
        let end = if position == 10 { 16 } else { position + count };
        Fetched {
            items: ids(position..end.min(35)),
            total: Some(35),
            position: None,
        }
    });
    let (pages, result) = script.list(listing());
    result.unwrap();
    assert_eq!(listed(&pages), ids(0..35));
}

#[test]
fn an_empty_directory_with_a_claimed_total_shows_zero() {
    let script = Script::new(directory(0, Some(7)));
    let (pages, result) = script.list(listing());
    result.unwrap();
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].total, Some(0));
}

/// The most pages a listing of `size` users in pages of `page_size` had asked for and not yet
/// received at once, with `window`.
fn most_pages_ahead(window: &Window, page_size: usize, size: usize) -> usize {
    let (asked, received, most) = (
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
    );
    let listing = Listing::new("test", "offset", 0, page_size, window);
    futures::executor::block_on(listing.run(
        |position, count| {
            asked.fetch_add(1, Ordering::SeqCst);
            let page = directory(size, Some(size))(position, count);
            let (asked, received, most) = (&asked, &received, &most);
            async move {
                let ahead = asked.load(Ordering::SeqCst) - received.load(Ordering::SeqCst);
                most.fetch_max(ahead, Ordering::SeqCst);
                received.fetch_add(1, Ordering::SeqCst);
                Ok(page)
            }
        },
        |id: &String| Some(id.as_str()),
        &mut |_| true,
    ))
    .unwrap();
    most.load(Ordering::SeqCst)
}

#[test]
fn pages_are_fetched_ahead_as_far_as_the_window_allows_now() {
    let window = Window::starting_at(4, 16);
    assert_eq!(most_pages_ahead(&window, 10, 500), 4);
    // The window widens (here by hand: a full round of good answers).
    let slots: Vec<_> = (0..4)
        .map(|_| futures::executor::block_on(window.acquire()))
        .collect();
    for slot in slots {
        slot.answered(1, std::time::Duration::from_millis(5));
    }
    assert_eq!(window.current(), 8);
    assert_eq!(most_pages_ahead(&window, 10, 500), 8);
}

#[test]
fn pages_ahead_stay_within_the_memory_bound_however_wide_the_window() {
    let window = Window::starting_at(64, 64);
    let page_size = MAX_ITEMS_AHEAD / 4;
    assert_eq!(most_pages_ahead(&window, page_size, 20 * page_size), 4);
}

/// Runs `listing` paced by `pace`, the consumer queueing every page and taking `take` of each.
async fn paced(
    script: &Script<impl Fn(usize, usize) -> Fetched<String>>,
    listing: Listing<'_>,
    pace: &Pace,
    take: usize,
) -> (usize, Result<(), ServiceError>) {
    let mut delivered = 0;
    let result = listing
        .with_pace(Some(pace))
        .run(
            |position, count| script.fetch(position, count),
            |id: &String| Some(id.as_str()),
            &mut |page| {
                delivered += page.items.len();
                pace.queued(page.items.len());
                pace.taken(take.min(page.items.len()));
                true
            },
        )
        .await;
    (delivered, result)
}

#[tokio::test]
async fn a_paced_listing_asks_for_no_page_while_the_queue_is_full_and_its_wait_is_bounded() {
    let script = Script::new(directory(100, Some(100)));
    let pace = Pace::new(25, std::time::Duration::from_millis(50));
    let (delivered, result) = paced(&script, listing(), &pace, 0).await;
    let refused = result.unwrap_err().to_string();
    assert!(refused.contains("waited"), "{refused}");
    // The first page, the pages that fill the queue, and at most the window's pages in flight
    // when it filled.
    let asked = script.requests().len();
    assert!((3..=1 + 3 + 3).contains(&asked), "{asked} pages asked");
    assert_eq!(delivered, asked * 10);
    assert!(delivered < 100);
}

#[tokio::test]
async fn a_paced_listing_whose_users_are_taken_lists_everyone() {
    let script = Script::new(directory(100, Some(100)));
    let pace = Pace::new(15, std::time::Duration::from_secs(60));
    let (delivered, result) = paced(&script, listing(), &pace, 10).await;
    result.unwrap();
    assert_eq!(delivered, 100);
    assert_eq!(pace.waiting(), 0);
}
