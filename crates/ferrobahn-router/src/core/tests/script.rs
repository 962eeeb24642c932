//! Property test: arbitrary message scripts from several connections, with the clock
//! moving, never panic the core and keep its bookkeeping consistent.

use std::time::Duration;

use ferrobahn_wamp::message::{Call, Publish, Register, Subscribe, Yield};
use ferrobahn_wamp::options::{CallOptions, RegisterOptions, SubscribeOptions};
use ferrobahn_wamp::strategy::arb_message;
use ferrobahn_wamp::{MatchPolicy, Message};
use proptest::prelude::*;

use super::*;

/// Messages that often hit real state: a small set of URIs and request IDs.
fn arb_plausible() -> impl Strategy<Value = Message> {
    let uri = prop::sample::select(vec!["a", "a.b", "a.", "a..c", "wamp.session.count"]);
    let req = (1u64..4).prop_map(id);
    let policy = prop::sample::select(vec![
        None,
        Some(MatchPolicy::Prefix),
        Some(MatchPolicy::Wildcard),
    ]);
    prop_oneof![
        (req.clone(), uri.clone(), policy.clone()).prop_map(|(request, t, p)| Message::Subscribe(
            Subscribe {
                request,
                topic: t.into(),
                options: SubscribeOptions {
                    match_policy: p,
                    get_retained: Some(true),
                    ..Default::default()
                },
            }
        )),
        (req.clone(), uri.clone()).prop_map(|(request, t)| Message::Publish(Publish {
            request,
            topic: t.into(),
            ..Default::default()
        })),
        (req.clone(), uri.clone(), policy).prop_map(|(request, p, m)| Message::Register(
            Register {
                request,
                procedure: p.into(),
                options: RegisterOptions {
                    match_policy: m,
                    ..Default::default()
                }
                .into(),
            }
        )),
        (req.clone(), uri, any::<bool>(), 0u64..3).prop_map(|(request, p, progress, t)| {
            Message::Call(Call {
                request,
                procedure: p.into(),
                options: CallOptions {
                    progress: progress.then_some(true),
                    timeout: Some(t * 500),
                    receive_progress: Some(true),
                    ..Default::default()
                }
                .into(),
                ..Default::default()
            })
        }),
        (req, any::<bool>()).prop_map(|(request, progress)| Message::Yield(Yield {
            request,
            options: ferrobahn_wamp::options::YieldOptions {
                progress: progress.then_some(true),
                ..Default::default()
            }
            .into(),
            ..Default::default()
        })),
    ]
}

#[derive(Debug, Clone)]
enum Step {
    Send(usize, Box<Message>),
    Advance(u64),
    Detach(usize),
    Invalid(usize),
}

fn arb_step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (0usize..4, arb_plausible()).prop_map(|(c, m)| Step::Send(c, Box::new(m))),
        1 => (0u64..2000).prop_map(Step::Advance),
        1 => (0usize..4).prop_map(Step::Detach),
        1 => (0usize..4).prop_map(Step::Invalid),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn scripts_never_panic_and_bookkeeping_holds(steps in prop::collection::vec(arb_step(), 1..80)) {
        let mut h = Harness::new();
        let conns: Vec<ConnId> = (0..4).map(|_| h.attach()).collect();
        for &c in &conns[..3] {
            h.router.handle(h.now, c, hello("realm1"));
        }
        h.drain();
        for step in steps {
            match step {
                Step::Send(i, m) => h.router.handle(h.now, conns[i], *m),
                Step::Advance(ms) => {
                    h.advance(Duration::from_millis(ms));
                }
                Step::Detach(i) => h.router.detach(h.now, conns[i]),
                Step::Invalid(i) => h.router.handle_invalid(h.now, conns[i], "garbage"),
            }
            for o in h.drain() {
                let (Out::Msg(c, _) | Out::Close(c)) = o;
                prop_assert!(conns.contains(&c), "output to an unknown connection {c}");
            }
            prop_assert!(h.router.session_count() <= h.router.connection_count());
            if let Some(t) = h.router.poll_timeout() {
                prop_assert!(t > h.now - Duration::from_secs(1), "a timer far in the past was kept");
            }
        }
        // Everyone leaves: nothing may stay behind.
        for &c in &conns {
            h.router.detach(h.now, c);
        }
        h.drain();
        prop_assert_eq!(h.router.session_count(), 0);
        prop_assert!(h.router.realms[0].broker.subs.is_empty());
        prop_assert!(h.router.realms[0].dealer.regs.is_empty());
        prop_assert!(h.router.realms[0].members.is_empty());
        prop_assert_eq!(h.router.poll_timeout(), None);
    }
}

/// Arbitrary (valid) messages of every type from joined and unjoined connections. Run on
/// a thread with a large stack: building the message strategy is deeply nested.
#[test]
fn arbitrary_messages_never_panic() {
    let run = || {
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(128));
        let strategy = prop::collection::vec((0usize..3, arb_message()), 1..30);
        runner
            .run(&strategy, |msgs| {
                let mut h = Harness::new();
                let conns: Vec<ConnId> = (0..3).map(|_| h.attach()).collect();
                h.router.handle(h.now, conns[0], hello("realm1"));
                h.drain();
                for (i, m) in msgs {
                    h.router.handle(h.now, conns[i], m);
                    h.drain();
                    prop_assert!(h.router.session_count() <= h.router.connection_count());
                }
                Ok(())
            })
            .map_err(|e| e.to_string())
    };
    let result = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(run)
        .expect("spawn")
        .join()
        .expect("no panic");
    assert_eq!(result, Ok(()));
}
