//! Export formats shared by the command line and the browser: RFC 4180 CSV and pretty JSON.
//!
//! CSV cells are sanitised (no control characters, no line breaks, invisible and bidi characters
//! written out as `\u{…}`) and a leading formula character is neutralised so spreadsheets do not
//! evaluate server text; JSON keeps values exact but escapes every control, invisible and bidi
//! character. Nothing here writes files.

use serde::Serialize;

use crate::domain::Finding;
use crate::text::{sanitize, terminal_safe_json};

/// Pretty JSON, safe on a terminal, with a final newline.
pub fn json<T: Serialize + ?Sized>(value: &T) -> String {
    let mut text = terminal_safe_json(
        &serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".to_owned()),
    );
    text.push('\n');
    text
}

/// RFC 4180 CSV with a header row and CRLF line ends.
pub fn csv(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut text = header.join(",") + "\r\n";
    for row in rows {
        text.push_str(
            &row.iter()
                .map(|c| csv_cell(c))
                .collect::<Vec<_>>()
                .join(","),
        );
        text.push_str("\r\n");
    }
    text
}

fn csv_cell(cell: &str) -> String {
    let cell = sanitize(cell);
    let guarded = if cell.starts_with(['=', '+', '-', '@']) {
        format!("'{cell}")
    } else {
        cell
    };
    if guarded.contains([',', '"']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// The header of the findings CSV (the JSON keys of product.md's audit shape).
pub const FINDING_COLUMNS: [&str; 6] = [
    "connection",
    "user",
    "user_id",
    "attribute",
    "finding",
    "detail",
];

/// One finding as CSV cells, in [`FINDING_COLUMNS`] order.
pub fn finding_cells(finding: &Finding) -> Vec<String> {
    vec![
        finding.connection.clone(),
        finding.user.clone().unwrap_or_default(),
        finding.user_id.clone().unwrap_or_default(),
        finding.attribute.clone(),
        finding.finding.as_str().to_owned(),
        finding.detail.clone(),
    ]
}

/// Audit findings as CSV.
pub fn findings_csv(findings: &[Finding]) -> String {
    csv(&FINDING_COLUMNS, findings.iter().map(finding_cells))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_guards_formulas() {
        let text = csv(
            &["a", "b"],
            vec![
                vec!["x,y".to_owned(), "=cmd()".to_owned()],
                vec!["say \"hi\"".to_owned(), "\u{1b}[31mred\nline".to_owned()],
            ],
        );
        assert_eq!(
            text,
            "a,b\r\n\"x,y\",'=cmd()\r\n\"say \"\"hi\"\"\",red line\r\n"
        );
    }
}
