//! The TOML config: connections, secret sources and where the file is found.
//!
//! Errors always name the file, the line and the key. Secrets are resolved only when a connection
//! is opened, and a plain secret in a file that group or others can read is refused. This module
//! reads files and environment variables and may run a secret command; it opens no connection.

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};
use toml::Spanned;
use url::Url;

use crate::domain::ServiceKind;
use crate::secret::Secret;

/// The environment variable that names the config file when `--config` is not given.
pub const CONFIG_ENV: &str = "ROSTER_CONFIG";

/// A config problem, already phrased for the user with file, line and key.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// Where a secret comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum SecretSource {
    /// Written in the file itself (refused when the file is readable by others).
    Plain(String),
    /// Read from an environment variable.
    Env(String),
    /// The trimmed standard output of a command (`["pass", "show", "x"]`).
    Command(Vec<String>),
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileToml {
    #[serde(default)]
    connection: Vec<Spanned<ConnectionToml>>,
    #[serde(default)]
    keys: Option<Spanned<toml::Table>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConnectionToml {
    name: Spanned<String>,
    kind: Spanned<String>,
    url: Spanned<String>,
    username: Option<String>,
    password: Option<Spanned<SecretSource>>,
    client_id: Option<String>,
    client_secret: Option<Spanned<SecretSource>>,
    token: Option<Spanned<SecretSource>>,
    #[serde(default)]
    read_only: bool,
}

/// How a connection authenticates; every secret is already resolved.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// Crowd application name and password (HTTP basic).
    Basic {
        /// The application name.
        username: String,
        /// The application password.
        password: Secret,
    },
    /// SCIM directory API key (bearer).
    Bearer {
        /// The key.
        token: Secret,
    },
    /// Looker API client id and secret (form login).
    ClientCredentials {
        /// The client id (not secret).
        client_id: String,
        /// The client secret.
        client_secret: Secret,
    },
}

/// One configured connection as written, secrets still unresolved.
#[derive(Debug, Clone)]
pub struct ConnectionSpec {
    /// The name used on the command line and in the browser.
    pub name: String,
    /// The service kind.
    pub kind: ServiceKind,
    /// The service base URL.
    pub url: Url,
    /// Refuse every write on this connection.
    pub read_only: bool,
    username: Option<String>,
    client_id: Option<String>,
    secret: SecretEntry,
}

/// A connection's secret as written: which key, where from, and on which line.
#[derive(Debug, Clone)]
struct SecretEntry {
    key: &'static str,
    source: SecretSource,
    line: usize,
}

/// A connection ready to open: URL, credentials and flags.
#[derive(Debug, Clone)]
pub struct Connection {
    /// The name used on the command line and in the browser.
    pub name: String,
    /// The service kind.
    pub kind: ServiceKind,
    /// The service base URL.
    pub url: Url,
    /// Refuse every write on this connection.
    pub read_only: bool,
    /// Resolved credentials.
    pub credentials: Credentials,
    /// The overall deadline of each operation on this connection (config `timeout`); `None`
    /// keeps the default.
    pub timeout: Option<std::time::Duration>,
}

/// A loaded config file.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from.
    pub path: PathBuf,
    /// The connections, in file order.
    pub connections: Vec<ConnectionSpec>,
    /// Key remappings for the browser (`[keys]`), validated by the key map.
    pub keys: toml::Table,
}

impl Config {
    /// Finds the config file: `explicit`, then `$ROSTER_CONFIG`, then the platform config dir.
    pub fn locate(explicit: Option<&Path>) -> Result<PathBuf, ConfigError> {
        if let Some(path) = explicit {
            return Ok(path.to_owned());
        }
        if let Some(path) = std::env::var_os(CONFIG_ENV).filter(|p| !p.is_empty()) {
            return Ok(PathBuf::from(path));
        }
        use etcetera::BaseStrategy;
        let strategy = etcetera::choose_base_strategy()
            .map_err(|e| ConfigError(format!("cannot find the config directory: {e}")))?;
        Ok(strategy.config_dir().join("roster").join("config.toml"))
    }

