//! `roster audit`: every user of each connection read and audited, findings printed as they are
//! found.
//!
//! The listing and the reads run together: listed ids go to a queue the readers take from, as
//! many reads in flight as the connection's request window can ever allow (the window itself
//! decides how many are sent at once). The listing asks for no further page while
//! [`QUEUE_CAPACITY`] ids wait (a [`Pace`]: it waits only with no page in flight, so it holds no
//! slot the reads need, each wait bounded by the overall deadline), so memory holds a bounded
//! number of ids and the records being read, never the findings, however many users there are.
//! The listing ending closes the queue; a failed read ends the listing. A system-managed
//! attribute locked on every user is counted and printed once per attribute when the connection
//! is done (`"user": null`), unless `--per-user` asks for every user's line. A user deleted
//! between the listing and its read is skipped with a warning; any other error ends that
//! connection's audit (what was printed stays valid output) and the exit status says so.

use futures::StreamExt;

use super::args::Format;
use super::output::{FindingsStream, print};
use super::{CliError, Globals};
use crate::domain::Finding;
use crate::domain::audit::{SystemLocks, audit_record, audit_user};
use crate::service::pace::Pace;
use crate::service::{AnyDirectory, ListQuery, ServiceError};

/// Listed ids that may wait for the readers before the listing pauses: two pages of the largest
/// page size (Crowd's and Looker's 1000). Pages already in flight when it fills still arrive,
/// so at most this plus the window's pages wait.
pub const QUEUE_CAPACITY: usize = 2_000;

/// Printed text is flushed to stdout when it grows past this many bytes…
const FLUSH_AT: usize = 64 * 1024;

/// …or when this long has passed since the last flush, so a slow audit shows its rows.
const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

/// Audits the named connections (all when none is named).
pub async fn run(
    globals: &Globals,
    conns: Vec<String>,
    format: Format,
    per_user: bool,
) -> Result<(), CliError> {
    let config = globals.load_config()?;
    let names: Vec<String> = if conns.is_empty() {
        config.connections.iter().map(|c| c.name.clone()).collect()
    } else {
        conns
    };
    let mut out = Output {
        stream: FindingsStream::new(format),
        pending: String::new(),
        flushed: std::time::Instant::now(),
    };
    let mut failures = Vec::new();
    for name in &names {
        let directory = globals.open(&config, name)?;
        let summary =
            audit_connection(&directory, per_user, &mut |finding| out.finding(finding)).await;
        match summary {
            Ok(summary) => {
                for count in summary.locks.counts() {
                    out.finding(&count.finding(summary.audited));
                }
                if summary.vanished > 0 {
                    out.flush();
                    eprintln!(
                        "roster: warning: {} user(s) of `{}` were deleted while the audit ran and are not in it",
                        summary.vanished,
                        crate::text::sanitize(name)
                    );
                }
            }
            Err(error) => {
                out.flush();
                eprintln!(
                    "roster: audit of `{}` failed: {}",
                    crate::text::sanitize(name),
                    crate::text::sanitize(&error.to_string())
                );
                failures.push(name.clone());
            }
        }
    }
    let closing = out.stream.finish();
    out.pending.push_str(&closing);
    out.flush();
    if failures.is_empty() {
        Ok(())
    } else {
        Err(CliError::Partial(format!(
            "the audit of {} failed",
            failures.join(", ")
        )))
    }
}

/// The findings' text on its way to stdout, written in chunks.
struct Output {
    stream: FindingsStream,
    pending: String,
    flushed: std::time::Instant,
}

impl Output {
    fn finding(&mut self, finding: &Finding) {
        let text = self.stream.finding(finding);
        self.pending.push_str(&text);
        if self.pending.len() >= FLUSH_AT || self.flushed.elapsed() >= FLUSH_EVERY {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if !self.pending.is_empty() {
            print(&std::mem::take(&mut self.pending));
            std::io::Write::flush(&mut std::io::stdout()).ok();
        }
        self.flushed = std::time::Instant::now();
    }
}

/// What an audit of one connection counted besides the findings it handed on.
#[derive(Debug, Default)]
pub struct ConnectionAudit {
    /// Users read and audited.
    pub audited: usize,
    /// Users listed but gone when read.
    pub vanished: usize,
    /// System-managed locks, counted per attribute (empty with `per_user`).
    pub locks: SystemLocks,
}

/// Audits every user of one connection, handing each finding to `found` as soon as its user is
/// read. With `per_user`, system-managed locks are findings like any other; without, they are
/// counted in the result.
pub async fn audit_connection(
    directory: &AnyDirectory,
    per_user: bool,
    found: &mut (dyn FnMut(&Finding) + Send),
) -> Result<ConnectionAudit, ServiceError> {
    let (ids, queue) = futures::channel::mpsc::unbounded::<String>();
    let pace = Pace::new(QUEUE_CAPACITY, directory.overall_deadline());
    let query = ListQuery {
        pace: Some(pace.clone()),
        ..ListQuery::default()
    };
    let listing = async {
        let pace = pace.clone();
        let mut on_page = move |page: crate::service::UsersPage| {
            // Counted before they are sent, so a reader never takes an id not yet counted.
            pace.queued(page.users.len());
            for user in page.users {
                // The readers stop taking only when the audit has failed; ids then go nowhere.
                let _ = ids.unbounded_send(user.id);
            }
        };
        let listed = directory.list_users(&query, &mut on_page).await;
        // Dropping the sender ends the queue once the readers have taken every id.
        drop(on_page);
        listed
    };
    let reading = async {
        let mut records = queue
            .inspect(|_| pace.taken(1))
            .map(|id| async move { directory.read_user(&id).await })
            .buffered(directory.reads_in_flight());
        let mut audit = ConnectionAudit::default();
        while let Some(record) = records.next().await {
            let record = match record {
                Ok(record) => record,
                Err(ServiceError::NotFound(_)) => {
                    audit.vanished = audit.vanished.saturating_add(1);
                    continue;
                }
                Err(error) => return Err(error),
            };
            audit.audited = audit.audited.saturating_add(1);
            if per_user {
                audit_record(&record).iter().for_each(&mut *found);
            } else {
                let user = audit_user(&record);
                user.findings.iter().for_each(&mut *found);
                audit.locks.add(&record.connection, &user.system_locks);
            }
        }
        Ok(audit)
    };
    // The first error ends both: a failed listing stops the reads, a failed read stops the paging.
    let ((), audit) = futures::future::try_join(listing, reading).await?;
    Ok(audit)
}
