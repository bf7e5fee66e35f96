//! Keys while the help dialog is open: it closes on back, help, quit or open. No I/O.

use crossterm::event::KeyEvent;

use crate::app::keymap::Action;
use crate::app::msg::Effect;
use crate::app::state::State;

/// A key in the help dialog.
pub fn key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if matches!(
        state.keys.action(&key),
        Some(Action::Back | Action::Help | Action::Quit | Action::Open)
    ) {
        state.dialog = None;
    }
    Vec::new()
}
