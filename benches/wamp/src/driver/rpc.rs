//! RPC: calls per second through one callee or a shared round-robin registration,
//! a progressive results stream, and round-trip latency at a fixed call rate.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ferrobahn_client::{ApplicationError, Client, Invocation};
use ferrobahn_wamp::options::{CallOptions, InvokePolicy, RegisterOptions};
use ferrobahn_wamp::Payload;
use futures_util::stream::{FuturesUnordered, StreamExt};

use super::meter::{measure, Window};
pub use super::samples::Log;
use super::samples::{MAX_PRESIZED_SAMPLES, SETUP_SLACK_SECS};
use super::{payload, DriverError, Target};
use crate::report::{quantile, DriverReport};

/// The echo procedure.
pub const ECHO: &str = "bench.echo";
/// The progressive procedure.
pub const STREAM: &str = "bench.stream";

/// Registers [`ECHO`] on `callees` sessions (shared round-robin when more than one).
async fn echo_callees(t: &Target, callees: usize) -> Result<Vec<Client>, DriverError> {
    let clients = t.clients(callees).await?;
    for c in &clients {
        let options = RegisterOptions {
            invoke: (callees > 1).then_some(InvokePolicy::RoundRobin),
            ..Default::default()
        };
        let echo = |inv: Invocation| async move { Ok(inv.into_payload()) };
        // The registration lives as long as the session.
        drop(c.register(ECHO, options, echo).await?);
    }
    Ok(clients)
}

/// One call of [`ECHO`] to its result.
async fn echo_call(c: &Client, body: Payload) -> Result<(), DriverError> {
    c.call_payload(ECHO, body, CallOptions::default()).await?;
    Ok(())
}

/// Calls per second: `callers` sessions each keep `in_flight` calls of [`ECHO`]
/// going, served by `callees` sessions.
///
/// # Errors
/// Setup failures.
pub async fn calls(
    t: &Target,
    callees: usize,
    callers: usize,
    in_flight: usize,
    size: usize,
    w: Window,
    router: Option<u32>,
) -> Result<DriverReport, DriverError> {
    let _callees = echo_callees(t, callees).await?;
    let counter = Arc::new(AtomicU64::new(0));
    let body = payload(size);
    let mut tasks = Vec::new();
    for c in t.clients(callers).await? {
        let (counter, body) = (counter.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            let mut pending = FuturesUnordered::new();
            loop {
                while pending.len() < in_flight {
                    pending.push(echo_call(&c, body.clone()));
                }
                if let Some(r) = pending.next().await {
                    r?;
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            }
            #[allow(unreachable_code)]
            Ok::<(), DriverError>(())
        }));
    }
    let report = measure(&counter, w, router).await;
    for t in &tasks {
        if t.is_finished() {
            return Err(DriverError::Protocol("a caller failed".into()));
        }
        t.abort();
    }
    Ok(report)
}

/// Progressive results the callee hands to its client before yielding to the runtime
/// (so the client sends them while the handler makes more).
pub const PROGRESS_BATCH: usize = 25;

