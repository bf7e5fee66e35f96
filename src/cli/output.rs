//! Rendering command output: aligned tables, RFC 4180 CSV and JSON in product.md's shapes.
//!
//! Every server string is sanitised before it reaches a table or CSV cell; JSON keeps values
//! exact but escapes every control, invisible and bidi character. Table columns are measured in
//! terminal cells, so wide and combining characters never shift them. Hidden values never reach
//! this module: the domain holds none.

use serde::Serialize;

use super::args::Format;
use super::stream::{CsvRows, FixedTable, JsonArray, aligned_line};
use crate::domain::{Attribute, Finding, Group, UserRecord, UserSummary};
use crate::service::UsersPage;
use crate::text::{display_width, sanitize, truncate_to_width};

/// The widest a table cell gets, in terminal cells, before it is cut with a marker.
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

/// The users listing written page by page, so that output starts before the listing ends.
/// JSON and CSV are streamed; a table needs every row for its widths and comes at the end.
pub struct UsersStream {
    format: Format,
    json: JsonArray,
    csv: CsvRows,
    duplicates_removed: usize,
    table_rows: Vec<UserSummary>,
}

impl UsersStream {
    /// A listing in this format, nothing written yet.
    pub fn new(format: Format) -> Self {
        Self {
            format,
            json: JsonArray::default(),
            csv: CsvRows::new(&USER_COLUMNS),
            duplicates_removed: 0,
            table_rows: Vec::new(),
        }
    }

    /// The text for one more page of the listing.
    pub fn page(&mut self, page: &UsersPage) -> String {
        self.duplicates_removed = self
            .duplicates_removed
            .saturating_add(page.duplicates_removed);
        self.rows(&page.users)
    }

    /// The warning for stderr once the listing ended, when the service listed a user twice.
    pub fn warning(&self, connection: &str) -> Option<String> {
        (self.duplicates_removed > 0).then(|| {
            format!(
                "roster: warning: `{}` listed {} user(s) more than once; each is shown once",
                sanitize(connection),
                self.duplicates_removed
            )
        })
    }

    fn rows(&mut self, users: &[UserSummary]) -> String {
        if users.is_empty() {
            return String::new();
        }
        match self.format {
            Format::Json => users.iter().map(|user| self.json.item(user)).collect(),
            Format::Csv => self.csv.rows(users.iter().map(user_cells)),
            Format::Table => {
                self.table_rows.extend_from_slice(users);
                String::new()
            }
        }
    }

    /// The text that closes the listing.
    pub fn finish(&mut self) -> String {
        match self.format {
            Format::Json => self.json.finish(),
            Format::Csv => self.csv.finish(),
            Format::Table => table(
                &["ID", "USERNAME", "DISPLAY NAME", "EMAIL", "ACTIVE"],
                std::mem::take(&mut self.table_rows).iter().map(user_cells),
            ),
        }
    }
}

/// Audit findings written as they are found: a JSON array, CSV, or a table with fixed widths.
pub struct FindingsStream {
    format: Format,
    json: JsonArray,
    csv: CsvRows,
    table: FixedTable,
}

impl FindingsStream {
    /// An audit in this format, nothing written yet.
    pub fn new(format: Format) -> Self {
        Self {
            format,
            json: JsonArray::default(),
            csv: CsvRows::new(&crate::export::FINDING_COLUMNS),
            table: FixedTable::new(
                &["CONNECTION", "USER", "ATTRIBUTE", "FINDING", "DETAIL"],
                &[12, 24, 24, 19],
            ),
        }
    }

    /// The text of one finding.
    pub fn finding(&mut self, finding: &Finding) -> String {
        match self.format {
            Format::Json => self.json.item(finding),
            Format::Csv => self.csv.rows([crate::export::finding_cells(finding)]),
            Format::Table => self.table.row(&[
                finding.connection.clone(),
                finding
                    .user
                    .clone()
                    .unwrap_or_else(|| "(every user)".to_owned()),
                finding.attribute.clone(),
                finding.finding.as_str().to_owned(),
                finding.detail.clone(),
            ]),
        }
    }

    /// The text that closes the audit.
    pub fn finish(&mut self) -> String {
        match self.format {
            Format::Json => self.json.finish(),
            Format::Csv => self.csv.finish(),
            Format::Table => self.table.finish(),
        }
    }
}

const USER_COLUMNS: [&str; 5] = ["id", "username", "display_name", "email", "active"];

fn user_cells(u: &UserSummary) -> Vec<String> {
    vec![
        u.id.clone(),
        u.username.clone().unwrap_or_default(),
        u.display_name.clone().unwrap_or_default(),
        u.email.clone().unwrap_or_default(),
        u.active.to_string(),
    ]
}

