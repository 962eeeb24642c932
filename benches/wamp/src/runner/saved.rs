//! Results on disk (`benches/wamp/results.json`) with what is needed to render them
//! again: when, where, how loaded, with which command.

use std::fs;
use std::io;
use std::path::Path;
use std::process::Command;

use serde::{Deserialize, Serialize};

use super::measure::Results;
use super::Plan;

/// The circumstances of a run.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Meta {
    /// UTC start time.
    pub date: String,
    /// CPU model and count, kernel.
    pub machine: String,
    /// `/proc/loadavg` (1, 5, 15 min) before the run.
    pub load_before: String,
    /// The same after the run.
    pub load_after: String,
    /// The command that produced the results.
    pub command: String,
    /// `git describe` of the tree measured.
    pub commit: String,
    /// The Crossbar.io version installed.
    pub crossbar: String,
    /// Rounds, warm-up and window, idle sessions.
    pub plan: String,
    /// Wall time of the whole run, seconds.
    pub wall_secs: f64,
}

/// A run saved as JSON.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Saved {
    /// Circumstances.
    pub meta: Meta,
    /// Measurements.
    pub results: Results,
}

fn output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// `/proc/loadavg`'s first three fields.
pub fn loadavg() -> String {
    ferrobahn_load::runner::child::loadavg().1
}

/// Model name and CPU count from `/proc/cpuinfo`, kernel release.
pub fn machine() -> String {
    let info = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = info
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")?
                .split_once(':')
                .map(|x| x.1.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    let kernel = fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!("{cpus} x {model}, Linux {}", kernel.trim())
}

/// The Crossbar.io version of the virtualenv holding `launcher` (from its dist-info).
pub fn crossbar_version(launcher: &Path) -> String {
    let Some(venv) = launcher.parent().and_then(Path::parent) else {
        return String::new();
    };
    let Ok(libs) = fs::read_dir(venv.join("lib")) else {
        return String::new();
    };
    for py in libs.flatten() {
        let Ok(site) = fs::read_dir(py.path().join("site-packages")) else {
            continue;
        };
        for e in site.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(v) = name
                .strip_prefix("crossbar-")
                .and_then(|r| r.strip_suffix(".dist-info"))
            {
                return v.to_owned();
            }
        }
    }
    String::new()
}

/// `, at 10/25/50% of the one-callee calls/s` for the latency cells of `plan` (empty
/// without any).
fn latency_loads(plan: &Plan) -> String {
    let mut loads: Vec<u8> = plan
        .cells
        .iter()
        .filter_map(|c| c.scenario.load_percent())
        .collect();
    loads.sort_unstable();
    loads.dedup();
    if loads.is_empty() {
        return String::new();
    }
    let loads: Vec<String> = loads.iter().map(u8::to_string).collect();
    format!(", at {}% of the one-callee calls/s", loads.join("/"))
}

impl Meta {
    /// Circumstances at the start of a run of `plan`.
    pub fn start(plan: &Plan, command: String, crossbar: &Path) -> Self {
        Self {
            date: output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
            machine: machine(),
            load_before: loadavg(),
            load_after: String::new(),
            command,
            commit: output("git", &["describe", "--always", "--dirty"]),
            crossbar: crossbar_version(crossbar),
            plan: format!(
                "{} rounds (router order alternating), {:.1} s warm-up + {:.1} s measured per run, idle test {} sessions x {} rounds, latency tick {} µs with {}{}",
                plan.rounds,
                plan.warmup.as_secs_f64(),
                plan.duration.as_secs_f64(),
                plan.idle_sessions,
                plan.idle_rounds.min(plan.rounds),
                plan.latency_tick.as_micros(),
                if plan.latency_light {
                    "light caller and callee"
                } else {
                    "full clients"
                },
                latency_loads(plan)
            ),
            wall_secs: 0.0,
        }
    }
}

/// Writes `saved` as pretty JSON.
///
/// # Errors
/// I/O and serialization errors.
pub fn save(path: &Path, saved: &Saved) -> io::Result<()> {
    let text = serde_json::to_string_pretty(saved).map_err(io::Error::other)?;
    fs::write(path, text + "\n")
}

