use ferrobahn_handshake::{format_extension, parse_extensions};

use super::*;
use crate::{CodecError, PerMessageCodec};

fn ext(s: &str) -> ExtensionOffer {
    let mut v = parse_extensions(s).unwrap();
    assert_eq!(v.len(), 1);
    v.remove(0)
}

#[test]
fn offer_parse_and_format() {
    let o = DeflateOffer::parse(&ext(
        "permessage-deflate; client_max_window_bits; server_max_window_bits=10; server_no_context_takeover",
    ))
    .unwrap();
    assert_eq!(
        o,
        DeflateOffer {
            server_no_context_takeover: true,
            client_no_context_takeover: false,
            server_max_window_bits: Some(10),
            client_max_window_bits: Some(None),
        }
    );
    assert_eq!(
        format_extension(&o.to_extension()),
        "permessage-deflate; client_max_window_bits; server_no_context_takeover; server_max_window_bits=10"
    );
    assert_eq!(DeflateOffer::parse(&o.to_extension()).unwrap(), o);
    let o = DeflateOffer::parse(&ext("permessage-deflate; client_max_window_bits=\"12\"")).unwrap();
    assert_eq!(o.client_max_window_bits, Some(Some(12)));
    assert_eq!(
        DeflateOffer::parse(&ext("permessage-deflate")).unwrap(),
        DeflateOffer::default()
    );
}

#[test]
fn malformed_offers_are_errors() {
    for bad in [
        "permessage-deflate; server_max_window_bits=7",
        "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; server_max_window_bits=abc",
        "permessage-deflate; server_max_window_bits",
        "permessage-deflate; server_max_window_bits=010",
        "permessage-deflate; client_max_window_bits=7",
        "permessage-deflate; client_max_window_bits=16",
        "permessage-deflate; server_no_context_takeover=1",
        "permessage-deflate; client_no_context_takeover; client_no_context_takeover",
        "permessage-deflate; server_max_window_bits=10; server_max_window_bits=10",
        "permessage-deflate; mystery",
    ] {
        let err = DeflateOffer::parse(&ext(bad)).unwrap_err();
        assert!(
            matches!(
                err,
                NegotiationError::InvalidValue { .. }
                    | NegotiationError::DuplicateParam { .. }
                    | NegotiationError::UnknownParam { .. }
            ),
            "{bad}: {err}"
        );
        assert!(err.to_string().contains("permessage-deflate"), "{err}");
    }
    // In a response client_max_window_bits needs a value.
    assert!(DeflateResponse::parse(&ext("permessage-deflate; client_max_window_bits")).is_err());
}

#[test]
fn response_rules() {
    let offer = DeflateOffer {
        server_no_context_takeover: true,
        server_max_window_bits: Some(10),
        ..DeflateOffer::default()
    };
    let good = DeflateResponse {
        server_no_context_takeover: true,
        server_max_window_bits: Some(9),
        ..DeflateResponse::default()
    };
    good.check_against(&offer).unwrap();
    let cases = [
        DeflateResponse {
            server_no_context_takeover: false,
            ..good
        },
        DeflateResponse {
            server_max_window_bits: None,
            ..good
        },
        DeflateResponse {
            server_max_window_bits: Some(11),
            ..good
        },
        DeflateResponse {
            client_max_window_bits: Some(12),
            ..good
        },
    ];
    for bad in cases {
        assert!(bad.check_against(&offer).is_err(), "{bad:?}");
    }
    let r = DeflateResponse::parse(&ext(
        "permessage-deflate; server_no_context_takeover; client_max_window_bits=8; server_max_window_bits=15",
    ))
    .unwrap();
    assert_eq!(DeflateResponse::parse(&r.to_extension()).unwrap(), r);
}

