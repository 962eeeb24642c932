//! Busy polling: a runtime thread that keeps polling for I/O for a while after the
//! last activity instead of going to sleep.
//!
//! A thread that sleeps in `epoll_wait` has to be woken by the kernel for the next
//! message, and on a virtual machine a cross-CPU wake-up (an inter-processor interrupt,
//! a halted vCPU to resume) costs tens of microseconds of latency and of CPU. For a
//! server pinned to a core of its own, spinning instead (the "busy spin" idle strategy
//! of Aeron, the poll mode of Seastar and DPDK, the kernel's `SO_BUSY_POLL`) trades
//! that core's idle time for lower and steadier latency.
//!
//! [`BusyPoll`] spawns one spinning task on a [`Runtime`]: it yields to the runtime
//! ([`Runtime::yield_now`]; on tokio each yield lets the worker poll the I/O driver
//! without blocking) for as long as [`BusyPoll::touch`] was called within the window,
//! then parks until the next `touch`. Spinning therefore stops when the server is idle.
//!
//! With steady traffic it spins for at most a share (80% by default) of every period
//! ([`BusyPoll::PERIOD`] by default) and rests for the remainder, when the thread sleeps
//! between messages as usual. The rest keeps the core from being 100% busy, so that
//! other tasks pinned to it get their turn, and it keeps a real-time process (`SCHED_FIFO`) under Linux's RT
//! throttling (`kernel.sched_rt_runtime_us`, 95% of each second by default), which
//! would otherwise stop it for the rest of the second: a 50 ms stall.
//!
//! But a thread that sleeps between messages at a high message rate is woken for nearly
//! every one, and on a virtual machine those wake-ups cost so much CPU that it is busy
//! through the rest as well, and the throttling strikes anyway. A blocking rest
//! ([`BusyPollConfig::with_blocking_rest`]) blocks the thread for the rest instead: no
//! message is read or wakes it until the period ends, so it uses exactly its share. A
//! `SCHED_FIFO` server polling this way with a share under 95% is neither preempted by
//! ordinary processes while it polls nor ever throttled, and a message that comes in
//! during a rest waits at most the rest (with a short period, e.g. 2 ms at 94%: 120 µs).

use std::future::poll_fn;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Poll, Waker};
use std::time::Duration;

use crate::Runtime;

/// How a [`BusyPoll`] polls: for how long after input, how much of each period, and
/// how it rests for the remainder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BusyPollConfig {
    /// Polling goes on this long after the last [`BusyPoll::touch`].
    pub window: Duration,
    /// The most of every period spent polling, in percent, 1-100. Default 80.
    pub max_share_percent: u8,
    /// The period the share applies to. Default [`BusyPoll::PERIOD`].
    pub period: Duration,
    /// Whether the rest blocks the runtime thread (nothing is polled or processed until
    /// the period ends) instead of letting it sleep between messages as usual. Default
    /// false.
    pub blocking_rest: bool,
}

impl BusyPollConfig {
    /// The shortest period.
    pub const MIN_PERIOD: Duration = Duration::from_micros(100);

    /// Polling for `window` after each touch, at most 80% of each period, resting as
    /// usual.
    pub fn new(window: Duration) -> Self {
        Self {
            window,
            max_share_percent: 80,
            period: BusyPoll::PERIOD,
            blocking_rest: false,
        }
    }

    /// Sets [`BusyPollConfig::period`] (at least 100 µs).
    #[must_use]
    pub fn with_period(mut self, period: Duration) -> Self {
        self.period = period.max(Self::MIN_PERIOD);
        self
    }

    /// Sets [`BusyPollConfig::max_share_percent`] (clamped to 1-100).
    #[must_use]
    pub fn with_max_share_percent(mut self, percent: u8) -> Self {
        self.max_share_percent = percent.clamp(1, 100);
        self
    }

    /// Sets [`BusyPollConfig::blocking_rest`].
    #[must_use]
    pub fn with_blocking_rest(mut self, blocking: bool) -> Self {
        self.blocking_rest = blocking;
        self
    }
}

/// What the spinner and the [`BusyPoll`] handle share.
#[derive(Debug)]
struct Shared {
    window: Duration,
    /// Longest spin per period.
    budget: Duration,
    /// The most of a period spent spinning, percent (1-100).
    share: u32,
    /// The rest blocks the thread.
    blocking_rest: bool,
    /// The spinner rests until the end of its period.
    resting: AtomicBool,
    /// Bumped by every [`BusyPoll::touch`].
    ticks: AtomicU64,
    /// The spinner is parked (waits for a touch).
    parked: AtomicBool,
    /// The handle was dropped: the spinner ends.
    stopped: AtomicBool,
    /// The parked spinner's waker.
    waker: Mutex<Option<Waker>>,
}

