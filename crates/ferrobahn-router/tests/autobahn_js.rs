//! AutobahnJS (npm `autobahn`, in Node) runs RPC and PubSub scenarios
//! (testsuite/router/js/demos.js) against this router over JSON and MessagePack.
//!
//! Gated: runs when `FERROBAHN_AUTOBAHN_JS` is set and `node` is on the PATH with
//! testsuite/router/js/node_modules installed (`testsuite/router/run-js.sh` does both).

use std::process::Command;

mod interop;
use interop::{run_expecting, start_router, testsuite};

#[test]
fn autobahn_js_demos() {
    if std::env::var_os("FERROBAHN_AUTOBAHN_JS").is_none() {
        eprintln!("FERROBAHN_AUTOBAHN_JS is not set: AutobahnJS interop skipped");
        return;
    }
    let router = start_router();
    // Node 22 has a WebSocket client built in; Node 20 behind a flag.
    let version = Command::new("node")
        .arg("--version")
        .output()
        .expect("node");
    let major: u32 = String::from_utf8_lossy(&version.stdout)
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    let url = format!("ws://{}/ws", router.addr);
    for serializer in ["json", "msgpack"] {
        let mut cmd = Command::new("node");
        if major < 22 {
            cmd.arg("--experimental-websocket");
        }
        cmd.arg(testsuite().join("js/demos.js"))
            .args([url.as_str(), serializer]);
        run_expecting(
            &mut cmd,
            &format!("AutobahnJS over {serializer}"),
            &[
                "Add2: 5",
                "Starred: Homer starred 5x",
                "Error: com.myapp.error.invalid_length [\"a\"] {\"max\":10,\"min\":3}",
                "Progress: [0,1,2] Final: 3",
                "Got events: [[0,\"Hello\"],[1,\"Hello\"],[2,\"Hello\"]]",
                "4 passed, 0 failed",
            ],
        );
    }
    router.handle.shutdown();
}
