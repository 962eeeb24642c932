//! The [`Runtime`] and [`AsyncTimer`] traits: what an async runtime must offer.

use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

/// An async runtime: spawns tasks, makes timers and tells the time.
///
/// Held as `Arc<dyn Runtime>`; implemented by `ferrobahn-tokio` and
/// `ferrobahn-async-std`. A timer is mandatory, so a configured timeout can
/// never lack one.
pub trait Runtime: Send + Sync + Debug + 'static {
    /// A timer that fires at `deadline`.
    fn new_timer(&self, deadline: Instant) -> Pin<Box<dyn AsyncTimer>>;

    /// Runs `fut` to completion in the background.
    fn spawn(&self, fut: Pin<Box<dyn Future<Output = ()> + Send>>);

    /// The current time, as this runtime sees it (a paused test clock applies).
    fn now(&self) -> Instant {
        Instant::now()
    }

    /// A future that gives the runtime's other tasks (and, where the runtime does so,
    /// its I/O driver) a turn before it completes. The default wakes itself once;
    /// tokio's binding uses `tokio::task::yield_now`, which lets the worker poll for
    /// I/O without blocking first ([`crate::BusyPoll`] spins on it).
    fn yield_now(&self) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(YieldOnce(false))
    }
}

/// Pending once (waking itself), then ready.
#[derive(Debug)]
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// A resettable timer made by [`Runtime::new_timer`].
pub trait AsyncTimer: Send + Debug {
    /// Moves the deadline to `t` (earlier or later).
    fn reset(self: Pin<&mut Self>, t: Instant);

    /// Ready once the deadline has passed; registers `cx`'s waker otherwise.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()>;
}

/// Awaits `fut`, giving up with `None` at `deadline`.
///
/// Checks the clock before polling the timer (a timer may be held back by a
/// runtime's cooperative budget).
pub async fn timeout_at<F: Future>(
    runtime: &dyn Runtime,
    deadline: Instant,
    fut: F,
) -> Option<F::Output> {
    let mut fut = std::pin::pin!(fut);
    let mut timer = runtime.new_timer(deadline);
    std::future::poll_fn(move |cx| {
        if let Poll::Ready(v) = fut.as_mut().poll(cx) {
            return Poll::Ready(Some(v));
        }
        if runtime.now() >= deadline {
            return Poll::Ready(None);
        }
        timer.as_mut().poll(cx).map(|()| None)
    })
    .await
}

/// Sleeps until `deadline`.
pub async fn sleep_until(runtime: &dyn Runtime, deadline: Instant) {
    let mut timer = runtime.new_timer(deadline);
    std::future::poll_fn(move |cx| {
        if runtime.now() >= deadline {
            return Poll::Ready(());
        }
        timer.as_mut().poll(cx)
    })
    .await;
}
