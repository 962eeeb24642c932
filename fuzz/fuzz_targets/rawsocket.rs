//! Feeding arbitrary bytes, split at arbitrary points, to a RawSocket client and server never
//! panics, fails at most once, reports nothing after failing, and never hands out more
//! payload bytes than it was fed.
#![no_main]

use ferrobahn_serializers::rawsocket::{Config, Event, RawSocket};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (u8, Vec<u8>)| {
    let (step, data) = input;
    let step = usize::from(step.max(1));
    let cfg = Config::default().with_max_len_exp(0);
    for mut side in [
        RawSocket::server(cfg.clone()),
        RawSocket::client(cfg.clone()),
    ] {
        let (mut failed, mut payload) = (false, 0usize);
        for chunk in data.chunks(step) {
            side.feed(chunk);
            while let Some(ev) = side.poll_event() {
                assert!(!failed, "event after failure: {ev:?}");
                match ev {
                    Event::Failed(_) => failed = true,
                    Event::Message(b) | Event::Ping(b) | Event::Pong(b) => {
                        assert!(b.len() <= 512);
                        payload += b.len();
                    }
                    _ => {}
                }
            }
        }
        assert!(payload <= data.len());
        let mut out = Vec::new();
        let _ = side.poll_transmit(&mut out);
    }
});