/// Progressive results: one call at a time of [`STREAM`], whose callee sends `chunks`
/// progressive results and a final one. Rate is chunks per second; p50/p99 are whole
/// streams (call to final result).
///
/// The callee yields to the runtime after every `batch` chunks (0: never). A handler
/// that queues all its chunks at once (as one that never awaits does) lets its client
/// send nothing until the last one is queued: the router then waits for the whole
/// stream's YIELDs, the caller for the router, and with one stream at a time neither
/// router nor driver is kept busy (about 60% each at 1000 chunks of 64 B). Batches of
/// [`PROGRESS_BATCH`] overlap the callee's work with the router's, like a producer
/// whose chunks come over time.
///
/// # Errors
/// Setup failures, or a stream that fails.
pub async fn progressive(
    t: &Target,
    chunks: usize,
    size: usize,
    batch: usize,
    w: Window,
    router: Option<u32>,
) -> Result<DriverReport, DriverError> {
    let callee = t.client(None).await?;
    let body = payload(size);
    let chunk = body.clone();
    let handler = move |inv: Invocation| {
        let chunk = chunk.clone();
        async move {
            for i in 1..=chunks {
                inv.progress(chunk.clone())
                    .map_err(|e| ApplicationError::new("bench.error").arg(e.to_string()))?;
                if batch > 0 && i % batch == 0 {
                    tokio::task::yield_now().await;
                }
            }
            Ok(chunk)
        }
    };
    drop(
        callee
            .register(STREAM, RegisterOptions::default(), handler)
            .await?,
    );
    let caller = t.client(None).await?;
    let counter = Arc::new(AtomicU64::new(0));
    let durations = Arc::new(Mutex::new(Vec::<(Instant, u64)>::new()));
    let task = {
        let (counter, durations) = (counter.clone(), durations.clone());
        tokio::spawn(async move {
            loop {
                let t0 = Instant::now();
                let options = CallOptions {
                    receive_progress: Some(true),
                    ..Default::default()
                };
                let mut call = caller.call_with(STREAM, body.clone(), options).await?;
                let mut got = 0usize;
                while call.next_progress().await.is_some() {
                    counter.fetch_add(1, Ordering::Relaxed);
                    got += 1;
                }
                call.result().await?;
                if got != chunks {
                    return Err(DriverError::Protocol(format!(
                        "stream of {got} chunks, want {chunks}"
                    )));
                }
                let ns = t0.elapsed().as_nanos() as u64;
                lock(&durations).push((t0, ns));
            }
            #[allow(unreachable_code)]
            Ok::<(), DriverError>(())
        })
    };
    let from = Instant::now() + w.warmup;
    let mut report = measure(&counter, w, router).await;
    if task.is_finished() {
        return match task.await {
            Ok(Err(e)) => Err(e),
            _ => Err(DriverError::Protocol("the progressive caller ended".into())),
        };
    }
    task.abort();
    fill_quantiles(&mut report, &lock(&durations), from, from + w.duration);
    Ok(report)
}

pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// p50/p99 (µs) of the samples started within `[from, to)`.
fn fill_quantiles(
    report: &mut DriverReport,
    samples: &[(Instant, u64)],
    from: Instant,
    to: Instant,
) {
    let mut ns: Vec<u64> = samples
        .iter()
        .filter(|(t, _)| *t >= from && *t < to)
        .map(|s| s.1)
        .collect();
    ns.sort_unstable();
    report.samples = Some(ns.len() as u64);
    report.p50_us = quantile(&ns, 0.5).map(|v| v as f64 / 1e3);
    report.p99_us = quantile(&ns, 0.99).map(|v| v as f64 / 1e3);
}

/// Whether the round trip `(t0, ns)` overlaps one of `stalls` (sorted, disjoint).
fn overlaps(stalls: &[(Instant, Instant)], (t0, ns): (Instant, u64)) -> bool {
    let i = stalls.partition_point(|s| s.1 <= t0);
    stalls
        .get(i)
        .is_some_and(|s| s.0 < t0 + Duration::from_nanos(ns))
}

/// The driver's stalls within `[from, to)` and the p99 of the round trips they spared.
fn fill_stalls(
    report: &mut DriverReport,
    samples: &[(Instant, u64)],
    stalls: &[(Instant, Instant)],
    from: Instant,
    to: Instant,
) {
    let within: Vec<&(Instant, Instant)> =
        stalls.iter().filter(|s| s.1 > from && s.0 < to).collect();
    report.driver_stalls = Some(within.len() as u64);
    let total: Duration = within.iter().map(|s| s.1 - s.0).sum();
    report.driver_stall_ms = Some(total.as_secs_f64() * 1e3);
    let mut clear: Vec<u64> = samples
        .iter()
        .filter(|(t, _)| *t >= from && *t < to)
        .filter(|s| !overlaps(stalls, **s))
        .map(|s| s.1)
        .collect();
    clear.sort_unstable();
    report.p99_clear_us = quantile(&clear, 0.99).map(|v| v as f64 / 1e3);
}

