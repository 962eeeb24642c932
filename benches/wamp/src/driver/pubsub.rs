//! PubSub fan-out: one publisher, N subscribers of one topic; events delivered per
//! second, with a bounded number of publications in flight.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ferrobahn_client::Client;
use ferrobahn_wamp::options::{PublishOptions, SubscribeOptions};

use super::light::LightSubscriber;
use super::meter::{measure, Window};
use super::{payload, DriverError, Target, CONNECT_BATCH};
use crate::report::DriverReport;

/// The topic of the fan-out runs.
pub const TOPIC: &str = "bench.fanout";

/// After this long without delivery progress the publisher counts what is missing as
/// lost and publishes again (a router may drop events for slow subscribers).
const STALL: Duration = Duration::from_secs(1);

/// Fewest publications in flight.
pub const MIN_WINDOW: u64 = 16;
/// Most publications in flight.
pub const MAX_WINDOW: u64 = 1000;

/// Default cap on the payload bytes in flight to each subscriber (`--window-bytes`):
/// 512 KiB, so 128 publications of 4 KiB (to 1 or 10 subscribers; 100 and 1,000 get 40
/// and 16 as before) while 64 B payloads keep the event window. 1.6 MiB queued per
/// subscriber (4,000 events of 4 KiB to 10) made ferrobahn's rate swing by 2x from run
/// to run; Crossbar.io and the raw baseline were the same either way.
pub const DEFAULT_WINDOW_BYTES: u64 = 512 << 10;

/// One fan-out run.
#[derive(Clone, Copy, Debug)]
pub struct Fanout {
    /// Subscribers.
    pub subscribers: usize,
    /// Payload bytes (one string argument).
    pub size: usize,
    /// Events in flight: publications in flight = this / subscribers, within
    /// [`MIN_WINDOW`, `MAX_WINDOW`] (a few per subscriber lets a router batch writes).
    pub window_events: u64,
    /// At most this many payload bytes of events in flight per subscriber (0: no
    /// cap): with large payloads, fewer publications than `window_events` gives.
    pub window_bytes: u64,
    /// Light subscribers (count WebSocket messages) instead of full client sessions.
    pub light: bool,
}

impl Fanout {
    /// Publications the publisher keeps in flight.
    pub fn window_publications(&self) -> u64 {
        let mut publications = self.window_events / self.subscribers.max(1) as u64;
        if self.window_bytes > 0 {
            publications = publications.min(self.window_bytes / self.size.max(1) as u64);
        }
        publications.clamp(MIN_WINDOW, MAX_WINDOW)
    }
}

/// The subscribers (light ones counting into `counter`, or full sessions kept in the
/// returned list) and the publisher of one fan-out run.
struct Setup {
    counter: Arc<AtomicU64>,
    notify: Arc<tokio::sync::Notify>,
    keep: Vec<Client>,
    publisher: Client,
}

async fn setup(t: &Target, spec: Fanout) -> Result<Setup, DriverError> {
    let counter = Arc::new(AtomicU64::new(0));
    let notify = Arc::new(tokio::sync::Notify::new());
    let every = spec.subscribers.max(1) as u64;
    let mut keep: Vec<Client> = Vec::new();
    if spec.light {
        let mut done = 0;
        while done < spec.subscribers {
            let batch = (spec.subscribers - done).min(CONNECT_BATCH);
            let subs = (0..batch).map(|_| LightSubscriber::connect(t, TOPIC));
            for s in futures_util::future::join_all(subs).await {
                tokio::spawn(s?.count(counter.clone(), notify.clone(), every));
            }
            done += batch;
        }
    } else {
        keep = t.clients(spec.subscribers).await?;
        for c in &keep {
            let (counter, notify) = (counter.clone(), notify.clone());
            let sub = c
                .subscribe_fn(TOPIC, SubscribeOptions::default(), move |_| {
                    let n = counter.fetch_add(1, Ordering::Relaxed) + 1;
                    if n.is_multiple_of(every) {
                        notify.notify_one();
                    }
                })
                .await?;
            // Dropping a handler subscription's handle keeps the subscription.
            drop(sub);
        }
    }
    let publisher = t.client(None).await?;
    Ok(Setup {
        counter,
        notify,
        keep,
        publisher,
    })
}

/// Sets up the subscribers and the publisher, then measures events delivered.
///
/// # Errors
/// Setup failures.
pub async fn run(
    t: &Target,
    spec: Fanout,
    w: Window,
    router: Option<u32>,
) -> Result<DriverReport, DriverError> {
    let s = setup(t, spec).await?;
    let stop = Arc::new(AtomicBool::new(false));
    let task = tokio::spawn(publish_loop(
        s.publisher,
        spec,
        s.counter.clone(),
        s.notify,
        stop.clone(),
    ));
    let report = measure(&s.counter, w, router).await;
    stop.store(true, Ordering::Relaxed);
    task.abort();
    drop(s.keep);
    Ok(report)
}

