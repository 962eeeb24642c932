//! Starting and stopping the routers under test, pinned with `taskset`, and the
//! driver process next to them. Every child is stopped when its guard is dropped (also
//! on error), and every wait has a timeout.

use std::fs;
use std::io::{self, BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use ferrobahn_load::procstat::{self, Proc};

pub use super::launcher::Launcher;
use super::RouterKind;

/// How long `ferrobahn router` may take to listen.
const FERROBAHN_START: Duration = Duration::from_secs(20);
/// How long Crossbar.io may take to listen (a cold Python start on a busy machine).
const CROSSBAR_START: Duration = Duration::from_secs(180);
/// How long a router gets to stop after SIGTERM before SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// A runner failure.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Spawning or talking to a child failed.
    #[error("{what}: {source}")]
    Io {
        /// Which step.
        what: String,
        /// The cause.
        source: io::Error,
    },
    /// A child did not answer in time.
    #[error("{0}: timed out")]
    Timeout(String),
    /// A child failed; what it said.
    #[error("{what} failed: {detail}")]
    Failed {
        /// Which child.
        what: String,
        /// Its stderr or the unexpected output.
        detail: String,
    },
}

pub(super) fn io_err(what: &str) -> impl FnOnce(io::Error) -> RunError + '_ {
    move |source| RunError::Io {
        what: what.to_owned(),
        source,
    }
}

/// A child that is stopped (SIGTERM, then SIGKILL) and reaped when dropped.
#[derive(Debug)]
struct Guard {
    child: Child,
    /// Extra processes to kill if they outlive the child (Crossbar's worker).
    also: Vec<u32>,
}

fn signal(pid: u32, sig: &str) {
    let _ = Command::new("kill")
        .args([sig, &pid.to_string()])
        .stderr(Stdio::null())
        .status();
}

fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && !fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| {
                s.rsplit_once(')')
                    .is_some_and(|(_, r)| r.trim_start().starts_with('Z'))
            })
            .unwrap_or(true)
}

