//! The paging rules every listing follows, in one place, so that no service can make a listing
//! run away.
//!
//! A [`Listing`] reads pages through a fetch function the client supplies (Looker `limit`/`offset`,
//! SCIM `startIndex`/`count`, Crowd `start-index`/`max-results`) and applies the same rules to all
//! three: positions are generated one page at a time, never collected up front from an announced
//! total; a total above [`MAX_LISTED`] is not believed; a full page whose users were all listed
//! before stops the listing, as does a server that answers at another position than the one asked
//! for (after one retry alone), a listing that passes the announced total by more than a page, and
//! one that passes [`MAX_LISTED`]; users listed twice are removed and counted. Once the listing
//! ends, an announced total that turned out wrong is replaced by what was actually listed. Pages
//! after the first are fetched ahead as far as the connection's request [`Window`] currently
//! allows, and never more than [`MAX_ITEMS_AHEAD`] users' worth, so memory stays small however
//! wide the window grows; they are delivered in order. A consumer that queues the users can hold
//! the listing back with a [`Pace`]. This module sends nothing itself and knows no service's wire
//! format.

#![deny(clippy::arithmetic_side_effects)]

use std::collections::HashSet;
use std::future::Future;

use futures::StreamExt;
use futures::stream::FuturesOrdered;

use super::UsersPage;
use super::error::ServiceError;
use super::pace::Pace;
use super::window::Window;
use crate::domain::UserSummary;

/// The most users one listing may deliver. No directory roster serves is this large; a listing
/// that passes it is taken to be a service whose paging runs away.
pub const MAX_LISTED: usize = 2_000_000;

/// The most users a listing asks for ahead of the page it delivers next (32 pages of 1000): pages
/// that arrive early wait in memory for the ones before them.
pub const MAX_ITEMS_AHEAD: usize = 32_000;

/// What a service answered for one page request.
#[derive(Debug, Clone)]
pub struct Fetched<T> {
    /// The items, in service order.
    pub items: Vec<T>,
    /// The total the service announced with this page, as sent.
    pub total: Option<usize>,
    /// The zero-based position the service says this page starts at, when it says
    /// (SCIM `startIndex` − 1).
    pub position: Option<usize>,
}

/// One page delivered to the caller of a listing: in order, without users listed before.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The items not listed on an earlier page.
    pub items: Vec<T>,
    /// The announced total when it is believable; once the listing ends, a total that proved
    /// wrong is corrected by one last page without items holding the number actually listed.
    pub total: Option<usize>,
    /// Items of this page that an earlier page had already listed; they were removed.
    pub duplicates_removed: usize,
}

impl<T> Page<T> {
    /// The page as users of the domain.
    pub fn into_users(self, summary: impl Fn(&T) -> UserSummary) -> UsersPage {
        UsersPage {
            users: self.items.iter().map(summary).collect(),
            total: self.total,
            duplicates_removed: self.duplicates_removed,
        }
    }
}

/// How one listing pages through a service.
#[derive(Debug, Clone, Copy)]
pub struct Listing<'a> {
    connection: &'a str,
    parameter: &'static str,
    first_index: usize,
    page_size: usize,
    window: &'a Window,
    limit: Option<usize>,
    max_listed: usize,
    pace: Option<&'a Pace>,
}

/// How a listing ended without an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ended {
    /// The service had no more users.
    Complete,
    /// The limit was reached, or the caller stopped it: the rest was never asked for.
    Cut,
}

/// What to do after a page was accepted.
enum Next {
    /// Go on with the pages already asked for.
    Continue,
    /// The page was short although more was announced: ask again from this position.
    RestartAt(usize),
    /// The listing is over.
    End(Ended),
}

impl<'a> Listing<'a> {
    /// A listing on `connection` whose position parameter is `parameter` (for messages), counted
    /// from `first_index` (0, or 1 for SCIM), asking `page_size` items per page with as many
    /// pages in flight as the connection's `window` allows.
    pub fn new(
        connection: &'a str,
        parameter: &'static str,
        first_index: usize,
        page_size: usize,
        window: &'a Window,
    ) -> Self {
        Self {
            connection,
            parameter,
            first_index,
            page_size: page_size.max(1),
            window,
            limit: None,
            max_listed: MAX_LISTED,
            pace: None,
        }
    }

    /// Asks for no further page while the consumer's queue is full ([`Pace`]).
    pub fn with_pace(mut self, pace: Option<&'a Pace>) -> Self {
        self.pace = pace;
        self
    }

    /// Stops after `limit` users.
    pub fn with_limit(mut self, limit: Option<usize>) -> Self {
        self.limit = limit;
        self
    }

    /// Replaces [`MAX_LISTED`] (tests use small caps).
    pub fn with_max_listed(mut self, max_listed: usize) -> Self {
        self.max_listed = max_listed;
        self
    }

