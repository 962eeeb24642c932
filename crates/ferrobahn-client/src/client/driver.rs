//! The driver task: owns the transport and the session core, applies commands from
//! [`Client`](super::Client) handles, dispatches events, honours the core's deadlines.

use std::collections::HashMap;
use std::future::poll_fn;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use ferrobahn_rt::{AsyncTimer, Runtime};
use ferrobahn_wamp::options::CancelMode;
use ferrobahn_wamp::{error_uri, Id};
use futures_channel::{mpsc, oneshot};
use futures_core::Stream;
use futures_util::future::{AbortHandle, Abortable, FutureExt};

use super::{queue, Command, EventSink, Internal, Invocation, Procedure, Reply};
use crate::core::{
    Ack, JoinOptions, RequestMap, Session, SessionDetails, SessionEvent, SessionState,
};
use crate::error::{ApplicationError, RequestError, SessionError, UsageError};
use crate::transport::{TransportError, WampTransport};

/// The error a caller gets when the procedure panicked (as AutobahnPython answers an
/// exception that is not an `ApplicationError`).
const RUNTIME_ERROR: &str = "wamp.error.runtime_error";

fn panicked() -> ApplicationError {
    tracing::warn!("a procedure panicked: answered {RUNTIME_ERROR}");
    ApplicationError::new(RUNTIME_ERROR)
}

/// The most messages one pass of the driver takes from the transport before it
/// dispatches, writes and looks at its handles again.
const RECV_BUDGET: usize = 64;

/// What a pending request's answer goes to.
enum Slot {
    Call {
        progress: Option<mpsc::Sender<crate::CallResult>>,
        done: Reply<crate::CallResult>,
        /// Canceled because its caller gave up (not canceled twice).
        dropped: bool,
    },
    Register {
        handler: Arc<dyn Procedure>,
        done: Reply<Id>,
    },
    Subscribe {
        sink: EventSink,
        done: Reply<Id>,
    },
    Ack(Reply<Ack>),
    Publish(Reply<Option<Id>>),
}

pub(super) struct Driver<W> {
    core: Session,
    transport: W,
    runtime: Arc<dyn Runtime>,
    commands: queue::Receiver<Command>,
    internal_tx: mpsc::UnboundedSender<Internal>,
    internal: mpsc::UnboundedReceiver<Internal>,
    timer: Option<Pin<Box<dyn AsyncTimer>>>,
    timer_at: Option<std::time::Instant>,
    join: Option<oneshot::Sender<Result<SessionDetails, SessionError>>>,
    leave: Option<oneshot::Sender<Result<String, SessionError>>>,
    left_watchers: Vec<oneshot::Sender<SessionError>>,
    /// How the last session ended (answers a watcher that comes late).
    last_left: Option<SessionError>,
    slots: RequestMap<Id, Slot>,
    procedures: HashMap<Id, Arc<dyn Procedure>>,
    subscriptions: HashMap<Id, EventSink>,
    running: HashMap<Id, AbortHandle>,
    /// Close the transport once the session is closed (disconnect asked, or every handle gone).
    closing: bool,
    /// Disconnect waiters.
    disconnected: Vec<oneshot::Sender<()>>,
    /// Poll a new invocation once on this task before spawning it
    /// ([`ClientConfig::inline_invocations`](super::ClientConfig::inline_invocations)).
    inline_invocations: bool,
    /// The time read in this pass of [`poll_run`](Self::poll_run) (one clock read
    /// for every command and message it handles).
    pass_now: Option<std::time::Instant>,
}

impl<W: WampTransport> Driver<W> {
    pub(super) fn new(
        core: Session,
        transport: W,
        runtime: Arc<dyn Runtime>,
        commands: queue::Receiver<Command>,
        inline_invocations: bool,
    ) -> Self {
        let (internal_tx, internal) = mpsc::unbounded();
        Self {
            core,
            transport,
            runtime,
            commands,
            internal_tx,
            internal,
            timer: None,
            timer_at: None,
            join: None,
            leave: None,
            left_watchers: Vec::new(),
            last_left: None,
            slots: RequestMap::default(),
            procedures: HashMap::new(),
            subscriptions: HashMap::new(),
            running: HashMap::new(),
            closing: false,
            disconnected: Vec::new(),
            inline_invocations,
            pass_now: None,
        }
    }

