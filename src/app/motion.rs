//! Cursor motions shared by every list: a step, a page, half a page, the first or the last row.
//!
//! Pure arithmetic on a position, a length and a page height; it imports only the key map, so
//! every screen's update may use it.

use super::keymap::Action;

/// How a key moves the selection of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Motion {
    /// This many rows (negative: up).
    Step(isize),
    /// This many pages.
    Page(isize),
    /// This many half pages.
    HalfPage(isize),
    /// The first row.
    Top,
    /// The last row.
    Bottom,
}

impl Motion {
    /// The motion an action asks for, if it is one.
    pub fn of(action: Action) -> Option<Self> {
        Some(match action {
            Action::Up => Self::Step(-1),
            Action::Down => Self::Step(1),
            Action::PageUp => Self::Page(-1),
            Action::PageDown => Self::Page(1),
            Action::HalfPageUp => Self::HalfPage(-1),
            Action::HalfPageDown => Self::HalfPage(1),
            Action::Top => Self::Top,
            Action::Bottom => Self::Bottom,
            _ => return None,
        })
    }

    /// Where the selection goes from `at` in a list of `len` rows with `page` rows drawn.
    pub fn target(self, at: usize, len: usize, page: usize) -> usize {
        let last = len.saturating_sub(1);
        let page = page.max(1) as isize;
        let moved = |delta: isize| at.saturating_add_signed(delta).min(last);
        match self {
            Self::Step(n) => moved(n),
            Self::Page(n) => moved(n * page),
            Self::HalfPage(n) => moved(n * (page / 2).max(1)),
            Self::Top => 0,
            Self::Bottom => last,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn motions_stay_inside_the_list() {
        assert_eq!(Motion::Page(1).target(5, 100, 20), 25);
        assert_eq!(Motion::Page(-1).target(5, 100, 20), 0);
        assert_eq!(Motion::HalfPage(1).target(90, 100, 20), 99);
        assert_eq!(Motion::Bottom.target(3, 100, 20), 99);
        assert_eq!(Motion::Top.target(3, 100, 20), 0);
        assert_eq!(Motion::Step(1).target(0, 0, 20), 0);
    }
}
