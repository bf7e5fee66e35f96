//! The journal file: appending entries under an exclusive lock, flushed to disk, and reading
//! them back whatever state a crash or a full disk left the file in.
//!
//! Every append takes the file's exclusive lock (`flock` through `std::fs::File::lock`, waiting a
//! bounded time), so two roster processes never take the same id nor interleave their lines. Ids
//! are the largest id in the file plus one; the scan is cached by file length, so a long batch
//! reads only what other processes appended since. A line that is torn or cannot be read is
//! skipped with a warning naming its line number: it never turns journaling, `roster log` or
//! `roster undo` off. Completions are the entry written again with `"completes": true`, and
//! replace the latest entry with their id when the file is read.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::entry::{JournalEntry, Outcome};

/// The journal file's name inside the state dir.
pub const JOURNAL_FILE: &str = "journal.jsonl";

/// The longest wait for another process's lock on the journal.
const LOCK_WAIT: Duration = Duration::from_secs(10);
/// How often a waiting writer tries the lock again.
const LOCK_RETRY: Duration = Duration::from_millis(10);

/// A journal that could not be read or written. Its own type, so that the command line reports
/// it as a failure of roster's own storage (exit 1), not as a usage error.
#[derive(Debug, Clone, thiserror::Error)]
pub enum JournalError {
    /// There is no state directory to keep the journal in.
    #[error("cannot find a state directory for the journal (set ROSTER_STATE_DIR)")]
    NoStateDir,
    /// The file system refused.
    #[error("cannot {action} the journal {}: {reason}", path.display())]
    Io {
        /// The journal file.
        path: PathBuf,
        /// What roster was doing ("append to", "read", "lock").
        action: &'static str,
        /// The operating system's reason.
        reason: String,
    },
    /// Another process held the journal's lock for longer than roster waits.
    #[error("the journal {} is locked by another process (waited {} s)", path.display(), LOCK_WAIT.as_secs())]
    Busy {
        /// The journal file.
        path: PathBuf,
    },
    /// An entry could not be encoded (never expected; kept rather than panicking).
    #[error("cannot encode a journal entry: {0}")]
    Encode(String),
}

/// The entries of a journal, and what could not be read.
#[derive(Debug, Clone, Default)]
pub struct JournalRead {
    /// Every entry, in the order the writes began, each with its latest state.
    pub entries: Vec<JournalEntry>,
    /// One line per line of the file that was skipped, naming its line number.
    pub warnings: Vec<String>,
}

/// How far the file has been scanned for ids.
#[derive(Debug, Default)]
struct ScannedTail {
    len: u64,
    max_id: u64,
}

/// The journal file. Cheap to clone; clones share the id cache and the writer thread.
#[derive(Debug, Clone)]
pub struct Journal {
    path: PathBuf,
    tail: Arc<Mutex<ScannedTail>>,
    writer: Arc<OnceLock<std::sync::mpsc::Sender<Job>>>,
}

/// One line to append: a new write (it gets its id), or the completion of one.
#[derive(Debug)]
enum Append {
    Begin(JournalEntry),
    Complete(JournalEntry),
}

impl Append {
    fn entry(&self) -> &JournalEntry {
        match self {
            Self::Begin(entry) | Self::Complete(entry) => entry,
        }
    }

    fn into_entry(self) -> JournalEntry {
        match self {
            Self::Begin(entry) | Self::Complete(entry) => entry,
        }
    }
}

/// An append waiting for the writer thread, and where its result goes.
type Job = (
    Append,
    tokio::sync::oneshot::Sender<Result<JournalEntry, JournalError>>,
);

/// A line as written: the entry, marked when it completes an earlier one.
#[derive(Serialize)]
struct LineOut<'a> {
    #[serde(flatten)]
    entry: &'a JournalEntry,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    completes: bool,
}

#[derive(Deserialize)]
struct LineIn {
    #[serde(flatten)]
    entry: JournalEntry,
    #[serde(default)]
    completes: bool,
}

#[derive(Deserialize)]
struct IdOnly {
    id: u64,
}

