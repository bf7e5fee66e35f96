//! `roster config init` (write a first config) and `roster config check` (alias `doctor`: check
//! the file and probe every connection).
//!
//! This module holds the grammar of both and dispatches; the work is in [`init`] and [`check`].
//! It never prints a secret: probes and prompts work with [`crate::secret::Secret`] values and
//! describe where secrets come from, never what they are.

mod check;
mod init;

use std::path::PathBuf;

use super::args::ShowFormat;
use super::{CliError, Globals};

/// `roster config ...`.
#[derive(Debug, clap::Subcommand)]
pub enum ConfigCommand {
    /// Write a commented config: asks on a terminal, prints a template without one.
    Init(InitArgs),
    /// Check the file, then every connection: reachable, TLS, credentials, principal, API
    /// version, write permission, rate-limit headers, round trip. Exit 0 only when all pass.
    #[command(visible_alias = "doctor")]
    Check(CheckArgs),
}

/// The flags of `roster config init`.
#[derive(Debug, Clone, clap::Args)]
pub struct InitArgs {
    /// Where to write (default: --config, then $ROSTER_CONFIG, then the platform path).
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
}

/// The arguments of `roster config check` and `roster doctor`.
#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    /// Connections to check (default: all of them).
    pub conns: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ShowFormat::Table)]
    pub format: ShowFormat,
    /// Crowd tells whether an application may write only by refusing a write: send a harmless
    /// `DELETE` of an attribute the first user does not hold to learn it. Without this flag
    /// nothing is written and Crowd's write access is reported as not probed.
    #[arg(long)]
    pub probe_writes: bool,
}

/// Runs a `roster config` command.
pub async fn run(command: ConfigCommand, globals: &Globals) -> Result<(), CliError> {
    match command {
        ConfigCommand::Init(args) => init::run(&args, globals),
        ConfigCommand::Check(args) => check::run(&args, globals).await,
    }
}

/// `roster doctor` and `roster config check`.
pub async fn check(args: &CheckArgs, globals: &Globals) -> Result<(), CliError> {
    check::run(args, globals).await
}

/// The commented template `roster config init` prints without a terminal.
pub const TEMPLATE: &str = include_str!("../../../assets/config-template.toml");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_is_a_valid_config() {
        let config = crate::config::Config::parse(std::path::Path::new("template.toml"), TEMPLATE)
            .expect("the template parses");
        let names: Vec<&str> = config.connections.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["corp-crowd", "atlassian", "looker"]);
    }
}
