//! The router core and the connections' outlets behind one lock: each connection's
//! driver hands its decoded messages to the core itself (no router task in between) and
//! the outputs go straight into the target connections' [`Outlet`]s. A small service task
//! fires the core's call timeouts and carries out a shutdown.

use std::cell::Cell;
use std::collections::HashMap;
use std::future::poll_fn;
use std::hash::{BuildHasherDefault, Hasher};
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::task::{Poll, Waker};
use std::time::Instant;

use ferrobahn_rt::{AsyncTimer, Runtime};
use ferrobahn_wamp::Message;

use super::outlet::{Full, Outlet};
use super::shared::{Encoded, Outgoing};
use super::Inner;
use crate::core::{ConnId, Router, Transmit, TransportInfo};

/// Hashes a connection ID (a number the host hands out in sequence) to itself, its low
/// 7 bits repeated in the top 7 (the tag the table compares before a key): the outlets
/// of connections that came one after another (a topic's subscribers, in order) sit
/// side by side in the table, so a fan-out walks it in order instead of missing the
/// cache once per subscriber, as a mixing hash does. Only for IDs no peer chooses.
#[derive(Clone, Copy, Debug, Default)]
struct SeqHasher(u64);

impl Hasher for SeqHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Not used by `ConnId` (it writes a u64); correct for any key anyway.
        for &b in bytes {
            self.write_u64(self.0.rotate_left(8) ^ u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n ^ (n << 57);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

thread_local! {
    /// An empty wake list with room, swapped in for a full one taken out of the lock.
    static WAKE_SPARE: Cell<Vec<Waker>> = const { Cell::new(Vec::new()) };
}

/// Largest spare wake list a thread keeps (wakers).
const WAKE_SPARE_MAX: usize = 4096;

/// The outlets by connection ID.
type Outlets = HashMap<ConnId, Arc<Outlet>, BuildHasherDefault<SeqHasher>>;

/// What the lock guards.
#[derive(Debug)]
struct State {
    core: Router,
    /// Keyed by router-chosen connection IDs (no peer picks them).
    outlets: Outlets,
    /// The core was shut down: no more connections.
    shut: bool,
    /// The deadline the service task waits for (or was woken to recompute).
    timer_at: Option<Instant>,
    /// The service task, woken for an earlier deadline and for shutdown.
    service: Option<Waker>,
    /// Drivers to wake once the lock is released.
    wake: Vec<Waker>,
}

/// The router core and the outlets of its connections, shared by all of them.
#[derive(Debug)]
pub(crate) struct Hub {
    state: Mutex<State>,
    max_queued: usize,
}

impl Hub {
    pub(crate) fn new(core: Router, max_queued: usize) -> Self {
        Self {
            state: Mutex::new(State {
                core,
                outlets: Outlets::default(),
                shut: false,
                timer_at: None,
                service: None,
                wake: Vec::new(),
            }),
            max_queued,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the state, then moves the core's outputs into the outlets (not waking
    /// `from`, whose driver takes its own outlet after this call anyway), wakes the
    /// service task for an earlier deadline, and wakes the drivers after unlocking.
    fn with<R>(&self, now: Instant, from: Option<ConnId>, f: impl FnOnce(&mut State) -> R) -> R {
        let mut st = self.lock();
        let r = f(&mut st);
        st.dispatch(now, self.max_queued, from);
        if let Some(d) = st.core.poll_timeout() {
            if st.timer_at.is_none_or(|at| d < at) {
                st.timer_at = Some(d);
                if let Some(w) = st.service.take() {
                    st.wake.push(w);
                }
            }
        }
        // Most inputs wake one driver at most: it is taken alone, so the list keeps its
        // room (a list taken whole would be allocated again for the next input).
        let one = if st.wake.len() <= 1 {
            st.wake.pop()
        } else {
            None
        };
        // Several (a fan-out): the list is swapped for this thread's spare one, which
        // keeps its room when given back (not allocated again for every publication).
        let many = if st.wake.is_empty() {
            Vec::new()
        } else {
            std::mem::replace(&mut st.wake, WAKE_SPARE.take())
        };
        drop(st);
        if let Some(w) = one {
            w.wake();
        }
        if many.capacity() > 0 {
            let mut many = many;
            for w in many.drain(..) {
                w.wake();
            }
            if many.capacity() <= WAKE_SPARE_MAX {
                WAKE_SPARE.set(many);
            }
        }
        r
    }

    /// Wakes the service task (for shutdown).
    pub(crate) fn wake_service(&self) {
        let w = self.lock().service.take();
        if let Some(w) = w {
            w.wake();
        }
    }
}

impl State {
    /// Moves the core's outputs into the connections' outlets; drops a connection whose
    /// outlet is full.
    fn dispatch(&mut self, now: Instant, max_queued: usize, from: Option<ConnId>) {
        while let Some(t) = self.core.poll_transmit() {
            match t {
                Transmit::Send { to, message } => match to.as_slice() {
                    // A message for one connection is encoded by that connection's
                    // driver alone: no shared encodings to keep.
                    &[conn] => self.push(now, max_queued, from, conn, Outgoing::One(message)),
                    targets => {
                        let encoded = Arc::new(Encoded::new(message.into_shared(), true));
                        for &conn in targets {
                            let item = Outgoing::Shared(Arc::clone(&encoded));
                            self.push(now, max_queued, from, conn, item);
                        }
                    }
                },
                Transmit::Close { conn, reason } => {
                    if let Some(o) = self.outlets.remove(&conn) {
                        tracing::debug!(%conn, %reason, "closing connection");
                        if let Some(w) = o.end(false) {
                            self.wake.push(w);
                        }
                    }
                }
            }
        }
    }

    /// Queues `item` in `conn`'s outlet (none: gone meanwhile); drops the connection
    /// when its outlet is full.
    fn push(
        &mut self,
        now: Instant,
        max_queued: usize,
        from: Option<ConnId>,
        conn: ConnId,
        item: Outgoing,
    ) {
        let Some(o) = self.outlets.get(&conn) else {
            return;
        };
        match o.push(item, max_queued) {
            Ok(Some(w)) if Some(conn) != from => self.wake.push(w),
            Ok(_) => {}
            Err(Full(queued)) => {
                tracing::warn!(%conn, queued, "dropping a session that does not keep up: its outgoing queue is full");
                if let Some(w) = o.end(true) {
                    self.wake.push(w);
                }
                self.outlets.remove(&conn);
                self.core.detach(now, conn);
            }
        }
    }
}

impl Inner {
    fn now(&self) -> Instant {
        self.runtime.now()
    }

    /// Attaches a new connection; its outlet, or `None` when the router is shutting down.
    pub(crate) fn attach(&self, conn: ConnId, info: TransportInfo) -> Option<Arc<Outlet>> {
        if self.stop.flag.load(Ordering::SeqCst) {
            return None;
        }
        let now = self.now();
        self.hub.with(now, Some(conn), |st| {
            if st.shut {
                return None;
            }
            if let Err(e) = st.core.attach(now, conn, info) {
                tracing::error!(error = %e, "attach failed");
                return None;
            }
            let outlet = Arc::new(Outlet::default());
            st.outlets.insert(conn, Arc::clone(&outlet));
            Some(outlet)
        })
    }

    /// Hands `msgs` from `conn` to the core; false when `conn` is no longer attached
    /// (dropped, closed). `own_driver`: the caller is `conn`'s driver, which takes its
    /// outlet after this call (so it is not woken for its own answers).
    pub(crate) fn handle(
        &self,
        conn: ConnId,
        msgs: impl IntoIterator<Item = Message>,
        own_driver: bool,
    ) -> bool {
        if let Some(b) = &self.busy {
            b.touch();
        }
        let now = self.now();
        let from = own_driver.then_some(conn);
        self.hub.with(now, from, |st| {
            if !st.outlets.contains_key(&conn) {
                return false;
            }
            for msg in msgs {
                st.core.handle(now, conn, msg);
            }
            true
        })
    }

    /// Undecodable input from `conn`.
    pub(crate) fn invalid(&self, conn: ConnId, reason: &str) {
        tracing::debug!(%conn, %reason, "invalid WAMP input");
        let now = self.now();
        self.hub.with(now, Some(conn), |st| {
            st.core.handle_invalid(now, conn, reason)
        });
    }

    /// `conn`'s transport is gone.
    pub(crate) fn detach(&self, conn: ConnId) {
        let now = self.now();
        self.hub.with(now, None, |st| {
            st.outlets.remove(&conn);
            st.core.detach(now, conn);
        });
    }

    /// Fires due call timeouts; registers `waker` for the next deadline, returned.
    fn timeouts(&self, waker: &Waker) -> Option<Instant> {
        let now = self.now();
        self.hub.with(now, None, |st| {
            if st.core.poll_timeout().is_some_and(|d| d <= now) {
                st.core.handle_timeout(now);
            }
            st.service = Some(waker.clone());
            st.timer_at = st.core.poll_timeout();
            st.timer_at
        })
    }

    /// GOODBYE to every session, every connection closed, no new ones.
    fn shutdown_core(&self) {
        let now = self.now();
        self.hub.with(now, None, |st| {
            st.shut = true;
            st.core.shutdown(now);
        });
    }
}

/// The service task: fires call timeouts when they are due and shuts the core down once
/// the router is stopped (or every handle and connection is gone).
pub(crate) async fn service(inner: Weak<Inner>, runtime: Arc<dyn Runtime>) {
    let mut timer: Option<Pin<Box<dyn AsyncTimer>>> = None;
    let mut armed: Option<Instant> = None;
    poll_fn(|cx| loop {
        let Some(inner) = inner.upgrade() else {
            return Poll::Ready(());
        };
        if inner.stop.flag.load(Ordering::SeqCst) {
            inner.shutdown_core();
            return Poll::Ready(());
        }
        let Some(deadline) = inner.timeouts(cx.waker()) else {
            // No call waits: an idle router holds no timer.
            timer = None;
            armed = None;
            return Poll::Pending;
        };
        if deadline <= runtime.now() {
            continue;
        }
        let t = timer.get_or_insert_with(|| runtime.new_timer(deadline));
        if armed != Some(deadline) {
            t.as_mut().reset(deadline);
            armed = Some(deadline);
        }
        if t.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
    })
    .await;
    tracing::debug!("router service task ended");
}

#[cfg(test)]
mod tests {
    use std::hash::BuildHasher;

    use super::*;

    #[test]
    fn sequential_connections_get_neighbouring_buckets_and_distinct_tags() {
        let b = BuildHasherDefault::<SeqHasher>::default();
        for n in [0u64, 1, 2, 127, 128, 1000, 1 << 40] {
            let h = b.hash_one(ConnId(n));
            // hashbrown picks the bucket from the low bits and the tag from the top 7.
            assert_eq!(h & ((1 << 57) - 1), n & ((1 << 57) - 1));
            assert_eq!(h >> 57, n & 0x7f);
        }
        let mut outlets = Outlets::default();
        for n in 1..=1000 {
            outlets.insert(ConnId(n), Arc::new(Outlet::default()));
        }
        outlets.retain(|c, _| c.0 % 3 != 0);
        assert!((1..=1000).all(|n| outlets.contains_key(&ConnId(n)) == (n % 3 != 0)));
    }
}
