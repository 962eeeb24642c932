//! `cargo xtask conformance`: the Autobahn WebSocket Testsuite against the
//! testee server and client (testsuite/, contract in its binaries' `--help`),
//! on every runtime.
//!
//! 1. Build `ferrobahn-testsuite` in release mode.
//! 2. Servers: start one `testee-server` per runtime on loopback and run
//!    `wstest -m fuzzingclient` against them (reports/servers).
//! 3. Clients: in a private network namespace (`unshare -n`, loopback only,
//!    because wstest binds 0.0.0.0) run `wstest -m fuzzingserver` and each
//!    `testee-client` against it (reports/clients); see [`crate::netns`].
//! 4. Judge reports/*/index.json strictly (see [`crate::report`]).
//!
//! Steps 2 and 3 run at the same time (two wstest processes, one per core
//! of a small machine) unless `--serial` is given. The runtime named by
//! `--full-runtime` runs every selected case in both roles; the others run
//! every selected case except the compression cases (12.*, 13.*) outside
//! `--sample` (wstest's `exclude-agent-cases`), because the 216 compression
//! cases cost several minutes per agent.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};

use crate::cases::Sample;
use crate::proc::{self, Guarded};
use crate::report::{self, AgentSummary};
use crate::spec::{self, ServerAgent};
use crate::workspace::Workspace;
use crate::{cases, netns, wstest};

/// Runtimes the testees run on: (`--runtime` value, server agent, server port,
/// client agent).
pub(crate) const RUNTIMES: &[Runtime] = &[
    Runtime {
        name: "tokio",
        server_agent: "ferrobahn-tokio",
        server_port: 9002,
        client_agent: "ferrobahn-tokio-client",
    },
    Runtime {
        name: "async-std",
        server_agent: "ferrobahn-async-std",
        server_port: 9003,
        client_agent: "ferrobahn-async-std-client",
    },
];

/// One runtime the testees are built for, and the agent names it reports as.
#[derive(Debug)]
pub(crate) struct Runtime {
    /// Value of the testees' `--runtime` option.
    pub(crate) name: &'static str,
    /// Agent name of the testee server in reports/servers.
    pub(crate) server_agent: &'static str,
    /// Loopback port of the testee server.
    pub(crate) server_port: u16,
    /// Agent name of the testee client in reports/clients.
    pub(crate) client_agent: &'static str,
}

/// Port of wstest's fuzzingserver (inside the private network namespace).
pub(crate) const FUZZINGSERVER_PORT: u16 = 9001;

/// Options of `cargo xtask conformance`.
#[derive(Debug, Clone, Args)]
pub(crate) struct ConformanceArgs {
    /// wstest case patterns to run ("*" = all, "6.4.*", "9.1.1"), comma separated.
    #[arg(long, value_delimiter = ',', default_value = "*")]
    pub(crate) cases: Vec<String>,
    /// Case patterns to leave out (none by default; `--exclude '12.*,13.*'`
    /// leaves out the compression cases).
    #[arg(long, value_delimiter = ',', default_value = "")]
    pub(crate) exclude: Vec<String>,
    /// The runtime whose testee server and client run every selected case.
    #[arg(long, default_value = "tokio")]
    pub(crate) full_runtime: String,
    /// The compression cases the other runtimes run: `all`, or case numbers
    /// within each 12.x / 13.x group (default: 16 B, 1 KiB, 16 KiB whole,
    /// 8 KiB in 256 B fragments, 128 KiB in 1 KiB fragments).
    #[arg(long, default_value = "1,4,7,11,16", value_parser = Sample::parse)]
    pub(crate) sample: Sample,
    /// Test the servers, then the clients (default: both at once).
    #[arg(long)]
    pub(crate) serial: bool,
    /// Test only the servers or only the clients.
    #[arg(long, value_enum)]
    pub(crate) only: Option<Part>,
    /// Do not build the testees first (use what is in the target directory).
    #[arg(long)]
    pub(crate) no_build: bool,
    /// Time limit for each wstest run and each testee client run, in seconds.
    /// (The 216 compression cases cost about 8 CPU-minutes per agent, wstest
    /// 5.6 and the testee 2, and took 43-49 minutes on a loaded machine.)
    #[arg(long, default_value_t = 90 * 60)]
    pub(crate) run_timeout_secs: u64,
    /// Time limit for a listener to come up, in seconds.
    #[arg(long, default_value_t = 30)]
    pub(crate) port_timeout_secs: u64,
}

