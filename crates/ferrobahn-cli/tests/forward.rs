//! `ferrobahn forward` against Debian's websockify as the peer, both ways,
//! on both runtimes (`--runtime tokio|async-std`), over TCP and Unix
//! sockets, and broken upstreams ending cleanly.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::net::{UnixListener, UnixStream};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::Proc;
use ferrobahn::{ClientConfig, CloseCode, HandshakeError};

const TIMEOUT: Duration = Duration::from_secs(10);

/// The values of `ferrobahn forward --runtime`.
const RUNTIMES: [&str; 2] = ["tokio", "async-std"];

/// Echoes every connection that `accept` gives (a thread per connection)
/// until accepting fails.
fn echo_each<S: Read + Write + Send + 'static>(
    mut accept: impl FnMut() -> std::io::Result<S> + Send + 'static,
) {
    std::thread::spawn(move || loop {
        let Ok(mut conn) = accept() else { return };
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = conn.read(&mut buf) {
                if n == 0 || conn.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        });
    });
}

/// A TCP echo server on a free port.
fn tcp_echo() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    echo_each(move || listener.accept().map(|(conn, _)| conn));
    addr
}

/// A port nothing listens on (bound, then released).
fn dead_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `ferrobahn forward ARGS` and returns it with its bound address
/// (`HOST:PORT`, or `unix:PATH` for a Unix socket).
fn forward(args: &[&str]) -> (Proc, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ferrobahn"))
        .arg("forward")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let proc = Proc(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx
        .recv_timeout(TIMEOUT)
        .expect("forwarder announces itself");
    // "forwarding tcp:127.0.0.1:PORT -> ..." or "forwarding unix:PATH -> ..."
    let addr = line
        .split_whitespace()
        .nth(1)
        .map(|a| a.strip_prefix("tcp:").unwrap_or(a))
        .filter(|a| line.starts_with("forwarding ") && !a.is_empty())
        .unwrap_or_else(|| panic!("unexpected announcement {line:?}"))
        .to_owned();
    (proc, addr)
}

/// For each runtime: starts `ferrobahn forward --listen LISTEN --to TO
/// --runtime RUNTIME`, with LISTEN from `listen(RUNTIME)`, and runs `check`
/// with LISTEN and the forwarder's bound address.
fn on_each_runtime(listen: impl Fn(&str) -> String, to: &str, check: impl Fn(&str, &str)) {
    for runtime in RUNTIMES {
        let listen = listen(runtime);
        let (_fwd, addr) = forward(&["--listen", &listen, "--to", to, "--runtime", runtime]);
        check(&listen, &addr);
    }
}

/// A listen address on a free TCP port, for any runtime.
fn any_port(scheme: &'static str) -> impl Fn(&str) -> String {
    move |_| format!("{scheme}127.0.0.1:0")
}

/// Starts websockify on a free port, forwarding to `target`.
fn websockify(target: SocketAddr) -> (Proc, u16) {
    let port = dead_port();
    let child = Command::new("websockify")
        .arg(format!("127.0.0.1:{port}"))
        .arg(target.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("websockify (Debian package websockify) is installed");
    let proc = Proc(child);
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < TIMEOUT, "websockify did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (proc, port)
}

/// A byte stream the tests write to and read from (TCP or Unix).
trait Stream: Read + Write + Send + Sized + 'static {
    fn try_clone(&self) -> std::io::Result<Self>;
    fn set_read_timeout(&self, t: Option<Duration>) -> std::io::Result<()>;
    fn shutdown_write(&self) -> std::io::Result<()>;
}

impl Stream for TcpStream {
    fn try_clone(&self) -> std::io::Result<Self> {
        TcpStream::try_clone(self)
    }
    fn set_read_timeout(&self, t: Option<Duration>) -> std::io::Result<()> {
        TcpStream::set_read_timeout(self, t)
    }
    fn shutdown_write(&self) -> std::io::Result<()> {
        self.shutdown(std::net::Shutdown::Write)
    }
}

impl Stream for UnixStream {
    fn try_clone(&self) -> std::io::Result<Self> {
        UnixStream::try_clone(self)
    }
    fn set_read_timeout(&self, t: Option<Duration>) -> std::io::Result<()> {
        UnixStream::set_read_timeout(self, t)
    }
    fn shutdown_write(&self) -> std::io::Result<()> {
        self.shutdown(std::net::Shutdown::Write)
    }
}

/// Writes `payload` to `conn` and reads the same number of bytes back.
fn round_trip<S: Stream>(conn: &mut S, payload: &[u8]) -> Vec<u8> {
    conn.set_read_timeout(Some(TIMEOUT)).unwrap();
    let mut writer = conn.try_clone().unwrap();
    let data = payload.to_vec();
    let writing = std::thread::spawn(move || writer.write_all(&data).unwrap());
    let mut back = vec![0u8; payload.len()];
    conn.read_exact(&mut back).unwrap();
    writing.join().unwrap();
    back
}

/// 200 kB through `conn` and back; then its end travels as a close and
/// comes back as the end.
fn echo_and_end<S: Stream>(mut conn: S) {
    let payload: Vec<u8> = (0..200_000u32).map(|i| (i % 253) as u8).collect();
    assert_eq!(round_trip(&mut conn, &payload), payload);
    conn.shutdown_write().unwrap();
    let mut rest = Vec::new();
    conn.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
}

/// websockify on a free port in front of a TCP echo server; its `ws://` URL.
fn websockify_echo() -> (Proc, String) {
    let (ws, port) = websockify(tcp_echo());
    (ws, format!("ws://127.0.0.1:{port}/"))
}

#[test]
fn tcp_through_our_client_to_websockify() {
    let (_ws, to) = websockify_echo();
    on_each_runtime(any_port("tcp:"), &to, |_, addr| {
        echo_and_end(TcpStream::connect(addr).unwrap());
    });
}

#[test]
fn unix_socket_through_our_client_to_websockify() {
    let (_ws, to) = websockify_echo();
    let dir = std::env::temp_dir().join(format!("ferrobahn-forward-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let listen = |runtime: &str| format!("unix:{}", dir.join(format!("{runtime}.sock")).display());
    on_each_runtime(listen, &to, |listen, addr| {
        assert_eq!(addr, listen);
        echo_and_end(UnixStream::connect(&listen["unix:".len()..]).unwrap());
    });
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs websockify's own client (binary subprotocol) against `url`.
fn websockify_client(url: &str) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/websockify_client.py");
    let out = Command::new("/usr/bin/python3")
        .arg(script)
        .arg(url)
        .arg("binary")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.trim() == "OK binary",
        "websockify client: {stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// websockify's client through `ferrobahn forward --listen ws://... --to TO`
/// on each runtime.
fn websockify_client_through_our_server_to(to: &str) {
    on_each_runtime(any_port("ws://"), to, |_, addr| {
        websockify_client(&format!("ws://{addr}/"));
    });
}

#[test]
fn websockify_client_through_our_server() {
    websockify_client_through_our_server_to(&format!("tcp:{}", tcp_echo()));
}

#[test]
fn websockify_client_through_our_server_to_a_unix_socket() {
    let dir = std::env::temp_dir().join(format!("ferrobahn-upstream-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("echo.sock");
    let listener = UnixListener::bind(&path).unwrap();
    echo_each(move || listener.accept().map(|(conn, _)| conn));
    websockify_client_through_our_server_to(&format!("unix:{}", path.display()));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Connects a ferrobahn client offering `protocols`; returns the close
/// frame it got after sending `send` (and reading until the end).
fn close_seen(url: &str, protocols: &[&str], send: &[u8]) -> (CloseCode, String) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let config = ClientConfig::default().with_protocols(protocols.iter().copied());
        let (mut ws, _) = ferrobahn::tokio::connect_with(url, config).await.unwrap();
        if !send.is_empty() {
            ws.send_binary(send).await.unwrap();
        }
        let done = tokio::time::timeout(TIMEOUT, async { while ws.recv().await.is_some() {} });
        done.await.expect("the forwarder closes, it does not hang");
        let closed = ws.closed().expect("closed").clone();
        (closed.code, closed.reason.to_string())
    })
}

#[test]
fn refused_upstream_closes_with_1011_and_the_reason() {
    let to = format!("tcp:127.0.0.1:{}", dead_port());
    on_each_runtime(any_port("ws://"), &to, |_, addr| {
        let (code, reason) = close_seen(&format!("ws://{addr}/"), &["binary"], b"");
        assert_eq!(code, CloseCode::INTERNAL_ERROR);
        assert!(reason.contains("cannot connect upstream"), "{reason}");
    });
}

#[test]
fn upstream_hanging_up_closes_the_websocket_normally() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let upstream = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        // Reads one chunk, then hangs up.
        if let Ok((mut conn, _)) = listener.accept() {
            let mut buf = [0u8; 64];
            let _ = conn.read(&mut buf);
        }
    });
    let to = format!("tcp:{upstream}");
    let (_fwd, addr) = forward(&["--listen", "ws://127.0.0.1:0", "--to", &to]);
    let (code, reason) = close_seen(&format!("ws://{addr}/"), &["base64"], b"aGk=");
    assert_eq!(code, CloseCode::NORMAL);
    assert_eq!(reason, "upstream closed");
}

#[test]
fn unknown_subprotocol_is_refused_and_extra_ones_accepted() {
    let echo = tcp_echo();
    let to = format!("tcp:{echo}");
    let (_fwd, addr) = forward(&[
        "--listen",
        "ws://127.0.0.1:0",
        "--to",
        &to,
        "--protocol",
        "mqttv3.1",
    ]);
    let url = format!("ws://{addr}/");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let chat = ClientConfig::default().with_protocols(["chat"]);
        match ferrobahn::tokio::connect_with(&url, chat).await {
            Err(ferrobahn::Error::Handshake(HandshakeError::UnexpectedStatus {
                status, ..
            })) => {
                assert_eq!(status, 400)
            }
            other => panic!("expected a 400 refusal, got {:?}", other.map(|_| ())),
        }
        let mqtt = ClientConfig::default().with_protocols(["mqttv3.1"]);
        let (mut ws, response) = ferrobahn::tokio::connect_with(&url, mqtt).await.unwrap();
        assert_eq!(response.protocol.as_deref(), Some("mqttv3.1"));
        ws.send_binary(b"\x10\x00").await.unwrap();
        let back = ws.recv().await.unwrap().unwrap();
        assert_eq!(&back.data[..], b"\x10\x00");
        ws.close(CloseCode::NORMAL, "").await.unwrap();
    });
}

#[test]
fn dead_websocket_server_ends_the_tcp_connection() {
    let to = format!("ws://127.0.0.1:{}/", dead_port());
    let (_fwd, addr) = forward(&["--listen", "tcp:127.0.0.1:0", "--to", &to]);
    let mut conn = TcpStream::connect(&addr).unwrap();
    conn.set_read_timeout(Some(TIMEOUT)).unwrap();
    let mut buf = [0u8; 16];
    // End of stream (or a reset), not a timeout.
    match conn.read(&mut buf) {
        Ok(n) => assert_eq!(n, 0),
        Err(e) => assert_ne!(e.kind(), std::io::ErrorKind::WouldBlock, "hung: {e}"),
    }
}
