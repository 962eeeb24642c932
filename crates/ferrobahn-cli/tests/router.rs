//! `ferrobahn router` with no config: a WAMP client joins realm1 over
//! WebSocket (wamp.2.json) and gets WELCOME.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use ferrobahn::{ClientConfig, Message};

/// Kills the router when the test ends, however it ends.
struct Router(Child);

impl Drop for Router {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn default_router_welcomes_a_session_on_realm1() {
    let child = Command::new(env!("CARGO_BIN_EXE_ferrobahn"))
        .args(["router", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("ferrobahn router starts");
    let mut router = Router(child);
    let stdout = router.0.stdout.take().expect("piped stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("a line");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    assert!(url.ends_with("/ws"), "{url}");

    let handshake = ferrobahn::handshake::ClientConfig {
        protocols: vec!["wamp.2.json".into()],
        ..Default::default()
    };
    let config = ClientConfig::default().with_handshake(handshake);
    let (mut ws, response) = ferrobahn::tokio::connect_with(&url, config)
        .await
        .expect("WebSocket handshake");
    assert_eq!(response.protocol.as_deref(), Some("wamp.2.json"));
    ws.send(Message::text(r#"[1,"realm1",{"roles":{"subscriber":{}}}]"#))
        .await
        .unwrap();
    let welcome = ws.recv().await.expect("a reply").expect("no error");
    let text = welcome.as_text().expect("JSON is text");
    assert!(text.starts_with("[2,"), "expected WELCOME, got {text}");
    drop(router);
}
