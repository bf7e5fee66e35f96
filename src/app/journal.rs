//! The journal view's model: the journal's entries, newest first, with a selection.
//!
//! Plain data; the entries are read by the effect runner and arrive in a message. Nothing here
//! does I/O or decides what an undo does (that is the write engine's).

use super::msg::RequestId;
use crate::journal::JournalEntry;

/// The journal view.
#[derive(Debug, Clone, Default)]
pub struct JournalView {
    /// The read whose reply is wanted (None once it arrived).
    pub request: Option<RequestId>,
    /// The entries, newest first.
    pub entries: Vec<JournalEntry>,
    /// Why the journal could not be read.
    pub error: Option<String>,
    /// The selected entry.
    pub selected: usize,
    /// The first drawn entry.
    pub offset: usize,
}

impl JournalView {
    /// A view waiting for the journal.
    pub fn loading(request: RequestId) -> Self {
        Self {
            request: Some(request),
            ..Self::default()
        }
    }

    /// Takes the journal's entries (oldest first, as stored) and shows them newest first.
    pub fn loaded(&mut self, mut entries: Vec<JournalEntry>) {
        entries.reverse();
        self.entries = entries;
        self.selected = self.selected.min(self.entries.len().saturating_sub(1));
        self.request = None;
        self.error = None;
    }

    /// The selected entry.
    pub fn selected_entry(&self) -> Option<&JournalEntry> {
        self.entries.get(self.selected)
    }

    /// Scrolls so that the selection is among the `rows` drawn.
    pub fn keep_visible(&mut self, rows: usize) {
        self.offset = super::layout::scroll_to(self.selected, self.offset, rows);
    }
}
