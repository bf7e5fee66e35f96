//! What the loop needs from its surroundings besides a place to draw: terminal events and
//! signals, the clipboard, and handing the terminal to `$EDITOR`.
//!
//! [`TerminalConsole`] is the real terminal: crossterm's event stream, the signals of
//! [`super::signals`], OSC 52 for the clipboard (the terminal, or tmux, puts the text on the
//! system clipboard; a terminal without it ignores the sequence), and `$VISUAL`/`$EDITOR` on a
//! private temporary file. Tests give the loop their own console. Nothing here decides anything.

use std::future::Future;
use std::io::{self, Write};

use base64::Engine;
use crossterm::event::{Event, EventStream};
use futures::StreamExt;

use super::signals::Signals;

/// Something from outside the browser.
#[derive(Debug)]
pub enum Outside {
    /// A terminal event.
    Event(Event),
    /// A signal asked the browser to end (its number).
    Signal(i32),
    /// The input ended.
    Ended,
    /// Reading the terminal failed.
    Failed(io::Error),
}

/// The loop's surroundings.
pub trait Console {
    /// The next event or signal; cancel-safe (the loop selects over it).
    fn next(&mut self) -> impl Future<Output = Outside>;
    /// Puts text on the clipboard.
    fn copy(&mut self, text: &str) -> Result<(), String>;
    /// Hands the terminal to an editor on `text`, and returns what the editor left.
    fn edit(&mut self, text: &str) -> Result<String, String>;
}

/// The real terminal.
#[derive(Debug)]
pub struct TerminalConsole {
    events: Option<EventStream>,
    signals: Signals,
}

impl TerminalConsole {
    /// The console over the terminal, with its signals registered.
    pub fn new(signals: Signals) -> Self {
        Self {
            events: None,
            signals,
        }
    }
}

impl Console for TerminalConsole {
    async fn next(&mut self) -> Outside {
        let events = self.events.get_or_insert_with(EventStream::new);
        tokio::select! {
            biased;
            number = self.signals.recv() => Outside::Signal(number),
            event = events.next() => match event {
                Some(Ok(event)) => Outside::Event(event),
                Some(Err(error)) => Outside::Failed(error),
                None => Outside::Ended,
            },
        }
    }

    fn copy(&mut self, text: &str) -> Result<(), String> {
        let encoded = base64::engine::general_purpose::STANDARD.encode(text);
        let mut out = io::stdout();
        write!(out, "\u{1b}]52;c;{encoded}\u{7}")
            .and_then(|()| out.flush())
            .map_err(|e| format!("cannot write to the terminal: {e}"))
    }

    fn edit(&mut self, text: &str) -> Result<String, String> {
        // The event stream's reader would take keys meant for the editor: drop it first.
        self.events = None;
        let result = run_editor(text);
        let resumed = crate::terminal::resume();
        self.signals.forget_interrupts();
        resumed.map_err(|e| format!("cannot take the terminal back: {e}"))?;
        result
    }
}

/// Writes `text` to a private temporary file (mode 0600), runs `$VISUAL`, `$EDITOR` or `vi` on it
/// with the terminal restored, and reads the file back.
fn run_editor(text: &str) -> Result<String, String> {
    let mut file = tempfile::Builder::new()
        .prefix("roster-")
        .suffix(".json")
        .tempfile()
        .map_err(|e| format!("cannot create a temporary file: {e}"))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.flush())
        .map_err(|e| format!("cannot write the temporary file: {e}"))?;
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| "vi".to_owned());
    let mut words = editor.split_whitespace();
    let program = words.next().unwrap_or("vi");
    crate::terminal::restore().map_err(|e| format!("cannot hand the terminal over: {e}"))?;
    let status = std::process::Command::new(program)
        .args(words)
        .arg(file.path())
        .status();
    match status {
        Ok(status) if status.success() => std::fs::read_to_string(file.path())
            .map_err(|e| format!("cannot read the edited file: {e}")),
        Ok(status) => Err(format!(
            "{program} exited with {status}; the form is unchanged"
        )),
        Err(error) => Err(format!("cannot run the editor `{program}`: {error}")),
    }
}
