//! The client half of the conformance run, executed by `xtask netns-clients`
//! inside `unshare --net`: a network namespace with nothing but loopback,
//! because wstest's fuzzingserver binds 0.0.0.0 and must not be reachable
//! from anywhere else (nor collide with another run on the machine).

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Args;

use crate::conformance::{FUZZINGSERVER_PORT, RUNTIMES};
use crate::proc::{self, Guarded};
use crate::report;

/// Arguments of the hidden `netns-clients` subcommand.
#[derive(Debug, Clone, Args)]
pub(crate) struct NetnsArgs {
    /// The wstest launcher.
    #[arg(long)]
    pub(crate) wstest: PathBuf,
    /// The testee-client binary.
    #[arg(long)]
    pub(crate) testee: PathBuf,
    /// The fuzzingserver spec.
    #[arg(long)]
    pub(crate) spec: PathBuf,
    /// The report directory named in the spec.
    #[arg(long)]
    pub(crate) outdir: PathBuf,
    /// Time limit for each testee client, in seconds.
    #[arg(long)]
    pub(crate) run_timeout_secs: u64,
    /// Time limit for wstest to listen, in seconds.
    #[arg(long)]
    pub(crate) port_timeout_secs: u64,
}

impl NetnsArgs {
    /// The command line that parses back into `self`.
    pub(crate) fn to_args(&self) -> Vec<OsString> {
        let mut args = Vec::new();
        for (flag, path) in [
            ("--wstest", &self.wstest),
            ("--testee", &self.testee),
            ("--spec", &self.spec),
            ("--outdir", &self.outdir),
        ] {
            args.push(flag.into());
            args.push(path.into());
        }
        args.push("--run-timeout-secs".into());
        args.push(self.run_timeout_secs.to_string().into());
        args.push("--port-timeout-secs".into());
        args.push(self.port_timeout_secs.to_string().into());
        args
    }
}

/// Time allowed for `ip link set lo up`.
const IP_TIMEOUT: Duration = Duration::from_secs(10);
/// Time allowed for wstest to finish writing index.json after the last client.
const REPORT_TIMEOUT: Duration = Duration::from_secs(30);

/// Brings up loopback, starts wstest's fuzzingserver and runs every testee
/// client against it, one after the other.
pub(crate) fn run(args: &NetnsArgs) -> Result<()> {
    let mut ip = Command::new("ip");
    ip.args(["link", "set", "lo", "up"]);
    proc::run("ip link set lo up", &mut ip, IP_TIMEOUT)?;

    let addr = SocketAddr::from(([127, 0, 0, 1], FUZZINGSERVER_PORT));
    proc::ensure_port_free(addr)?;
    let log = args.outdir.join("wstest.log");
    let (out, err) = proc::log_to(&log)?;
    let mut cmd = proc::command(&args.wstest);
    cmd.args(["-m", "fuzzingserver", "-u", "0", "-s"])
        .arg(&args.spec)
        .current_dir(&args.outdir)
        .stdout(out)
        .stderr(err);
    let mut wstest = Guarded::spawn("wstest fuzzingserver", &mut cmd)?;
    proc::wait_for_port(
        addr,
        &mut wstest,
        Duration::from_secs(args.port_timeout_secs),
    )
    .with_context(|| format!("log {}:\n{}", log.display(), proc::tail(&log, 20)))?;
    eprintln!(
        "xtask: wstest fuzzingserver on {addr} (log {})",
        log.display()
    );

    let mut errors = Vec::new();
    let mut finished = Vec::new();
    for rt in RUNTIMES {
        let started = Instant::now();
        match run_client(args, rt.name, rt.client_agent, &format!("ws://{addr}")) {
            Ok(()) => finished.push(rt.client_agent),
            Err(err) => errors.push(format!("{err:#}")),
        }
        eprintln!(
            "xtask: testee-client {} done in {:.1}s",
            rt.name,
            started.elapsed().as_secs_f64()
        );
    }
    if let Err(err) = wait_for_report(&args.outdir, &finished, &mut wstest) {
        errors.push(format!("{err:#}"));
    }
    wstest.kill();
    if !errors.is_empty() {
        bail!("{}", errors.join("\n"));
    }
    Ok(())
}

/// Runs one testee client to completion.
fn run_client(args: &NetnsArgs, runtime: &str, agent: &str, url: &str) -> Result<()> {
    let log = args.outdir.join(format!("testee-client-{runtime}.log"));
    let (out, err) = proc::log_to(&log)?;
    let mut cmd = proc::command(&args.testee);
    cmd.args(["--runtime", runtime, "--url", url, "--agent", agent])
        .stdout(out)
        .stderr(err);
    Guarded::spawn(&format!("testee-client --runtime {runtime}"), &mut cmd)?
        .wait_success(Duration::from_secs(args.run_timeout_secs))
        .with_context(|| format!("log {}:\n{}", log.display(), proc::tail(&log, 20)))
}

/// Waits until index.json parses and names every agent in `agents`, so
/// wstest is not killed while it writes the report of the last client.
fn wait_for_report(outdir: &Path, agents: &[&str], wstest: &mut Guarded) -> Result<()> {
    let deadline = Instant::now() + REPORT_TIMEOUT;
    loop {
        let complete = report::load(outdir)
            .map(|index| agents.iter().all(|a| index.contains_key(*a)))
            .unwrap_or(false);
        if complete {
            return Ok(());
        }
        if let Some(status) = wstest.try_exited()? {
            bail!("wstest fuzzingserver exited ({status}) before reporting {agents:?}");
        }
        if Instant::now() >= deadline {
            bail!(
                "wstest did not write a report for {agents:?} within {}s",
                REPORT_TIMEOUT.as_secs()
            );
        }
        sleep(Duration::from_millis(200));
    }
}

/// Whether this process runs with effective uid 0 (from /proc/self/status).
pub(crate) fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("Uid:"))?;
            line.split_whitespace().nth(2).map(|euid| euid == "0")
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        inner: NetnsArgs,
    }

    #[test]
    fn args_round_trip() {
        let args = NetnsArgs {
            wstest: "/opt/w s/wstest".into(),
            testee: "/t/testee-client".into(),
            spec: "/r/fuzzingserver.json".into(),
            outdir: "/r".into(),
            run_timeout_secs: 7,
            port_timeout_secs: 3,
        };
        let mut argv: Vec<OsString> = vec!["x".into()];
        argv.extend(args.to_args());
        let back = Wrapper::parse_from(argv).inner;
        assert_eq!(back.wstest, args.wstest);
        assert_eq!(back.testee, args.testee);
        assert_eq!(back.spec, args.spec);
        assert_eq!(back.outdir, args.outdir);
        assert_eq!(back.run_timeout_secs, 7);
        assert_eq!(back.port_timeout_secs, 3);
    }
}
