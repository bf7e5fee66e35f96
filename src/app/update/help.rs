//! Keys while the help dialog is open: it scrolls (a short terminal cannot show it whole), never
//! past its last screenful, and closes on back, help, quit or open. No I/O.

use crossterm::event::KeyEvent;

use crate::app::help;
use crate::app::keymap::Action;
use crate::app::msg::Effect;
use crate::app::state::{Dialog, State};

/// Lines a page key scrolls the help by.
const PAGE: usize = 10;

/// A key in the help dialog.
pub fn key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let action = state.keys.action(&key);
    let most = help::max_offset(state);
    let Some(Dialog::Help(offset)) = &mut state.dialog else {
        return Vec::new();
    };
    match action {
        Some(Action::Back | Action::Help | Action::Quit | Action::Open) => state.dialog = None,
        Some(Action::Down) => *offset = (*offset + 1).min(most),
        Some(Action::Up) => *offset = offset.saturating_sub(1),
        Some(Action::PageDown | Action::HalfPageDown) => *offset = (*offset + PAGE).min(most),
        Some(Action::PageUp | Action::HalfPageUp) => *offset = offset.saturating_sub(PAGE),
        Some(Action::Top) => *offset = 0,
        Some(Action::Bottom) => *offset = most,
        _ => {}
    }
    Vec::new()
}
