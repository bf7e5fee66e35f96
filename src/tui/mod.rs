//! The browser's controller: the loop, the effect runner, the console (terminal events, signals,
//! clipboard, `$EDITOR`) and the real terminal around them.
//!
//! [`run_terminal`] runs the browser on the real terminal; [`run_loop`] is the loop itself, taking
//! its backend and its [`Console`] as parameters so tests drive the very same loop on a
//! `TestBackend` with scripted keys. The loop selects over the console (first: a key or a signal is
//! never starved) and one message channel (effect results), applies each message with [`update`],
//! hands the returned effects to the [`Runner`], and draws once when something changed. Messages
//! are drained for at most one frame's budget before drawing and looking at the keys again, so
//! a flood of results (an audit of 100,000 users) never delays a key. The model (`crate::app`)
//! never imports this module; this module decides nothing that the update function should.

pub mod console;
pub mod runner;
pub mod signals;

use std::time::{Duration, Instant};

use crossterm::event::{Event, MouseEventKind};
use ratatui::Terminal;
use ratatui::backend::Backend;

use crate::app::msg::{Effect, Msg};
use crate::app::state::State;
use crate::app::update::{start, update};
use crate::app::{App, Session};
use crate::config::Config;
use crate::journal::Journal;
pub use console::{Console, Outside, TerminalConsole};
use runner::Runner;

/// The longest the loop spends applying queued messages before it draws and reads keys again.
const DRAIN_BUDGET: Duration = Duration::from_millis(12);

/// Why the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The user quit.
    Quit,
    /// The input ended.
    InputEnded,
    /// A signal asked the browser to end (its number).
    Signal(i32),
}

/// Runs the browser on the terminal: alternate screen, raw mode, mouse capture; the terminal is
/// restored on quit, on error, on panic and on SIGTERM, SIGHUP, SIGQUIT or SIGINT, after which
/// the process exits with 128 + the signal's number.
pub async fn run_terminal(
    sessions: Vec<Session>,
    config: &Config,
    notices: tokio::sync::mpsc::UnboundedReceiver<String>,
    theme: crate::view::Theme,
) -> color_eyre::Result<()> {
    let app = App::new(sessions, &config.keys)?
        .with_journal(Journal::open_default().ok())
        .with_notices(notices)
        .with_origin(config)
        .with_local_time()
        .with_theme(theme);
    let signals = signals::Signals::new()?;
    let mut guard = crate::terminal::enter()?;
    let mut console = TerminalConsole::new(signals);
    let result = run_loop(guard.terminal(), &mut console, app).await;
    let restored = guard.restore();
    if let Ok(Exit::Signal(number)) = result {
        std::process::exit(128 + number);
    }
    result?;
    restored?;
    Ok(())
}

/// The browser loop on any backend and console; returns when the user quits, the input ends or a
/// signal arrives.
pub async fn run_loop<B, C>(
    terminal: &mut Terminal<B>,
    console: &mut C,
    app: App,
) -> color_eyre::Result<Exit>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    C: Console,
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
    let mut runner = Runner::new(directories, tx).with_journal(journal, names, servers);
    let size = terminal.size()?;
    state.size = (size.width, size.height);
    for effect in start(&mut state) {
        runner.run(effect);
    }
    terminal.draw(|frame| crate::view::draw_with(frame, &state, &theme))?;
    loop {
        let mut changed = false;
        tokio::select! {
            biased;
            outside = console.next() => match outside {
                Outside::Event(event) => {
                    changed |= apply(&mut state, &mut runner, console, terminal, Msg::Input(event))?;
                }
                Outside::Signal(number) => return Ok(Exit::Signal(number)),
                Outside::Ended => return Ok(Exit::InputEnded),
                Outside::Failed(error) => return Err(error.into()),
            },
            Some(msg) = rx.recv() => {
                changed |= apply(&mut state, &mut runner, console, terminal, msg)?;
            }
        }
        let deadline = Instant::now() + DRAIN_BUDGET;
        while !state.quit && Instant::now() < deadline {
            let Ok(msg) = rx.try_recv() else {
                break;
            };
            changed |= apply(&mut state, &mut runner, console, terminal, msg)?;
        }
        if state.quit {
            return Ok(Exit::Quit);
        }
        if changed {
            terminal.draw(|frame| crate::view::draw_with(frame, &state, &theme))?;
        }
    }
}

/// Applies one message and performs its effects; says whether the screen may have changed.
fn apply<B, C>(
    state: &mut State,
    runner: &mut Runner,
    console: &mut C,
    terminal: &mut Terminal<B>,
    msg: Msg,
) -> color_eyre::Result<bool>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    C: Console,
{
    let changes = match &msg {
        Msg::Input(Event::Mouse(mouse)) => {
            !matches!(mouse.kind, MouseEventKind::Moved | MouseEventKind::Drag(_))
        }
        Msg::Input(Event::FocusGained | Event::FocusLost) => false,
        _ => true,
    };
    for effect in update(state, msg) {
        match effect {
            Effect::Copy { what, text } => {
                let result = console.copy(&text);
                runner.send(Msg::Copied { what, result });
            }
            Effect::EditExternally { request, text } => {
                let result = console.edit(&text);
                terminal.clear()?;
                runner.send(Msg::EditedExternally { request, result });
            }
            other => runner.run(other),
        }
    }
    Ok(changes)
}
