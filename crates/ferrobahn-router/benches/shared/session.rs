//! Session setup shared by the core benchmarks (`benches/core_calls.rs`,
//! `benches/match_tables.rs`, `examples/bench_core.rs`).

use std::time::Instant;

use ferrobahn_router::core::{ConnId, Router, TransportInfo};
use ferrobahn_wamp::message::Hello;
use ferrobahn_wamp::options::HelloDetails;
use ferrobahn_wamp::roles::RoleFeatures;
use ferrobahn_wamp::{Message, Role, Roles};

/// Attaches connection `c` and joins it to `realm1` with all four client roles; the
/// WELCOME (and anything else queued) is dropped.
pub(crate) fn join(r: &mut Router, now: Instant, c: ConnId) {
    r.attach(now, c, TransportInfo::default()).expect("attach");
    let mut roles = Roles::default();
    for role in [
        Role::Caller,
        Role::Callee,
        Role::Publisher,
        Role::Subscriber,
    ] {
        roles.set(role, RoleFeatures::default());
    }
    let details = HelloDetails {
        roles: Some(roles),
        ..Default::default()
    };
    let hello = Hello {
        realm: "realm1".into(),
        details: details.into(),
    };
    r.handle(now, c, Message::Hello(hello));
    while r.poll_transmit().is_some() {}
}
