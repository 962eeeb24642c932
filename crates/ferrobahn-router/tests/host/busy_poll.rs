//! A router with busy polling on (`busy_poll_us`): calls go through while it spins and
//! after it parked in a quiet spell, and it shuts down; resting as usual and with a
//! blocking rest (`busy_poll_blocking_rest`) alike.

use std::time::{Duration, Instant};

use ferrobahn_router::RouterConfig;
use ferrobahn_wamp::{Message, Payload, Value};

use super::peer::{callee_and_caller, echo_call, start_router};
use super::rt;

#[test]
fn calls_go_through_a_busy_polling_router() {
    let mut config = RouterConfig::default();
    config.busy_poll_us = 500;
    calls_go_through(config);
}

#[test]
fn calls_go_through_a_busy_polling_router_with_blocking_rests() {
    let mut config = RouterConfig::default();
    config.busy_poll_us = 500;
    config.busy_poll_share_percent = 50;
    config.busy_poll_period_us = 1_000;
    config.busy_poll_blocking_rest = true;
    calls_go_through(config);
}

fn calls_go_through(config: RouterConfig) {
    rt::block_on(async {
        let (router, addr) = start_router(config).await;
        let (mut callee, mut caller, _) = callee_and_caller(addr, "com.echo").await;
        for n in 1..=20u64 {
            if n % 5 == 0 {
                // Quiet for longer than the window: the spinner parks.
                let runtime = rt::runtime();
                ferrobahn_rt::sleep_until(&*runtime, Instant::now() + Duration::from_millis(5)).await;
            }
            let payload = Payload::from_args(&(n,)).unwrap();
            let r = echo_call(&mut caller, &mut callee, "com.echo", n, payload).await;
            assert_eq!(r.payload.args(), &[Value::from(n)]);
        }
        router.shutdown();
        assert!(matches!(caller.expect().await, Message::Goodbye(_)));
    });
}
