//! The generator's result, printed as one JSON line and read by the runner.

use serde::{Deserialize, Serialize};

/// One measured run of the generator.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct GenReport {
    /// Connections driven.
    pub conns: usize,
    /// Payload bytes per message.
    pub size: usize,
    /// Messages kept in flight per connection.
    pub inflight: usize,
    /// Echoed messages completed in the measured window.
    pub messages: u64,
    /// Length of the measured window, seconds.
    pub secs: f64,
    /// Messages per second.
    pub msgs_per_sec: f64,
    /// Payload megabytes (10^6 bytes) echoed per second, one direction.
    pub mb_per_sec: f64,
    /// Median round trip, microseconds (latency runs only).
    pub p50_us: Option<f64>,
    /// 99th percentile round trip, microseconds (latency runs only).
    pub p99_us: Option<f64>,
    /// Round trips sampled for the percentiles.
    pub samples: usize,
    /// The generator's CPU share over the window (1.0 = one full core).
    pub gen_cpu: f64,
    /// The server's CPU share over the window, when its pid was given.
    pub server_cpu: Option<f64>,
    /// CPU share of everything else on the machine over the window
    /// (noise: other processes, unattributed interrupts).
    pub other_cpu: Option<f64>,
    /// Connections lost during the run.
    pub lost_conns: usize,
}

/// The `q` quantile (0..=1) of `samples` (reordered in place), or `None`
/// when empty.
pub fn quantile(samples: &mut [u32], q: f64) -> Option<u32> {
    if samples.is_empty() {
        return None;
    }
    let idx = ((samples.len() - 1) as f64 * q).round() as usize;
    let (_, v, _) = samples.select_nth_unstable(idx.min(samples.len() - 1));
    Some(*v)
}

/// The median of `values` (mean of the middle two for an even count).
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_and_medians() {
        let mut s: Vec<u32> = (1..=100).rev().collect();
        assert_eq!(quantile(&mut s, 0.5), Some(51));
        assert_eq!(quantile(&mut s, 0.99), Some(99));
        assert_eq!(quantile(&mut [], 0.5), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn report_round_trips_as_json() {
        let r = GenReport {
            conns: 10,
            messages: 5,
            p50_us: Some(12.5),
            ..GenReport::default()
        };
        let text = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<GenReport>(&text).unwrap(), r);
    }
}
