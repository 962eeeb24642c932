//! The driver's timer, armed lazily: a connection's deadlines mostly move
//! later (the idle buffer release and the automatic ping restart with every
//! read), and resetting a runtime timer on every message costs more than the
//! message's own framing. So a deadline that moves later leaves the timer
//! where it was; when it fires before the deadline it is set again, once.
//! A deadline that moves earlier resets it at once. And a timer that is
//! waiting, registered with the same task, is not polled again while its
//! time is still well ahead.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use crate::runtime::{AsyncTimer, Runtime};

/// A timer this far (or further) from firing is not polled again by the task
/// that already registered with it. Runtime timers fire at or after their
/// deadline (tokio rounds up to the millisecond), so a task woken by its
/// timer always finds it within this and polls it.
const POLL_SLACK: Duration = Duration::from_millis(5);

/// A lazily armed runtime timer (see the module docs).
#[derive(Default)]
pub(crate) struct DriverTimer {
    timer: Option<Pin<Box<dyn AsyncTimer>>>,
    /// When the timer fires: at or before the deadline asked for.
    armed: Option<Instant>,
    /// The waker the timer was last polled with (and found pending) since it
    /// was made or set.
    registered: Option<Waker>,
}

impl fmt::Debug for DriverTimer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DriverTimer")
            .field("armed", &self.armed)
            .field("registered", &self.registered.is_some())
            .finish_non_exhaustive()
    }
}

impl DriverTimer {
    /// Ready once `deadline` has come (by the timer); `now` is the time the
    /// caller read last. Registers `cx` for the wake-up otherwise.
    pub(crate) fn poll(
        &mut self,
        runtime: &dyn Runtime,
        deadline: Instant,
        now: Instant,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        loop {
            let timer = match (self.timer.as_mut(), self.armed) {
                (Some(t), Some(at)) if at <= deadline => t,
                (Some(t), _) => {
                    t.as_mut().reset(deadline);
                    self.armed = Some(deadline);
                    self.registered = None;
                    t
                }
                (None, _) => {
                    self.armed = Some(deadline);
                    self.registered = None;
                    self.timer.insert(runtime.new_timer(deadline))
                }
            };
            let at = self.armed.unwrap_or(deadline);
            if let Some(w) = &self.registered {
                if w.will_wake(cx.waker()) && now + POLL_SLACK < at {
                    return Poll::Pending;
                }
            }
            match timer.as_mut().poll(cx) {
                Poll::Pending => {
                    if !self
                        .registered
                        .as_ref()
                        .is_some_and(|w| w.will_wake(cx.waker()))
                    {
                        self.registered = Some(cx.waker().clone());
                    }
                    return Poll::Pending;
                }
                Poll::Ready(()) => {
                    self.registered = None;
                    if at >= deadline {
                        return Poll::Ready(());
                    }
                    // Fired for a deadline that has since moved later: set it again.
                    timer.as_mut().reset(deadline);
                    self.armed = Some(deadline);
                }
            }
        }
    }

    /// Frees the timer (a connection with no deadline holds none).
    pub(crate) fn clear(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use std::task::Wake;

    /// What the test runtime's timers saw.
    #[derive(Debug, Default)]
    struct Log {
        made: AtomicUsize,
        resets: AtomicUsize,
        polls: AtomicUsize,
        /// The deadline of the last timer made or reset.
        at: Mutex<Option<Instant>>,
        /// The test clock: timers at or before it have fired.
        clock: Mutex<Option<Instant>>,
    }

    #[derive(Debug)]
    struct TestRuntime(Arc<Log>);

    #[derive(Debug)]
    struct TestTimer(Arc<Log>, Instant);

    impl AsyncTimer for TestTimer {
        fn reset(mut self: Pin<&mut Self>, t: Instant) {
            self.0.resets.fetch_add(1, Ordering::Relaxed);
            *self.0.at.lock().unwrap() = Some(t);
            self.1 = t;
        }

        fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
            self.0.polls.fetch_add(1, Ordering::Relaxed);
            match *self.0.clock.lock().unwrap() {
                Some(now) if now >= self.1 => Poll::Ready(()),
                _ => Poll::Pending,
            }
        }
    }

