//! The audit view's state: findings streamed into an append-only index, grouped by finding,
//! filtered, collapsed, and exported.
//!
//! Findings come from `domain::audit::audit_user`, which the effect runner applies to each record
//! it reads, so only findings travel to the browser, never records. They are appended to one list
//! and to their group's list of positions; nothing is re-sorted while the run goes on (a group is
//! sorted once, when its reads end). System-managed locks are counted, not listed: one summary
//! line per connection and attribute, at the top of the locked group. The drawn lines are never
//! built as a whole: [`AuditState::line`] finds line N from the group sizes, so drawing and moving
//! cost what is visible. Export formats: CSV (a header row, RFC 4180 quoting) and JSON (the stable
//! `roster audit --format json` shape). Nothing here draws or does I/O.

use super::filter::{Filter, narrows};
use super::msg::RequestId;
use crate::domain::audit::{SystemLockCount, SystemLocks, UserAudit};
use crate::domain::{Finding, FindingKind};

/// The finding kinds in the order their groups are shown.
pub const KINDS: [FindingKind; 6] = [
    FindingKind::Hidden,
    FindingKind::Locked,
    FindingKind::OverridesGroup,
    FindingKind::OverridesDefault,
    FindingKind::NotUserEditable,
    FindingKind::InactiveWithValues,
];

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
    /// A group header: the finding and how many entries it shows (after filtering).
    Header(FindingKind, usize),
    /// A system-lock summary: its index in the summaries.
    Summary(usize),
    /// A finding: its index in [`AuditState::rows`].
    Row(usize),
}

/// The findings of one kind.
#[derive(Debug, Clone, Default)]
struct Group {
    /// Positions in `rows`, in arrival order until the group is sorted.
    rows: Vec<u32>,
    /// The rows that pass the filter, best first (None: no filter, every row).
    shown: Option<Vec<u32>>,
    /// Only the header is drawn.
    collapsed: bool,
}

