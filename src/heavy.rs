//! Heavy work has a queue of its own (issue 29): a whole year's export, the documents to
//! Kammarkollegiet and their PDF/A conversions take a turn here before they touch the
//! database, so they never hold more than `EXPORT_SLOTS` of the pool's connections, and the
//! pages people click through keep the rest.
//!
//! The queue is bounded twice: at most `EXPORT_QUEUE` requests wait for a turn, and none
//! waits longer than `WAIT`. A request that finds the queue full, or waits its time out, is
//! answered at once with "try again in a moment" (`AppError::Busy`, 503 with
//! `Retry-After`): nothing was done. Every request runs to its end once started
//! (`web::run_to_completion`), so a request whose client has gone keeps its place in the
//! queue for at most `WAIT`, never for as long as the work before it takes.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a request waits for a turn before it is told to try again.
pub const WAIT: Duration = Duration::from_secs(20);

/// How many seconds the "try again" answer asks a client to wait (`Retry-After`).
pub const RETRY_AFTER_SECONDS: u32 = 10;

/// The queue of heavy work (`Clone`: one queue shared by every handler of a server).
#[derive(Clone)]
pub struct Queue {
    inner: Arc<Inner>,
}

struct Inner {
    /// One permit per turn that may run at once.
    running: Arc<Semaphore>,
    /// Requests waiting for a turn now.
    waiting: AtomicUsize,
    max_waiting: usize,
    wait: Duration,
}

/// A turn of heavy work; hold it until the file is made. When it ends, the memory the work
/// took is handed back (`memory::trim`).
pub struct Turn {
    _permit: OwnedSemaphorePermit,
}

impl Drop for Turn {
    fn drop(&mut self) {
        crate::memory::trim();
    }
}

/// The queue is full, or the turn did not come in time: nothing was done.
#[derive(Debug, PartialEq, Eq)]
pub struct Busy;

/// A place in the queue, given back however the wait ends (a turn, a time-out, or the
/// request dropped).
struct Place<'a>(&'a AtomicUsize);

impl Drop for Place<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Queue {
    /// `slots` turns at once (at least one), at most `max_waiting` waiting, each at most `wait`.
    pub fn new(slots: usize, max_waiting: usize, wait: Duration) -> Queue {
        Queue {
            inner: Arc::new(Inner {
                running: Arc::new(Semaphore::new(slots.max(1))),
                waiting: AtomicUsize::new(0),
                max_waiting,
                wait,
            }),
        }
    }

    /// A turn: at once if one is free, else after waiting in the queue if it has room and
    /// the turn comes within the queue's wait; else `Busy`.
    pub async fn turn(&self) -> Result<Turn, Busy> {
        let inner = &self.inner;
        if let Ok(permit) = inner.running.clone().try_acquire_owned() {
            return Ok(Turn { _permit: permit });
        }
        let ahead = inner.waiting.fetch_add(1, Ordering::SeqCst);
        let _place = Place(&inner.waiting);
        if ahead >= inner.max_waiting {
            return Err(Busy);
        }
        match tokio::time::timeout(inner.wait, inner.running.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(Turn { _permit: permit }),
            // Timed out (or, never here, the semaphore closed).
            _ => Err(Busy),
        }
    }

    /// Turns free now (for the tests and the operator's view).
    pub fn free(&self) -> usize {
        self.inner.running.available_permits()
    }

    /// Requests waiting now.
    pub fn waiting(&self) -> usize {
        self.inner.waiting.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_free_turn_is_taken_at_once_and_given_back_when_dropped() {
        let queue = Queue::new(2, 0, Duration::from_secs(1));
        let a = queue.turn().await.expect("a turn");
        let b = queue.turn().await.expect("a second turn");
        assert_eq!(queue.free(), 0);
        // No room to wait: told at once.
        assert_eq!(queue.turn().await.err(), Some(Busy));
        drop(a);
        assert_eq!(queue.free(), 1);
        let _c = queue.turn().await.expect("the turn given back");
        drop(b);
        assert_eq!(queue.waiting(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiter_gets_the_next_turn_and_the_queue_is_bounded() {
        let queue = Queue::new(1, 1, Duration::from_secs(20));
        let running = queue.turn().await.expect("the only turn");
        let waiter = {
            let queue = queue.clone();
            tokio::spawn(async move { queue.turn().await.map(|_| ()) })
        };
        // Let the waiter take its place.
        while queue.waiting() == 0 {
            tokio::task::yield_now().await;
        }
        // The queue's one place is taken: the next is told to try again, at once.
        assert_eq!(queue.turn().await.err(), Some(Busy));
        assert_eq!(queue.waiting(), 1);
        drop(running);
        assert_eq!(waiter.await.expect("the waiter"), Ok(()));
        assert_eq!(queue.waiting(), 0);
        assert_eq!(queue.free(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_ends_at_its_time_limit_and_gives_its_place_back() {
        let queue = Queue::new(1, 4, Duration::from_secs(20));
        let _running = queue.turn().await.expect("the only turn");
        let started = tokio::time::Instant::now();
        assert_eq!(queue.turn().await.err(), Some(Busy));
        assert_eq!(started.elapsed(), Duration::from_secs(20));
        assert_eq!(queue.waiting(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_dropped_while_waiting_leaves_the_queue() {
        let queue = Queue::new(1, 1, Duration::from_secs(20));
        let _running = queue.turn().await.expect("the only turn");
        let waiter = {
            let queue = queue.clone();
            tokio::spawn(async move { queue.turn().await.map(|_| ()) })
        };
        while queue.waiting() == 0 {
            tokio::task::yield_now().await;
        }
        waiter.abort();
        let _ = waiter.await;
        assert_eq!(queue.waiting(), 0);
    }
}
