//! A latency run's log of round trips and driver stalls ([`Log`]), and its samples
//! written out one per line (`wamp-driver latency
//! --samples-out FILE`), to tell what sets the tail: slow round trips that cluster
//! (a stall of the router, the driver or the machine, and the queue it leaves) from
//! slow round trips spread over the window (queueing near capacity).
//!
//! The file is CSV: a header line, then `due_us,rtt_us` per round trip started within
//! the measured window (`due_us` from the window's start), then `stall,from_us,to_us`
//! per driver stall that overlaps the window.

use std::io::{self, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::rpc::{lock, Pace};

/// What a latency run records: round trips `(due, ns)` and driver stalls `(from, to)`.
#[derive(Clone, Debug, Default)]
pub struct Log {
    /// Round trips: due time, nanoseconds from it to the result.
    pub samples: Arc<Mutex<Vec<(Instant, u64)>>>,
    /// Driver stalls.
    pub stalls: Arc<Mutex<Vec<(Instant, Instant)>>>,
}

/// Seconds of samples beyond warm-up and window that [`latency`](super::rpc::latency)
/// makes room for.
pub(super) const SETUP_SLACK_SECS: f64 = 2.0;

/// Most samples [`latency`](super::rpc::latency) makes room for ahead (24 bytes each);
/// beyond, the log grows.
pub(super) const MAX_PRESIZED_SAMPLES: usize = 64 << 20;

impl Log {
    /// A log with room for `samples` round trips, its memory touched (so that
    /// recording them neither reallocates nor takes fresh pages).
    pub fn with_room(samples: usize) -> Self {
        let log = Self::default();
        {
            let mut v = lock(&log.samples);
            v.resize(samples, (Instant::now(), 0));
            v.clear();
        }
        log
    }

    /// Records call `n`'s result, arrived now.
    pub fn result(&self, pacer_start: Instant, pace: &Pace, n: u64) {
        let due = pacer_start + pace.due(n);
        let ns = due.elapsed().as_nanos() as u64;
        lock(&self.samples).push((due, ns));
    }
}

/// Writes the round trips `(due, ns)` and the driver stalls `(from, to)` that fall
/// within `[from, to)` to `path`.
///
/// # Errors
/// Creating or writing the file.
pub fn write(
    path: &Path,
    samples: &[(Instant, u64)],
    stalls: &[(Instant, Instant)],
    from: Instant,
    to: Instant,
) -> io::Result<()> {
    let mut out = io::BufWriter::new(std::fs::File::create(path)?);
    write_to(&mut out, samples, stalls, from, to)?;
    out.flush()
}

/// Microseconds from `from` to `t`, negative when `t` is earlier.
fn offset_us(from: Instant, t: Instant) -> f64 {
    match t.checked_duration_since(from) {
        Some(d) => d.as_secs_f64() * 1e6,
        None => -(from.duration_since(t).as_secs_f64() * 1e6),
    }
}

fn write_to(
    out: &mut impl Write,
    samples: &[(Instant, u64)],
    stalls: &[(Instant, Instant)],
    from: Instant,
    to: Instant,
) -> io::Result<()> {
    writeln!(out, "due_us,rtt_us")?;
    for &(due, ns) in samples.iter().filter(|s| s.0 >= from && s.0 < to) {
        writeln!(out, "{:.1},{:.1}", offset_us(from, due), ns as f64 / 1e3)?;
    }
    for &(a, b) in stalls.iter().filter(|s| s.1 > from && s.0 < to) {
        writeln!(
            out,
            "stall,{:.1},{:.1}",
            offset_us(from, a),
            offset_us(from, b)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_presized_log_records_without_growing() {
        let log = Log::with_room(1000);
        let cap = lock(&log.samples).capacity();
        assert!(cap >= 1000 && lock(&log.samples).is_empty());
        let pace = Pace {
            rate: 1000.0,
            tick: Duration::ZERO,
            rest: None,
        };
        let start = Instant::now();
        for n in 0..1000 {
            log.result(start, &pace, n);
        }
        let v = lock(&log.samples);
        assert_eq!((v.len(), v.capacity()), (1000, cap));
    }

    #[test]
    fn writes_the_window_only() {
        let t = Instant::now();
        let ms = |n: u64| Duration::from_millis(n);
        let samples = [(t, 5_000), (t + ms(10), 120_500), (t + ms(30), 7_000)];
        let stalls = [(t + ms(1), t + ms(3)), (t + ms(25), t + ms(40))];
        let mut out = Vec::new();
        write_to(&mut out, &samples, &stalls, t + ms(2), t + ms(30)).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "due_us,rtt_us\n8000.0,120.5\nstall,-1000.0,1000.0\nstall,23000.0,38000.0\n"
        );
    }
}
