//! Every RFC 6455 4.2.1 rejection, each with its variant and HTTP status, fed both in one
//! piece and byte by byte (the helpers assert the two agree).

mod common;

use common::{good_headers, head, refused, refused_cfg, with, SAMPLE_KEY};
use ferrobahn_handshake::{HandshakeError, RequestParser, ServerConfig, UsageError};

fn request_line(line: &str) -> Vec<u8> {
    head(line, &good_headers())
}

#[test]
fn post_is_405() {
    let e = refused(&request_line("POST /chat HTTP/1.1"));
    assert_eq!(
        e,
        HandshakeError::MethodNotAllowed {
            method: "POST".into()
        }
    );
    assert_eq!(e.status(), 405);
}

#[test]
fn lowercase_get_is_405() {
    let e = refused(&request_line("get /chat HTTP/1.1"));
    assert_eq!(
        e,
        HandshakeError::MethodNotAllowed {
            method: "get".into()
        }
    );
    assert_eq!(e.status(), 405);
}

#[test]
fn head_and_mixed_case_methods_are_405() {
    for m in ["HEAD", "Get", "PUT", "OPTIONS", "CONNECT"] {
        let e = refused(&request_line(&format!("{m} /chat HTTP/1.1")));
        assert_eq!(e.status(), 405, "{m}");
    }
}

#[test]
fn http_1_0_is_505() {
    let e = refused(&request_line("GET /chat HTTP/1.0"));
    assert_eq!(e, HandshakeError::UnsupportedHttpVersion);
    assert_eq!(e.status(), 505);
}

#[test]
fn http_2_and_0_9_request_lines_are_505() {
    for v in ["HTTP/2.0", "HTTP/0.9", "HTTP/1.x"] {
        let e = refused(&request_line(&format!("GET /chat {v}")));
        assert_eq!(e.status(), 505, "{v}: {e:?}");
    }
}

#[test]
fn missing_host_is_400() {
    let e = refused(&with("Host", None));
    assert_eq!(e, HandshakeError::MissingHost);
    assert_eq!(e.status(), 400);
}

#[test]
fn two_hosts_are_400() {
    let mut hs = good_headers();
    hs.push(("host", "other.example.com"));
    let e = refused(&head("GET /chat HTTP/1.1", &hs));
    assert_eq!(e, HandshakeError::DuplicateHost);
    assert_eq!(e.status(), 400);
}

