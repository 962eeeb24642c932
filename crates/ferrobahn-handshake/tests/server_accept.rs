//! Accepted requests: parsed fields, origin policy, protocols, extensions, the 101 response.

mod common;

use common::{good_headers, head, parse, parse_cfg, with, SAMPLE_KEY};
use ferrobahn_handshake::{
    accept_response, Accept, ExtensionOffer, HandshakeError, RequestParser, ServerConfig,
    UsageError,
};

fn accepted(data: &[u8]) -> ferrobahn_handshake::Request {
    parse(data).expect("accepted").expect("complete")
}

#[test]
fn rfc_sample_request_is_parsed() {
    let mut hs = good_headers();
    hs.push(("Origin", "http://example.com"));
    hs.push(("Sec-WebSocket-Protocol", "chat, superchat"));
    let req = accepted(&head("GET /chat?x=1 HTTP/1.1", &hs));
    assert_eq!(req.method, "GET");
    assert_eq!(req.path, "/chat?x=1");
    assert_eq!(req.query(), Some("x=1"));
    assert_eq!(req.host, "server.example.com");
    assert_eq!(req.origin.as_deref(), Some("http://example.com"));
    assert_eq!(req.version, 13);
    assert_eq!(req.key, SAMPLE_KEY);
    assert_eq!(req.protocols, ["chat", "superchat"]);
    assert_eq!(req.header("sec-websocket-key"), Some(SAMPLE_KEY));
    assert_eq!(req.headers.len(), 7);
    assert_eq!(
        req.headers[0],
        ("Host".to_owned(), "server.example.com".to_owned())
    );
}

#[test]
fn header_names_keep_original_case_and_values_are_trimmed() {
    let raw = b"GET / HTTP/1.1\r\nhOsT:   h  \r\nUPGRADE: WebSocket\r\nconnection: keep-alive, UPGRADE\r\n\
                sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n";
    let req = accepted(raw);
    assert_eq!(req.headers[0].0, "hOsT");
    assert_eq!(req.host, "h");
    assert_eq!(req.header("Upgrade"), Some("WebSocket"));
}

#[test]
fn non_utf8_header_value_is_decoded_lossily() {
    let mut raw = with("X-Bin", Some("a"));
    let pos = raw.windows(8).position(|w| w == b"X-Bin: a").unwrap() + 7;
    raw[pos] = 0xff;
    let req = accepted(&raw);
    assert_eq!(req.header("x-bin"), Some("\u{fffd}"));
}

#[test]
fn http_1_1_plus_minor_versions_and_connection_lists() {
    assert_eq!(
        accepted(&with("Connection", Some("keep-alive, Upgrade"))).version,
        13
    );
    assert_eq!(
        accepted(&with("Upgrade", Some("foo/2, WEBSOCKET"))).version,
        13
    );
}

#[test]
fn version_8_uses_sec_websocket_origin() {
    let mut hs: Vec<(&str, &str)> = good_headers()
        .into_iter()
        .filter(|(n, _)| *n != "Sec-WebSocket-Version")
        .collect();
    hs.push(("Sec-WebSocket-Version", "8"));
    hs.push(("Sec-WebSocket-Origin", "https://a.test"));
    hs.push(("Origin", "ignored-for-v8"));
    let req = accepted(&head("GET / HTTP/1.1", &hs));
    assert_eq!(req.version, 8);
    assert_eq!(req.origin.as_deref(), Some("https://a.test"));
}

#[test]
fn origin_patterns_allow_matching_origins() {
    let cfg = ServerConfig {
        allowed_origins: vec!["https://*.example.com".into(), "http://localhost:*".into()],
        ..ServerConfig::default()
    };
    for o in [
        "https://www.example.com",
        "HTTPS://API.EXAMPLE.COM",
        "http://localhost:8080",
        "http://localhost",
    ] {
        let r = parse_cfg(cfg.clone(), &with("Origin", Some(o)))
            .unwrap()
            .unwrap();
        assert_eq!(r.origin.as_deref(), Some(o));
    }
    // No Origin at all (non-browser client) is allowed.
    assert!(parse_cfg(cfg, &with("Origin", None)).unwrap().is_some());
}

#[test]
fn null_origin_allowed_by_default() {
    let req = accepted(&with("Origin", Some("null")));
    assert_eq!(req.origin.as_deref(), Some("null"));
}

