use bytes::Bytes;

use super::*;

fn drain(c: &mut RawSocket) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = c.poll_transmit(&mut out);
    out
}

fn events(c: &mut RawSocket) -> Vec<Event> {
    std::iter::from_fn(|| c.poll_event()).collect()
}

fn pair(client: Config, server: Config) -> (RawSocket, RawSocket) {
    let mut c = RawSocket::client(client);
    let mut s = RawSocket::server(server);
    let req = drain(&mut c);
    s.feed(&req);
    let rep = drain(&mut s);
    c.feed(&rep);
    (c, s)
}

#[test]
fn handshake_and_frames_both_ways() {
    let (mut c, mut s) = pair(
        Config::default().with_serializers([2]).with_max_len_exp(0),
        Config::default().with_max_len_exp(4),
    );
    assert_eq!(
        events(&mut c),
        [Event::Open {
            serializer: 2,
            max_send: 8192
        }]
    );
    assert_eq!(
        events(&mut s),
        [Event::Open {
            serializer: 2,
            max_send: 512
        }]
    );
    c.send_message(b"hello").unwrap();
    c.send_ping(b"p").unwrap();
    let bytes = drain(&mut c);
    assert_eq!(&bytes[..9], &[0, 0, 0, 5, b'h', b'e', b'l', b'l', b'o']);
    // Fed one byte at a time, frames still come out whole.
    for b in &bytes {
        s.feed(std::slice::from_ref(b));
    }
    assert_eq!(
        events(&mut s),
        [
            Event::Message(Bytes::from_static(b"hello")),
            Event::Ping(Bytes::from_static(b"p"))
        ]
    );
    let pong = drain(&mut s);
    assert_eq!(pong, [2, 0, 0, 1, b'p']);
    c.feed(&pong);
    assert_eq!(events(&mut c), [Event::Pong(Bytes::from_static(b"p"))]);
    assert_eq!(
        s.send_message(&[0; 513]),
        Err(SendError::TooLarge {
            len: 513,
            limit: 512
        })
    );
}

#[test]
fn server_refusals() {
    let mut s = RawSocket::server(Config::default().with_serializers([1]));
    s.feed(&encode_request(Handshake {
        serializer: 3,
        max_len_exp: 15,
    }));
    assert_eq!(drain(&mut s), [MAGIC, 0x10, 0, 0]);
    assert_eq!(
        events(&mut s),
        [Event::Failed(RawSocketError::UnsupportedSerializer(3))]
    );
    assert_eq!(s.state(), State::Failed);

    let mut s = RawSocket::server(Config::default());
    s.feed(&[MAGIC, 0xf2, 0, 1]);
    assert_eq!(drain(&mut s), [MAGIC, 0x30, 0, 0]);

    let mut s = RawSocket::server(Config::default());
    s.feed(b"GET / HTTP/1.1\r\n");
    assert!(drain(&mut s).is_empty());
    assert_eq!(
        events(&mut s),
        [Event::Failed(RawSocketError::BadMagic(b'G'))]
    );
}

#[test]
fn client_sees_refusal_and_mismatch() {
    let mut c = RawSocket::client(Config::default().with_serializers([2]));
    c.feed(&encode_reply(Reply::Refused(ErrorCode::MaxConnections)));
    assert_eq!(
        events(&mut c),
        [Event::Failed(RawSocketError::Refused(
            ErrorCode::MaxConnections
        ))]
    );
    let mut c = RawSocket::client(Config::default().with_serializers([2]));
    c.feed(&[MAGIC, 0xf1, 0, 0]);
    assert!(matches!(
        events(&mut c)[..],
        [Event::Failed(RawSocketError::SerializerMismatch {
            requested: 2,
            answered: 1
        })]
    ));
    assert_eq!(c.send_message(b"x"), Err(SendError::NotOpen));
}

#[test]
fn frame_limits_hold_before_buffering() {
    let (_, mut s) = pair(Config::default(), Config::default().with_max_len_exp(0));
    let _ = events(&mut s);
    s.feed(&[0, 0, 2, 1]); // 513 bytes announced, limit 512
    assert_eq!(
        events(&mut s),
        [Event::Failed(RawSocketError::FrameTooLarge {
            len: 513,
            limit: 512
        })]
    );
    let (_, mut s) = pair(Config::default(), Config::default());
    let _ = events(&mut s);
    s.feed(&[3, 0, 0, 0]);
    assert_eq!(
        events(&mut s),
        [Event::Failed(RawSocketError::ReservedFrameType(3))]
    );
    let (_, mut s) = pair(Config::default(), Config::default());
    let _ = events(&mut s);
    s.feed(&[0x80, 0, 0, 0]);
    assert_eq!(
        events(&mut s),
        [Event::Failed(RawSocketError::ReservedBits(0x80))]
    );
}

#[test]
fn exponents() {
    assert_eq!(max_len_of_exponent(0), 512);
    assert_eq!(max_len_of_exponent(15), MAX_FRAME_LEN);
    assert_eq!(exponent_for_max_len(1 << 20), 11);
    assert_eq!(exponent_for_max_len(100), 0);
    assert_eq!(decode_header([0, 1, 0, 0]), Ok((FrameType::Message, 65536)));
    assert_eq!(encode_header(FrameType::Pong, MAX_FRAME_LEN + 1), None);
}

#[test]
fn output_buffer_is_bounded() {
    let (mut c, _) = pair(
        Config::default().with_max_outgoing_buffer(100),
        Config::default(),
    );
    let _ = drain(&mut c);
    c.send_message(&[0; 90]).unwrap();
    assert_eq!(c.send_message(&[0; 10]), Err(SendError::BufferFull));
    let _ = drain(&mut c);
    c.send_message(&[0; 10]).unwrap();
}
