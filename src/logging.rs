//! Logging to a file in the state directory, never to the terminal.
//!
//! Log lines carry methods, paths, statuses and timings only; the HTTP layer never passes
//! headers or bodies, so secrets and hidden values cannot reach the file.

use std::path::PathBuf;

use tracing_subscriber::EnvFilter;

/// The log file's name in the state dir.
pub const LOG_FILE: &str = "roster.log";

/// The environment variable that sets the log filter (`RUST_LOG` syntax).
pub const LOG_ENV: &str = "ROSTER_LOG";

/// The directory for roster's state: the log and the journal.
pub fn state_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("ROSTER_STATE_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    use etcetera::BaseStrategy;
    let strategy = etcetera::choose_base_strategy().ok()?;
    Some(
        strategy
            .state_dir()
            .unwrap_or_else(|| strategy.data_dir())
            .join("roster"),
    )
}

/// Starts logging to `roster.log` in the state dir; returns the guard that flushes on drop.
/// When the directory cannot be made, nothing is logged (the terminal is never used instead).
pub fn init() -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = state_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    make_private(&dir.join(LOG_FILE)).ok()?;
    let appender = tracing_appender::rolling::never(&dir, LOG_FILE);
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env(LOG_ENV).unwrap_or_else(|_| EnvFilter::new("roster=info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}

/// Creates `path` with mode 0600, or narrows an existing file to it, before the appender opens
/// it: the log names users and paths, which are nobody else's business.
fn make_private(path: &std::path::Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    drop(file);
    Ok(())
}
