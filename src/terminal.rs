//! Entering and leaving the browser's terminal mode, on every exit path.
//!
//! [`enter`] switches to the alternate screen with raw mode, mouse capture and bracketed paste,
//! and installs (once) a panic hook that restores the terminal before the previous hook prints
//! the report. The returned [`TerminalGuard`] restores on [`TerminalGuard::restore`] or when it is
//! dropped, so an error return leaves the terminal usable too. [`restore`] and [`resume`] hand the
//! terminal to another program (`$EDITOR`) and take it back.
//!
//! A panic inside a future run by [`panics_caught`] is caught by its caller (the effect runner
//! turns it into an error on screen), so the hook leaves the terminal alone and only logs it:
//! restoring the terminal there would leave the browser drawing over the shell. Nothing here
//! draws.

use std::io::{Stdout, stdout};
use std::sync::Once;

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

/// The terminal in browser mode; restores it when dropped.
#[derive(Debug)]
pub struct TerminalGuard {
    terminal: Terminal<CrosstermBackend<Stdout>>,
    restored: bool,
}

impl TerminalGuard {
    /// The terminal to draw on.
    pub fn terminal(&mut self) -> &mut Terminal<CrosstermBackend<Stdout>> {
        &mut self.terminal
    }

    /// Leaves browser mode now, reporting failures.
    pub fn restore(&mut self) -> std::io::Result<()> {
        if self.restored {
            return Ok(());
        }
        self.restored = true;
        restore()
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        if !self.restored {
            let _ = restore();
        }
    }
}

/// Enters browser mode: raw mode, alternate screen, mouse capture, bracketed paste.
pub fn enter() -> std::io::Result<TerminalGuard> {
    install_panic_hook();
    let entered = resume().and_then(|()| Terminal::new(CrosstermBackend::new(stdout())));
    match entered {
        Ok(mut terminal) => {
            terminal.hide_cursor()?;
            terminal.clear()?;
            Ok(TerminalGuard {
                terminal,
                restored: false,
            })
        }
        Err(error) => {
            let _ = restore();
            Err(error)
        }
    }
}

/// Takes the terminal back after [`restore`]: raw mode, alternate screen, mouse capture,
/// bracketed paste, cursor hidden.
pub fn resume() -> std::io::Result<()> {
    enable_raw_mode()?;
    execute!(
        stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste,
        crossterm::cursor::Hide
    )
}

tokio::task_local! {
    /// Set while a future run by [`panics_caught`] is polled.
    static PANICS_CAUGHT: ();
}

/// Runs a future whose panics its caller catches (with `catch_unwind`): the panic hook then only
/// logs them, and leaves the terminal as it is.
pub fn panics_caught<F: std::future::Future>(
    future: F,
) -> impl std::future::Future<Output = F::Output> {
    PANICS_CAUGHT.scope((), future)
}

/// Leaves browser mode; safe to call when it was never entered.
pub fn restore() -> std::io::Result<()> {
    let raw = disable_raw_mode();
    let screen = execute!(
        stdout(),
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    raw.and(screen)
}

/// Chains a hook that restores the terminal before the existing panic hook runs.
fn install_panic_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if PANICS_CAUGHT.try_with(|()| ()).is_ok() {
                tracing::error!("a task panicked (caught, shown on screen): {info}");
                return;
            }
            let _ = restore();
            previous(info);
        }));
    });
}