#[test]
fn server_response_honours_offer_and_knobs() {
    let config = DeflateConfig {
        max_window_bits: 12,
        request_peer_max_window_bits: Some(10),
        request_peer_no_context_takeover: true,
        ..DeflateConfig::default()
    };
    let offer = DeflateOffer {
        server_no_context_takeover: true,
        client_no_context_takeover: false,
        server_max_window_bits: Some(14),
        client_max_window_bits: Some(Some(11)),
    };
    let (r, p) = config.server_response(&offer);
    assert_eq!(
        r,
        DeflateResponse {
            server_no_context_takeover: true,
            client_no_context_takeover: true,
            server_max_window_bits: Some(12),
            client_max_window_bits: Some(10),
        }
    );
    r.check_against(&offer).unwrap();
    assert_eq!(
        (
            p.compress_window_bits,
            p.decompress_window_bits,
            p.compress_no_context_takeover,
            p.decompress_no_context_takeover
        ),
        (12, 10, true, true)
    );
    // No client_max_window_bits in the offer: the server must not send one.
    let (r, p) = config.server_response(&DeflateOffer::default());
    assert_eq!(r.client_max_window_bits, None);
    assert_eq!(p.decompress_window_bits, 15);
    assert!(!DeflateConfig {
        accept_max_window_bits: false,
        ..config
    }
    .can_accept(&offer));
    assert!(!DeflateConfig {
        accept_no_context_takeover: false,
        ..config
    }
    .can_accept(&offer));
}

/// A pair of codecs as negotiated between a client with `client` and a
/// server with `server`: (client codec, server codec).
fn negotiated(client: DeflateConfig, server: DeflateConfig) -> (DeflateCodec, DeflateCodec) {
    let offer = DeflateOffer::parse(&DeflateOffer::from_config(&client).to_extension()).unwrap();
    let (response, server_params) = server.server_response(&offer);
    let response = DeflateResponse::parse(&response.to_extension()).unwrap();
    response.check_against(&offer).unwrap();
    let client_params = client.client_params(&response).unwrap();
    (
        DeflateCodec::new(client_params),
        DeflateCodec::new(server_params),
    )
}

fn sample(i: usize, len: usize) -> Vec<u8> {
    // Text-like, compressible, and different per message.
    let words = [
        "alpha ",
        "beta ",
        "gamma ",
        "delta ",
        "websocket ",
        "deflate ",
    ];
    let mut v = Vec::with_capacity(len);
    let mut x = i as u64 * 2_654_435_761 + 1;
    while v.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if x % 7 == 0 {
            v.push((x >> 24) as u8);
        } else {
            v.extend_from_slice(words[(x % 6) as usize].as_bytes());
        }
    }
    v.truncate(len);
    v
}

/// Sends `msgs` from `tx` to `rx`, splitting each compressed message into
/// frames of `frame` bytes, and checks every message comes out intact.
fn pass(tx: &mut DeflateCodec, rx: &mut DeflateCodec, msgs: &[Vec<u8>], frame: usize) {
    for m in msgs {
        let mut wire = Vec::new();
        assert!(tx.encode(m, &mut wire).unwrap());
        assert!(!wire.ends_with(&[0, 0, 0xff, 0xff]) || m.is_empty());
        let mut out = Vec::new();
        let pieces: Vec<&[u8]> = wire.chunks(frame.max(1)).collect();
        for (i, piece) in pieces.iter().enumerate() {
            rx.decode(piece, i + 1 == pieces.len(), &mut out, usize::MAX)
                .unwrap();
        }
        assert_eq!(&out, m);
    }
}

#[test]
fn round_trips_every_parameter_combination() {
    let msgs: Vec<Vec<u8>> = (0..6)
        .map(|i| sample(i, [0, 1, 100, 3000, 40_000, 5000][i]))
        .collect();
    for bits in 8..=15u8 {
        for own_nct in [false, true] {
            for peer_nct in [false, true] {
                let client = DeflateConfig {
                    max_window_bits: bits,
                    no_context_takeover: own_nct,
                    request_peer_no_context_takeover: peer_nct,
                    request_peer_max_window_bits: Some(23 - bits),
                    ..DeflateConfig::default()
                };
                let server = DeflateConfig {
                    request_peer_max_window_bits: Some(bits),
                    request_peer_no_context_takeover: own_nct,
                    release_between_messages: peer_nct,
                    level: bits % 10,
                    mem_level: bits - 6,
                    ..DeflateConfig::default()
                };
                let (mut c, mut s) = negotiated(client, server);
                assert_eq!(c.params().compress_window_bits, bits);
                assert_eq!(s.params().decompress_window_bits, bits);
                assert_eq!(s.params().compress_window_bits, 23 - bits);
                let frames: &[usize] = if bits == 8 || bits == 15 {
                    &[usize::MAX, 7, 1000]
                } else {
                    &[usize::MAX, 1000]
                };
                for &frame in frames {
                    pass(&mut c, &mut s, &msgs, frame);
                    pass(&mut s, &mut c, &msgs, frame);
                }
            }
        }
    }
}