    /// Runs until the transport is closed.
    pub(super) async fn run(mut self) {
        let end = poll_fn(|cx| self.poll_run(cx)).await;
        if let Err(e) = &end {
            tracing::debug!(error = %e, "WAMP transport ended");
        }
        let reason = end
            .err()
            .map_or_else(|| "closed".to_owned(), |e| e.to_string());
        self.core.handle_transport_closed(&reason);
        poll_fn(|cx| {
            self.dispatch_events(cx);
            Poll::Ready(())
        })
        .await;
        // Close (best effort) so the peer sees a clean end.
        let _ = poll_fn(|cx| self.transport.poll_close(cx)).await;
        // Handles see the end before disconnect() returns.
        self.commands.close();
        for w in self.disconnected.drain(..) {
            let _ = w.send(());
        }
        for (_, h) in self.running.drain() {
            h.abort();
        }
    }

    /// One round of work; `Ready` when the transport is gone.
    ///
    /// Each pass polls every source until it is pending (so each has registered a
    /// wake-up), in this order: procedure answers, handle commands, every message the
    /// transport has ready (at most [`RECV_BUDGET`]), then dispatches the session's
    /// events, writes what was queued in one flush, and arms the deadline. Another pass
    /// is needed only when the budget ran out or a deadline passed.
    fn poll_run(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        loop {
            self.pass_now = None;
            let mut again = false;
            // 1. Results from procedure tasks (only spawned ones send any), then commands
            // from handles (so a leave asked after a procedure returned goes out after
            // its YIELD).
            let polled_internal = !self.running.is_empty();
            if polled_internal {
                while let Poll::Ready(Some(msg)) = Pin::new(&mut self.internal).poll_next(cx) {
                    self.apply_internal(msg);
                }
            }
            loop {
                match self.commands.poll_next(cx) {
                    Poll::Ready(Some(cmd)) => self.apply(cmd),
                    Poll::Ready(None) => {
                        // Every handle is gone: leave and close.
                        if !self.closing {
                            self.closing = true;
                            self.start_closing();
                        }
                        break;
                    }
                    Poll::Pending => break,
                }
            }
            // 2. Incoming messages: all that are ready.
            let mut budget = RECV_BUDGET;
            loop {
                if budget == 0 {
                    again = true;
                    break;
                }
                budget -= 1;
                match self.transport.poll_recv(cx) {
                    Poll::Ready(Some(Ok(m))) => {
                        tracing::trace!(message = m.name(), "recv");
                        let now = self.now();
                        self.core.handle_message(now, m);
                    }
                    Poll::Ready(Some(Err(TransportError::Decode(e)))) => {
                        self.core.violation(format!("undecodable message: {e}"));
                        self.closing = true;
                        again = true;
                        break;
                    }
                    Poll::Ready(Some(Err(e))) => return Poll::Ready(Err(e)),
                    Poll::Ready(None) => return Poll::Ready(Ok(())),
                    Poll::Pending => break,
                }
            }
            // 3. Events (dispatch may queue answers), then 4. transmit and flush once.
            self.dispatch_events(cx);
            // A procedure task started now: poll its channel (and register the wake-up).
            again |= !polled_internal && !self.running.is_empty();
            while let Some(m) = self.core.poll_transmit() {
                tracing::trace!(message = m.name(), "send");
                self.transport.send_owned(m)?;
            }
            if self.closing && self.core.state() == SessionState::Closed {
                // Flush what is queued (ABORT/GOODBYE), then close.
                return self.transport.poll_flush(cx);
            }
            if let Poll::Ready(Err(e)) = self.transport.poll_flush(cx) {
                return Poll::Ready(Err(e));
            }
            // 5. Deadlines.
            if let Some(at) = self.core.poll_timeout() {
                // A fresh reading: the deadline is checked after this pass's work.
                let now = self.runtime.now();
                if now >= at {
                    self.core.handle_timeout(now);
                    continue;
                }
                match self.timer.as_mut() {
                    None => self.timer = Some(self.runtime.new_timer(at)),
                    Some(t) if self.timer_at != Some(at) => t.as_mut().reset(at),
                    Some(_) => {}
                }
                self.timer_at = Some(at);
                if let Some(t) = self.timer.as_mut() {
                    if t.as_mut().poll(cx).is_ready() {
                        continue;
                    }
                }
            }
            if !again {
                return Poll::Pending;
            }
        }
    }

