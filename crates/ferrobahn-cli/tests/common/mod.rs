//! Shared by the CLI's integration tests: the `ferrobahn` binary as a child process,
//! killed when the test ends, and a router child that reports where it listens.
// Each test target uses its own part of this module.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Lines, Read};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Every process gets this long before it is killed and the test fails.
pub(crate) const LIMIT: Duration = Duration::from_secs(30);

/// A child process killed when the test ends, however it ends.
pub(crate) struct Proc(pub(crate) Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The `ferrobahn` binary, logging warnings only.
pub(crate) fn ferrobahn() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ferrobahn"));
    c.env("RUST_LOG", "warn");
    c
}

/// Spawns `cmd` (a `ferrobahn router ...`) with stdout piped and stderr discarded;
/// the child and its stdout lines.
pub(crate) fn spawn_router(cmd: &mut Command) -> (Proc, Lines<BufReader<ChildStdout>>) {
    let mut child = Proc(
        cmd.stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("ferrobahn router starts"),
    );
    let stdout = child.0.stdout.take().expect("piped stdout");
    (child, BufReader::new(stdout).lines())
}

/// The next line the router prints (its first: `listening on URL`).
pub(crate) fn next_line(lines: &mut Lines<BufReader<ChildStdout>>) -> String {
    lines.next().expect("a line").expect("readable")
}

/// The URL of a `listening on URL` line; panics on any other line.
pub(crate) fn listening_url(line: &str) -> String {
    line.trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned()
}

/// Waits for the process with a deadline ([`LIMIT`]); its output.
pub(crate) fn finish(mut p: Proc) -> Output {
    let deadline = Instant::now() + LIMIT;
    loop {
        if p.0.try_wait().expect("wait").is_some() {
            let mut out = Vec::new();
            let mut err = Vec::new();
            if let Some(mut s) = p.0.stdout.take() {
                s.read_to_end(&mut out).expect("stdout");
            }
            if let Some(mut s) = p.0.stderr.take() {
                s.read_to_end(&mut err).expect("stderr");
            }
            let status = p.0.wait().expect("status");
            return Output {
                status,
                stdout: out,
                stderr: err,
            };
        }
        assert!(
            Instant::now() < deadline,
            "process still running after {LIMIT:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
