//! The audit view's state: findings as they arrive, grouped by finding, filtered, and exported.
//!
//! Findings come from `domain::audit::audit_record` over each record the audit run reads; they
//! are kept sorted by (finding, connection, user, attribute) so the view groups them with one
//! header per finding. Export formats: CSV (a header row, RFC 4180 quoting) and JSON (the stable
//! `roster audit --format json` shape). Nothing here draws or does I/O.

use super::filter::Filter;
use super::msg::RequestId;
use crate::domain::{Finding, FindingKind};

/// One finding with where it came from, so Enter can jump to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    /// The connection index.
    pub conn: usize,
    /// The user's service id.
    pub user_id: String,
    /// The finding.
    pub finding: Finding,
}

/// One drawn line of the audit list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditLine {
    /// A group header: the finding and how many rows it has (after filtering).
    Header(FindingKind, usize),
    /// A finding: its index in [`AuditState::rows`].
    Row(usize),
}

/// The audit view.
#[derive(Debug, Clone)]
pub struct AuditState {
    /// The run whose results are wanted.
    pub request: RequestId,
    /// The connections audited.
    pub conns: Vec<usize>,
    /// Users to read (known once each connection is listed).
    pub total: usize,
    /// Users read so far.
    pub done: usize,
    /// Reads that failed (their reasons go to toasts).
    pub failed: usize,
    /// Connections whose listing or reads are still running.
    pub running: usize,
    /// Every finding, sorted.
    pub rows: Vec<AuditRow>,
    /// The filter text.
    pub filter: String,
    /// The filter is being typed.
    pub filtering: bool,
    /// The lines to draw (headers and filtered rows).
    pub lines: Vec<AuditLine>,
    /// The selected line (always a row when there is one).
    pub selected: usize,
    /// The first drawn line.
    pub offset: usize,
}

impl AuditState {
    /// A new run over these connections.
    pub fn new(request: RequestId, conns: Vec<usize>) -> Self {
        Self {
            request,
            running: conns.len(),
            conns,
            total: 0,
            done: 0,
            failed: 0,
            rows: Vec::new(),
            filter: String::new(),
            filtering: false,
            lines: Vec::new(),
            selected: 0,
            offset: 0,
        }
    }

    /// Adds findings, keeping the sort order, and rebuilds the lines. A selection the user moved
    /// stays on its finding; an untouched one stays on the first finding.
    pub fn add(&mut self, rows: impl IntoIterator<Item = AuditRow>) {
        let first_row = self
            .lines
            .iter()
            .position(|l| matches!(l, AuditLine::Row(_)));
        let selected = if Some(self.selected) == first_row {
            None
        } else {
            self.selected_row().cloned()
        };
        for row in rows {
            let at = self.rows.partition_point(|r| sort_key(r) <= sort_key(&row));
            self.rows.insert(at, row);
        }
        self.rebuild(selected.as_ref());
    }

    /// Re-applies the filter and keeps the selection on the same finding when it stays visible.
    pub fn rebuild(&mut self, keep: Option<&AuditRow>) {
        let mut filter = Filter::new(&self.filter);
        let mut lines = Vec::new();
        let mut current: Option<(FindingKind, usize)> = None;
        for (index, row) in self.rows.iter().enumerate() {
            let f = &row.finding;
            if !filter.matches([
                f.finding.as_str(),
                f.connection.as_str(),
                f.user.as_str(),
                f.attribute.as_str(),
                f.detail.as_str(),
            ]) {
                continue;
            }
            match current {
                Some((kind, header)) if kind == f.finding => {
                    if let Some(AuditLine::Header(_, count)) = lines.get_mut(header) {
                        *count += 1;
                    }
                }
                _ => {
                    current = Some((f.finding, lines.len()));
                    lines.push(AuditLine::Header(f.finding, 1));
                }
            }
            lines.push(AuditLine::Row(index));
        }
        self.lines = lines;
        let kept = keep.and_then(|keep| {
            self.lines
                .iter()
                .position(|l| matches!(l, AuditLine::Row(i) if &self.rows[*i] == keep))
        });
        self.selected = kept.unwrap_or(0);
        self.settle(true);
    }

    /// Moves the selection by `delta` rows, skipping headers.
    pub fn step(&mut self, delta: isize) {
        if self.lines.is_empty() {
            return;
        }
        let last = self.lines.len() as isize - 1;
        let mut at = self.selected as isize;
        loop {
            let next = at + delta.signum();
            if !(0..=last).contains(&next) {
                break;
            }
            at = next;
            if matches!(self.lines[at as usize], AuditLine::Row(_)) {
                self.selected = at as usize;
                break;
            }
        }
    }

    /// Puts the selection on a row (moving forward, or back when at the end).
    fn settle(&mut self, forward: bool) {
        if self.lines.is_empty() {
            self.selected = 0;
            return;
        }
        self.selected = self.selected.min(self.lines.len() - 1);
        if matches!(self.lines[self.selected], AuditLine::Header(..)) {
            self.step(if forward { 1 } else { -1 });
        }
    }

