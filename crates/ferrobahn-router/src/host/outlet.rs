//! A connection's outgoing queue ([`Outlet`]): the router pushes the connection's
//! messages into it and wakes the connection's driver, which takes them in its own task.
//! A driver that polls again while it is still registered and nothing came finds that
//! out without taking the lock ([`Registered`]).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::Waker;

use super::shared::Outgoing;

/// What a connection's driver takes next from its [`Outlet`].
#[derive(Debug)]
pub(crate) enum Next {
    /// Send this message.
    Message(Outgoing),
    /// Everything queued was taken: close the connection normally.
    Close,
    /// The connection did not keep up: close it at once (1008), dropping the queue.
    Kill,
    /// Nothing queued; the driver is woken when something is.
    Empty,
}

/// How an outlet ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    Close,
    Kill,
}

/// A connection's outgoing queue: the router pushes into it (under the router lock) and
/// wakes the connection's driver, which takes from it in its own task.
#[derive(Debug, Default)]
pub(crate) struct Outlet {
    q: Mutex<Queue>,
    /// Nothing queued, not ended, and the driver's waker registered: set and cleared
    /// under the lock (cleared by whatever queues, ends or takes the waker), read
    /// without it by a driver that polls again ([`Registered`]).
    idle: AtomicBool,
}

#[derive(Debug, Default)]
struct Queue {
    items: VecDeque<Outgoing>,
    end: Option<End>,
    /// The driver to wake on the next push (taken by the push that wakes it).
    waker: Option<Waker>,
}

/// The queue already holds as many messages as allowed.
#[derive(Debug)]
pub(crate) struct Full(pub(crate) usize);

/// A driver's copy of the waker it last registered in its outlet: while the outlet is
/// idle and the driver polls with a waker that wakes the same task, there is nothing to
/// take and nothing to register, so no lock is taken (the connection tasks poll their
/// outlet on every pass, most often finding nothing).
#[derive(Debug, Default)]
pub(crate) struct Registered(Option<Waker>);

impl Registered {
    fn wakes(&self, waker: &Waker) -> bool {
        self.0.as_ref().is_some_and(|w| w.will_wake(waker))
    }
}

impl Outlet {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.q.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether a driver registered as `reg` and polling with `waker` would find nothing
    /// (and would register the same waker again).
    fn idle_for(&self, waker: &Waker, reg: &Registered) -> bool {
        self.idle.load(Ordering::Acquire) && reg.wakes(waker)
    }

    /// Registers `waker` with nothing to take (under the lock `q`); the outlet is idle.
    fn register(&self, q: &mut Queue, waker: &Waker, reg: &mut Registered) {
        match &q.waker {
            Some(w) if w.will_wake(waker) => {}
            _ => q.waker = Some(waker.clone()),
        }
        if !reg.wakes(waker) {
            reg.0 = Some(waker.clone());
        }
        self.idle.store(true, Ordering::Release);
    }

    /// Queues `msg` unless `max` are queued; returns the driver's waker to wake (none when
    /// a wake-up is pending already).
    pub(crate) fn push(&self, msg: Outgoing, max: usize) -> Result<Option<Waker>, Full> {
        let mut q = self.lock();
        if q.items.len() >= max {
            return Err(Full(q.items.len()));
        }
        q.items.push_back(msg);
        self.idle.store(false, Ordering::Release);
        Ok(q.waker.take())
    }

    /// Ends the outlet: `kill` at once, else after what is queued. Returns the waker.
    pub(crate) fn end(&self, kill: bool) -> Option<Waker> {
        let mut q = self.lock();
        if q.end != Some(End::Kill) {
            q.end = Some(if kill { End::Kill } else { End::Close });
        }
        if kill {
            q.items.clear();
        }
        self.idle.store(false, Ordering::Release);
        q.waker.take()
    }

    /// The next item for the driver; on [`Next::Empty`], `waker` is registered.
    pub(crate) fn next(&self, waker: &Waker, reg: &mut Registered) -> Next {
        self.next_batch(waker, reg, &mut VecDeque::new(), 0)
    }

    /// As [`Outlet::next`], and with a message also moves up to `more` further ones
    /// into `into`, under the same lock (a driver writing many takes them with one lock
    /// instead of one each); what it does not send goes back with
    /// [`Outlet::unshift_all`].
    pub(crate) fn next_batch(
        &self,
        waker: &Waker,
        reg: &mut Registered,
        into: &mut VecDeque<Outgoing>,
        more: usize,
    ) -> Next {
        if self.idle_for(waker, reg) {
            return Next::Empty;
        }
        let mut q = self.lock();
        if q.end == Some(End::Kill) {
            return Next::Kill;
        }
        if let Some(m) = q.items.pop_front() {
            if into.is_empty() && !q.items.is_empty() && q.items.len() <= more {
                // All of the rest: the two queues trade places (each keeps its room)
                // instead of moving the messages one by one.
                std::mem::swap(into, &mut q.items);
            } else {
                let n = more.min(q.items.len());
                into.extend(q.items.drain(..n));
            }
            return Next::Message(m);
        }
        if q.end == Some(End::Close) {
            return Next::Close;
        }
        self.register(&mut q, waker, reg);
        Next::Empty
    }

