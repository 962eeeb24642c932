//! Encodes one message N times with one serializer, for instruction counts that do not
//! depend on the machine's load:
//!
//! ```text
//! cargo build --release -p ferrobahn-serializers --all-features --example encode_cost
//! valgrind --tool=callgrind <binary> 1000 event4k msgpack   # and again with 11000:
//! # (Ir(11000) - Ir(1000)) / 10000 = instructions per encoded message
//! ```
//!
//! Messages: `event4k` (EVENT, empty details, one 4 KiB string argument: a router's
//! fan-out), `result64` (RESULT, empty details, one 64 B string argument: a router's
//! answer to a call), `event4k_topic` (the EVENT with `topic` and `publisher` details: a
//! pattern subscription, a disclosed publisher), `result64_progress` (the RESULT with
//! `progress`: a progressive result). Formats: `json`, `msgpack`, `cbor`, `ubjson`, `ubjson-draft12`,
//! each with an optional `.batched` suffix.

use std::hint::black_box;

use ferrobahn_serializers::{Format, Serializer};
use ferrobahn_wamp::message::{Event, ResultMessage};
use ferrobahn_wamp::options::{EventDetails, ResultDetails};
use ferrobahn_wamp::{Id, Message, Payload, Value};

fn message(name: &str) -> Option<Message> {
    let id = |n| Id::new(n).unwrap_or_default();
    let text = |n: usize| Value::from("x".repeat(n));
    Some(match name {
        "event4k" => Message::from(Event {
            subscription: id(5_512_315_355),
            publication: id(4_429_313_566),
            payload: Payload::Args(vec![text(4096)]),
            ..Default::default()
        }),
        "result64" => Message::from(ResultMessage {
            request: id(77),
            payload: Payload::Args(vec![text(64)]),
            ..Default::default()
        }),
        "event4k_topic" => Message::from(Event {
            subscription: id(5_512_315_355),
            publication: id(4_429_313_566),
            details: EventDetails {
                topic: Some("com.example.topic.one".into()),
                publisher: Some(id(7_000_001)),
                ..Default::default()
            }
            .into(),
            payload: Payload::Args(vec![text(4096)]),
        }),
        "result64_progress" => Message::from(ResultMessage {
            request: id(77),
            details: ResultDetails {
                progress: Some(true),
                ..Default::default()
            }
            .into(),
            payload: Payload::Args(vec![text(64)]),
        }),
        _ => return None,
    })
}

fn serializer(name: &str) -> Option<Serializer> {
    let (fmt, batched) = match name.strip_suffix(".batched") {
        Some(f) => (f, true),
        None => (name, false),
    };
    let format = Format::from_name(fmt)?;
    Some(if batched {
        Serializer::batched(format)
    } else {
        Serializer::new(format)
    })
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let msg_name = args.next().unwrap_or_else(|| "event4k".into());
    let ser_name = args.next().unwrap_or_else(|| "msgpack".into());
    let (Some(msg), Some(ser)) = (message(&msg_name), serializer(&ser_name)) else {
        eprintln!(
            "usage: encode_cost [N] [event4k|result64|event4k_topic|result64_progress] [FORMAT[.batched]]"
        );
        std::process::exit(2);
    };
    let mut out = Vec::with_capacity(8192);
    let mut total = 0usize;
    let start = std::time::Instant::now();
    for _ in 0..n {
        out.clear();
        if let Err(e) = ser.encode(black_box(&msg), &mut out) {
            eprintln!("encode failed: {e}");
            std::process::exit(1);
        }
        total += black_box(&out).len();
    }
    let per = start.elapsed().as_secs_f64() * 1e9 / n.max(1) as f64;
    println!("{n} x {msg_name} {ser_name}: {total} bytes, {per:.0} ns per message");
}
