//! The async client: [`Client`], a cloneable handle to one WAMP connection whose driver
//! task runs on any [`Runtime`].
//!
//! ```text
//! let client = Client::new(runtime, transport, SessionConfig::default());
//! client.join(JoinOptions::new("realm1")).await?;
//! let sum = client.call("com.example.add2", (2, 3)).await?;
//! client.leave().await?;
//! ```
//!
//! # Cancel safety
//!
//! Dropping a future of a [`Client`] method never corrupts the session: the command is
//! either not sent yet, or its answer is dropped by the driver when it arrives. A call
//! whose [`PendingCall`] (or [`Client::call`] future) is dropped before it is done is
//! also canceled at the router (CANCEL with [`ClientConfig::cancel_on_drop`], default
//! `killnowait`), so the callee stops working for nobody.

mod driver;
mod handles;
mod queue;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use ferrobahn_rt::Runtime;
use ferrobahn_wamp::options::{
    CallOptions, CancelMode, PublishOptions, RegisterOptions, SubscribeOptions,
};
use ferrobahn_wamp::{Id, Payload};
use futures_channel::{mpsc, oneshot};
use serde::Serialize;

use crate::core::{
    Ack, CallResult, EventData, JoinOptions, Session, SessionConfig, SessionDetails,
};
use crate::error::{ApplicationError, RequestError, SessionError, UsageError};
use crate::transport::WampTransport;

pub use handles::{EventSink, Invocation, PendingCall, Registration, Subscription};

/// The answer channel of a request.
pub(crate) type Reply<T> = oneshot::Sender<Result<T, RequestError>>;

/// The receiver of a started call's final result (or refusal).
type CallDone = oneshot::Receiver<Result<CallResult, RequestError>>;

/// What a procedure returns: the result payload or an error.
pub type ProcedureResult = Result<Payload, ApplicationError>;

/// The future a [`Procedure`] returns.
pub type ProcedureFuture = Pin<Box<dyn Future<Output = ProcedureResult> + Send>>;

/// A registered procedure. Implemented for every `Fn(Invocation) -> impl Future<Output =
/// ProcedureResult>`, so an async closure or `async fn` is a procedure.
pub trait Procedure: Send + Sync + 'static {
    /// Runs one invocation (see [`ClientConfig::inline_invocations`] for where).
    fn invoke(&self, invocation: Invocation) -> ProcedureFuture;
}

impl<F, Fut> Procedure for F
where
    F: Fn(Invocation) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ProcedureResult> + Send + 'static,
{
    fn invoke(&self, invocation: Invocation) -> ProcedureFuture {
        Box::pin(self(invocation))
    }
}

pub(crate) enum Command {
    Join {
        options: JoinOptions,
        done: oneshot::Sender<Result<SessionDetails, SessionError>>,
    },
    Leave {
        reason: Option<String>,
        done: oneshot::Sender<Result<String, SessionError>>,
    },
    Disconnect {
        done: oneshot::Sender<()>,
    },
    WatchLeft(oneshot::Sender<SessionError>),
    Call {
        procedure: String,
        payload: Payload,
        options: CallOptions,
        progress: Option<mpsc::Sender<CallResult>>,
        /// Where the request ID (or refusal) goes; `None`: the refusal goes to `done`,
        /// and the caller gives up by dropping `done`'s receiver (then
        /// [`Command::DropCalls`]).
        started: Option<oneshot::Sender<Result<Id, UsageError>>>,
        done: Reply<CallResult>,
        /// Cancel at once if `started` finds nobody waiting (the caller gave up).
        cancel_on_drop: Option<CancelMode>,
    },
    Cancel {
        request: Id,
        mode: CancelMode,
        done: oneshot::Sender<Result<(), UsageError>>,
    },
    /// A [`PendingCall`] was dropped before its answer: cancel if still pending.
    DropCall {
        request: Id,
        mode: CancelMode,
    },
    /// A [`Client::call_payload`] future was dropped before its answer: cancel the
    /// pending calls whose answer has nobody waiting.
    DropCalls {
        mode: CancelMode,
    },
    Register {
        procedure: String,
        options: RegisterOptions,
        handler: Arc<dyn Procedure>,
        done: Reply<Id>,
    },
    Unregister {
        registration: Id,
        done: Reply<Ack>,
    },
    Subscribe {
        topic: String,
        options: SubscribeOptions,
        sink: EventSink,
        done: Reply<Id>,
    },
    Unsubscribe {
        subscription: Id,
        done: Reply<Ack>,
    },
    Publish {
        topic: String,
        payload: Payload,
        options: PublishOptions,
        done: Reply<Option<Id>>,
    },
}

