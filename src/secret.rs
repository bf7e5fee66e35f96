//! Secrets held in memory (passwords, client secrets, bearer tokens) and where they come from.
//!
//! [`Secret`] never shows its content through `Debug` or `Display`; the only way to read it is
//! [`Secret::expose`], which callers use at the moment a header or form body is built. The
//! [`MASK`] is what previews and dry runs print in its place. [`SecretSource`] is a secret as the
//! config writes it; resolving one reads an environment variable or runs a command, bounded by a
//! timeout after which the command is killed, and refuses an empty result. No message built here
//! ever contains a secret or the output of a secret command.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};

/// What every preview, log line and error prints instead of a secret.
pub const MASK: &str = "********";

/// How long a secret command may run before it is killed.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// The most output read from a secret command; a secret is never this long.
const MAX_COMMAND_OUTPUT: u64 = 1024 * 1024;

/// A secret string that redacts itself everywhere except [`Secret::expose`].
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(SecretString::from(value.into()))
    }

    /// The secret itself, for building a request. Never log or print the result.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(MASK)
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(MASK)
    }
}

/// Where a secret comes from, as the config writes it.
#[derive(Clone, PartialEq)]
pub enum SecretSource {
    /// Written in the file itself (refused when the file is readable by others).
    Plain(String),
    /// Read from an environment variable.
    Env(String),
    /// The standard output of a command (`["pass", "show", "x"]`), final newlines removed.
    Command(Vec<String>),
}

impl std::fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Plain(_) => write!(f, "Plain({MASK})"),
            Self::Env(name) => f.debug_tuple("Env").field(name).finish(),
            Self::Command(argv) => f.debug_tuple("Command").field(argv).finish(),
        }
    }
}

impl SecretSource {
    /// Reads the secret: the plain value, the variable, or the command's output (the command is
    /// killed after `timeout`). An empty (or all-whitespace) secret is refused. The error says what
    /// went wrong without the secret or the command's output.
    pub fn resolve(&self, timeout: Duration) -> Result<Secret, String> {
        let value = match self {
            Self::Plain(value) => value.clone(),
            Self::Env(name) => match std::env::var(name) {
                Ok(value) => value,
                Err(std::env::VarError::NotPresent) => {
                    return Err(format!("environment variable `{name}` is not set"));
                }
                Err(std::env::VarError::NotUnicode(_)) => {
                    return Err(format!(
                        "environment variable `{name}` does not hold UTF-8 text"
                    ));
                }
            },
            Self::Command(argv) => run_command(argv, timeout)?,
        };
        if value.trim().is_empty() {
            return Err(match self {
                Self::Plain(_) => "the secret is empty".to_owned(),
                Self::Env(name) => format!("environment variable `{name}` is empty"),
                Self::Command(argv) => format!("`{}` printed nothing", argv[0]),
            });
        }
        Ok(Secret::new(value))
    }
}

/// Runs a secret command with stdin closed and stderr discarded, and returns its output without
/// final newlines. The command is killed when it runs longer than `timeout`.
fn run_command(argv: &[String], timeout: Duration) -> Result<String, String> {
    let program = argv.first().ok_or("`command` must name a program")?;
    let mut child = Command::new(program)
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run `{program}`: {e}"))?;
    let deadline = Instant::now() + timeout;
    let (sender, output) = std::sync::mpsc::channel();
    if let Some(stdout) = child.stdout.take() {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let read = stdout.take(MAX_COMMAND_OUTPUT).read_to_end(&mut bytes);
            let _ = sender.send(read.map(|_| bytes));
        });
    }
    let timed_out = || {
        format!(
            "`{program}` did not finish within {} s and was stopped",
            timeout.as_secs_f64()
        )
    };
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => return Err(format!("cannot wait for `{program}`: {e}")),
        }
        let now = Instant::now();
        if now >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(timed_out());
        }
        std::thread::sleep((deadline - now).min(Duration::from_millis(10)));
    };
    if !status.success() {
        return Err(format!("`{program}` failed with {status}"));
    }
    // The command has ended; its output is complete unless something it started still holds
    // the pipe open, which the deadline also bounds.
    let bytes = match output.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(e)) => return Err(format!("cannot read the output of `{program}`: {e}")),
        Err(_) => return Err(timed_out()),
    };
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("`{program}` printed something that is not UTF-8"))?;
    Ok(text.trim_end_matches(['\n', '\r']).to_owned())
}

impl<'de> Deserialize<'de> for SecretSource {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SecretSourceVisitor)
    }
}

struct SecretSourceVisitor;

impl<'de> Visitor<'de> for SecretSourceVisitor {
    type Value = SecretSource;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string, { env = \"NAME\" } or { command = [\"program\", \"arg\"] }")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<SecretSource, E> {
        Ok(SecretSource::Plain(value.to_owned()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SecretSource, A::Error> {
        let Some(key) = map.next_key::<String>()? else {
            return Err(de::Error::custom(
                "expected `env` or `command` in the secret table",
            ));
        };
        let source = match key.as_str() {
            "env" => SecretSource::Env(map.next_value()?),
            "command" => {
                let command: Vec<String> = map.next_value()?;
                if command.is_empty() {
                    return Err(de::Error::custom("`command` must name a program"));
                }
                SecretSource::Command(command)
            }
            other => return Err(de::Error::unknown_field(other, &["env", "command"])),
        };
        if let Some(extra) = map.next_key::<String>()? {
            return Err(de::Error::custom(format!(
                "unexpected key `{extra}`: a secret has exactly one of `env` or `command`"
            )));
        }
        Ok(source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(argv: &[&str]) -> SecretSource {
        SecretSource::Command(argv.iter().map(|s| (*s).to_owned()).collect())
    }

    #[test]
    fn debug_and_display_never_show_the_value() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?} {secret}"), format!("{MASK} {MASK}"));
        assert_eq!(secret.expose(), "hunter2");
        let source = SecretSource::Plain("hunter2".to_owned());
        assert!(!format!("{source:?}").contains("hunter2"));
    }

    #[test]
    fn empty_secrets_are_refused() {
        let timeout = Duration::from_secs(5);
        let plain = SecretSource::Plain("  ".to_owned()).resolve(timeout);
        assert_eq!(plain.err().as_deref(), Some("the secret is empty"));
        let printed = command(&["printf", "\\n"]).resolve(timeout);
        assert_eq!(printed.err().as_deref(), Some("`printf` printed nothing"));
        let value = command(&["printf", "s3cret\\n"]).resolve(timeout);
        assert_eq!(
            value.map(|s| s.expose().to_owned()),
            Ok("s3cret".to_owned())
        );
    }

    #[test]
    fn a_hanging_command_is_stopped_at_the_deadline() {
        let started = Instant::now();
        let error = command(&["sleep", "30"])
            .resolve(Duration::from_millis(200))
            .err()
            .unwrap_or_default();
        assert!(error.contains("did not finish within 0.2 s"), "{error}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
