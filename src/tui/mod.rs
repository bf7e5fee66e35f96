//! The browser's controller: the loop, the effect runner, and the real terminal around them.
//!
//! [`run_terminal`] runs the browser on the real terminal; [`run_loop`] is the loop itself, taking
//! its backend and its input stream as parameters so tests drive the very same loop on a
//! `TestBackend` with scripted keys. The loop selects over one message channel (effect results)
//! and the input stream, applies each message with [`update`], hands the returned effects to the
//! [`runner::Runner`], and draws once when something changed. The model (`crate::app`) never
//! imports this module; this module decides nothing that the update function should.

pub mod runner;

use crossterm::event::{Event, MouseEventKind};
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;

use crate::app::msg::Msg;
use crate::app::state::State;
use crate::app::update::{start, update};
use crate::app::{App, Session};
use crate::journal::Journal;
use runner::Runner;

/// Runs the browser on the terminal: alternate screen, raw mode, mouse capture; the terminal is
/// restored on quit, on error and on panic.
pub async fn run_terminal(
    sessions: Vec<Session>,
    keys: &toml::Table,
    notices: tokio::sync::mpsc::UnboundedReceiver<String>,
) -> color_eyre::Result<()> {
    let app = App::new(sessions, keys)?
        .with_journal(Journal::open_default().ok())
        .with_notices(notices);
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
        journal,
        notices,
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
    let runner = Runner::new(directories, tx).with_journal(journal, names);
    let size = terminal.size()?;
    state.size = (size.width, size.height);
    for effect in start(&mut state) {
        runner.run(effect);
    }
    terminal.draw(|frame| crate::view::draw(frame, &state))?;
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
            terminal.draw(|frame| crate::view::draw(frame, &state))?;
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
    for effect in update(state, msg) {
        runner.run(effect);
    }
    changes
}
