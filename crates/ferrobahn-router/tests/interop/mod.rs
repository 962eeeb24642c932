//! Shared by the AutobahnJS and AutobahnPython interop tests: the router on the
//! testsuite's config, and a child process whose output must hold given lines.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;

use ferrobahn_router::{RouterConfig, RouterHandle};

/// testsuite/router: the router config and the scripts run against it.
pub(crate) fn testsuite() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testsuite/router")
}

/// The router on testsuite/router/router.toml, on a free loopback port.
pub(crate) struct Router {
    pub(crate) handle: RouterHandle,
    pub(crate) addr: SocketAddr,
    /// Runs the router while the test lasts.
    _runtime: tokio::runtime::Runtime,
}

/// Starts the router on the testsuite's config.
pub(crate) fn start_router() -> Router {
    let config = RouterConfig::load(testsuite().join("router.toml")).expect("router.toml");
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let (handle, addr) = runtime.block_on(async {
        let listener = ferrobahn_tokio::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local_addr");
        let router = ferrobahn_router::start(ferrobahn_tokio::runtime(), config).expect("start");
        let r = router.clone();
        tokio::spawn(async move { r.serve(listener).await });
        (router, addr)
    });
    Router {
        handle,
        addr,
        _runtime: runtime,
    }
}

/// Runs `cmd` to its end: it must succeed and print each of `lines` (whole lines);
/// `what` names the run in failure messages.
pub(crate) fn run_expecting(cmd: &mut Command, what: &str, lines: &[&str]) {
    let out = cmd.output().unwrap_or_else(|e| panic!("run {what}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{what} failed:\n{stdout}\n{stderr}");
    for line in lines {
        assert!(
            stdout.lines().any(|l| l == *line),
            "{what}: missing line {line:?} in:\n{stdout}"
        );
    }
}