/// Where the selection is: a group's header, or its N-th entry (summaries first, then rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cursor {
    group: usize,
    entry: Option<usize>,
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
    /// Every finding, in arrival order (append-only).
    pub rows: Vec<AuditRow>,
    /// The filter text.
    pub filter: String,
    /// The filter is being typed.
    pub filtering: bool,
    /// Only this kind of finding is shown (`f` cycles).
    pub kind_filter: Option<FindingKind>,
    /// The first drawn line.
    pub offset: usize,
    groups: Vec<Group>,
    system: SystemLocks,
    /// Summaries that pass the filter (None: all).
    shown_summaries: Option<Vec<usize>>,
    /// Users audited per connection name, for the summaries' counts.
    audited: Vec<(String, usize)>,
    applied: String,
    cursor: Cursor,
    /// The user moved the selection (an untouched one stays on the first finding).
    touched: bool,
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
            kind_filter: None,
            offset: 0,
            groups: vec![Group::default(); KINDS.len()],
            system: SystemLocks::default(),
            shown_summaries: None,
            audited: Vec::new(),
            applied: String::new(),
            cursor: Cursor {
                group: 0,
                entry: Some(0),
            },
            touched: false,
        }
    }

    /// Adds what one user contributed (its findings go to the end of their groups).
    pub fn add(&mut self, conn: usize, connection: &str, audit: UserAudit) {
        self.add_all(conn, connection, [audit]);
    }

    /// Adds what several users contributed, matching the filter (built once) as they come.
    pub fn add_all(
        &mut self,
        conn: usize,
        connection: &str,
        audits: impl IntoIterator<Item = UserAudit>,
    ) {
        let mut filter = (!self.applied.trim().is_empty()).then(|| Filter::new(&self.applied));
        let mut new_summaries = false;
        for audit in audits {
            match self.audited.iter_mut().find(|(name, _)| name == connection) {
                Some((_, users)) => *users += 1,
                None => self.audited.push((connection.to_owned(), 1)),
            }
            if !audit.system_locks.is_empty() {
                let before = self.system.counts().len();
                self.system.add(connection, &audit.system_locks);
                new_summaries |= self.system.counts().len() != before;
            }
            for finding in audit.findings {
                let index = self.rows.len() as u32;
                let group = kind_index(finding.finding);
                let row = AuditRow {
                    conn,
                    user_id: audit.user_id.clone(),
                    finding,
                };
                if let (Some(filter), Some(shown)) = (&mut filter, &mut self.groups[group].shown)
                    && filter.matches(row_columns(&row))
                {
                    shown.push(index);
                }
                self.groups[group].rows.push(index);
                self.rows.push(row);
            }
        }
        if new_summaries && self.shown_summaries.is_some() {
            self.refilter_summaries();
        }
        if !self.touched {
            self.cursor = self.first_entry();
        }
    }

    /// One connection's reads ended: its groups are sorted now (by connection, user, attribute).
    pub fn finish_connection(&mut self) {
        self.running = self.running.saturating_sub(1);
        let keep = self.selected_line();
        let rows = &self.rows;
        let key = |i: &u32| {
            let f = &rows[*i as usize].finding;
            (
                f.connection.clone(),
                f.user.as_deref().unwrap_or_default().to_lowercase(),
                f.attribute.clone(),
            )
        };
        for group in &mut self.groups {
            group.rows.sort_by_cached_key(key);
            if let Some(shown) = &mut group.shown
                && self.applied.trim().is_empty()
            {
                shown.sort_by_cached_key(key);
            }
        }
        self.put_cursor_on(keep);
    }

    /// The system-lock summary at `index`.
    pub fn summary(&self, index: usize) -> &SystemLockCount {
        &self.system.counts()[index]
    }

    /// The sentence of the summary at `index` ("locked on all 100,034 users: …").
    pub fn summary_detail(&self, index: usize) -> String {
        let count = self.summary(index);
        let audited = self
            .audited
            .iter()
            .find(|(name, _)| *name == count.connection)
            .map_or(count.users, |(_, users)| *users);
        count.detail(audited)
    }

    /// How many findings there are (a summary counts once).
    pub fn finding_count(&self) -> usize {
        self.rows.len() + self.system.counts().len()
    }

    fn summaries_shown(&self) -> usize {
        self.shown_summaries
            .as_ref()
            .map_or(self.system.counts().len(), Vec::len)
    }

    fn summary_at(&self, entry: usize) -> Option<usize> {
        match &self.shown_summaries {
            Some(shown) => shown.get(entry).copied(),
            None => (entry < self.system.counts().len()).then_some(entry),
        }
    }

    fn group_rows(&self, group: usize) -> &[u32] {
        let g = &self.groups[group];
        g.shown.as_deref().unwrap_or(&g.rows)
    }

    /// How many entries (summaries and rows) a group shows.
    fn entries(&self, group: usize) -> usize {
        let summaries = if KINDS[group] == FindingKind::Locked {
            self.summaries_shown()
        } else {
            0
        };
        summaries + self.group_rows(group).len()
    }

    fn group_visible(&self, group: usize) -> bool {
        self.kind_filter.is_none_or(|k| k == KINDS[group]) && self.entries(group) > 0
    }

    fn group_lines(&self, group: usize) -> usize {
        if !self.group_visible(group) {
            0
        } else if self.groups[group].collapsed {
            1
        } else {
            1 + self.entries(group)
        }
    }

    /// How many lines the list has.
    pub fn line_count(&self) -> usize {
        (0..KINDS.len()).map(|g| self.group_lines(g)).sum()
    }

    fn cursor_at(&self, mut at: usize) -> Option<Cursor> {
        for group in 0..KINDS.len() {
            let lines = self.group_lines(group);
            if at < lines {
                let entry = at.checked_sub(1);
                return Some(Cursor { group, entry });
            }
            at -= lines;
        }
        None
    }

    fn line_of(&self, cursor: Cursor) -> usize {
        let before: usize = (0..cursor.group).map(|g| self.group_lines(g)).sum();
        before + cursor.entry.map_or(0, |e| e + 1)
    }

    fn line_for(&self, cursor: Cursor) -> Option<AuditLine> {
        let Some(entry) = cursor.entry else {
            return Some(AuditLine::Header(
                KINDS[cursor.group],
                self.entries(cursor.group),
            ));
        };
        let summaries = if KINDS[cursor.group] == FindingKind::Locked {
            self.summaries_shown()
        } else {
            0
        };
        if entry < summaries {
            return self.summary_at(entry).map(AuditLine::Summary);
        }
        self.group_rows(cursor.group)
            .get(entry - summaries)
            .map(|i| AuditLine::Row(*i as usize))
    }

    /// The line at position `at` of the list.
    pub fn line(&self, at: usize) -> Option<AuditLine> {
        self.cursor_at(at).and_then(|c| self.line_for(c))
    }

    /// The selected line's position.
    pub fn selected(&self) -> usize {
        self.line_of(self.cursor)
            .min(self.line_count().saturating_sub(1))
    }

    /// The selected line.
    pub fn selected_line(&self) -> AuditLine {
        self.line_for(self.cursor)
            .unwrap_or(AuditLine::Header(KINDS[self.cursor.group], 0))
    }

    /// The selected finding, when a finding row is selected.
    pub fn selected_row(&self) -> Option<&AuditRow> {
        match self.line_for(self.cursor)? {
            AuditLine::Row(index) => self.rows.get(index),
            _ => None,
        }
    }

    /// Selects the line at `at` (clamped to the list).
    pub fn select(&mut self, at: usize) {
        let last = self.line_count().saturating_sub(1);
        if let Some(cursor) = self.cursor_at(at.min(last)) {
            self.cursor = cursor;
            self.touched = true;
        }
    }

    /// Moves the selection by `delta` lines.
    pub fn step(&mut self, delta: isize) {
        self.select(self.selected().saturating_add_signed(delta));
    }

    /// `[`/`]`: selects the previous (`-1`) or next (`1`) group's header.
    pub fn jump_group(&mut self, direction: isize) {
        let visible: Vec<usize> = (0..KINDS.len())
            .filter(|g| self.group_visible(*g))
            .collect();
        let here = visible.iter().position(|g| *g == self.cursor.group);
        let target = match (here, direction.signum()) {
            (Some(at), -1) if self.cursor.entry.is_some() => Some(visible[at]),
            (Some(at), -1) => at.checked_sub(1).map(|a| visible[a]),
            (Some(at), _) => visible.get(at + 1).copied(),
            (None, _) => visible.first().copied(),
        };
        if let Some(group) = target {
            self.cursor = Cursor { group, entry: None };
            self.touched = true;
        }
    }

    /// Enter/Space on a group: collapses it, or expands it again; the selection goes to its
    /// header.
    pub fn toggle_group(&mut self) {
        let group = self.cursor.group;
        self.groups[group].collapsed = !self.groups[group].collapsed;
        self.cursor = Cursor { group, entry: None };
        self.touched = true;
    }

    /// `f`: shows only the next kind of finding that has any, then all kinds again.
    pub fn cycle_kind(&mut self) {
        let start = self
            .kind_filter
            .and_then(|k| KINDS.iter().position(|x| *x == k))
            .map_or(0, |at| at + 1);
        self.kind_filter = (start..KINDS.len())
            .find(|g| self.entries(*g) > 0)
            .map(|g| KINDS[g]);
        self.cursor = self.first_entry();
    }

    /// Re-applies the filter text (ranked within each group, best first); the selection goes to
    /// the first finding.
    pub fn refilter(&mut self) {
        let text = self.filter.trim().to_owned();
        if text.is_empty() {
            for group in &mut self.groups {
                group.shown = None;
            }
        } else {
            let narrowing = narrows(&self.applied, &self.filter) && !self.applied.is_empty();
            let mut filter = Filter::new(&self.filter);
            for group in &mut self.groups {
                let source = match (&group.shown, narrowing) {
                    (Some(shown), true) => shown.as_slice(),
                    _ => group.rows.as_slice(),
                };
                let mut scored: Vec<(u32, usize, u32)> = source
                    .iter()
                    .enumerate()
                    .filter_map(|(position, index)| {
                        let row = &self.rows[*index as usize];
                        filter
                            .score(row_columns(row))
                            .map(|score| (score, position, *index))
                    })
                    .collect();
                scored.sort_unstable_by_key(|(score, position, _)| {
                    (std::cmp::Reverse(*score), *position)
                });
                group.shown = Some(scored.into_iter().map(|(_, _, i)| i).collect());
            }
        }
        self.applied = self.filter.clone();
        self.refilter_summaries();
        self.cursor = self.first_entry();
        self.touched = false;
        self.offset = 0;
    }

    fn refilter_summaries(&mut self) {
        if self.applied.trim().is_empty() {
            self.shown_summaries = None;
            return;
        }
        let mut filter = Filter::new(&self.applied);
        let shown = (0..self.system.counts().len())
            .filter(|i| {
                let count = &self.system.counts()[*i];
                filter.matches([
                    FindingKind::Locked.as_str(),
                    count.connection.as_str(),
                    count.attribute.as_str(),
                    count.reason.as_str(),
                ])
            })
            .collect();
        self.shown_summaries = Some(shown);
    }

    /// The first entry of the first visible group (its header when it is collapsed).
    fn first_entry(&self) -> Cursor {
        let group = (0..KINDS.len())
            .find(|g| self.group_visible(*g))
            .unwrap_or(0);
        let entry = (!self.groups[group].collapsed).then_some(0);
        Cursor { group, entry }
    }

    /// Puts the selection back on a line after the groups were reordered.
    fn put_cursor_on(&mut self, line: AuditLine) {
        let found = match line {
            AuditLine::Row(index) => {
                let group = kind_index(self.rows[index].finding.finding);
                let summaries = if KINDS[group] == FindingKind::Locked {
                    self.summaries_shown()
                } else {
                    0
                };
                self.group_rows(group)
                    .iter()
                    .position(|i| *i as usize == index)
                    .map(|at| Cursor {
                        group,
                        entry: Some(summaries + at),
                    })
            }
            _ => None,
        };
        if let Some(cursor) = found {
            self.cursor = cursor;
        }
    }

    /// The findings shown (filtered, summaries as one finding each), in order.
    pub fn shown(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        for (group, kind) in KINDS.iter().enumerate() {
            if !self.group_visible(group) {
                continue;
            }
            if *kind == FindingKind::Locked {
                for entry in 0..self.summaries_shown() {
                    if let Some(i) = self.summary_at(entry) {
                        let count = self.summary(i);
                        let mut finding = count.finding(count.users);
                        finding.detail = self.summary_detail(i);
                        out.push(finding);
                    }
                }
            }
            out.extend(
                self.group_rows(group)
                    .iter()
                    .map(|i| self.rows[*i as usize].finding.clone()),
            );
        }
        out
    }

    /// True when a kind's group shows only its header.
    pub fn is_collapsed(&self, kind: FindingKind) -> bool {
        self.groups[kind_index(kind)].collapsed
    }

    /// True while reads are still running.
    pub fn is_running(&self) -> bool {
        self.running > 0
    }

    /// Scrolls so the selection stays within `rows` drawn lines.
    pub fn keep_visible(&mut self, rows: usize) {
        self.offset = super::layout::scroll_to(self.selected(), self.offset, rows);
    }
}

