//! Advanced RPC against Crossbar: progressive results, timeouts, canceling, caller
//! identification, pattern-based and shared registrations, concurrency.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ferrobahn_client::wamp::options::{CallOptions, CancelMode, InvokePolicy, RegisterOptions};
use ferrobahn_client::wamp::{MatchPolicy, Payload, Value};
use ferrobahn_client::{Invocation, RequestError};

use super::rt;
use super::util::{joined, joined_with, run, sleep, uri};

#[test]
fn progressive_results_both_ways() {
    run(|node| async move {
        let callee = joined_with(node, "wamp.2.msgpack").await;
        let caller = joined(node).await;
        let p = uri("progress");
        callee
            .register(&p, Default::default(), |inv: Invocation| async move {
                let (n,): (i64,) = inv.parse_args()?;
                if inv.wants_progress() {
                    for i in 0..n {
                        inv.progress(Payload::from_args(&(i,))?).expect("progress");
                    }
                }
                Ok(Payload::from_args(&("done", n))?)
            })
            .await
            .unwrap();
        let opts = CallOptions {
            receive_progress: Some(true),
            ..Default::default()
        };
        let mut call = caller
            .call_with(&p, Payload::from_args(&(3,)).unwrap(), opts)
            .await
            .unwrap();
        let mut seen = Vec::new();
        while let Some(r) = call.next_progress().await {
            assert_eq!(r.details.progress, Some(true));
            seen.push(r.args[0].clone());
        }
        assert_eq!(seen, [Value::Int(0), Value::Int(1), Value::Int(2)]);
        let last = call.result().await.unwrap();
        assert_eq!(last.args, [Value::from("done"), Value::Int(3)]);
        // Without receive_progress the same procedure sends only the final result.
        let r = caller.call(&p, (2,)).await.unwrap();
        assert_eq!(r.args, [Value::from("done"), Value::Int(2)]);
        callee.disconnect().await;
        caller.disconnect().await;
    });
}

/// Sets its flag when dropped: tells whether a procedure's future was aborted.
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Registers a procedure that sleeps 5 s unless interrupted. The flags say whether it
/// ever finished and whether its future was dropped (finished or aborted).
async fn slow_procedure(
    callee: &ferrobahn_client::Client,
    p: &str,
) -> (Arc<AtomicBool>, Arc<AtomicBool>) {
    let finished = Arc::new(AtomicBool::new(false));
    let dropped = Arc::new(AtomicBool::new(false));
    let (f, d) = (finished.clone(), dropped.clone());
    callee
        .register(p, Default::default(), move |_inv: Invocation| {
            let f = f.clone();
            let guard = DropFlag(d.clone());
            async move {
                let _guard = guard;
                sleep(Duration::from_secs(5)).await;
                f.store(true, Ordering::SeqCst);
                Ok(Payload::Empty)
            }
        })
        .await
        .unwrap();
    (finished, dropped)
}

#[test]
fn call_timeout() {
    run(|node| async move {
        let callee = joined(node).await;
        let caller = joined(node).await;
        let p = uri("slow_timeout");
        let (finished, _) = slow_procedure(&callee, &p).await;
        let opts = CallOptions {
            timeout: Some(300),
            ..Default::default()
        };
        let err = caller
            .call_with(&p, Payload::Empty, opts)
            .await
            .unwrap()
            .result()
            .await
            .unwrap_err();
        // Whichever comes first: our timer or the router's.
        assert!(
            matches!(&err, RequestError::Timeout)
                || matches!(
                    err.error_uri(),
                    Some("wamp.error.canceled" | "wamp.error.timeout")
                ),
            "{err:?}"
        );
        assert!(!finished.load(Ordering::SeqCst));
        // The session is fine afterwards.
        assert!(caller.call("wamp.session.count", ()).await.is_ok());
        callee.disconnect().await;
        caller.disconnect().await;
    });
}

