//! Connection tests, driven by bytes under a virtual clock (no runtime).

use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::{CloseCode, Closed, Config, Connection, Event, Message, ProtocolError, Role, State};
use crate::{CodecError, PerMessageCodec};

pub(super) const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// Encodes a frame by hand (independently of ferrobahn-frame's encoder).
pub(super) fn frame(
    fin: bool,
    rsv: u8,
    opcode: u8,
    mask: Option<[u8; 4]>,
    payload: &[u8],
) -> Vec<u8> {
    let mut out = vec![(u8::from(fin) << 7) | (rsv << 4) | opcode];
    let mask_bit = if mask.is_some() { 0x80 } else { 0 };
    match payload.len() {
        n if n < 126 => out.push(mask_bit | n as u8),
        n if n <= 0xffff => {
            out.push(mask_bit | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(mask_bit | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    match mask {
        Some(key) => {
            out.extend_from_slice(&key);
            out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
        }
        None => out.extend_from_slice(payload),
    }
    out
}

/// A masked client frame, as a server receives it.
pub(super) fn cframe(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    frame(fin, 0, opcode, Some(KEY), payload)
}

pub(super) fn server() -> (Connection, Instant) {
    let now = Instant::now();
    (
        Connection::new(Role::Server, Config::default(), now, 1),
        now,
    )
}

pub(super) fn events(conn: &mut Connection) -> Vec<Event> {
    std::iter::from_fn(|| conn.poll_event()).collect()
}

pub(super) fn take_out(conn: &mut Connection) -> Vec<u8> {
    // Large payloads are queued in several runs.
    let mut out = Vec::new();
    loop {
        let run = conn.transmit_buf();
        if run.is_empty() {
            break;
        }
        out.extend_from_slice(run);
        let n = run.len();
        conn.advance_transmit(n);
    }
    out
}

pub(super) fn closed_of(events: &[Event]) -> Option<&Closed> {
    events.iter().find_map(|e| match e {
        Event::Closed(c) => Some(c),
        _ => None,
    })
}

/// Feeds `input` to a fresh server and returns the close code it failed with
/// and the close frame it sent.
fn server_fails_with(input: &[u8]) -> (CloseCode, Vec<u8>) {
    let (mut s, now) = server();
    s.feed(now, input);
    let evs = events(&mut s);
    let closed = closed_of(&evs).unwrap_or_else(|| panic!("no Closed event in {evs:?}"));
    assert!(!closed.was_clean);
    assert!(closed.error.is_some());
    assert!(s.should_close_transport());
    (closed.code, take_out(&mut s))
}

fn close_frame_code(out: &[u8]) -> u16 {
    assert_eq!(out[0], 0x88, "expected an unmasked close frame: {out:?}");
    u16::from_be_bytes([out[2], out[3]])
}

/// Client and server connected back to back under a virtual clock.
pub(super) struct Pair {
    pub(super) client: Connection,
    pub(super) server: Connection,
    pub(super) now: Instant,
}

impl Pair {
    pub(super) fn new(client: Config, server: Config) -> Self {
        let now = Instant::now();
        Self {
            client: Connection::new(Role::Client, client, now, 7),
            server: Connection::new(Role::Server, server, now, 9),
            now,
        }
    }

    /// Moves bytes both ways until neither side has anything to send.
    pub(super) fn drive(&mut self) {
        loop {
            let c = take_out(&mut self.client);
            let s = take_out(&mut self.server);
            if c.is_empty() && s.is_empty() {
                break;
            }
            self.server.feed(self.now, &c);
            self.client.feed(self.now, &s);
        }
    }

    pub(super) fn advance(&mut self, by: Duration) {
        self.now += by;
        self.client.handle_timeout(self.now);
        self.server.handle_timeout(self.now);
    }
}

#[test]
fn echo_round_trip_client_masks_server_does_not() {
    let mut p = Pair::new(Config::default(), Config::default());
    p.client.send_text(p.now, "hello").unwrap();
    let wire = p.client.transmit_buf().to_vec();
    assert_eq!(wire[0], 0x81);
    assert_eq!(wire[1] & 0x80, 0x80, "client frames are masked");
    p.drive();
    let msg = match events(&mut p.server).as_slice() {
        [Event::Message(m)] => m.clone(),
        other => panic!("unexpected {other:?}"),
    };
    assert_eq!(msg.as_text(), Some("hello"));
    p.server.send(p.now, &msg).unwrap();
    assert_eq!(
        p.server.transmit_buf(),
        &[0x81, 5, b'h', b'e', b'l', b'l', b'o']
    );
    p.drive();
    assert_eq!(
        events(&mut p.client),
        vec![Event::Message(Message::text("hello"))]
    );
}

#[test]
fn large_binary_messages_use_all_length_forms() {
    let mut p = Pair::new(Config::default(), Config::default());
    for len in [0usize, 125, 126, 65535, 65536, 1 << 20] {
        let data: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
        p.client.send_binary(p.now, &data).unwrap();
        p.drive();
        assert_eq!(
            events(&mut p.server),
            vec![Event::Message(Message::binary(data))],
            "length {len}"
        );
    }
}

#[test]
fn fragments_with_interleaved_ping_are_assembled_and_ping_answered() {
    let (mut s, now) = server();
    let mut input = cframe(false, 1, b"Hel");
    input.extend(cframe(true, 9, b"p"));
    input.extend(cframe(false, 0, b"lo, "));
    input.extend(cframe(true, 0, "wörld".as_bytes()));
    s.feed(now, &input);
    assert_eq!(
        events(&mut s),
        vec![
            Event::Ping(Bytes::from_static(b"p")),
            Event::Message(Message::text("Hello, wörld")),
        ]
    );
    assert_eq!(take_out(&mut s), vec![0x8a, 1, b'p']);
}

#[test]
fn byte_by_byte_equals_one_piece() {
    let mut input = cframe(false, 1, "κόσμε".as_bytes());
    input.extend(cframe(true, 10, b"pong"));
    input.extend(cframe(true, 0, b"!"));
    input.extend(cframe(true, 2, &[0u8; 300]));
    input.extend(frame(true, 0, 8, Some(KEY), &[0x03, 0xe8, b'o', b'k']));
    let (mut whole, now) = server();
    whole.feed(now, &input);
    let (mut bytewise, _) = server();
    for b in &input {
        bytewise.feed(now, std::slice::from_ref(b));
    }
    let a = events(&mut whole);
    assert_eq!(a, events(&mut bytewise));
    assert_eq!(a.len(), 5, "{a:?}");
    assert_eq!(take_out(&mut whole), take_out(&mut bytewise));
}

#[test]
fn zero_copy_read_path() {
    let (mut s, now) = server();
    let input = cframe(true, 2, b"abc");
    let buf = s.read_buf();
    assert!(buf.len() >= Config::default().min_read_buffer);
    buf[..input.len()].copy_from_slice(&input);
    s.commit_read(now, input.len());
    assert_eq!(
        events(&mut s),
        vec![Event::Message(Message::binary(&b"abc"[..]))]
    );
}

#[test]
fn invalid_utf8_fails_fast_mid_frame() {
    let (mut s, now) = server();
    // A 20-byte text frame whose first 8 payload bytes already hold an
    // impossible sequence (F4 90: above U+10FFFF): fail before the rest arrives.
    let mut payload = b"valid".to_vec();
    payload.extend_from_slice(&[0xf4, 0x90, 0x80]);
    payload.resize(20, b'x');
    let wire = cframe(true, 1, &payload);
    s.feed(now, &wire[..2 + 4 + 8]);
    let evs = events(&mut s);
    assert_eq!(
        closed_of(&evs).map(|c| c.code),
        Some(CloseCode::INVALID_PAYLOAD)
    );
    assert_eq!(close_frame_code(&take_out(&mut s)), 1007);
}

#[test]
fn invalid_utf8_fails_fast_across_fragments_and_at_message_end() {
    // Continuation carrying a bad byte fails without waiting for FIN.
    let mut input = cframe(false, 1, b"ok");
    input.extend(cframe(false, 0, &[0xc0, 0xaf]));
    assert_eq!(server_fails_with(&input).0, CloseCode::INVALID_PAYLOAD);
    // A code point cut off by the end of the message.
    let mut input = cframe(false, 1, b"ok");
    input.extend(cframe(true, 0, &[0xe2, 0x82]));
    assert_eq!(server_fails_with(&input).0, CloseCode::INVALID_PAYLOAD);
    // A code point split across frames is fine.
    let (mut s, now) = server();
    let euro = "€".as_bytes();
    let mut input = cframe(false, 1, &euro[..1]);
    input.extend(cframe(true, 0, &euro[1..]));
    s.feed(now, &input);
    assert_eq!(events(&mut s), vec![Event::Message(Message::text("€"))]);
}

#[test]
fn protocol_violations_close_with_1002() {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("unmasked client frame", frame(true, 0, 1, None, b"hi")),
        ("reserved bits", frame(true, 0b100, 1, Some(KEY), b"hi")),
        ("reserved opcode", cframe(true, 3, b"")),
        ("reserved control opcode", cframe(true, 0xb, b"")),
        ("fragmented ping", cframe(false, 9, b"")),
        ("ping too long", cframe(true, 9, &[0u8; 126])),
        ("continuation first", cframe(true, 0, b"x")),
        (
            "text inside fragmented message",
            [cframe(false, 1, b"a"), cframe(true, 1, b"b")].concat(),
        ),
        ("close with one byte", cframe(true, 8, &[0x03])),
        ("close code 999", cframe(true, 8, &999u16.to_be_bytes())),
        ("close code 1005", cframe(true, 8, &1005u16.to_be_bytes())),
        ("close code 5000", cframe(true, 8, &5000u16.to_be_bytes())),
    ];
    for (name, input) in cases {
        let (code, out) = server_fails_with(&input);
        assert_eq!(code, CloseCode::PROTOCOL_ERROR, "{name}");
        assert_eq!(close_frame_code(&out), 1002, "{name}");
    }
}

#[test]
fn client_rejects_masked_server_frames() {
    let now = Instant::now();
    let mut c = Connection::new(Role::Client, Config::default(), now, 1);
    c.feed(now, &frame(true, 0, 1, Some(KEY), b"x"));
    let evs = events(&mut c);
    assert_eq!(
        closed_of(&evs).map(|c| c.code),
        Some(CloseCode::PROTOCOL_ERROR)
    );
    let out = take_out(&mut c);
    assert_eq!(out[0], 0x88);
    assert_eq!(out[1] & 0x80, 0x80, "the client's close frame is masked");
}

#[test]
fn size_limits_close_with_1009_before_the_payload_arrives() {
    let cfg = Config::default()
        .with_max_frame_payload(1000)
        .with_max_message_payload(1500)
        .with_max_fragments(3);
    let fail = |input: &[u8]| {
        let now = Instant::now();
        let mut s = Connection::new(Role::Server, cfg.clone(), now, 1);
        s.feed(now, input);
        let evs = events(&mut s);
        (closed_of(&evs).map(|c| c.code), take_out(&mut s))
    };
    // Only the header of a too-large frame: fails at once.
    let big = cframe(true, 2, &vec![0u8; 1001]);
    let (code, out) = fail(&big[..8]);
    assert_eq!(code, Some(CloseCode::MESSAGE_TOO_BIG));
    assert_eq!(close_frame_code(&out), 1009);
    let over_message = [cframe(false, 2, &[0u8; 1000]), cframe(true, 0, &[0u8; 501])].concat();
    assert_eq!(fail(&over_message).0, Some(CloseCode::MESSAGE_TOO_BIG));
    let many = [
        cframe(false, 2, b"a"),
        cframe(false, 0, b"b"),
        cframe(false, 0, b"c"),
        cframe(true, 0, b"d"),
    ]
    .concat();
    assert_eq!(fail(&many).0, Some(CloseCode::MESSAGE_TOO_BIG));
    // A 64-bit length far beyond memory is refused without allocating.
    let mut huge = vec![0x82, 0xff];
    huge.extend_from_slice(&(1u64 << 62).to_be_bytes());
    huge.extend_from_slice(&KEY);
    assert_eq!(fail(&huge).0, Some(CloseCode::MESSAGE_TOO_BIG));
}

#[test]
fn fail_by_drop_sends_no_close_frame() {
    let now = Instant::now();
    let cfg = Config::default().with_fail_by_drop(true);
    let mut s = Connection::new(Role::Server, cfg, now, 1);
    s.feed(now, &frame(true, 0, 1, None, b"x"));
    assert!(s.should_close_transport());
    assert!(s.transmit_buf().is_empty());
    let evs = events(&mut s);
    assert_eq!(
        closed_of(&evs).and_then(|c| c.error.clone()),
        Some(ProtocolError::UnmaskedClientFrame)
    );
}

#[test]
fn clean_close_started_by_client() {
    let mut p = Pair::new(Config::default(), Config::default());
    p.client
        .close(p.now, Some(CloseCode::NORMAL), "bye")
        .unwrap();
    assert_eq!(p.client.state(), State::ClosingLocal);
    assert_eq!(
        p.client.send_text(p.now, "late"),
        Err(crate::SendError::Closed)
    );
    p.drive();
    let sev = events(&mut p.server);
    assert_eq!(
        sev[0],
        Event::CloseReceived {
            code: Some(CloseCode::NORMAL),
            reason: "bye".into()
        }
    );
    let sc = closed_of(&sev).unwrap();
    assert!(sc.was_clean && sc.by_peer);
    assert!(p.server.should_close_transport());
    // The client has the server's reply and waits for the server to drop TCP.
    assert_eq!(p.client.state(), State::ClosingRemote);
    assert!(!p.client.should_close_transport());
    let cev = events(&mut p.client);
    assert!(closed_of(&cev).is_none());
    p.client.feed_eof(p.now);
    let cev = events(&mut p.client);
    let cc = closed_of(&cev).unwrap();
    assert!(cc.was_clean && !cc.by_peer);
    assert_eq!(cc.code, CloseCode::NORMAL);
    assert!(p.client.should_close_transport());
}

#[test]
fn clean_close_started_by_server_and_client_drop_timeout() {
    let mut p = Pair::new(Config::default(), Config::default());
    p.server
        .close(p.now, Some(CloseCode::GOING_AWAY), "restart")
        .unwrap();
    p.drive();
    let sc = events(&mut p.server);
    assert!(closed_of(&sc).is_some_and(|c| c.was_clean && !c.by_peer));
    assert!(p.server.should_close_transport());
    assert_eq!(p.client.state(), State::ClosingRemote);
    // The server never drops TCP: the client gives up after its drop timeout.
    p.advance(Duration::from_millis(999));
    assert!(!p.client.should_close_transport());
    p.advance(Duration::from_millis(2));
    let cev = events(&mut p.client);
    let cc = closed_of(&cev).unwrap();
    assert!(cc.was_clean && cc.by_peer);
    assert_eq!(cc.code, CloseCode::GOING_AWAY);
    assert!(p.client.should_close_transport());
}

#[test]
fn close_reply_codes() {
    // Default: reply 1000 to a coded close, empty to an empty close.
    let (mut s, now) = server();
    s.feed(now, &frame(true, 0, 8, Some(KEY), &[0x0b, 0xb8, b'x']));
    assert_eq!(take_out(&mut s), vec![0x88, 2, 0x03, 0xe8]);
    let (mut s, now) = server();
    s.feed(now, &cframe(true, 8, b""));
    assert_eq!(take_out(&mut s), vec![0x88, 0]);
    let evs = events(&mut s);
    assert_eq!(closed_of(&evs).map(|c| c.code), Some(CloseCode::NO_STATUS));
    // echo_close_code_reason: the peer's code and reason come back.
    let now = Instant::now();
    let mut s = Connection::new(
        Role::Server,
        Config::default().with_echo_close_code_reason(true),
        now,
        1,
    );
    s.feed(now, &frame(true, 0, 8, Some(KEY), &[0x0b, 0xb8, b'x']));
    assert_eq!(take_out(&mut s), vec![0x88, 3, 0x0b, 0xb8, b'x']);
    // Invalid UTF-8 in the reason: 1007.
    let bad = frame(true, 0, 8, Some(KEY), &[0x03, 0xe8, 0xff]);
    assert_eq!(server_fails_with(&bad).0, CloseCode::INVALID_PAYLOAD);
}

#[test]
fn close_handshake_timeout_drops() {
    let mut p = Pair::new(Config::default(), Config::default());
    p.server.close(p.now, None, "").unwrap();
    let _ = take_out(&mut p.server); // lost: the client never answers
    assert!(p.server.poll_timeout().is_some());
    p.advance(Duration::from_secs(5));
    let evs = events(&mut p.server);
    let c = closed_of(&evs).unwrap();
    assert_eq!(c.code, CloseCode::ABNORMAL);
    assert_eq!(c.error, Some(ProtocolError::CloseTimeout));
    assert!(p.server.should_close_transport());
    assert_eq!(p.server.poll_timeout(), None);
}

#[test]
fn eof_mid_message_is_abnormal() {
    let (mut s, now) = server();
    s.feed(now, &cframe(false, 1, b"par"));
    s.feed_eof(now);
    let evs = events(&mut s);
    let c = closed_of(&evs).unwrap();
    assert_eq!(c.code, CloseCode::ABNORMAL);
    assert!(!c.was_clean);
    assert!(s.is_closed());
    // Nothing more after Closed, whatever comes in.
    s.feed(now, &cframe(true, 1, b"more"));
    s.feed_eof(now);
    assert!(events(&mut s).is_empty());
}

#[test]
fn command_errors() {
    let (mut s, now) = server();
    assert_eq!(
        s.ping(now, &[0u8; 126]),
        Err(crate::SendError::ControlTooLong)
    );
    assert_eq!(
        s.close(now, CloseCode::new(1005), ""),
        Err(crate::SendError::InvalidCloseCode(1005))
    );
    s.close(now, Some(CloseCode::NORMAL), "").unwrap();
    s.close(now, Some(CloseCode::NORMAL), "").unwrap();
    assert_eq!(
        take_out(&mut s),
        vec![0x88, 2, 0x03, 0xe8],
        "a single close frame"
    );
    assert_eq!(s.ping(now, b""), Err(crate::SendError::Closed));
}

#[test]
fn auto_fragmentation() {
    let mut p = Pair::new(
        Config::default(),
        Config::default().with_auto_fragment_size(3),
    );
    p.server.send_text(p.now, "abcdefghij").unwrap();
    let wire = p.server.transmit_buf().to_vec();
    let opcodes: Vec<u8> = [0usize, 5, 10, 15].iter().map(|&i| wire[i]).collect();
    assert_eq!(opcodes, vec![0x01, 0x00, 0x00, 0x80]);
    p.drive();
    assert_eq!(
        events(&mut p.client),
        vec![Event::Message(Message::text("abcdefghij"))]
    );
}

#[test]
fn auto_ping_and_timeout() {
    let cfg = Config::default()
        .with_auto_ping_interval(Some(Duration::from_secs(10)))
        .with_auto_ping_timeout(Some(Duration::from_secs(2)))
        .with_auto_ping_size(8);
    let mut p = Pair::new(Config::default(), cfg);
    p.advance(Duration::from_secs(10));
    let ping = p.server.transmit_buf().to_vec();
    assert_eq!(&ping[..2], &[0x89, 8]);
    p.drive(); // the client answers with a pong
    assert!(matches!(events(&mut p.client).as_slice(), [Event::Ping(_)]));
    assert!(matches!(events(&mut p.server).as_slice(), [Event::Pong(_)]));
    p.advance(Duration::from_secs(3));
    assert_eq!(p.server.state(), State::Open);
    // Next ping goes unanswered: the server drops the connection.
    p.advance(Duration::from_secs(7));
    let _lost = take_out(&mut p.server);
    p.advance(Duration::from_secs(2));
    let evs = events(&mut p.server);
    assert_eq!(
        closed_of(&evs).and_then(|c| c.error.clone()),
        Some(ProtocolError::PingTimeout)
    );
    assert!(
        p.server.transmit_buf().is_empty(),
        "a dead peer gets no close frame"
    );
}

#[test]
fn traffic_postpones_auto_ping() {
    let cfg = Config::default().with_auto_ping_interval(Some(Duration::from_secs(10)));
    let mut p = Pair::new(Config::default(), cfg);
    p.advance(Duration::from_secs(8));
    p.client.send_text(p.now, "hi").unwrap();
    p.drive();
    p.advance(Duration::from_secs(8));
    assert!(
        p.server.transmit_buf().is_empty(),
        "no ping: traffic 8 s ago"
    );
    p.advance(Duration::from_secs(2));
    assert_eq!(p.server.transmit_buf()[0], 0x89);
}

#[test]
fn backpressure_when_peer_does_not_read() {
    let now = Instant::now();
    let mut s = Connection::new(
        Role::Server,
        Config::default().with_max_outgoing_buffer(100),
        now,
        1,
    );
    let ping = cframe(true, 9, &[7u8; 20]);
    let mut n = 0;
    while s.wants_read() {
        s.feed(now, &ping);
        let _ = events(&mut s);
        n += 1;
        assert!(n < 100, "never stopped reading");
    }
    assert!(s.transmit_buf().len() > 100);
    let _ = take_out(&mut s);
    assert!(s.wants_read());
}

/// XORs payloads with 0xFF and flags them with RSV1: enough to exercise the
/// extension hook end to end.
#[derive(Debug)]
struct InvertCodec;

impl PerMessageCodec for InvertCodec {
    fn rsv_bits(&self) -> u8 {
        0b100
    }
    fn encode(&mut self, payload: &[u8], out: &mut Vec<u8>) -> Result<bool, CodecError> {
        out.extend(payload.iter().map(|b| !b));
        Ok(true)
    }
    fn decode(
        &mut self,
        input: &[u8],
        _fin: bool,
        out: &mut Vec<u8>,
        max_out: usize,
    ) -> Result<(), CodecError> {
        if out.len() + input.len() > max_out {
            return Err(CodecError::TooLarge);
        }
        out.extend(input.iter().map(|b| !b));
        Ok(())
    }
}

#[test]
fn extension_hook_round_trip_and_rsv_rules() {
    let mut p = Pair::new(
        Config::default().with_auto_fragment_size(4),
        Config::default(),
    );
    p.client = p.client.with_codec(Box::new(InvertCodec));
    p.server = p.server.with_codec(Box::new(InvertCodec));
    p.client.send_text(p.now, "encoded text").unwrap();
    assert_eq!(
        p.client.transmit_buf()[0],
        0x41,
        "RSV1 on the first frame only"
    );
    p.drive();
    assert_eq!(
        events(&mut p.server),
        vec![Event::Message(Message::text("encoded text"))]
    );
    // RSV1 on a continuation frame or a control frame is a protocol error.
    let bad = [
        frame(false, 0b100, 1, Some(KEY), b"a"),
        frame(true, 0b100, 0, Some(KEY), b"b"),
    ]
    .concat();
    let now = Instant::now();
    let mut s =
        Connection::new(Role::Server, Config::default(), now, 1).with_codec(Box::new(InvertCodec));
    s.feed(now, &bad);
    let evs = events(&mut s);
    assert_eq!(
        closed_of(&evs).and_then(|c| c.error.clone()),
        Some(ProtocolError::ReservedBits(0b100))
    );
    // Decoded size is bounded by max_message_payload.
    let mut s = Connection::new(
        Role::Server,
        Config::default().with_max_message_payload(2),
        now,
        1,
    )
    .with_codec(Box::new(InvertCodec));
    s.feed(now, &frame(true, 0b100, 2, Some(KEY), b"ab"));
    assert!(events(&mut s)
        .iter()
        .any(|e| matches!(e, Event::Message(_))));
    s.feed(now, &frame(true, 0b100, 2, Some(KEY), b"abc"));
    let evs = events(&mut s);
    assert_eq!(
        closed_of(&evs).map(|c| c.code),
        Some(CloseCode::MESSAGE_TOO_BIG)
    );
}

#[test]
fn arbitrary_input_never_panics_and_fails_with_a_protocol_code() {
    let mut seed = 0x1234_5678_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..2000 {
        let len = (next() % 64) as usize;
        let mut input: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        if round % 2 == 0 && !input.is_empty() {
            input[0] &= 0x8f; // mostly valid first bytes
            if input.len() > 1 {
                input[1] |= 0x80;
            }
        }
        let (mut s, now) = server();
        for piece in input.chunks((next() % 7 + 1) as usize) {
            s.feed(now, piece);
        }
        s.feed_eof(now);
        let evs = events(&mut s);
        let closed = closed_of(&evs).expect("EOF always ends in Closed");
        let code = closed.code.as_u16();
        assert!(
            [1000, 1002, 1005, 1006, 1007, 1009].contains(&code) || closed.by_peer,
            "unexpected code {code} for {input:?}"
        );
        assert_eq!(
            evs.iter().filter(|e| matches!(e, Event::Closed(_))).count(),
            1
        );
    }
}

#[test]
fn reply_to_a_message_precedes_the_close_of_an_error_read_with_it() {
    // Autobahn 3.2 / 4.1.3 / 5.15: a message, then a bad frame, in one read.
    let (mut s, now) = server();
    let input = [
        cframe(true, 1, b"first"),
        frame(true, 0b010, 1, Some(KEY), b"bad"),
    ]
    .concat();
    s.feed(now, &input);
    let first = s.poll_event();
    assert_eq!(first, Some(Event::Message(Message::text("first"))));
    s.send_text(now, "first").unwrap();
    let evs = events(&mut s);
    assert_eq!(
        closed_of(&evs).map(|c| c.code),
        Some(CloseCode::PROTOCOL_ERROR)
    );
    let out = take_out(&mut s);
    assert_eq!(&out[..7], &[0x81, 5, b'f', b'i', b'r', b's', b't']);
    assert_eq!(close_frame_code(&out[7..]), 1002);
}

#[test]
fn frames_before_eof_are_delivered() {
    let (mut s, now) = server();
    s.feed(
        now,
        &[cframe(true, 1, b"a"), cframe(true, 1, b"b")].concat(),
    );
    s.feed_eof(now);
    let evs = events(&mut s);
    assert_eq!(evs.len(), 3, "{evs:?}");
    assert_eq!(evs[1], Event::Message(Message::text("b")));
    assert_eq!(closed_of(&evs).map(|c| c.code), Some(CloseCode::ABNORMAL));
}

#[test]
fn read_buffer_grows_while_reads_fill_it_and_is_released_when_idle() {
    let now = Instant::now();
    let cfg = Config::default().with_read_buffer_size(16 << 10);
    let (mut s, mut now) = (Connection::new(Role::Server, cfg, now, 1), now);
    let first = s.read_buf().len();
    assert_eq!(first, 512);
    // Reads that fill the offered space double it, up to read_buffer_size.
    let msg = cframe(true, 2, &[1u8; 100]);
    let stream: Vec<u8> = msg
        .iter()
        .copied()
        .cycle()
        .take((64 << 10) / msg.len() * msg.len())
        .collect();
    let mut at = 0;
    let mut offers = Vec::new();
    while at < stream.len() {
        let buf = s.read_buf();
        offers.push(buf.len());
        let n = buf.len().min(stream.len() - at);
        buf[..n].copy_from_slice(&stream[at..at + n]);
        s.commit_read(now, n);
        at += n;
        let _ = events(&mut s);
    }
    assert!(
        offers.windows(2).all(|w| w[1] >= w[0] || w[1] >= 16 << 10),
        "{offers:?}"
    );
    assert!(offers.iter().any(|&o| o >= 16 << 10), "{offers:?}");
    assert!(offers.iter().all(|&o| o <= 32 << 10), "{offers:?}");
    // Idle for a second: both buffers are released.
    let _ = take_out(&mut s);
    assert!(s.buffered_capacity() > 0);
    now += Duration::from_secs(1);
    s.handle_timeout(now);
    assert_eq!(s.buffered_capacity(), 0);
    assert_eq!(s.read_buf().len(), 512, "starts small again");
    s.feed(now, &cframe(true, 1, b"still works"));
    assert_eq!(
        events(&mut s),
        vec![Event::Message(Message::text("still works"))]
    );
}

#[test]
fn buffers_are_kept_while_a_frame_is_arriving() {
    let (mut s, mut now) = server();
    let wire = cframe(true, 2, &[5u8; 3000]);
    s.feed(now, &wire[..1000]);
    now += Duration::from_secs(2);
    s.handle_timeout(now);
    s.feed(now, &wire[1000..]);
    assert_eq!(
        events(&mut s),
        vec![Event::Message(Message::binary(vec![5u8; 3000]))]
    );
}
