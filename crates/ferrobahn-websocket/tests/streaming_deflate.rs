//! Streaming sends and receives through a negotiated permessage-deflate
//! codec: the frame-by-frame path of the extension must round-trip.

use std::time::Instant;

use ferrobahn_extensions::{
    client_accept, client_offers, server_negotiate, ClientExtensions, ClientOffer, DeflateConfig,
    ServerExtensions,
};
use ferrobahn_websocket::{Config, Connection, Event, Message, MessageKind, Role};

fn pair(client: Config, server: Config) -> (Connection, Connection) {
    let ext = ClientExtensions::new().with_offer(ClientOffer::Deflate(DeflateConfig::default()));
    let offers = client_offers(&ext);
    let (response, server_codec) = server_negotiate(
        &offers,
        &ServerExtensions::new().with_deflate(DeflateConfig::default()),
    )
    .unwrap()
    .unwrap();
    let client_codec = client_accept(&[response], &ext).unwrap().unwrap();
    let now = Instant::now();
    (
        Connection::new(Role::Client, client, now, 1).with_codec(client_codec),
        Connection::new(Role::Server, server, now, 2).with_codec(server_codec),
    )
}

fn flow(from: &mut Connection, to: &mut Connection) -> usize {
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
    bytes.len()
}

fn events(conn: &mut Connection) -> Vec<Event> {
    std::iter::from_fn(|| conn.poll_event()).collect()
}

/// Text that compresses well, in chunks of unknown total size.
fn chunks() -> Vec<String> {
    (0..50)
        .map(|i| format!("chunk {i} of a stream that repeats itself; "))
        .collect()
}

#[test]
fn chunked_send_is_compressed_and_arrives_as_one_message() {
    let (mut client, mut server) = pair(Config::default(), Config::default());
    let now = Instant::now();
    client.begin_message(now, MessageKind::Text).unwrap();
    let mut raw = 0;
    for c in chunks() {
        raw += c.len();
        client.send_message_frame(now, c.as_bytes(), false).unwrap();
    }
    client.end_message(now).unwrap();
    let wire = flow(&mut client, &mut server);
    assert!(wire < raw / 2, "compressed {wire} of {raw}");
    assert_eq!(
        events(&mut server),
        vec![Event::Message(Message::text(chunks().concat()))]
    );
    // The context carries on: a normal message after the streamed one.
    client.send_text(now, "after").unwrap();
    flow(&mut client, &mut server);
    assert_eq!(
        events(&mut server),
        vec![Event::Message(Message::text("after"))]
    );
}

#[test]
fn streaming_receive_decompresses_as_data_arrives() {
    let (mut client, mut server) = pair(Config::default(), Config::default().with_streaming(true));
    let now = Instant::now();
    let text = chunks().concat();
    client.begin_message(now, MessageKind::Text).unwrap();
    for c in chunks() {
        client.send_message_frame(now, c.as_bytes(), false).unwrap();
    }
    client.end_message(now).unwrap();
    let bytes = client.transmit_buf().to_vec();
    client.advance_transmit(bytes.len());
    let mut got = Vec::new();
    let mut seen = Vec::new();
    for piece in bytes.chunks(7) {
        server.feed(now, piece);
        for ev in events(&mut server) {
            match ev {
                Event::FrameData(d) => got.extend_from_slice(&d),
                other => seen.push(other),
            }
        }
    }
    assert_eq!(String::from_utf8(got).unwrap(), text);
    assert_eq!(seen.first(), Some(&Event::MessageBegin(MessageKind::Text)));
    assert_eq!(
        &seen[seen.len() - 2..],
        [Event::FrameEnd, Event::MessageEnd]
    );
    // A whole message the other way, received in streaming mode too.
    client.send_text(now, &text).unwrap();
    flow(&mut client, &mut server);
    let data: Vec<u8> = events(&mut server)
        .into_iter()
        .filter_map(|e| match e {
            Event::FrameData(d) => Some(d.to_vec()),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(data, text.as_bytes());
}

#[test]
fn declared_length_frames_send_a_compressed_connection_message_uncompressed() {
    let (mut client, mut server) = pair(Config::default(), Config::default());
    let now = Instant::now();
    client.begin_message(now, MessageKind::Binary).unwrap();
    client.begin_message_frame(now, 6).unwrap();
    client.send_message_frame_data(now, b"abc").unwrap();
    client.send_message_frame_data(now, b"def").unwrap();
    client.send_message_frame(now, b"gh", true).unwrap();
    flow(&mut client, &mut server);
    assert_eq!(
        events(&mut server),
        vec![Event::Message(Message::binary(&b"abcdefgh"[..]))]
    );
    // Once a message's first frame was compressed, declared lengths are refused.
    client.begin_message(now, MessageKind::Binary).unwrap();
    client
        .send_message_frame(now, b"compressed first", false)
        .unwrap();
    assert!(client.begin_message_frame(now, 3).is_err());
    client.end_message(now).unwrap();
    flow(&mut client, &mut server);
    assert_eq!(
        events(&mut server),
        vec![Event::Message(Message::binary(&b"compressed first"[..]))]
    );
}
