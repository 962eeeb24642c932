//! Test bodies (compiled once per runtime).

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use ferrobahn_client::transport::connect_websocket;
use ferrobahn_client::wamp::{Payload, Value};
use ferrobahn_client::{
    ApplicationError, Client, ClientConfig, Invocation, JoinOptions, RequestError,
};
use ferrobahn_handshake::{Accept, Request};
use ferrobahn_rt::{Ctx, Deny, Handler, ServerConfig};
use ferrobahn_serializers::Serializer;
use futures_channel::mpsc;
use futures_util::StreamExt;
use serde_json::{json, Value as Json};

use super::rt;

/// A router that welcomes, says goodbye, answers REGISTER with REGISTERED and at once sends one
/// INVOCATION of it (with `details`), and reports the YIELDs and ERRORs it gets.
struct OneInvocation {
    details: &'static str,
    answers: mpsc::UnboundedSender<Json>,
}

impl Handler for OneInvocation {
    fn on_connect(&mut self, _request: &Request) -> Result<Accept, Deny> {
        Ok(Accept {
            protocol: Some("wamp.2.json".into()),
            ..Accept::default()
        })
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_>, payload: Bytes, _is_binary: bool) {
        let Ok(msg) = serde_json::from_slice::<Json>(&payload) else {
            return;
        };
        let _ = match msg[0].as_u64() {
            Some(1) => ctx.send_text(r#"[2,1234,{"roles":{"dealer":{}}}]"#),
            Some(6) => ctx.send_text(r#"[6,{},"wamp.close.goodbye_and_out"]"#),
            Some(64) => {
                let req = msg[1].as_u64().unwrap_or(0);
                ctx.send_text(&format!("[65,{req},777]"))
                    .and_then(|()| ctx.send_text(&format!(r#"[68,9,777,{},["hi"]]"#, self.details)))
            }
            Some(70 | 8) => {
                let _ = self.answers.unbounded_send(msg);
                Ok(())
            }
            _ => Ok(()),
        };
    }
}

async fn router(details: &'static str) -> (SocketAddr, mpsc::UnboundedReceiver<Json>) {
    let (tx, rx) = mpsc::unbounded();
    let addr = rt::start_server(ServerConfig::default(), move || OneInvocation {
        details,
        answers: tx.clone(),
    })
    .await;
    (addr, rx)
}

async fn joined(addr: SocketAddr, config: ClientConfig) -> Client {
    let io = rt::tcp_connect(addr).await;
    let t = connect_websocket(
        rt::runtime(),
        io,
        &format!("ws://{addr}/"),
        &[Serializer::from_subprotocol("wamp.2.json").expect("json")],
        ferrobahn_rt::ClientConfig::default(),
    )
    .await
    .expect("websocket");
    let c = Client::new(rt::runtime(), t, config);
    c.join(JoinOptions::new("realm1")).await.expect("join");
    c
}

/// Registers `procedure` (the router invokes it once) and returns the first `n`
/// answers the router receives.
async fn answers<P: ferrobahn_client::Procedure>(
    details: &'static str,
    config: ClientConfig,
    procedure: P,
    n: usize,
) -> Vec<Json> {
    let (addr, mut rx) = router(details).await;
    let c = joined(addr, config).await;
    let _reg = c
        .register("com.test.p", Default::default(), procedure)
        .await
        .expect("register");
    let mut got = Vec::new();
    while got.len() < n {
        got.push(rx.next().await.expect("an answer"));
    }
    c.disconnect().await;
    got
}

fn block_on<F: std::future::Future<Output = ()>>(f: F) {
    rt::block_on_timeout(f);
}

async fn echo(inv: Invocation) -> Result<Payload, ApplicationError> {
    Ok(inv.into_payload())
}

/// Echoes after a short wait (so it continues on its own task).
async fn echo_later(inv: Invocation) -> Result<Payload, ApplicationError> {
    let runtime = rt::runtime();
    ferrobahn_rt::sleep_until(&*runtime, runtime.now() + Duration::from_millis(20)).await;
    Ok(inv.data().payload())
}

#[test]
fn procedures_that_answer_at_once_or_later_yield_inline_or_not() {
    block_on(async {
        for inline in [true, false] {
            let config = ClientConfig::default().with_inline_invocations(inline);
            let got = answers("{}", config.clone(), echo, 1).await;
            assert_eq!(got, [json!([70, 9, {}, ["hi"]])], "inline {inline}");
            let got = answers("{}", config, echo_later, 1).await;
            assert_eq!(
                got,
                [json!([70, 9, {}, ["hi"]])],
                "inline {inline}, waiting"
            );
        }
    });
}

#[test]
fn progress_sent_before_returning_goes_out_before_the_final_yield() {
    block_on(async {
        let procedure = |inv: Invocation| async move {
            inv.progress(Payload::Args(vec![Value::Str("part".into())]))
                .map_err(|_| ApplicationError::new("com.test.no_progress"))?;
            Ok(inv.data().payload())
        };
        for inline in [true, false] {
            let config = ClientConfig::default().with_inline_invocations(inline);
            let got = answers(r#"{"receive_progress":true}"#, config, procedure, 2).await;
            assert_eq!(
                got,
                [
                    json!([70, 9, {"progress": true}, ["part"]]),
                    json!([70, 9, {}, ["hi"]])
                ],
                "inline {inline}"
            );
        }
    });
}

#[test]
fn a_procedure_that_panics_answers_runtime_error() {
    block_on(async {
        let at_once = |_inv: Invocation| async move {
            if true {
                panic!("procedure failed");
            }
            Ok(Payload::Empty)
        };
        let runtime_error = json!([8, 68, 9, {}, "wamp.error.runtime_error"]);
        for inline in [true, false] {
            let config = ClientConfig::default().with_inline_invocations(inline);
            let got = answers("{}", config, at_once, 1).await;
            assert_eq!(got, std::slice::from_ref(&runtime_error), "inline {inline}");
        }
        let later = |inv: Invocation| async move {
            echo_later(inv).await?;
            panic!("procedure failed after waiting");
        };
        let got = answers("{}", ClientConfig::default(), later, 1).await;
        assert_eq!(got, [runtime_error]);
    });
}

#[test]
fn a_refused_call_fails_with_its_usage_error_on_every_call_path() {
    block_on(async {
        let (addr, _answers) = router("{}").await;
        let c = joined(addr, ClientConfig::default()).await;
        let bad = c.call("com..bad", ()).await.unwrap_err();
        assert!(matches!(bad, RequestError::Usage(_)), "{bad:?}");
        let bad = c
            .call_payload("com..bad", Payload::Empty, Default::default())
            .await
            .unwrap_err();
        assert!(matches!(bad, RequestError::Usage(_)), "{bad:?}");
        let bad = c
            .call_with("com..bad", Payload::Empty, Default::default())
            .await
            .unwrap_err();
        assert!(matches!(bad, RequestError::Usage(_)), "{bad:?}");
        c.disconnect().await;
        let gone = c.call("com.test.p", ()).await.unwrap_err();
        assert!(matches!(gone, RequestError::SessionLost(_)), "{gone:?}");
    });
}