#[test]
fn cancel_skip_kill_killnowait() {
    run(|node| async move {
        let callee = joined_with(node, "wamp.2.msgpack").await;
        let caller = joined(node).await;
        for (i, mode) in [CancelMode::Skip, CancelMode::Kill, CancelMode::KillNoWait]
            .into_iter()
            .enumerate()
        {
            let p = uri(&format!("slow_cancel{i}"));
            let (finished, dropped) = slow_procedure(&callee, &p).await;
            let call = caller
                .call_with(&p, Payload::Empty, Default::default())
                .await
                .unwrap();
            sleep(Duration::from_millis(200)).await;
            call.cancel(mode).await.unwrap();
            let err = call.result().await.unwrap_err();
            if mode == CancelMode::Skip {
                assert!(matches!(err, RequestError::Canceled), "{err:?}");
            } else {
                assert_eq!(err.error_uri(), Some("wamp.error.canceled"), "{mode:?}");
            }
            sleep(Duration::from_millis(100)).await;
            assert!(!finished.load(Ordering::SeqCst));
            // kill and killnowait interrupt the callee, which aborts the procedure;
            // skip leaves it running.
            assert_eq!(
                dropped.load(Ordering::SeqCst),
                mode != CancelMode::Skip,
                "{mode:?}"
            );
        }
        callee.disconnect().await;
        caller.disconnect().await;
    });
}

#[test]
fn dropping_a_pending_call_interrupts_the_callee() {
    run(|node| async move {
        let callee = joined_with(node, "wamp.2.msgpack").await;
        let caller = joined(node).await;
        for (i, how) in ["handle", "call future"].into_iter().enumerate() {
            let p = uri(&format!("slow_dropped{i}"));
            let (finished, dropped) = slow_procedure(&callee, &p).await;
            if i == 0 {
                let call = caller
                    .call_with(&p, Payload::Empty, Default::default())
                    .await
                    .unwrap();
                sleep(Duration::from_millis(200)).await;
                drop(call);
            } else {
                let runtime = rt::runtime();
                let deadline = runtime.now() + Duration::from_millis(200);
                let gave_up = ferrobahn_rt::timeout_at(&*runtime, deadline, caller.call(&p, ()));
                assert!(gave_up.await.is_none(), "{how}");
            }
            // The default killnowait CANCEL reaches the callee as INTERRUPT.
            let deadline = rt::runtime().now() + Duration::from_secs(5);
            while !dropped.load(Ordering::SeqCst) && rt::runtime().now() < deadline {
                sleep(Duration::from_millis(20)).await;
            }
            assert!(
                dropped.load(Ordering::SeqCst),
                "{how}: callee not interrupted"
            );
            assert!(!finished.load(Ordering::SeqCst), "{how}");
        }
        // The session is fine afterwards.
        assert!(caller.call("wamp.session.count", ()).await.is_ok());
        callee.disconnect().await;
        caller.disconnect().await;
    });
}

#[test]
fn caller_identification() {
    run(|node| async move {
        let callee = joined(node).await;
        let caller = joined(node).await;
        let caller_id = {
            let c2 = caller.clone();
            c2.call("wamp.session.get_self", ()).await.ok()
        };
        let p = uri("whoami");
        callee
            .register(&p, Default::default(), |inv: Invocation| async move {
                let d = inv.details();
                Ok(Payload::from_args(&(
                    d.caller.map(|c| c.get()),
                    d.caller_authrole.clone(),
                ))?)
            })
            .await
            .unwrap();
        let opts = CallOptions {
            disclose_me: Some(true),
            ..Default::default()
        };
        let r = caller
            .call_with(&p, Payload::Empty, opts)
            .await
            .unwrap()
            .result()
            .await
            .unwrap();
        assert!(r.args[0].as_u64().is_some(), "{r:?} {caller_id:?}");
        assert_eq!(r.args[1], Value::from("anonymous"));
        callee.disconnect().await;
        caller.disconnect().await;
    });
}