/// Half of the conformance run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Part {
    /// Testee servers (wstest fuzzingclient).
    Servers,
    /// Testee clients (wstest fuzzingserver).
    Clients,
}

/// Upper bound for building the testees.
const BUILD_TIMEOUT: Duration = Duration::from_secs(60 * 60);

impl ConformanceArgs {
    fn runs(&self, part: Part) -> bool {
        self.only.is_none_or(|only| only == part)
    }

    fn run_timeout(&self) -> Duration {
        Duration::from_secs(self.run_timeout_secs)
    }

    fn port_timeout(&self) -> Duration {
        Duration::from_secs(self.port_timeout_secs)
    }

    /// Patterns with empty entries (from `--exclude ''`) dropped.
    fn patterns(list: &[String]) -> Vec<String> {
        list.iter().filter(|p| !p.is_empty()).cloned().collect()
    }
}

/// Runs the conformance suite; fails unless every selected case of every
/// agent passes.
pub(crate) fn run(args: &ConformanceArgs) -> Result<()> {
    let ws = Workspace::locate()?;
    let (cases, exclude) = (
        ConformanceArgs::patterns(&args.cases),
        ConformanceArgs::patterns(&args.exclude),
    );
    let plan = Plan::new(args, &cases, &exclude)?;
    let wstest = wstest::locate(&ws)?;
    eprintln!(
        "xtask: wstest {}; {} cases for {}, {} for the other runtimes (compression sample {})",
        wstest.display(),
        plan.full.len(),
        args.full_runtime,
        plan.sampled.len(),
        args.sample
    );
    if !args.no_build {
        let mut cmd = ws.cargo();
        cmd.args(["build", "--release", "-p", "ferrobahn-testsuite"]);
        proc::run("cargo build (testees)", &mut cmd, BUILD_TIMEOUT)?;
    }
    let reports = ws.root.join("reports");
    let mut parts = Vec::new();
    for part in [Part::Servers, Part::Clients] {
        if args.runs(part) {
            parts.push((part, fresh_dir(&reports.join(part.dir()))?));
        }
    }
    let spec = SpecInput {
        cases: &cases,
        exclude: &exclude,
        agent_excludes: &plan.agent_excludes(),
    };
    let run_part = |part: Part, outdir: &Path| {
        let started = Instant::now();
        let result = match part {
            Part::Servers => run_servers(&ws, &wstest, args, &spec, outdir),
            Part::Clients => run_clients(&ws, &wstest, args, &spec, outdir),
        };
        eprintln!(
            "xtask: {} done in {:.1}s",
            part.dir(),
            started.elapsed().as_secs_f64()
        );
        result.map_err(|err| format!("{}: {err:#}", part.dir()))
    };
    let results: Vec<Result<(), String>> = if args.serial {
        parts
            .iter()
            .map(|(part, dir)| run_part(*part, dir))
            .collect()
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = parts
                .iter()
                .map(|(part, dir)| scope.spawn(|| run_part(*part, dir)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err("runner panicked".into())))
                .collect()
        })
    };
    let mut errors: Vec<String> = results.into_iter().filter_map(Result::err).collect();
    let failed_agents = summarize(&parts, &plan, &mut errors);
    if failed_agents > 0 {
        errors.push(format!("{failed_agents} agent(s) did not pass"));
    }
    if !errors.is_empty() {
        bail!("conformance failed:\n  {}", errors.join("\n  "));
    }
    println!(
        "conformance: every agent passes all its cases ({} for {}, {} for the others)",
        plan.full.len(),
        args.full_runtime,
        plan.sampled.len()
    );
    Ok(())
}

