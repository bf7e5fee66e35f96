//! The TOML config: connections, secret sources, the browser's colours and where the file is found.
//!
//! Every problem of a file is reported at once, each naming the file, the line and the key. Secrets
//! are resolved only when a connection is opened (bounded, see [`crate::secret`]); a plain secret
//! in a file that group or others can read is refused, and so is a URL that carries credentials.
//! This module reads files and environment variables and may run a secret command; it opens no
//! connection and never puts a secret, or a URL's password, in a message.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};
use url::Url;

use crate::domain::ServiceKind;
pub use crate::secret::SecretSource;
use crate::secret::{COMMAND_TIMEOUT, Secret};
use crate::view::theme::{ThemeColor, ThemeSlot, parse_color};

/// The environment variable that names the config file when `--config` is not given.
pub const CONFIG_ENV: &str = "ROSTER_CONFIG";

/// The largest `timeout` accepted, in seconds (a day).
const MAX_TIMEOUT_SECS: i64 = 86_400;
/// The largest `max_concurrency` accepted.
const MAX_CONCURRENCY: i64 = 1024;

/// A config problem, already phrased for the user with file, line and key.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// One problem found in a config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// The connection it belongs to, when it belongs to one that has a name.
    pub connection: Option<String>,
    /// The 1-based line, when the problem has a place.
    pub line: Option<usize>,
    /// `file:line: message`, naming the key.
    pub message: String,
}

/// The keys a `[[connection]]` table may have.
const CONNECTION_KEYS: [&str; 11] = [
    "name",
    "kind",
    "url",
    "username",
    "password",
    "client_id",
    "client_secret",
    "token",
    "read_only",
    "timeout",
    "max_concurrency",
];

#[derive(Debug, Deserialize)]
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
    timeout: Option<Spanned<i64>>,
    max_concurrency: Option<Spanned<i64>>,
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
    /// The overall deadline of one command on this connection (`timeout`, seconds).
    pub timeout: Option<Duration>,
    /// The most requests in flight at once (`max_concurrency`).
    pub max_concurrency: Option<usize>,
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

/// A connection ready to open: URL, credentials, flags and limits.
#[derive(Debug, Clone)]
pub struct Connection {
    /// The name used on the command line and in the browser.
    pub name: String,
    /// The service kind.
    pub kind: ServiceKind,
    /// The service base URL (never with credentials in it).
    pub url: Url,
    /// Refuse every write on this connection.
    pub read_only: bool,
    /// Resolved credentials.
    pub credentials: Credentials,
    /// The overall deadline of one command (config `timeout`); `None` for the default.
    pub timeout: Option<Duration>,
    /// The most requests in flight at once (config `max_concurrency`): the cap of the
    /// connection's adaptive request window; `None` for its service's default
    /// ([`crate::service::default_max_concurrency`], documented with its source in each client).
    pub max_concurrency: Option<usize>,
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
    /// The browser's colours from `[theme]`, validated.
    pub theme: Vec<ThemeColor>,
}

/// Where [`Config::locate`] looks, for explaining a missing file.
#[derive(Debug, Clone)]
pub struct ConfigSearch {
    /// The file that would be read.
    pub path: PathBuf,
    /// `--config` was given.
    pub explicit: bool,
    /// The value of `$ROSTER_CONFIG`, when set.
    pub from_env: Option<PathBuf>,
    /// The platform's config path, when it can be found.
    pub platform: Option<PathBuf>,
}

impl ConfigSearch {
    /// Where roster looked, and what to try, for a file that does not exist.
    pub fn explain_missing(&self) -> String {
        let mut text = format!("no config file at {}\n", self.path.display());
        let looked = if self.explicit {
            "given with --config".to_owned()
        } else if self.from_env.is_some() {
            format!("named by ${CONFIG_ENV}")
        } else {
            format!("${CONFIG_ENV} is not set, so the platform config path was used")
        };
        text.push_str(&format!("  ({looked})\n"));
        if let Some(platform) = self.platform.as_ref().filter(|p| **p != self.path) {
            text.push_str(&format!(
                "  without --config or ${CONFIG_ENV}, roster reads {}\n",
                platform.display()
            ));
        }
        text.push_str(
            "Try `roster demo` to explore the built-in simulator, or `roster config init` to write a config.",
        );
        text
    }
}

