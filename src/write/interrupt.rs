//! The interruption a write listens to while its requests are in flight.
//!
//! The command line turns Ctrl-C and SIGTERM into an [`Interrupt`]: the engine then stops waiting
//! for the answer, completes the journal entry with what it knows (`unknown` for a request whose
//! answer had not come) and returns, so the process can exit with 130 or 143. The browser passes
//! [`Interrupt::never`]. No signal handling happens here; this is only the receiving end.

use tokio::sync::watch;

/// Fires once with the exit code the process should end with (130 for SIGINT, 143 for SIGTERM).
#[derive(Debug, Clone)]
pub struct Interrupt {
    fired: watch::Receiver<Option<i32>>,
    /// For [`Interrupt::never`]: its own sender, so the channel never closes.
    _never: Option<std::sync::Arc<watch::Sender<Option<i32>>>>,
}

/// The sending end: whoever catches the signal calls [`InterruptHandle::fire`].
#[derive(Debug, Clone)]
pub struct InterruptHandle {
    fire: std::sync::Arc<watch::Sender<Option<i32>>>,
}

impl Interrupt {
    /// A connected pair: the handle fires, the interrupt hears it.
    pub fn pair() -> (InterruptHandle, Self) {
        let (fire, fired) = watch::channel(None);
        (
            InterruptHandle {
                fire: std::sync::Arc::new(fire),
            },
            Self {
                fired,
                _never: None,
            },
        )
    }

    /// An interrupt that never fires (the browser, tests).
    pub fn never() -> Self {
        let (fire, fired) = watch::channel(None);
        Self {
            fired,
            _never: Some(std::sync::Arc::new(fire)),
        }
    }

    /// The exit code, if it has fired.
    pub fn code(&self) -> Option<i32> {
        *self.fired.borrow()
    }

    /// Waits until it fires; returns its exit code.
    pub async fn fired(&self) -> i32 {
        let mut fired = self.fired.clone();
        loop {
            if let Some(code) = *fired.borrow_and_update() {
                return code;
            }
            if fired.changed().await.is_err() {
                // Every handle is gone: nothing can fire any more.
                std::future::pending::<()>().await;
            }
        }
    }
}

impl InterruptHandle {
    /// Fires the interrupt with an exit code (the first code wins).
    pub fn fire(&self, code: i32) {
        self.fire.send_if_modified(|current| {
            if current.is_none() {
                *current = Some(code);
                true
            } else {
                false
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_first_code_is_heard() {
        let (handle, interrupt) = Interrupt::pair();
        assert_eq!(interrupt.code(), None);
        handle.fire(143);
        handle.fire(130);
        assert_eq!(interrupt.fired().await, 143);
    }

    #[tokio::test]
    async fn never_does_not_fire() {
        let interrupt = Interrupt::never();
        let waited =
            tokio::time::timeout(std::time::Duration::from_millis(20), interrupt.fired()).await;
        assert!(waited.is_err());
    }
}
