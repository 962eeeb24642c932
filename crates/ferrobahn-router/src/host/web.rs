//! Static web files next to the WAMP WebSocket endpoint, on the same port: a plain
//! HTTP `GET`/`HEAD` that is not a WebSocket upgrade is answered from
//! [`crate::config::TransportConfig::static_dir`] (one request per connection,
//! `Connection: close`), so the demos' HTML pages open from the router.
//!
//! The sans-IO part ([`head_end`], [`route`], [`resolve`], [`content_type`]) decides;
//! [`serve_static`] does the I/O. Paths are percent-decoded and may not leave the
//! directory (`..` segments are refused, symbolic links are followed only when their
//! target stays inside it).

use std::future::poll_fn;
use std::path::{Path, PathBuf};

use ferrobahn_rt::Transport;

/// Largest request head read before answering 431.
pub(crate) const MAX_HEAD: usize = 16 * 1024;

/// The end of the request head (index after the blank line), if complete.
pub(crate) fn head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4)
}

/// What to do with a request head.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Route {
    /// Hand the connection to the WebSocket handshake.
    WebSocket,
    /// Answer a static file request for this (raw) path; `head_only` for HEAD.
    File { path: String, head_only: bool },
    /// Answer with this status and reason.
    Refuse(u16, &'static str),
}

/// Routes a complete request head: WebSocket upgrades and requests for the WebSocket
/// path go to the handshake; other GET/HEAD requests are static files.
pub(crate) fn route(head: &[u8], ws_path: &str) -> Route {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        // Let the handshake answer malformed requests the way it always does.
        _ => return Route::WebSocket,
    }
    let upgrade = req.headers.iter().any(|h| {
        h.name.eq_ignore_ascii_case("upgrade")
            && String::from_utf8_lossy(h.value)
                .to_ascii_lowercase()
                .contains("websocket")
    });
    let target = req.path.unwrap_or("/");
    let path = target.split(['?', '#']).next().unwrap_or("/");
    if upgrade || path == ws_path {
        return Route::WebSocket;
    }
    match req.method {
        Some("GET") => Route::File {
            path: path.to_owned(),
            head_only: false,
        },
        Some("HEAD") => Route::File {
            path: path.to_owned(),
            head_only: true,
        },
        _ => Route::Refuse(405, "Method Not Allowed"),
    }
}

/// Maps a URL path to a file under `root`: percent-decoded, `..`/backslash/NUL refused,
/// a directory served by its `index.html`, and the result required to stay inside
/// `root` after following symbolic links. `None`: not found (or not allowed).
pub(crate) fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(url_path)?;
    let mut path = root.to_path_buf();
    for seg in decoded.split('/') {
        match seg {
            "" | "." => {}
            ".." => return None,
            s if s.contains(['\\', '\0']) => return None,
            s => path.push(s),
        }
    }
    let root = root.canonicalize().ok()?;
    let mut path = path.canonicalize().ok()?;
    if path.is_dir() {
        path = path.join("index.html").canonicalize().ok()?;
    }
    (path.starts_with(&root) && path.is_file()).then_some(path)
}

/// Decodes `%XX` escapes; `None` for a bad escape or bytes that are not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The `Content-Type` of a file, by extension.
pub(crate) fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "txt" | "md" => "text/plain; charset=utf-8",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "ico" => "image/x-icon",
        "webp" => "image/webp",
        "wasm" => "application/wasm",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

/// A complete response with a text body.
fn status_response(status: u16, reason: &str) -> Vec<u8> {
    let body = format!("{status} {reason}\n");
    let mut out = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

/// The response to a routed request (`Route::WebSocket` is not answered here).
pub(crate) fn respond(route: &Route, root: &Path, max_file_size: u64) -> Vec<u8> {
    let (path, head_only) = match route {
        Route::File { path, head_only } => (path, *head_only),
        Route::Refuse(status, reason) => return status_response(*status, reason),
        Route::WebSocket => return status_response(400, "Bad Request"),
    };
    let Some(file) = resolve(root, path) else {
        return status_response(404, "Not Found");
    };
    match std::fs::metadata(&file) {
        Ok(m) if m.len() > max_file_size => return status_response(403, "Forbidden"),
        Ok(_) => {}
        Err(_) => return status_response(404, "Not Found"),
    }
    // Demo pages are small; the read blocks this connection's task briefly.
    let Ok(body) = std::fs::read(&file) else {
        return status_response(404, "Not Found");
    };
    let mut out = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\n\
         Cache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\n\
         Connection: close\r\n\r\n",
        content_type(&file),
        body.len()
    )
    .into_bytes();
    if !head_only {
        out.extend_from_slice(&body);
    }
    out
}

/// Writes `response` and shuts the connection down.
pub(crate) async fn send_and_close<T: Transport>(io: &mut T, response: &[u8]) {
    let mut pos = 0;
    while pos < response.len() {
        match poll_fn(|cx| io.poll_write(cx, &response[pos..])).await {
            Ok(0) | Err(_) => return,
            Ok(n) => pos += n,
        }
    }
    let _ = poll_fn(|cx| io.poll_flush(cx)).await;
    let _ = poll_fn(|cx| io.poll_close(cx)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        let get = b"GET /index.html?x=1 HTTP/1.1\r\nHost: a\r\n\r\n";
        assert_eq!(
            route(get, "/ws"),
            Route::File {
                path: "/index.html".into(),
                head_only: false
            }
        );
        let up = b"GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: WebSocket\r\n\r\n";
        assert_eq!(route(up, "/ws"), Route::WebSocket);
        let plain_ws = b"GET /ws HTTP/1.1\r\nHost: a\r\n\r\n";
        assert_eq!(route(plain_ws, "/ws"), Route::WebSocket);
        let post = b"POST /x HTTP/1.1\r\nHost: a\r\n\r\n";
        assert_eq!(route(post, "/ws"), Route::Refuse(405, "Method Not Allowed"));
        assert_eq!(route(b"\x01garbage\r\n\r\n", "/ws"), Route::WebSocket);
        assert_eq!(head_end(b"GET / HTTP/1.1\r\n\r\nrest"), Some(18));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\n"), None);
    }

    #[test]
    fn decoding_and_types() {
        assert_eq!(percent_decode("/a%20b").as_deref(), Some("/a b"));
        assert_eq!(percent_decode("/%2e%2E/x").as_deref(), Some("/../x"));
        assert_eq!(percent_decode("/%zz"), None);
        assert_eq!(percent_decode("/%4"), None);
        assert_eq!(percent_decode("/%ff"), None);
        assert_eq!(
            content_type(Path::new("a/B.HTML")),
            "text/html; charset=utf-8"
        );
        assert_eq!(content_type(Path::new("x.wasm")), "application/wasm");
        assert_eq!(content_type(Path::new("noext")), "application/octet-stream");
    }
}
