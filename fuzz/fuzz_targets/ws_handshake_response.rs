//! Arbitrary bytes as the server's answer to a client handshake never panic.
#![no_main]

use ferrobahn_handshake::{ClientConfig, ClientHandshake, WsUrl};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let url: WsUrl = "ws://127.0.0.1:9000/chat".parse().expect("valid URL");
    let mut client = ClientHandshake::new(&url, ClientConfig::default(), [7; 16]).expect("valid config");
    let _ = client.feed(data);
});