    /// The current time, read once per pass.
    fn now(&mut self) -> std::time::Instant {
        *self.pass_now.get_or_insert_with(|| self.runtime.now())
    }

    fn start_closing(&mut self) {
        let now = self.now();
        match self.core.state() {
            SessionState::Established => {
                let _ = self.core.leave(now, None);
            }
            SessionState::Joining => self.core.handle_transport_closed("disconnect"),
            SessionState::Leaving | SessionState::Closed => {}
        }
    }

    /// Fills in a channel binding asked for by type from this connection's transport
    /// (none without TLS: the core then refuses the join before HELLO).
    fn bind(&self, mut options: JoinOptions) -> JoinOptions {
        if let (Some(kind), None) = (options.channel_binding_type, &options.channel_binding) {
            options.channel_binding = kind.binding(self.transport.tls_exporter());
        }
        options
    }

    fn apply(&mut self, cmd: Command) {
        let now = self.now();
        match cmd {
            Command::Join { options, done } => match self.core.join(now, self.bind(options)) {
                Ok(()) => {
                    self.last_left = None;
                    self.join = Some(done);
                }
                Err(e) => {
                    let _ = done.send(Err(SessionError::Usage(e)));
                }
            },
            Command::Leave { reason, done } => match self.core.leave(now, reason.as_deref()) {
                Ok(()) => self.leave = Some(done),
                Err(e) => {
                    let _ = done.send(Err(SessionError::Usage(e)));
                }
            },
            Command::Disconnect { done } => {
                self.closing = true;
                self.disconnected.push(done);
                self.start_closing();
            }
            Command::WatchLeft(w) => match (&self.last_left, self.core.state()) {
                (Some(why), SessionState::Closed) => {
                    let _ = w.send(why.clone());
                }
                _ => self.left_watchers.push(w),
            },
            Command::Call {
                procedure,
                payload,
                options,
                progress,
                started,
                done,
                cancel_on_drop,
            } => match self.core.call(now, procedure, payload, options) {
                Ok(id) => {
                    // The caller gave up before the call started: `call_with` before
                    // it got the ID, `call_payload` before its answer.
                    let gone = match started {
                        Some(started) => started.send(Ok(id)).is_err(),
                        None => done.is_canceled(),
                    };
                    self.slots.insert(
                        id,
                        Slot::Call {
                            progress,
                            done,
                            dropped: false,
                        },
                    );
                    if let (true, Some(mode)) = (gone, cancel_on_drop) {
                        self.cancel_dropped(id, mode);
                    }
                }
                Err(e) => match started {
                    Some(started) => {
                        let _ = started.send(Err(e));
                    }
                    None => {
                        let _ = done.send(Err(RequestError::Usage(e)));
                    }
                },
            },
            Command::Cancel {
                request,
                mode,
                done,
            } => {
                let _ = done.send(self.core.cancel(now, request, mode));
            }
            Command::DropCall { request, mode } => self.cancel_dropped(request, mode),
            Command::DropCalls { mode } => {
                let gone: Vec<Id> = self
                    .slots
                    .iter()
                    .filter_map(|(id, slot)| match slot {
                        Slot::Call {
                            done,
                            dropped: false,
                            ..
                        } if done.is_canceled() => Some(*id),
                        _ => None,
                    })
                    .collect();
                for id in gone {
                    self.cancel_dropped(id, mode);
                }
            }
            Command::Register {
                procedure,
                options,
                handler,
                done,
            } => match self.core.register(&procedure, options) {
                Ok(id) => {
                    self.slots.insert(id, Slot::Register { handler, done });
                }
                Err(e) => {
                    let _ = done.send(Err(e.into()));
                }
            },
            Command::Unregister { registration, done } => {
                match self.core.unregister(registration) {
                    Ok(id) => {
                        self.slots.insert(id, Slot::Ack(done));
                    }
                    Err(e) => {
                        let _ = done.send(Err(e.into()));
                    }
                }
            }
            Command::Subscribe {
                topic,
                options,
                sink,
                done,
            } => match self.core.subscribe(&topic, options) {
                Ok(id) => {
                    self.slots.insert(id, Slot::Subscribe { sink, done });
                }
                Err(e) => {
                    let _ = done.send(Err(e.into()));
                }
            },
            Command::Unsubscribe { subscription, done } => {
                match self.core.unsubscribe(subscription) {
                    Ok(id) => {
                        self.slots.insert(id, Slot::Ack(done));
                    }
                    Err(e) => {
                        let _ = done.send(Err(e.into()));
                    }
                }
            }
            Command::Publish {
                topic,
                payload,
                options,
                done,
            } => {
                let acknowledge = options.acknowledge == Some(true);
                match self.core.publish(topic, payload, options) {
                    Ok(id) if acknowledge => {
                        self.slots.insert(id, Slot::Publish(done));
                    }
                    Ok(_) => {
                        let _ = done.send(Ok(None));
                    }
                    Err(e) => {
                        let _ = done.send(Err(e.into()));
                    }
                }
            }
        }
    }

