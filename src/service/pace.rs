//! How a consumer of a listing holds it back: a count of the users it has queued and not yet
//! taken, and a capacity. While the count is at the capacity a listing asks for no further page;
//! once nothing of it is in flight it waits for room. It never waits with a request in flight
//! (so it holds no slot of the connection's window that the consumer's own reads may need), and
//! each wait is bounded by the pace's deadline. The queue itself is the consumer's; this module
//! only counts, and sends nothing.

use std::time::Duration;

use tokio::sync::watch;

use super::ServiceError;

/// Shared between one listing and its consumer (clones share the count).
#[derive(Debug, Clone)]
pub struct Pace {
    queued: watch::Sender<usize>,
    capacity: usize,
    longest_wait: Duration,
}

impl Pace {
    /// A pace that holds a listing back while `capacity` users (at least one) wait in the
    /// consumer's queue, failing the listing when no room comes within `longest_wait`.
    pub fn new(capacity: usize, longest_wait: Duration) -> Self {
        Self {
            queued: watch::Sender::new(0),
            capacity: capacity.max(1),
            longest_wait,
        }
    }

    /// The consumer put `count` users in its queue.
    pub fn queued(&self, count: usize) {
        self.queued
            .send_modify(|queued| *queued = queued.saturating_add(count));
    }

    /// The consumer took `count` users out of its queue.
    pub fn taken(&self, count: usize) {
        self.queued
            .send_modify(|queued| *queued = queued.saturating_sub(count));
    }

    /// How many users wait in the consumer's queue.
    pub fn waiting(&self) -> usize {
        *self.queued.borrow()
    }

    /// True when the listing may ask for another page.
    pub fn has_room(&self) -> bool {
        self.waiting() < self.capacity
    }

    /// Waits until the listing may ask for another page; an error after the longest wait.
    pub async fn room(&self, connection: &str) -> Result<(), ServiceError> {
        let mut watching = self.queued.subscribe();
        let capacity = self.capacity;
        match tokio::time::timeout(
            self.longest_wait,
            watching.wait_for(|queued| *queued < capacity),
        )
        .await
        {
            // The sender lives in `self`, so the watch cannot close while this waits.
            Ok(_) => Ok(()),
            Err(_) => Err(ServiceError::Transport {
                url: format!("`{connection}`"),
                message: format!(
                    "the listing of `{connection}` waited {} s for its users to be taken, in vain",
                    self.longest_wait.as_secs()
                ),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[tokio::test]
    async fn room_comes_when_the_consumer_takes_and_the_wait_is_bounded() {
        let pace = Pace::new(2, Duration::from_millis(200));
        assert!(pace.has_room());
        pace.queued(2);
        assert!(!pace.has_room());
        let waiting = {
            let pace = pace.clone();
            tokio::spawn(async move { pace.room("c").await })
        };
        tokio::task::yield_now().await;
        pace.taken(1);
        waiting.await.unwrap().unwrap();
        pace.queued(5);
        assert_eq!(pace.waiting(), 6);
        let refused = pace.room("c").await.unwrap_err().to_string();
        assert!(refused.contains("waited"), "{refused}");
        pace.taken(100);
        assert_eq!(pace.waiting(), 0, "never below zero");
    }
}
