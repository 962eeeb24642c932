//! Serve ferrobahn WebSocket connections from [hyper] 1, next to static
//! files and other routes on the same port (AutobahnPython's `echo_site`:
//! WebSocket as one resource of a web site).
//!
//! [`upgrade`] takes an HTTP request that hyper accepted, validates it with
//! the same rules as ferrobahn's own server (RFC 6455 4.2.1, origins,
//! limits), asks the [`Handler`]'s `on_connect`, and returns the response
//! for hyper to send: `101 Switching Protocols`, or the HTTP error. Once
//! hyper hands the connection over, the handler runs in its own task,
//! exactly as under `ferrobahn::tokio::serve`. Serve hyper connections
//! with upgrades enabled (`http1::Builder::serve_connection(..).with_upgrades()`).
//!
//! Feature `axum`: [`axum::upgrade`](crate::axum::upgrade) for axum 0.8
//! handlers.
//!
//! ```no_run
//! use std::convert::Infallible;
//! use std::sync::Arc;
//!
//! use bytes::Bytes;
//! use ferrobahn_rt::{Ctx, Handler, ServerConfig};
//! use http_body_util::Full;
//! use hyper::{Request, Response};
//!
//! struct Echo;
//! impl Handler for Echo {
//!     fn on_message(&mut self, ctx: &mut Ctx<'_>, payload: Bytes, _is_binary: bool) {
//!         let _ = ctx.send_binary(&payload);
//!     }
//! }
//!
//! async fn site(req: Request<hyper::body::Incoming>, config: Arc<ServerConfig>)
//!     -> Result<Response<Full<Bytes>>, Infallible> {
//!     Ok(match req.uri().path() {
//!         "/ws" => ferrobahn_hyper::upgrade(req, config, None, Echo),
//!         _ => Response::new(Full::new(Bytes::from_static(b"<h1>hello</h1>"))),
//!     })
//! }
//! ```
//!
//! [hyper]: https://hyper.rs
#![forbid(unsafe_code)]

#[cfg(feature = "axum")]
pub mod axum;

use std::sync::Arc;

use bytes::Bytes;
use ferrobahn_handshake::RequestParser;
use ferrobahn_rt::{answer_request, run_handler, Answer, Handler, PeerAddr, ServerConfig};
use http::{HeaderValue, Request, Response, StatusCode, Version};
use http_body_util::Full;

/// Whether `req` asks for a WebSocket (`Upgrade: websocket`); a cheap test
/// for routing, [`upgrade`] checks everything else.
pub fn is_upgrade_request<B>(req: &Request<B>) -> bool {
    req.headers()
        .get_all(http::header::UPGRADE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case("websocket"))
}

/// Upgrades `req` into a ferrobahn connection served by `handler` (on the
/// current tokio runtime), and returns the response hyper must send:
/// `101`, or the HTTP error the request deserves (400, 403, 426, ... or
/// what `on_connect` denied with).
///
/// `peer` is what the handler's `Ctx::peer` reports (hyper does not know
/// it; pass the address your accept loop got). The opening handshake
/// timeout of `config` bounds the wait for hyper to hand the connection
/// over.
pub fn upgrade<B, H>(
    mut req: Request<B>,
    config: Arc<ServerConfig>,
    peer: Option<PeerAddr>,
    mut handler: H,
) -> Response<Full<Bytes>>
where
    H: Handler,
{
    let mut parser = RequestParser::new(config.handshake.clone());
    let request = match parser.feed(&request_head(&req)) {
        Ok(Some(request)) => request,
        Ok(None) => return plain(StatusCode::BAD_REQUEST, "incomplete request"),
        Err(e) => return to_http(&e.response()),
    };
    let accepted = match answer_request(&request, &config, |r| handler.on_connect(r)) {
        Answer::Accept(accepted) => accepted,
        Answer::Refuse { response, .. } => return to_http(&response),
        _ => return plain(StatusCode::INTERNAL_SERVER_ERROR, "internal error"),
    };
    let response = to_http(accepted.response());
    let on_upgrade = hyper::upgrade::on(&mut req);
    drop(req);
    tokio::spawn(async move {
        let upgraded = tokio::time::timeout(config.open_handshake_timeout, on_upgrade).await;
        let upgraded = match upgraded {
            Ok(Ok(upgraded)) => upgraded,
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "hyper did not hand the connection over");
                return;
            }
            Err(_) => {
                tracing::debug!("hyper did not hand the connection over in time");
                return;
            }
        };
        let io = ferrobahn_tokio::TokioIo(hyper_util::rt::TokioIo::new(upgraded));
        match accepted.into_websocket(io, ferrobahn_tokio::runtime(), &config, peer, &[]) {
            Ok(ws) => run_handler(ws, handler).await,
            Err(e) => tracing::warn!(error = %e, "cannot start the connection"),
        }
    });
    response
}

/// The request head as HTTP/1.1 bytes, for the handshake parser (header
/// values are kept as bytes; the parser judges them).
fn request_head<B>(req: &Request<B>) -> Vec<u8> {
    let version = match req.version() {
        Version::HTTP_11 => "HTTP/1.1",
        Version::HTTP_10 => "HTTP/1.0",
        // HTTP/2 and 3 have no Upgrade (RFC 8441 is not supported): refused.
        _ => "HTTP/2.0",
    };
    let target = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let mut head = format!("{} {target} {version}\r\n", req.method()).into_bytes();
    if !req.headers().contains_key(http::header::HOST) {
        if let Some(authority) = req.uri().authority() {
            head.extend_from_slice(format!("Host: {authority}\r\n").as_bytes());
        }
    }
    for (name, value) in req.headers() {
        head.extend_from_slice(name.as_str().as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    head
}

/// An HTTP response written by ferrobahn (status line, headers, body) as
/// an `http::Response`.
fn to_http(raw: &[u8]) -> Response<Full<Bytes>> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(raw.len());
    let head = String::from_utf8_lossy(&raw[..split]);
    let body = raw.get(split + 4..).unwrap_or_default();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse::<u16>().ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = Response::new(Full::new(Bytes::copy_from_slice(body)));
    *response.status_mut() = status;
    for line in lines {
        let Some((name, value)) = line.split_once(": ") else {
            continue;
        };
        // hyper writes Content-Length itself and owns connection reuse.
        if name.eq_ignore_ascii_case("content-length") {
            continue;
        }
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    response
}

fn plain(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *response.status_mut() = status;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ferrobahn_responses_become_http_responses() {
        let r = to_http(b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nX-A: b\r\n\r\nno");
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(r.headers()["x-a"], "b");
        assert!(r.headers().get("content-length").is_none());
        let r = to_http(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n");
        assert_eq!(r.status(), StatusCode::SWITCHING_PROTOCOLS);
        assert_eq!(r.headers()["upgrade"], "websocket");
    }

    #[test]
    fn upgrade_requests_are_recognised() {
        let yes = Request::get("/")
            .header("Upgrade", "h2c, WebSocket")
            .body(())
            .unwrap();
        let no = Request::get("/").body(()).unwrap();
        assert!(is_upgrade_request(&yes));
        assert!(!is_upgrade_request(&no));
    }
}
