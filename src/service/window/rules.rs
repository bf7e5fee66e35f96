//! The AIMD rules of a connection's request window as pure arithmetic: from the answers that come
//! back (how long each took against the usual time of its kind of request, or a sign that the
//! server is overloaded) they decide how many requests may be in flight.
//!
//! The rules, in the order they apply:
//! - **Start** at a modest size and grow fast: while nothing has gone wrong yet, a round in which
//!   the window was full and most answers kept their latency doubles it (slow start).
//! - **Grow** by one slot per such round afterwards (additive increase).
//! - **Halve** at once on a sign of overload (429, 503, an attempt that timed out), and at the end
//!   of a round in which most answers were slow: more than [`SLOW_FACTOR`] times the usual latency
//!   of their kind of request and more than [`SLOW_MARGIN`] above it (multiplicative decrease).
//! - **Failures are not overload**: a 500 (or another 5xx but 503) or a connection dropped before
//!   its answer says nothing about load, so a failure now and then neither cuts nor ends a round;
//!   only [`FAILURES_BEFORE_CUT`] in a row, with no answer between them, halve (a server falling
//!   over). A malformed body is a complete answer as far as the window is concerned.
//! - **Once per cut**: answers to requests sent before the last halving say nothing about the new
//!   size; they neither end a round nor cut again (so one burst of 429s halves once, not to 1).
//! - **Never** above the maximum nor below one.
//!
//! A round is as many answers (to requests sent at the current size) as the window has slots. The
//! usual latency of a kind of request is the fastest answer of the last [`BASELINE_ROUNDS`] to
//! twice that many rounds, so that it follows a network that changed for good. No clock, no lock
//! and no I/O here: the caller measures and reports.

#![deny(clippy::arithmetic_side_effects)]

use std::time::Duration;

/// How many times slower than usual an answer must be to count as slow (a queue is forming).
pub const SLOW_FACTOR: u32 = 2;
/// How much slower than usual an answer must also be to count as slow. On a busy client machine
/// (two cores shared with builds, a debug build parsing pages of 1000 users) answers from a
/// loopback server come back tens of milliseconds late for reasons that have nothing to do with
/// the server: measured, a 5 ms margin kept the window of a bulk edit at 1–3 against a local
/// simulator. A queue at a real server adds at least one service time, which for pages and
/// records over a network is more than this.
pub const SLOW_MARGIN: Duration = Duration::from_millis(50);
/// Rounds after which the usual latencies are measured afresh (the older minimum is kept for one
/// more period, so there is always one to compare with).
pub const BASELINE_ROUNDS: u32 = 16;
/// Kinds of request whose usual latency is kept apart; further kinds share one entry.
pub const MAX_KINDS: usize = 32;
/// Failures in a row (500s, dropped connections, with no answer between them) that halve the
/// window. At the bulk-edit bench's fault mix (5 % 500, 3 % dropped) four in a row come about
/// once in 250,000 requests; a server that fails every request halves after four.
pub const FAILURES_BEFORE_CUT: u32 = 4;

/// What came back for one request, as the window needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// A complete answer after `latency`; `kind` names the kind of request (method and path shape),
    /// since a page of a thousand users and a single record are not equally fast.
    Answered {
        /// The kind of request.
        kind: u64,
        /// From sending to the end of the body.
        latency: Duration,
    },
    /// The server said it is overloaded (429, 503) or an attempt timed out.
    Overloaded,
    /// The attempt failed without a sign of load: a 500 or other 5xx but 503, or a connection
    /// dropped before the answer was complete.
    Failed,
}

/// The size of a window and what it has seen; see the module documentation for the rules.
#[derive(Debug, Clone)]
pub struct Rules {
    current: usize,
    /// The widest the window has been.
    peak: usize,
    max: usize,
    slow_start: bool,
    cuts: u64,
    round: Round,
    rounds: u32,
    kinds: Vec<Kind>,
    other_kinds: Kind,
    /// Failures since the last answer, of requests sent at the current size.
    failures_in_a_row: u32,
}

/// The answers of the current round.
#[derive(Debug, Clone, Copy, Default)]
struct Round {
    answers: usize,
    slow: usize,
    full: bool,
}

/// The usual latency of one kind of request.
#[derive(Debug, Clone, Copy)]
struct Kind {
    key: u64,
    /// The fastest answer of this period.
    recent: Option<Duration>,
    /// The fastest answer of the period before.
    earlier: Option<Duration>,
}