/// The journal as a table, oldest first.
pub fn journal(entries: &[crate::journal::JournalEntry]) -> String {
    let rows = entries.iter().map(|e| {
        vec![
            e.id.to_string(),
            e.time.clone(),
            e.connection.clone(),
            e.server
                .as_ref()
                .map_or_else(|| "(not recorded)".to_owned(), ToString::to_string),
            e.user
                .clone()
                .or_else(|| e.user_id.clone())
                .or_else(|| e.attribute.as_ref().map(ToString::to_string))
                .unwrap_or_default(),
            e.action.clone(),
            e.outcome.describe().to_owned(),
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
            "SERVER",
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
        "{} ({}) user {}\n  username: {}\n  name:     {}\n  email:    {}\n  active:   {}\n",
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
    text.push_str(&groups_line(&record.groups));
    text.push('\n');
    let rows = record.attributes.iter().flat_map(attribute_rows);
    text.push_str(&table(
        &["ATTRIBUTE", "VALUE", "SOURCE", "RANK", "NOTES"],
        rows,
    ));
    text
}

/// `  groups:   A, B (nested)\n`: the user's groups in the service's order, each name sanitised.
fn groups_line(groups: &[Group]) -> String {
    let names: Vec<String> = groups
        .iter()
        .map(|g| {
            let name = sanitize(&g.name);
            if g.direct {
                name
            } else {
                format!("{name} (nested)")
            }
        })
        .collect();
    let listed = if names.is_empty() {
        "(none)".to_owned()
    } else {
        names.join(", ")
    };
    format!("  groups:   {listed}\n")
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

fn cell(text: Option<&str>) -> String {
    truncate_to_width(&sanitize(text.unwrap_or("")), MAX_CELL)
}

/// Aligned columns; every cell sanitised and cut to [`MAX_CELL`] terminal cells.
pub fn table(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|row| row.iter().map(|c| cell(Some(c))).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| display_width(h)).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(display_width(cell));
        }
    }
    let mut text = aligned_line(header, &widths);
    for row in &rows {
        text.push_str(&aligned_line(row, &widths));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str) -> UserSummary {
        UserSummary {
            id: id.to_owned(),
            username: Some(format!("u{id}")),
            display_name: None,
            email: Some(format!("u{id}@example.com")),
            active: id != "2",
        }
    }

    fn page(users: &[UserSummary], duplicates_removed: usize) -> UsersPage {
        UsersPage {
            users: users.to_vec(),
            total: None,
            duplicates_removed,
        }
    }

    #[test]
    fn streamed_pages_equal_the_whole_listing() {
        let all = vec![user("1"), user("2"), user("3")];
        for format in [Format::Json, Format::Csv, Format::Table] {
            let mut whole = UsersStream::new(format);
            let expected = whole.page(&page(&all, 0)) + &whole.finish();
            let mut paged = UsersStream::new(format);
            let got = paged.page(&page(&[], 0))
                + &paged.page(&page(&all[..1], 0))
                + &paged.page(&page(&all[1..], 0))
                + &paged.page(&page(&[], 0))
                + &paged.finish();
            assert_eq!(got, expected, "{format:?}");
        }
        let mut json = UsersStream::new(Format::Json);
        let text =
            json.page(&page(&all[..2], 0)) + &json.page(&page(&all[2..], 0)) + &json.finish();
        assert_eq!(
            text,
            serde_json::to_string_pretty(&all).expect("json") + "\n"
        );
        let mut empty = UsersStream::new(Format::Json);
        assert_eq!(empty.finish(), "[]\n");
        assert_eq!(empty.warning("looker"), None);
    }

    #[test]
    fn removed_duplicates_become_one_warning() {
        let mut stream = UsersStream::new(Format::Csv);
        let _ = stream.page(&page(&[user("1")], 2));
        let _ = stream.page(&page(&[user("2")], 3));
        let warning = stream.warning("crowd").expect("a warning");
        assert!(
            warning.contains("`crowd` listed 5 user(s) more than once"),
            "{warning}"
        );
    }

    #[test]
    fn table_aligns_and_strips_controls() {
        let text = table(
            &["A", "B"],
            vec![vec!["long value".to_owned(), "x\u{1b}]0;t\u{7}".to_owned()]],
        );
        assert_eq!(text, "A           B\nlong value  x\n");
    }

    #[test]
    fn wide_combining_and_invisible_characters_keep_columns_aligned() {
        let rows = [
            ("山田太郎", "yamada@example.com"),
            ("Zoe\u{308}", "zoe@example.com"),
            ("ad\u{200b}min", "admin@example.com"),
        ];
        let text = table(
            &["NAME", "EMAIL"],
            rows.iter()
                .map(|(name, email)| vec![(*name).to_owned(), (*email).to_owned()]),
        );
        let email_columns: Vec<usize> = text
            .lines()
            .skip(1)
            .zip(rows)
            .map(|(line, (_, email))| {
                let at = line.find(email).expect("email in its row");
                display_width(&line[..at])
            })
            .collect();
        assert_eq!(email_columns, [15, 15, 15], "{text}");
        assert!(text.contains("ad\\u{200b}min  admin@example.com"), "{text}");
    }
}