impl Drop for Guard {
    fn drop(&mut self) {
        signal(self.child.id(), "-TERM");
        let deadline = Instant::now() + STOP_GRACE;
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) && !self.also.iter().any(|p| alive(*p))
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        for p in &self.also {
            signal(*p, "-KILL");
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Forwards the lines of `r` to a channel.
fn lines(r: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(r).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

/// A running router.
#[derive(Debug)]
pub struct RouterProc {
    _guard: Guard,
    /// Which router.
    pub kind: RouterKind,
    /// The process that routes (Crossbar: its router worker).
    pub pid: u32,
    /// Its WebSocket URL.
    pub url: String,
}

/// A free loopback port (bound and released; good enough on an otherwise quiet host).
fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl RouterProc {
    /// Starts `kind` pinned to the router CPU; returns once it accepts connections.
    ///
    /// # Errors
    /// Spawn failure, no listening socket in time.
    pub fn start(l: &Launcher, kind: RouterKind, tag: &str) -> Result<Self, RunError> {
        match kind {
            RouterKind::Ferrobahn | RouterKind::FerrobahnBusyPoll => {
                Self::start_listening(l, kind, "ferrobahn", tag)
            }
            RouterKind::Raw => Self::start_listening(l, kind, "raw-fanout", tag),
            RouterKind::Crossbar => Self::start_crossbar(l, tag),
        }
    }

    /// `ferrobahn router` or `raw-fanout` (`program`): both print `listening on URL`.
    fn start_listening(
        l: &Launcher,
        kind: RouterKind,
        program: &str,
        tag: &str,
    ) -> Result<Self, RunError> {
        let log = fs::File::create(l.work.join(format!("{program}-{tag}.log")))
            .map_err(io_err("router log"))?;
        let busy = kind == RouterKind::FerrobahnBusyPoll;
        let mut cmd = l.command(&l.dir.join(program), l.cpus.map(|c| c.0), true);
        if kind != RouterKind::Raw {
            cmd.arg("router");
        }
        if busy {
            cmd.args(l.busy_poll_args());
        }
        cmd.args(["--listen", "127.0.0.1:0"])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log);
        let mut child = l.spawn(&mut cmd, program)?;
        let out = child.stdout.take();
        let guard = Guard {
            child,
            also: Vec::new(),
        };
        let rx = lines(out.ok_or_else(|| RunError::Timeout(format!("{program} stdout")))?);
        let line = rx
            .recv_timeout(FERROBAHN_START)
            .map_err(|_| RunError::Timeout(format!("{program} start")))?;
        let url = line
            .strip_prefix("listening on ")
            .map(str::trim)
            .filter(|u| u.starts_with("ws://"))
            .ok_or_else(|| RunError::Failed {
                what: program.into(),
                detail: format!("unexpected first line `{line}`"),
            })?
            .to_owned();
        let pid = guard.child.id();
        Ok(Self {
            _guard: guard,
            kind,
            pid,
            url,
        })
    }

    fn start_crossbar(l: &Launcher, tag: &str) -> Result<Self, RunError> {
        let port = free_port().map_err(io_err("free port"))?;
        let cbdir = l.work.join(format!("crossbar-{tag}"));
        let _ = fs::remove_dir_all(&cbdir);
        fs::create_dir_all(&cbdir).map_err(io_err("crossbar dir"))?;
        fs::write(cbdir.join("config.json"), crossbar_config(port))
            .map_err(io_err("crossbar config"))?;
        let log = fs::File::create(cbdir.join("node.log")).map_err(io_err("crossbar log"))?;
        let mut cmd = l.command(&l.crossbar, l.cpus.map(|c| c.0), true);
        cmd.arg("start")
            .arg("--cbdir")
            .arg(&cbdir)
            .args(["--loglevel", "warn"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(io_err("crossbar log"))?)
            .stderr(log);
        let child = l.spawn(&mut cmd, "crossbar")?;
        let controller = child.id();
        let mut guard = Guard {
            child,
            also: Vec::new(),
        };
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = Instant::now() + CROSSBAR_START;
        loop {
            if let Ok(Some(status)) = guard.child.try_wait() {
                return Err(RunError::Failed {
                    what: "crossbar".into(),
                    detail: format!(
                        "exited with {status}; see {}",
                        cbdir.join("node.log").display()
                    ),
                });
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                break;
            }
            if Instant::now() > deadline {
                return Err(RunError::Timeout("crossbar start".into()));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        let worker = children(controller)
            .into_iter()
            .find(|p| cmdline(*p).contains("RouterController"))
            .ok_or_else(|| RunError::Failed {
                what: "crossbar".into(),
                detail: "no router worker process found".into(),
            })?;
        l.renice_group(worker);
        guard.also.push(worker);
        Ok(Self {
            _guard: guard,
            kind: RouterKind::Crossbar,
            pid: worker,
            url: format!("ws://127.0.0.1:{port}/ws"),
        })
    }

    /// A `kB` field of the routing process's `/proc/PID/status` (`VmRSS`), KiB.
    ///
    /// # Errors
    /// When the process is gone.
    pub fn status_kib(&self, field: &str) -> io::Result<u64> {
        procstat::status_kib(Proc::Pid(self.pid), field)
    }

    /// Waits (at most `timeout`) until the router uses under 5% of a core over
    /// 300 ms, so one run's leftovers do not leak into the next.
    pub fn wait_quiet(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            let (Ok(a), t) = (procstat::cpu_ns(Proc::Pid(self.pid)), Instant::now()) else {
                return;
            };
            std::thread::sleep(Duration::from_millis(300));
            let Ok(b) = procstat::cpu_ns(Proc::Pid(self.pid)) else {
                return;
            };
            if procstat::share(b.saturating_sub(a), t.elapsed().as_nanos()) < 0.05 {
                return;
            }
        }
    }
}

/// Field `n` (0-based, after the command name) of `/proc/PID/stat`.
fn stat_field(pid: u32, n: usize) -> Option<u32> {
    let s = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = s.rsplit_once(')')?;
    rest.split_whitespace().nth(n)?.parse().ok()
}

/// The session id of `pid`.
pub(super) fn session_of(pid: u32) -> Option<u32> {
    stat_field(pid, 3)
}

/// Pids whose parent is `pid`.
fn children(pid: u32) -> Vec<u32> {
    let Ok(dir) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|p| stat_field(*p, 1) == Some(pid))
        .collect()
}

fn cmdline(pid: u32) -> String {
    fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
        .unwrap_or_default()
}

/// Crossbar.io node config: one router worker, realm `realm1` open to anonymous,
/// WebSocket with JSON and MessagePack on `port` (no disclosure, as ours by default).
pub fn crossbar_config(port: u16) -> String {
    serde_json::json!({
        "version": 2,
        "controller": {},
        "workers": [{
            "type": "router",
            "realms": [{
                "name": "realm1",
                "roles": [{
                    "name": "anonymous",
                    "permissions": [{
                        "uri": "", "match": "prefix",
                        "allow": {"call": true, "register": true, "publish": true, "subscribe": true},
                        "disclose": {"caller": false, "publisher": false},
                        "cache": true
                    }]
                }]
            }],
            "transports": [{
                "type": "websocket",
                "endpoint": {"type": "tcp", "interface": "127.0.0.1", "port": port, "backlog": 4096},
                "serializers": ["json", "msgpack"]
            }]
        }]
    })
    .to_string()
}

/// Runs the driver with `args` (killed after `timeout`); its stdout.
///
/// # Errors
/// Spawn failure, timeout, non-zero exit (with stderr).
pub fn run_driver(l: &Launcher, args: &[String], timeout: Duration) -> Result<String, RunError> {
    let mut cmd = l.driver_for(args);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = l.spawn(&mut cmd, "wamp-driver")?;
    let out = lines(
        child
            .stdout
            .take()
            .ok_or_else(|| RunError::Timeout("driver".into()))?,
    );
    let err = lines(
        child
            .stderr
            .take()
            .ok_or_else(|| RunError::Timeout("driver".into()))?,
    );
    let mut guard = Guard {
        child,
        also: Vec::new(),
    };
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(s) = guard.child.try_wait().map_err(io_err("wamp-driver"))? {
            break s;
        }
        if Instant::now() > deadline {
            return Err(RunError::Timeout("wamp-driver".into()));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let collect = |rx: &Receiver<String>| {
        let mut v = Vec::new();
        while let Ok(l) = rx.recv_timeout(Duration::from_millis(300)) {
            v.push(l);
        }
        v.join("\n")
    };
    if status.success() {
        Ok(collect(&out))
    } else {
        Err(RunError::Failed {
            what: "wamp-driver".into(),
            detail: collect(&err),
        })
    }
}

/// A driver holding idle sessions.
#[derive(Debug)]
pub struct IdleDriver {
    guard: Guard,
    stdin: Option<ChildStdin>,
}

impl IdleDriver {
    /// Starts `wamp-driver ... idle` and waits (up to `timeout`) for `READY`.
    ///
    /// # Errors
    /// Spawn failure, timeout, the driver failing.
    pub fn start(l: &Launcher, args: &[String], timeout: Duration) -> Result<Self, RunError> {
        let mut cmd = l.driver();
        cmd.args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = l.spawn(&mut cmd, "wamp-driver idle")?;
        let stdin = child.stdin.take();
        let out = lines(
            child
                .stdout
                .take()
                .ok_or_else(|| RunError::Timeout("driver".into()))?,
        );
        let mut stderr = child.stderr.take();
        let guard = Guard {
            child,
            also: Vec::new(),
        };
        match out.recv_timeout(timeout) {
            Ok(line) if line.starts_with("READY") => Ok(Self { guard, stdin }),
            Ok(line) => Err(RunError::Failed {
                what: "wamp-driver idle".into(),
                detail: line,
            }),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                Err(RunError::Timeout("wamp-driver idle".into()))
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let mut text = String::new();
                if let Some(e) = stderr.as_mut() {
                    let _ = e.read_to_string(&mut text);
                }
                Err(RunError::Failed {
                    what: "wamp-driver idle".into(),
                    detail: text,
                })
            }
        }
    }

    /// Releases the sessions (closes stdin) and waits for the driver to exit.
    pub fn stop(mut self) {
        drop(self.stdin.take());
        let deadline = Instant::now() + STOP_GRACE;
        while Instant::now() < deadline {
            if matches!(self.guard.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn crossbar_config_is_json_with_the_port() {
        let v: serde_json::Value = serde_json::from_str(&crossbar_config(4242)).unwrap();
        assert_eq!(v["workers"][0]["transports"][0]["endpoint"]["port"], 4242);
        assert_eq!(v["workers"][0]["realms"][0]["name"], "realm1");
    }

    #[test]
    fn the_busy_polling_router_rests_only_when_real_time() {
        let mut l = Launcher::new(PathBuf::from("/nonexistent/crossbar")).unwrap();
        l.busy_poll_us = 300;
        assert_eq!(
            l.busy_poll_args().join(" "),
            "--busy-poll-us 300 --busy-poll-share 100"
        );
        l.realtime = Some(10);
        assert_eq!(
            l.busy_poll_args().join(" "),
            "--busy-poll-us 300 --busy-poll-share 94 --busy-poll-period-us 2000 \
             --busy-poll-blocking-rest"
        );
    }

    #[test]
    fn a_latency_driver_is_real_time_with_rests_when_the_routers_are() {
        let argv = |c: &Command| {
            std::iter::once(c.get_program())
                .chain(c.get_args())
                .map(|a| a.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut l = Launcher::new(PathBuf::from("/nonexistent/crossbar")).unwrap();
        l.cpus = Some((1, 0));
        let latency = ["--url", "ws://x", "latency", "--rate", "5"].map(str::to_owned);
        let rpc = ["--url", "ws://x", "rpc", "--callees", "1"].map(str::to_owned);
        let plain = argv(&l.driver_for(&latency));
        assert!(plain.starts_with("taskset -c 0 "), "{plain}");
        assert!(
            plain.ends_with("wamp-driver --url ws://x latency --rate 5"),
            "{plain}"
        );
        l.realtime = Some(10);
        let rt = argv(&l.driver_for(&latency));
        assert!(rt.starts_with("chrt -f 10 taskset -c 0 "), "{rt}");
        assert!(
            rt.ends_with("latency --rate 5 --rest-every-us 1880 --rest-us 120"),
            "{rt}"
        );
        let other = argv(&l.driver_for(&rpc));
        assert!(other.starts_with("taskset -c 0 "), "not real-time: {other}");
        assert!(other.ends_with("rpc --callees 1"), "{other}");
    }

    #[test]
    fn finds_own_children() {
        let mut child = Command::new("sleep").arg("5").spawn().unwrap();
        let me = std::process::id();
        assert!(children(me).contains(&child.id()));
        // Until the child has exec'd, its command line is still this test's.
        let start = std::time::Instant::now();
        while !cmdline(child.id()).starts_with("sleep 5") {
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "{}",
                cmdline(child.id())
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(!alive(child.id()));
        assert_eq!(session_of(me), stat_field(me, 3));
        assert!(session_of(me).is_some());
    }
}
