//! Process statistics from `/proc` (Linux): CPU time and resident memory.

use std::fs;
use std::io;

/// Which process to read: this one or another by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proc {
    /// The calling process (`/proc/self`).
    Current,
    /// Another process.
    Pid(u32),
}

impl Proc {
    fn dir(self) -> String {
        match self {
            Self::Current => "/proc/self".to_owned(),
            Self::Pid(pid) => format!("/proc/{pid}"),
        }
    }
}

/// CPU time (user + system, nanoseconds) of all threads of `proc`, from each
/// thread's `schedstat` (exact, unlike the clock ticks of `stat`).
///
/// # Errors
/// When `/proc` cannot be read (e.g. the process is gone).
pub fn cpu_ns(proc: Proc) -> io::Result<u64> {
    let mut total = 0u64;
    for entry in fs::read_dir(format!("{}/task", proc.dir()))? {
        let path = entry?.path().join("schedstat");
        // A thread may exit between the listing and the read.
        let Ok(text) = fs::read_to_string(path) else {
            continue;
        };
        total += parse_schedstat(&text)?;
    }
    Ok(total)
}

fn parse_schedstat(text: &str) -> io::Result<u64> {
    text.split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "bad schedstat"))
}

/// A `kB` field (e.g. `VmRSS`, `VmHWM`) of `/proc/<pid>/status`, in KiB.
///
/// # Errors
/// When the file cannot be read or lacks the field.
pub fn status_kib(proc: Proc, field: &str) -> io::Result<u64> {
    let text = fs::read_to_string(format!("{}/status", proc.dir()))?;
    parse_status_field(&text, field)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, format!("no {field} in status")))
}

fn parse_status_field(text: &str, field: &str) -> Option<u64> {
    text.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

/// Busy time of the whole machine (all CPUs: user, nice, system, irq,
/// softirq, steal), nanoseconds, from the first line of `/proc/stat`.
///
/// # Errors
/// When `/proc/stat` cannot be read or parsed.
pub fn machine_busy_ns() -> io::Result<u64> {
    let text = fs::read_to_string("/proc/stat")?;
    parse_machine_busy(&text)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "bad /proc/stat"))
}

/// `/proc/stat` counts in USER_HZ, which is 100 on every Linux ABI.
const NS_PER_TICK: u64 = 10_000_000;

fn parse_machine_busy(text: &str) -> Option<u64> {
    let line = text.lines().next()?.strip_prefix("cpu ")?;
    let v: Vec<u64> = line
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal
    let busy = v.first()? + v.get(1)? + v.get(2)? + v.get(5)? + v.get(6)? + v.get(7).unwrap_or(&0);
    Some(busy * NS_PER_TICK)
}

/// CPU share of a process over an interval: `cpu_delta_ns / wall_ns`.
pub fn share(cpu_delta_ns: u64, wall_ns: u128) -> f64 {
    if wall_ns == 0 {
        return 0.0;
    }
    cpu_delta_ns as f64 / wall_ns as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_status_fields() {
        let text = "Name:\tx\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\n";
        assert_eq!(parse_status_field(text, "VmRSS"), Some(1024));
        assert_eq!(parse_status_field(text, "VmHWM"), Some(2048));
        assert_eq!(parse_status_field(text, "VmSwap"), None);
    }

    #[test]
    fn parses_machine_busy() {
        let text = "cpu  10 1 5 1000 7 2 3 4 0 0\ncpu0 1 2 3\n";
        assert_eq!(parse_machine_busy(text), Some(25 * NS_PER_TICK));
        assert_eq!(parse_machine_busy("cpu0 1\n"), None);
        assert!(machine_busy_ns().is_ok());
    }

    #[test]
    fn parses_schedstat() {
        assert_eq!(parse_schedstat("123456 789 10\n").unwrap(), 123_456);
        assert!(parse_schedstat("").is_err());
    }

    #[test]
    fn reads_own_process() {
        assert!(status_kib(Proc::Current, "VmRSS").unwrap() > 0);
        let before = cpu_ns(Proc::Current).unwrap();
        let t0 = std::time::Instant::now();
        let mut x = 0u64;
        while t0.elapsed() < std::time::Duration::from_millis(50) {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(1));
        }
        // A context switch brings the running thread's counter up to date.
        std::thread::sleep(std::time::Duration::from_millis(2));
        assert!(cpu_ns(Proc::Current).unwrap() > before + 1_000_000);
    }
}
