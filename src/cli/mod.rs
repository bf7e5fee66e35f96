//! The command line: argument parsing, dispatch, and the mapping of failures to exit codes.
//!
//! Every non-interactive command goes through the same service interface as the browser
//! ([`AnyDirectory`](crate::service::AnyDirectory)); this module only parses, confirms and prints.
//! Data goes to stdout, messages and prompts to stderr. Exit codes: 0 success, 1 the service
//! refused or failed, 2 usage or config error.

mod args;
mod attribute;
pub mod audit;
mod batch;
mod browse;
mod commands;
mod completions;
mod config_cmd;
mod confirm;
mod history;
mod output;
mod selection;
mod signals;
mod sim;
mod stream;
mod style;
mod write;

use std::path::PathBuf;

use clap::Parser;

pub use args::{Cli, Command, Format, VERSION};
pub use style::ColorChoice;

use crate::config::{Config, ConfigError};
use crate::service::{AnyDirectory, OpenOptions, ServiceError};

/// A failed command, classified for its exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad arguments or a refused confirmation (exit 2).
    #[error("{0}")]
    Usage(String),
    /// A config problem (exit 2).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The service refused or failed (exit 1; client-side validation exits 2).
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// Not every write was made; the report above says what became of each (exit 1).
    #[error("{0}")]
    Partial(String),
    /// The journal could not be read or written (exit 1).
    #[error(transparent)]
    Journal(#[from] crate::journal::JournalError),
    /// A precondition refused the write: nothing was sent (exit 1).
    #[error("{0}")]
    Refused(String),
    /// A signal interrupted a write; the exit code is 128 + the signal's number.
    #[error("interrupted")]
    Interrupted(i32),
}

impl From<crate::write::WriteError> for CliError {
    fn from(error: crate::write::WriteError) -> Self {
        match error {
            crate::write::WriteError::Service(error) => Self::Service(error),
            crate::write::WriteError::Journal(error) => Self::Journal(error),
            crate::write::WriteError::Refused(why) => Self::Refused(why),
        }
    }
}

impl CliError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Usage(_) | Self::Config(_) => 2,
            Self::Service(ServiceError::Invalid(_) | ServiceError::Unsupported(_)) => 2,
            Self::Service(_) | Self::Partial(_) | Self::Journal(_) | Self::Refused(_) => 1,
            Self::Interrupted(code) => *code,
        }
    }
}

/// Runs the command line with the process arguments and returns the exit code.
pub fn run() -> i32 {
    completions::complete_if_asked();
    let cli = Cli::parse();
    cli.color.apply_to_output();
    let _log_guard = crate::logging::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("roster: cannot start the async runtime: {error}");
            return 1;
        }
    };
    match runtime.block_on(execute(cli)) {
        Ok(()) => 0,
        Err(CliError::Interrupted(code)) => code,
        Err(error) => {
            // Messages roster composes may span lines (a conflict shows both versions).
            anstream::eprintln!(
                "{} {}",
                style::error_prefix(),
                crate::text::sanitize_lines(&error.to_string())
            );
            error.exit_code()
        }
    }
}

/// Runs one parsed command.
pub async fn execute(cli: Cli) -> Result<(), CliError> {
    let globals = Globals {
        config: cli.config.clone(),
        options: OpenOptions {
            read_only: cli.read_only,
            insecure: cli.insecure,
            notices: None,
            timeout: cli.timeout,
        },
        color: cli.color,
    };
    match cli.command {
        Some(command) => commands::dispatch(command, &globals).await,
        None => browse::configured(&globals).await,
    }
}

/// Flags that apply to every command.
#[derive(Debug, Clone)]
pub struct Globals {
    /// `--config`.
    pub config: Option<PathBuf>,
    /// `--read-only` and `--insecure`.
    pub options: OpenOptions,
    /// `--color`.
    pub color: ColorChoice,
}

impl Globals {
    /// Loads the config from `--config`, `$ROSTER_CONFIG` or the platform config dir.
    pub fn load_config(&self) -> Result<Config, CliError> {
        let search = Config::search(self.config.as_deref())?;
        if !search.path.exists() {
            return Err(ConfigError(search.explain_missing()).into());
        }
        Ok(Config::load(&search.path)?)
    }

    /// Opens the named connection of the config.
    pub fn open(&self, config: &Config, name: &str) -> Result<AnyDirectory, CliError> {
        let connection = config.connection(name)?.resolve(&config.path)?;
        Ok(AnyDirectory::open(&connection, self.options.clone())?)
    }
}
