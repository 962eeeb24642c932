//! Child processes of the runner: servers and generators, pinned with
//! `taskset`, always killed when their guard is dropped (also on error and
//! panic), and every wait bounded in time.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use super::ServerSpec;
use crate::procstat::{self, Proc};

/// The directory of the current executable (where the sibling binaries are) and the
/// CPUs to pin to, `(server, client)` = `(1, 0)`, when there are two CPUs or more.
///
/// # Errors
/// When the current executable's path is unknown.
pub fn exe_dir_and_cpus() -> io::Result<(PathBuf, Option<(usize, usize)>)> {
    let exe = std::env::current_exe()?;
    let dir = exe
        .parent()
        .ok_or_else(|| io::Error::other("executable has no directory"))?
        .to_path_buf();
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    Ok((dir, (cpus >= 2).then_some((1, 0))))
}

/// How long a server may take to print `READY`.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// A child process that failed.
#[derive(Debug, thiserror::Error)]
pub enum ChildError {
    /// Spawning or talking to it failed.
    #[error("{what}: {source}")]
    Io {
        /// Which process.
        what: String,
        /// The cause.
        source: io::Error,
    },
    /// It did not answer in time.
    #[error("{0}: timed out")]
    Timeout(String),
    /// It exited unsuccessfully; its stderr.
    #[error("{what} failed: {stderr}")]
    Failed {
        /// Which process.
        what: String,
        /// What it printed on stderr.
        stderr: String,
    },
}

/// Where binaries are and how to pin them.
#[derive(Clone, Debug)]
pub struct Launcher {
    /// Directory holding the release binaries (the runner's own).
    pub dir: PathBuf,
    /// CPUs for the server and the generator; `None` when the machine has
    /// fewer than two (no pinning).
    pub cpus: Option<(usize, usize)>,
    /// Directory for the servers' stderr logs.
    pub log_dir: PathBuf,
    /// Niceness of servers and generator; 0 leaves it alone. Otherwise each
    /// child starts in its own session (`setsid`), so in its own scheduler
    /// autogroup, and that autogroup gets this niceness too: with autogroups
    /// a plain `nice` only ranks a process within its own session, so it
    /// would not shield the measurement from other sessions' work. Negative
    /// values need root.
    pub nice: i32,
}

impl Launcher {
    /// The binaries next to the current executable; pins the server to CPU
    /// 1 and the generator to CPU 0 when there are two CPUs or more.
    ///
    /// # Errors
    /// When the current executable's path is unknown.
    pub fn from_current_exe() -> io::Result<Self> {
        let (dir, cpus) = exe_dir_and_cpus()?;
        let log_dir = dir.join("ws-bench-logs");
        fs::create_dir_all(&log_dir)?;
        Ok(Self {
            dir,
            cpus,
            log_dir,
            nice: 0,
        })
    }

