//! The request window of one connection: how many of its requests may be in flight at once,
//! adapted to how the server answers.
//!
//! Every request of a connection — listings, look-ups, audits, writes, bulk edits — takes a
//! [`Slot`] of the connection's one [`Window`] for each attempt and gives it back with what came
//! back; the window then widens or narrows by the AIMD [`rules`] (slow start, one more slot per
//! good round, halved on 429/503/timeouts or rising latency, never above the configured maximum;
//! a 500 or a dropped connection is no overload, only several in a row halve).
//! A 429's `Retry-After` is the refused request's own wait (the HTTP layer's retry); the others
//! go on at the halved size, so a server that only refuses now and then does not stall the whole
//! connection. Slots are handed out in the order they were asked for. This module sends nothing
//! and knows no service; waits here end when the caller's overall deadline drops the future.

#![deny(clippy::arithmetic_side_effects)]

mod rules;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub use rules::{FAILURES_BEFORE_CUT, Rules, SLOW_FACTOR, SLOW_MARGIN, Signal};

/// The size a window starts at when its maximum allows: the fixed window roster used before it
/// adapted, small enough for any server to take.
pub const START: usize = 4;

/// Path segments longer than this count as values (ids, names), not as parts of the route.
const LONGEST_ROUTE_SEGMENT: usize = 40;

/// A connection's request window; clones share it.
#[derive(Debug, Clone)]
pub struct Window {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    /// One permit per free slot; FIFO, so slots go out in the order they were asked for.
    permits: Arc<Semaphore>,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    rules: Rules,
    in_flight: usize,
    /// Slots to withdraw as requests come back, after a halving found them in use.
    owed: usize,
}

impl Window {
    /// A window that starts at [`START`] slots (fewer when `max` is smaller) and may widen to
    /// `max` (at least one).
    pub fn new(max: usize) -> Self {
        Self::starting_at(START, max)
    }

    /// A window that starts at `start` slots and may widen to `max`.
    pub fn starting_at(start: usize, max: usize) -> Self {
        let rules = Rules::new(start, max);
        Self {
            shared: Arc::new(Shared {
                permits: Arc::new(Semaphore::new(rules.current())),
                state: Mutex::new(State {
                    rules,
                    in_flight: 0,
                    owed: 0,
                }),
            }),
        }
    }

    /// How many requests may be in flight now.
    pub fn current(&self) -> usize {
        self.state().rules.current()
    }

    /// The most requests this window ever allows in flight (the connection's `max_concurrency`
    /// or its service's default).
    pub fn max(&self) -> usize {
        self.state().rules.max()
    }

    /// The widest this window has been (what a listing or an audit reached).
    pub fn peak(&self) -> usize {
        self.state().rules.peak()
    }

    /// How many requests hold a slot now.
    pub fn in_flight(&self) -> usize {
        self.state().in_flight
    }

    /// How many times the window has been halved (429, 503, timeouts, rising latency).
    pub fn cuts(&self) -> u64 {
        self.state().rules.cuts()
    }

    /// Waits for a free slot. Dropping the future (the overall deadline passed) gives up the place
    /// in the queue.
    pub async fn acquire(&self) -> Slot {
        // The semaphore is never closed; should it be, requests go unthrottled rather than stop.
        let permit = self.shared.permits.clone().acquire_owned().await.ok();
        let mut state = self.state();
        state.in_flight = state.in_flight.saturating_add(1);
        if state.in_flight >= state.rules.current() {
            state.rules.filled();
        }
        Slot {
            window: self.clone(),
            permit,
            sent_at: state.rules.cuts(),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // The state stays consistent at every unlock, so a panic elsewhere does not spoil it.
        self.shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies a signal and moves permits so that the free ones match the new size.
    fn record(&self, sent_at: u64, signal: Signal) {
        let mut state = self.state();
        let before = state.rules.current();
        state.rules.record(sent_at, signal);
        let after = state.rules.current();
        if after != before {
            tracing::debug!(from = before, to = after, "request window resized");
        }
        if let Some(wider) = after.checked_sub(before).filter(|n| *n > 0) {
            let repaid = wider.min(state.owed);
            state.owed = state.owed.saturating_sub(repaid);
            self.shared
                .permits
                .add_permits(wider.saturating_sub(repaid));
        } else if let Some(narrower) = before.checked_sub(after).filter(|n| *n > 0) {
            let withdrawn = self.shared.permits.forget_permits(narrower);
            state.owed = state
                .owed
                .saturating_add(narrower.saturating_sub(withdrawn));
        }
    }
}

/// The right to send one attempt of one request. Report what came back with
/// [`Slot::answered`], [`Slot::overloaded`] or [`Slot::failed`]; dropping it says nothing about
/// the server (a refused connection, a 404, a cancelled request) and only frees the slot.
#[derive(Debug)]
pub struct Slot {
    window: Window,
    permit: Option<OwnedSemaphorePermit>,
    sent_at: u64,
}

impl Slot {
    /// A complete answer of the given kind of request came back after `latency`.
    pub fn answered(self, kind: u64, latency: Duration) {
        self.window
            .record(self.sent_at, Signal::Answered { kind, latency });
    }

    /// The server said it is overloaded (429, 503) or the attempt timed out.
    pub fn overloaded(self) {
        self.window.record(self.sent_at, Signal::Overloaded);
    }

    /// The attempt failed without a sign of load (a 500, a connection dropped before the
    /// answer): no cut unless several come in a row.
    pub fn failed(self) {
        self.window.record(self.sent_at, Signal::Failed);
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut state = self.window.state();
        state.in_flight = state.in_flight.saturating_sub(1);
        if let Some(permit) = self.permit.take() {
            if state.owed > 0 {
                state.owed = state.owed.saturating_sub(1);
                permit.forget();
            } else {
                drop(permit);
            }
        }
    }
}

/// The kind of a request for latency comparisons: its method and the shape of its path, where
/// segments that hold a digit or are long (ids, names) count as values. `GET /users/42` and
/// `GET /users/7` are one kind; `GET /users` (a page) is another.
pub fn request_kind(method: &str, path: &str) -> u64 {
    let mut hash = fnv1a(FNV_OFFSET, method.as_bytes());
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        let is_value = segment.len() > LONGEST_ROUTE_SEGMENT
            || segment.bytes().any(|b| b.is_ascii_digit() || b == b'%');
        hash = fnv1a(hash, b"/");
        hash = fnv1a(hash, if is_value { b"{}" } else { segment.as_bytes() });
    }
    hash
}

/// Where an FNV-1a hash starts.
pub(crate) const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a continued over `bytes`: a stable hash without a random seed.
pub(crate) fn fnv1a(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x100_0000_01b3)
    })
}

#[cfg(test)]
mod tests;
