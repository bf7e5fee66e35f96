//! Drawing the browser: reads the state and draws it, sends nothing, changes nothing.
//!
//! One module per screen or dialog, as in `app`; shared helpers in `widgets`. It reads `app`'s
//! state and geometry (`app::layout`) and never the update function. Every string that came from a service passes through
//! [`clean`] (`text::sanitize`) before it is drawn. Lists build only the rows that fit.

pub mod attribute;
pub mod audit;
pub mod batch;
pub mod browse;
pub mod detail;
pub mod editor;
pub mod header;
pub mod help;
pub mod journal;
pub mod person;
pub mod preview;
pub mod status;
pub mod theme;
pub mod widgets;
pub mod width;
pub mod yank;

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::app::state::{Dialog, Screen, State};
pub use theme::Theme;

/// Draws the whole browser with the default theme.
pub fn draw(frame: &mut Frame<'_>, state: &State) {
    draw_with(frame, state, &Theme::default());
}

/// Draws the whole browser.
pub fn draw_with(frame: &mut Frame<'_>, state: &State, theme: &Theme) {
    let areas = state.browse_areas();
    header::draw(frame, areas.header, state, theme);
    match &state.screen {
        Screen::Browse => {
            browse::draw_connections(frame, areas.connections, state, theme);
            browse::draw_users(frame, areas.users, state, theme);
            detail::draw(frame, areas.detail, state, theme);
        }
        Screen::Audit(audit) => audit::draw(frame, areas.main, state, audit, theme),
        Screen::Person(person) => person::draw(frame, areas.main, person, theme),
        Screen::Attribute(screen) => attribute::draw(frame, areas.main, screen, theme),
        Screen::Journal(view) => journal::draw(frame, areas.main, state, view, theme),
    }
    let whole = frame.area();
    match &state.dialog {
        Some(Dialog::Help(offset)) => help::draw(frame, whole, state, theme, *offset),
        Some(Dialog::Editor(editor)) => editor::draw(frame, whole, state, editor, theme),
        Some(Dialog::Preview(preview)) => {
            preview::draw(frame, whole, state, preview, theme);
        }
        Some(Dialog::Yank(menu)) => yank::draw(frame, whole, menu, theme),
        Some(Dialog::Batch(dialog)) => batch::draw(frame, whole, state, dialog, theme),
        Some(Dialog::Command(_)) | None => {}
    }
    status::draw_status(frame, areas.status, state, theme);
    status::draw_toasts(
        frame,
        Rect {
            height: whole.height.saturating_sub(1),
            ..whole
        },
        state,
        theme,
    );
}

/// Server text made safe to draw.
pub fn clean(text: &str) -> String {
    crate::text::sanitize(text)
}

/// Optional server text made safe to draw, with a dash for none.
pub fn clean_or_dash(text: Option<&str>) -> String {
    text.map_or_else(|| "—".to_owned(), clean)
}