    /// Checks that every binary the plan needs exists.
    ///
    /// # Errors
    /// Names the first missing binary.
    pub fn check(&self, bins: &[&str]) -> io::Result<()> {
        for bin in bins {
            if !self.dir.join(bin).is_file() {
                return Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    format!(
                        "{} missing: run `cargo build --release -p ferrobahn-load --bins` first",
                        self.dir.join(bin).display()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// `[setsid nice -n N] [taskset -c CPU] bin`: each wrapper execs the
    /// next (`setsid` does not fork: the child leads no process group), so
    /// the child's pid is the binary's.
    fn command(&self, bin: &str, cpu: Option<usize>) -> Command {
        let mut argv: Vec<std::ffi::OsString> = Vec::new();
        if self.nice != 0 {
            let n = self.nice.to_string().into();
            argv.extend(["setsid".into(), "nice".into(), "-n".into(), n]);
        }
        if let Some(c) = cpu {
            argv.extend(["taskset".into(), "-c".into(), c.to_string().into()]);
        }
        argv.push(self.dir.join(bin).into());
        let mut cmd = Command::new(&argv[0]);
        cmd.args(&argv[1..]);
        cmd
    }
}

/// Spawns `cmd` and, with a niceness set, gives the child's new autogroup
/// that niceness (best effort: a kernel without autogroups has no file).
fn spawn(l: &Launcher, cmd: &mut Command, what: &str) -> Result<Child, ChildError> {
    let child = cmd.spawn().map_err(io_err(what))?;
    if l.nice != 0 {
        // setsid runs first; wait until the child is in its own session.
        let sid_path = format!("/proc/{}/stat", child.id());
        for _ in 0..100 {
            let own_session = fs::read_to_string(&sid_path)
                .ok()
                .and_then(|st| {
                    st.rsplit_once(')')
                        .map(|(_, r)| r.split_whitespace().nth(3) == Some(&child.id().to_string()))
                })
                .unwrap_or(false);
            if own_session {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let _ = fs::write(
            format!("/proc/{}/autogroup", child.id()),
            l.nice.to_string(),
        );
    }
    Ok(child)
}

/// A child that is killed and reaped when dropped.
#[derive(Debug)]
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Forwards the lines of `r` to a channel (a thread per child stream).
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

fn io_err(what: &str) -> impl FnOnce(io::Error) -> ChildError + '_ {
    move |source| ChildError::Io {
        what: what.to_owned(),
        source,
    }
}

/// A running echo server.
#[derive(Debug)]
pub struct ServerProc {
    guard: Guard,
    /// Its pid (taskset execs the server in place).
    pub pid: u32,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl ServerProc {
    /// Starts `spec` on an ephemeral loopback port and waits for `READY`.
    ///
    /// # Errors
    /// Spawn failure, no `READY` in time, or a bad address in it.
    pub fn start(l: &Launcher, spec: &ServerSpec, lifetime: Duration) -> Result<Self, ChildError> {
        let log = File::options()
            .create(true)
            .append(true)
            .open(l.log_dir.join(format!("{}.log", spec.name)))
            .map_err(io_err(spec.name))?;
        let mut cmd = l.command(spec.bin, l.cpus.map(|c| c.0));
        cmd.args(spec.args)
            .args(["--listen", "127.0.0.1:0", "--lifetime"])
            .arg(lifetime.as_secs().max(1).to_string())
            .env("ASYNC_STD_THREAD_COUNT", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log);
        let mut child = spawn(l, &mut cmd, spec.name)?;
        let stdout = child.stdout.take();
        let pid = child.id();
        let guard = Guard(child);
        let rx = lines(stdout.ok_or_else(|| ChildError::Timeout(spec.name.to_owned()))?);
        let line = rx
            .recv_timeout(START_TIMEOUT)
            .map_err(|_| ChildError::Timeout(format!("{} start", spec.name)))?;
        let addr = line
            .strip_prefix("READY ")
            .and_then(|a| a.trim().parse().ok())
            .ok_or_else(|| ChildError::Failed {
                what: spec.name.to_owned(),
                stderr: format!("unexpected first line `{line}`"),
            })?;
        Ok(Self { guard, pid, addr })
    }

    /// A `kB` field of its `/proc/PID/status` (`VmRSS`, `VmHWM`), in KiB.
    ///
    /// # Errors
    /// When the process is gone.
    pub fn status_kib(&self, field: &str) -> io::Result<u64> {
        procstat::status_kib(Proc::Pid(self.pid), field)
    }

    /// Whether it is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.guard.0.try_wait(), Ok(None))
    }
}

/// Waits for `child` to exit within `timeout`, collecting its output.
fn finish(mut guard: Guard, what: &str, timeout: Duration) -> Result<String, ChildError> {
    let out = lines(
        guard
            .0
            .stdout
            .take()
            .ok_or_else(|| ChildError::Timeout(what.to_owned()))?,
    );
    let err = lines(
        guard
            .0
            .stderr
            .take()
            .ok_or_else(|| ChildError::Timeout(what.to_owned()))?,
    );
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = guard.0.try_wait().map_err(io_err(what))? {
            break status;
        }
        if Instant::now() > deadline {
            return Err(ChildError::Timeout(what.to_owned()));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let collect = |rx: &Receiver<String>| {
        let mut v = Vec::new();
        while let Ok(l) = rx.recv_timeout(Duration::from_millis(500)) {
            v.push(l);
        }
        v.join("\n")
    };
    let stdout = collect(&out);
    if status.success() {
        Ok(stdout)
    } else {
        Err(ChildError::Failed {
            what: what.to_owned(),
            stderr: collect(&err),
        })
    }
}

/// Runs the generator with `args` to completion (killed after `timeout`),
/// returning its stdout.
///
/// # Errors
/// Spawn failure, timeout, or a non-zero exit (with its stderr).
pub fn run_loadgen(l: &Launcher, args: &[String], timeout: Duration) -> Result<String, ChildError> {
    let mut cmd = l.command("loadgen", l.cpus.map(|c| c.1));
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let guard = Guard(spawn(l, &mut cmd, "loadgen")?);
    finish(guard, "loadgen", timeout)
}

/// A generator holding idle connections.
#[derive(Debug)]
pub struct IdleGen {
    guard: Guard,
    stdin: Option<ChildStdin>,
}

impl IdleGen {
    /// Starts `loadgen --idle` and waits (up to `timeout`) until it holds
    /// all connections.
    ///
    /// # Errors
    /// Spawn failure, timeout, or the generator failing.
    pub fn start(l: &Launcher, args: &[String], timeout: Duration) -> Result<Self, ChildError> {
        let mut cmd = l.command("loadgen", l.cpus.map(|c| c.1));
        cmd.arg("--idle")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = spawn(l, &mut cmd, "loadgen --idle")?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let guard = Guard(child);
        let rx = lines(stdout.ok_or_else(|| ChildError::Timeout("loadgen --idle".into()))?);
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left.max(Duration::from_millis(1))) {
                Ok(line) if line.starts_with("READY") => return Ok(Self { guard, stdin }),
                Ok(_) => {}
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    return Err(ChildError::Timeout("loadgen --idle".into()))
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let mut text = String::new();
                    if let Some(mut e) = stderr {
                        let _ = e.read_to_string(&mut text);
                    }
                    return Err(ChildError::Failed {
                        what: "loadgen --idle".into(),
                        stderr: text,
                    });
                }
            }
        }
    }

    /// Releases the connections and waits for the generator to exit.
    pub fn stop(mut self) {
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if !matches!(self.guard.0.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The first line of `/proc/loadavg` (1, 5, 15 minute averages).
pub fn loadavg() -> (f64, String) {
    let text = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let one = text
        .split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    let three: Vec<&str> = text.split_whitespace().take(3).collect();
    (one, three.join(" "))
}
