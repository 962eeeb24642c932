//! Client side: request bytes, response validation, and the client/server round trip.

use ferrobahn_handshake::{
    accept_key, accept_response, reject_response, Accept, ClientConfig, ClientHandshake,
    ExtensionOffer, HandshakeError, RequestParser, ServerConfig, UsageError, WsUrl,
};

const KEY_BYTES: [u8; 16] = *b"the sample nonce"; // base64: dGhlIHNhbXBsZSBub25jZQ==

fn url(s: &str) -> WsUrl {
    s.parse().unwrap()
}

fn client(config: ClientConfig) -> ClientHandshake {
    ClientHandshake::new(&url("ws://server.example.com/chat"), config, KEY_BYTES).unwrap()
}

fn response(extra: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n{extra}\r\n"
    )
    .into_bytes()
}

/// Feeds in one piece and byte by byte, asserts both agree, returns the result.
fn feed_both(
    config: ClientConfig,
    data: &[u8],
) -> Result<Option<ferrobahn_handshake::Response>, HandshakeError> {
    let whole = client(config.clone()).feed(data);
    let mut c = client(config);
    let mut bytewise = Ok(None);
    for b in data {
        bytewise = c.feed(std::slice::from_ref(b));
        if !matches!(bytewise, Ok(None)) {
            break;
        }
    }
    assert_eq!(whole, bytewise);
    whole
}

#[test]
fn request_bytes_are_exact() {
    let c = ClientHandshake::new(
        &url("ws://server.example.com:9000/chat?x=1"),
        ClientConfig {
            origin: Some("http://example.com".into()),
            protocols: vec!["chat".into(), "superchat".into()],
            extensions: vec![ExtensionOffer::new("permessage-deflate")
                .with_param("client_max_window_bits", None)],
            headers: vec![("User-Agent".into(), "ferrobahn".into())],
            ..ClientConfig::default()
        },
        KEY_BYTES,
    )
    .unwrap();
    assert_eq!(c.key(), "dGhlIHNhbXBsZSBub25jZQ==");
    assert_eq!(
        String::from_utf8(c.request_bytes().to_vec()).unwrap(),
        "GET /chat?x=1 HTTP/1.1\r\nHost: server.example.com:9000\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
         Origin: http://example.com\r\nSec-WebSocket-Protocol: chat, superchat\r\n\
         Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\nUser-Agent: ferrobahn\r\n\r\n"
    );
}

#[test]
fn host_header_omits_default_port_and_brackets_ipv6() {
    let c = ClientHandshake::new(&url("wss://h:443/"), ClientConfig::default(), KEY_BYTES).unwrap();
    assert!(c
        .request_bytes()
        .starts_with(b"GET / HTTP/1.1\r\nHost: h\r\n"));
    let c =
        ClientHandshake::new(&url("ws://[::1]:8080"), ClientConfig::default(), KEY_BYTES).unwrap();
    assert!(c
        .request_bytes()
        .starts_with(b"GET / HTTP/1.1\r\nHost: [::1]:8080\r\n"));
}

#[test]
fn version_8_sends_sec_websocket_origin() {
    let c = client(ClientConfig {
        version: 8,
        origin: Some("https://o.test".into()),
        ..ClientConfig::default()
    });
    let text = String::from_utf8(c.request_bytes().to_vec()).unwrap();
    assert!(text.contains("\r\nSec-WebSocket-Version: 8\r\n"));
    assert!(text.contains("\r\nSec-WebSocket-Origin: https://o.test\r\n"));
}

