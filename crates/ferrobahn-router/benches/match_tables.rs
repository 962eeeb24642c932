//! The router's match tables through the sans-IO core: a PUBLISH or a CALL routed
//! against 100 and 10,000 subscriptions/registrations of each match policy (exact,
//! prefix, wildcard), all three tables filled, one pattern of the wanted kind matching.
//!
//! `cargo bench -p ferrobahn-router --bench match_tables`
//!
//! WAMP encode/decode per serializer is timed by `ferrobahn-serializers`'
//! `wamp_serializers` bench; the end-to-end router load test is `cargo xtask bench wamp`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use ferrobahn_router::core::{ConnId, Router, Transmit};
use ferrobahn_router::RouterConfig;
use ferrobahn_wamp::message::{Call, Publish, Register, Subscribe, Yield};
use ferrobahn_wamp::options::{RegisterOptions, SubscribeOptions};
use ferrobahn_wamp::{Id, MatchPolicy, Message, Payload};

#[path = "shared/session.rs"]
mod session;
use session::join;

/// Table sizes (per policy).
const SIZES: [u64; 2] = [100, 10_000];

const PUBLISHER: ConnId = ConnId(1);
const HOLDER: ConnId = ConnId(2);

fn id(n: u64) -> Id {
    Id::new(n).expect("valid id")
}

/// Empties the output queue; the number of deliveries.
fn drain(r: &mut Router) -> usize {
    let mut n = 0;
    while let Some(t) = r.poll_transmit() {
        if let Transmit::Send { to, .. } = t {
            n += to.as_slice().len();
        }
    }
    n
}

/// The pattern of entry `i` of `policy` and a URI only it matches (among its policy).
fn pattern(policy: MatchPolicy, i: u64) -> (String, String) {
    match policy {
        MatchPolicy::Exact => (
            format!("com.bench.exact.t{i:05}"),
            format!("com.bench.exact.t{i:05}"),
        ),
        MatchPolicy::Prefix => (
            format!("com.bench.prefix.p{i:05}"),
            format!("com.bench.prefix.p{i:05}.leaf"),
        ),
        MatchPolicy::Wildcard => (
            format!("com.bench.wild..w{i:05}"),
            format!("com.bench.wild.any.w{i:05}"),
        ),
    }
}

const POLICIES: [MatchPolicy; 3] = [
    MatchPolicy::Exact,
    MatchPolicy::Prefix,
    MatchPolicy::Wildcard,
];

/// A router whose `HOLDER` session subscribed `n` patterns of every policy.
fn broker(n: u64) -> Router {
    let now = Instant::now();
    let mut r = Router::new(&RouterConfig::default(), 7);
    join(&mut r, now, PUBLISHER);
    join(&mut r, now, HOLDER);
    let mut req = 0;
    for policy in POLICIES {
        for i in 0..n {
            req += 1;
            let sub = Subscribe {
                request: id(req),
                options: SubscribeOptions {
                    match_policy: (policy != MatchPolicy::Exact).then_some(policy),
                    ..Default::default()
                },
                topic: pattern(policy, i).0,
            };
            r.handle(now, HOLDER, Message::Subscribe(sub));
        }
    }
    drain(&mut r);
    r
}

/// A router whose `HOLDER` session registered `n` patterns of every policy.
fn dealer(n: u64) -> Router {
    let now = Instant::now();
    let mut r = Router::new(&RouterConfig::default(), 7);
    join(&mut r, now, PUBLISHER);
    join(&mut r, now, HOLDER);
    let mut req = 0;
    for policy in POLICIES {
        for i in 0..n {
            req += 1;
            let reg = Register {
                request: id(req),
                options: RegisterOptions {
                    match_policy: (policy != MatchPolicy::Exact).then_some(policy),
                    ..Default::default()
                }
                .into(),
                procedure: pattern(policy, i).0,
            };
            r.handle(now, HOLDER, Message::Register(reg));
        }
    }
    drain(&mut r);
    r
}

fn publish(c: &mut Criterion) {
    let mut g = c.benchmark_group("publish");
    let now = Instant::now();
    for n in SIZES {
        let mut r = broker(n);
        let mut req = 0u64;
        let targets = [
            ("exact", pattern(MatchPolicy::Exact, n / 2).1),
            ("prefix", pattern(MatchPolicy::Prefix, n / 2).1),
            ("wildcard", pattern(MatchPolicy::Wildcard, n / 2).1),
            ("no_match", "com.bench.none".to_owned()),
        ];
        for (name, topic) in targets {
            // Every case delivers what it should before it is timed.
            req += 1;
            let p = Publish {
                request: id(req),
                topic: topic.clone(),
                ..Default::default()
            };
            r.handle(now, PUBLISHER, Message::Publish(p));
            assert_eq!(drain(&mut r), usize::from(name != "no_match"), "{name}");
            g.bench_with_input(BenchmarkId::new(name, n), &topic, |b, topic| {
                b.iter(|| {
                    req += 1;
                    let p = Publish {
                        request: id(req),
                        topic: topic.clone(),
                        payload: Payload::Empty,
                        ..Default::default()
                    };
                    r.handle(now, PUBLISHER, Message::Publish(p));
                    black_box(drain(&mut r))
                });
            });
        }
    }
    g.finish();
}

fn call(c: &mut Criterion) {
    let mut g = c.benchmark_group("call");
    let now = Instant::now();
    for n in SIZES {
        let mut r = dealer(n);
        let mut req = 0u64;
        let targets = [
            ("exact", pattern(MatchPolicy::Exact, n / 2).1),
            ("prefix", pattern(MatchPolicy::Prefix, n / 2).1),
            ("wildcard", pattern(MatchPolicy::Wildcard, n / 2).1),
        ];
        for (name, procedure) in targets {
            g.bench_with_input(BenchmarkId::new(name, n), &procedure, |b, procedure| {
                b.iter(|| {
                    req += 1;
                    let call = Call {
                        request: id(req),
                        procedure: procedure.clone(),
                        ..Default::default()
                    };
                    r.handle(now, PUBLISHER, Message::Call(call));
                    let Some(Transmit::Send { message, .. }) = r.poll_transmit() else {
                        panic!("no invocation for {procedure}");
                    };
                    let Message::Invocation(inv) = &*message else {
                        panic!("{message:?}");
                    };
                    let y = Yield {
                        request: inv.request,
                        ..Default::default()
                    };
                    r.handle(now, HOLDER, Message::Yield(y));
                    black_box(drain(&mut r))
                });
            });
        }
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = publish, call
}
criterion_main!(benches);
