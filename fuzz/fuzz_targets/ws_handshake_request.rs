//! Arbitrary bytes, fed to the server's request parser in two pieces, never panic, and the result
//! does not depend on where the input was split.
#![no_main]

use ferrobahn_handshake::{RequestParser, ServerConfig};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&split, input)) = data.split_first() else { return };
    let cut = usize::from(split).min(input.len());
    let whole = RequestParser::new(ServerConfig::default()).feed(input);
    let mut parser = RequestParser::new(ServerConfig::default());
    let pieces = match parser.feed(&input[..cut]) {
        Ok(None) => parser.feed(&input[cut..]),
        done => done,
    };
    assert_eq!(format!("{whole:?}"), format!("{pieces:?}"));
});
