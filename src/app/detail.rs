//! The detail pane's model: which user it shows, the record once read, and the selection in it.
//!
//! Plain data; it knows nothing of `State` or the update function.

use super::msg::RequestId;
use crate::domain::UserRecord;

/// The detail pane.
#[derive(Debug, Clone)]
pub struct DetailState {
    /// The connection index.
    pub conn: usize,
    /// The service id of the user shown.
    pub user_id: String,
    /// The record, once read.
    pub record: Option<Box<UserRecord>>,
    /// The read whose reply is wanted.
    pub request: Option<RequestId>,
    /// Why the last read failed.
    pub error: Option<String>,
    /// The selected attribute.
    pub selected: usize,
    /// The first drawn line.
    pub offset: usize,
    /// Show the raw JSON instead of the attributes.
    pub raw: bool,
    /// Select this attribute once the record arrives (a jump from the audit view).
    pub wanted_attribute: Option<String>,
}
