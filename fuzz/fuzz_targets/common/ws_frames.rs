//! Shared body of the `ws_client_frames` and `ws_server_frames` targets: arbitrary bytes fed to a
//! connection, split at arbitrary points, never panic; when the connection ends on its own account,
//! the close code is one RFC 6455 asks for, and exactly one Closed event is reported once the input ends.

use std::time::Instant;

use ferrobahn_websocket::{Config, Connection, Event, Role};

/// Runs one input against a connection of `role`.
pub fn run(role: Role, data: &[u8]) {
    let Some((&split, input)) = data.split_first() else {
        return;
    };
    let now = Instant::now();
    let config = Config::default()
        .with_max_message_payload(1 << 16)
        .with_max_frame_payload(1 << 15);
    let mut conn = Connection::new(role, config, now, 1);
    let mut closed = 0;
    for piece in input.chunks(usize::from(split).max(1)) {
        conn.feed(now, piece);
        let sent = conn.transmit_buf().len();
        conn.advance_transmit(sent);
        while let Some(event) = conn.poll_event() {
            if let Event::Closed(c) = event {
                closed += 1;
                let ok = [1000, 1002, 1005, 1007, 1009].contains(&c.code.as_u16()) || c.by_peer;
                assert!(ok, "unexpected close code {}", c.code);
            }
        }
    }
    conn.feed_eof(now);
    closed += std::iter::from_fn(|| conn.poll_event())
        .filter(|e| matches!(e, Event::Closed(_)))
        .count();
    assert_eq!(closed, 1);
}