#[test]
fn missing_upgrade_is_plain_get() {
    let e = refused(&with("Upgrade", None));
    assert!(e.is_plain_http_get());
    assert_eq!(e.plain_get_path(), Some("/chat"));
    assert_eq!(e.status(), 426);
    match e {
        HandshakeError::NotWebSocket { headers, .. } => {
            assert!(headers
                .iter()
                .any(|(n, v)| n == "Host" && v == "server.example.com"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn upgrade_without_websocket_token_is_400() {
    for v in ["h2c", "websockets", "", "web socket"] {
        let e = refused(&with("Upgrade", Some(v)));
        assert_eq!(e, HandshakeError::InvalidUpgrade, "{v:?}");
        assert_eq!(e.status(), 400);
    }
}

#[test]
fn missing_connection_or_token_is_400() {
    let e = refused(&with("Connection", None));
    assert_eq!(e, HandshakeError::MissingConnectionUpgrade);
    assert_eq!(e.status(), 400);
    for v in ["keep-alive", "close", "upgraded", "up grade"] {
        let e = refused(&with("Connection", Some(v)));
        assert_eq!(e, HandshakeError::MissingConnectionUpgrade, "{v:?}");
    }
}

#[test]
fn missing_key_is_400() {
    let e = refused(&with("Sec-WebSocket-Key", None));
    assert_eq!(e, HandshakeError::MissingKey);
    assert_eq!(e.status(), 400);
}

#[test]
fn duplicate_key_is_400() {
    let mut hs = good_headers();
    hs.push(("Sec-WebSocket-Key", SAMPLE_KEY));
    let e = refused(&head("GET / HTTP/1.1", &hs));
    assert_eq!(e, HandshakeError::DuplicateKey);
    assert_eq!(e.status(), 400);
}

#[test]
fn key_of_15_or_17_bytes_is_400() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    for n in [0usize, 1, 15, 17, 32] {
        let key = b64.encode(vec![7u8; n]);
        let e = refused(&with("Sec-WebSocket-Key", Some(&key)));
        assert_eq!(e, HandshakeError::InvalidKey, "{n} bytes");
        assert_eq!(e.status(), 400);
    }
}

#[test]
fn bad_base64_key_is_400() {
    for key in [
        "dGhlIHNhbXBsZSBub25jZQ",    // unpadded
        "dGhlIHNhbXBsZSBub25jZQ=!",  // bad char
        "dGhl IHNhbXBsZSBub25jZQ==", // inner space
        "dGhlIHNhbXBsZSBub25jZR==",  // non-canonical trailing bits
        "________________________",  // url-safe alphabet
    ] {
        let e = refused(&with("Sec-WebSocket-Key", Some(key)));
        assert_eq!(e, HandshakeError::InvalidKey, "{key:?}");
    }
}

#[test]
fn missing_version_is_400() {
    let e = refused(&with("Sec-WebSocket-Version", None));
    assert_eq!(e, HandshakeError::MissingVersion);
    assert_eq!(e.status(), 400);
}

#[test]
fn duplicate_version_is_400() {
    let mut hs = good_headers();
    hs.push(("Sec-WebSocket-Version", "8"));
    assert_eq!(
        refused(&head("GET / HTTP/1.1", &hs)),
        HandshakeError::DuplicateVersion
    );
}

#[test]
fn unsupported_version_is_426_with_version_header() {
    for v in ["12", "7", "0", "256", "thirteen", "13, 8"] {
        let e = refused(&with("Sec-WebSocket-Version", Some(v)));
        assert_eq!(e, HandshakeError::UnsupportedVersion { version: v.into() });
        assert_eq!(e.status(), 426);
        let resp = String::from_utf8(e.response()).unwrap();
        assert!(
            resp.starts_with("HTTP/1.1 426 Upgrade Required\r\n"),
            "{resp}"
        );
        assert!(
            resp.contains("\r\nSec-WebSocket-Version: 13, 8\r\n"),
            "{resp}"
        );
    }
}

#[test]
fn version_8_refused_when_not_configured() {
    let cfg = ServerConfig {
        versions: vec![13],
        ..ServerConfig::default()
    };
    let e = refused_cfg(cfg, &with("Sec-WebSocket-Version", Some("8")));
    assert_eq!(e.status(), 426);
}

#[test]
fn origin_not_allowed_is_403() {
    let cfg = ServerConfig {
        allowed_origins: vec!["https://*.example.com".into()],
        ..ServerConfig::default()
    };
    for o in [
        "https://evil.test",
        "http://www.example.com",
        "https://example.com.evil.test",
    ] {
        let e = refused_cfg(cfg.clone(), &with("Origin", Some(o)));
        assert_eq!(e, HandshakeError::OriginRefused { origin: o.into() });
        assert_eq!(e.status(), 403);
    }
}

#[test]
fn empty_allow_list_refuses_every_origin() {
    let cfg = ServerConfig {
        allowed_origins: vec![],
        ..ServerConfig::default()
    };
    let e = refused_cfg(cfg, &with("Origin", Some("https://a.test")));
    assert_eq!(e.status(), 403);
}

#[test]
fn null_origin_refused_when_disallowed() {
    let cfg = ServerConfig {
        allow_null_origin: false,
        ..ServerConfig::default()
    };
    let e = refused_cfg(cfg, &with("Origin", Some("null")));
    assert_eq!(e, HandshakeError::NullOriginRefused);
    assert_eq!(e.status(), 403);
}

#[test]
fn version_8_origin_header_is_checked() {
    let cfg = ServerConfig {
        allowed_origins: vec!["https://ok.test".into()],
        ..ServerConfig::default()
    };
    let mut hs: Vec<(&str, &str)> = good_headers()
        .into_iter()
        .filter(|(n, _)| *n != "Sec-WebSocket-Version")
        .collect();
    hs.push(("Sec-WebSocket-Version", "8"));
    hs.push(("Sec-WebSocket-Origin", "https://bad.test"));
    let e = refused_cfg(cfg, &head("GET / HTTP/1.1", &hs));
    assert_eq!(e.status(), 403);
}

#[test]
fn duplicate_origin_is_400() {
    let mut hs = good_headers();
    hs.push(("Origin", "https://a.test"));
    hs.push(("Origin", "https://b.test"));
    assert_eq!(
        refused(&head("GET / HTTP/1.1", &hs)),
        HandshakeError::DuplicateOrigin
    );
}

#[test]
fn invalid_protocol_and_extension_headers_are_400() {
    let e = refused(&with("Sec-WebSocket-Protocol", Some("chat, sup er")));
    assert_eq!(e, HandshakeError::InvalidProtocolHeader);
    let e = refused(&with(
        "Sec-WebSocket-Extensions",
        Some("permessage-deflate; =1"),
    ));
    assert!(matches!(e, HandshakeError::InvalidExtensions { .. }));
    assert_eq!(e.status(), 400);
}

#[test]
fn head_over_limit_fed_one_byte_at_a_time_without_end_is_431() {
    let cfg = ServerConfig {
        max_head_bytes: 1024,
        ..ServerConfig::default()
    };
    let mut p = RequestParser::new(cfg);
    let line = b"GET / HTTP/1.1\r\nX-Slow: ";
    let mut fed = 0usize;
    let err = loop {
        let b = if fed < line.len() { line[fed] } else { b'a' };
        fed += 1;
        match p.feed(&[b]) {
            Ok(None) => assert!(fed < 10_000, "never refused"),
            Ok(Some(r)) => panic!("accepted {r:?}"),
            Err(e) => break e,
        }
    };
    assert_eq!(err, HandshakeError::HeadTooLarge { limit: 1024 });
    assert_eq!(err.status(), 431);
    assert_eq!(fed, 1024, "refused as soon as the limit is reached");
    assert_eq!(p.feed(b"a"), Err(UsageError::Finished.into()));
}

#[test]
fn head_over_limit_in_one_piece_is_431() {
    let big = "a".repeat(20_000);
    let e = refused(&with("X-Big", Some(&big)));
    assert_eq!(e, HandshakeError::HeadTooLarge { limit: 16 * 1024 });
    assert_eq!(e.status(), 431);
}

#[test]
fn too_many_headers_is_431() {
    let cfg = ServerConfig {
        max_headers: 8,
        ..ServerConfig::default()
    };
    let mut hs = good_headers();
    let extra: Vec<String> = (0..4).map(|i| format!("X-{i}")).collect();
    for n in &extra {
        hs.push((n, "v"));
    }
    let e = refused_cfg(cfg.clone(), &head("GET / HTTP/1.1", &hs));
    assert_eq!(e, HandshakeError::TooManyHeaders { limit: 8 });
    assert_eq!(e.status(), 431);
    hs.pop();
    assert!(common::parse_cfg(cfg, &head("GET / HTTP/1.1", &hs))
        .unwrap()
        .is_some());
}

#[test]
fn malformed_heads_are_400() {
    for raw in [
        &b"GET\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\nBad Header: x\r\n\r\n",
        b"GET / HTTP/1.1\r\n: empty-name\r\n\r\n",
        b"\r\n\r\n",
        b"GET  HTTP/1.1\r\n\r\n",
    ] {
        let e = refused(raw);
        assert_eq!(
            e.status(),
            400,
            "{:?} -> {e:?}",
            String::from_utf8_lossy(raw)
        );
    }
}

#[test]
fn error_response_carries_status_and_reason() {
    let e = refused(&with("Host", None));
    let resp = String::from_utf8(e.response()).unwrap();
    assert!(resp.starts_with("HTTP/1.1 400 Bad Request\r\n"));
    assert!(resp.contains("\r\nConnection: close\r\n"));
    assert!(resp.ends_with("\r\n\r\nmissing Host header"));
}
