//! Where the binaries of a run are and how each child is started: pinned with
//! `taskset`, niced in its own autogroup, real-time with `chrt` (see [`Launcher`]).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

use super::routers::{io_err, session_of, RunError};
use super::RouterKind;

/// Where the binaries are and how to pin them.
#[derive(Clone, Debug)]
pub struct Launcher {
    /// Directory of the release binaries (`ferrobahn`, `wamp-driver`).
    pub dir: PathBuf,
    /// CPUs of the router and of the driver (`None`: fewer than two, no pinning).
    pub cpus: Option<(usize, usize)>,
    /// The Crossbar.io launcher.
    pub crossbar: PathBuf,
    /// Scratch directory (Crossbar node directories, router logs).
    pub work: PathBuf,
    /// Niceness of routers and driver; 0 leaves it alone. Otherwise each child runs in
    /// its own session (`setsid`), so in its own scheduler autogroup, and that
    /// autogroup gets this niceness: a plain `nice` only ranks a process within its
    /// session's autogroup, which would not shield the measurement from other
    /// sessions' work. Negative values need root.
    pub nice: i32,
    /// Run the routers as `SCHED_FIFO` at this priority (`chrt -f`, needs root;
    /// Crossbar's worker inherits it): on a shared machine a waking router then takes
    /// its CPU at once instead of waiting out another process's time slice, which is
    /// where millisecond latency tails come from. The kernel's RT throttling still
    /// leaves others 5% of the CPU. Latency drivers run real-time too, with rests
    /// ([`Launcher::driver_rest_args`]); the other drivers, which spin, do not.
    pub realtime: Option<u8>,
    /// `--busy-poll-us` of [`RouterKind::FerrobahnBusyPoll`] (see
    /// [`Launcher::busy_poll_args`]).
    pub busy_poll_us: u64,
}

impl Launcher {
    /// Binaries next to the current executable; router on CPU 1, driver on CPU 0.
    ///
    /// # Errors
    /// When the executable's directory is unknown or the scratch dir cannot be made.
    pub fn new(crossbar: PathBuf) -> io::Result<Self> {
        let (dir, cpus) = ferrobahn_load::runner::child::exe_dir_and_cpus()?;
        let work = dir.join("wamp-bench-work");
        fs::create_dir_all(&work)?;
        Ok(Self {
            dir,
            cpus,
            crossbar,
            work,
            nice: 0,
            realtime: None,
            busy_poll_us: 200,
        })
    }

    /// The busy-polling options of [`RouterKind::FerrobahnBusyPoll`]. Without
    /// [`Launcher::realtime`] it spins without a share limit as an ordinary process.
    /// With it, it runs real-time like the other routers and spins at most 94% of
    /// every 2 ms, resting 120 µs with its thread blocked: so it stays under RT
    /// throttling (95%), which would stop it for 50 ms a second, and no ordinary
    /// process preempts it while it polls.
    pub fn busy_poll_args(&self) -> Vec<String> {
        let mut args = vec!["--busy-poll-us".to_owned(), self.busy_poll_us.to_string()];
        let rt: &[&str] = if self.realtime.is_some() {
            &[
                "--busy-poll-share",
                "94",
                "--busy-poll-period-us",
                "2000",
                "--busy-poll-blocking-rest",
            ]
        } else {
            &["--busy-poll-share", "100"]
        };
        args.extend(rt.iter().map(|a| (*a).to_owned()));
        args
    }

    /// Checks that the binaries a plan needs exist.
    ///
    /// # Errors
    /// Names the first missing one.
    pub fn check(&self, routers: &[RouterKind]) -> io::Result<()> {
        let mut need = vec![self.dir.join("wamp-driver")];
        if routers.contains(&RouterKind::Ferrobahn)
            || routers.contains(&RouterKind::FerrobahnBusyPoll)
        {
            need.push(self.dir.join("ferrobahn"));
        }
        if routers.contains(&RouterKind::Crossbar) {
            need.push(self.crossbar.clone());
        }
        if routers.contains(&RouterKind::Raw) {
            need.push(self.dir.join("raw-fanout"));
        }
        for p in need {
            if !p.is_file() {
                return Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    format!(
                        "{} missing (build with `cargo xtask bench wamp`; Crossbar.io with scripts/install-crossbar.sh)",
                        p.display()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// `[setsid nice -n N] [chrt -f P] [taskset -c CPU] program`: each wrapper execs
    /// the next (`setsid` does not fork, the child leads no process group), so the
    /// child's pid is the program's. `router`: the realtime policy applies.
    pub(super) fn command(&self, program: &Path, cpu: Option<usize>, router: bool) -> Command {
        let mut argv: Vec<std::ffi::OsString> = Vec::new();
        if self.nice != 0 {
            argv.extend(["setsid".into(), "nice".into(), "-n".into()]);
            argv.push(self.nice.to_string().into());
        }
        if let Some(p) = self.realtime.filter(|_| router) {
            argv.extend(["chrt".into(), "-f".into(), p.to_string().into()]);
        }
        if let Some(c) = cpu {
            argv.extend(["taskset".into(), "-c".into(), c.to_string().into()]);
        }
        argv.push(program.into());
        let mut cmd = Command::new(&argv[0]);
        cmd.args(&argv[1..]);
        cmd
    }

    /// Spawns `cmd`; with a niceness set, gives the child's autogroup that niceness.
    pub(super) fn spawn(&self, cmd: &mut Command, what: &str) -> Result<Child, RunError> {
        let child = cmd.spawn().map_err(io_err(what))?;
        if self.nice != 0 {
            // setsid runs first: wait until the child leads its own session.
            for _ in 0..200 {
                if session_of(child.id()) == Some(child.id()) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            self.renice_group(child.id());
        }
        Ok(child)
    }

    /// Sets the niceness of `pid`'s autogroup (best effort: a kernel without
    /// autogroups has no such file).
    pub(super) fn renice_group(&self, pid: u32) {
        if self.nice != 0 {
            let _ = fs::write(format!("/proc/{pid}/autogroup"), self.nice.to_string());
        }
    }

    /// The driver command, pinned to the driver CPU.
    pub fn driver(&self) -> Command {
        self.command(&self.dir.join("wamp-driver"), self.cpus.map(|c| c.1), false)
    }

    /// The driver command with `args`: a latency run (its pacer paces the calls, so its
    /// thread can rest) with [`Launcher::realtime`] runs real-time too, with the rests
    /// of [`Launcher::driver_rest_args`]; any other run as [`Launcher::driver`].
    pub fn driver_for(&self, args: &[String]) -> Command {
        let rest = self.driver_rest_args();
        if rest.is_empty() || !args.iter().any(|a| a == "latency") {
            let mut cmd = self.driver();
            cmd.args(args);
            return cmd;
        }
        let mut cmd = self.command(&self.dir.join("wamp-driver"), self.cpus.map(|c| c.1), true);
        cmd.args(args).args(rest);
        cmd
    }

    /// With [`Launcher::realtime`], the rests of a real-time latency driver (whose
    /// pacer spins): 120 µs with the thread blocked after every 1,880 µs, as the
    /// busy-polling router does, so the RT throttling (95%, a 50 ms stop) never strikes
    /// and no ordinary process preempts it in between. Empty without.
    pub fn driver_rest_args(&self) -> Vec<String> {
        match self.realtime {
            Some(_) => ["--rest-every-us", "1880", "--rest-us", "120"]
                .map(str::to_owned)
                .to_vec(),
            None => Vec::new(),
        }
    }
}
