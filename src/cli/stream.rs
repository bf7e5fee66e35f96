//! Output written as it is found, so that a long listing or audit starts printing at once and
//! holds nothing but the line being written: a JSON array item by item, CSV row by row, and a
//! table row by row with fixed column widths (a table sized to its widest cell has to wait for
//! every row; these tables do not).

use serde::Serialize;

use crate::text::{pad_to_width, sanitize, truncate_to_width};

/// A JSON array written item by item: `[`, items two spaces in, `]`.
#[derive(Debug, Default)]
pub struct JsonArray {
    written: usize,
}

impl JsonArray {
    /// The text of one more item (pretty, terminal-safe).
    pub fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> String {
        let mut text = String::from(if self.written == 0 { "[\n" } else { ",\n" });
        self.written = self.written.saturating_add(1);
        let item = crate::export::json(value);
        let indented: Vec<String> = item
            .trim_end()
            .lines()
            .map(|line| format!("  {line}"))
            .collect();
        text.push_str(&indented.join("\n"));
        text
    }

    /// The text that closes the array (`[]` when nothing was written).
    pub fn finish(&self) -> String {
        if self.written == 0 {
            "[]\n".to_owned()
        } else {
            "\n]\n".to_owned()
        }
    }
}

/// RFC 4180 CSV written row by row; the header comes with the first row (or alone at the end).
#[derive(Debug)]
pub struct CsvRows {
    columns: &'static [&'static str],
    started: bool,
}

impl CsvRows {
    /// CSV with these header columns.
    pub fn new(columns: &'static [&'static str]) -> Self {
        Self {
            columns,
            started: false,
        }
    }

    /// The text of these rows, preceded by the header the first time.
    pub fn rows(&mut self, rows: impl IntoIterator<Item = Vec<String>>) -> String {
        let text = crate::export::csv(self.columns, rows);
        if std::mem::replace(&mut self.started, true) {
            text.split_once("\r\n")
                .map_or(String::new(), |(_, rows)| rows.to_owned())
        } else {
            text
        }
    }

    /// The header alone when no row was written, else nothing.
    pub fn finish(&mut self) -> String {
        if self.started {
            String::new()
        } else {
            self.rows(Vec::new())
        }
    }
}

/// A table written row by row: every column but the last has a fixed width, cells wider are cut
/// with a marker; the last column takes what it needs.
#[derive(Debug)]
pub struct FixedTable {
    header: &'static [&'static str],
    widths: &'static [usize],
    started: bool,
}

impl FixedTable {
    /// A table with these headers and widths (one fewer width than headers: the last column is
    /// free).
    pub fn new(header: &'static [&'static str], widths: &'static [usize]) -> Self {
        Self {
            header,
            widths,
            started: false,
        }
    }

    /// The text of one row, preceded by the header line the first time.
    pub fn row(&mut self, cells: &[String]) -> String {
        let mut text = self.header_once();
        text.push_str(&self.line(cells.iter().map(|c| sanitize(c))));
        text
    }

    /// The header alone when no row was written, else nothing.
    pub fn finish(&mut self) -> String {
        self.header_once()
    }

    fn header_once(&mut self) -> String {
        if std::mem::replace(&mut self.started, true) {
            String::new()
        } else {
            self.line(self.header.iter().map(|h| (*h).to_owned()))
        }
    }

    fn line(&self, cells: impl Iterator<Item = String>) -> String {
        let cells: Vec<String> = cells
            .enumerate()
            .map(|(index, cell)| match self.widths.get(index) {
                Some(width) => truncate_to_width(&cell, *width),
                None => cell,
            })
            .collect();
        aligned_line(&cells, self.widths)
    }
}

/// One table line: every cell but the last padded to its column's width and two spaces, the last
/// as it is, trailing spaces trimmed. Cells must already fit their widths.
pub fn aligned_line<S: AsRef<str>>(cells: &[S], widths: &[usize]) -> String {
    let mut text = String::new();
    let last = cells.len().saturating_sub(1);
    for (index, cell) in cells.iter().enumerate() {
        match widths.get(index) {
            Some(width) if index < last => {
                text.push_str(&pad_to_width(cell.as_ref(), width.saturating_add(2)));
            }
            _ => text.push_str(cell.as_ref()),
        }
    }
    text.trim_end().to_owned() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_array_written_in_pieces_is_one_valid_array() {
        let mut array = JsonArray::default();
        let mut text = String::new();
        for n in 0..3 {
            text.push_str(&array.item(&serde_json::json!({"n": n})));
        }
        text.push_str(&array.finish());
        let parsed: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(parsed, serde_json::json!([{"n": 0}, {"n": 1}, {"n": 2}]));
        assert_eq!(JsonArray::default().finish(), "[]\n");
    }

    #[test]
    fn csv_rows_carry_one_header() {
        let mut csv = CsvRows::new(&["a", "b"]);
        let mut text = csv.rows(vec![vec!["1".to_owned(), "2".to_owned()]]);
        text.push_str(&csv.rows(vec![vec!["3".to_owned(), "=4".to_owned()]]));
        text.push_str(&csv.finish());
        assert_eq!(text, "a,b\r\n1,2\r\n3,'=4\r\n");
        assert_eq!(CsvRows::new(&["a"]).finish(), "a\r\n");
    }

    #[test]
    fn fixed_tables_cut_wide_cells_and_strip_controls() {
        let mut table = FixedTable::new(&["A", "B"], &[4]);
        let text = table.row(&["abcdefgh".to_owned(), "x\u{1b}[31my".to_owned()]);
        assert_eq!(text, "A     B\nabc…  xy\n");
        assert_eq!(table.finish(), "");
    }
}
