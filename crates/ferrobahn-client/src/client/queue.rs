//! The command queue from [`Client`](super::Client) handles to the driver task: a
//! shared `VecDeque` under a lock, drained a whole batch at a time.
//!
//! Cheaper per command than an unbounded channel of linked nodes: no allocation per
//! command (the queue's buffer is kept), one lock per send and one per batch received,
//! and a wake-up only for the first command after the driver found the queue empty
//! (commands queued in the same poll of a caller cost one wake-up in all).

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

/// The receiver is gone (or closed): the command was not queued.
#[derive(Debug)]
pub(crate) struct Closed;

struct State<T> {
    queue: VecDeque<T>,
    /// The receiver's waker while it waits for a command.
    waiting: Option<Waker>,
    /// No more commands are taken (the receiver closed or is gone).
    closed: bool,
}

struct Shared<T> {
    state: Mutex<State<T>>,
    senders: AtomicUsize,
}

impl<T> Shared<T> {
    /// The state, also after a panic while it was held (every change to it is a
    /// single step: nothing is left half done).
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Makes a queue.
pub(crate) fn queue<T>() -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            queue: VecDeque::new(),
            waiting: None,
            closed: false,
        }),
        senders: AtomicUsize::new(1),
    });
    (
        Sender {
            shared: shared.clone(),
        },
        Receiver {
            shared,
            batch: VecDeque::new(),
        },
    )
}

/// The sending side; cloneable. When every sender is gone, the receiver ends after
/// the queued commands.
pub(crate) struct Sender<T> {
    shared: Arc<Shared<T>>,
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.senders.fetch_add(1, Ordering::Relaxed);
        Self {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.shared.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            // The last one: the receiver sees the end.
            let waker = self.shared.lock().waiting.take();
            if let Some(w) = waker {
                w.wake();
            }
        }
    }
}

impl<T> Sender<T> {
    /// Queues `cmd`, waking the receiver if it waits.
    ///
    /// # Errors
    /// [`Closed`] when the receiver is closed or gone (`cmd` is dropped).
    pub(crate) fn unbounded_send(&self, cmd: T) -> Result<(), Closed> {
        let mut state = self.shared.lock();
        if state.closed {
            return Err(Closed);
        }
        state.queue.push_back(cmd);
        let waker = state.waiting.take();
        drop(state);
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
    }

    /// Whether the receiver is closed or gone.
    pub(crate) fn is_closed(&self) -> bool {
        self.shared.lock().closed
    }
}

/// The receiving side (the driver's).
pub(crate) struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// Commands taken from the shared queue, not yet handed out.
    batch: VecDeque<T>,
}

impl<T> Receiver<T> {
    /// The next command; `None` once every sender is gone and the queue is empty.
    /// `Pending` registers the waker.
    pub(crate) fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        if let Some(cmd) = self.batch.pop_front() {
            return Poll::Ready(Some(cmd));
        }
        let mut state = self.shared.lock();
        // Take the whole queue, leaving this (empty) buffer in its place.
        std::mem::swap(&mut state.queue, &mut self.batch);
        if let Some(cmd) = self.batch.pop_front() {
            return Poll::Ready(Some(cmd));
        }
        if self.shared.senders.load(Ordering::Acquire) == 0 {
            return Poll::Ready(None);
        }
        match &mut state.waiting {
            Some(w) if w.will_wake(cx.waker()) => {}
            slot => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// Takes no more commands: later sends fail; queued ones are still received.
    pub(crate) fn close(&mut self) {
        self.shared.lock().closed = true;
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let queued = {
            let mut state = self.shared.lock();
            state.closed = true;
            state.waiting = None;
            std::mem::take(&mut state.queue)
        };
        // Dropped outside the lock: a command's channels may wake their waiters.
        drop(queued);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::task::Wake;

    /// Counts its wake-ups.
    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn waker() -> (Arc<Count>, Waker) {
        let c = Arc::new(Count(AtomicUsize::new(0)));
        (c.clone(), Waker::from(c))
    }

    #[test]
    fn in_order_one_wake_per_batch_and_end_after_the_last_sender() {
        let (tx, mut rx) = queue::<u32>();
        let (count, w) = waker();
        let mut cx = Context::from_waker(&w);
        assert!(rx.poll_next(&mut cx).is_pending());
        let tx2 = tx.clone();
        for i in 0..3 {
            tx.unbounded_send(i).unwrap();
        }
        tx2.unbounded_send(3).unwrap();
        // Only the first command after the receiver waited wakes it.
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        for i in 0..4 {
            assert_eq!(rx.poll_next(&mut cx), Poll::Ready(Some(i)));
        }
        assert!(rx.poll_next(&mut cx).is_pending());
        drop(tx);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        tx2.unbounded_send(4).unwrap();
        assert_eq!(count.0.load(Ordering::SeqCst), 2);
        drop(tx2);
        // Queued commands come before the end.
        assert_eq!(rx.poll_next(&mut cx), Poll::Ready(Some(4)));
        assert_eq!(rx.poll_next(&mut cx), Poll::Ready(None));
    }

    #[test]
    fn the_last_sender_gone_wakes_a_waiting_receiver() {
        let (tx, mut rx) = queue::<u32>();
        let (count, w) = waker();
        let mut cx = Context::from_waker(&w);
        assert!(rx.poll_next(&mut cx).is_pending());
        drop(tx);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert_eq!(rx.poll_next(&mut cx), Poll::Ready(None));
    }

    #[test]
    fn closed_or_dropped_receiver_refuses_sends() {
        let (tx, mut rx) = queue::<Arc<()>>();
        let (_, w) = waker();
        let mut cx = Context::from_waker(&w);
        let held = Arc::new(());
        tx.unbounded_send(held.clone()).unwrap();
        rx.close();
        assert!(tx.is_closed());
        assert!(tx.unbounded_send(held.clone()).is_err());
        // Queued before the close: still received.
        assert!(matches!(rx.poll_next(&mut cx), Poll::Ready(Some(_))));
        let (tx, rx) = queue::<Arc<()>>();
        tx.unbounded_send(held.clone()).unwrap();
        assert_eq!(Arc::strong_count(&held), 2);
        drop(rx);
        // Queued commands are dropped with the receiver.
        assert_eq!(Arc::strong_count(&held), 1);
        assert!(tx.is_closed());
        assert!(tx.unbounded_send(held).is_err());
    }
}