    /// The selected finding.
    pub fn selected_row(&self) -> Option<&AuditRow> {
        match self.lines.get(self.selected) {
            Some(AuditLine::Row(index)) => self.rows.get(*index),
            _ => None,
        }
    }

    /// The findings shown (filtered), in order.
    pub fn shown(&self) -> Vec<Finding> {
        self.lines
            .iter()
            .filter_map(|line| match line {
                AuditLine::Row(index) => Some(self.rows[*index].finding.clone()),
                AuditLine::Header(..) => None,
            })
            .collect()
    }

    /// True while reads are still running.
    pub fn is_running(&self) -> bool {
        self.running > 0
    }
}

fn sort_key(row: &AuditRow) -> (FindingKind, &str, &str, &str) {
    let f = &row.finding;
    (f.finding, &f.connection, &f.user, &f.attribute)
}

/// The export format, chosen by the file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// The stable JSON array of findings.
    Json,
}

impl ExportFormat {
    /// The format for a file name, or a message saying which extensions work.
    pub fn for_path(path: &std::path::Path) -> Result<Self, String> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("csv") => Ok(Self::Csv),
            Some("json") => Ok(Self::Json),
            _ => Err(format!(
                "cannot tell the format of `{}`: name it .csv or .json",
                path.display()
            )),
        }
    }
}

/// The findings in a format, as the file's text.
pub fn render_export(format: ExportFormat, findings: &[Finding]) -> String {
    match format {
        ExportFormat::Json => crate::export::json(findings),
        ExportFormat::Csv => crate::export::findings_csv(findings),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn row(kind: FindingKind, user: &str, attribute: &str) -> AuditRow {
        AuditRow {
            conn: 0,
            user_id: user.to_owned(),
            finding: Finding {
                connection: "looker".to_owned(),
                user: user.to_owned(),
                attribute: attribute.to_owned(),
                finding: kind,
                detail: format!("detail, \"{attribute}\""),
            },
        }
    }

    #[test]
    fn findings_are_grouped_and_filtered() {
        let mut audit = AuditState::new(1, vec![0]);
        audit.add([
            row(FindingKind::Locked, "bob", "email"),
            row(FindingKind::Hidden, "ann", "db_password"),
            row(FindingKind::Locked, "ann", "email"),
        ]);
        assert_eq!(
            audit.lines,
            [
                AuditLine::Header(FindingKind::Hidden, 1),
                AuditLine::Row(0),
                AuditLine::Header(FindingKind::Locked, 2),
                AuditLine::Row(1),
                AuditLine::Row(2),
            ]
        );
        assert_eq!(audit.selected, 1);
        audit.add([row(FindingKind::Hidden, "aaron", "db_password")]);
        assert_eq!(
            audit.selected_row().unwrap().user_id,
            "aaron",
            "untouched stays first"
        );
        audit.step(1);
        audit.step(1);
        assert_eq!(audit.selected_row().unwrap().user_id, "ann");
        audit.add([row(FindingKind::Hidden, "aa", "db_password")]);
        assert_eq!(
            audit.selected_row().unwrap().user_id,
            "ann",
            "a moved selection stays"
        );
        assert_eq!(
            audit.selected_row().unwrap().finding.finding,
            FindingKind::Locked
        );
        audit.filter = "hidden".to_owned();
        audit.rebuild(None);
        assert_eq!(audit.shown().len(), 3);
        assert!(audit.shown().iter().all(|f| f.attribute == "db_password"));
    }

    #[test]
    fn csv_quotes_and_neutralises_formulas() {
        let mut finding = row(FindingKind::Locked, "=cmd", "email").finding;
        finding.detail = "a, \"b\"".to_owned();
        let text = render_export(ExportFormat::Csv, &[finding]);
        assert_eq!(
            text,
            "connection,user,attribute,finding,detail\r\nlooker,'=cmd,email,locked,\"a, \"\"b\"\"\"\r\n"
        );
    }

    #[test]
    fn json_uses_the_stable_shape() {
        let text = render_export(
            ExportFormat::Json,
            &[row(FindingKind::OverridesGroup, "ann", "region").finding],
        );
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value[0]["finding"], "overrides_group");
        assert_eq!(
            value[0].as_object().unwrap().keys().collect::<Vec<_>>(),
            ["connection", "user", "attribute", "finding", "detail"]
        );
    }

    #[test]
    fn export_format_follows_the_extension() {
        use std::path::Path;
        assert_eq!(
            ExportFormat::for_path(Path::new("a.CSV")),
            Ok(ExportFormat::Csv)
        );
        assert_eq!(
            ExportFormat::for_path(Path::new("a.json")),
            Ok(ExportFormat::Json)
        );
        assert!(ExportFormat::for_path(Path::new("a.txt")).is_err());
    }
}