impl Kind {
    fn new(key: u64) -> Self {
        Self {
            key,
            recent: None,
            earlier: None,
        }
    }

    fn usual(&self) -> Option<Duration> {
        match (self.recent, self.earlier) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// True when `latency` is slow against the usual; then takes it into account.
    fn judge(&mut self, latency: Duration) -> bool {
        let slow = self.usual().is_some_and(|usual| {
            latency > usual.saturating_mul(SLOW_FACTOR)
                && latency.saturating_sub(usual) > SLOW_MARGIN
        });
        self.recent = Some(self.recent.map_or(latency, |fastest| fastest.min(latency)));
        slow
    }

    fn start_period(&mut self) {
        self.earlier = self.recent.take().or(self.earlier);
    }
}

impl Rules {
    /// A window of `start` slots that may grow to `max` (both at least one; `start` at most
    /// `max`).
    pub fn new(start: usize, max: usize) -> Self {
        let max = max.max(1);
        let current = start.clamp(1, max);
        Self {
            current,
            peak: current,
            max,
            slow_start: true,
            cuts: 0,
            round: Round::default(),
            rounds: 0,
            kinds: Vec::new(),
            other_kinds: Kind::new(0),
            failures_in_a_row: 0,
        }
    }

    /// How many requests may be in flight now.
    pub fn current(&self) -> usize {
        self.current
    }

    /// The most the window may ever allow.
    pub fn max(&self) -> usize {
        self.max
    }

    /// The widest the window has been so far.
    pub fn peak(&self) -> usize {
        self.peak
    }

    /// How many times the window was halved: a request remembers it when it is sent, and its
    /// answer counts only if no halving happened meanwhile.
    pub fn cuts(&self) -> u64 {
        self.cuts
    }

    /// Every slot is in use: the window is what limits the caller, so a good round may widen it.
    pub fn filled(&mut self) {
        self.round.full = true;
    }

    /// Takes in what came back for a request sent when [`Rules::cuts`] was `sent_at`.
    pub fn record(&mut self, sent_at: u64, signal: Signal) {
        let current_size = sent_at == self.cuts;
        match signal {
            Signal::Overloaded => {
                if current_size {
                    self.halve();
                }
            }
            Signal::Failed => {
                if current_size {
                    self.failures_in_a_row = self.failures_in_a_row.saturating_add(1);
                    if self.failures_in_a_row >= FAILURES_BEFORE_CUT {
                        self.halve();
                    }
                }
            }
            Signal::Answered { kind, latency } => {
                let slow = self.kind(kind).judge(latency);
                if !current_size {
                    return;
                }
                self.failures_in_a_row = 0;
                self.round.answers = self.round.answers.saturating_add(1);
                if slow {
                    self.round.slow = self.round.slow.saturating_add(1);
                }
                if self.round.answers >= self.current {
                    self.end_round();
                }
            }
        }
    }

    fn end_round(&mut self) {
        let round = std::mem::take(&mut self.round);
        self.rounds = self.rounds.saturating_add(1);
        if self.rounds.checked_rem(BASELINE_ROUNDS) == Some(0) {
            self.kinds.iter_mut().for_each(Kind::start_period);
            self.other_kinds.start_period();
        }
        if round.slow.saturating_mul(2) > round.answers {
            self.halve();
        } else if round.full {
            let wider = if self.slow_start {
                self.current.saturating_mul(2)
            } else {
                self.current.saturating_add(1)
            };
            self.current = wider.min(self.max);
            self.peak = self.peak.max(self.current);
        }
    }

    fn halve(&mut self) {
        self.failures_in_a_row = 0;
        self.current = self.current.checked_div(2).unwrap_or(1).max(1);
        self.slow_start = false;
        self.cuts = self.cuts.wrapping_add(1);
        self.round = Round::default();
    }

    fn kind(&mut self, key: u64) -> &mut Kind {
        let found = self.kinds.iter().position(|kind| kind.key == key);
        match found {
            Some(index) => &mut self.kinds[index],
            None if self.kinds.len() < MAX_KINDS => {
                self.kinds.push(Kind::new(key));
                let last = self.kinds.len().saturating_sub(1);
                &mut self.kinds[last]
            }
            None => &mut self.other_kinds,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::arithmetic_side_effects)]