#[test]
fn context_takeover_shrinks_repeats_and_reset_does_not() {
    let msg = sample(1, 2000);
    let mut keep = DeflateCodec::new(DeflateParams::default());
    let mut reset = DeflateCodec::new(DeflateParams {
        compress_no_context_takeover: true,
        ..DeflateParams::default()
    });
    let (mut a, mut b) = (Vec::new(), Vec::new());
    keep.encode(&msg, &mut a).unwrap();
    let first = a.len();
    a.clear();
    keep.encode(&msg, &mut a).unwrap();
    assert!(a.len() * 5 < first, "{} vs {first}", a.len());
    reset.encode(&msg, &mut b).unwrap();
    let r1 = b.clone();
    b.clear();
    reset.encode(&msg, &mut b).unwrap();
    assert_eq!(b, r1);
}

#[test]
fn window_eight_quirk_both_ways() {
    // Repeats 300 bytes apart: distances above 256.
    let block = sample(3, 300);
    let msg: Vec<u8> = block.iter().chain(&block).chain(&block).copied().collect();
    // A peer that negotiated 8 bits but, like zlib, compresses with 9.
    let mut zlib_like = DeflateCodec::new(DeflateParams {
        compress_window_bits: 9,
        ..DeflateParams::default()
    });
    let mut rx = DeflateCodec::new(DeflateParams {
        decompress_window_bits: 8,
        ..DeflateParams::default()
    });
    pass(
        &mut zlib_like,
        &mut rx,
        &[msg.clone(), msg.clone()],
        usize::MAX,
    );

    // What we send with 8 bits reads with a strict 256-byte inflater too,
    // where a 9-bit stream does not.
    let strict_inflate = |wire: &[u8]| {
        let mut i = zlib_rs::Inflate::new(false, 8);
        let mut data = wire.to_vec();
        data.extend_from_slice(&[0, 0, 0xff, 0xff]);
        let mut out = vec![0u8; 4096];
        i.decompress(&data, &mut out, zlib_rs::InflateFlush::SyncFlush)
            .map(|_| out[..i.total_out() as usize].to_vec())
    };
    let mut wire = Vec::new();
    zlib_like.encode(&msg, &mut wire).unwrap();
    assert!(
        strict_inflate(&wire).is_err(),
        "a 9-bit stream uses far distances"
    );
    let mut ours = DeflateCodec::new(DeflateParams {
        compress_window_bits: 8,
        ..DeflateParams::default()
    });
    let mut wire = Vec::new();
    ours.encode(&msg, &mut wire).unwrap();
    assert!(wire.len() < msg.len());
    assert_eq!(strict_inflate(&wire).unwrap(), msg);
}

#[test]
fn bfinal_streams_are_accepted() {
    // A sender that ends each message's deflate stream (RFC 7692 7.2.3.3).
    let mut d = zlib_rs::Deflate::new(6, false, 15);
    let mut buf = vec![0u8; 1000];
    let status = d
        .compress(
            b"hello hello hello",
            &mut buf,
            zlib_rs::DeflateFlush::Finish,
        )
        .unwrap();
    assert_eq!(status, zlib_rs::Status::StreamEnd);
    buf.truncate(d.total_out() as usize);
    let mut rx = DeflateCodec::new(DeflateParams::default());
    for _ in 0..2 {
        let mut out = Vec::new();
        rx.decode(&buf[..4], false, &mut out, 1 << 20).unwrap();
        rx.decode(&buf[4..], true, &mut out, 1 << 20).unwrap();
        assert_eq!(out, b"hello hello hello");
    }
}

