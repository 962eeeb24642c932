//! Every codec sends a message piece by piece (`encode_fragment`, the
//! streaming send path): each piece the peer receives as a frame decodes at
//! once to all the input so far (bzip2: up to the piece before, because
//! libbzip2 keeps the last bits of a flushed block until more output
//! follows), the message ends with `fin`, and whole messages and streamed
//! ones can follow each other in any order.

#![cfg(any(
    feature = "deflate",
    feature = "bzip2",
    feature = "snappy",
    feature = "brotli"
))]

use ferrobahn_extensions::PerMessageCodec;

/// A compressible, not trivial message of `len` bytes.
fn message(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if x % 3 == 0 {
            out.extend_from_slice(b"streamed fragment ");
        } else {
            out.extend_from_slice(&x.to_le_bytes()[..(x % 8) as usize]);
        }
    }
    out.truncate(len);
    out
}

/// How far decoding may trail the pieces sent.
#[derive(Clone, Copy)]
enum Lag {
    /// Every piece decodes as soon as its frame arrives.
    None,
    /// A piece decodes once the next frame arrives.
    #[cfg_attr(not(feature = "bzip2"), allow(dead_code))]
    OnePiece,
}

/// Sends `msg` in pieces of `piece` bytes (at least one piece), decodes each
/// as one frame and checks the output after every frame.
fn stream(
    tx: &mut dyn PerMessageCodec,
    rx: &mut dyn PerMessageCodec,
    msg: &[u8],
    piece: usize,
    lag: Lag,
) {
    let pieces: Vec<&[u8]> = if msg.is_empty() {
        vec![&[]]
    } else {
        msg.chunks(piece).collect()
    };
    let mut out = Vec::new();
    let mut sent = 0;
    for (i, p) in pieces.iter().enumerate() {
        let fin = i + 1 == pieces.len();
        let mut frame = Vec::new();
        assert!(tx.encode_fragment(p, fin, &mut frame).unwrap());
        rx.decode(&frame, fin, &mut out, usize::MAX).unwrap();
        let before = sent;
        sent += p.len();
        let due = match lag {
            _ if fin => sent,
            Lag::None => sent,
            Lag::OnePiece => before,
        };
        assert!(
            out.len() >= due && out.len() <= sent,
            "piece {i} of {}: {} bytes decoded, {due} due",
            pieces.len(),
            out.len()
        );
    }
    assert_eq!(out, msg);
}

fn whole(tx: &mut dyn PerMessageCodec, rx: &mut dyn PerMessageCodec, msg: &[u8]) {
    let mut wire = Vec::new();
    assert!(tx.encode(msg, &mut wire).unwrap());
    let mut out = Vec::new();
    rx.decode(&wire, true, &mut out, usize::MAX).unwrap();
    assert_eq!(out, msg);
}

/// Streamed and whole messages, in both directions, of several sizes.
fn exercise(make: &dyn Fn() -> (Box<dyn PerMessageCodec>, Box<dyn PerMessageCodec>), lag: Lag) {
    let (mut a, mut b) = make();
    for (i, (len, piece)) in [
        (0usize, 1usize),
        (1, 1),
        (1000, 7),
        (20_000, 4096),
        (200_000, 65_536),
        (150_000, 150_000),
    ]
    .into_iter()
    .enumerate()
    {
        let msg = message(i as u64, len);
        stream(a.as_mut(), b.as_mut(), &msg, piece, lag);
        whole(a.as_mut(), b.as_mut(), &msg);
        stream(b.as_mut(), a.as_mut(), &msg, piece.max(3), lag);
        whole(b.as_mut(), a.as_mut(), &msg);
    }
}

#[cfg(feature = "deflate")]
#[test]
fn deflate_streams() {
    use ferrobahn_extensions::{DeflateCodec, DeflateParams};
    for no_takeover in [false, true] {
        let params = DeflateParams {
            compress_no_context_takeover: no_takeover,
            decompress_no_context_takeover: no_takeover,
            ..DeflateParams::default()
        };
        exercise(
            &|| {
                (
                    Box::new(DeflateCodec::new(params)),
                    Box::new(DeflateCodec::new(params)),
                )
            },
            Lag::None,
        );
    }
}