    impl Runtime for TestRuntime {
        fn new_timer(&self, deadline: Instant) -> Pin<Box<dyn AsyncTimer>> {
            self.0.made.fetch_add(1, Ordering::Relaxed);
            *self.0.at.lock().unwrap() = Some(deadline);
            Box::pin(TestTimer(self.0.clone(), deadline))
        }

        fn spawn(&self, _: Pin<Box<dyn Future<Output = ()> + Send>>) {}
    }

    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }

    /// The call log, a runtime that records into it, and a waker that does nothing.
    fn setup() -> (Arc<Log>, TestRuntime, Waker) {
        let log = Arc::new(Log::default());
        (log.clone(), TestRuntime(log), Waker::from(Arc::new(Noop)))
    }

    fn counts(log: &Log) -> (usize, usize, usize) {
        (
            log.made.load(Ordering::Relaxed),
            log.resets.load(Ordering::Relaxed),
            log.polls.load(Ordering::Relaxed),
        )
    }

    #[test]
    fn later_deadlines_keep_the_timer_and_it_is_set_again_when_it_fires() {
        let (log, rt, waker) = setup();
        let mut cx = Context::from_waker(&waker);
        let t0 = Instant::now();
        let mut timer = DriverTimer::default();
        let s = Duration::from_secs(1);

        assert!(timer.poll(&rt, t0 + s, t0, &mut cx).is_pending());
        assert_eq!(counts(&log), (1, 0, 1));
        // The deadline moves later with every message: no reset, no poll.
        for i in 1..100u32 {
            let now = t0 + Duration::from_micros(u64::from(i));
            assert!(timer.poll(&rt, now + s, now, &mut cx).is_pending());
        }
        assert_eq!(counts(&log), (1, 0, 1));
        // The first deadline comes: the timer fires early and is set again, once.
        let now = t0 + s;
        *log.clock.lock().unwrap() = Some(now);
        let last = t0 + Duration::from_micros(99) + s;
        assert!(timer.poll(&rt, last, now, &mut cx).is_pending());
        assert_eq!(counts(&log), (1, 1, 3));
        assert_eq!(*log.at.lock().unwrap(), Some(last));
        // Then the real deadline.
        *log.clock.lock().unwrap() = Some(last);
        assert!(timer.poll(&rt, last, last, &mut cx).is_ready());
    }

    #[test]
    fn an_earlier_deadline_resets_at_once_and_another_waker_polls() {
        let (log, rt, waker) = setup();
        let mut cx = Context::from_waker(&waker);
        let t0 = Instant::now();
        let mut timer = DriverTimer::default();

        assert!(timer
            .poll(&rt, t0 + Duration::from_secs(5), t0, &mut cx)
            .is_pending());
        let sooner = t0 + Duration::from_secs(1);
        assert!(timer.poll(&rt, sooner, t0, &mut cx).is_pending());
        assert_eq!(counts(&log), (1, 1, 2));
        assert_eq!(*log.at.lock().unwrap(), Some(sooner));

        // A task with another waker polls the timer (registering itself).
        let other = Waker::from(Arc::new(Noop));
        let mut cx2 = Context::from_waker(&other);
        assert!(timer.poll(&rt, sooner, t0, &mut cx2).is_pending());
        assert_eq!(counts(&log), (1, 1, 3));

        // Close to the deadline the timer is polled even by the registered task.
        let near = sooner - Duration::from_millis(1);
        assert!(timer.poll(&rt, sooner, near, &mut cx2).is_pending());
        assert_eq!(counts(&log), (1, 1, 4));

        *log.clock.lock().unwrap() = Some(sooner);
        assert!(timer.poll(&rt, sooner, sooner, &mut cx2).is_ready());
        timer.clear();
        assert!(timer
            .poll(&rt, sooner + Duration::from_secs(1), sooner, &mut cx2)
            .is_pending());
        assert_eq!(counts(&log).0, 2);
    }
}
