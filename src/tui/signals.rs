//! The signals that end the browser: SIGTERM, SIGHUP, SIGQUIT, and SIGINT (which only arrives as a
//! signal outside raw mode, or from `kill`: in raw mode Ctrl-C is a key).
//!
//! Registering them replaces their default action (dying with the terminal in browser mode), so
//! the loop can end, the terminal be restored, and the process exit with 128 + the signal's
//! number, as a shell reports a death by that signal. Nothing here touches the terminal.

use std::io;
use std::task::{Context, Poll, Waker};

use tokio::signal::unix::{Signal, SignalKind, signal};

/// SIGINT's number.
const SIGINT: i32 = 2;

/// The registered signals.
#[derive(Debug)]
pub struct Signals {
    streams: Vec<(i32, Signal)>,
}

impl Signals {
    /// Registers SIGTERM, SIGHUP, SIGQUIT and SIGINT.
    pub fn new() -> io::Result<Self> {
        let kinds = [
            SignalKind::terminate(),
            SignalKind::hangup(),
            SignalKind::quit(),
            SignalKind::interrupt(),
        ];
        let streams = kinds
            .into_iter()
            .map(|kind| Ok((kind.as_raw_value(), signal(kind)?)))
            .collect::<io::Result<_>>()?;
        Ok(Self { streams })
    }

    /// The number of the next signal that arrives.
    pub async fn recv(&mut self) -> i32 {
        let waits = self.streams.iter_mut().map(|(number, stream)| {
            Box::pin(async move {
                stream.recv().await;
                *number
            })
        });
        futures::future::select_all(waits).await.0
    }

    /// Forgets interrupts that arrived while another program had the terminal (Ctrl-C in
    /// `$EDITOR` reaches the whole foreground process group).
    pub fn forget_interrupts(&mut self) {
        let mut context = Context::from_waker(Waker::noop());
        for (number, stream) in &mut self.streams {
            if *number == SIGINT {
                while let Poll::Ready(Some(())) = stream.poll_recv(&mut context) {}
            }
        }
    }
}
