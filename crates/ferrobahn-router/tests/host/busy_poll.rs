//! A router with busy polling on (`busy_poll_us`): calls go through while it spins and
//! after it parked in a quiet spell, and it shuts down.

use std::time::{Duration, Instant};

use ferrobahn_router::RouterConfig;
use ferrobahn_wamp::{Message, Payload, Value};

use super::peer::{callee_and_caller, echo_call, start_router};
use super::rt;

#[test]
fn calls_go_through_a_busy_polling_router() {
    rt::block_on(async {
        let mut config = RouterConfig::default();
        config.busy_poll_us = 500;
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