#[cfg(feature = "bzip2")]
#[test]
fn bzip2_streams() {
    use ferrobahn_extensions::{Bzip2Codec, Bzip2Params};
    let params = Bzip2Params {
        compress_level: 1,
        small_decompress: false,
    };
    exercise(
        &|| {
            (
                Box::new(Bzip2Codec::new(params)),
                Box::new(Bzip2Codec::new(params)),
            )
        },
        Lag::OnePiece,
    );
}

#[cfg(feature = "snappy")]
#[test]
fn snappy_streams() {
    use ferrobahn_extensions::{SnappyCodec, SnappyParams};
    for no_takeover in [false, true] {
        let params = SnappyParams {
            compress_no_context_takeover: no_takeover,
            decompress_no_context_takeover: no_takeover,
        };
        exercise(
            &|| {
                (
                    Box::new(SnappyCodec::new(params)),
                    Box::new(SnappyCodec::new(params)),
                )
            },
            Lag::None,
        );
    }
}

#[cfg(feature = "brotli")]
#[test]
fn brotli_streams() {
    use ferrobahn_extensions::{BrotliCodec, BrotliParams};
    let params = BrotliParams {
        quality: 5,
        window_bits: 18,
        max_decode_window_bits: 22,
    };
    exercise(
        &|| {
            (
                Box::new(BrotliCodec::new(params)),
                Box::new(BrotliCodec::new(params)),
            )
        },
        Lag::None,
    );
}

/// Through the connection core: a message sent frame by frame
/// (`begin_message` / `send_message_frame` / `end_message`) with each
/// negotiated extension arrives as the one message it was.
#[test]
fn streamed_messages_cross_the_connection_with_every_extension() {
    use std::time::Instant;

    use ferrobahn_extensions::{
        client_accept, client_offers, server_negotiate, ClientExtensions, ClientOffer,
        ServerExtensions,
    };
    use ferrobahn_websocket::{Config, Connection, Event, MessageKind, Role};

    let mut offers: Vec<ClientOffer> = Vec::new();
    #[cfg(feature = "deflate")]
    offers.push(ClientOffer::Deflate(Default::default()));
    #[cfg(feature = "bzip2")]
    offers.push(ClientOffer::Bzip2(Default::default()));
    #[cfg(feature = "snappy")]
    offers.push(ClientOffer::Snappy(Default::default()));
    #[cfg(feature = "brotli")]
    offers.push(ClientOffer::Brotli(Default::default()));
    for offer in offers {
        let name = offer.kind().name();
        let client = ClientExtensions::new().with_offer(offer);
        let mut server = ServerExtensions::new();
        #[cfg(feature = "deflate")]
        {
            server = server.with_deflate(Default::default());
        }
        #[cfg(feature = "bzip2")]
        {
            server = server.with_bzip2(Default::default());
        }
        #[cfg(feature = "snappy")]
        {
            server = server.with_snappy(Default::default());
        }
        #[cfg(feature = "brotli")]
        {
            server = server.with_brotli(Default::default());
        }
        let (response, server_codec) = server_negotiate(&client_offers(&client), &server)
            .unwrap()
            .unwrap();
        assert_eq!(response.name, name);
        let client_codec = client_accept(&[response], &client).unwrap().unwrap();
        let now = Instant::now();
        let mut tx = Connection::new(Role::Client, Config::new(), now, 1).with_codec(client_codec);
        let mut rx = Connection::new(Role::Server, Config::new(), now, 2).with_codec(server_codec);
        let msg = message(7, 100_000);
        tx.begin_message(now, MessageKind::Binary).unwrap();
        for piece in msg.chunks(30_000) {
            tx.send_message_frame(now, piece, false).unwrap();
        }
        tx.end_message(now).unwrap();
        let bytes = tx.transmit_buf().to_vec();
        tx.advance_transmit(bytes.len());
        rx.feed(now, &bytes);
        match rx.poll_event() {
            Some(Event::Message(m)) => assert_eq!(m.data, msg, "{name}"),
            other => panic!("{name}: {other:?}"),
        }
    }
}
