//! Making server text safe to draw or print.
//!
//! Every string that came from a service passes through [`sanitize`] before it reaches a terminal:
//! it removes C0 and C1 control characters and whole escape sequences (CSI, OSC, DCS, ...), so a
//! hostile display name cannot move the cursor, retitle the window or hide text. This module does
//! no I/O and knows nothing about services.

/// The marker appended to a value that [`truncate_for_display`] shortened.
pub const TRUNCATION_MARKER: char = '…';

/// Returns `text` without terminal control characters or escape sequences.
///
/// Tabs and newlines become single spaces, because every caller draws one value per cell or line.
pub fn sanitize(text: &str) -> String {
    if !text.chars().any(is_unsafe) {
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

/// Escapes C1 control characters in JSON text as `\u00XX` (serde_json already escapes C0), so
/// that JSON output is exact and still safe on a terminal.
pub fn escape_c1_in_json(json: &str) -> String {
    if !json.chars().any(|c| ('\u{80}'..='\u{9f}').contains(&c)) {
        return json.to_owned();
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if ('\u{80}'..='\u{9f}').contains(&c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
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

fn is_unsafe(c: char) -> bool {
    c.is_control() || c == '\u{7f}' || ('\u{2028}'..='\u{2029}').contains(&c)
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
        let escaped = escape_c1_in_json(&json);
        assert!(!escaped.contains('\u{9b}'));
        assert_eq!(
            serde_json::from_str::<String>(&escaped).expect("parse"),
            "a\u{9b}2Jb"
        );
    }

    #[test]
    fn truncation_marks_the_cut() {
        assert_eq!(truncate_for_display("abcdef", 4), "abc…");
        assert_eq!(truncate_for_display("abc", 4), "abc");
    }
}