/// From procedure tasks to the driver.
pub(crate) enum Internal {
    Yield {
        request: Id,
        result: ProcedureResult,
    },
    Progress {
        request: Id,
        payload: Payload,
    },
}

/// Limits of the async client (besides the core's [`SessionConfig`]).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ClientConfig {
    /// The session core's limits and timeouts.
    pub session: SessionConfig,
    /// Events buffered per [`Subscription`] stream before new ones are dropped (with a
    /// warning). Default 4096.
    pub event_queue: usize,
    /// Progressive results buffered per [`PendingCall`] before new ones are dropped.
    /// Default 4096.
    pub progress_queue: usize,
    /// The CANCEL mode sent when a [`PendingCall`] (or the future of
    /// [`Client::call`]) is dropped before the call is done; `None` lets such calls run
    /// to their end. Default `killnowait`: nobody waits for the answer, so the router
    /// interrupts the callee and the caller's side ends at once. Nothing is sent when
    /// the router does not announce call canceling.
    pub cancel_on_drop: Option<CancelMode>,
    /// Poll each new invocation of a registered procedure once on the connection's
    /// driver task before giving it a task of its own: a procedure that answers
    /// without waiting (an echo, a lookup) then costs no task, no channel and no extra
    /// wake-up, and its YIELD goes out with the messages of the same read. A procedure
    /// that waits continues on its own task. Set `false` to start every invocation on
    /// its own task (e.g. procedures that compute long before their first `.await` on a
    /// multi-threaded runtime). Default `true`.
    pub inline_invocations: bool,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            session: SessionConfig::default(),
            event_queue: 4096,
            progress_queue: 4096,
            cancel_on_drop: Some(CancelMode::KillNoWait),
            inline_invocations: true,
        }
    }
}

impl ClientConfig {
    /// Sets [`ClientConfig::session`].
    #[must_use]
    pub fn with_session(mut self, v: SessionConfig) -> Self {
        self.session = v;
        self
    }

    /// Sets [`ClientConfig::event_queue`].
    #[must_use]
    pub fn with_event_queue(mut self, v: usize) -> Self {
        self.event_queue = v;
        self
    }

    /// Sets [`ClientConfig::cancel_on_drop`].
    #[must_use]
    pub fn with_cancel_on_drop(mut self, v: Option<CancelMode>) -> Self {
        self.cancel_on_drop = v;
        self
    }

    /// Sets [`ClientConfig::inline_invocations`].
    #[must_use]
    pub fn with_inline_invocations(mut self, v: bool) -> Self {
        self.inline_invocations = v;
        self
    }

    /// Sets [`ClientConfig::progress_queue`].
    #[must_use]
    pub fn with_progress_queue(mut self, v: usize) -> Self {
        self.progress_queue = v;
        self
    }
}

/// A cloneable handle to a WAMP connection. The connection's driver runs on its own
/// task; it ends (closing the transport) on [`Client::disconnect`], when the transport
/// closes, or when every handle is dropped.
#[derive(Clone, Debug)]
pub struct Client {
    tx: queue::Sender<Command>,
    config: Arc<ClientConfig>,
}

/// Positional results from a procedure's typed return value.
fn result_payload<R: Serialize>(r: &R) -> ProcedureResult {
    Ok(match ferrobahn_wamp::to_value(r)? {
        ferrobahn_wamp::Value::Null => Payload::Empty,
        ferrobahn_wamp::Value::List(l) => Payload::new(l, Default::default()),
        other => Payload::Args(vec![other]),
    })
}

/// Positional arguments from a serializable tuple or list; `()` is no arguments.
fn args_payload<A: Serialize>(args: &A) -> Result<Payload, RequestError> {
    match ferrobahn_wamp::to_value(args) {
        Ok(ferrobahn_wamp::Value::Null) => Ok(Payload::Empty),
        Ok(ferrobahn_wamp::Value::List(l)) => Ok(Payload::new(l, Default::default())),
        Ok(other) => Err(UsageError::InvalidPayload(format!(
            "args must serialize to a list, got {}",
            other.type_name()
        ))
        .into()),
        Err(e) => Err(UsageError::InvalidPayload(e.0).into()),
    }
}

fn lost() -> SessionError {
    SessionError::TransportLost("connection closed".into())
}

impl Client {
    /// Starts the driver for `transport` on `runtime`. No session yet: call
    /// [`Client::join`].
    pub fn new<W: WampTransport>(
        runtime: Arc<dyn Runtime>,
        transport: W,
        config: ClientConfig,
    ) -> Self {
        let (tx, rx) = queue::queue();
        let core = Session::new(config.session.clone());
        let driver = driver::Driver::new(
            core,
            transport,
            runtime.clone(),
            rx,
            config.inline_invocations,
        );
        runtime.spawn(Box::pin(driver.run()));
        Self {
            tx,
            config: Arc::new(config),
        }
    }

