//! Shell completions and the man page, both generated from the clap grammar.
//!
//! `roster completions SHELL` prints clap_complete's static script for bash, zsh, fish, elvish or
//! PowerShell: every command, flag and fixed value. `--dynamic` prints instead the registration of
//! clap_complete's environment-driven engine (its `unstable-dynamic` feature, pinned by
//! Cargo.lock): at each Tab the shell runs `COMPLETE=SHELL roster -- ...`, which
//! [`complete_if_asked`] answers before anything else runs, and connection arguments are then
//! completed with the names in the config. Completing reads the config file only: it resolves no
//! secret and opens no connection.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::CommandFactory;
use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};
use clap_complete::env::{CompleteEnv, Shells};

use super::CliError;
use super::args::Cli;
use crate::config::Config;

/// The variable that asks roster for completions (clap_complete's default).
const COMPLETE_VAR: &str = "COMPLETE";
/// The argument ids that take connection names.
const CONNECTION_ARGS: [&str; 2] = ["conn", "conns"];

/// Answers a completion request from the shell (`COMPLETE=bash roster -- ...`) and exits; does
/// nothing on an ordinary run.
pub fn complete_if_asked() {
    CompleteEnv::with_factory(command_with_candidates)
        .var(COMPLETE_VAR)
        .complete();
}

/// `roster completions SHELL [--dynamic]`.
pub fn print(shell: clap_complete::Shell, dynamic: bool) -> Result<(), CliError> {
    let mut script = Vec::new();
    if dynamic {
        let name = shell.to_string();
        let shells = Shells::builtins();
        let completer = shells.completer(&name).ok_or_else(|| {
            CliError::Usage(format!("no dynamic completion for {name}; drop --dynamic"))
        })?;
        completer
            .write_registration(COMPLETE_VAR, "roster", "roster", "roster", &mut script)
            .map_err(|e| CliError::Usage(format!("cannot write the script: {e}")))?;
    } else {
        clap_complete::aot::generate(shell, &mut Cli::command(), "roster", &mut script);
    }
    write_stdout(&script, "the script")
}

/// `roster man`: the man page in roff.
pub fn man() -> Result<(), CliError> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .map_err(|e| CliError::Usage(format!("cannot write the man page: {e}")))?;
    write_stdout(&page, "the man page")
}

fn write_stdout(bytes: &[u8], what: &str) -> Result<(), CliError> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(|e| CliError::Usage(format!("cannot write {what}: {e}")))
}

/// The grammar with connection names offered for every connection argument.
fn command_with_candidates() -> clap::Command {
    with_connection_candidates(Cli::command())
}

fn with_connection_candidates(command: clap::Command) -> clap::Command {
    command
        .mut_args(|arg| {
            if CONNECTION_ARGS.contains(&arg.get_id().as_str()) {
                arg.add(ArgValueCandidates::new(connection_names))
            } else {
                arg
            }
        })
        .mut_subcommands(with_connection_candidates)
}

/// The connection names of the config the command line being completed would read (its
/// `--config`, else `$ROSTER_CONFIG`, else the platform path); none when it cannot be read.
fn connection_names() -> Vec<CompletionCandidate> {
    let explicit = config_flag(std::env::args_os());
    let Ok(path) = Config::locate(explicit.as_deref()) else {
        return Vec::new();
    };
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Vec::new();
    };
    let Ok(config) = Config::validate(&path, &text) else {
        return Vec::new();
    };
    config
        .connections
        .iter()
        .map(|c| CompletionCandidate::new(&c.name).help(Some(c.kind.to_string().into())))
        .collect()
}

/// The value of `--config FILE` or `--config=FILE` among the words being completed.
fn config_flag(words: impl IntoIterator<Item = OsString>) -> Option<PathBuf> {
    let mut words = words.into_iter();
    while let Some(word) = words.next() {
        let Some(text) = word.to_str() else {
            continue;
        };
        if text == "--config" {
            return words.next().map(PathBuf::from);
        }
        if let Some(value) = text.strip_prefix("--config=") {
            return Some(PathBuf::from(value));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_flag_is_found_in_either_form() {
        let words = |list: &[&str]| list.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            config_flag(words(&[
                "roster", "--", "roster", "--config", "a.toml", "users"
            ])),
            Some(PathBuf::from("a.toml"))
        );
        assert_eq!(
            config_flag(words(&["roster", "users", "--config=b.toml"])),
            Some(PathBuf::from("b.toml"))
        );
        assert_eq!(config_flag(words(&["roster", "users"])), None);
    }

    #[test]
    fn every_connection_argument_gets_candidates() {
        let command = command_with_candidates();
        let users = command.find_subcommand("users").expect("users");
        let conn = users
            .get_arguments()
            .find(|a| a.get_id() == "conn")
            .expect("conn");
        assert!(conn.get::<ArgValueCandidates>().is_some());
    }
}
