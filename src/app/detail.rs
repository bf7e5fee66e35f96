//! The detail pane's model: which user it shows, the record once read, and the selection in it.
//!
//! Plain data; it knows nothing of `State` or the update function.

use super::msg::RequestId;
use crate::domain::{Attribute, UserRecord};

/// The detail pane.
#[derive(Debug, Clone)]
pub struct DetailState {
    /// The connection index.
    pub conn: usize,
    /// The service id of the user shown.
    pub user_id: String,
    /// Where the user's row was in the connection's list when the detail was pointed at it (a
    /// hint: checked against `user_id` before use).
    pub row: Option<usize>,
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
    /// The read waits for a pause in moving the selection (the detail follows the users table).
    pub waiting: bool,
    /// The search over the attributes (`/` in the detail pane; `n`/`N` jump between matches).
    pub search: String,
    /// The search is being typed.
    pub searching: bool,
}

impl DetailState {
    /// The detail of a user, nothing read yet.
    pub fn new(conn: usize, user_id: String) -> Self {
        Self {
            conn,
            user_id,
            row: None,
            record: None,
            request: None,
            error: None,
            selected: 0,
            offset: 0,
            raw: false,
            wanted_attribute: None,
            waiting: false,
            search: String::new(),
            searching: false,
        }
    }
}

/// What the attribute search looks at: name, label, source and (never hidden) values.
pub fn searched_text(attribute: &Attribute) -> Vec<&str> {
    let mut text = vec![
        attribute.name.as_str(),
        attribute.label.as_str(),
        attribute.source.as_str(),
    ];
    if !attribute.hidden {
        text.extend(attribute.values.iter().map(String::as_str));
    }
    text
}
