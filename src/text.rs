//! Making server text safe to draw or print, and measuring it as a terminal shows it.
//!
//! Every string that came from a service passes through [`sanitize`] before it reaches a terminal:
//! it removes C0 and C1 control characters and whole escape sequences (CSI, OSC, DCS, ...), so a
//! hostile display name cannot move the cursor, retitle the window or hide text, and it shows
//! invisible formatting characters (bidi overrides, zero-width spaces and joiners, ...) as visible
//! escapes such as `\u{202e}`, so `ad\u{200b}min` cannot pass for `admin`. JSON output keeps the
//! exact characters but escapes the same ones ([`terminal_safe_json`]). Widths are display widths
//! (wide characters take two cells, combining marks none). This module does no I/O and knows
//! nothing about services.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The marker appended to a value that [`truncate_for_display`] or [`truncate_to_width`] shortened.
pub const TRUNCATION_MARKER: char = '…';

/// Returns `text` without terminal control characters or escape sequences, with every invisible
/// formatting character written out as `\u{…}`.
///
/// Tabs and newlines become single spaces, because every caller draws one value per cell or line.
/// The result holds no control and no invisible character, so sanitising it again changes nothing.
pub fn sanitize(text: &str) -> String {
    if !text.chars().any(|c| is_unsafe(c) || is_invisible(c)) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape_sequence(&mut chars),
            // C1 introducers that start a string or a control sequence on their own.
            '\u{9b}' => skip_csi_body(&mut chars),
            '\u{90}' | '\u{9d}' | '\u{9e}' | '\u{9f}' | '\u{98}' => skip_string_body(&mut chars),
            '\t' | '\n' | '\r' => out.push(' '),
            c if is_unsafe(c) => {}
            c if is_invisible(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// Like [`sanitize`], but keeps line breaks, for multi-line text roster composed itself.
pub fn sanitize_lines(text: &str) -> String {
    text.split('\n')
        .map(sanitize)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Escapes, in JSON text, what serde_json leaves raw but a terminal would act on or hide: DEL, C1
/// controls, line and paragraph separators and the invisible characters [`sanitize`] writes out.
/// Each becomes a JSON `\uXXXX` escape (a surrogate pair above U+FFFF), so the JSON still parses
/// to the exact value and is safe to print.
pub fn terminal_safe_json(json: &str) -> String {
    let needs_escape = |c: char| c == '\u{7f}' || is_c1(c) || is_separator(c) || is_invisible(c);
    if !json.chars().any(needs_escape) {
        return json.to_owned();
    }
    let mut out = String::with_capacity(json.len().saturating_add(16));
    for c in json.chars() {
        if needs_escape(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Shortens `text` to at most `max_chars` characters, ending with [`TRUNCATION_MARKER`] when cut.
pub fn truncate_for_display(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    out.push(TRUNCATION_MARKER);
    out
}

/// The number of terminal cells `text` takes: wide (East Asian) characters count two, combining
/// marks none. Meant for text that went through [`sanitize`].
pub fn display_width(text: &str) -> usize {
    text.width()
}

/// Shortens `text` to at most `max_width` terminal cells, ending with [`TRUNCATION_MARKER`] when
/// cut; a wide character that would straddle the limit is left out whole.
pub fn truncate_to_width(text: &str, max_width: usize) -> String {
    if display_width(text) <= max_width {
        return text.to_owned();
    }
    let room = max_width.saturating_sub(1);
    let mut out = String::new();
    let mut used = 0usize;
    for c in text.chars() {
        let width = c.width().unwrap_or(0);
        match used.checked_add(width) {
            Some(next) if next <= room => {
                used = next;
                out.push(c);
            }
            _ => break,
        }
    }
    if max_width > 0 {
        out.push(TRUNCATION_MARKER);
    }
    out
}

/// `text` followed by spaces up to `width` terminal cells; text already that wide is unchanged.
pub fn pad_to_width(text: &str, width: usize) -> String {
    let missing = width.saturating_sub(display_width(text));
    let mut out = String::with_capacity(text.len().saturating_add(missing));
    out.push_str(text);
    out.extend(std::iter::repeat_n(' ', missing));
    out
}

/// Characters a terminal acts on: C0 and C1 controls, DEL, and the Unicode line and paragraph
/// separators.
fn is_unsafe(c: char) -> bool {
    c.is_control() || is_separator(c)
}

fn is_c1(c: char) -> bool {
    ('\u{80}'..='\u{9f}').contains(&c)
}

fn is_separator(c: char) -> bool {
    ('\u{2028}'..='\u{2029}').contains(&c)
}

/// Characters that draw nothing, or reorder or hide what is drawn around them: the bidi controls,
/// zero-width spaces and joiners, word joiners and invisible operators, the byte order mark, the
/// soft hyphen, and the rest of Unicode's default-ignorable code points (Hangul fillers, tag
/// characters, interlinear annotation marks, ...), except variation selectors, which only choose
/// how an emoji or ideograph is drawn.
fn is_invisible(c: char) -> bool {
    matches!(
        u32::from(c),
        0xAD                    // soft hyphen
        | 0x34F                 // combining grapheme joiner
        | 0x61C                 // Arabic letter mark
        | 0x115F..=0x1160       // Hangul choseong and jungseong fillers
        | 0x17B4..=0x17B5       // Khmer inherent vowels
        | 0x180E                // Mongolian vowel separator
        | 0x200B..=0x200F       // zero-width space, non-joiner, joiner; LRM, RLM
        | 0x202A..=0x202E       // LRE, RLE, PDF, LRO, RLO
        | 0x2060..=0x206F       // word joiner, invisible operators, LRI..PDI, deprecated formats
        | 0x3164                // Hangul filler
        | 0xFEFF                // zero-width no-break space (byte order mark)
        | 0xFFA0                // halfwidth Hangul filler
        | 0xFFF0..=0xFFFB       // unassigned specials, interlinear annotation marks
        | 0x1BCA0..=0x1BCA3     // shorthand format controls
        | 0x1D173..=0x1D17A     // musical symbol format controls
        | 0xE0000..=0xE00FF     // tag characters
        | 0xE01F0..=0xE0FFF // unassigned default-ignorables after the variation selectors
    )
}

fn skip_escape_sequence(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('[') => skip_csi_body(chars),
        Some(']' | 'P' | 'X' | '^' | '_') => skip_string_body(chars),
        // Two-character escapes (ESC c, ESC 7, ...) and intermediates: drop the next character.
        Some(_) | None => {}
    }
}

/// Skips parameter and intermediate bytes up to and including the final byte of a CSI sequence.
fn skip_csi_body(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            break;
        }
    }
}

/// Skips an OSC/DCS/PM/APC string up to its terminator (BEL, ST or ESC \).
fn skip_string_body(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                break;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_unchanged() {
        assert_eq!(
            sanitize("Zoë Ångström <zoe@example.com>"),
            "Zoë Ångström <zoe@example.com>"
        );
    }

    #[test]
    fn csi_osc_and_c1_sequences_are_removed() {
        assert_eq!(sanitize("a\u{1b}[31mred\u{1b}[0m"), "ared");
        assert_eq!(sanitize("x\u{1b}]0;pwned\u{7}y"), "xy");
        assert_eq!(
            sanitize("x\u{1b}]8;;http://e\u{1b}\\link\u{1b}]8;;\u{1b}\\y"),
            "xlinky"
        );
        assert_eq!(sanitize("a\u{9b}2Jb"), "ab");
        assert_eq!(sanitize("a\u{0}b\u{7}c\u{8}d"), "abcd");
        assert_eq!(sanitize("line\nbreak\ttab"), "line break tab");
    }

    #[test]
    fn c1_controls_in_json_are_escaped_and_still_parse() {
        let json = serde_json::to_string("a\u{9b}2Jb").expect("json");
        let escaped = terminal_safe_json(&json);
        assert!(!escaped.contains('\u{9b}'));
        assert_eq!(
            serde_json::from_str::<String>(&escaped).expect("parse"),
            "a\u{9b}2Jb"
        );
    }

    #[test]
    fn invisible_and_bidi_characters_are_written_out() {
        assert_eq!(sanitize("ad\u{200b}min"), "ad\\u{200b}min");
        assert_eq!(sanitize("\u{202e}gnp.exe"), "\\u{202e}gnp.exe");
        assert_eq!(
            sanitize("a\u{2066}b\u{2069}\u{200e}\u{61c}\u{feff}\u{ad}\u{e0041}"),
            "a\\u{2066}b\\u{2069}\\u{200e}\\u{61c}\\u{feff}\\u{ad}\\u{e0041}"
        );
        // Variation selectors and ordinary scripts stay as they are.
        assert_eq!(
            sanitize("\u{2764}\u{fe0f} 山田 é"),
            "\u{2764}\u{fe0f} 山田 é"
        );
        let once = sanitize("x\u{202e}\u{1b}[2Jy");
        assert_eq!(sanitize(&once), once);
    }

    #[test]
    fn invisible_characters_in_json_are_escaped_and_still_parse() {
        let value = "ad\u{200b}min\u{202e}\u{2028}\u{e0041}\u{7f}";
        let escaped = terminal_safe_json(&serde_json::to_string(value).expect("json"));
        assert_eq!(escaped, r#""ad\u200bmin\u202e\u2028\udb40\udc41\u007f""#);
        assert_eq!(
            serde_json::from_str::<String>(&escaped).expect("parse"),
            value
        );
    }

    #[test]
    fn truncation_marks_the_cut() {
        assert_eq!(truncate_for_display("abcdef", 4), "abc…");
        assert_eq!(truncate_for_display("abc", 4), "abc");
    }

    #[test]
    fn widths_count_terminal_cells() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("山田"), 4);
        assert_eq!(display_width("e\u{301}"), 1);
        assert_eq!(pad_to_width("山", 4), "山  ");
        assert_eq!(pad_to_width("abcdef", 4), "abcdef");
        assert_eq!(truncate_to_width("山田太郎", 5), "山田…");
        assert_eq!(truncate_to_width("山田太郎", 6), "山田…");
        assert_eq!(truncate_to_width("山田太郎", 8), "山田太郎");
        assert_eq!(truncate_to_width("abc", 0), "");
        assert_eq!(display_width(&truncate_to_width("a山田", 4)), 4);
    }
}