    /// Whether the driver has ended (the transport is closed; every command fails).
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }

    fn send(&self, cmd: Command) -> Result<(), SessionError> {
        self.tx.unbounded_send(cmd).map_err(|_| lost())
    }

    async fn request<T>(&self, make: impl FnOnce(Reply<T>) -> Command) -> Result<T, RequestError> {
        let (done, rx) = oneshot::channel();
        self.send(make(done)).map_err(RequestError::SessionLost)?;
        rx.await
            .unwrap_or_else(|_| Err(RequestError::SessionLost(lost())))
    }

    /// Joins a realm (HELLO, challenges, WELCOME).
    ///
    /// # Errors
    /// [`SessionError::Aborted`] when the router refuses, `Auth`, `Timeout`,
    /// `TransportLost`.
    pub async fn join(&self, options: JoinOptions) -> Result<SessionDetails, SessionError> {
        let (done, rx) = oneshot::channel();
        self.send(Command::Join { options, done })?;
        rx.await.unwrap_or_else(|_| Err(lost()))
    }

    /// Leaves the realm (GOODBYE both ways); the transport stays open for another
    /// [`Client::join`]. Returns the router's GOODBYE reason.
    ///
    /// # Errors
    /// When not joined, or the session ended otherwise.
    pub async fn leave(&self) -> Result<String, SessionError> {
        let (done, rx) = oneshot::channel();
        self.send(Command::Leave { reason: None, done })?;
        rx.await.unwrap_or_else(|_| Err(lost()))
    }

    /// Leaves the realm if joined, closes the transport, and waits for the driver to end.
    pub async fn disconnect(&self) {
        let (done, rx) = oneshot::channel();
        if self.send(Command::Disconnect { done }).is_ok() {
            let _ = rx.await;
        }
    }

    /// Resolves when the current session ends, with why (at once, if the last session
    /// has ended and no new one was started).
    pub async fn left(&self) -> SessionError {
        let (tx, rx) = oneshot::channel();
        if self.send(Command::WatchLeft(tx)).is_err() {
            return lost();
        }
        rx.await.unwrap_or_else(|_| lost())
    }

    /// Calls `procedure` with positional arguments from any serializable tuple or list.
    ///
    /// # Errors
    /// [`RequestError`]: the callee's or router's error, a timeout, session loss, or
    /// local misuse (bad URI, arguments that do not serialize).
    pub async fn call<A: Serialize>(
        &self,
        procedure: &str,
        args: A,
    ) -> Result<CallResult, RequestError> {
        let payload = args_payload(&args)?;
        self.call_payload(procedure, payload, CallOptions::default())
            .await
    }

    /// Calls `procedure` with a payload and options and waits for the final result
    /// (progressive results are dropped): [`Client::call_with`] then
    /// [`PendingCall::result`], without waiting for the request ID in between (one
    /// wake-up less per call). Dropping the future before the result cancels the call
    /// as dropping a [`PendingCall`] does.
    ///
    /// # Errors
    /// As [`Client::call`].
    pub async fn call_payload(
        &self,
        procedure: &str,
        payload: Payload,
        options: CallOptions,
    ) -> Result<CallResult, RequestError> {
        let done_rx = self.start_call(procedure, payload, options, None, None)?;
        handles::CallGuard::new(&self.tx, done_rx, self.config.cancel_on_drop).await
    }

    /// Hands a CALL to the driver: the receiver of its final result. Its request ID
    /// (or refusal) goes to `started` if given, else a refusal goes to the result.
    fn start_call(
        &self,
        procedure: &str,
        payload: Payload,
        options: CallOptions,
        progress: Option<mpsc::Sender<CallResult>>,
        started: Option<oneshot::Sender<Result<Id, UsageError>>>,
    ) -> Result<CallDone, RequestError> {
        let (done, done_rx) = oneshot::channel();
        self.send(Command::Call {
            procedure: procedure.to_owned(),
            payload,
            options,
            progress,
            started,
            done,
            cancel_on_drop: self.config.cancel_on_drop,
        })
        .map_err(RequestError::SessionLost)?;
        Ok(done_rx)
    }

    /// Starts a call with a payload and options; the [`PendingCall`] yields progressive
    /// results (with `receive_progress`), the final result, and can cancel the call.
    ///
    /// # Errors
    /// Local misuse or session loss (the call was not sent).
    pub async fn call_with(
        &self,
        procedure: &str,
        payload: Payload,
        options: CallOptions,
    ) -> Result<PendingCall, RequestError> {
        let (progress_tx, progress_rx) = if options.receive_progress == Some(true) {
            let (tx, rx) = mpsc::channel(self.config.progress_queue);
            (Some(tx), Some(rx))
        } else {
            (None, None)
        };
        let (started, started_rx) = oneshot::channel();
        let done_rx = self.start_call(procedure, payload, options, progress_tx, Some(started))?;
        let id = started_rx
            .await
            .map_err(|_| RequestError::SessionLost(lost()))??;
        Ok(PendingCall::new(
            id,
            progress_rx,
            done_rx,
            self.tx.clone(),
            self.config.cancel_on_drop,
        ))
    }

    /// Registers `handler` for `procedure` (or a pattern, per `options.match_policy`).
    /// Each invocation is polled once on the driver task and, if it waits, continues
    /// on its own task (see [`ClientConfig::inline_invocations`]); an INTERRUPT aborts
    /// it.
    ///
    /// # Errors
    /// The router's error (e.g. `wamp.error.procedure_already_exists`), misuse, loss.
    pub async fn register(
        &self,
        procedure: &str,
        options: RegisterOptions,
        handler: impl Procedure,
    ) -> Result<Registration, RequestError> {
        let handler: Arc<dyn Procedure> = Arc::new(handler);
        let id = self
            .request(|done| Command::Register {
                procedure: procedure.to_owned(),
                options,
                handler,
                done,
            })
            .await?;
        Ok(Registration::new(id, self.clone()))
    }

    /// Registers a typed procedure: the positional arguments deserialize into `A` (a
    /// tuple, a `Vec`, a tuple struct; a mismatch answers `wamp.error.invalid_argument`),
    /// and the returned value becomes the positional results: a tuple or list as is,
    /// `()` as none, anything else as one result.
    ///
    /// # Errors
    /// As [`Client::register`].
    pub async fn register_typed<A, R, F, Fut>(
        &self,
        procedure: &str,
        options: RegisterOptions,
        f: F,
    ) -> Result<Registration, RequestError>
    where
        A: serde::de::DeserializeOwned + Send + 'static,
        R: Serialize + Send + 'static,
        F: Fn(A) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R, ApplicationError>> + Send + 'static,
    {
        let f = Arc::new(f);
        self.register(procedure, options, move |inv: Invocation| {
            let f = f.clone();
            async move {
                let args: A = inv.parse_args()?;
                let out = f(args).await?;
                result_payload(&out)
            }
        })
        .await
    }

    /// Unregisters.
    ///
    /// # Errors
    /// The router's error, misuse, loss.
    pub async fn unregister(&self, registration: Id) -> Result<(), RequestError> {
        self.request(|done| Command::Unregister { registration, done })
            .await
            .map(drop)
    }

    /// Subscribes to `topic` (or a pattern, per `options.match_policy`); events arrive
    /// on the returned [`Subscription`] stream. Dropping it unsubscribes when the next
    /// event comes.
    ///
    /// # Errors
    /// The router's error, misuse, loss.
    pub async fn subscribe(
        &self,
        topic: &str,
        options: SubscribeOptions,
    ) -> Result<Subscription, RequestError> {
        let (tx, rx) = mpsc::channel(self.config.event_queue);
        let id = self
            .request(|done| Command::Subscribe {
                topic: topic.to_owned(),
                options,
                sink: EventSink::Channel(tx),
                done,
            })
            .await?;
        Ok(Subscription::new(id, Some(rx), self.clone()))
    }

    /// Subscribes with a handler called on the driver task for every event (keep it
    /// short; spawn for long work).
    ///
    /// # Errors
    /// The router's error, misuse, loss.
    pub async fn subscribe_fn(
        &self,
        topic: &str,
        options: SubscribeOptions,
        handler: impl Fn(EventData) + Send + Sync + 'static,
    ) -> Result<Subscription, RequestError> {
        let id = self
            .request(|done| Command::Subscribe {
                topic: topic.to_owned(),
                options,
                sink: EventSink::Func(Arc::new(handler)),
                done,
            })
            .await?;
        Ok(Subscription::new(id, None, self.clone()))
    }

    /// Unsubscribes.
    ///
    /// # Errors
    /// The router's error, misuse, loss.
    pub async fn unsubscribe(&self, subscription: Id) -> Result<(), RequestError> {
        self.request(|done| Command::Unsubscribe { subscription, done })
            .await
            .map(drop)
    }

    /// Publishes an event. With `options.acknowledge` it waits for PUBLISHED and returns
    /// the publication ID; otherwise it returns `None` once the event is queued.
    ///
    /// # Errors
    /// The router's error (acknowledged only), misuse, loss.
    pub async fn publish(
        &self,
        topic: &str,
        payload: Payload,
        options: PublishOptions,
    ) -> Result<Option<Id>, RequestError> {
        self.request(|done| Command::Publish {
            topic: topic.to_owned(),
            payload,
            options,
            done,
        })
        .await
    }
}