    /// Puts back, in order and ahead of the rest, messages taken but not sent.
    pub(crate) fn unshift_all(&self, taken: &mut VecDeque<Outgoing>) {
        if taken.is_empty() {
            return;
        }
        let mut q = self.lock();
        while let Some(m) = taken.pop_back() {
            q.items.push_front(m);
        }
        self.idle.store(false, Ordering::Release);
    }

    /// Whether the driver has more to take (messages, or the end); when not, `waker` is
    /// registered. A driver that stops taking (its buffer full) calls this, so that a
    /// message pushed after it wrote its buffer still wakes it.
    pub(crate) fn more(&self, waker: &Waker, reg: &mut Registered) -> bool {
        if self.idle_for(waker, reg) {
            return false;
        }
        let mut q = self.lock();
        if !q.items.is_empty() || q.end.is_some() {
            return true;
        }
        self.register(&mut q, waker, reg);
        false
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().items.len()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use ferrobahn_wamp::message::Event;
    use ferrobahn_wamp::Message;

    use super::*;
    use crate::core::Outbound;

    /// A waker that counts its wake-ups.
    struct Count(std::sync::atomic::AtomicUsize);

    impl std::task::Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    fn event() -> Outgoing {
        Outgoing::One(Outbound::Owned(Message::Event(Event::default())))
    }

    #[test]
    fn an_outlet_wakes_its_driver_once_and_counts_its_limit() {
        let count = Arc::new(Count(Default::default()));
        let waker = Waker::from(Arc::clone(&count));
        let o = Outlet::default();
        let mut reg = Registered::default();
        assert!(matches!(o.next(&waker, &mut reg), Next::Empty));
        // The first push hands out the waker, the next ones find none (a wake-up is due).
        let w = o.push(event(), 3).unwrap();
        w.expect("the registered waker").wake();
        assert!(o.push(event(), 3).unwrap().is_none());
        assert!(o.push(event(), 3).unwrap().is_none());
        assert!(matches!(o.push(event(), 3), Err(Full(3))));
        assert_eq!(count.0.load(std::sync::atomic::Ordering::SeqCst), 1);
        let Next::Message(m) = o.next(&waker, &mut reg) else {
            panic!("a message is queued")
        };
        o.unshift_all(&mut VecDeque::from([m]));
        assert_eq!(o.len(), 3);
        assert!(o.more(&waker, &mut reg));
        // Closing lets the queued messages out first.
        assert!(o.end(false).is_none());
        for _ in 0..3 {
            assert!(matches!(o.next(&waker, &mut reg), Next::Message(_)));
        }
        assert!(matches!(o.next(&waker, &mut reg), Next::Close));
    }

    /// Regression: a driver that stopped taking at its flush threshold just as the outlet
    /// ran empty registered no waker, so the next message waited for unrelated traffic.
    #[test]
    fn a_driver_that_stops_taking_is_still_woken() {
        let count = Arc::new(Count(Default::default()));
        let waker = Waker::from(Arc::clone(&count));
        let o = Outlet::default();
        let mut reg = Registered::default();
        assert!(!o.more(&waker, &mut reg), "nothing to take");
        assert!(
            o.push(event(), 8).unwrap().is_some(),
            "the push finds the waker"
        );
        assert!(o.more(&waker, &mut reg));
        assert!(matches!(o.next(&waker, &mut reg), Next::Message(_)));
        let _ = o.end(false);
        assert!(o.more(&waker, &mut reg), "the close is still to be taken");
    }

    #[test]
    fn a_batch_taken_and_partly_put_back_keeps_its_order() {
        let count = Arc::new(Count(Default::default()));
        let waker = Waker::from(Arc::clone(&count));
        let o = Outlet::default();
        let mut reg = Registered::default();
        let sent: Vec<Arc<Message>> = (0..5)
            .map(|_| Arc::new(Message::Event(Event::default())))
            .collect();
        for m in &sent {
            let _ = o
                .push(Outgoing::One(Outbound::Shared(Arc::clone(m))), 8)
                .unwrap();
        }
        let mut taken = VecDeque::new();
        let Next::Message(first) = o.next_batch(&waker, &mut reg, &mut taken, 3) else {
            panic!("a message is queued")
        };
        assert!(std::ptr::eq(first.message(), &*sent[0]));
        assert_eq!((taken.len(), o.len()), (3, 1));
        // The second is sent, the third and fourth go back ahead of the fifth.
        assert!(std::ptr::eq(
            taken.pop_front().unwrap().message(),
            &*sent[1]
        ));
        o.unshift_all(&mut taken);
        assert!(taken.is_empty());
        for want in &sent[2..] {
            let Next::Message(m) = o.next(&waker, &mut reg) else {
                panic!("still queued")
            };
            assert!(std::ptr::eq(m.message(), &**want));
        }
        assert!(matches!(
            o.next_batch(&waker, &mut reg, &mut taken, 3),
            Next::Empty
        ));
    }

    /// A batch that takes everything queued (the queues trade places) keeps the order,
    /// leaves the outlet empty and still queues, puts back and wakes as before.
    #[test]
    fn a_batch_of_everything_queued_keeps_its_order() {
        let count = Arc::new(Count(Default::default()));
        let waker = Waker::from(Arc::clone(&count));
        let o = Outlet::default();
        let mut reg = Registered::default();
        let sent: Vec<Arc<Message>> = (0..6)
            .map(|_| Arc::new(Message::Event(Event::default())))
            .collect();
        let push = |m: &Arc<Message>| o.push(Outgoing::One(Outbound::Shared(Arc::clone(m))), 8);
        for m in &sent[..4] {
            let _ = push(m).unwrap();
        }
        let mut taken = VecDeque::new();
        let Next::Message(first) = o.next_batch(&waker, &mut reg, &mut taken, 63) else {
            panic!("a message is queued")
        };
        assert!(std::ptr::eq(first.message(), &*sent[0]));
        assert_eq!((taken.len(), o.len()), (3, 0));
        for (m, want) in taken.iter().zip(&sent[1..4]) {
            assert!(std::ptr::eq(m.message(), &**want));
        }
        // More comes while the batch is out; the unsent rest goes back ahead of it.
        let _ = push(&sent[4]).unwrap();
        let _ = push(&sent[5]).unwrap();
        taken.pop_front();
        o.unshift_all(&mut taken);
        for want in &sent[2..] {
            let Next::Message(m) = o.next(&waker, &mut reg) else {
                panic!("still queued")
            };
            assert!(std::ptr::eq(m.message(), &**want));
        }
        assert!(matches!(
            o.next_batch(&waker, &mut reg, &mut taken, 63),
            Next::Empty
        ));
        assert!(
            push(&sent[0]).unwrap().is_some(),
            "the waker registered when empty is woken"
        );
    }

    #[test]
    fn a_killed_outlet_drops_its_queue() {
        let count = Arc::new(Count(Default::default()));
        let waker = Waker::from(Arc::clone(&count));
        let o = Outlet::default();
        let mut reg = Registered::default();
        assert!(matches!(o.next(&waker, &mut reg), Next::Empty));
        let _ = o.push(event(), 8).unwrap();
        let _ = o.push(event(), 8).unwrap();
        assert!(o.end(true).is_none(), "the waker went to the first push");
        assert!(o.end(false).is_none());
        assert_eq!(o.len(), 0);
        assert!(
            matches!(o.next(&waker, &mut reg), Next::Kill),
            "a kill is not softened by a close"
        );
    }

    /// A driver polling again while idle finds nothing; one polling with another waker
    /// (a task that moved, another executor) registers that one, which the next push
    /// wakes; whatever queues or ends clears the idle state.
    #[test]
    fn an_idle_outlet_stays_idle_until_something_comes_and_a_new_waker_is_registered() {
        let (one, two) = (
            Arc::new(Count(Default::default())),
            Arc::new(Count(Default::default())),
        );
        let (w1, w2) = (Waker::from(Arc::clone(&one)), Waker::from(Arc::clone(&two)));
        let o = Outlet::default();
        let mut reg = Registered::default();
        assert!(matches!(o.next(&w1, &mut reg), Next::Empty));
        // Idle: found so again (without the lock).
        assert!(matches!(o.next(&w1, &mut reg), Next::Empty));
        assert!(!o.more(&w1, &mut reg));
        // Another waker: registered under the lock, and it is the one woken.
        assert!(matches!(o.next(&w2, &mut reg), Next::Empty));
        o.push(event(), 8).unwrap().expect("a waker").wake();
        assert_eq!(two.0.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert_eq!(one.0.load(std::sync::atomic::Ordering::SeqCst), 0);
        assert!(matches!(o.next(&w2, &mut reg), Next::Message(_)));
        assert!(!o.more(&w2, &mut reg));
        // Put back and ended: not idle any more.
        o.unshift_all(&mut VecDeque::from([event()]));
        assert!(o.more(&w2, &mut reg));
        assert!(matches!(o.next(&w2, &mut reg), Next::Message(_)));
        assert!(matches!(o.next(&w2, &mut reg), Next::Empty));
        assert!(o.end(false).is_some(), "the end takes the waker");
        assert!(matches!(o.next(&w2, &mut reg), Next::Close));
    }
}
