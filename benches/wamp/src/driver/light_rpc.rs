//! Light RPC connections for the latency runs: they join (and the callee registers
//! [`ECHO`]) with the client's sans-IO session core over our WebSocket client, like
//! the [light subscribers](super::light), then exchange CALL/RESULT and
//! INVOCATION/YIELD through the serializer directly: no client driver, futures or
//! channels per call. One driver core then starts the calls of a router's half load
//! without being the bottleneck it measures; the full client is the other latency
//! configuration (`wamp-driver latency` without `--light`).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use ferrobahn_client::Ack;
use ferrobahn_rt::{ReadHalf, WriteHalf};
use ferrobahn_tokio::TokioIo;
use ferrobahn_wamp::message::{Call, Yield};
use ferrobahn_wamp::options::RegisterOptions;
use ferrobahn_wamp::{Id, Message, Payload};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

use super::light::{decode, frame, joined, joined_with, LightWs};
use super::rpc::{Log, Pace, Pacer, ECHO};
use super::{DriverError, Target, JOIN_TIMEOUT};

type Io = TokioIo<TcpStream>;

/// A registered echo callee answering in its own task; stopped when dropped.
#[derive(Debug)]
pub struct EchoCallee(JoinHandle<Result<(), DriverError>>);

impl Drop for EchoCallee {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl EchoCallee {
    /// Connects, joins, registers [`ECHO`] and starts answering: every INVOCATION gets
    /// a YIELD with its payload (the answers to one burst go out in one write: the
    /// WebSocket driver defers its flush while received messages wait).
    ///
    /// # Errors
    /// Setup failures; [`JOIN_TIMEOUT`].
    pub async fn start(t: &Target) -> Result<Self, DriverError> {
        let ws = joined_with(t, "light callee setup", |session| {
            session.register(ECHO, RegisterOptions::default())?;
            Ok(|ack: &Ack| matches!(ack, Ack::Registered(_)))
        })
        .await?;
        Ok(Self(tokio::spawn(answer(t.clone(), ws))))
    }
}

async fn answer(t: Target, mut ws: LightWs) -> Result<(), DriverError> {
    while let Some(m) = ws.recv().await {
        for msg in decode(&t, &m?)? {
            if let Message::Invocation(inv) = msg {
                let answer = Message::Yield(Yield {
                    request: inv.request,
                    payload: inv.payload,
                    ..Default::default()
                });
                ws.send(frame(&t, &answer)?).await?;
            }
        }
    }
    Ok(())
}

/// Connects and joins a light caller, then starts its calls of [`ECHO`] with `body` on
/// the schedule of `pace` until `stop` (the calls due at one start go out in one
/// write); results are logged in `log` and counted in `counter`. The task's handle.
///
/// # Errors
/// Setup failures; [`JOIN_TIMEOUT`].
pub async fn caller(
    t: &Target,
    body: Payload,
    pace: Pace,
    counter: &Arc<AtomicU64>,
    log: &Log,
    stop: &Arc<AtomicBool>,
) -> Result<JoinHandle<Result<(), DriverError>>, DriverError> {
    let (ws, _session) = tokio::time::timeout(JOIN_TIMEOUT, joined(t))
        .await
        .map_err(|_| DriverError::Timeout("light caller setup"))??;
    let (rd, wr) = ws.split();
    let pacer = Pacer::new(pace, log);
    let results = tokio::spawn(collect(
        t.clone(),
        rd,
        pacer.start,
        pace,
        counter.clone(),
        log.clone(),
    ));
    let (t, stop) = (t.clone(), stop.clone());
    Ok(tokio::spawn(async move {
        let sent = send_calls(&t, wr, pacer, body, &stop).await;
        results.abort();
        sent
    }))
}

/// Starts the due calls (call `n` has request ID `n + 1`) until `stop`.
async fn send_calls(
    t: &Target,
    mut wr: WriteHalf<Io>,
    mut pacer: Pacer,
    body: Payload,
    stop: &AtomicBool,
) -> Result<(), DriverError> {
    while !stop.load(Ordering::Relaxed) {
        let due = pacer.due_now();
        let any = !due.is_empty();
        for n in due {
            let request = Id::new(n + 1)
                .ok_or_else(|| DriverError::Protocol("request IDs used up".into()))?;
            let call = Message::Call(Call {
                request,
                procedure: ECHO.into(),
                payload: body.clone(),
                ..Default::default()
            });
            let f = frame(t, &call)?;
            if wr.try_send(&f).is_err() {
                wr.send(f).await?;
            }
        }
        if any {
            wr.flush().await?;
        }
        pacer.rest();
        let (nap, back) = pacer.wait();
        match nap {
            Some(d) => tokio::time::sleep(d).await,
            None => tokio::task::yield_now().await,
        }
        pacer.check(back);
    }
    Ok(())
}

/// Logs every RESULT (request ID `n + 1` is call `n`); a call's ERROR ends the run.
async fn collect(
    t: Target,
    mut rd: ReadHalf<Io>,
    start: std::time::Instant,
    pace: Pace,
    counter: Arc<AtomicU64>,
    log: Log,
) -> Result<(), DriverError> {
    while let Some(m) = rd.recv().await {
        for msg in decode(&t, &m?)? {
            match msg {
                Message::Result(r) => {
                    log.result(start, &pace, r.request.get() - 1);
                    counter.fetch_add(1, Ordering::Relaxed);
                }
                Message::Error(e) => {
                    return Err(DriverError::Protocol(format!("call failed: {}", e.error)))
                }
                _ => {}
            }
        }
    }
    Ok(())
}
