//! Session setup shared by the core benchmarks (`benches/core_calls.rs`,
//! `benches/match_tables.rs`, `examples/bench_core.rs`).

use std::time::Instant;

use ferrobahn_router::core::{ConnId, Router, TransportInfo};
use ferrobahn_wamp::message::Hello;
use ferrobahn_wamp::{Message, Role};

/// Attaches connection `c` and joins it to `realm1` with all four client roles; the
/// WELCOME (and anything else queued) is dropped.
pub(crate) fn join(r: &mut Router, now: Instant, c: ConnId) {
    r.attach(now, c, TransportInfo::default()).expect("attach");
    let roles = [
        Role::Caller,
        Role::Callee,
        Role::Publisher,
        Role::Subscriber,
    ];
    let hello = Hello::with_roles("realm1", roles.into_iter().collect());
    r.handle(now, c, Message::Hello(hello));
    while r.poll_transmit().is_some() {}
}