#[test]
fn new_refuses_misuse() {
    let u = url("ws://h/");
    let cases: Vec<(ClientConfig, &str)> = vec![
        (
            ClientConfig {
                version: 12,
                ..ClientConfig::default()
            },
            "version",
        ),
        (
            ClientConfig {
                protocols: vec!["a b".into()],
                ..ClientConfig::default()
            },
            "protocol",
        ),
        (
            ClientConfig {
                origin: Some("x\r\ny".into()),
                ..ClientConfig::default()
            },
            "origin",
        ),
        (
            ClientConfig {
                headers: vec![("X".into(), "1\r\n".into())],
                ..ClientConfig::default()
            },
            "header",
        ),
        (
            ClientConfig {
                extensions: vec![ExtensionOffer::new("a;b")],
                ..ClientConfig::default()
            },
            "ext",
        ),
    ];
    for (cfg, what) in cases {
        assert!(
            matches!(
                ClientHandshake::new(&u, cfg, KEY_BYTES),
                Err(HandshakeError::Usage(_))
            ),
            "{what}"
        );
    }
    let bad_resource = WsUrl {
        resource: "/a b".into(),
        ..u.clone()
    };
    assert!(ClientHandshake::new(&bad_resource, ClientConfig::default(), KEY_BYTES).is_err());
    let bad_host = WsUrl {
        host: "h\r\nX: y".into(),
        ..u
    };
    assert!(matches!(
        ClientHandshake::new(&bad_host, ClientConfig::default(), KEY_BYTES),
        Err(HandshakeError::Usage(UsageError::InvalidTarget(_)))
    ));
}

#[test]
fn valid_response_is_accepted_with_trailing() {
    let mut data = response("Sec-WebSocket-Protocol: chat\r\n");
    data.extend_from_slice(b"\x81\x02hi");
    let cfg = ClientConfig {
        protocols: vec!["chat".into()],
        ..ClientConfig::default()
    };
    let mut c = client(cfg.clone());
    let r = c.feed(&data).unwrap().unwrap();
    assert_eq!(r.status, 101);
    assert_eq!(r.protocol.as_deref(), Some("chat"));
    assert_eq!(r.header("upgrade"), Some("websocket"));
    assert_eq!(c.take_trailing(), b"\x81\x02hi");
    assert!(feed_both(cfg, &data).unwrap().is_some());
}

#[test]
fn non_101_status_carries_status_and_reason() {
    let data = reject_response(403, "origin not allowed", &[]);
    let e = feed_both(ClientConfig::default(), &data).unwrap_err();
    assert_eq!(
        e,
        HandshakeError::UnexpectedStatus {
            status: 403,
            reason: "Forbidden".into()
        }
    );
}

#[test]
fn wrong_accept_is_refused() {
    let bad = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n";
    assert_eq!(
        feed_both(ClientConfig::default(), bad),
        Err(HandshakeError::AcceptMismatch)
    );
    let missing =
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
    assert_eq!(
        feed_both(ClientConfig::default(), missing),
        Err(HandshakeError::AcceptMismatch)
    );
    let twice = response("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n");
    assert_eq!(
        feed_both(ClientConfig::default(), &twice),
        Err(HandshakeError::AcceptMismatch)
    );
}

#[test]
fn upgrade_and_connection_tokens_are_required() {
    let no_upgrade = b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\
                       Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
    assert_eq!(
        feed_both(ClientConfig::default(), no_upgrade),
        Err(HandshakeError::ResponseMissingUpgrade)
    );
    let no_conn = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
                    Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
    assert_eq!(
        feed_both(ClientConfig::default(), no_conn),
        Err(HandshakeError::MissingConnectionUpgrade)
    );
}

#[test]
fn unoffered_protocol_is_refused() {
    let data = response("Sec-WebSocket-Protocol: other\r\n");
    let cfg = ClientConfig {
        protocols: vec!["chat".into()],
        ..ClientConfig::default()
    };
    assert_eq!(
        feed_both(cfg.clone(), &data),
        Err(HandshakeError::UnofferedProtocol {
            protocol: "other".into()
        })
    );
    assert!(feed_both(
        ClientConfig::default(),
        &response("Sec-WebSocket-Protocol: chat\r\n")
    )
    .is_err());
    let two = response("Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: chat\r\n");
    assert!(matches!(
        feed_both(cfg, &two),
        Err(HandshakeError::UnofferedProtocol { .. })
    ));
}

