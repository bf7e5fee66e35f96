//! The batch dialog's model: a bulk edit (or a revert from the journal) being planned, previewed,
//! sent with progress, and its result.
//!
//! Plain data with small methods (counts, ETA). The workflow is the write engine's
//! (`crate::write::batch`); the update function moves the dialog from phase to phase, the effect
//! runner does the work, the view draws it. No I/O, no clock: elapsed time arrives in messages.

use std::time::Duration;

pub use super::msg::BatchWork;
use super::msg::RequestId;

/// How far a running (or finished) batch got.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// Items to send.
    pub total: usize,
    /// Items finished, whatever became of them.
    pub done: usize,
    /// Written.
    pub written: usize,
    /// Refused, not applied or stopped as a conflict.
    pub failed: usize,
    /// Sent, and whether it landed is not known.
    pub unknown: usize,
    /// Skipped when planned: already at the value (or, for a revert, not revertible).
    pub skipped: usize,
    /// Refused when planned (not found, locked, hidden, invalid): never sent.
    pub refused: usize,
    /// Time since the batch started, as of the last finished item.
    pub elapsed: Duration,
    /// The most recent reason an item was not written.
    pub last_error: Option<String>,
}

impl Progress {
    /// Counts one finished item by its outcome word (`written`, `unknown`, anything else
    /// failed), as the engine reports it.
    pub fn count(&mut self, outcome: &str, error: Option<String>, elapsed: Duration) {
        self.done += 1;
        self.elapsed = elapsed;
        match outcome {
            "written" => self.written += 1,
            "unknown" => self.unknown += 1,
            "skipped" => self.skipped += 1,
            _ => self.failed += 1,
        }
        if outcome != "written" && error.is_some() {
            self.last_error = error;
        }
    }

    /// The time left at the pace so far (None before the first item).
    pub fn eta(&self) -> Option<Duration> {
        if self.done == 0 {
            return None;
        }
        let left = self.total.saturating_sub(self.done) as u32;
        Some(self.elapsed / self.done as u32 * left)
    }

    /// The share done, from 0 to 1.
    pub fn ratio(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            (self.done as f64 / self.total as f64).min(1.0)
        }
    }
}

/// Where the dialog is.
#[derive(Debug, Clone)]
pub enum BatchPhase {
    /// Users are being read and planned (`done` of `total`).
    Planning {
        /// Users planned so far.
        done: usize,
        /// Users to plan.
        total: usize,
    },
    /// The combined preview, waiting for one confirmation.
    Preview {
        /// What confirming sends.
        work: BatchWork,
        /// The preview text (sanitised by the engine).
        text: String,
        /// How many items confirming sends.
        sends: usize,
        /// Items planned as skipped.
        skipped: usize,
        /// Items planned as refused.
        refused: usize,
    },
    /// Items are being sent.
    Running {
        /// The counts so far.
        progress: Progress,
        /// Esc or Ctrl-C asked to stop after the items in flight.
        stopping: bool,
    },
    /// The run ended.
    Finished {
        /// The final counts.
        progress: Progress,
        /// What to tell the user (how to resume, where the reasons are).
        summary: String,
    },
}

/// The open batch dialog.
#[derive(Debug, Clone)]
pub struct BatchDialog {
    /// The connection written.
    pub conn: usize,
    /// The request whose replies are wanted (planning, then running).
    pub request: RequestId,
    /// What the dialog is titled ("set region on 12 marked users", "Undo entry 4 …").
    pub title: String,
    /// The bulk edit's id, once planned (for `roster batch resume ID`).
    pub batch: Option<String>,
    /// Where it is.
    pub phase: BatchPhase,
    /// The first drawn line of the preview.
    pub offset: usize,
    /// Reverts come from the journal view, which is reloaded when they end.
    pub from_journal: bool,
}

impl BatchDialog {
    /// A dialog that starts by planning `total` users.
    pub fn planning(conn: usize, request: RequestId, title: String, total: usize) -> Self {
        Self {
            conn,
            request,
            title,
            batch: None,
            phase: BatchPhase::Planning { done: 0, total },
            offset: 0,
            from_journal: false,
        }
    }

    /// True while items are being sent (keys then only stop the batch).
    pub fn is_running(&self) -> bool {
        matches!(self.phase, BatchPhase::Running { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_counts_outcomes_and_estimates_the_rest() {
        let mut progress = Progress {
            total: 4,
            ..Progress::default()
        };
        assert_eq!(progress.eta(), None);
        progress.count("written", None, Duration::from_secs(2));
        progress.count("failed", Some("409".to_owned()), Duration::from_secs(4));
        assert_eq!((progress.written, progress.failed), (1, 1));
        assert_eq!(progress.last_error.as_deref(), Some("409"));
        assert_eq!(progress.eta(), Some(Duration::from_secs(4)));
        assert!((progress.ratio() - 0.5).abs() < f64::EPSILON);
    }
}
