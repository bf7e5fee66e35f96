//! The interactive browser's model: state, messages, the update function and the key map.
//!
//! One model file per screen (`browse`, `detail`, `audit`, `person`, `journal`, `editor`,
//! `preview`, `batch`; marks for bulk edits in `marks`), composed
//! into [`state::State`], whose methods hold what several screens share; `update/` changes that
//! state, one file per screen, and returns effects. Nothing here does I/O, spawns a task or draws:
//! the loop and the effect runner live in `crate::tui`, drawing in `crate::view`. Imports go one
//! way: leaves (`keymap`, `filter`, `layout`, `msg`) ← screen models ← `state` ← `update`.

pub mod attribute;
pub mod audit;
pub mod batch;
pub mod browse;
pub mod command;
pub mod detail;
pub mod editor;
pub mod filter;
pub mod help;
pub mod journal;
pub mod keymap;
pub mod layout;
pub mod marks;
pub mod motion;
pub mod msg;
pub mod person;
pub mod preview;
pub mod row_scores;
pub mod sort_ranks;
pub mod state;
pub mod update;
pub mod yank;

use crate::domain::ServiceKind;
use crate::journal::Journal;
use crate::service::AnyDirectory;
use keymap::{KeyMap, KeyMapError};
use state::{ConnStatus, ConnectionState, State};

/// One configured connection as the browser receives it: opened, or the reason it could not be.
#[derive(Debug)]
pub struct Session {
    /// The connection name from the config.
    pub name: String,
    /// The service kind.
    pub kind: ServiceKind,
    /// Writes are refused (per connection or the global `--read-only`).
    pub read_only: bool,
    /// The open client, or why opening failed.
    pub directory: Result<AnyDirectory, String>,
    /// The server the connection points at, as the journal records it (writes are journaled
    /// only when it is known).
    pub server: Option<crate::journal::ServerIdentity>,
}

/// The browser before it runs: its state and the open clients, handed to the loop in `crate::tui`.
#[derive(Debug)]
pub struct App {
    /// The browser state.
    pub state: State,
    /// The open clients, by connection index (None where a connection could not be opened).
    pub directories: Vec<Option<AnyDirectory>>,
    /// The servers the connections point at, by connection index, for the journal.
    pub servers: Vec<Option<crate::journal::ServerIdentity>>,
    /// Where writes are journaled.
    pub journal: Option<Journal>,
    /// What the HTTP layer announces (waits for rate limits), shown as toasts.
    pub notices: Option<tokio::sync::mpsc::UnboundedReceiver<String>>,
    /// The colours (monochrome for `NO_COLOR`, `[theme]` from the config).
    pub theme: crate::view::Theme,
}

impl App {
    /// Builds the browser for these sessions with the config's `[keys]` applied.
    pub fn new(sessions: Vec<Session>, keys: &toml::Table) -> Result<Self, KeyMapError> {
        let keys = KeyMap::from_config(keys)?;
        let mut connections = Vec::with_capacity(sessions.len());
        let mut directories = Vec::with_capacity(sessions.len());
        let mut servers = Vec::with_capacity(sessions.len());
        for session in sessions {
            servers.push(session.server);
            let (capabilities, status, directory) = match session.directory {
                Ok(directory) => (
                    Some(directory.capabilities()),
                    ConnStatus::Connecting,
                    Some(directory),
                ),
                Err(why) => (None, ConnStatus::Failed(why), None),
            };
            connections.push(ConnectionState {
                name: session.name,
                kind: session.kind,
                server: None,
                read_only: session.read_only,
                capabilities,
                status,
                users: Vec::new(),
                total: None,
                request: None,
            });
            directories.push(directory);
        }
        Ok(Self {
            state: State::new(keys, connections),
            directories,
            servers,
            journal: None,
            notices: None,
            theme: crate::view::Theme::default(),
        })
    }

    /// Shows what the HTTP layer announces (waits for rate limits) as toasts.
    pub fn with_notices(mut self, notices: tokio::sync::mpsc::UnboundedReceiver<String>) -> Self {
        self.notices = Some(notices);
        self
    }

    /// Shows timestamps in the system's local time zone (the default is UTC, for tests).
    pub fn with_local_time(mut self) -> Self {
        self.state.time_zone = jiff::tz::TimeZone::system();
        self
    }

    /// Journals every write to `journal` (the real browser uses the state dir's journal).
    pub fn with_journal(mut self, journal: Option<Journal>) -> Self {
        self.journal = journal;
        self
    }

    /// Draws with `theme` (monochrome for `NO_COLOR`, colours from `[theme]`).
    pub fn with_theme(mut self, theme: crate::view::Theme) -> Self {
        self.theme = theme;
        self
    }

    /// Names the config file and each connection's server in the header.
    pub fn with_origin(mut self, config: &crate::config::Config) -> Self {
        self.state.config_path = Some(config.path.display().to_string());
        for connection in &mut self.state.connections {
            connection.server = config
                .connections
                .iter()
                .find(|spec| spec.name == connection.name)
                .map(|spec| server_text(&spec.url));
        }
        self
    }

    /// The state (for inspection before the loop runs).
    pub fn state(&self) -> &State {
        &self.state
    }
}

/// A server as the header shows it: the base URL without credentials, query or fragment.
pub fn server_text(url: &url::Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.set_query(None);
    url.set_fragment(None);
    url.as_str().trim_end_matches('/').to_owned()
}