/// The columns of a finding that the filter looks at.
pub fn row_columns(row: &AuditRow) -> [&str; 5] {
    let f = &row.finding;
    [
        f.finding.as_str(),
        f.connection.as_str(),
        f.user.as_deref().unwrap_or_default(),
        f.attribute.as_str(),
        f.detail.as_str(),
    ]
}

fn kind_index(kind: FindingKind) -> usize {
    KINDS.iter().position(|k| *k == kind).unwrap_or(0)
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
    use crate::domain::audit::SystemLock;

    fn row(kind: FindingKind, user: &str, attribute: &str) -> AuditRow {
        AuditRow {
            conn: 0,
            user_id: user.to_owned(),
            finding: Finding {
                connection: "looker".to_owned(),
                user: Some(user.to_owned()),
                user_id: Some(user.to_owned()),
                attribute: attribute.to_owned(),
                finding: kind,
                detail: format!("detail, \"{attribute}\""),
            },
        }
    }

    fn audit_of(user: &str, findings: Vec<(FindingKind, &str)>) -> UserAudit {
        UserAudit {
            user_id: user.to_owned(),
            findings: findings
                .into_iter()
                .map(|(kind, attribute)| row(kind, user, attribute).finding)
                .collect(),
            system_locks: vec![SystemLock {
                attribute: "email".to_owned(),
                reason: "system attribute".to_owned(),
            }],
        }
    }

    fn lines(audit: &AuditState) -> Vec<String> {
        (0..audit.line_count())
            .filter_map(|at| audit.line(at))
            .map(|line| match line {
                AuditLine::Header(kind, count) => format!("{} ({count})", kind.as_str()),
                AuditLine::Summary(i) => format!("= {}", audit.summary(i).attribute),
                AuditLine::Row(i) => format!(
                    "- {}",
                    audit.rows[i].finding.user.as_deref().unwrap_or_default()
                ),
            })
            .collect()
    }

    #[test]
    fn findings_are_grouped_summarised_collapsed_and_filtered() {
        let mut audit = AuditState::new(1, vec![0]);
        audit.add(
            0,
            "looker",
            audit_of("bob", vec![(FindingKind::Locked, "id")]),
        );
        audit.add(
            0,
            "looker",
            audit_of("ann", vec![(FindingKind::Hidden, "db_password")]),
        );
        assert_eq!(
            lines(&audit),
            ["hidden (1)", "- ann", "locked (2)", "= email", "- bob"]
        );
        assert_eq!(
            audit.selected_row().unwrap().user_id,
            "ann",
            "first finding"
        );
        assert_eq!(
            audit.summary_detail(0),
            "locked on all 2 users: system attribute"
        );
        audit.step(2);
        assert_eq!(audit.selected_line(), AuditLine::Summary(0));
        audit.add(
            0,
            "looker",
            audit_of("aaron", vec![(FindingKind::Hidden, "db_password")]),
        );
        assert_eq!(
            audit.selected_line(),
            AuditLine::Summary(0),
            "a moved cursor stays"
        );
        audit.toggle_group();
        assert_eq!(
            lines(&audit),
            ["hidden (2)", "- ann", "- aaron", "locked (2)"]
        );
        audit.jump_group(-1);
        assert_eq!(
            audit.selected_line(),
            AuditLine::Header(FindingKind::Hidden, 2)
        );
        audit.finish_connection();
        assert_eq!(
            lines(&audit),
            ["hidden (2)", "- aaron", "- ann", "locked (2)"],
            "sorted"
        );
        audit.filter = "aaron".to_owned();
        audit.refilter();
        assert_eq!(lines(&audit), ["hidden (1)", "- aaron"]);
        assert_eq!(audit.shown().len(), 1);
        audit.filter.clear();
        audit.refilter();
        audit.cycle_kind();
        assert_eq!(audit.kind_filter, Some(FindingKind::Hidden));
        assert_eq!(lines(&audit), ["hidden (2)", "- aaron", "- ann"]);
        audit.cycle_kind();
        assert_eq!(lines(&audit), ["locked (2)"]);
        audit.cycle_kind();
        assert_eq!(audit.kind_filter, None);
    }

    #[test]
    fn csv_quotes_and_neutralises_formulas() {
        let mut finding = row(FindingKind::Locked, "=cmd", "email").finding;
        finding.detail = "a, \"b\"".to_owned();
        let text = render_export(ExportFormat::Csv, &[finding]);
        assert_eq!(
            text,
            "connection,user,user_id,attribute,finding,detail\r\nlooker,'=cmd,'=cmd,email,locked,\"a, \"\"b\"\"\"\r\n"
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
            [
                "connection",
                "user",
                "user_id",
                "attribute",
                "finding",
                "detail"
            ]
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
