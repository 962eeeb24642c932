//! `ferrobahn router` with no config: a WAMP client joins realm1 over
//! WebSocket (wamp.2.json) and gets WELCOME.

use std::process::Command;

use ferrobahn::rt::{Transport, WebSocket};
use ferrobahn::{ClientConfig, Message};

mod common;
use common::{listening_url, next_line, spawn_router};

/// `ferrobahn router ARGS`.
fn router_command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ferrobahn"));
    cmd.arg("router").args(args);
    cmd
}

/// A client configuration offering `wamp.2.json` only.
fn wamp_json() -> ClientConfig {
    let handshake = ferrobahn::handshake::ClientConfig {
        protocols: vec!["wamp.2.json".into()],
        ..Default::default()
    };
    ClientConfig::default().with_handshake(handshake)
}

/// Sends HELLO with `roles` (a JSON object) for realm1; the reply's text.
async fn hello<T: Transport>(ws: &mut WebSocket<T>, roles: &str) -> String {
    ws.send(Message::text(format!(
        r#"[1,"realm1",{{"roles":{roles}}}]"#
    )))
    .await
    .unwrap();
    let welcome = ws.recv().await.expect("a reply").expect("no error");
    welcome.as_text().expect("JSON is text").to_owned()
}

#[tokio::test]
async fn default_router_welcomes_a_session_on_realm1() {
    let (router, mut lines) = spawn_router(&mut router_command(&["--listen", "127.0.0.1:0"]));
    let url = listening_url(&next_line(&mut lines));
    assert!(url.ends_with("/ws"), "{url}");

    let (mut ws, response) = ferrobahn::tokio::connect_with(&url, wamp_json())
        .await
        .expect("WebSocket handshake");
    assert_eq!(response.protocol.as_deref(), Some("wamp.2.json"));
    let text = hello(&mut ws, r#"{"subscriber":{}}"#).await;
    assert!(text.starts_with("[2,"), "expected WELCOME, got {text}");
    drop(router);
}

#[tokio::test]
async fn embedded_timeservice_answers_an_external_caller() {
    let (router, mut lines) = spawn_router(&mut router_command(&[
        "--listen",
        "127.0.0.1:0",
        "--component",
        "timeservice",
    ]));
    let url = loop {
        let line = next_line(&mut lines);
        if let Some(url) = line.trim().strip_prefix("listening on ") {
            break url.to_owned();
        }
        assert!(line.contains("timeservice"), "unexpected line {line:?}");
    };
    let (mut ws, _) = ferrobahn::tokio::connect_with(&url, wamp_json())
        .await
        .expect("WebSocket handshake");
    assert!(hello(&mut ws, r#"{"caller":{}}"#).await.starts_with("[2,"));
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
    let (router, mut lines) = spawn_router(&mut router_command(&["--listen", endpoint.as_str()]));
    let line = next_line(&mut lines);
    assert!(
        line.starts_with(&format!("listening on {endpoint}")),
        "{line}"
    );

    let (mut ws, response) =
        ferrobahn::tokio::connect_unix(&path, "ws://localhost/ws", wamp_json())
            .await
            .expect("WebSocket handshake over the Unix socket");
    assert_eq!(response.protocol.as_deref(), Some("wamp.2.json"));
    assert!(hello(&mut ws, r#"{"caller":{}}"#).await.starts_with("[2,"));
    drop(router);
    let _ = std::fs::remove_file(&path);
}
