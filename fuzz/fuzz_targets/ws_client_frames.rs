//! Arbitrary bytes to a client connection: see `common/ws_frames.rs`.
#![no_main]

#[path = "common/ws_frames.rs"]
mod ws_frames;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| ws_frames::run(ferrobahn_websocket::Role::Client, data));
