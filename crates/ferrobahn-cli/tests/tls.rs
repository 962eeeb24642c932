//! `ferrobahn router --tls-cert/--tls-key` and `ferrobahn wamp --url wss://|rss://
//! --tls-ca` end to end, with a CA and certificate made by rcgen.

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};

mod common;
use common::{ferrobahn, finish, next_line, spawn_router, Proc, LIMIT};

/// Writes ca.pem, cert.pem (for localhost) and key.pem into a fresh directory.
fn pki() -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("ferrobahn-cli-tls-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let mut leaf = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let key = KeyPair::generate().unwrap();
    let cert = leaf.signed_by(&key, &ca).unwrap();
    std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
    std::fs::write(dir.join("cert.pem"), cert.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), key.serialize_pem()).unwrap();
    dir
}

/// `ferrobahn router` over TLS on a free port; the port.
fn router(dir: &Path) -> (Proc, u16) {
    router_with(Some(dir), &[])
}

/// `ferrobahn router ARGS` on a free port, over TLS with the certificate in `dir`
/// (else plain); the port.
fn router_with(dir: Option<&Path>, args: &[&str]) -> (Proc, u16) {
    let mut cmd = ferrobahn();
    cmd.args(["router", "--listen", "127.0.0.1:0"]).args(args);
    if let Some(dir) = dir {
        cmd.arg("--tls-cert")
            .arg(dir.join("cert.pem"))
            .arg("--tls-key")
            .arg(dir.join("key.pem"));
    }
    let (child, mut lines) = spawn_router(&mut cmd);
    let line = next_line(&mut lines);
    let scheme = if dir.is_some() { "wss" } else { "ws" };
    let port = line
        .trim()
        .strip_prefix(&format!("listening on {scheme}://127.0.0.1:"))
        .and_then(|rest| rest.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    (child, port)
}

/// `ferrobahn wamp ARGS...` to its end (killed after [`LIMIT`]).
fn wamp(args: &[&str], ca: Option<&Path>) -> Output {
    let mut cmd = ferrobahn();
    cmd.arg("wamp").args(args);
    if let Some(ca) = ca {
        cmd.arg("--tls-ca").arg(ca);
    }
    finish(Proc(
        cmd.stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ferrobahn wamp starts"),
    ))
}

/// `ferrobahn echo --tls-cert --tls-key` on a free port; the port once it accepts.
fn echo_server(dir: &Path, runtime: &str) -> (Proc, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let child = Proc(
        ferrobahn()
            .args(["echo", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--runtime", runtime, "--tls-cert"])
            .arg(dir.join("cert.pem"))
            .arg("--tls-key")
            .arg(dir.join("key.pem"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("ferrobahn echo starts"),
    );
    let deadline = Instant::now() + LIMIT;
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "echo server not listening");
        std::thread::sleep(Duration::from_millis(20));
    }
    (child, port)
}

#[test]
fn echo_cli_serves_wss_on_both_runtimes() {
    use ferrobahn::tls::TlsClientConfig;
    use ferrobahn::{ClientConfig, CloseCode, Message};

    let dir = pki();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for runtime in ["tokio", "async-std"] {
        let (_server, port) = echo_server(&dir, runtime);
        let roots = TlsClientConfig::from_pem_roots_file(dir.join("ca.pem")).unwrap();
        let url = format!("wss://localhost:{port}/");
        rt.block_on(async {
            let config = ClientConfig::default().with_tls(roots);
            let (mut ws, _) = ferrobahn::tokio::connect_with(&url, config).await.unwrap();
            ws.send(Message::text("echo over TLS")).await.unwrap();
            let back = ws.recv().await.unwrap().unwrap();
            assert_eq!(back.as_text(), Some("echo over TLS"), "{runtime}");
            ws.close(CloseCode::NORMAL, "").await.unwrap();
        });
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn wamp_cli_calls_the_router_over_wss_and_tls_rawsocket() {
    let dir = pki();
    let (_router, port) = router(&dir);
    let ca = dir.join("ca.pem");
    let wss = format!("wss://localhost:{port}/ws");
    let rss = format!("rss://localhost:{port}");
    for (url, serializer) in [(&wss, "json"), (&rss, "msgpack")] {
        let args = [
            "--url",
            url,
            "--serializer",
            serializer,
            "call",
            "wamp.session.count",
        ];
        let out = wamp(&args, Some(&ca));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{url}: {stderr}");
        // One session on the router: ours.
        assert!(stdout.contains(r#""args":[1]"#), "{url}: {stdout}");
    }
    // Without our CA the router's certificate is not trusted.
    let out = wamp(&["--url", &wss, "call", "wamp.session.count"], None);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("certificate not trusted"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn wamp_cli_cryptosign_with_tls_exporter_channel_binding() {
    let dir = pki();
    let config = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testsuite/router/router.toml"
    );
    let (_router, port) = router_with(Some(&dir), &["--config", config]);
    let ca = dir.join("ca.pem");
    let seed = "07".repeat(32);
    let auth = |url: &str| {
        let mut a = vec![
            "--url",
            url,
            "--realm",
            "auth",
            "--authmethod",
            "cryptosign",
        ];
        a.extend(["--authid", "alice", "--secret", &seed]);
        a.extend(["--channel-binding", "tls-exporter"]);
        a.extend(["call", "com.auth.allowed"]);
        a.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    for url in [
        format!("wss://localhost:{port}/ws"),
        format!("rss://localhost:{port}"),
    ] {
        let args = auth(&url);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = wamp(&args, Some(&ca));
        let stderr = String::from_utf8_lossy(&out.stderr);
        // Joined (bound): the call reaches the dealer, where nobody registered it.
        assert_eq!(out.status.code(), Some(5), "{url}: {stderr}");
        assert!(
            stderr.contains("wamp.error.no_such_procedure"),
            "{url}: {stderr}"
        );
    }
    // Over plain WebSocket the binding cannot be had: a usage error before HELLO.
    let (_plain, plain_port) = router_with(None, &["--config", config]);
    let args = auth(&format!("ws://127.0.0.1:{plain_port}/ws"));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = wamp(&args, None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no TLS channel binding"), "{stderr}");
    // Only with cryptosign.
    let url = format!("wss://localhost:{port}/ws");
    let out = wamp(
        &[
            "--url",
            &url,
            "--channel-binding",
            "tls-exporter",
            "call",
            "x.y",
        ],
        Some(&ca),
    );
    assert_eq!(out.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}