    /// Reads and checks a config file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigError(format!(
                "{}: cannot read the config file: {e} (pass --config FILE or set {CONFIG_ENV})",
                path.display()
            ))
        })?;
        let config = Self::parse(path, &text)?;
        if config.has_plain_secret() {
            refuse_if_readable_by_others(path, &config)?;
        }
        Ok(config)
    }

    /// Parses config text; `path` is used only in messages.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ConfigError> {
        let located = |span: Option<Range<usize>>, message: &str| {
            let line = span.map(|s| line_of(text, s.start));
            ConfigError(match line {
                Some(line) => format!("{}:{line}: {message}", path.display()),
                None => format!("{}: {message}", path.display()),
            })
        };
        let file: FileToml = toml::from_str(text).map_err(|e| located(e.span(), e.message()))?;
        let mut connections: Vec<ConnectionSpec> = Vec::new();
        for table in file.connection {
            let span = table.span();
            let spec =
                check_connection(table.into_inner(), text).map_err(|(span_of_key, message)| {
                    located(Some(span_of_key.unwrap_or(span.clone())), &message)
                })?;
            if connections.iter().any(|c| c.name == spec.name) {
                return Err(located(
                    Some(span),
                    &format!("duplicate connection name `{}`", spec.name),
                ));
            }
            connections.push(spec);
        }
        Ok(Self {
            path: path.to_owned(),
            connections,
            keys: file.keys.map(Spanned::into_inner).unwrap_or_default(),
        })
    }

    /// The connection with this name.
    pub fn connection(&self, name: &str) -> Result<&ConnectionSpec, ConfigError> {
        self.connections
            .iter()
            .find(|c| c.name == name)
            .ok_or_else(|| {
                let known: Vec<&str> = self.connections.iter().map(|c| c.name.as_str()).collect();
                ConfigError(format!(
                    "{}: no connection named `{name}` (known: {})",
                    self.path.display(),
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                ))
            })
    }

    fn has_plain_secret(&self) -> bool {
        self.connections
            .iter()
            .any(|c| matches!(c.secret.source, SecretSource::Plain(_)))
    }
}

impl ConnectionSpec {
    /// Resolves the secret (environment or command) and returns a connection ready to open.
    pub fn resolve(&self, config_path: &Path) -> Result<Connection, ConfigError> {
        let SecretEntry { key, source, line } = &self.secret;
        let secret = resolve_secret(source).map_err(|why| {
            ConfigError(format!(
                "{}:{line}: `{key}` of connection `{}`: {why}",
                config_path.display(),
                self.name
            ))
        })?;
        let credentials = match self.kind {
            ServiceKind::Crowd => Credentials::Basic {
                username: self.username.clone().unwrap_or_default(),
                password: secret,
            },
            ServiceKind::Scim => Credentials::Bearer { token: secret },
            ServiceKind::Looker => Credentials::ClientCredentials {
                client_id: self.client_id.clone().unwrap_or_default(),
                client_secret: secret,
            },
        };
        Ok(Connection {
            name: self.name.clone(),
            kind: self.kind,
            url: self.url.clone(),
            read_only: self.read_only,
            credentials,
            timeout: None,
        })
    }
}

type KeyError = (Option<Range<usize>>, String);

