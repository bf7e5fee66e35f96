//! Entering and leaving the browser's terminal mode, on every exit path.
//!
//! [`enter`] switches to the alternate screen with raw mode, mouse capture and bracketed paste,
//! and installs (once) a panic hook that restores the terminal before the previous hook prints
//! the report. The returned [`TerminalGuard`] restores on [`TerminalGuard::restore`] or when it is
//! dropped, so an error return leaves the terminal usable too. Nothing here draws.

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
    enable_raw_mode()?;
    let entered = execute!(
        stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste
    )
    .and_then(|()| Terminal::new(CrosstermBackend::new(stdout())));
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
            let _ = restore();
            previous(info);
        }));
    });
}