/// Which cases each agent runs.
#[derive(Debug)]
struct Plan {
    /// The runtime that runs every selected case.
    full_runtime: String,
    /// Every selected case.
    full: Vec<String>,
    /// The selected cases the other runtimes run.
    sampled: Vec<String>,
}

impl Plan {
    fn new(args: &ConformanceArgs, cases: &[String], exclude: &[String]) -> Result<Self> {
        if !RUNTIMES.iter().any(|rt| rt.name == args.full_runtime) {
            let names: Vec<&str> = RUNTIMES.iter().map(|rt| rt.name).collect();
            bail!(
                "--full-runtime {:?} is not one of {names:?}",
                args.full_runtime
            );
        }
        let full = cases::select(cases, exclude);
        if full.is_empty() {
            bail!("--cases {cases:?} --exclude {exclude:?} selects no case");
        }
        let sampled = full
            .iter()
            .filter(|id| args.sample.keeps(id))
            .cloned()
            .collect();
        Ok(Self {
            full_runtime: args.full_runtime.clone(),
            full,
            sampled,
        })
    }

    /// The cases the agents of `rt` run.
    fn expected(&self, rt: &Runtime) -> &[String] {
        if rt.name == self.full_runtime {
            &self.full
        } else {
            &self.sampled
        }
    }

    /// wstest's `exclude-agent-cases`: agent -> case ids it skips (exact ids).
    fn agent_excludes(&self) -> BTreeMap<String, Vec<String>> {
        let skipped: Vec<String> = self
            .full
            .iter()
            .filter(|id| !self.sampled.contains(id))
            .cloned()
            .collect();
        if skipped.is_empty() {
            return BTreeMap::new();
        }
        RUNTIMES
            .iter()
            .filter(|rt| rt.name != self.full_runtime)
            .flat_map(|rt| [rt.server_agent, rt.client_agent])
            .map(|agent| (agent.to_owned(), skipped.clone()))
            .collect()
    }
}

/// What goes into both wstest specs.
#[derive(Debug)]
struct SpecInput<'a> {
    cases: &'a [String],
    exclude: &'a [String],
    agent_excludes: &'a BTreeMap<String, Vec<String>>,
}

impl Part {
    /// Directory under reports/ (also the wstest outdir).
    fn dir(self) -> &'static str {
        match self {
            Self::Servers => "servers",
            Self::Clients => "clients",
        }
    }

    fn agents(self) -> impl Iterator<Item = (&'static Runtime, &'static str)> {
        RUNTIMES.iter().map(move |rt| match self {
            Self::Servers => (rt, rt.server_agent),
            Self::Clients => (rt, rt.client_agent),
        })
    }
}

/// Removes and recreates `dir`, so no stale index.json is ever judged.
fn fresh_dir(dir: &Path) -> Result<PathBuf> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("cannot remove {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir.to_path_buf())
}

/// Prints one line per agent, then every problem case; returns how many
/// agents failed. Unreadable reports are added to `errors`.
fn summarize(judged: &[(Part, PathBuf)], plan: &Plan, errors: &mut Vec<String>) -> usize {
    let mut summaries = Vec::new();
    for (part, dir) in judged {
        let index = match report::load(dir) {
            Ok(index) => index,
            Err(err) => {
                errors.push(format!("{err:#}"));
                report::Index::new()
            }
        };
        summaries.extend(
            part.agents()
                .map(|(rt, agent)| AgentSummary::new(&index, agent, plan.expected(rt))),
        );
    }
    println!("== conformance summary");
    for summary in &summaries {
        println!("{}", summary.line());
    }
    let problems: Vec<String> = summaries
        .iter()
        .flat_map(AgentSummary::problem_lines)
        .collect();
    if !problems.is_empty() {
        println!("== cases that did not pass");
        for line in problems {
            println!("{line}");
        }
    }
    summaries.iter().filter(|s| !s.passed()).count()
}

