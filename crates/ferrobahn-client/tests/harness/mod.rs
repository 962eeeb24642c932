//! Starts one Crossbar.io node per test binary (when env `FERROBAHN_CROSSBAR` names the
//! `crossbar` executable) on free loopback ports, from `testsuite/crossbar/`.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A running Crossbar node.
#[derive(Debug)]
pub(crate) struct Node {
    /// WebSocket listener.
    pub(crate) ws_addr: SocketAddr,
    /// RawSocket TCP listener.
    pub(crate) rs_addr: SocketAddr,
    /// RawSocket Unix socket.
    pub(crate) uds_path: PathBuf,
}

impl Node {
    /// The WebSocket URL.
    pub(crate) fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.ws_addr)
    }
}

/// How long Crossbar gets to start by default (8 s on an idle machine, minutes on a
/// loaded one); env `FERROBAHN_CROSSBAR_STARTUP_SECS` overrides it.
const STARTUP_DEFAULT: Duration = Duration::from_secs(300);

fn startup_timeout() -> Duration {
    std::env::var("FERROBAHN_CROSSBAR_STARTUP_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(STARTUP_DEFAULT, Duration::from_secs)
}

static NODE: OnceLock<Option<Node>> = OnceLock::new();

/// The node, started on first use; `None` (after a printed notice) when
/// `FERROBAHN_CROSSBAR` is unset.
pub(crate) fn node() -> Option<&'static Node> {
    NODE.get_or_init(|| {
        let Some(crossbar) = std::env::var_os("FERROBAHN_CROSSBAR") else {
            // Written to the stderr handle directly: libtest does not capture that, so
            // the notice shows in a normal `cargo test` run.
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                b"notice: FERROBAHN_CROSSBAR is unset; skipping the Crossbar.io tests \
                  (scripts/install-crossbar.sh prints the path to set)\n",
            );
            return None;
        };
        Some(start(Path::new(&crossbar)))
    })
    .as_ref()
}

fn free_port() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("local_addr")
}

/// Whether env `FERROBAHN_CROSSBAR_KEEP` asks to keep the node's directory (its
/// `config.json` and `node.log`) after the tests.
fn keep_dir() -> bool {
    std::env::var_os("FERROBAHN_CROSSBAR_KEEP").is_some_and(|v| !v.is_empty())
}

/// Removes the node's directory when dropped, unless disarmed: a start that fails
/// (a panic in [`start`]) leaves nothing behind. Once the node runs, `run-crossbar.sh`
/// removes the directory when Crossbar stops (the node lives in a static, which is
/// never dropped, so only the script sees the test binary end).
struct RemoveDir(Option<PathBuf>);

impl RemoveDir {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for RemoveDir {
    fn drop(&mut self) {
        if let Some(dir) = self.0.take().filter(|_| !keep_dir()) {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// The end of the node's log, for a failure message (the directory is removed).
fn log_tail(cbdir: &Path) -> String {
    let log = std::fs::read_to_string(cbdir.join("node.log")).unwrap_or_default();
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

fn start(crossbar: &Path) -> Node {
    let suite = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testsuite/crossbar");
    let template = std::fs::read_to_string(suite.join("config.template.json"))
        .expect("read testsuite/crossbar/config.template.json");
    let auth = std::fs::read_to_string(suite.join("auth.json")).expect("read auth.json");
    let cbdir = std::env::temp_dir().join(format!("ferrobahn-crossbar-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&cbdir);
    std::fs::create_dir_all(&cbdir).expect("create cbdir");
    let guard = RemoveDir(Some(cbdir.clone()));
    let ws_addr = free_port();
    let rs_addr = free_port();
    let uds_path = cbdir.join("rawsocket.sock");
    let config = template
        .replace("@WS_PORT@", &ws_addr.port().to_string())
        .replace("@RS_PORT@", &rs_addr.port().to_string())
        .replace("@UDS_PATH@", &uds_path.display().to_string())
        .replace("@AUTH@", &auth);
    std::fs::write(cbdir.join("config.json"), config).expect("write config.json");
    // The script outlives this function on purpose: it stops Crossbar and removes
    // `cbdir` when the test process exits (there is no hook at the end of a test
    // binary).
    #[allow(clippy::zombie_processes)]
    let _watchdog = Command::new("sh")
        .arg(suite.join("run-crossbar.sh"))
        .arg(&cbdir)
        .arg(crossbar)
        .stdin(Stdio::null())
        .spawn()
        .expect("start run-crossbar.sh");
    let startup = startup_timeout();
    let deadline = Instant::now() + startup;
    for addr in [ws_addr, rs_addr] {
        while TcpStream::connect(addr).is_err() {
            assert!(
                Instant::now() < deadline,
                "Crossbar did not listen on {addr} within {startup:?}; the end of {}:\n{}",
                cbdir.join("node.log").display(),
                log_tail(&cbdir)
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    while !uds_path.exists() {
        assert!(
            Instant::now() < deadline,
            "no Unix socket {}",
            uds_path.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    guard.disarm();
    Node {
        ws_addr,
        rs_addr,
        uds_path,
    }
}