/// The call schedule of a latency run.
#[derive(Clone, Copy, Debug)]
pub struct Pace {
    /// Calls per second; call `n` is due at `n / rate` seconds after the start.
    pub rate: f64,
    /// Calls that fell due are started together at multiples of this (zero: each as
    /// soon as it is due), as calls of many clients arrive in bunches. Every call's
    /// round trip counts from its due time, so the wait for the tick and any lateness
    /// of the driver are part of it.
    pub tick: Duration,
    /// Blocking rests of the driver's thread (none: it never rests).
    pub rest: Option<Rest>,
}

/// The driver thread's rests: for a real-time (`SCHED_FIFO`) driver, whose pacer spins,
/// to stay under Linux's RT throttling (95% of every second), which would otherwise stop
/// it for 50 ms, while no ordinary process can preempt it between rests. Calls that
/// fall due during a rest start after it, and their round trips still count from their
/// due time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rest {
    /// Spinning time between rests.
    pub every: Duration,
    /// How long each rest blocks the thread.
    pub len: Duration,
}

impl Pace {
    /// When call `n` is due, from the start.
    pub(super) fn due(&self, n: u64) -> Duration {
        Duration::from_secs_f64(n as f64 / self.rate)
    }

    /// The next instant (from the start) at which calls are started after `now`, when
    /// `sent` calls have been started.
    fn next_start(&self, now: Duration, sent: u64) -> Duration {
        if self.tick.is_zero() {
            return self.due(sent);
        }
        let tick = self.tick.as_nanos();
        let k = now.as_nanos() / tick + 1;
        let at = Duration::from_nanos((k * tick).min(u128::from(u64::MAX)) as u64);
        at.max(self.due(sent))
    }
}

/// Latency: one caller starts calls of [`ECHO`] (one callee) on the schedule of
/// `pace`, open loop, and every round trip due in the window is a sample. Calls are
/// driven by one task (no task per call); between starts it yields, or sleeps when the
/// next start is more than `SPIN` away. `light`: the caller and callee are
/// [`light_rpc`](super::light_rpc) connections instead of full clients.
///
/// # Errors
/// Setup failures; a failed call.
pub async fn latency(
    t: &Target,
    pace: Pace,
    size: usize,
    light: bool,
    w: Window,
    router: Option<u32>,
    samples_out: Option<&std::path::Path>,
) -> Result<DriverReport, DriverError> {
    if !(pace.rate.is_finite() && pace.rate > 0.0) {
        return Err(DriverError::Protocol(format!("bad rate {}", pace.rate)));
    }
    let counter = Arc::new(AtomicU64::new(0));
    // Room for every sample of the run (setup and some lateness included), touched
    // before the first call: a log that grows meanwhile takes fresh memory, whose first
    // touch can stall the driver for milliseconds (on this VM, where free memory goes back
    // to the host), and those stalls end up in the tail being measured.
    let expected = pace.rate * ((w.warmup + w.duration).as_secs_f64() + SETUP_SLACK_SECS);
    let log = Log::with_room(expected.min(MAX_PRESIZED_SAMPLES as f64) as usize);
    let stop = Arc::new(AtomicBool::new(false));
    // The callee (a session or a light connection's task) lives until the end.
    let (_callee, _light_callee);
    let pacer = if light {
        _light_callee = super::light_rpc::EchoCallee::start(t).await?;
        super::light_rpc::caller(t, payload(size), pace, &counter, &log, &stop).await?
    } else {
        _callee = echo_callees(t, 1).await?;
        let caller = t.client(None).await?;
        tokio::spawn(run_pace(
            caller,
            payload(size),
            Pacer::new(pace, &log),
            counter.clone(),
            log.clone(),
            stop.clone(),
        ))
    };
    let from = Instant::now() + w.warmup;
    let mut report = measure(&counter, w, router).await;
    stop.store(true, Ordering::Relaxed);
    if pacer.is_finished() {
        return match pacer.await {
            Ok(Err(e)) => Err(e),
            _ => Err(DriverError::Protocol("the latency caller ended".into())),
        };
    }
    pacer.abort();
    let (samples, stalls) = (lock(&log.samples), lock(&log.stalls));
    fill_quantiles(&mut report, &samples, from, from + w.duration);
    fill_stalls(&mut report, &samples, &stalls, from, from + w.duration);
    if let Some(path) = samples_out {
        super::samples::write(path, &samples, &stalls, from, from + w.duration)?;
    }
    Ok(report)
}

