//! Screen geometry shared by drawing and mouse handling: where each pane sits for a terminal size.
//!
//! The view draws into these rectangles and the update function maps mouse positions through the
//! same function, so a click always lands on what was drawn. Pure arithmetic on sizes: it imports
//! nothing from the rest of `app`, so every other module may use it.

use ratatui::layout::{Constraint, Layout, Rect};

/// The rectangles of the browse screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    /// The header line: config file, connection, server.
    pub header: Rect,
    /// The connections pane.
    pub connections: Rect,
    /// The users table.
    pub users: Rect,
    /// The detail pane.
    pub detail: Rect,
    /// The main area (everything but the status line), used by full-screen views.
    pub main: Rect,
    /// The status line.
    pub status: Rect,
}

/// Lines of a table block that are not rows: two borders and the header.
pub const TABLE_CHROME: u16 = 3;
/// Lines of the audit screen that are not list lines: borders and the progress line.
pub const AUDIT_CHROME: u16 = 3;

/// The panes for a terminal of `size` with `connections` connections; `wide_detail` gives the
/// detail pane the larger share (when it has the focus).
pub fn areas(size: Rect, connections: usize, wide_detail: bool) -> Areas {
    let [header, main, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(size);
    let strip = (connections as u16).clamp(1, 6) + 2;
    let [connections, lower] =
        Layout::vertical([Constraint::Length(strip), Constraint::Min(0)]).areas(main);
    let (left, right) = if wide_detail { (38, 62) } else { (55, 45) };
    let [users, detail] =
        Layout::horizontal([Constraint::Percentage(left), Constraint::Percentage(right)])
            .areas(lower);
    Areas {
        header,
        connections,
        users,
        detail,
        main,
        status,
    }
}

/// How many list rows fit in a bordered block of this height with `chrome` extra lines.
pub fn rows_in(area: Rect, chrome: u16) -> usize {
    usize::from(area.height.saturating_sub(chrome)).max(1)
}

/// A centred dialog rectangle that leaves the status line free.
pub fn dialog_area(whole: Rect, width: u16, height: u16) -> Rect {
    let room = Rect {
        height: whole.height.saturating_sub(1),
        ..whole
    };
    centered(room, width, height)
}

/// A centred rectangle of at most `width` × `height` inside `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// Keeps `selected` inside the window of `rows` lines starting at `offset`; returns the offset.
pub fn scroll_to(selected: usize, offset: usize, rows: usize) -> usize {
    if selected < offset {
        selected
    } else if selected >= offset + rows {
        selected + 1 - rows
    } else {
        offset
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn panes_fit_a_small_terminal() {
        let a = areas(Rect::new(0, 0, 80, 24), 3, false);
        assert_eq!(a.header, Rect::new(0, 0, 80, 1));
        assert_eq!(a.connections, Rect::new(0, 1, 80, 5));
        assert_eq!(a.status, Rect::new(0, 23, 80, 1));
        assert_eq!(a.users.y, 6);
        assert_eq!(a.users.height, 17);
        assert_eq!(a.users.width + a.detail.width, 80);
    }

    #[test]
    fn scrolling_keeps_the_selection_visible() {
        assert_eq!(scroll_to(0, 5, 10), 0);
        assert_eq!(scroll_to(20, 5, 10), 11);
        assert_eq!(scroll_to(7, 5, 10), 5);
    }
}