/// How long a fixed-count run may go without delivery progress before it fails.
const COUNT_STALL: Duration = Duration::from_secs(60);

/// A fixed-count run: sets up the subscribers and the publisher, publishes
/// `publications` events (within the publication window of `spec`), and returns
/// when every subscriber got every one of them; the events delivered. For
/// load-independent measures of a router (instruction or allocation counts taken
/// under two counts and subtracted, see benches/callgrind_router_fanout.sh).
///
/// # Errors
/// Setup and publish failures; no delivery progress for [`COUNT_STALL`] (events
/// lost).
pub async fn run_count(t: &Target, spec: Fanout, publications: u64) -> Result<u64, DriverError> {
    let s = setup(t, spec).await?;
    let subs = spec.subscribers.max(1) as u64;
    let window = spec.window_publications();
    let body = payload(spec.size);
    let mut published = 0u64;
    let want = publications * subs;
    loop {
        let delivered = s.counter.load(Ordering::Relaxed);
        if delivered >= want {
            break;
        }
        let in_flight = published.saturating_sub(delivered / subs);
        if published < publications && in_flight < window {
            let n = (window - in_flight).min(publications - published);
            let pubs = (0..n).map(|_| {
                s.publisher
                    .publish(TOPIC, body.clone(), PublishOptions::default())
            });
            for r in futures_util::future::join_all(pubs).await {
                r?;
            }
            published += n;
        } else {
            // Woken at each multiple of `subs` delivered events; a short nap covers
            // the last partial round.
            let wait = tokio::time::timeout(Duration::from_millis(5), s.notify.notified());
            if wait.await.is_err() && s.counter.load(Ordering::Relaxed) == delivered {
                stalled_since(&s.counter, delivered).await?;
            }
        }
    }
    drop(s.keep);
    Ok(s.counter.load(Ordering::Relaxed))
}

/// Waits until `counter` moves past `at`, at most [`COUNT_STALL`].
async fn stalled_since(counter: &AtomicU64, at: u64) -> Result<(), DriverError> {
    let start = tokio::time::Instant::now();
    while counter.load(Ordering::Relaxed) == at {
        if start.elapsed() > COUNT_STALL {
            return Err(DriverError::Timeout("fan-out delivery (events lost)"));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(())
}

async fn publish_loop(
    publisher: Client,
    spec: Fanout,
    delivered: Arc<AtomicU64>,
    notify: Arc<tokio::sync::Notify>,
    stop: Arc<AtomicBool>,
) -> Result<(), DriverError> {
    let subs = spec.subscribers.max(1) as u64;
    let window = spec.window_publications();
    let body = payload(spec.size);
    let mut published = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let in_flight = published.saturating_sub(delivered.load(Ordering::Relaxed) / subs);
        if in_flight < window {
            let n = window - in_flight;
            let pubs =
                (0..n).map(|_| publisher.publish(TOPIC, body.clone(), PublishOptions::default()));
            for r in futures_util::future::join_all(pubs).await {
                r?;
            }
            published += n;
        } else if tokio::time::timeout(STALL, notify.notified())
            .await
            .is_err()
        {
            published = delivered.load(Ordering::Relaxed) / subs;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_per_subscriber_count() {
        let w = |subscribers| {
            Fanout {
                subscribers,
                size: 64,
                window_events: 4000,
                window_bytes: 0,
                light: true,
            }
            .window_publications()
        };
        assert_eq!(w(1), MAX_WINDOW);
        assert_eq!(w(10), 400);
        assert_eq!(w(100), 40);
        assert_eq!(w(1000), MIN_WINDOW);
        assert_eq!(w(0), MAX_WINDOW);
    }

    #[test]
    fn window_bytes_cap_large_payloads_only() {
        let w = |subscribers, size, window_bytes| {
            Fanout {
                subscribers,
                size,
                window_events: 4000,
                window_bytes,
                light: true,
            }
            .window_publications()
        };
        // 64 B: 512 KiB per subscriber is 8,192 publications, more than the window.
        assert_eq!(w(10, 64, DEFAULT_WINDOW_BYTES), 400);
        assert_eq!(w(1, 64, DEFAULT_WINDOW_BYTES), MAX_WINDOW);
        // 4 KiB: at most 128 publications in flight.
        assert_eq!(w(1, 4096, DEFAULT_WINDOW_BYTES), 128);
        assert_eq!(w(10, 4096, DEFAULT_WINDOW_BYTES), 128);
        assert_eq!(w(100, 4096, DEFAULT_WINDOW_BYTES), 40);
        assert_eq!(w(1000, 4096, DEFAULT_WINDOW_BYTES), MIN_WINDOW);
        assert_eq!(w(10, 4096, 0), 400);
        assert_eq!(w(10, 0, DEFAULT_WINDOW_BYTES), 400);
    }
}
