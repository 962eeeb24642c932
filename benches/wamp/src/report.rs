//! What one driver run measured (one JSON line on the driver's stdout).

use serde::{Deserialize, Serialize};

/// The result of one scenario run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DriverReport {
    /// Units counted in the measured window (events, calls or chunks).
    pub count: u64,
    /// Length of the measured window, seconds.
    pub secs: f64,
    /// `count / secs`.
    pub rate: f64,
    /// The driver's CPU share over the window (1.0 = one core busy).
    pub driver_cpu: f64,
    /// The router's CPU share over the window, when its pid was given.
    pub router_cpu: Option<f64>,
    /// CPU share of everything else on the machine over the window (noise).
    pub other_cpu: Option<f64>,
    /// Median round trip, microseconds (latency and progressive runs).
    pub p50_us: Option<f64>,
    /// 99th percentile round trip, microseconds.
    pub p99_us: Option<f64>,
    /// Round trips sampled (latency runs).
    pub samples: Option<u64>,
    /// Milliseconds the driver's threads were runnable but waited for a CPU (other
    /// processes' share of the driver's core) over the window.
    #[serde(default)]
    pub driver_wait_ms: Option<f64>,
    /// The same for the router's threads.
    #[serde(default)]
    pub router_wait_ms: Option<f64>,
    /// Latency runs: times the driver's pacer came back more than a millisecond late
    /// (the driver thread descheduled or busy), and their total milliseconds.
    #[serde(default)]
    pub driver_stalls: Option<u64>,
    /// Total lateness of those stalls, milliseconds.
    #[serde(default)]
    pub driver_stall_ms: Option<f64>,
    /// p99 (µs) of the round trips during which the driver did not stall: the router's
    /// tail without the driver's own hold-ups.
    #[serde(default)]
    pub p99_clear_us: Option<f64>,
}

/// The value at quantile `q` (0..=1) of sorted `v` (nearest rank), or `None` if empty.
pub fn quantile(sorted: &[u64], q: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// The median of `v` (mean of the middle two for an even count), `None` if empty.
pub fn median(v: &[f64]) -> Option<f64> {
    let mut s: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if s.is_empty() {
        return None;
    }
    s.sort_by(f64::total_cmp);
    let n = s.len();
    Some(if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_by_nearest_rank() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(quantile(&v, 0.5), Some(50));
        assert_eq!(quantile(&v, 0.99), Some(99));
        assert_eq!(quantile(&v, 1.0), Some(100));
        assert_eq!(quantile(&v, 0.0), Some(1));
        assert_eq!(quantile(&[], 0.5), None);
    }

    #[test]
    fn medians() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[f64::NAN, 1.0]), Some(1.0));
    }

    #[test]
    fn report_round_trips_as_json() {
        let r = DriverReport {
            count: 10,
            secs: 2.0,
            rate: 5.0,
            driver_cpu: 0.5,
            router_cpu: Some(0.9),
            p99_us: Some(120.0),
            ..Default::default()
        };
        let text = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<DriverReport>(&text).unwrap(), r);
    }
}
