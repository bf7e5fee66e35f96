//! Text measured in terminal cells, so wide and zero-width characters never shift a column.
//!
//! One small helper over `unicode-width`, to be replaced by `crate::text`'s display-width helpers
//! when they land. Reads its arguments only.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// How many terminal cells `text` takes.
pub fn display_width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// `text` cut to at most `width` cells (ending with `…` when cut) and padded with spaces to
/// exactly `width` cells.
pub fn fit(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(width);
    let mut used = 0;
    if display_width(text) <= width {
        out.push_str(text);
        used = display_width(text);
    } else {
        for c in text.chars() {
            let w = c.width().unwrap_or(0);
            if used + w + 1 > width {
                break;
            }
            out.push(c);
            used += w;
        }
        if width > 0 {
            out.push('…');
            used += 1;
        }
    }
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_characters_fill_two_cells() {
        assert_eq!(display_width("日本"), 4);
        assert_eq!(fit("日本語", 5), "日本…");
        assert_eq!(display_width(&fit("日本語", 5)), 5);
        assert_eq!(fit("ab", 4), "ab  ");
        assert_eq!(fit("abcdef", 4), "abc…");
    }
}