impl Shared {
    fn take_waker(&self) -> Option<Waker> {
        self.waker
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

/// Keeps a runtime polling for I/O for `window` after each [`BusyPoll::touch`].
///
/// The spinning task ends when this handle is dropped.
///
/// ```
/// # fn demo(runtime: std::sync::Arc<dyn ferrobahn_rt::Runtime>) {
/// use std::time::Duration;
/// let busy = ferrobahn_rt::BusyPoll::start(runtime, Duration::from_micros(200), 80);
/// // In the read path, for every batch of input:
/// busy.touch();
/// # }
/// ```
#[derive(Debug)]
pub struct BusyPoll {
    shared: Arc<Shared>,
}

impl BusyPoll {
    /// The spin budget applies per period of this length by default.
    pub const PERIOD: Duration = Duration::from_millis(10);

    /// Spawns the spinning task on `runtime`; it spins for `window` after each touch
    /// (starting now) and parks in between, and spins at most `max_share_percent`
    /// (clamped to 1-100) of every [`BusyPoll::PERIOD`].
    pub fn start(runtime: Arc<dyn Runtime>, window: Duration, max_share_percent: u8) -> Self {
        Self::start_with(
            runtime,
            BusyPollConfig::new(window).with_max_share_percent(max_share_percent),
        )
    }

    /// Spawns the spinning task on `runtime` as `config` says (see [`BusyPoll::start`]).
    ///
    /// With a blocking rest the spinner blocks its runtime thread while it rests: meant
    /// for a server whose runtime has a core of its own.
    pub fn start_with(runtime: Arc<dyn Runtime>, config: BusyPollConfig) -> Self {
        let share = u32::from(config.max_share_percent.clamp(1, 100));
        let period = config.period.max(BusyPollConfig::MIN_PERIOD);
        let shared = Arc::new(Shared {
            window: config.window,
            budget: period * share / 100,
            share,
            blocking_rest: config.blocking_rest,
            resting: AtomicBool::new(false),
            ticks: AtomicU64::new(0),
            parked: AtomicBool::new(false),
            stopped: AtomicBool::new(false),
            waker: Mutex::new(None),
        });
        let spinner = spin(Arc::clone(&shared), Arc::clone(&runtime));
        runtime.spawn(Box::pin(spinner));
        Self { shared }
    }

    /// Marks activity now: the spinner keeps (or starts) spinning for another window.
    /// Cheap: one atomic increment and one load while the spinner spins.
    pub fn touch(&self) {
        let s = &*self.shared;
        s.ticks.fetch_add(1, Ordering::SeqCst);
        if s.parked.load(Ordering::SeqCst) && s.parked.swap(false, Ordering::SeqCst) {
            if let Some(w) = s.take_waker() {
                w.wake();
            }
        }
    }

    /// Whether the spinner is spinning now (not parked, not resting).
    pub fn is_spinning(&self) -> bool {
        !self.shared.parked.load(Ordering::SeqCst) && !self.shared.resting.load(Ordering::SeqCst)
    }

    /// The spinning window.
    pub fn window(&self) -> Duration {
        self.shared.window
    }
}

impl Drop for BusyPoll {
    fn drop(&mut self) {
        let s = &*self.shared;
        s.stopped.store(true, Ordering::SeqCst);
        s.parked.store(false, Ordering::SeqCst);
        if let Some(w) = s.take_waker() {
            w.wake();
        }
    }
}

/// The spinning task.
async fn spin(shared: Arc<Shared>, runtime: Arc<dyn Runtime>) {
    let mut last = shared.ticks.load(Ordering::SeqCst);
    let mut quiet_since = runtime.now();
    // While spinning the thread never sleeps: the period's wall time is its CPU time.
    let mut period_start = quiet_since;
    while !shared.stopped.load(Ordering::SeqCst) {
        runtime.yield_now().await;
        let ticks = shared.ticks.load(Ordering::SeqCst);
        let now = runtime.now();
        let spun = now.duration_since(period_start);
        if spun >= shared.budget {
            // The share is spent, or overshot by a long turn of the runtime: rest in
            // proportion to the time spun, so spinning never takes more than the share.
            let rest = spun * (100 - shared.share) / shared.share;
            if !rest.is_zero() {
                shared.resting.store(true, Ordering::SeqCst);
                if shared.blocking_rest {
                    std::thread::sleep(rest);
                } else {
                    crate::sleep_until(&*runtime, now + rest).await;
                }
                shared.resting.store(false, Ordering::SeqCst);
            }
            period_start = runtime.now();
        }
        if ticks != last {
            last = ticks;
            quiet_since = now;
        } else if now.duration_since(quiet_since) >= shared.window {
            park(&shared, last).await;
            last = shared.ticks.load(Ordering::SeqCst);
            quiet_since = runtime.now();
            period_start = quiet_since;
        }
    }
}

/// Waits until a touch after `last` (or the handle's drop).
async fn park(shared: &Shared, last: u64) {
    let mut armed = false;
    poll_fn(|cx| {
        if shared.stopped.load(Ordering::SeqCst) || (armed && !shared.parked.load(Ordering::SeqCst))
        {
            return Poll::Ready(());
        }
        *shared.waker.lock().unwrap_or_else(PoisonError::into_inner) = Some(cx.waker().clone());
        shared.parked.store(true, Ordering::SeqCst);
        armed = true;
        // A touch between the last look and `parked` did not see the flag: look again.
        if shared.ticks.load(Ordering::SeqCst) != last {
            shared.parked.store(false, Ordering::SeqCst);
            return Poll::Ready(());
        }
        Poll::Pending
    })
    .await;
}
