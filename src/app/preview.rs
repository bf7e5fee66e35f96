//! The write preview's model: a plan waiting for confirmation, and a plan being built.
//!
//! Plain data; the write path itself (`update::write`) decides what happens with it.

use super::editor::EditorState;
use super::msg::RequestId;
use crate::domain::Edit;
use crate::service::WritePlan;

/// A write waiting for confirmation.
#[derive(Debug, Clone)]
pub struct PreviewState {
    /// The connection index.
    pub conn: usize,
    /// The plan shown.
    pub plan: Box<WritePlan>,
    /// The form to go back to (None for a delete).
    pub editor: Option<Box<EditorState>>,
    /// The user written (None for a create).
    pub user_id: Option<String>,
    /// The edit the plan was built from.
    pub edit: Edit,
    /// The write in flight, once confirmed.
    pub applying: Option<RequestId>,
    /// The first drawn line.
    pub offset: usize,
}

/// A write that is being planned: which request, and for whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planning {
    /// The plan request.
    pub request: RequestId,
    /// The connection index.
    pub conn: usize,
    /// The user written (None for a create).
    pub user_id: Option<String>,
    /// The edit being planned (re-planned from a fresh read before sending).
    pub edit: Edit,
}
