//! Ctrl-C and SIGTERM while a write is in flight.
//!
//! Installed only once a write is confirmed (before that, the default action ends the process,
//! which is right: nothing was sent). The first signal fires the engine's interruption: it stops
//! waiting for the answer, completes the journal entry (`unknown` if the answer had not come)
//! and the command exits with 130 (SIGINT) or 143 (SIGTERM). A second signal exits at once,
//! leaving the `pending` entry that `roster log` explains.

use crate::write::Interrupt;

/// The signal listener of one write; stops listening when dropped.
pub struct WriteSignals {
    interrupt: Interrupt,
    task: tokio::task::JoinHandle<()>,
}

impl WriteSignals {
    /// Starts listening for SIGINT and SIGTERM.
    pub fn install() -> Self {
        let (handle, interrupt) = Interrupt::pair();
        let task = tokio::spawn(async move {
            #[cfg(unix)]
            let mut terminate =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
            let mut received = 0;
            loop {
                #[cfg(unix)]
                let code = tokio::select! {
                    _ = tokio::signal::ctrl_c() => 130,
                    Some(()) = async {
                        match terminate.as_mut() {
                            Some(signal) => signal.recv().await,
                            None => std::future::pending().await,
                        }
                    } => 143,
                };
                #[cfg(not(unix))]
                let code = {
                    let _ = tokio::signal::ctrl_c().await;
                    130
                };
                received += 1;
                if received == 1 {
                    eprintln!(
                        "roster: interrupted: recording what became of the write (again to quit at once)"
                    );
                    handle.fire(code);
                } else {
                    eprintln!(
                        "roster: quit; the write stays `pending` in the journal (roster log)"
                    );
                    std::process::exit(code);
                }
            }
        });
        Self { interrupt, task }
    }

    /// What the engine listens to.
    pub fn interrupt(&self) -> &Interrupt {
        &self.interrupt
    }
}

impl Drop for WriteSignals {
    fn drop(&mut self) {
        self.task.abort();
    }
}