/// Reads a saved run.
///
/// # Errors
/// I/O and parse errors.
pub fn load(path: &Path) -> io::Result<Saved> {
    let text = fs::read_to_string(path)?;
    serde_json::from_str(&text).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// The markers around the section this runner owns in `benches/RESULTS.md`.
pub const BEGIN: &str = "<!-- wamp-bench:begin (generated by `cargo xtask bench wamp`) -->";
/// See [`BEGIN`].
pub const END: &str = "<!-- wamp-bench:end -->";

/// `doc` with the text between the markers replaced by `section` (appended with the
/// markers when they are absent).
pub fn splice(doc: &str, section: &str) -> String {
    let block = format!("{BEGIN}\n{}\n{END}", section.trim_end());
    match (doc.find(BEGIN), doc.find(END)) {
        (Some(a), Some(b)) if b > a => format!("{}{block}{}", &doc[..a], &doc[b + END.len()..]),
        _ => format!("{}\n\n{block}\n", doc.trim_end()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splices_between_markers() {
        let doc = "# R\n\nother\n";
        let once = splice(doc, "## W\nv1\n");
        assert!(once.starts_with("# R\n\nother\n\n"));
        assert!(once.contains("## W\nv1\n<!-- wamp-bench:end -->"));
        let twice = splice(&format!("{once}\n## later\n"), "## W\nv2");
        assert!(twice.contains("v2") && !twice.contains("v1"));
        assert!(twice.ends_with("<!-- wamp-bench:end -->\n\n## later\n"));
        assert_eq!(twice.matches(BEGIN).count(), 1);
    }

    #[test]
    fn old_results_render() {
        use super::super::{markdown, RouterKind, Scenario};
        // The committed file, made before the latency curve cells existed (or since).
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("results.json");
        let saved = load(&path).unwrap();
        assert!(!saved.results.runs.is_empty());
        let md = markdown::render(&saved);
        assert!(md.starts_with("## WAMP router vs Crossbar.io\n"), "{md}");
        for heading in ["### RPC", "### Call latency at half of each router's peak"] {
            assert!(md.contains(heading), "{md}");
        }
        let half: Vec<_> = saved
            .results
            .runs
            .iter()
            .filter(|r| r.cell.scenario == Scenario::Latency && r.result.is_ok())
            .collect();
        assert!(!half.is_empty());
        for r in half {
            let k = RouterKind::from_name(&r.router).unwrap();
            let row = format!("| {} | {} | ", r.cell.ser(), k.name());
            assert!(md.contains(&row), "{row} in {md}");
        }
        // The saved cells read back as they were written.
        let again: Saved = serde_json::from_str(&serde_json::to_string(&saved).unwrap()).unwrap();
        let cells = |s: &Saved| s.results.runs.iter().map(|r| r.cell).collect::<Vec<_>>();
        assert_eq!(cells(&again), cells(&saved));
    }

    #[test]
    fn latency_cells_save_and_load() {
        use super::super::{Cell, Scenario};
        // The half-load cell as files before the curve wrote it, and a curve cell.
        let old: Cell =
            serde_json::from_str(r#"{"scenario": "Latency", "msgpack": true}"#).unwrap();
        assert_eq!(old.scenario, Scenario::Latency);
        let at = Cell {
            scenario: Scenario::LatencyAt { percent: 25 },
            msgpack: false,
        };
        let text = serde_json::to_string(&at).unwrap();
        assert_eq!(
            text,
            r#"{"scenario":{"LatencyAt":{"percent":25}},"msgpack":false}"#
        );
        assert_eq!(serde_json::from_str::<Cell>(&text).unwrap(), at);
        let plan = |loads: &[u8]| {
            let mut p = Plan::new(true);
            p.set_latency_loads(loads);
            Meta::start(&p, String::new(), Path::new("/nonexistent/bin/crossbar")).plan
        };
        assert!(plan(&[25, 10]).contains(", at 10/25/50% of the one-callee calls/s"));
        assert!(plan(&[]).contains(", at 50% of the one-callee calls/s"));
    }

    #[test]
    fn describes_the_machine() {
        assert!(machine().contains(" x "));
        assert_eq!(loadavg().split_whitespace().count(), 3);
    }
}
