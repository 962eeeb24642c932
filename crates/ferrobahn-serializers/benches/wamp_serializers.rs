//! Encode and decode of CALL and EVENT, small and 64 KiB payloads, an EVENT with a 4 KiB
//! string (a router's fan-out) and a RESULT with a 64 B string, per serializer.
//!
//! The same messages are timed in AutobahnPython by `testsuite/wamp/bench_autobahn.py`,
//! so the two can be compared on one machine.

use std::time::Duration;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ferrobahn_serializers::{Format, Serializer};
use ferrobahn_wamp::message::{Call, Event, ResultMessage};
use ferrobahn_wamp::options::CallOptions;
use ferrobahn_wamp::{Dict, Id, Message, Payload, Value};

fn messages() -> Vec<(&'static str, Message)> {
    let id = |n| Id::new(n).unwrap();
    let mut kw = Dict::new();
    kw.insert("foo".into(), Value::Int(23));
    kw.insert("bar".into(), Value::from("baz"));
    let big = Value::Bytes(Bytes::from(vec![0x5a; 64 * 1024]));
    let call = |args, kwargs: Option<Dict>| {
        Message::from(Call {
            request: id(1),
            options: CallOptions {
                receive_progress: Some(true),
                ..Default::default()
            }
            .into(),
            procedure: "com.example.add2".into(),
            payload: match kwargs {
                Some(k) => Payload::ArgsKwargs(args, k),
                None => Payload::Args(args),
            },
        })
    };
    let event = |args| {
        Message::from(Event {
            subscription: id(5_512_315_355),
            publication: id(4_429_313_566),
            payload: Payload::Args(args),
            ..Default::default()
        })
    };
    vec![
        (
            "call_small",
            call(vec![Value::Int(1), Value::Int(2)], Some(kw)),
        ),
        ("call_64k", call(vec![big.clone()], None)),
        (
            "event_small",
            event(vec![
                Value::from("hello world"),
                Value::Int(42),
                Value::Float(2.5),
            ]),
        ),
        ("event_64k", event(vec![big])),
        ("event_4k_str", event(vec![Value::from("x".repeat(4096))])),
        (
            "result_64_str",
            Message::from(ResultMessage {
                request: id(77),
                payload: Payload::Args(vec![Value::from("x".repeat(64))]),
                ..Default::default()
            }),
        ),
    ]
}

fn bench(c: &mut Criterion) {
    for (name, msg) in messages() {
        let mut group = c.benchmark_group(name);
        group
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2))
            .sample_size(30);
        for &f in Format::ALL {
            let ser = Serializer::new(f);
            let mut buf = Vec::new();
            ser.encode(&msg, &mut buf).unwrap();
            group.throughput(Throughput::Bytes(buf.len() as u64));
            group.bench_with_input(BenchmarkId::new("encode", f.name()), &msg, |b, m| {
                let mut out = Vec::with_capacity(buf.len());
                b.iter(|| {
                    out.clear();
                    ser.encode(m, &mut out).unwrap();
                    out.len()
                })
            });
            let data = Bytes::from(buf);
            group.bench_with_input(BenchmarkId::new("decode", f.name()), &data, |b, d| {
                b.iter(|| ser.decode_bytes(d).unwrap())
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