#[test]
fn extensions_from_several_headers_are_parsed_in_order() {
    let mut hs = good_headers();
    hs.push((
        "Sec-WebSocket-Extensions",
        "permessage-deflate; client_max_window_bits",
    ));
    hs.push(("Sec-WebSocket-Extensions", r#"x-foo; a="1", x-bar"#));
    let req = accepted(&head("GET / HTTP/1.1", &hs));
    let names: Vec<&str> = req.extensions.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["permessage-deflate", "x-foo", "x-bar"]);
    assert_eq!(req.extensions[1].param("a"), Some(Some("1")));
}

#[test]
fn protocols_from_several_headers_are_merged() {
    let mut hs = good_headers();
    hs.push(("Sec-WebSocket-Protocol", "wamp.2.json,  wamp.2.msgpack"));
    hs.push(("Sec-WebSocket-Protocol", " , wamp.2.cbor"));
    let req = accepted(&head("GET / HTTP/1.1", &hs));
    assert_eq!(
        req.protocols,
        ["wamp.2.json", "wamp.2.msgpack", "wamp.2.cbor"]
    );
}

#[test]
fn trailing_bytes_are_kept() {
    let mut data = with("Origin", None);
    data.extend_from_slice(b"\x81\x85frame");
    let mut p = RequestParser::new(ServerConfig::default());
    assert!(p.feed(&data).unwrap().is_some());
    assert_eq!(p.take_trailing(), b"\x81\x85frame");
    assert_eq!(p.take_trailing(), b"");
    assert_eq!(p.feed(b"more"), Err(UsageError::Finished.into()));
}

#[test]
fn accept_response_has_required_headers() {
    let mut hs = good_headers();
    hs.push(("Sec-WebSocket-Protocol", "chat, superchat"));
    hs.push((
        "Sec-WebSocket-Extensions",
        "permessage-deflate; client_max_window_bits",
    ));
    let req = accepted(&head("GET / HTTP/1.1", &hs));
    let accept = Accept {
        protocol: Some("superchat".into()),
        extensions: vec![ExtensionOffer::new("permessage-deflate")
            .with_param("server_no_context_takeover", None)],
        headers: vec![("X-Server".into(), "ferrobahn".into())],
    };
    let text = String::from_utf8(accept_response(&req, &accept).unwrap()).unwrap();
    assert_eq!(
        text,
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: superchat\r\n\
         Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\nX-Server: ferrobahn\r\n\r\n"
    );
}

#[test]
fn accept_response_minimal() {
    let req = accepted(&with("Origin", None));
    let text = String::from_utf8(accept_response(&req, &Accept::default()).unwrap()).unwrap();
    assert!(!text.contains("Sec-WebSocket-Protocol"));
    assert!(!text.contains("Sec-WebSocket-Extensions"));
    assert!(text.ends_with("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"));
}

#[test]
fn accept_response_refuses_unoffered_protocol_and_extension() {
    let req = accepted(&with("Sec-WebSocket-Protocol", Some("chat")));
    let e = accept_response(
        &req,
        &Accept {
            protocol: Some("other".into()),
            ..Accept::default()
        },
    );
    assert_eq!(
        e,
        Err(HandshakeError::Usage(UsageError::ProtocolNotOffered(
            "other".into()
        )))
    );
    // Protocol names are compared exactly.
    assert!(accept_response(
        &req,
        &Accept {
            protocol: Some("CHAT".into()),
            ..Accept::default()
        }
    )
    .is_err());
    let e = accept_response(
        &req,
        &Accept {
            extensions: vec![ExtensionOffer::new("permessage-deflate")],
            ..Accept::default()
        },
    );
    assert!(matches!(
        e,
        Err(HandshakeError::Usage(UsageError::ExtensionNotOffered(_)))
    ));
    assert_eq!(e.unwrap_err().status(), 500);
}

#[test]
fn accept_response_refuses_header_injection() {
    let req = accepted(&with("Origin", None));
    for (n, v) in [
        ("X-A", "1\r\nSet-Cookie: x"),
        ("X-B", "1\n"),
        ("Bad Name", "1"),
        ("X\r\n", "1"),
    ] {
        let accept = Accept {
            headers: vec![(n.into(), v.into())],
            ..Accept::default()
        };
        assert!(
            matches!(
                accept_response(&req, &accept),
                Err(HandshakeError::Usage(UsageError::InvalidHeader(_)))
            ),
            "{n:?}: {v:?}"
        );
    }
}