    use super::*;

    const PAGE: u64 = 1;
    const RECORD: u64 = 2;

    fn ms(millis: u64) -> Duration {
        Duration::from_millis(millis)
    }

    /// Sends as many requests as the window allows (filling it) and answers each after `latency`;
    /// returns the size after the round.
    fn full_round(rules: &mut Rules, kind: u64, latency: Duration) -> usize {
        let sent_at = rules.cuts();
        let sent = rules.current();
        rules.filled();
        for _ in 0..sent {
            rules.record(sent_at, Signal::Answered { kind, latency });
        }
        rules.current()
    }

    #[test]
    fn it_starts_modestly_doubles_while_latency_holds_and_stops_at_the_maximum() {
        let mut rules = Rules::new(4, 16);
        assert_eq!((rules.current(), rules.max()), (4, 16));
        let sizes: Vec<usize> = (0..4)
            .map(|_| full_round(&mut rules, PAGE, ms(100)))
            .collect();
        assert_eq!(sizes, [8, 16, 16, 16]);
        assert_eq!(rules.peak(), 16);
        assert_eq!(Rules::new(4, 16).peak(), 4, "the start counts");
    }

    #[test]
    fn a_window_that_is_not_full_does_not_grow() {
        let mut rules = Rules::new(4, 16);
        for _ in 0..20 {
            let sent_at = rules.cuts();
            rules.record(
                sent_at,
                Signal::Answered {
                    kind: RECORD,
                    latency: ms(10),
                },
            );
        }
        assert_eq!(rules.current(), 4, "one request at a time proves nothing");
    }

    #[test]
    fn overload_halves_once_per_cut_and_growth_is_then_additive() {
        let mut rules = Rules::new(16, 16);
        let before = rules.cuts();
        // Sixteen requests in flight all come back 429: one halving, not four.
        for _ in 0..16 {
            rules.record(before, Signal::Overloaded);
        }
        assert_eq!(rules.current(), 8);
        // A request sent after the cut that is also refused cuts again.
        rules.record(rules.cuts(), Signal::Overloaded);
        assert_eq!(rules.current(), 4);
        // No more slow start: one slot per good full round.
        assert_eq!(full_round(&mut rules, PAGE, ms(100)), 5);
        assert_eq!(full_round(&mut rules, PAGE, ms(100)), 6);
        assert_eq!(
            rules.peak(),
            16,
            "the widest it has been, not the current size"
        );
    }

    #[test]
    fn rising_latency_halves_and_old_answers_do_not_cut_twice() {
        let mut rules = Rules::new(4, 64);
        assert_eq!(full_round(&mut rules, PAGE, ms(100)), 8);
        assert_eq!(full_round(&mut rules, PAGE, ms(110)), 16);
        // A queue forms: answers take three times as long.
        let sent_at = rules.cuts();
        rules.filled();
        for _ in 0..16 {
            rules.record(
                sent_at,
                Signal::Answered {
                    kind: PAGE,
                    latency: ms(300),
                },
            );
        }
        assert_eq!(rules.current(), 8);
        // Stragglers sent before the cut are just as slow; they do not cut again.
        for _ in 0..16 {
            rules.record(
                sent_at,
                Signal::Answered {
                    kind: PAGE,
                    latency: ms(300),
                },
            );
        }
        assert_eq!(rules.current(), 8);
    }

    #[test]
    fn a_round_with_a_minority_of_slow_answers_still_grows() {
        let mut rules = Rules::new(4, 64);
        full_round(&mut rules, PAGE, ms(100));
        let sent_at = rules.cuts();
        rules.filled();
        for latency in [100, 100, 100, 100, 100, 500, 500, 500] {
            rules.record(
                sent_at,
                Signal::Answered {
                    kind: PAGE,
                    latency: ms(latency),
                },
            );
        }
        assert_eq!(rules.current(), 16);
    }

    #[test]
    fn delays_of_a_busy_client_machine_are_no_queue() {
        let mut rules = Rules::new(2, 32);
        full_round(&mut rules, RECORD, Duration::from_micros(300));
        // Ten times slower, but only 2.7 ms slower: still fast.
        assert_eq!(full_round(&mut rules, RECORD, ms(3)), 8);
        // Fifteen times slower, but only 45 ms slower: a busy client, not a queue at the server.
        assert_eq!(full_round(&mut rules, RECORD, ms(45)), 16);
    }

