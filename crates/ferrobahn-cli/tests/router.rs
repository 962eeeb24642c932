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

#[tokio::test]
async fn embedded_timeservice_answers_an_external_caller() {
    let child = Command::new(env!("CARGO_BIN_EXE_ferrobahn"))
        .args([
            "router",
            "--listen",
            "127.0.0.1:0",
            "--component",
            "timeservice",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("ferrobahn router starts");
    let mut router = Router(child);
    let stdout = router.0.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        let line = lines.next().expect("a line").expect("readable");
        if let Some(url) = line.trim().strip_prefix("listening on ") {
            break url.to_owned();
        }
        assert!(line.contains("timeservice"), "unexpected line {line:?}");
    };
    let handshake = ferrobahn::handshake::ClientConfig {
        protocols: vec!["wamp.2.json".into()],
        ..Default::default()
    };
    let config = ClientConfig::default().with_handshake(handshake);
    let (mut ws, _) = ferrobahn::tokio::connect_with(&url, config)
        .await
        .expect("WebSocket handshake");
    ws.send(Message::text(r#"[1,"realm1",{"roles":{"caller":{}}}]"#))
        .await
        .unwrap();
    let welcome = ws.recv().await.expect("a reply").expect("no error");
    assert!(welcome.as_text().unwrap().starts_with("[2,"));
    // The component joins in the background: retry until it has registered.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    for request in 1u64.. {
        let call = format!(r#"[48,{request},{{}},"com.timeservice.now"]"#);
        ws.send(Message::text(call)).await.unwrap();
        let reply = ws.recv().await.expect("a reply").expect("no error");
        let text = reply.as_text().unwrap().to_owned();
        if text.starts_with("[50,") {
            // [50, request, {}, ["YYYY-MM-DDTHH:MM:SSZ"]]
            let time = text.split('"').nth(1).expect("a string result");
            assert_eq!(time.len(), 20, "{text}");
            assert!(time.ends_with('Z') && time.as_bytes()[10] == b'T', "{text}");
            break;
        }
        assert!(text.contains("wamp.error.no_such_procedure"), "{text}");
        assert!(std::time::Instant::now() < deadline, "never registered");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    drop(router);
}

#[cfg(unix)]
#[tokio::test]
async fn router_listens_on_a_unix_socket() {
    let path = std::env::temp_dir().join(format!("ferrobahn-cli-{}.sock", std::process::id()));
    let endpoint = format!("unix:{}", path.display());
    // A socket file left by an earlier run is replaced.
    let _ = std::fs::remove_file(&path);
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    let child = Command::new(env!("CARGO_BIN_EXE_ferrobahn"))
        .args(["router", "--listen", endpoint.as_str()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("ferrobahn router starts");
    let mut router = Router(child);
    let stdout = router.0.stdout.take().expect("piped stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("a line");
    assert!(
        line.starts_with(&format!("listening on {endpoint}")),
        "{line}"
    );

    let handshake = ferrobahn::handshake::ClientConfig {
        protocols: vec!["wamp.2.json".into()],
        ..Default::default()
    };
    let config = ClientConfig::default().with_handshake(handshake);
    let (mut ws, response) = ferrobahn::tokio::connect_unix(&path, "ws://localhost/ws", config)
        .await
        .expect("WebSocket handshake over the Unix socket");
    assert_eq!(response.protocol.as_deref(), Some("wamp.2.json"));
    ws.send(Message::text(r#"[1,"realm1",{"roles":{"caller":{}}}]"#))
        .await
        .unwrap();
    let welcome = ws.recv().await.expect("a reply").expect("no error");
    assert!(welcome.as_text().unwrap().starts_with("[2,"));
    drop(router);
    let _ = std::fs::remove_file(&path);
}
