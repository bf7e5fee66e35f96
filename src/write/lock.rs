//! A lock per written user, shared by every roster process on this machine.
//!
//! Crowd and Looker have no ETag, so two writers that read the same "before" value would both
//! write and the second would silently overwrite the first. The engine holds this lock from the
//! re-read before a write until the read after it: a second roster process writing the same
//! user waits, then re-reads, sees the first one's value and stops as a conflict. Writers outside
//! roster are caught by the read after the write instead. The wait is bounded.

use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How long a write waits for another roster process writing the same user.
const WAIT: Duration = Duration::from_secs(30);
/// How often it tries again.
const RETRY: Duration = Duration::from_millis(20);

/// Where the lock files live (`locks/` in the state dir).
#[derive(Debug, Clone)]
pub struct TargetLocks {
    dir: PathBuf,
}

/// A held lock; released when dropped (closing the file releases it).
#[derive(Debug)]
pub struct TargetLock {
    _file: std::fs::File,
}

impl TargetLocks {
    /// Locks kept in `dir`.
    pub fn in_dir(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// Takes the lock for one user of one server, waiting a bounded time for another process.
    pub async fn acquire(&self, server: &str, user_id: &str) -> Result<TargetLock, String> {
        let path = self
            .dir
            .join(format!("{:016x}.lock", fnv1a(server, user_id)));
        let dir = self.dir.clone();
        let opened = tokio::task::spawn_blocking(move || {
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                builder.mode(0o700);
            }
            builder.create(&dir)?;
            let mut options = std::fs::OpenOptions::new();
            options.read(true).write(true).create(true).truncate(false);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            options.open(&path)
        })
        .await
        .map_err(|e| format!("cannot open the write lock: {e}"))?
        .map_err(|e| format!("cannot open the write lock in {}: {e}", self.dir.display()))?;
        let deadline = Instant::now() + WAIT;
        loop {
            match opened.try_lock() {
                Ok(()) => return Ok(TargetLock { _file: opened }),
                Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    tokio::time::sleep(RETRY).await;
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(format!(
                        "another roster process has been writing this user for {} s; nothing was sent",
                        WAIT.as_secs()
                    ));
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(format!("cannot take the write lock: {e}"));
                }
            }
        }
    }
}

/// FNV-1a over the server and the user id: a stable file name that holds neither.
fn fnv1a(server: &str, user_id: &str) -> u64 {
    server
        .bytes()
        .chain(std::iter::once(0))
        .chain(user_id.to_lowercase().bytes())
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_holder_waits_for_the_first() {
        let dir = tempfile::tempdir().expect("tempdir");
        let locks = TargetLocks::in_dir(dir.path().join("locks"));
        let first = locks.acquire("http://h", "42").await.expect("first");
        let other = locks.acquire("http://h", "43").await;
        assert!(other.is_ok(), "another user is not blocked");
        let second = {
            let locks = locks.clone();
            tokio::spawn(async move { locks.acquire("http://h", "42").await.map(|_| ()) })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!second.is_finished(), "the second writer waits");
        drop(first);
        second.await.expect("task").expect("then gets it");
    }
}
