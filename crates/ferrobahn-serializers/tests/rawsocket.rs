//! RawSocket under arbitrary input and arbitrary read boundaries.

use bytes::Bytes;
use ferrobahn_serializers::rawsocket::{Config, Event, RawSocket, State};
use proptest::prelude::*;

fn open_pair() -> (RawSocket, RawSocket) {
    let mut c = RawSocket::client(Config::default());
    let mut s = RawSocket::server(Config::default());
    let mut buf = Vec::new();
    let _ = c.poll_transmit(&mut buf);
    s.feed(&buf);
    buf.clear();
    let _ = s.poll_transmit(&mut buf);
    c.feed(&buf);
    assert!(matches!(c.poll_event(), Some(Event::Open { .. })));
    assert!(matches!(s.poll_event(), Some(Event::Open { .. })));
    (c, s)
}

proptest! {
    #[test]
    fn arbitrary_input_never_panics(chunks in proptest::collection::vec(
        proptest::collection::vec(any::<u8>(), 0..64), 0..8)
    ) {
        for mut side in [RawSocket::server(Config::default()), RawSocket::client(Config::default())] {
            for c in &chunks {
                side.feed(c);
            }
            let mut failed = 0;
            while let Some(e) = side.poll_event() {
                if matches!(e, Event::Failed(_)) {
                    failed += 1;
                }
            }
            prop_assert!(failed <= 1);
            prop_assert_eq!(failed == 1, side.state() == State::Failed);
        }
    }

    #[test]
    fn messages_survive_any_split(
        msgs in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 1..6),
        split in proptest::collection::vec(1usize..50, 1..40),
    ) {
        let (mut c, mut s) = open_pair();
        for m in &msgs {
            c.send_message(m).unwrap();
        }
        let mut wire = Vec::new();
        let _ = c.poll_transmit(&mut wire);
        let mut rest = &wire[..];
        let mut sizes = split.iter().cycle();
        while !rest.is_empty() {
            let n = (*sizes.next().unwrap_or(&1)).min(rest.len());
            s.feed(&rest[..n]);
            rest = &rest[n..];
        }
        let got: Vec<Bytes> = std::iter::from_fn(|| s.poll_event())
            .map(|e| match e {
                Event::Message(b) => b,
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        let want: Vec<Bytes> = msgs.into_iter().map(Bytes::from).collect();
        prop_assert_eq!(got, want);
    }
}