/// Starts the testee servers and runs wstest's fuzzingclient against them.
fn run_servers(
    ws: &Workspace,
    wstest: &Path,
    args: &ConformanceArgs,
    spec: &SpecInput<'_>,
    outdir: &Path,
) -> Result<()> {
    let bin = ws.release_bin("testee-server");
    let mut servers = Vec::new();
    let mut agents = Vec::new();
    for rt in RUNTIMES {
        let addr = SocketAddr::from(([127, 0, 0, 1], rt.server_port));
        proc::ensure_port_free(addr)?;
        let log = outdir.join(format!("testee-server-{}.log", rt.name));
        let (out, err) = proc::log_to(&log)?;
        let mut cmd = proc::command(&bin);
        cmd.args(["--runtime", rt.name, "--listen"])
            .arg(addr.to_string())
            .stdout(out)
            .stderr(err);
        let mut server = Guarded::spawn(&format!("testee-server --runtime {}", rt.name), &mut cmd)?;
        proc::wait_for_port(addr, &mut server, args.port_timeout())
            .with_context(|| format!("log {}:\n{}", log.display(), proc::tail(&log, 20)))?;
        servers.push((server, log));
        agents.push(ServerAgent {
            agent: rt.server_agent.to_owned(),
            url: format!("ws://{addr}"),
        });
    }
    let spec_path = outdir.join("fuzzingclient.json");
    spec::write(
        &spec_path,
        &spec::fuzzing_client(
            &agents,
            spec.cases,
            spec.exclude,
            spec.agent_excludes,
            outdir,
        ),
    )?;
    let log = outdir.join("wstest.log");
    let (out, err) = proc::log_to(&log)?;
    let mut cmd = proc::command(wstest);
    cmd.args(["-m", "fuzzingclient", "-s"])
        .arg(&spec_path)
        .current_dir(outdir)
        .stdout(out)
        .stderr(err);
    eprintln!(
        "xtask: wstest fuzzingclient -> {} (log {})",
        outdir.display(),
        log.display()
    );
    Guarded::spawn("wstest fuzzingclient", &mut cmd)?
        .wait_success(args.run_timeout())
        .with_context(|| format!("log {}:\n{}", log.display(), proc::tail(&log, 20)))?;
    for (server, log) in &mut servers {
        if let Some(status) = server.try_exited()? {
            bail!(
                "a testee server exited during the run ({status}); log {}",
                log.display()
            );
        }
    }
    Ok(())
}

/// Runs the client half inside a new network namespace via the hidden
/// `netns-clients` subcommand of this same binary.
fn run_clients(
    ws: &Workspace,
    wstest: &Path,
    args: &ConformanceArgs,
    spec: &SpecInput<'_>,
    outdir: &Path,
) -> Result<()> {
    let spec_path = outdir.join("fuzzingserver.json");
    let url = format!("ws://127.0.0.1:{FUZZINGSERVER_PORT}");
    spec::write(
        &spec_path,
        &spec::fuzzing_server(&url, spec.cases, spec.exclude, spec.agent_excludes, outdir),
    )?;
    let me = std::env::current_exe().context("cannot find the xtask binary")?;
    let mut cmd = proc::command("unshare");
    if !netns::is_root() {
        // An unprivileged user namespace makes us root inside it.
        cmd.arg("--map-root-user");
    }
    let inner = netns::NetnsArgs {
        wstest: wstest.to_path_buf(),
        testee: ws.release_bin("testee-client"),
        spec: spec_path,
        outdir: outdir.to_path_buf(),
        run_timeout_secs: args.run_timeout_secs,
        port_timeout_secs: args.port_timeout_secs,
    };
    cmd.args(["--net", "--"])
        .arg(me)
        .arg("netns-clients")
        .args(inner.to_args());
    // The inner run bounds each of its own steps; this is the backstop.
    let clients = u32::try_from(RUNTIMES.len()).unwrap_or(u32::MAX);
    let backstop = args.run_timeout() * (clients + 1) + args.port_timeout() * 2;
    proc::run("unshare -n xtask netns-clients", &mut cmd, backstop)
}