    /// Runs the listing: `fetch(position, count)` reads one page (zero-based position), `id_of`
    /// names an item (items without an id are kept but count as no progress), and `on_page`
    /// receives the pages in order and returns false to stop.
    pub async fn run<T, Fut>(
        &self,
        fetch: impl Fn(usize, usize) -> Fut,
        id_of: impl Fn(&T) -> Option<&str>,
        on_page: &mut (dyn FnMut(Page<T>) -> bool + Send),
    ) -> Result<(), ServiceError>
    where
        Fut: Future<Output = Result<Fetched<T>, ServiceError>>,
    {
        let mut progress = Progress {
            listing: *self,
            wanted: self.limit.unwrap_or(usize::MAX),
            seen: HashSet::new(),
            delivered: 0,
            duplicates: 0,
            claimed: None,
            believed: None,
            step: self.page_size,
        };
        let outcome = progress.pages(&fetch, &id_of, on_page).await;
        if progress.duplicates > 0 {
            tracing::warn!(
                connection = %self.connection,
                duplicates = progress.duplicates,
                "the service listed users more than once; each is delivered once"
            );
        }
        let proven_wrong = match &outcome {
            Ok(ended) => *ended == Ended::Complete,
            Err(error) => matches!(error, ServiceError::Paging { .. }),
        };
        if let Some(claimed) = progress
            .claimed
            .filter(|c| proven_wrong && *c != progress.delivered)
        {
            tracing::warn!(
                connection = %self.connection,
                announced = claimed,
                listed = progress.delivered,
                "the announced total was wrong; showing what was listed"
            );
            on_page(Page {
                items: Vec::new(),
                total: Some(progress.delivered),
                duplicates_removed: 0,
            });
        }
        outcome.map(drop)
    }
}

/// The state of one running listing.
struct Progress<'a> {
    listing: Listing<'a>,
    wanted: usize,
    seen: HashSet<String>,
    delivered: usize,
    duplicates: usize,
    /// The total the service announced, believable or not.
    claimed: Option<usize>,
    /// The announced total when it is at most the listing cap.
    believed: Option<usize>,
    /// Items per page after the first: what the service returned for the first page.
    step: usize,
}

