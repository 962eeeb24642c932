//! Incremental feeding and hostile input: any split of the input gives the same result as one
//! piece, and random bytes never panic.

mod common;

use std::time::Instant;

use common::{good_headers, head};
use ferrobahn_handshake::{
    format_extension, parse_extensions, ClientConfig, ClientHandshake, ExtensionOffer,
    HandshakeError, ProxyResponseParser, Request, RequestParser, ServerConfig, WsUrl,
};
use proptest::prelude::*;

/// Feeds `data` split into chunks of the given sizes (cycled), until a result or an error.
fn feed_chunked(
    cfg: ServerConfig,
    data: &[u8],
    sizes: &[usize],
) -> (Result<Option<Request>, HandshakeError>, Vec<u8>) {
    let mut p = RequestParser::new(cfg);
    let mut rest = data;
    let mut i = 0;
    while !rest.is_empty() {
        let n = sizes[i % sizes.len()].clamp(1, rest.len());
        i += 1;
        let (chunk, tail) = rest.split_at(n);
        rest = tail;
        match p.feed(chunk) {
            Ok(None) => {}
            other => {
                let mut trailing = p.take_trailing();
                trailing.extend_from_slice(rest);
                return (other, trailing);
            }
        }
    }
    (Ok(None), p.take_trailing())
}

fn valid_request_with_frame() -> Vec<u8> {
    let mut hs = good_headers();
    hs.push(("Sec-WebSocket-Protocol", "chat, superchat"));
    hs.push((
        "Sec-WebSocket-Extensions",
        r#"permessage-deflate; client_max_window_bits="10""#,
    ));
    hs.push(("Origin", "https://www.example.com"));
    let mut data = head("GET /chat?x=1 HTTP/1.1", &hs);
    data.extend_from_slice(b"\x81\x85\x01\x02\x03\x04hello");
    data
}

#[test]
fn byte_by_byte_equals_one_piece_with_trailing() {
    let data = valid_request_with_frame();
    let whole = feed_chunked(ServerConfig::default(), &data, &[data.len()]);
    let bytewise = feed_chunked(ServerConfig::default(), &data, &[1]);
    assert!(whole.0.as_ref().unwrap().is_some());
    assert_eq!(whole, bytewise);
    assert_eq!(whole.1, b"\x81\x85\x01\x02\x03\x04hello");
}

#[test]
fn terminator_split_at_every_position() {
    let data = valid_request_with_frame();
    let end = data.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    for cut in end - 5..=end + 1 {
        let (r, t) = feed_chunked(ServerConfig::default(), &data, &[cut, data.len()]);
        assert!(r.unwrap().is_some(), "cut {cut}");
        assert_eq!(t, &data[end..], "cut {cut}");
    }
}

#[test]
fn max_size_head_fed_byte_by_byte_is_fast() {
    // A 16 KiB head sent one byte per read must cost linear, not quadratic, time: the parser
    // scans only new bytes and runs httparse once (CVE-2023-43669).
    let cfg = ServerConfig::default();
    let filler = "a".repeat(cfg.max_head_bytes - 300);
    let mut hs = good_headers();
    hs.push(("X-Fill", &filler));
    let data = head("GET / HTTP/1.1", &hs);
    assert!(data.len() <= cfg.max_head_bytes);
    let start = Instant::now();
    let (r, _) = feed_chunked(cfg, &data, &[1]);
    let elapsed = start.elapsed();
    assert!(r.unwrap().is_some());
    println!("fed {} bytes one at a time in {elapsed:?}", data.len());
}

#[test]
fn repeated_empty_feeds_are_harmless() {
    let mut p = RequestParser::new(ServerConfig::default());
    for _ in 0..1000 {
        assert_eq!(p.feed(b""), Ok(None));
    }
    assert!(p.feed(&valid_request_with_frame()).unwrap().is_some());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_split_gives_the_same_result(sizes in prop::collection::vec(1usize..64, 1..16)) {
        let data = valid_request_with_frame();
        let whole = feed_chunked(ServerConfig::default(), &data, &[data.len()]);
        prop_assert_eq!(feed_chunked(ServerConfig::default(), &data, &sizes), whole);
    }

    #[test]
    fn mutated_requests_never_panic_and_split_invariant(
        pos in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        sizes in prop::collection::vec(1usize..32, 1..8),
    ) {
        let mut data = valid_request_with_frame();
        let i = pos.index(data.len());
        data[i] = byte;
        let whole = feed_chunked(ServerConfig::default(), &data, &[data.len()]);
        prop_assert_eq!(feed_chunked(ServerConfig::default(), &data, &sizes), whole);
    }

    #[test]
    fn random_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..2048), sizes in prop::collection::vec(1usize..300, 1..8)) {
        let small = ServerConfig { max_head_bytes: 512, max_headers: 4, ..ServerConfig::default() };
        let (a, _) = feed_chunked(small.clone(), &data, &sizes);
        let (b, _) = feed_chunked(small, &data, &[data.len().max(1)]);
        prop_assert_eq!(a, b);

        let url: WsUrl = "ws://h/".parse().unwrap();
        let mut c = ClientHandshake::new(&url, ClientConfig::default(), [0; 16]).unwrap();
        let _ = c.feed(&data);
        let mut p = ProxyResponseParser::new();
        let _ = p.feed(&data);
    }

    #[test]
    fn random_text_headers_never_panic(s in "[ -~\t\u{80}-\u{10ffff}]{0,200}") {
        let _ = parse_extensions(&s);
        let _ = s.parse::<WsUrl>();
        let _ = format!("ws://{s}").parse::<WsUrl>();
        let mut hs = good_headers();
        hs.push(("Origin", s.as_str()));
        hs.push(("Sec-WebSocket-Extensions", s.as_str()));
        let cfg = ServerConfig { allowed_origins: vec!["https://*.e*x*.com".into()], ..ServerConfig::default() };
        let _ = RequestParser::new(cfg).feed(&head("GET / HTTP/1.1", &hs));
    }

    #[test]
    fn extension_format_parse_round_trip(
        name in "[a-z][a-z0-9._-]{0,15}",
        params in prop::collection::vec(("[a-z_]{1,12}", prop::option::of("[A-Za-z0-9!#$%&'*+.^_`|~-]{1,8}")), 0..5),
    ) {
        let ext = ExtensionOffer { name, params };
        let s = format_extension(&ext);
        prop_assert_eq!(parse_extensions(&s).unwrap(), vec![ext]);
    }

    #[test]
    fn url_display_round_trip(
        secure in any::<bool>(),
        host in "[a-z0-9-]{1,20}(\\.[a-z0-9-]{1,10}){0,3}",
        port in 1u16..,
        path in "(/[A-Za-z0-9._~%!$&'()*+,;=:@-]{0,10}){1,4}(\\?[A-Za-z0-9=&]{0,10})?",
    ) {
        let u = WsUrl { secure, host, port, resource: path };
        prop_assert_eq!(u.to_string().parse::<WsUrl>().unwrap(), u);
    }
}