impl Config {
    /// Finds the config file: `explicit`, then `$ROSTER_CONFIG`, then the platform config dir.
    pub fn locate(explicit: Option<&Path>) -> Result<PathBuf, ConfigError> {
        Ok(Self::search(explicit)?.path)
    }

    /// Like [`Config::locate`], keeping where each candidate came from.
    pub fn search(explicit: Option<&Path>) -> Result<ConfigSearch, ConfigError> {
        let from_env = std::env::var_os(CONFIG_ENV)
            .filter(|p| !p.is_empty())
            .map(PathBuf::from);
        let platform = platform_path();
        let path = match (explicit, &from_env, &platform) {
            (Some(path), _, _) => path.to_owned(),
            (None, Some(path), _) => path.clone(),
            (None, None, Ok(path)) => path.clone(),
            (None, None, Err(e)) => return Err(ConfigError(e.clone())),
        };
        Ok(ConfigSearch {
            path,
            explicit: explicit.is_some(),
            from_env,
            platform: platform.ok(),
        })
    }

    /// Reads and checks a config file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = read(path)?;
        let config = Self::parse(path, &text)?;
        config.refuse_readable_plain_secret()?;
        Ok(config)
    }

    /// Reads a config file and reports every problem in it (plain secrets in a readable file
    /// included), each naming the file, the line and the key.
    pub fn load_checked(path: &Path) -> Result<Self, Vec<ConfigProblem>> {
        let text = read(path).map_err(|e| vec![ConfigProblem::new(None, None, e.0)])?;
        let config = Self::validate(path, &text)?;
        config.refuse_readable_plain_secret().map_err(|e| {
            let connection = config.plain_secret().map(|c| c.name.clone());
            let line = config.plain_secret().map(|c| c.secret.line);
            vec![ConfigProblem::new(connection, line, e.0)]
        })?;
        Ok(config)
    }

    /// Parses config text; `path` is used only in messages. The error lists every problem, one
    /// per line.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ConfigError> {
        Self::validate(path, text).map_err(|problems| {
            ConfigError(
                problems
                    .into_iter()
                    .map(|p| p.message)
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
        })
    }

    /// Parses config text and returns every problem found, in line order.
    pub fn validate(path: &Path, text: &str) -> Result<Self, Vec<ConfigProblem>> {
        let mut report = Report {
            path,
            text,
            problems: Vec::new(),
        };
        let (document, syntax_errors) = DeTable::parse_recoverable(text);
        if !syntax_errors.is_empty() {
            for error in syntax_errors {
                report.add(None, error.span(), error.message());
            }
            return Err(report.finish());
        }
        let mut connections = Vec::new();
        let mut keys = toml::Table::new();
        let mut theme = Vec::new();
        for (key, value) in document.into_inner() {
            match key.get_ref().as_ref() {
                "connection" => connections = report.connections(value),
                "keys" => keys = report.keys(value),
                "theme" => theme = report.theme(value),
                other => report.add(
                    None,
                    Some(key.span()),
                    &format!("unknown key `{other}` (expected `connection`, `keys` or `theme`)"),
                ),
            }
        }
        if !report.problems.is_empty() {
            return Err(report.finish());
        }
        Ok(Self {
            path: path.to_owned(),
            connections,
            keys,
            theme,
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

    fn plain_secret(&self) -> Option<&ConnectionSpec> {
        self.connections
            .iter()
            .find(|c| matches!(c.secret.source, SecretSource::Plain(_)))
    }

    fn refuse_readable_plain_secret(&self) -> Result<(), ConfigError> {
        match self.plain_secret() {
            Some(spec) => refuse_if_readable_by_others(&self.path, spec),
            None => Ok(()),
        }
    }
}

impl ConfigProblem {
    fn new(connection: Option<String>, line: Option<usize>, message: String) -> Self {
        Self {
            connection,
            line,
            message,
        }
    }
}

impl ConnectionSpec {
    /// Resolves the secret (environment or command, the command bounded by 30 s) and returns a
    /// connection ready to open.
    pub fn resolve(&self, config_path: &Path) -> Result<Connection, ConfigError> {
        self.resolve_within(config_path, COMMAND_TIMEOUT)
    }

    /// Like [`ConnectionSpec::resolve`] with another limit for a secret command.
    pub fn resolve_within(
        &self,
        config_path: &Path,
        command_timeout: Duration,
    ) -> Result<Connection, ConfigError> {
        let SecretEntry { key, source, line } = &self.secret;
        let secret = source.resolve(command_timeout).map_err(|why| {
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
            timeout: self.timeout,
            max_concurrency: self.max_concurrency,
        })
    }

    /// Where the secret comes from, in words that never include it.
    pub fn secret_origin(&self) -> String {
        let key = self.secret.key;
        match &self.secret.source {
            SecretSource::Plain(_) => format!("`{key}` written in the file"),
            SecretSource::Env(name) => format!("`{key}` from environment variable `{name}`"),
            SecretSource::Command(argv) => {
                let program = argv.first().map_or("?", String::as_str);
                format!("`{key}` from the output of `{program}`")
            }
        }
    }

    /// The principal the connection presents, as written (Crowd application, Looker client id);
    /// `None` for SCIM, whose key names no principal.
    pub fn principal(&self) -> Option<&str> {
        self.username.as_deref().or(self.client_id.as_deref())
    }
}

/// Collects problems while a document is checked.
struct Report<'a> {
    path: &'a Path,
    text: &'a str,
    problems: Vec<ConfigProblem>,
}

type Span = Range<usize>;

impl Report<'_> {
    fn add(&mut self, connection: Option<&str>, span: Option<Span>, message: &str) {
        let line = span.map(|s| line_of(self.text, s.start));
        let message = match line {
            Some(line) => format!("{}:{line}: {message}", self.path.display()),
            None => format!("{}: {message}", self.path.display()),
        };
        self.problems.push(ConfigProblem::new(
            connection.map(str::to_owned),
            line,
            message,
        ));
    }

    fn finish(mut self) -> Vec<ConfigProblem> {
        self.problems.sort_by_key(|p| p.line.unwrap_or(0));
        self.problems
    }

    fn connections(&mut self, value: Spanned<DeValue<'_>>) -> Vec<ConnectionSpec> {
        let span = value.span();
        let DeValue::Array(tables) = value.into_inner() else {
            self.add(
                None,
                Some(span),
                "`connection` must be written as [[connection]] tables",
            );
            return Vec::new();
        };
        let mut connections: Vec<ConnectionSpec> = Vec::new();
        for table in tables {
            let span = table.span();
            let Some(spec) = self.connection(table) else {
                continue;
            };
            if connections.iter().any(|c| c.name == spec.name) {
                let message = format!("duplicate connection name `{}`", spec.name);
                self.add(Some(&spec.name), Some(span), &message);
                continue;
            }
            connections.push(spec);
        }
        connections
    }

    fn connection(&mut self, table: Spanned<DeValue<'_>>) -> Option<ConnectionSpec> {
        let span = table.span();
        let Some(entries) = table.get_ref().as_table() else {
            self.add(None, Some(span), "each [[connection]] must be a table");
            return None;
        };
        let name = entries
            .iter()
            .find(|(k, _)| k.get_ref() == "name")
            .and_then(|(_, v)| v.get_ref().as_str())
            .map(str::to_owned);
        let mut unknown = false;
        for key in entries.keys() {
            if !CONNECTION_KEYS.contains(&key.get_ref().as_ref()) {
                unknown = true;
                let message = format!(
                    "unknown key `{}` in a [[connection]] (expected one of: {})",
                    key.get_ref(),
                    CONNECTION_KEYS.join(", ")
                );
                self.add(name.as_deref(), Some(key.span()), &message);
            }
        }
        match ConnectionToml::deserialize(ValueDeserializer::from(table)) {
            Ok(parsed) => self.check_connection(parsed, span).filter(|_| !unknown),
            Err(error) => {
                let span = error.span().or(Some(span));
                self.add(name.as_deref(), span, error.message());
                None
            }
        }
    }

    fn check_connection(&mut self, table: ConnectionToml, span: Span) -> Option<ConnectionSpec> {
        let before = self.problems.len();
        let name = table.name.get_ref().trim().to_owned();
        let conn = Some(name.as_str()).filter(|n| !n.is_empty());
        if name.is_empty() || name.chars().any(char::is_whitespace) {
            self.add(
                conn,
                Some(table.name.span()),
                "`name` must be a non-empty word",
            );
        }
        let kind = match table.kind.get_ref().as_str() {
            "crowd" => Some(ServiceKind::Crowd),
            "scim" => Some(ServiceKind::Scim),
            "looker" => Some(ServiceKind::Looker),
            other => {
                let message = format!("`kind` is `{other}`; expected crowd, scim or looker");
                self.add(conn, Some(table.kind.span()), &message);
                None
            }
        };
        let url = self.url(conn, &table.url);
        let timeout = self.positive(conn, "timeout", table.timeout.as_ref(), MAX_TIMEOUT_SECS);
        let max_concurrency = self.positive(
            conn,
            "max_concurrency",
            table.max_concurrency.as_ref(),
            MAX_CONCURRENCY,
        );
        let secret = kind.and_then(|kind| self.secret(conn, &name, kind, &table, span.clone()));
        if self.problems.len() > before {
            return None;
        }
        Some(ConnectionSpec {
            name,
            kind: kind?,
            url: url?,
            read_only: table.read_only,
            timeout: timeout.map(|secs| Duration::from_secs(secs.unsigned_abs())),
            max_concurrency: max_concurrency.and_then(|n| usize::try_from(n).ok()),
            username: table.username,
            client_id: table.client_id,
            secret: secret?,
        })
    }

    fn url(&mut self, conn: Option<&str>, url: &Spanned<String>) -> Option<Url> {
        let span = Some(url.span());
        let parsed = match Url::parse(url.get_ref().trim_end_matches('/')) {
            Ok(parsed) => parsed,
            Err(e) => {
                self.add(conn, span, &format!("`url` is not a valid URL: {e}"));
                return None;
            }
        };
        if !matches!(parsed.scheme(), "http" | "https") {
            self.add(conn, span, "`url` must start with https:// or http://");
            return None;
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            self.add(
                conn,
                span,
                "`url` must not carry a user name or password (`https://user:pass@host`): \
                 credentials belong in the secret keys (`password`, `token` or `client_secret`)",
            );
            return None;
        }
        Some(parsed)
    }

    fn positive(
        &mut self,
        conn: Option<&str>,
        key: &str,
        value: Option<&Spanned<i64>>,
        max: i64,
    ) -> Option<i64> {
        let value = value?;
        let number = *value.get_ref();
        if (1..=max).contains(&number) {
            return Some(number);
        }
        let message = format!("`{key}` must be a whole number from 1 to {max}, not {number}");
        self.add(conn, Some(value.span()), &message);
        None
    }

    fn secret(
        &mut self,
        conn: Option<&str>,
        name: &str,
        kind: ServiceKind,
        table: &ConnectionToml,
        span: Span,
    ) -> Option<SecretEntry> {
        let (needed, secret) = match kind {
            ServiceKind::Crowd => ("password", &table.password),
            ServiceKind::Scim => ("token", &table.token),
            ServiceKind::Looker => ("client_secret", &table.client_secret),
        };
        let others = [
            ("password", &table.password),
            ("token", &table.token),
            ("client_secret", &table.client_secret),
        ];
        for (wrong, value) in others.into_iter().filter(|(key, _)| *key != needed) {
            if let Some(value) = value {
                let message =
                    format!("`{wrong}` does not apply to a {kind} connection (it uses `{needed}`)");
                self.add(conn, Some(value.span()), &message);
            }
        }
        let principal = match kind {
            ServiceKind::Crowd if table.username.is_none() => {
                Some("`username` (the Crowd application name)")
            }
            ServiceKind::Looker if table.client_id.is_none() => Some("`client_id`"),
            _ => None,
        };
        if let Some(principal) = principal {
            let message = format!("connection `{name}` needs {principal}");
            self.add(conn, Some(span.clone()), &message);
        }
        let Some(secret) = secret else {
            self.add(
                conn,
                Some(span),
                &format!("connection `{name}` needs `{needed}`"),
            );
            return None;
        };
        if matches!(secret.get_ref(), SecretSource::Plain(value) if value.trim().is_empty()) {
            let message = format!("`{needed}` of connection `{name}` is empty");
            self.add(conn, Some(secret.span()), &message);
            return None;
        }
        Some(SecretEntry {
            key: needed,
            line: line_of(self.text, secret.span().start),
            source: secret.get_ref().clone(),
        })
    }

    fn keys(&mut self, value: Spanned<DeValue<'_>>) -> toml::Table {
        let span = value.span();
        toml::Table::deserialize(ValueDeserializer::from(value)).unwrap_or_else(|error| {
            self.add(None, error.span().or(Some(span)), error.message());
            toml::Table::new()
        })
    }

    fn theme(&mut self, value: Spanned<DeValue<'_>>) -> Vec<ThemeColor> {
        let Some(entries) = value.get_ref().as_table() else {
            self.add(
                None,
                Some(value.span()),
                "`theme` must be a table ([theme])",
            );
            return Vec::new();
        };
        let mut colors = Vec::new();
        for (key, entry) in entries {
            let Some(slot) = ThemeSlot::from_key(key.get_ref()) else {
                let known: Vec<&str> = ThemeSlot::ALL.iter().map(|s| s.key()).collect();
                let message = format!(
                    "unknown key `{}` in [theme] (expected one of: {})",
                    key.get_ref(),
                    known.join(", ")
                );
                self.add(None, Some(key.span()), &message);
                continue;
            };
            let texts: Vec<&Spanned<DeValue<'_>>> = match entry.get_ref() {
                DeValue::Array(items) if slot == ThemeSlot::Accents => items.iter().collect(),
                _ => vec![entry],
            };
            let mut parsed = Vec::new();
            for text in texts {
                let color = text
                    .get_ref()
                    .as_str()
                    .ok_or_else(|| "a colour is written as a string".to_owned())
                    .and_then(parse_color);
                match color {
                    Ok(color) => parsed.push(color),
                    Err(why) => {
                        let message = format!("[theme] `{}`: {why}", slot.key());
                        self.add(None, Some(text.span()), &message);
                    }
                }
            }
            colors.push(ThemeColor {
                slot,
                colors: parsed,
            });
        }
        colors
    }
}

fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|e| {
        ConfigError(format!(
            "{}: cannot read the config file: {e} (pass --config FILE or set {CONFIG_ENV})",
            path.display()
        ))
    })
}

/// The platform's config path, `<config dir>/roster/config.toml`.
fn platform_path() -> Result<PathBuf, String> {
    use etcetera::BaseStrategy;
    let strategy = etcetera::choose_base_strategy()
        .map_err(|e| format!("cannot find the config directory: {e}"))?;
    Ok(strategy.config_dir().join("roster").join("config.toml"))
}

#[cfg(unix)]
fn refuse_if_readable_by_others(path: &Path, spec: &ConnectionSpec) -> Result<(), ConfigError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| ConfigError(format!("{}: {e}", path.display())))?
        .permissions()
        .mode();
    if mode & 0o077 == 0 {
        return Ok(());
    }
    Err(ConfigError(format!(
        "{}:{}: `{}` is written in plain text but the file is readable by group or others (mode {:o}); \
         run `chmod 600 {}` or use {{ env = \"NAME\" }} / {{ command = [...] }}",
        path.display(),
        spec.secret.line,
        spec.secret.key,
        mode & 0o777,
        path.display()
    )))
}

#[cfg(not(unix))]
fn refuse_if_readable_by_others(_: &Path, _: &ConnectionSpec) -> Result<(), ConfigError> {
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
