//! Message-script tests of the core under a virtual clock.

mod auth;
mod authorizer;
mod broker;
mod concurrency;
mod dealer;
mod script;
mod session;

use std::time::{Duration, Instant};

use ferrobahn_wamp::message::*;
use ferrobahn_wamp::options::*;
use ferrobahn_wamp::roles::{feature, RoleFeatures};
use ferrobahn_wamp::{Id, Message, Payload, Role, Roles, Value};

use super::{ConnId, Router, Transmit, TransportInfo};
use crate::config::RouterConfig;

/// A router, a virtual clock and the connections it attached.
pub(super) struct Harness {
    pub(super) router: Router,
    pub(super) now: Instant,
    next: u64,
}

/// What the router emitted, flattened per target.
#[derive(Debug, PartialEq)]
#[allow(clippy::large_enum_variant)] // test output, matched by pattern
pub(super) enum Out {
    Msg(ConnId, Message),
    Close(ConnId),
}

pub(super) fn id(n: u64) -> Id {
    Id::new(n).unwrap()
}

pub(super) fn args(v: Vec<Value>) -> Payload {
    Payload::Args(v)
}

/// Roles of a client that is everything and supports the advanced features.
pub(super) fn all_roles() -> Roles {
    let mut r = Roles::default();
    r.set(
        Role::Caller,
        RoleFeatures::with_features([feature::CALL_CANCELING, feature::PROGRESSIVE_CALL_RESULTS]),
    );
    r.set(
        Role::Callee,
        RoleFeatures::with_features([
            feature::CALL_CANCELING,
            feature::PROGRESSIVE_CALL_RESULTS,
            feature::PROGRESSIVE_CALL_INVOCATIONS,
        ]),
    );
    r.set(Role::Publisher, RoleFeatures::default());
    r.set(Role::Subscriber, RoleFeatures::default());
    r
}

pub(super) fn hello(realm: &str) -> Message {
    Message::Hello(Hello::with_roles(realm, all_roles()))
}

impl Harness {
    pub(super) fn new() -> Self {
        Self::with_config(RouterConfig::default())
    }

    pub(super) fn with_config(cfg: RouterConfig) -> Self {
        Self {
            router: Router::new(&cfg, 42),
            now: Instant::now(),
            next: 0,
        }
    }

    pub(super) fn attach(&mut self) -> ConnId {
        self.attach_with(TransportInfo::new("websocket", "wamp.2.json", None))
    }

    /// Attaches a connection described by `info`.
    pub(super) fn attach_with(&mut self, info: TransportInfo) -> ConnId {
        self.next += 1;
        let c = ConnId(self.next);
        self.router.attach(self.now, c, info).unwrap();
        c
    }

    /// Attaches and joins `realm1`; returns the connection and session ID.
    pub(super) fn join(&mut self) -> (ConnId, Id) {
        let c = self.attach();
        self.router.handle(self.now, c, hello("realm1"));
        match self.drain().as_slice() {
            [Out::Msg(to, Message::Welcome(w))] if *to == c => (c, w.session),
            other => panic!("expected WELCOME, got {other:?}"),
        }
    }

    pub(super) fn send(&mut self, c: ConnId, m: impl Into<Message>) -> Vec<Out> {
        self.router.handle(self.now, c, m.into());
        self.drain()
    }

    /// Calls a meta procedure from `c` (request 5); the RESULT's arguments.
    pub(super) fn meta(&mut self, c: ConnId, procedure: &str, arguments: Vec<Value>) -> Vec<Value> {
        let out = self.send(
            c,
            Call {
                request: id(5),
                procedure: procedure.into(),
                payload: args(arguments),
                ..Default::default()
            },
        );
        match out.as_slice() {
            [Out::Msg(_, Message::Result(r))] => r.payload.args().to_vec(),
            other => panic!("{other:?}"),
        }
    }

    pub(super) fn drain(&mut self) -> Vec<Out> {
        let mut out = Vec::new();
        while let Some(t) = self.router.poll_transmit() {
            match t {
                Transmit::Send { to, message } => {
                    for c in to.as_slice() {
                        out.push(Out::Msg(*c, (*message).clone()));
                    }
                }
                Transmit::Close { conn, .. } => out.push(Out::Close(conn)),
            }
        }
        out
    }

    /// Advances the virtual clock, firing due timers.
    pub(super) fn advance(&mut self, d: Duration) -> Vec<Out> {
        self.now += d;
        if self.router.poll_timeout().is_some_and(|t| t <= self.now) {
            self.router.handle_timeout(self.now);
        }
        self.drain()
    }

    pub(super) fn subscribe(
        &mut self,
        c: ConnId,
        topic: &str,
        policy: Option<ferrobahn_wamp::MatchPolicy>,
    ) -> Id {
        let m = Subscribe {
            request: id(1),
            options: SubscribeOptions {
                match_policy: policy,
                ..Default::default()
            },
            topic: topic.into(),
        };
        match self.send(c, m).as_slice() {
            [Out::Msg(_, Message::Subscribed(s))] => s.subscription,
            other => panic!("expected SUBSCRIBED, got {other:?}"),
        }
    }

    pub(super) fn register(&mut self, c: ConnId, procedure: &str, options: RegisterOptions) -> Id {
        let m = Register {
            request: id(1),
            options: options.into(),
            procedure: procedure.into(),
        };
        match self.send(c, m).as_slice() {
            [Out::Msg(_, Message::Registered(r))] => r.registration,
            other => panic!("expected REGISTERED, got {other:?}"),
        }
    }
}

/// The ERROR URI of the only output, for `to`.
pub(super) fn only_error(out: &[Out], to: ConnId) -> &str {
    match out {
        [Out::Msg(c, Message::Error(e))] if *c == to => &e.error,
        other => panic!("expected one ERROR to {to}, got {other:?}"),
    }
}

/// The ABORT reason and that the connection is closed.
pub(super) fn aborted(out: &[Out], to: ConnId) -> &str {
    match out {
        [Out::Msg(c, Message::Abort(a)), Out::Close(c2)] if *c == to && *c2 == to => &a.reason,
        other => panic!("expected ABORT + close of {to}, got {other:?}"),
    }
}
