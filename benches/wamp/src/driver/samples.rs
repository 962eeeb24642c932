//! A latency run's samples written out one per line (`wamp-driver latency
//! --samples-out FILE`), to tell what sets the tail: slow round trips that cluster
//! (a stall of the router, the driver or the machine, and the queue it leaves) from
//! slow round trips spread over the window (queueing near capacity).
//!
//! The file is CSV: a header line, then `due_us,rtt_us` per round trip started within
//! the measured window (`due_us` from the window's start), then `stall,from_us,to_us`
//! per driver stall that overlaps the window.

use std::io::{self, Write};
use std::path::Path;
use std::time::Instant;

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