#[test]
fn pattern_based_registration() {
    run(|node| async move {
        let callee = joined(node).await;
        let caller = joined(node).await;
        let echo_proc = |inv: Invocation| async move {
            Ok(Payload::from_args(&(inv.details().procedure.clone(),))?)
        };
        let prefix = format!("{}.", uri("pfx"));
        let wildcard = format!("{}..get", uri("wc"));
        callee
            .register(
                &prefix,
                RegisterOptions {
                    match_policy: Some(MatchPolicy::Prefix),
                    ..Default::default()
                },
                echo_proc,
            )
            .await
            .unwrap();
        callee
            .register(
                &wildcard,
                RegisterOptions {
                    match_policy: Some(MatchPolicy::Wildcard),
                    ..Default::default()
                },
                echo_proc,
            )
            .await
            .unwrap();
        let concrete = format!("{prefix}a.b");
        let r = caller.call(&concrete, ()).await.unwrap();
        assert_eq!(r.args, [Value::from(concrete.as_str())]);
        let concrete = format!("{}.item7.get", uri("wc"));
        let r = caller.call(&concrete, ()).await.unwrap();
        assert_eq!(r.args, [Value::from(concrete.as_str())]);
        callee.disconnect().await;
        caller.disconnect().await;
    });
}

#[test]
fn shared_registration_policies() {
    run(|node| async move {
        let caller = joined(node).await;
        for (policy, expect) in [
            (InvokePolicy::RoundRobin, vec![0, 1, 2, 0, 1, 2]),
            (InvokePolicy::First, vec![0; 6]),
            (InvokePolicy::Last, vec![2; 6]),
            (InvokePolicy::Random, vec![]),
        ] {
            let p = uri(&format!("shared_{}", policy.as_str()));
            let mut callees = Vec::new();
            for n in 0..3i64 {
                let c = joined(node).await;
                c.register(
                    &p,
                    RegisterOptions {
                        invoke: Some(policy),
                        ..Default::default()
                    },
                    move |_inv: Invocation| async move { Ok(Payload::from_args(&(n,))?) },
                )
                .await
                .unwrap();
                callees.push(c);
            }
            let mut got = Vec::new();
            for _ in 0..6 {
                let r = caller.call(&p, ()).await.unwrap();
                got.push(r.args[0].as_i64().unwrap());
            }
            if policy == InvokePolicy::Random {
                assert!(got.iter().all(|n| (0..3).contains(n)), "{got:?}");
            } else {
                assert_eq!(got, expect, "{policy:?}");
            }
            // A single registration refuses a second callee with another policy.
            let err = callees[0]
                .register(&p, Default::default(), |_inv: Invocation| async {
                    Ok(Payload::Empty)
                })
                .await
                .unwrap_err();
            assert!(err.error_uri().is_some(), "{err:?}");
            for c in callees {
                c.disconnect().await;
            }
        }
        caller.disconnect().await;
    });
}

#[test]
fn concurrency_limit() {
    run(|node| async move {
        let callee = joined(node).await;
        let caller = joined(node).await;
        let p = uri("concurrency");
        let running = Arc::new(AtomicUsize::new(0));
        let max_seen = Arc::new(AtomicUsize::new(0));
        let (r, m) = (running.clone(), max_seen.clone());
        callee
            .register(
                &p,
                RegisterOptions {
                    concurrency: Some(1),
                    ..Default::default()
                },
                move |_inv: Invocation| {
                    let (r, m) = (r.clone(), m.clone());
                    async move {
                        let now = r.fetch_add(1, Ordering::SeqCst) + 1;
                        m.fetch_max(now, Ordering::SeqCst);
                        sleep(Duration::from_millis(200)).await;
                        r.fetch_sub(1, Ordering::SeqCst);
                        Ok(Payload::Empty)
                    }
                },
            )
            .await
            .unwrap();
        let a = caller
            .call_with(&p, Payload::Empty, Default::default())
            .await
            .unwrap();
        let b = caller
            .call_with(&p, Payload::Empty, Default::default())
            .await
            .unwrap();
        let (ra, rb) = (a.result().await, b.result().await);
        // Crossbar refuses the call over the limit (it does not queue it).
        assert!(ra.is_ok(), "{ra:?}");
        assert!(rb.is_err(), "{rb:?}");
        assert_eq!(max_seen.load(Ordering::SeqCst), 1);
        callee.disconnect().await;
        caller.disconnect().await;
    });
}
