//! The attribute screen's state (Looker): one attribute's settings, its group values by rank,
//! how many users take their value from each source, and a rank change being previewed with its
//! blast radius before it is confirmed.
//!
//! Pure code: the read and the plan come from the write engine through the effect runner; this
//! only keeps them and computes the new order when a group moves up or down.

use super::msg::RequestId;
use crate::domain::resolution::SourceCount;
use crate::write::attribute::AttributePrepared;

/// What the screen is waiting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waiting {
    /// The attribute is being read.
    Reading,
    /// A change is being planned (its blast radius computed).
    Planning,
    /// A confirmed change is being written.
    Writing,
}

/// The attribute screen.
#[derive(Debug, Clone)]
pub struct AttributeScreen {
    /// The connection index.
    pub conn: usize,
    /// The attribute's name (or id) as asked for.
    pub name: String,
    /// The request whose reply is wanted, and what it is.
    pub request: Option<(RequestId, Waiting)>,
    /// The attribute as last read (a plan of no edits: settings, group values, users).
    pub read: Option<Box<AttributePrepared>>,
    /// Users per source, counted once per read.
    pub sources: Vec<SourceCount>,
    /// Why the last read, plan or write failed.
    pub error: Option<String>,
    /// The selected group value (index in rank order).
    pub selected: usize,
    /// A planned change shown with its blast radius, waiting for confirmation.
    pub preview: Option<Box<AttributePrepared>>,
}

impl AttributeScreen {
    /// A screen for `name` on `conn`, reading it under `request`.
    pub fn new(conn: usize, name: String, request: RequestId) -> Self {
        Self {
            conn,
            name,
            request: Some((request, Waiting::Reading)),
            read: None,
            sources: Vec::new(),
            error: None,
            selected: 0,
            preview: None,
        }
    }

    /// The number of group values.
    pub fn group_count(&self) -> usize {
        self.read.as_ref().map_or(0, |r| r.snapshot.groups.len())
    }

    /// The id of the selected group value.
    pub fn selected_group(&self) -> Option<String> {
        let read = self.read.as_ref()?;
        read.snapshot
            .groups
            .get(self.selected)
            .map(|g| g.id.clone())
    }

    /// The group ids in rank order with the selected one moved by `delta` (-1 up, +1 down), and
    /// the selection's new index; None when it cannot move.
    pub fn moved_order(&self, delta: isize) -> Option<(Vec<String>, usize)> {
        let read = self.read.as_ref()?;
        let mut ids: Vec<String> = read.snapshot.groups.iter().map(|g| g.id.clone()).collect();
        let to = self.selected.checked_add_signed(delta)?;
        if self.selected >= ids.len() || to >= ids.len() {
            return None;
        }
        ids.swap(self.selected, to);
        Some((ids, to))
    }
}