impl Progress<'_> {
    async fn pages<T, Fut>(
        &mut self,
        fetch: &impl Fn(usize, usize) -> Fut,
        id_of: &impl Fn(&T) -> Option<&str>,
        on_page: &mut (dyn FnMut(Page<T>) -> bool + Send),
    ) -> Result<Ended, ServiceError>
    where
        Fut: Future<Output = Result<Fetched<T>, ServiceError>>,
    {
        if self.wanted == 0 {
            return Ok(Ended::Cut);
        }
        let first_count = self.listing.page_size.min(self.wanted);
        let first = self.fetch_at(fetch, 0, first_count).await?;
        self.claimed = first.total;
        self.believed = first.total.filter(|t| *t <= self.listing.max_listed);
        if let Some(claimed) = first.total.filter(|_| self.believed.is_none()) {
            tracing::warn!(
                connection = %self.listing.connection,
                announced = claimed,
                "ignoring an implausible total"
            );
        }
        self.step = first.items.len().max(1);
        let mut next = first.items.len();
        match self.accept(0, first_count, first, id_of, on_page)? {
            Next::Continue => {}
            Next::RestartAt(position) => next = position,
            Next::End(ended) => return Ok(ended),
        }
        let mut in_flight = FuturesOrdered::new();
        loop {
            let bound = self.bound();
            while in_flight.len() < self.pages_ahead() && next < bound {
                if let Some(pace) = self.listing.pace.filter(|pace| !pace.has_room()) {
                    if !in_flight.is_empty() {
                        break;
                    }
                    // Nothing in flight, so no slot of the window is held while waiting.
                    pace.room(self.listing.connection).await?;
                }
                // Whole pages up to the total (a few users added meanwhile still come), but no
                // user past the limit.
                let count = self.step.min(self.by_limit().saturating_sub(next));
                let position = next;
                let page = fetch(position, count);
                in_flight.push_back(async move { (position, count, page.await) });
                next = position.saturating_add(count);
            }
            let Some((position, count, page)) = in_flight.next().await else {
                return Ok(if self.believed.is_some_and(|t| next >= t) {
                    Ended::Complete
                } else {
                    Ended::Cut
                });
            };
            let mut page = page?;
            if let Some(answered) = page.position.filter(|p| *p != position) {
                in_flight = FuturesOrdered::new();
                page = self.fetch_again(fetch, position, count, answered).await?;
                next = position.saturating_add(page.items.len());
            }
            match self.accept(position, count, page, id_of, on_page)? {
                Next::Continue => {}
                Next::RestartAt(restart) => {
                    in_flight = FuturesOrdered::new();
                    next = restart;
                }
                Next::End(ended) => return Ok(ended),
            }
        }
    }

    /// Fetches one page and checks that it starts where it was asked to.
    async fn fetch_at<T, Fut>(
        &self,
        fetch: &impl Fn(usize, usize) -> Fut,
        position: usize,
        count: usize,
    ) -> Result<Fetched<T>, ServiceError>
    where
        Fut: Future<Output = Result<Fetched<T>, ServiceError>>,
    {
        let page = fetch(position, count).await?;
        match page.position.filter(|p| *p != position) {
            None => Ok(page),
            Some(answered) => self.fetch_again(fetch, position, count, answered).await,
        }
    }

    /// Asks once more, alone, for a page that came back from another position than asked (a
    /// server under load may answer out of turn); a second wrong answer stops the listing.
    async fn fetch_again<T, Fut>(
        &self,
        fetch: &impl Fn(usize, usize) -> Fut,
        position: usize,
        count: usize,
        answered: usize,
    ) -> Result<Fetched<T>, ServiceError>
    where
        Fut: Future<Output = Result<Fetched<T>, ServiceError>>,
    {
        tracing::warn!(
            connection = %self.listing.connection,
            asked = position,
            answered,
            "the page starts elsewhere than asked; asking once more"
        );
        let page = fetch(position, count).await?;
        match page.position.filter(|p| *p != position) {
            None => Ok(page),
            Some(answered) => Err(self.stopped(format!(
                "asked for the page at {} and the service answered with the page at {}, twice \
                 (it seems to ignore `{}`)",
                self.shown(position),
                self.shown(answered),
                self.listing.parameter
            ))),
        }
    }

    /// How many pages may be asked for ahead: what the window allows now, within the memory bound.
    fn pages_ahead(&self) -> usize {
        let by_memory = MAX_ITEMS_AHEAD.checked_div(self.step).unwrap_or(1).max(1);
        self.listing.window.current().min(by_memory)
    }

    /// The position up to which pages are asked for: the believed total, and no further than the
    /// limit allows.
    fn bound(&self) -> usize {
        let by_limit = self.by_limit();
        self.believed.map_or(by_limit, |total| total.min(by_limit))
    }

    /// The position the limit allows asking up to: the limit plus the duplicates removed so far.
    fn by_limit(&self) -> usize {
        self.wanted.saturating_add(self.duplicates)
    }

    /// Removes users listed before, delivers the rest and decides how the listing goes on.
    fn accept<T>(
        &mut self,
        position: usize,
        count: usize,
        page: Fetched<T>,
        id_of: &impl Fn(&T) -> Option<&str>,
        on_page: &mut (dyn FnMut(Page<T>) -> bool + Send),
    ) -> Result<Next, ServiceError> {
        let received = page.items.len();
        if received == 0 {
            return Ok(Next::End(Ended::Complete));
        }
        let mut fresh = Vec::with_capacity(received);
        let (mut new_ids, mut duplicates) = (0usize, 0usize);
        for item in page.items {
            match id_of(&item).map(|id| self.seen.insert(id.to_owned())) {
                Some(true) => {
                    new_ids = new_ids.saturating_add(1);
                    fresh.push(item);
                }
                Some(false) => duplicates = duplicates.saturating_add(1),
                None => fresh.push(item),
            }
        }
        // A full page of users listed before means the service is not moving on; a short one
        // only ends the listing.
        if new_ids == 0 && received >= count {
            return Err(self.stopped(format!(
                "the page at {} brought no user that was not listed already (the service's \
                 paging does not advance)",
                self.shown(position)
            )));
        }
        self.duplicates = self.duplicates.saturating_add(duplicates);
        fresh.truncate(self.wanted.saturating_sub(self.delivered));
        self.delivered = self.delivered.saturating_add(fresh.len());
        let go_on = on_page(Page {
            items: fresh,
            total: self.believed,
            duplicates_removed: duplicates,
        });
        if !go_on || self.delivered >= self.wanted {
            return Ok(Next::End(Ended::Cut));
        }
        if self.delivered > self.listing.max_listed {
            return Err(self.stopped(format!(
                "more than {} users were listed (the service's paging seems to run away)",
                self.listing.max_listed
            )));
        }
        if let Some(total) = self.believed
            && self.delivered > total.saturating_add(self.step)
        {
            return Err(self.stopped(format!(
                "the service announced {total} users but listed more than a page beyond that \
                 ({} so far)",
                self.delivered
            )));
        }
        let end = position.saturating_add(received);
        if received >= count {
            return Ok(Next::Continue);
        }
        Ok(match self.believed {
            Some(total) if end < total => Next::RestartAt(end),
            _ => Next::End(Ended::Complete),
        })
    }

    /// A position as the service counts it, with its parameter name.
    fn shown(&self, position: usize) -> String {
        format!(
            "{}={}",
            self.listing.parameter,
            position.saturating_add(self.listing.first_index)
        )
    }

    fn stopped(&self, reason: String) -> ServiceError {
        ServiceError::Paging {
            connection: self.listing.connection.to_owned(),
            reason,
        }
    }
}

#[cfg(test)]
mod tests;
