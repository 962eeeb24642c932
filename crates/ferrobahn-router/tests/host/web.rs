//! Static web files on the WebSocket port.

use std::future::poll_fn;
use std::path::PathBuf;

use ferrobahn_router::RouterConfig;
use ferrobahn_rt::Transport;

use super::peer::{start_router, Peer};
use super::rt;

/// A fresh directory with a page, a script, a subdirectory with an index, and a
/// symbolic link that points outside it.
fn site(tag: &str) -> (PathBuf, PathBuf) {
    let base = std::env::temp_dir().join(format!(
        "ferrobahn-web-{tag}-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&base);
    let root = base.join("www");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(root.join("index.html"), "<html>hello</html>").unwrap();
    std::fs::write(root.join("app.js"), "console.log(1)").unwrap();
    std::fs::write(root.join("sub/index.html"), "<p>sub</p>").unwrap();
    std::fs::write(root.join("a b.css"), "p{}").unwrap();
    std::fs::write(base.join("secret.txt"), "do not serve").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(base.join("secret.txt"), root.join("escape.txt")).unwrap();
    (base, root)
}

/// Sends `request` on a fresh connection and reads the whole response.
async fn http(addr: std::net::SocketAddr, request: &str) -> String {
    let mut io = rt::tcp_connect(addr).await;
    let req = request.as_bytes();
    let mut pos = 0;
    while pos < req.len() {
        pos += poll_fn(|cx| io.poll_write(cx, &req[pos..])).await.unwrap();
    }
    let deadline = std::time::Instant::now() + ferrobahn_test::TEST_TIMEOUT;
    let read_all = async {
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match poll_fn(|cx| io.poll_read(cx, &mut buf)).await {
                Ok(0) | Err(_) => return out,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    };
    let out = ferrobahn_rt::timeout_at(&*rt::runtime(), deadline, read_all)
        .await
        .expect("no complete response");
    String::from_utf8(out).unwrap()
}

fn get(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n")
}

#[test]
fn static_files_are_served_next_to_the_websocket_endpoint() {
    rt::block_on(async {
        let (base, root) = site("serve");
        let mut config = RouterConfig::default();
        config.transports[0].static_dir = Some(root);
        let (router, addr) = start_router(config).await;

        let r = http(addr, &get("/")).await;
        assert!(r.starts_with("HTTP/1.1 200 OK\r\n"), "{r}");
        assert!(
            r.contains("Content-Type: text/html; charset=utf-8\r\n"),
            "{r}"
        );
        assert!(r.contains("Content-Length: 18\r\n"), "{r}");
        assert!(r.ends_with("\r\n\r\n<html>hello</html>"), "{r}");

        let r = http(addr, &get("/app.js?v=2")).await;
        assert!(r.contains("Content-Type: text/javascript"), "{r}");
        assert!(r.ends_with("console.log(1)"), "{r}");

        let r = http(addr, &get("/sub/")).await;
        assert!(r.ends_with("<p>sub</p>"), "{r}");
        let r = http(addr, &get("/a%20b.css")).await;
        assert!(r.contains("Content-Type: text/css"), "{r}");

        let r = http(addr, "HEAD /app.js HTTP/1.1\r\nHost: x\r\n\r\n").await;
        assert!(
            r.starts_with("HTTP/1.1 200 OK") && r.ends_with("\r\n\r\n"),
            "{r}"
        );
        assert!(r.contains("Content-Length: 14\r\n"), "{r}");

        for bad in [
            "/missing.html",
            "/../secret.txt",
            "/%2e%2e/secret.txt",
            "/sub/../../secret.txt",
            "/..%2fsecret.txt",
            "/escape.txt",
        ] {
            let r = http(addr, &get(bad)).await;
            assert!(r.starts_with("HTTP/1.1 404 Not Found"), "{bad}: {r}");
            assert!(!r.contains("do not serve"), "{bad}: {r}");
        }
        let r = http(addr, "POST /index.html HTTP/1.1\r\nHost: x\r\n\r\n").await;
        assert!(r.starts_with("HTTP/1.1 405"), "{r}");

        // WAMP over WebSocket still works on the same port.
        let mut p = Peer::connect(addr, "wamp.2.json").await.unwrap();
        p.join().await;
        router.shutdown();
        let _ = std::fs::remove_dir_all(base);
    });
}

#[test]
fn without_a_static_dir_plain_http_is_refused() {
    rt::block_on(async {
        let (router, addr) = start_router(RouterConfig::default()).await;
        let r = http(addr, &get("/index.html")).await;
        assert!(r.starts_with("HTTP/1.1 4"), "{r}");
        router.shutdown();
    });
}
