//! AutobahnJS (npm `autobahn`, in Node) runs RPC and PubSub scenarios
//! (testsuite/router/js/demos.js) against this router over JSON and MessagePack.
//!
//! Gated: runs when `FERROBAHN_AUTOBAHN_JS` is set and `node` is on the PATH with
//! testsuite/router/js/node_modules installed (`testsuite/router/run-js.sh` does both).

use std::path::PathBuf;
use std::process::Command;

use ferrobahn_router::RouterConfig;

#[test]
fn autobahn_js_demos() {
    if std::env::var_os("FERROBAHN_AUTOBAHN_JS").is_none() {
        eprintln!("FERROBAHN_AUTOBAHN_JS is not set: AutobahnJS interop skipped");
        return;
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testsuite/router");
    let config = RouterConfig::load(dir.join("router.toml")).expect("router.toml");
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let (router, addr) = runtime.block_on(async {
        let listener = ferrobahn_tokio::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local_addr");
        let router = ferrobahn_router::start(ferrobahn_tokio::runtime(), config).expect("start");
        let r = router.clone();
        tokio::spawn(async move { r.serve(listener).await });
        (router, addr)
    });
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
    let url = format!("ws://{addr}/ws");
    for serializer in ["json", "msgpack"] {
        let mut cmd = Command::new("node");
        if major < 22 {
            cmd.arg("--experimental-websocket");
        }
        let out = cmd
            .arg(dir.join("js/demos.js"))
            .args([url.as_str(), serializer])
            .output()
            .expect("run demos.js");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "AutobahnJS over {serializer} failed:\n{stdout}\n{stderr}"
        );
        for line in [
            "Add2: 5",
            "Starred: Homer starred 5x",
            "Error: com.myapp.error.invalid_length [\"a\"] {\"max\":10,\"min\":3}",
            "Progress: [0,1,2] Final: 3",
            "Got events: [[0,\"Hello\"],[1,\"Hello\"],[2,\"Hello\"]]",
            "4 passed, 0 failed",
        ] {
            assert!(
                stdout.lines().any(|l| l == line),
                "over {serializer}, missing line {line:?} in:\n{stdout}"
            );
        }
    }
    router.shutdown();
}
