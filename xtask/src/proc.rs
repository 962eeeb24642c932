//! Child processes that are always reaped, waits that always time out.

use std::ffi::OsStr;
use std::fs::File;
use std::io::ErrorKind;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// How often waits look at a child or a port again.
const POLL: Duration = Duration::from_millis(100);

/// A command for a long-running child: run through `setpriv --pdeathsig KILL`
/// (util-linux) where available, so the child dies with xtask even when xtask
/// itself is killed and cannot clean up.
pub(crate) fn command(program: impl AsRef<OsStr>) -> Command {
    if Path::new("/usr/bin/setpriv").is_file() {
        let mut cmd = Command::new("/usr/bin/setpriv");
        cmd.args(["--pdeathsig", "KILL", "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

/// A child process that is killed and reaped when dropped, so no error path
/// and no early return leaves a testee or a wstest behind.
#[derive(Debug)]
pub(crate) struct Guarded {
    name: String,
    child: Child,
}

impl Guarded {
    /// Spawns `cmd`; `name` appears in every message about it.
    pub(crate) fn spawn(name: &str, cmd: &mut Command) -> Result<Self> {
        let child = cmd
            .spawn()
            .with_context(|| format!("cannot start {name}: {cmd:?}"))?;
        Ok(Self {
            name: name.to_owned(),
            child,
        })
    }

    /// The status if the child has exited, without blocking.
    pub(crate) fn try_exited(&mut self) -> Result<Option<ExitStatus>> {
        self.child
            .try_wait()
            .with_context(|| format!("cannot query {}", self.name))
    }

    /// Waits for the child to exit; kills it and fails after `timeout`.
    pub(crate) fn wait_timeout(&mut self, timeout: Duration) -> Result<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.try_exited()? {
                return Ok(status);
            }
            if Instant::now() >= deadline {
                self.kill();
                bail!(
                    "{} did not finish within {}s (killed)",
                    self.name,
                    timeout.as_secs()
                );
            }
            sleep(POLL);
        }
    }

    /// Waits like [`Guarded::wait_timeout`] and fails unless the exit status is 0.
    pub(crate) fn wait_success(&mut self, timeout: Duration) -> Result<()> {
        let status = self.wait_timeout(timeout)?;
        if !status.success() {
            bail!("{} failed: {status}", self.name);
        }
        Ok(())
    }

    /// Kills the child (if it still runs) and reaps it.
    pub(crate) fn kill(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        // Errors here mean the process is already gone; nothing is left to do.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Runs `cmd` to completion with inherited stdio, failing on a non-zero exit
/// or after `timeout`.
pub(crate) fn run(name: &str, cmd: &mut Command, timeout: Duration) -> Result<()> {
    Guarded::spawn(name, cmd)?.wait_success(timeout)
}

/// Fails if something already listens on `addr` (another run, another tool):
/// its results would be mistaken for ours.
pub(crate) fn ensure_port_free(addr: SocketAddr) -> Result<()> {
    match TcpListener::bind(addr) {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == ErrorKind::AddrInUse => {
            bail!("{addr} is already in use; stop whatever listens there first")
        }
        Err(err) => Err(err).with_context(|| format!("cannot check whether {addr} is free")),
    }
}

/// Waits until `addr` accepts a TCP connection, failing if `owner` exits
/// first or `timeout` passes.
pub(crate) fn wait_for_port(
    addr: SocketAddr,
    owner: &mut Guarded,
    timeout: Duration,
) -> Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = owner.try_exited()? {
            bail!(
                "{} exited ({status}) before {addr} accepted connections",
                owner.name
            );
        }
        if TcpStream::connect_timeout(&addr, POLL).is_ok() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            bail!(
                "{} did not accept connections on {addr} within {}s",
                owner.name,
                timeout.as_secs()
            );
        }
        sleep(POLL);
    }
}

/// Stdout and stderr handles that both append to the log file at `path`.
pub(crate) fn log_to(path: &Path) -> Result<(Stdio, Stdio)> {
    let out = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let err = out.try_clone()?;
    Ok((Stdio::from(out), Stdio::from(err)))
}

/// The last `lines` lines of a log file, for error messages.
pub(crate) fn tail(path: &Path, lines: usize) -> String {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let all: Vec<&str> = text.lines().collect();
            all[all.len().saturating_sub(lines)..].join("\n")
        }
        Err(err) => format!("(cannot read {}: {err})", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_timeout_kills_a_hanging_child() {
        let mut child = Guarded::spawn("sleep", Command::new("sleep").arg("30")).unwrap();
        let started = Instant::now();
        let err = child.wait_timeout(Duration::from_millis(300)).unwrap_err();
        assert!(err.to_string().contains("did not finish"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(
            child.try_exited().unwrap().is_some(),
            "child must be reaped"
        );
    }

    #[test]
    fn wait_success_reports_exit_status() {
        let mut ok = Guarded::spawn("true", &mut Command::new("true")).unwrap();
        ok.wait_success(Duration::from_secs(10)).unwrap();
        let mut bad = Guarded::spawn("false", &mut Command::new("false")).unwrap();
        assert!(bad.wait_success(Duration::from_secs(10)).is_err());
    }

    #[test]
    fn wait_for_port_sees_listener_and_dead_owner() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let mut owner = Guarded::spawn("sleep", Command::new("sleep").arg("30")).unwrap();
        wait_for_port(addr, &mut owner, Duration::from_secs(5)).unwrap();
        assert!(ensure_port_free(addr).is_err());
        drop(listener);

        // Let the owner exit first: probing a freed ephemeral port could
        // connect the socket to itself (TCP simultaneous open).
        let mut dead = Guarded::spawn("true", &mut Command::new("true")).unwrap();
        dead.wait_success(Duration::from_secs(5)).unwrap();
        let err = wait_for_port(addr, &mut dead, Duration::from_secs(5)).unwrap_err();
        assert!(err.to_string().contains("exited"), "{err}");
    }
}
