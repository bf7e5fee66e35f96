//! The interactive browser: state, messages, the update function, effects and the key map.
//!
//! [`run_terminal`] runs the browser on the real terminal; [`run_loop`] is the loop itself, taking
//! its backend and its input stream as parameters so tests drive the very same loop on a
//! `TestBackend` with scripted keys. The loop selects over one message channel (effect results)
//! and the input stream, applies each message with [`update::update`], hands the returned effects
//! to the runner, and draws once when something changed. Only service clients behind
//! [`AnyDirectory`] are used; nothing here names a service's own types.

pub mod audit;
pub mod editor;
pub mod effects;
pub mod filter;
pub mod keymap;
pub mod layout;
pub mod msg;
pub mod person;
pub mod state;
pub mod update;
pub mod views;
pub mod write;

use crossterm::event::{Event, MouseEventKind};
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;

use crate::domain::ServiceKind;
use crate::journal::Journal;
use crate::service::AnyDirectory;
use effects::Runner;
use keymap::{KeyMap, KeyMapError};
use msg::Msg;
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

/// The browser before it runs: its state and the open clients.
#[derive(Debug)]
pub struct App {
    state: State,
    directories: Vec<Option<AnyDirectory>>,
    servers: Vec<Option<crate::journal::ServerIdentity>>,
    journal: Option<Journal>,
    notices: Option<tokio::sync::mpsc::UnboundedReceiver<String>>,
    theme: crate::view::Theme,
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

    /// The state (for inspection before the loop runs).
    pub fn state(&self) -> &State {
        &self.state
    }
}

/// Runs the browser on the terminal: alternate screen, raw mode, mouse capture; the terminal is
/// restored on quit, on error and on panic.
pub async fn run_terminal(
    sessions: Vec<Session>,
    keys: &toml::Table,
    notices: tokio::sync::mpsc::UnboundedReceiver<String>,
    theme: crate::view::Theme,
) -> color_eyre::Result<()> {
    let app = App::new(sessions, keys)?
        .with_journal(Journal::open_default().ok())
        .with_notices(notices)
        .with_theme(theme);
    let mut guard = crate::terminal::enter()?;
    let result = run_loop(guard.terminal(), crossterm::event::EventStream::new(), app).await;
    let restored = guard.restore();
    result?;
    restored?;
    Ok(())
}

/// The browser loop on any backend and input stream; returns when the user quits or the input
/// ends.
pub async fn run_loop<B, S>(
    terminal: &mut Terminal<B>,
    mut input: S,
    app: App,
) -> color_eyre::Result<()>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    S: Stream<Item = std::io::Result<Event>> + Unpin,
{
    let App {
        mut state,
        directories,
        servers,
        journal,
        notices,
        theme,
    } = app;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    if let Some(mut notices) = notices {
        let tx = tx.clone();
        tokio::spawn(async move {
            while let Some(text) = notices.recv().await {
                if tx.send(Msg::Notice(text)).is_err() {
                    break;
                }
            }
        });
    }
    let names = state.connections.iter().map(|c| c.name.clone()).collect();
    let runner = Runner::new(directories, tx).with_journal(journal, names, servers);
    let size = terminal.size()?;
    state.size = (size.width, size.height);
    for effect in update::start(&mut state) {
        runner.run(effect);
    }
    terminal.draw(|frame| crate::view::draw_with(frame, &state, &theme))?;
    loop {
        let mut changed = false;
        tokio::select! {
            Some(msg) = rx.recv() => {
                changed |= apply(&mut state, &runner, msg);
            }
            event = input.next() => match event {
                Some(Ok(event)) => changed |= apply(&mut state, &runner, Msg::Input(event)),
                Some(Err(error)) => return Err(error.into()),
                None => break,
            },
        }
        while let Ok(msg) = rx.try_recv() {
            changed |= apply(&mut state, &runner, msg);
        }
        if state.quit {
            break;
        }
        if changed {
            terminal.draw(|frame| crate::view::draw_with(frame, &state, &theme))?;
        }
    }
    Ok(())
}

/// Applies one message, starts its effects, and says whether the screen may have changed.
fn apply(state: &mut State, runner: &Runner, msg: Msg) -> bool {
    let changes = match &msg {
        Msg::Input(Event::Mouse(mouse)) => {
            !matches!(mouse.kind, MouseEventKind::Moved | MouseEventKind::Drag(_))
        }
        Msg::Input(Event::FocusGained | Event::FocusLost) => false,
        _ => true,
    };
    for effect in update::update(state, msg) {
        runner.run(effect);
    }
    changes
}
