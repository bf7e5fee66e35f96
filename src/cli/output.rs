//! Rendering command output: aligned tables, RFC 4180 CSV and JSON in product.md's shapes.
//!
//! Every server string is sanitised before it reaches a table or CSV cell; JSON keeps values
//! exact but escapes every control character. Hidden values never reach this module: the domain
//! holds none.

use serde::Serialize;

use super::args::Format;
use crate::domain::{Attribute, FieldChange, Finding, UserRecord, UserSummary};
use crate::text::{sanitize, truncate_for_display};

/// The widest a table cell gets before it is cut with a marker.
const MAX_CELL: usize = 60;

/// Writes command output to stdout (with a final newline).
pub fn print(text: &str) {
    if text.ends_with('\n') {
        print!("{text}");
    } else {
        println!("{text}");
    }
}

/// Pretty JSON, safe on a terminal.
pub fn json<T: Serialize>(value: &T) -> String {
    crate::export::json(value)
}

/// The users listing.
pub fn users(users: &[UserSummary], format: Format) -> String {
    let header = ["id", "username", "display_name", "email", "active"];
    let rows = users.iter().map(|u| {
        vec![
            u.id.clone(),
            u.username.clone().unwrap_or_default(),
            u.display_name.clone().unwrap_or_default(),
            u.email.clone().unwrap_or_default(),
            u.active.to_string(),
        ]
    });
    match format {
        Format::Json => json(&users),
        Format::Csv => crate::export::csv(&header, rows),
        Format::Table => table(&["ID", "USERNAME", "DISPLAY NAME", "EMAIL", "ACTIVE"], rows),
    }
}

/// The audit findings.
pub fn findings(findings: &[Finding], format: Format) -> String {
    match format {
        Format::Json => json(&findings),
        Format::Csv => crate::export::findings_csv(findings),
        Format::Table => table(
            &["CONNECTION", "USER", "ATTRIBUTE", "FINDING", "DETAIL"],
            findings.iter().map(crate::export::finding_cells),
        ),
    }
}

/// The journal as a table, oldest first.
pub fn journal(entries: &[crate::journal::JournalEntry]) -> String {
    let rows = entries.iter().map(|e| {
        vec![
            e.id.to_string(),
            e.time.clone(),
            e.connection.clone(),
            e.user
                .clone()
                .or_else(|| e.user_id.clone())
                .unwrap_or_default(),
            e.action.clone(),
            e.outcome.clone(),
            e.changes
                .iter()
                .map(|c| {
                    format!(
                        "{}: {} → {}",
                        c.field,
                        c.before.as_deref().unwrap_or("(unset)"),
                        c.after.as_deref().unwrap_or("(unset)")
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        ]
    });
    table(
        &[
            "ID",
            "TIME",
            "CONNECTION",
            "USER",
            "ACTION",
            "OUTCOME",
            "CHANGES",
        ],
        rows,
    )
}

/// One user as people read it: identity, then every attribute with its chain.
pub fn record_table(record: &UserRecord) -> String {
    let mut text = format!(
        "{} ({}) user {}\n  username: {}\n  name:     {}\n  email:    {}\n  active:   {}\n\n",
        sanitize(&record.connection),
        record.kind,
        sanitize(&record.id),
        cell(record.username.as_deref()),
        cell(record.display_name.as_deref()),
        cell(record.email.as_deref()),
        if record.active {
            "yes"
        } else {
            "NO (inactive or disabled)"
        }
    );
    let rows = record.attributes.iter().flat_map(attribute_rows);
    text.push_str(&table(
        &["ATTRIBUTE", "VALUE", "SOURCE", "RANK", "NOTES"],
        rows,
    ));
    text
}

/// Only the named attributes of a record (what a write changed), as they are now.
pub fn record_fields(record: &UserRecord, names: &[&str]) -> String {
    let rows = record
        .attributes
        .iter()
        .filter(|a| names.contains(&a.name.as_str()))
        .flat_map(attribute_rows)
        .collect::<Vec<_>>();
    if rows.is_empty() {
        return format!(
            "{}: written",
            cell(record.username.as_deref().or(Some(&record.id)))
        );
    }
    table(&["ATTRIBUTE", "VALUE", "SOURCE", "RANK", "NOTES"], rows)
}

/// The effective line of an attribute, then one indented line per losing candidate.
fn attribute_rows(attribute: &Attribute) -> Vec<Vec<String>> {
    let mut notes = Vec::new();
    if attribute.hidden {
        notes.push("hidden".to_owned());
        if let Some(allowlist) = &attribute.meta.hidden_domain_allowlist {
            notes.push(format!("domains: {allowlist}"));
        }
    }
    if let Some(reason) = attribute.lock_reason.as_ref().filter(|_| attribute.locked) {
        notes.push(format!("locked: {reason}"));
    }
    if !attribute.user_can_edit && !attribute.locked {
        notes.push("not user-editable".to_owned());
    }
    let value = |values: &[String]| {
        if attribute.hidden {
            "(hidden)".to_owned()
        } else if values.is_empty() {
            String::new()
        } else {
            values.join(", ")
        }
    };
    let rank = |rank: Option<i64>| rank.map(|r| r.to_string()).unwrap_or_default();
    let mut rows = vec![vec![
        attribute.name.clone(),
        if attribute.is_set() {
            value(&attribute.values)
        } else {
            "(unset)".to_owned()
        },
        attribute.source.clone(),
        rank(attribute.rank),
        notes.join("; "),
    ]];
    for loser in attribute.candidates.iter().filter(|c| !c.effective) {
        rows.push(vec![
            String::new(),
            format!("  ↳ {}", value(&loser.values)),
            loser.source.clone(),
            rank(loser.rank),
            "overridden".to_owned(),
        ]);
    }
    rows
}

/// A list of changes, one per line, for conflict messages.
pub fn changes(changes: &[FieldChange]) -> String {
    changes
        .iter()
        .map(|c| {
            format!(
                "  {}: {}",
                sanitize(&c.field),
                sanitize(c.before.as_deref().unwrap_or("(unset)"))
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn cell(text: Option<&str>) -> String {
    truncate_for_display(&sanitize(text.unwrap_or("")), MAX_CELL)
}

/// Aligned columns; every cell sanitised and cut to [`MAX_CELL`] characters.
fn table(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|row| row.iter().map(|c| cell(Some(c))).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut text = String::new();
        for (index, (cell, width)) in cells.iter().zip(&widths).enumerate() {
            if index + 1 == cells.len() {
                text.push_str(cell);
            } else {
                text.push_str(cell);
                text.push_str(&" ".repeat(width - cell.chars().count() + 2));
            }
        }
        text.trim_end().to_owned() + "\n"
    };
    let mut text = line(header.to_vec());
    for row in &rows {
        text.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_and_strips_controls() {
        let text = table(
            &["A", "B"],
            vec![vec!["long value".to_owned(), "x\u{1b}]0;t\u{7}".to_owned()]],
        );
        assert_eq!(text, "A           B\nlong value  x\n");
    }
}