impl Journal {
    /// The journal in `dir`.
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            path: dir.join(JOURNAL_FILE),
            tail: Arc::default(),
            writer: Arc::default(),
        }
    }

    /// The journal in roster's state dir.
    pub fn open_default() -> Result<Self, JournalError> {
        let dir = crate::logging::state_dir().ok_or(JournalError::NoStateDir)?;
        Ok(Self::in_dir(&dir))
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every entry with its latest state, and a warning for each line that was skipped.
    /// A missing file is an empty journal.
    pub fn read(&self) -> Result<JournalRead, JournalError> {
        let mut text = String::new();
        match std::fs::File::open(&self.path) {
            Ok(mut file) => {
                let mut bytes = Vec::new();
                file.read_to_end(&mut bytes)
                    .map_err(|e| self.io("read", &e))?;
                text = String::from_utf8_lossy(&bytes).into_owned();
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(self.io("read", &e)),
        }
        let mut read = JournalRead::default();
        let mut latest: HashMap<u64, usize> = HashMap::new();
        for (index, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<LineIn>(line) {
                Ok(LineIn { entry, completes }) => match latest.get(&entry.id) {
                    Some(&at) if completes => read.entries[at] = entry,
                    _ => {
                        latest.insert(entry.id, read.entries.len());
                        read.entries.push(entry);
                    }
                },
                Err(error) => read.warnings.push(format!(
                    "{}:{}: skipped a damaged journal line ({error})",
                    self.path.display(),
                    index + 1
                )),
            }
        }
        Ok(read)
    }

    /// Every entry; skipped lines are logged (use [`Journal::read`] to show them).
    pub fn entries(&self) -> Result<Vec<JournalEntry>, JournalError> {
        let read = self.read()?;
        for warning in &read.warnings {
            tracing::warn!("{warning}");
        }
        Ok(read.entries)
    }

    /// Appends `entry` as a new write with outcome `pending`, under a fresh id, and flushes it
    /// to disk before returning it: the caller may send its requests only after this.
    pub fn begin(&self, entry: JournalEntry) -> Result<JournalEntry, JournalError> {
        let mut appends = [Append::Begin(pending(entry))];
        self.append_all(&mut appends)?;
        let [append] = appends;
        Ok(append.into_entry())
    }

    /// Appends the completed state of an entry begun earlier (same id), flushed.
    pub fn complete(&self, entry: &JournalEntry) -> Result<(), JournalError> {
        self.append_all(&mut [Append::Complete(entry.clone())])
    }

    /// [`Journal::begin`] on the journal's writer thread: the async caller is not blocked, and
    /// appends that arrive together share one lock and one flush (a bulk edit's items).
    pub async fn begin_shared(&self, entry: JournalEntry) -> Result<JournalEntry, JournalError> {
        self.through_writer(Append::Begin(pending(entry))).await
    }

    /// [`Journal::complete`] on the journal's writer thread.
    pub async fn complete_shared(&self, entry: &JournalEntry) -> Result<(), JournalError> {
        self.through_writer(Append::Complete(entry.clone()))
            .await
            .map(|_| ())
    }

    async fn through_writer(&self, append: Append) -> Result<JournalEntry, JournalError> {
        let (reply, result) = tokio::sync::oneshot::channel();
        let writer = self.writer.get_or_init(|| self.start_writer());
        if writer.send((append, reply)).is_err() {
            return Err(self.io("append to", &std::io::Error::other("the writer stopped")));
        }
        result.await.unwrap_or_else(|_| {
            Err(self.io("append to", &std::io::Error::other("the writer stopped")))
        })
    }

    /// The thread that appends queued lines: it takes every append waiting, writes them under one
    /// lock with one flush, and answers each. It ends when every clone of the journal is gone.
    fn start_writer(&self) -> std::sync::mpsc::Sender<Job> {
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let file = Self {
            path: self.path.clone(),
            tail: self.tail.clone(),
            writer: Arc::default(),
        };
        std::thread::spawn(move || {
            while let Ok(first) = queue.recv() {
                let mut batch = vec![first];
                batch.extend(queue.try_iter());
                let (mut appends, replies): (Vec<Append>, Vec<_>) = batch.into_iter().unzip();
                let written = file.append_all(&mut appends);
                for (append, reply) in appends.into_iter().zip(replies) {
                    let result = match &written {
                        Ok(()) => Ok(append.entry().clone()),
                        Err(error) => Err(error.clone()),
                    };
                    let _ = reply.send(result);
                }
            }
        });
        jobs
    }

    /// Writes every append under the file's lock, giving each begin its id, then flushes once.
    fn append_all(&self, appends: &mut [Append]) -> Result<(), JournalError> {
        let mut file = self.open_for_append()?;
        self.lock(&file)?;
        let result = (|| {
            for append in appends.iter_mut() {
                if let Append::Begin(entry) = append {
                    entry.id = self.next_id(&mut file)?;
                }
                let completes = matches!(append, Append::Complete(_));
                self.write_line(&mut file, append.entry(), completes)?;
            }
            file.sync_data().map_err(|e| self.io("flush", &e))
        })();
        let _ = file.unlock();
        result
    }

    fn open_for_append(&self) -> Result<std::fs::File, JournalError> {
        if let Some(dir) = self.path.parent() {
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                builder.mode(0o700);
            }
            builder
                .create(dir)
                .map_err(|e| self.io("create the folder of", &e))?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.read(true).append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(&self.path).map_err(|e| self.io("open", &e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = file
                .metadata()
                .map_err(|e| self.io("inspect", &e))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                file.set_permissions(std::fs::Permissions::from_mode(0o600))
                    .map_err(|e| self.io("restrict the permissions of", &e))?;
            }
        }
        Ok(file)
    }

    fn lock(&self, file: &std::fs::File) -> Result<(), JournalError> {
        let deadline = Instant::now() + LOCK_WAIT;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(()),
                Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(LOCK_RETRY);
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(JournalError::Busy {
                        path: self.path.clone(),
                    });
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(self.io("lock", &e)),
            }
        }
    }

    /// The next id, from the cached scan plus whatever was appended since (file locked).
    fn next_id(&self, file: &mut std::fs::File) -> Result<u64, JournalError> {
        let len = file.metadata().map_err(|e| self.io("inspect", &e))?.len();
        let mut tail = self.tail.lock().unwrap_or_else(|p| p.into_inner());
        if len < tail.len {
            *tail = ScannedTail::default();
        }
        if len > tail.len {
            file.seek(SeekFrom::Start(tail.len))
                .map_err(|e| self.io("read", &e))?;
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes)
                .map_err(|e| self.io("read", &e))?;
            let text = String::from_utf8_lossy(&bytes);
            let newest = text
                .lines()
                .filter_map(|line| serde_json::from_str::<IdOnly>(line).ok())
                .map(|line| line.id)
                .max()
                .unwrap_or(0);
            tail.max_id = tail.max_id.max(newest);
            tail.len = len;
        }
        Ok(tail.max_id.saturating_add(1))
    }

    /// Appends one line (not flushed: [`Journal::append_all`] flushes once for all).
    fn write_line(
        &self,
        file: &mut std::fs::File,
        entry: &JournalEntry,
        completes: bool,
    ) -> Result<(), JournalError> {
        let mut line = serde_json::to_string(&LineOut { entry, completes })
            .map_err(|e| JournalError::Encode(e.to_string()))?;
        line.push('\n');
        let len = file.metadata().map_err(|e| self.io("inspect", &e))?.len();
        if len > 0 {
            // A torn last line (a crash, a full disk) must not swallow this one.
            let mut last = [0_u8; 1];
            file.seek(SeekFrom::Start(len - 1))
                .map_err(|e| self.io("read", &e))?;
            file.read_exact(&mut last)
                .map_err(|e| self.io("read", &e))?;
            if last[0] != b'\n' {
                line.insert(0, '\n');
            }
        }
        file.write_all(line.as_bytes())
            .map_err(|e| self.io("append to", &e))?;
        let mut tail = self.tail.lock().unwrap_or_else(|p| p.into_inner());
        if tail.len == len {
            tail.len = len + line.len() as u64;
            tail.max_id = tail.max_id.max(entry.id);
        }
        Ok(())
    }

    fn io(&self, action: &'static str, error: &std::io::Error) -> JournalError {
        JournalError::Io {
            path: self.path.clone(),
            action,
            reason: error.to_string(),
        }
    }
}