    #[test]
    fn kinds_of_request_are_compared_with_their_own_usual_latency() {
        let mut rules = Rules::new(4, 64);
        // Single records come back in 10 ms, pages of a thousand users in 200 ms.
        assert_eq!(full_round(&mut rules, RECORD, ms(10)), 8);
        assert_eq!(full_round(&mut rules, PAGE, ms(200)), 16);
        assert_eq!(full_round(&mut rules, PAGE, ms(210)), 32);
        assert_eq!(full_round(&mut rules, RECORD, ms(11)), 64);
    }

    #[test]
    fn the_usual_latency_follows_a_network_that_changed_for_good() {
        let mut rules = Rules::new(1, 8);
        assert_eq!(full_round(&mut rules, PAGE, ms(20)), 2);
        // The network is now five times slower for good: the first round halves...
        assert_eq!(full_round(&mut rules, PAGE, ms(100)), 1);
        // ...and once the fast minimum has aged out, the window grows again.
        let mut sizes = Vec::new();
        for _ in 0..(3 * BASELINE_ROUNDS) {
            sizes.push(full_round(&mut rules, PAGE, ms(100)));
        }
        assert_eq!(sizes.last(), Some(&8), "{sizes:?}");
    }

    #[test]
    fn failures_now_and_then_neither_cut_nor_stop_growth() {
        let mut rules = Rules::new(4, 64);
        assert_eq!(full_round(&mut rules, RECORD, ms(10)), 8);
        // The bench's fault mix, roughly: a 500 or a dropped connection between answers, more
        // than one in a row at times, but never four.
        for round in 0..6 {
            let sent_at = rules.cuts();
            rules.filled();
            for answer in 0..rules.current() {
                if answer % 3 == 0 {
                    for _ in 0..=(round % 3) {
                        rules.record(sent_at, Signal::Failed);
                    }
                }
                rules.record(
                    sent_at,
                    Signal::Answered {
                        kind: RECORD,
                        latency: ms(10),
                    },
                );
            }
        }
        assert_eq!(rules.cuts(), 0, "no failure cut the window");
        assert_eq!(rules.current(), 64, "and it kept growing");
    }

    #[test]
    fn failures_in_a_row_halve_once_and_an_answer_starts_the_count_again() {
        let mut rules = Rules::new(16, 16);
        for _ in 1..FAILURES_BEFORE_CUT {
            rules.record(rules.cuts(), Signal::Failed);
        }
        assert_eq!(rules.current(), 16);
        rules.record(
            rules.cuts(),
            Signal::Answered {
                kind: PAGE,
                latency: ms(10),
            },
        );
        for _ in 1..FAILURES_BEFORE_CUT {
            rules.record(rules.cuts(), Signal::Failed);
        }
        assert_eq!(
            rules.current(),
            16,
            "the answer between them reset the count"
        );
        let sent_at = rules.cuts();
        rules.record(sent_at, Signal::Failed);
        assert_eq!(
            rules.current(),
            8,
            "four in a row: the server is falling over"
        );
        // Failures of requests sent before the cut say nothing about the new size.
        for _ in 0..(2 * FAILURES_BEFORE_CUT) {
            rules.record(sent_at, Signal::Failed);
        }
        assert_eq!(rules.current(), 8);
        for _ in 0..FAILURES_BEFORE_CUT {
            rules.record(rules.cuts(), Signal::Failed);
        }
        assert_eq!(rules.current(), 4);
    }

    #[test]
    fn never_below_one_nor_above_the_maximum() {
        let mut rules = Rules::new(10, 3);
        assert_eq!(rules.current(), 3, "the start is capped by the maximum");
        for _ in 0..10 {
            rules.record(rules.cuts(), Signal::Overloaded);
        }
        assert_eq!(rules.current(), 1);
        assert_eq!(Rules::new(0, 0).current(), 1);
        assert_eq!(Rules::new(0, 0).max(), 1);
    }

    #[test]
    fn many_kinds_share_one_entry_beyond_the_cap() {
        let mut rules = Rules::new(1, 4);
        for key in 0..(MAX_KINDS as u64 + 10) {
            rules.record(
                rules.cuts(),
                Signal::Answered {
                    kind: key + 100,
                    latency: ms(5),
                },
            );
        }
        assert_eq!(rules.kinds.len(), MAX_KINDS);
    }
}
