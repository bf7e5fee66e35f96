//! The bookkeeping of several writes to one target sent one after another (a user's update then
//! password, an attribute's edits): each item is reported in order, and the run stops at the
//! first item that was not written or was interrupted — the items after it are reported as not
//! sent, with the reason. Shared by the user and the attribute paths of the engine; sends nothing.

use super::engine::{Executed, ItemReport, not_sent};
use crate::domain::UserRecord;
use crate::journal::Outcome;
use crate::service::WritePlan;

/// The reports of a run of items so far, and why it stopped, if it did.
#[derive(Debug, Default)]
pub(super) struct Sequence {
    reports: Vec<ItemReport>,
    stopped: Option<String>,
    interrupted: Option<i32>,
}

impl Sequence {
    /// True (and the item reported as not sent) when the run has stopped before this item.
    pub fn skipped(&mut self, plan: &WritePlan) -> bool {
        match &self.stopped {
            Some(why) => {
                self.reports.push(not_sent(plan, why));
                true
            }
            None => false,
        }
    }

    /// This item could not be planned again after the earlier ones: reported, and the run stops.
    pub fn refused(&mut self, plan: &WritePlan, why: String) {
        self.reports.push(not_sent(plan, &why));
        self.stopped = Some(why);
    }

    /// This item was sent; the run goes on only if it was written and not interrupted. Returns
    /// whether it goes on.
    pub fn sent(&mut self, report: ItemReport, interrupted: Option<i32>) -> bool {
        let outcome = report.outcome();
        self.reports.push(report);
        if interrupted.is_some() {
            self.interrupted = interrupted;
            self.stopped = Some("interrupted".to_owned());
        } else if outcome != Some(Outcome::Written) {
            self.stopped = Some("an earlier write of the same run did not complete".to_owned());
        }
        self.stopped.is_none()
    }

    /// The run's result, with the target as read after it (when it was).
    pub fn finish(self, after: Option<UserRecord>) -> Executed {
        Executed {
            items: self.reports,
            after,
            interrupted: self.interrupted,
        }
    }
}