    /// Cancels a call whose caller gave up, if it is still pending.
    fn cancel_dropped(&mut self, request: Id, mode: CancelMode) {
        match self.slots.get_mut(&request) {
            Some(Slot::Call { dropped, .. }) if !*dropped => *dropped = true,
            _ => return,
        }
        let now = self.now();
        match self.core.cancel(now, request, mode) {
            Ok(()) => tracing::debug!(%request, ?mode, "dropped call canceled"),
            // E.g. the router has no call canceling: the answer is dropped when it comes.
            Err(e) => tracing::debug!(%request, error = %e, "dropped call not canceled"),
        }
    }

    fn apply_internal(&mut self, msg: Internal) {
        let r = match msg {
            Internal::Yield { request, result } => {
                self.running.remove(&request);
                match result {
                    Ok(payload) => self.core.yield_result(request, payload, false),
                    Err(e) => self.core.yield_error(request, &e),
                }
            }
            Internal::Progress { request, payload } => {
                self.core.yield_result(request, payload, true)
            }
        };
        if let Err(e) = r {
            // Interrupted (killnowait) or the session ended: nobody waits for it.
            tracing::debug!(error = %e, "procedure answer dropped");
        }
    }

    /// Dispatches every queued core event.
    fn dispatch_events(&mut self, cx: &mut Context<'_>) {
        while let Some(ev) = self.core.poll_event() {
            self.dispatch(cx, ev);
        }
    }

