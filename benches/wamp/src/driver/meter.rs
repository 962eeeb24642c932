//! The measured window: a counter and CPU times read after the warm-up and at the end.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ferrobahn_load::procstat::{self, Proc};

use crate::report::DriverReport;

/// Warm-up and measured window of a run.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    /// Unmeasured time after setup.
    pub warmup: Duration,
    /// Measured time.
    pub duration: Duration,
}

/// CPU counters at one instant.
#[derive(Clone, Copy, Debug)]
struct Snapshot {
    at: Instant,
    count: u64,
    driver_ns: u64,
    router_ns: Option<u64>,
    machine_ns: Option<u64>,
    /// Run-queue wait (runnable, not running) of the driver and the router.
    driver_wait_ns: Option<u64>,
    router_wait_ns: Option<u64>,
}

/// Time all threads of `proc` spent runnable but waiting for a CPU (nanoseconds), the
/// second field of each thread's `schedstat`: what other processes cost it.
fn wait_ns(proc: Proc) -> Option<u64> {
    let dir = match proc {
        Proc::Current => "/proc/self/task".to_owned(),
        Proc::Pid(pid) => format!("/proc/{pid}/task"),
    };
    let mut total = 0u64;
    for entry in std::fs::read_dir(dir).ok()? {
        let Ok(text) = std::fs::read_to_string(entry.ok()?.path().join("schedstat")) else {
            continue;
        };
        total += text.split_whitespace().nth(1)?.parse::<u64>().ok()?;
    }
    Some(total)
}

fn snapshot(counter: &AtomicU64, router: Option<u32>) -> Snapshot {
    Snapshot {
        at: Instant::now(),
        count: counter.load(Ordering::Relaxed),
        driver_ns: procstat::cpu_ns(Proc::Current).unwrap_or(0),
        router_ns: router.and_then(|pid| procstat::cpu_ns(Proc::Pid(pid)).ok()),
        machine_ns: procstat::machine_busy_ns().ok(),
        driver_wait_ns: wait_ns(Proc::Current),
        router_wait_ns: router.and_then(|pid| wait_ns(Proc::Pid(pid))),
    }
}

/// Waits out `w.warmup`, then measures `counter` and CPU shares over `w.duration`.
pub async fn measure(counter: &AtomicU64, w: Window, router: Option<u32>) -> DriverReport {
    tokio::time::sleep(w.warmup).await;
    let a = snapshot(counter, router);
    tokio::time::sleep(w.duration).await;
    let b = snapshot(counter, router);
    report(&a, &b)
}

fn diff_ms(a: Option<u64>, b: Option<u64>) -> Option<f64> {
    Some(b?.saturating_sub(a?) as f64 / 1e6)
}

fn report(a: &Snapshot, b: &Snapshot) -> DriverReport {
    let wall = b.at.duration_since(a.at);
    let wall_ns = wall.as_nanos();
    let secs = wall.as_secs_f64();
    let count = b.count - a.count;
    let driver = b.driver_ns.saturating_sub(a.driver_ns);
    let router = match (a.router_ns, b.router_ns) {
        (Some(x), Some(y)) => Some(y.saturating_sub(x)),
        _ => None,
    };
    let other = match (a.machine_ns, b.machine_ns) {
        (Some(x), Some(y)) => Some(procstat::share(
            y.saturating_sub(x)
                .saturating_sub(driver)
                .saturating_sub(router.unwrap_or(0)),
            wall_ns,
        )),
        _ => None,
    };
    DriverReport {
        count,
        secs,
        rate: if secs > 0.0 { count as f64 / secs } else { 0.0 },
        driver_cpu: procstat::share(driver, wall_ns),
        router_cpu: router.map(|r| procstat::share(r, wall_ns)),
        other_cpu: other,
        driver_wait_ms: diff_ms(a.driver_wait_ns, b.driver_wait_ns),
        router_wait_ms: diff_ms(a.router_wait_ns, b.router_wait_ns),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_from_snapshots() {
        let t = Instant::now();
        let a = Snapshot {
            at: t,
            count: 100,
            driver_ns: 0,
            router_ns: Some(0),
            machine_ns: Some(0),
            driver_wait_ns: Some(0),
            router_wait_ns: None,
        };
        let b = Snapshot {
            at: t + Duration::from_secs(2),
            count: 300,
            driver_ns: 1_000_000_000,
            router_ns: Some(2_000_000_000),
            machine_ns: Some(3_200_000_000),
            driver_wait_ns: Some(4_000_000),
            router_wait_ns: None,
        };
        let r = report(&a, &b);
        assert_eq!(r.count, 200);
        assert!((r.rate - 100.0).abs() < 1e-9);
        assert!((r.driver_cpu - 0.5).abs() < 1e-9);
        assert!((r.router_cpu.unwrap() - 1.0).abs() < 1e-9);
        assert!((r.other_cpu.unwrap() - 0.1).abs() < 1e-9);
        assert_eq!(r.driver_wait_ms, Some(4.0));
        assert_eq!(r.router_wait_ms, None);
    }
}