fn check_connection(table: ConnectionToml, text: &str) -> Result<ConnectionSpec, KeyError> {
    let name = table.name.get_ref().trim().to_owned();
    if name.is_empty() || name.chars().any(char::is_whitespace) {
        return Err((
            Some(table.name.span()),
            "`name` must be a non-empty word".to_owned(),
        ));
    }
    let kind = match table.kind.get_ref().as_str() {
        "crowd" => ServiceKind::Crowd,
        "scim" => ServiceKind::Scim,
        "looker" => ServiceKind::Looker,
        other => {
            return Err((
                Some(table.kind.span()),
                format!("`kind` is `{other}`; expected crowd, scim or looker"),
            ));
        }
    };
    let url = Url::parse(table.url.get_ref().trim_end_matches('/')).map_err(|e| {
        (
            Some(table.url.span()),
            format!("`url` is not a valid URL: {e}"),
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err((
            Some(table.url.span()),
            "`url` must start with https:// or http://".to_owned(),
        ));
    }
    let (needed, other_secrets): (&'static str, [(&str, bool); 2]) = match kind {
        ServiceKind::Crowd => (
            "password",
            [
                ("client_secret", table.client_secret.is_some()),
                ("token", table.token.is_some()),
            ],
        ),
        ServiceKind::Scim => (
            "token",
            [
                ("password", table.password.is_some()),
                ("client_secret", table.client_secret.is_some()),
            ],
        ),
        ServiceKind::Looker => (
            "client_secret",
            [
                ("password", table.password.is_some()),
                ("token", table.token.is_some()),
            ],
        ),
    };
    if let Some((wrong, _)) = other_secrets.iter().find(|(_, present)| *present) {
        return Err((
            None,
            format!("`{wrong}` does not apply to a {kind} connection (it uses `{needed}`)"),
        ));
    }
    let secret = match kind {
        ServiceKind::Crowd => table.password,
        ServiceKind::Scim => table.token,
        ServiceKind::Looker => table.client_secret,
    };
    let Some(secret) = secret else {
        return Err((None, format!("connection `{name}` needs `{needed}`")));
    };
    match kind {
        ServiceKind::Crowd if table.username.is_none() => {
            return Err((
                None,
                format!("connection `{name}` needs `username` (the Crowd application name)"),
            ));
        }
        ServiceKind::Looker if table.client_id.is_none() => {
            return Err((None, format!("connection `{name}` needs `client_id`")));
        }
        _ => {}
    }
    let secret_span = secret.span();
    Ok(ConnectionSpec {
        name,
        kind,
        url,
        read_only: table.read_only,
        username: table.username,
        client_id: table.client_id,
        secret: SecretEntry {
            key: needed,
            line: line_of(text, secret_span.start),
            source: secret.into_inner(),
        },
    })
}

fn resolve_secret(source: &SecretSource) -> Result<Secret, String> {
    match source {
        SecretSource::Plain(value) => Ok(Secret::new(value.clone())),
        SecretSource::Env(name) => std::env::var(name)
            .map(Secret::new)
            .map_err(|_| format!("environment variable `{name}` is not set")),
        SecretSource::Command(argv) => {
            let output = std::process::Command::new(&argv[0])
                .args(&argv[1..])
                .stdin(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .output()
                .map_err(|e| format!("cannot run `{}`: {e}", argv[0]))?;
            if !output.status.success() {
                return Err(format!("`{}` failed with {}", argv[0], output.status));
            }
            let text = String::from_utf8(output.stdout)
                .map_err(|_| format!("`{}` printed something that is not UTF-8", argv[0]))?;
            let trimmed = text.trim_end_matches(['\n', '\r']);
            if trimmed.is_empty() {
                return Err(format!("`{}` printed nothing", argv[0]));
            }
            Ok(Secret::new(trimmed))
        }
    }
}

#[cfg(unix)]
fn refuse_if_readable_by_others(path: &Path, config: &Config) -> Result<(), ConfigError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| ConfigError(format!("{}: {e}", path.display())))?
        .permissions()
        .mode();
    if mode & 0o077 == 0 {
        return Ok(());
    }
    let (key, line) = config
        .connections
        .iter()
        .find(|c| matches!(c.secret.source, SecretSource::Plain(_)))
        .map_or(("secret", 1), |c| (c.secret.key, c.secret.line));
    Err(ConfigError(format!(
        "{}:{}: `{key}` is written in plain text but the file is readable by group or others (mode {:o}); \
         run `chmod 600 {}` or use {{ env = \"NAME\" }} / {{ command = [...] }}",
        path.display(),
        line,
        mode & 0o777,
        path.display()
    )))
}

#[cfg(not(unix))]
fn refuse_if_readable_by_others(_: &Path, _: &Config) -> Result<(), ConfigError> {
    Ok(())
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
