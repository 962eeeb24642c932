//! An in-memory [`Transport`] pair and a [`ManualRuntime`] with a virtual
//! clock: drive the runtime layer deterministically, without sockets.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use ferrobahn_rt::{AsyncTimer, Runtime, Transport};

/// One direction of a [`pipe`].
#[derive(Debug, Default)]
struct Direction {
    buf: VecDeque<u8>,
    capacity: usize,
    /// The writer shut down (reader sees EOF once drained).
    write_closed: bool,
    /// The reader is gone (writes fail).
    read_closed: bool,
    reader: Option<Waker>,
    writer: Option<Waker>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One end of an in-memory byte pipe; counts its write calls.
#[derive(Debug)]
pub struct MemIo {
    rx: Arc<Mutex<Direction>>,
    tx: Arc<Mutex<Direction>>,
    writes: Arc<AtomicUsize>,
}

/// Two connected [`MemIo`] ends, each direction holding at most `capacity` bytes.
pub fn pipe(capacity: usize) -> (MemIo, MemIo) {
    let a = Arc::new(Mutex::new(Direction {
        capacity,
        ..Direction::default()
    }));
    let b = Arc::new(Mutex::new(Direction {
        capacity,
        ..Direction::default()
    }));
    let end = |rx: &Arc<Mutex<Direction>>, tx: &Arc<Mutex<Direction>>| MemIo {
        rx: rx.clone(),
        tx: tx.clone(),
        writes: Arc::new(AtomicUsize::new(0)),
    };
    (end(&a, &b), end(&b, &a))
}

impl MemIo {
    /// A counter of this end's successful `poll_write` calls.
    pub fn write_counter(&self) -> Arc<AtomicUsize> {
        self.writes.clone()
    }

    /// Bytes written by the other end and not read yet.
    pub fn unread(&self) -> usize {
        lock(&self.rx).buf.len()
    }
}

impl Transport for MemIo {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let mut d = lock(&self.rx);
        if d.buf.is_empty() {
            if d.write_closed {
                return Poll::Ready(Ok(0));
            }
            d.reader = Some(cx.waker().clone());
            return Poll::Pending;
        }
        let n = buf.len().min(d.buf.len());
        for (dst, src) in buf.iter_mut().zip(d.buf.drain(..n)) {
            *dst = src;
        }
        if let Some(w) = d.writer.take() {
            w.wake();
        }
        Poll::Ready(Ok(n))
    }

    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let mut d = lock(&self.tx);
        if d.read_closed || d.write_closed {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        let n = buf.len().min(d.capacity - d.buf.len());
        if n == 0 {
            d.writer = Some(cx.waker().clone());
            return Poll::Pending;
        }
        d.buf.extend(&buf[..n]);
        if let Some(w) = d.reader.take() {
            w.wake();
        }
        self.writes.fetch_add(1, Ordering::Relaxed);
        Poll::Ready(Ok(n))
    }

    fn poll_flush(&mut self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(&mut self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut d = lock(&self.tx);
        d.write_closed = true;
        if let Some(w) = d.reader.take() {
            w.wake();
        }
        Poll::Ready(Ok(()))
    }
}

impl Drop for MemIo {
    fn drop(&mut self) {
        for (d, closing_reader) in [(&self.tx, false), (&self.rx, true)] {
            let mut d = lock(d);
            if closing_reader {
                d.read_closed = true;
            } else {
                d.write_closed = true;
            }
            let wakers = [d.reader.take(), d.writer.take()];
            drop(d);
            wakers.into_iter().flatten().for_each(Waker::wake);
        }
    }
}

#[derive(Default)]
struct Clock {
    offset: Duration,
    waiting: Vec<Waker>,
    spawned: Vec<Pin<Box<dyn Future<Output = ()> + Send>>>,
}

/// A [`Runtime`] with a virtual clock that moves only on
/// [`ManualRuntime::advance`]; spawned futures are polled by
/// [`ManualRuntime::run_spawned`].
#[derive(Clone)]
pub struct ManualRuntime {
    start: Instant,
    clock: Arc<Mutex<Clock>>,
}

impl fmt::Debug for ManualRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManualRuntime")
            .field("now", &self.now())
            .finish()
    }
}

impl Default for ManualRuntime {
    fn default() -> Self {
        Self::new()
    }
}

impl ManualRuntime {
    /// A clock standing at the current instant.
    pub fn new() -> Self {
        Self {
            start: Instant::now(),
            clock: Arc::new(Mutex::new(Clock::default())),
        }
    }

    /// Moves the clock forward and wakes every timer.
    pub fn advance(&self, by: Duration) {
        let waiting = {
            let mut c = lock(&self.clock);
            c.offset += by;
            std::mem::take(&mut c.waiting)
        };
        waiting.into_iter().for_each(Waker::wake);
    }

    /// Polls every spawned future once; returns how many are still running.
    pub fn run_spawned(&self) -> usize {
        let mut spawned = std::mem::take(&mut lock(&self.clock).spawned);
        let mut cx = Context::from_waker(Waker::noop());
        spawned.retain_mut(|f| f.as_mut().poll(&mut cx).is_pending());
        let mut c = lock(&self.clock);
        spawned.append(&mut c.spawned);
        c.spawned = spawned;
        c.spawned.len()
    }
}

impl Runtime for ManualRuntime {
    fn new_timer(&self, deadline: Instant) -> Pin<Box<dyn AsyncTimer>> {
        Box::pin(ManualTimer {
            deadline,
            runtime: self.clone(),
        })
    }

    fn spawn(&self, fut: Pin<Box<dyn Future<Output = ()> + Send>>) {
        lock(&self.clock).spawned.push(fut);
    }

    fn now(&self) -> Instant {
        self.start + lock(&self.clock).offset
    }
}

#[derive(Debug)]
struct ManualTimer {
    deadline: Instant,
    runtime: ManualRuntime,
}

impl AsyncTimer for ManualTimer {
    fn reset(self: Pin<&mut Self>, t: Instant) {
        self.get_mut().deadline = t;
    }

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.runtime.now() >= self.deadline {
            return Poll::Ready(());
        }
        lock(&self.runtime.clock).waiting.push(cx.waker().clone());
        Poll::Pending
    }
}

/// Polls `fut` once with a no-op waker.
pub fn poll_once<F: Future + ?Sized>(fut: Pin<&mut F>) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(Waker::noop()))
}