/// Closer than this to the next start the pacer yields instead of sleeping (the
/// timer wheel ticks in milliseconds).
const SPIN: Duration = Duration::from_micros(1500);

/// The pacer coming back this much later than planned is a driver stall: its thread
/// was descheduled or held by other tasks, and every call in flight meanwhile waited.
const STALL: Duration = Duration::from_millis(1);

/// The schedule of a running latency caller: which calls are due, how to wait for the
/// next start, and the stalls it noticed.
#[derive(Debug)]
pub struct Pacer {
    pace: Pace,
    /// When call 0 was due.
    pub start: Instant,
    /// Calls started.
    sent: u64,
    /// The next start.
    next: Instant,
    /// When the next rest is due.
    rest_due: Instant,
    stalls: Arc<Mutex<Vec<(Instant, Instant)>>>,
}

impl Pacer {
    /// Starts the schedule now.
    pub fn new(pace: Pace, log: &Log) -> Self {
        let start = Instant::now();
        Self {
            pace,
            start,
            sent: 0,
            next: start,
            rest_due: start + pace.rest.map_or(Duration::ZERO, |r| r.every),
            stalls: log.stalls.clone(),
        }
    }

    /// The schedule.
    pub fn pace(&self) -> &Pace {
        &self.pace
    }

    /// The numbers of the calls to start now (none before the next start).
    pub fn due_now(&mut self) -> std::ops::Range<u64> {
        let now = Instant::now();
        let first = self.sent;
        if now >= self.next {
            while self.start + self.pace.due(self.sent) <= now {
                self.sent += 1;
            }
            self.next = self.start + self.pace.next_start(now - self.start, self.sent);
        }
        first..self.sent
    }

    /// How to wait for the next start: a sleep (`Some`) when it is more than `SPIN`
    /// away, else a yield (`None`); and when the pacer should be back at the latest.
    pub fn wait(&self) -> (Option<Duration>, Instant) {
        let now = Instant::now();
        let wait = self.next.saturating_duration_since(now);
        if wait > SPIN {
            let nap = wait.saturating_sub(Duration::from_millis(1));
            // A sleep may end up to a timer tick late.
            (Some(nap), now + nap + STALL)
        } else {
            (None, now)
        }
    }

    /// Blocks the thread for a rest when one is due ([`Pace::rest`]); returns whether
    /// it rested.
    pub fn rest(&mut self) -> bool {
        let Some(rest) = self.pace.rest else {
            return false;
        };
        if Instant::now() < self.rest_due {
            return false;
        }
        let back = Instant::now() + rest.len;
        std::thread::sleep(rest.len);
        // A rest that ends late is a stall too: the thread was not woken on time.
        self.check(back);
        self.rest_due = Instant::now() + rest.every;
        true
    }

    /// Records a stall when the pacer is back more than `STALL` after `back`.
    pub fn check(&self, back: Instant) {
        let now = Instant::now();
        if now.saturating_duration_since(back) > STALL {
            lock(&self.stalls).push((back, now));
        }
    }
}