    fn dispatch(&mut self, cx: &mut Context<'_>, ev: SessionEvent) {
        match ev {
            SessionEvent::Joined(d) => {
                if let Some(j) = self.join.take() {
                    let _ = j.send(Ok(*d));
                }
            }
            SessionEvent::Left(why) => self.session_ended(why),
            SessionEvent::CallProgress { request, result } => {
                if let Some(Slot::Call {
                    progress: Some(tx), ..
                }) = self.slots.get_mut(&request)
                {
                    if tx.try_send(result).is_err() {
                        tracing::warn!(%request, "progressive result dropped: receiver full or gone");
                    }
                }
            }
            SessionEvent::CallDone { request, result } => {
                if let Some(Slot::Call { done, .. }) = self.slots.remove(&request) {
                    let _ = done.send(result);
                }
            }
            SessionEvent::RequestDone { request, result } => match self.slots.remove(&request) {
                Some(Slot::Register { handler, done }) => {
                    if let Ok(Ack::Registered(id)) = result {
                        self.procedures.insert(id, handler);
                        let _ = done.send(Ok(id));
                    } else {
                        let _ = done.send(result.map(|_| Id::ZERO));
                    }
                }
                Some(Slot::Subscribe { sink, done }) => {
                    if let Ok(Ack::Subscribed(id)) = result {
                        self.subscriptions.insert(id, sink);
                        let _ = done.send(Ok(id));
                    } else {
                        let _ = done.send(result.map(|_| Id::ZERO));
                    }
                }
                Some(Slot::Ack(done)) => {
                    let _ = done.send(result);
                }
                Some(Slot::Publish(done)) => {
                    let _ = done.send(result.map(|a| match a {
                        Ack::Published(id) => Some(id),
                        _ => None,
                    }));
                }
                Some(Slot::Call { done, .. }) => {
                    let _ = done.send(Err(RequestError::Usage(UsageError::Unknown(
                        "call",
                        request.get(),
                    ))));
                }
                None => {}
            },
            SessionEvent::Event(e) => {
                let sub = e.subscription;
                let gone = match self.subscriptions.get_mut(&sub) {
                    Some(sink) => !sink.deliver(e),
                    None => false,
                };
                if gone {
                    // The Subscription was dropped: unsubscribe.
                    self.subscriptions.remove(&sub);
                    if let Err(err) = self.core.unsubscribe(sub) {
                        tracing::debug!(error = %err, "auto-unsubscribe failed");
                    }
                }
            }
            SessionEvent::Invocation(inv) => self.invoke(cx, inv),
            SessionEvent::Interrupt { request, mode } => {
                if let Some(h) = self.running.remove(&request) {
                    h.abort();
                }
                if mode != CancelMode::KillNoWait {
                    let _ = self
                        .core
                        .yield_error(request, &ApplicationError::new(error_uri::CANCELED));
                }
            }
            SessionEvent::RegistrationRevoked { registration, .. } => {
                self.procedures.remove(&registration);
            }
            SessionEvent::SubscriptionRevoked { subscription, .. } => {
                self.subscriptions.remove(&subscription);
            }
        }
    }

    /// Runs a procedure for `inv`: polled once here (a procedure that does not wait is
    /// answered at once, without a task), then on its own task while it waits.
    fn invoke(&mut self, cx: &mut Context<'_>, inv: crate::InvocationData) {
        let request = inv.request;
        let Some(handler) = self.procedures.get(&inv.registration) else {
            let _ = self.core.yield_error(
                request,
                &ApplicationError::new(error_uri::NO_SUCH_REGISTRATION),
            );
            return;
        };
        let invocation = Invocation {
            data: inv,
            tx: self.internal_tx.clone(),
        };
        let mut fut = handler.invoke(invocation);
        if self.inline_invocations {
            let polled = catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx)));
            if let Poll::Ready(result) = polled.unwrap_or_else(|_| Poll::Ready(Err(panicked()))) {
                // Progressive results it sent go out before its YIELD.
                while let Poll::Ready(Some(msg)) = Pin::new(&mut self.internal).poll_next(cx) {
                    self.apply_internal(msg);
                }
                self.apply_internal(Internal::Yield { request, result });
                return;
            }
            // It waits: the task below polls it next (and takes over the wake-up).
        }
        let tx = self.internal_tx.clone();
        let (handle, reg) = AbortHandle::new_pair();
        let fut = Abortable::new(fut, reg);
        self.running.insert(request, handle);
        self.runtime.spawn(Box::pin(async move {
            let result = match AssertUnwindSafe(fut).catch_unwind().await {
                Ok(Ok(result)) => result,
                // Interrupted: the driver answered already.
                Ok(Err(_aborted)) => return,
                Err(_panic) => Err(panicked()),
            };
            let _ = tx.unbounded_send(Internal::Yield { request, result });
        }));
    }

    fn session_ended(&mut self, why: SessionError) {
        for (_, h) in self.running.drain() {
            h.abort();
        }
        self.procedures.clear();
        self.subscriptions.clear();
        // Pending requests were failed by the core already; drop leftovers.
        self.slots.clear();
        if let Some(j) = self.join.take() {
            let _ = j.send(Err(why.clone()));
        }
        if let Some(l) = self.leave.take() {
            let _ = l.send(match &why {
                SessionError::Left(reason) => Ok(reason.clone()),
                other => Err(other.clone()),
            });
        }
        for w in self.left_watchers.drain(..) {
            let _ = w.send(why.clone());
        }
        self.last_left = Some(why.clone());
        if matches!(why, SessionError::Protocol(_)) {
            self.closing = true;
        }
    }
}