/// An entry as it is begun: `pending`, not completed.
fn pending(mut entry: JournalEntry) -> JournalEntry {
    entry.outcome = Outcome::Pending;
    entry.completed = None;
    entry
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::RequestStatus;

    fn draft(summary: &str) -> JournalEntry {
        JournalEntry {
            summary: summary.to_owned(),
            ..JournalEntry::example("looker")
        }
    }

    #[test]
    fn an_entry_is_pending_until_completed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let journal = Journal::in_dir(dir.path());
        let mut first = journal.begin(draft("one")).expect("begun");
        let second = journal.begin(draft("two")).expect("begun");
        assert_eq!((first.id, second.id), (1, 2));
        assert_eq!(first.outcome, Outcome::Pending);
        first.outcome = Outcome::Written;
        first.completed = Some(crate::time::now_rfc3339());
        journal.complete(&first).expect("completed");
        let read = journal.read().expect("read");
        assert!(read.warnings.is_empty());
        let outcomes: Vec<(u64, Outcome)> =
            read.entries.iter().map(|e| (e.id, e.outcome)).collect();
        assert_eq!(
            outcomes,
            [(1, Outcome::Written), (2, Outcome::Pending)],
            "the completion replaces its pending line in place"
        );
    }

    #[test]
    fn a_torn_line_is_skipped_with_its_line_number_and_journaling_goes_on() {
        let dir = tempfile::tempdir().expect("tempdir");
        let journal = Journal::in_dir(dir.path());
        journal.begin(draft("one")).expect("begun");
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(journal.path())
            .expect("open");
        file.write_all(br#"{"id":2,"time":"2026-"#).expect("torn");
        drop(file);
        let third = journal.begin(draft("three")).expect("journaling goes on");
        assert_eq!(third.id, 2, "a torn line holds no id");
        let read = journal.read().expect("read");
        assert_eq!(read.entries.len(), 2);
        assert_eq!(read.warnings.len(), 1);
        assert!(
            read.warnings[0].contains(":2: skipped"),
            "{:?}",
            read.warnings
        );
    }

    #[test]
    fn ids_stay_unique_across_journal_handles_and_threads() {
        let dir = tempfile::tempdir().expect("tempdir");
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let journal = Journal::in_dir(dir.path());
                std::thread::spawn(move || {
                    (0..25)
                        .map(|i| journal.begin(draft(&i.to_string())).expect("begun").id)
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut ids: Vec<u64> = handles
            .into_iter()
            .flat_map(|h| h.join().expect("thread"))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 100);
        assert_eq!(ids.last(), Some(&100));
    }

    #[test]
    fn request_statuses_round_trip() {
        let dir = tempfile::tempdir().expect("tempdir");
        let journal = Journal::in_dir(dir.path());
        let mut entry = draft("one");
        entry.requests.push(crate::journal::JournalRequest {
            method: "PATCH".to_owned(),
            url: "http://h/x".to_owned(),
            body: None,
            status: Some(RequestStatus::Landed),
            fields: vec!["region".to_owned()],
        });
        let begun = journal.begin(entry).expect("begun");
        assert_eq!(journal.entries().expect("entries"), [begun]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn appends_through_the_writer_share_flushes_and_keep_ids_unique() {
        let dir = tempfile::tempdir().expect("tempdir");
        let journal = Journal::in_dir(dir.path());
        let begun =
            futures::future::join_all((0..50).map(|i| journal.begin_shared(draft(&i.to_string()))))
                .await;
        let mut ids: Vec<u64> = begun
            .iter()
            .map(|e| e.as_ref().expect("begun").id)
            .collect();
        for entry in begun.into_iter().flatten() {
            journal
                .complete_shared(&JournalEntry {
                    outcome: Outcome::Written,
                    ..entry
                })
                .await
                .expect("completed");
        }
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 50);
        let entries = journal.entries().expect("entries");
        assert_eq!(entries.len(), 50);
        assert!(entries.iter().all(|e| e.outcome == Outcome::Written));
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let journal = Journal::in_dir(dir.path());
        journal.begin(draft("one")).expect("begun");
        let mode = std::fs::metadata(journal.path())
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
