//! The codecs behind the sans-IO connection core: negotiated codecs carry
//! messages both ways through fragmentation, a deflate bomb closes with
//! 1009 and corrupt compressed data fails the connection.
#![cfg(feature = "deflate")]

use std::time::Instant;

use ferrobahn_extensions::{
    client_accept, client_offers, server_negotiate, ClientExtensions, ClientOffer, CodecError,
    DeflateConfig, PerMessageCodec, ServerExtensions,
};
use ferrobahn_websocket::{Config, Connection, Event, Message, Role};

fn pair(client: DeflateConfig, server: DeflateConfig, config: Config) -> (Connection, Connection) {
    let offers = client_offers(&ClientExtensions::new().with_offer(ClientOffer::Deflate(client)));
    let (response, server_codec) =
        server_negotiate(&offers, &ServerExtensions::new().with_deflate(server))
            .unwrap()
            .unwrap();
    let client_codec = client_accept(
        &[response],
        &ClientExtensions::new().with_offer(ClientOffer::Deflate(client)),
    )
    .unwrap()
    .unwrap();
    let now = Instant::now();
    (
        Connection::new(Role::Client, config.clone(), now, 1).with_codec(client_codec),
        Connection::new(Role::Server, config, now, 2).with_codec(server_codec),
    )
}

/// Moves everything `from` has to send into `to`.
fn flow(from: &mut Connection, to: &mut Connection) {
    // Large payloads are queued in several runs.
    let mut bytes = Vec::new();
    loop {
        let run = from.transmit_buf();
        if run.is_empty() {
            break;
        }
        bytes.extend_from_slice(run);
        let n = run.len();
        from.advance_transmit(n);
    }
    to.feed(Instant::now(), &bytes);
}

fn messages(conn: &mut Connection) -> Vec<Event> {
    std::iter::from_fn(|| conn.poll_event()).collect()
}

#[test]
fn messages_cross_compressed_and_fragmented() {
    let config = Config::new().with_auto_fragment_size(700);
    for (client, server) in [
        (DeflateConfig::default(), DeflateConfig::default()),
        (
            DeflateConfig {
                max_window_bits: 8,
                request_peer_no_context_takeover: true,
                ..DeflateConfig::default()
            },
            DeflateConfig {
                request_peer_max_window_bits: Some(9),
                max_window_bits: 10,
                ..DeflateConfig::default()
            },
        ),
    ] {
        let (mut c, mut s) = pair(client, server, config.clone());
        let now = Instant::now();
        let texts: Vec<String> = (0..5)
            .map(|i| format!("message {i} ").repeat(i * 400))
            .collect();
        for t in &texts {
            c.send_text(now, t).unwrap();
            s.send_binary(now, t.as_bytes()).unwrap();
        }
        let wire = c.transmit_buf().len();
        assert!(
            wire < texts.iter().map(String::len).sum::<usize>() / 2,
            "compressed: {wire} bytes"
        );
        flow(&mut c, &mut s);
        flow(&mut s, &mut c);
        let got_s = messages(&mut s);
        let got_c = messages(&mut c);
        for (i, t) in texts.iter().enumerate() {
            assert_eq!(got_s[i], Event::Message(Message::text(t.clone())));
            assert_eq!(
                got_c[i],
                Event::Message(Message::binary(t.clone().into_bytes()))
            );
        }
    }
}

/// A codec that sends canned bytes as every message's compressed form.
#[derive(Debug)]
struct Canned(Vec<u8>);

impl PerMessageCodec for Canned {
    fn rsv_bits(&self) -> u8 {
        0b100
    }
    fn encode(&mut self, _payload: &[u8], out: &mut Vec<u8>) -> Result<bool, CodecError> {
        out.extend_from_slice(&self.0);
        Ok(true)
    }
    fn decode(&mut self, _: &[u8], _: bool, _: &mut Vec<u8>, _: usize) -> Result<(), CodecError> {
        Err(CodecError::Invalid("send-only".into()))
    }
}

fn closed_code(events: &[Event]) -> Option<u16> {
    events.iter().find_map(|e| match e {
        Event::Closed(c) => Some(c.code.as_u16()),
        _ => None,
    })
}

fn fail_server_with(canned: Vec<u8>, config: Config) -> Vec<Event> {
    let (_, mut s) = pair(
        DeflateConfig::default(),
        DeflateConfig::default(),
        config.clone(),
    );
    let mut c = Connection::new(Role::Client, config, Instant::now(), 3)
        .with_codec(Box::new(Canned(canned)));
    c.send_binary(Instant::now(), b"x").unwrap();
    flow(&mut c, &mut s);
    messages(&mut s)
}

#[test]
fn deflate_bomb_closes_with_1009() {
    // 256 MiB of zeros: one block per MiB; from the second on every block
    // is the same bytes, so three are compressed and the third repeated.
    let mut d = zlib_rs::Deflate::new(9, false, 15);
    let zeros = vec![0u8; 1 << 20];
    let mut blocks = Vec::new();
    for _ in 0..3 {
        let mut buf = vec![0u8; 64 * 1024];
        let before = d.total_out();
        d.compress(&zeros, &mut buf, zlib_rs::DeflateFlush::SyncFlush)
            .unwrap();
        buf.truncate((d.total_out() - before) as usize);
        blocks.push(buf);
    }
    assert_eq!(blocks[1], blocks[2]);
    let mut wire = blocks[0].clone();
    for _ in 1..256 {
        wire.extend_from_slice(&blocks[1]);
    }
    assert!(wire.len() < 1 << 20);
    let config = Config::new()
        .with_max_message_payload(8 << 20)
        .with_auto_fragment_size(16 * 1024);
    let events = fail_server_with(wire, config);
    assert_eq!(closed_code(&events), Some(1009), "{events:?}");
}

#[test]
fn corrupt_compressed_data_fails_the_connection() {
    let events = fail_server_with(vec![0xff, 0xff, 0xff, 0xff], Config::new());
    let code = closed_code(&events).expect("closed");
    assert!(code == 1002 || code == 1007, "{code}");
}