#[test]
fn unoffered_extension_is_refused_offered_one_is_parsed() {
    let cfg = ClientConfig {
        extensions: vec![ExtensionOffer::new("permessage-deflate")],
        ..ClientConfig::default()
    };
    let bad = response("Sec-WebSocket-Extensions: x-other\r\n");
    assert_eq!(
        feed_both(cfg.clone(), &bad),
        Err(HandshakeError::UnofferedExtension {
            name: "x-other".into()
        })
    );
    let good =
        response("Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=\"12\"\r\n");
    let r = feed_both(cfg, &good).unwrap().unwrap();
    assert_eq!(
        r.extensions[0].param("server_max_window_bits"),
        Some(Some("12"))
    );
}

#[test]
fn http_1_0_response_and_limits() {
    let old = b"HTTP/1.0 101 Switching Protocols\r\n\r\n";
    assert_eq!(
        feed_both(ClientConfig::default(), old),
        Err(HandshakeError::UnsupportedHttpVersion)
    );
    let cfg = ClientConfig {
        max_head_bytes: 64,
        ..ClientConfig::default()
    };
    assert_eq!(
        feed_both(cfg, &response("")),
        Err(HandshakeError::HeadTooLarge { limit: 64 })
    );
    let cfg = ClientConfig {
        max_headers: 2,
        ..ClientConfig::default()
    };
    assert_eq!(
        feed_both(cfg, &response("")),
        Err(HandshakeError::TooManyHeaders { limit: 2 })
    );
}

#[test]
fn round_trip_client_to_server_to_client() {
    for version in [13u8, 8] {
        let cfg = ClientConfig {
            origin: Some("https://app.example.com".into()),
            protocols: vec!["wamp.2.json".into(), "wamp.2.msgpack".into()],
            extensions: vec![ExtensionOffer::new("permessage-deflate")
                .with_param("client_max_window_bits", None)
                .with_param("server_max_window_bits", Some("10"))],
            headers: vec![("X-Trace".into(), "42".into())],
            version,
            ..ClientConfig::default()
        };
        let key: [u8; 16] =
            core::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(version));
        let mut c =
            ClientHandshake::new(&url("wss://server.example.com:8443/ws?t=1"), cfg, key).unwrap();

        let server_cfg = ServerConfig {
            allowed_origins: vec!["https://*.example.com".into()],
            ..ServerConfig::default()
        };
        let mut parser = RequestParser::new(server_cfg);
        let req = parser.feed(c.request_bytes()).unwrap().unwrap();
        assert_eq!(req.path, "/ws?t=1");
        assert_eq!(req.host, "server.example.com:8443");
        assert_eq!(req.version, version);
        assert_eq!(req.key, c.key());
        assert_eq!(req.origin.as_deref(), Some("https://app.example.com"));
        assert_eq!(req.protocols, ["wamp.2.json", "wamp.2.msgpack"]);
        assert_eq!(
            req.extensions[0].param("server_max_window_bits"),
            Some(Some("10"))
        );
        assert_eq!(req.header("x-trace"), Some("42"));

        let reply = ExtensionOffer::new("permessage-deflate")
            .with_param("server_max_window_bits", Some("10"));
        let accept = Accept {
            protocol: Some("wamp.2.msgpack".into()),
            extensions: vec![reply.clone()],
            headers: vec![],
        };
        let mut bytes = accept_response(&req, &accept).unwrap();
        bytes.extend_from_slice(b"\x82\x00");
        let resp = c.feed(&bytes).unwrap().unwrap();
        assert_eq!(resp.protocol.as_deref(), Some("wamp.2.msgpack"));
        assert_eq!(resp.extensions, vec![reply]);
        assert_eq!(
            resp.header("Sec-WebSocket-Accept"),
            Some(accept_key(c.key()).as_str())
        );
        assert_eq!(c.take_trailing(), b"\x82\x00");
    }
}