async fn run_pace(
    caller: Client,
    body: Payload,
    mut pacer: Pacer,
    counter: Arc<AtomicU64>,
    log: Log,
    stop: Arc<AtomicBool>,
) -> Result<(), DriverError> {
    let mut pending = FuturesUnordered::new();
    let start = pacer.start;
    let pace = *pacer.pace();
    let one = |n: u64| {
        let (c, b) = (caller.clone(), body.clone());
        async move { echo_call(&c, b).await.map(|()| n) }
    };
    while !stop.load(Ordering::Relaxed) {
        for n in pacer.due_now() {
            pending.push(one(n));
        }
        pacer.rest();
        let (nap, back) = pacer.wait();
        tokio::select! {
            biased;
            Some(done) = pending.next(), if !pending.is_empty() => {
                log.result(start, &pace, done?);
                counter.fetch_add(1, Ordering::Relaxed);
            }
            () = tokio::time::sleep(nap.unwrap_or_default()), if nap.is_some() => {}
            () = tokio::task::yield_now(), if nap.is_none() => {}
        }
        pacer.check(back);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_start_on_ticks() {
        let us = Duration::from_micros;
        let pace = Pace {
            rate: 200_000.0,
            tick: us(20),
            rest: None,
        };
        assert_eq!(pace.due(3), us(15));
        // At 21 µs the calls due at 0..=20 µs (5) are started; the next start is at 40.
        assert_eq!(pace.next_start(us(21), 5), us(40));
        // Late: the next tick after now.
        assert_eq!(pace.next_start(us(95), 20), us(100));
        // A rate below one call a tick: the next due call, not an empty tick.
        let slow = Pace {
            rate: 1000.0,
            tick: us(20),
            rest: None,
        };
        assert_eq!(slow.next_start(us(1), 1), us(1000));
        let exact = Pace {
            rate: 200_000.0,
            tick: Duration::ZERO,
            rest: None,
        };
        assert_eq!(exact.next_start(us(21), 5), us(25));
    }

    #[test]
    fn the_pacer_rests_when_a_rest_is_due() {
        let us = Duration::from_micros;
        let mut pacer = Pacer::new(
            Pace {
                rate: 1000.0,
                tick: Duration::ZERO,
                rest: Some(Rest {
                    every: us(2_000),
                    len: us(300),
                }),
            },
            &Log::default(),
        );
        assert!(!pacer.rest(), "rested before spinning");
        std::thread::sleep(us(2_000));
        let t = Instant::now();
        assert!(pacer.rest());
        assert!(t.elapsed() >= us(300), "did not block");
        assert!(!pacer.rest(), "rested twice in a row");
        let mut never = Pacer::new(
            Pace {
                rate: 1000.0,
                tick: Duration::ZERO,
                rest: None,
            },
            &Log::default(),
        );
        std::thread::sleep(us(100));
        assert!(!never.rest());
    }

    #[test]
    fn coming_back_late_is_a_stall() {
        let log = Log::default();
        let pacer = Pacer::new(
            Pace {
                rate: 1000.0,
                tick: Duration::ZERO,
                rest: None,
            },
            &log,
        );
        pacer.check(Instant::now());
        assert!(lock(&log.stalls).is_empty(), "on time is no stall");
        let late = Instant::now() - Duration::from_millis(5);
        pacer.check(late);
        let stalls = lock(&log.stalls);
        assert_eq!(stalls.len(), 1);
        assert_eq!(stalls[0].0, late);
        assert!(stalls[0].1 - late >= Duration::from_millis(5));
    }

    #[test]
    fn stalled_round_trips_are_left_out_of_the_clear_p99() {
        let t = Instant::now();
        let ms = |n: u64| Duration::from_millis(n);
        // 100 round trips of 100 µs, 1 ms apart, and a 10 ms stall from 50 ms: the
        // calls of 48-50 ms wait it out (12 ms); it also overlaps those of 51-59 ms.
        let mut samples: Vec<(Instant, u64)> = (0..100).map(|i| (t + ms(i), 100_000)).collect();
        for i in [48, 49, 50] {
            samples[i].1 = 12_000_000;
        }
        let stalls = [(t + ms(50), t + ms(60))];
        let mut r = DriverReport::default();
        fill_quantiles(&mut r, &samples, t, t + ms(100));
        fill_stalls(&mut r, &samples, &stalls, t, t + ms(100));
        assert_eq!(r.p99_us, Some(12_000.0));
        assert_eq!(r.p99_clear_us, Some(100.0));
        assert_eq!(r.driver_stalls, Some(1));
        assert_eq!(r.driver_stall_ms, Some(10.0));
    }
}