#[test]
fn corrupt_input_is_invalid_and_never_panics() {
    let mut rx = DeflateCodec::new(DeflateParams::default());
    let mut out = Vec::new();
    // BTYPE=11 is reserved.
    let err = rx
        .decode(&[0xff, 0xff, 0xff], true, &mut out, 1 << 20)
        .unwrap_err();
    assert!(matches!(err, CodecError::Invalid(_)), "{err}");
    // Garbage of every length and split: an error or some output, never a panic.
    let mut x = 0x1234_5678u32;
    for len in 0..300 {
        let data: Vec<u8> = (0..len)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (x >> 16) as u8
            })
            .collect();
        let mut rx = DeflateCodec::new(DeflateParams::default());
        let mut out = Vec::new();
        let mid = len / 2;
        let _ = rx
            .decode(&data[..mid], false, &mut out, 4096)
            .and_then(|()| rx.decode(&data[mid..], true, &mut out, 4096));
        assert!(out.len() <= 4096);
    }
    // A stored block whose length check fails.
    let err = rx
        .decode(&[0x00, 0x05, 0x00, 0x00, 0x00], true, &mut Vec::new(), 100)
        .unwrap_err();
    assert!(matches!(err, CodecError::Invalid(_)));
}

#[test]
fn decode_stops_at_the_limit() {
    let mut tx = DeflateCodec::new(DeflateParams::default());
    let msg = vec![b'a'; 100_000];
    let mut wire = Vec::new();
    tx.encode(&msg, &mut wire).unwrap();
    let mut rx = DeflateCodec::new(DeflateParams::default());
    let mut out = Vec::new();
    assert_eq!(
        rx.decode(&wire, true, &mut out, 99_999),
        Err(CodecError::TooLarge)
    );
    assert!(
        out.len() <= 99_999 && out.capacity() <= 100_000,
        "{} {}",
        out.len(),
        out.capacity()
    );
    // Exactly at the limit is fine.
    let mut rx = DeflateCodec::new(DeflateParams::default());
    let mut out = Vec::new();
    rx.decode(&wire, true, &mut out, 100_000).unwrap();
    assert_eq!(out, msg);
}

#[test]
fn min_size_and_release() {
    let mut c = DeflateCodec::new(DeflateParams {
        min_compress_size: 10,
        compress_no_context_takeover: true,
        release_between_messages: true,
        ..DeflateParams::default()
    });
    let mut out = Vec::new();
    assert!(!c.encode(b"short", &mut out).unwrap());
    assert!(out.is_empty());
    assert!(c.encode(b"long enough message", &mut out).unwrap());
    assert!(format!("{c:?}").contains("deflate_live: false"));
}

#[test]
fn streamed_fragments_decode_as_one_message() {
    for nct in [false, true] {
        let params = DeflateParams {
            compress_no_context_takeover: nct,
            decompress_no_context_takeover: nct,
            ..DeflateParams::default()
        };
        let (mut tx, mut rx) = (DeflateCodec::new(params), DeflateCodec::new(params));
        let msg = sample(9, 50_000);
        for split in [
            &[10usize, 20_000, 0, 29_990][..],
            &[50_000, 0],
            &[0, 0, 50_000],
            &[],
        ] {
            let mut pieces: Vec<&[u8]> = Vec::new();
            let mut at = 0;
            for &n in split {
                pieces.push(&msg[at..at + n]);
                at += n;
            }
            let whole: &[u8] = if split.is_empty() { &[] } else { &msg };
            if split.is_empty() {
                pieces.push(&[]);
            }
            let mut out = Vec::new();
            for (i, p) in pieces.iter().enumerate() {
                let fin = i + 1 == pieces.len();
                let mut frame = Vec::new();
                assert!(tx.encode_fragment(p, fin, &mut frame).unwrap());
                rx.decode(&frame, fin, &mut out, usize::MAX).unwrap();
                if !fin {
                    // Sync-flushed: everything sent so far is readable now.
                    assert_eq!(out, &msg[..out.len()]);
                }
            }
            assert_eq!(out, whole);
            // Whole-message sends still work after a streamed one.
            pass(&mut tx, &mut rx, std::slice::from_ref(&msg), 1000);
        }
    }
}
