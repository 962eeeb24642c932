//! Handles the async client returns: calls in flight, registrations, subscriptions, and
//! the invocation a procedure receives.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use ferrobahn_wamp::options::{CancelMode, InvocationDetails};
use ferrobahn_wamp::{Dict, Id, Payload, Value};
use futures_channel::{mpsc, oneshot};
use futures_core::Stream;

use super::{queue, Client, Command, Internal};
use crate::core::{CallResult, EventData, InvocationData};
use crate::error::{ApplicationError, RequestError, SessionError, UsageError};

fn lost() -> RequestError {
    RequestError::SessionLost(SessionError::TransportLost("connection closed".into()))
}

/// A call in flight.
///
/// Dropping it before the call is done cancels the call: a CANCEL with
/// [`ClientConfig::cancel_on_drop`](super::ClientConfig::cancel_on_drop) goes to the
/// router (unless that is `None`, or [`PendingCall::keep_on_drop`] was called); the
/// answer, when it comes, is dropped.
#[derive(Debug)]
pub struct PendingCall {
    id: Id,
    progress: Option<mpsc::Receiver<CallResult>>,
    done: oneshot::Receiver<Result<CallResult, RequestError>>,
    tx: queue::Sender<Command>,
    /// The CANCEL mode sent on drop; `None` once done, or when disabled.
    cancel_on_drop: Option<CancelMode>,
}

impl PendingCall {
    pub(super) fn new(
        id: Id,
        progress: Option<mpsc::Receiver<CallResult>>,
        done: oneshot::Receiver<Result<CallResult, RequestError>>,
        tx: queue::Sender<Command>,
        cancel_on_drop: Option<CancelMode>,
    ) -> Self {
        Self {
            id,
            progress,
            done,
            tx,
            cancel_on_drop,
        }
    }

    /// The call's request ID.
    pub fn id(&self) -> Id {
        self.id
    }

    /// Lets the call run to its end if this handle is dropped (no CANCEL; the result
    /// is dropped when it comes).
    pub fn keep_on_drop(&mut self) {
        self.cancel_on_drop = None;
    }

    /// The next progressive result; `None` once the call is done (then call
    /// [`PendingCall::result`]) or when progress was not asked for.
    pub async fn next_progress(&mut self) -> Option<CallResult> {
        let rx = self.progress.as_mut()?;
        std::future::poll_fn(|cx| Pin::new(&mut *rx).poll_next(cx)).await
    }

    /// Asks the router to cancel the call with `mode` (the call then ends with an error,
    /// usually `wamp.error.canceled`).
    ///
    /// # Errors
    /// The call is done already, or the router does not support canceling.
    pub async fn cancel(&self, mode: CancelMode) -> Result<(), RequestError> {
        let (done, rx) = oneshot::channel();
        self.tx
            .unbounded_send(Command::Cancel {
                request: self.id,
                mode,
                done,
            })
            .map_err(|_| lost())?;
        rx.await.map_err(|_| lost())?.map_err(RequestError::Usage)
    }

    /// The final result (progressive results not yet read are dropped). Dropping this
    /// future before it is ready cancels the call as dropping the handle does.
    ///
    /// # Errors
    /// The callee's or router's error, a timeout, session loss.
    pub async fn result(mut self) -> Result<CallResult, RequestError> {
        self.progress = None;
        let r = (&mut self.done).await.unwrap_or_else(|_| Err(lost()));
        self.cancel_on_drop = None;
        r
    }
}

impl Drop for PendingCall {
    fn drop(&mut self) {
        let Some(mode) = self.cancel_on_drop else {
            return;
        };
        // Done already (answer waiting in the channel, or the session is gone)?
        if !matches!(self.done.try_recv(), Ok(None)) {
            return;
        }
        // The driver ignores it when the call ended meanwhile.
        let _ = self.tx.unbounded_send(Command::DropCall {
            request: self.id,
            mode,
        });
    }
}

/// The caller's side of [`Client::call_payload`](super::Client::call_payload) while it
/// waits for the final result. It does not know the request ID (no channel for it):
/// dropped before the result, it drops its receiver and asks the driver to cancel the
/// calls whose receivers are gone, as dropping a [`PendingCall`] cancels its call.
pub(super) struct CallGuard<'a> {
    tx: &'a queue::Sender<Command>,
    /// `None` once dropped for a cancel.
    done: Option<oneshot::Receiver<Result<CallResult, RequestError>>>,
    /// The CANCEL mode sent on drop; `None` once done, or when disabled.
    cancel_on_drop: Option<CancelMode>,
}

impl<'a> CallGuard<'a> {
    pub(super) fn new(
        tx: &'a queue::Sender<Command>,
        done: oneshot::Receiver<Result<CallResult, RequestError>>,
        cancel_on_drop: Option<CancelMode>,
    ) -> Self {
        Self {
            tx,
            done: Some(done),
            cancel_on_drop,
        }
    }
}

impl std::future::Future for CallGuard<'_> {
    type Output = Result<CallResult, RequestError>;

    /// The call's outcome (a refused call's usage error comes on the same channel); a
    /// closed channel means the session is gone.
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(done) = self.done.as_mut() else {
            return Poll::Ready(Err(lost()));
        };
        let r = std::task::ready!(Pin::new(done).poll(cx));
        self.cancel_on_drop = None;
        Poll::Ready(r.unwrap_or_else(|_| Err(lost())))
    }
}

impl Drop for CallGuard<'_> {
    fn drop(&mut self) {
        let Some(mode) = self.cancel_on_drop else {
            return;
        };
        let Some(mut done) = self.done.take() else {
            return;
        };
        // Done already (answer waiting in the channel, or the session is gone)?
        if !matches!(done.try_recv(), Ok(None)) {
            return;
        }
        // The receiver is gone before the driver reads this: it cancels the call (or
        // does so when it starts it, if it has not yet).
        drop(done);
        let _ = self.tx.unbounded_send(Command::DropCalls { mode });
    }
}

/// A registered procedure.
#[derive(Debug)]
pub struct Registration {
    id: Id,
    client: Client,
}

impl Registration {
    pub(super) fn new(id: Id, client: Client) -> Self {
        Self { id, client }
    }

    /// The registration ID.
    pub fn id(&self) -> Id {
        self.id
    }

    /// Unregisters.
    ///
    /// # Errors
    /// The router's error, session loss.
    pub async fn unregister(self) -> Result<(), RequestError> {
        self.client.unregister(self.id).await
    }
}

/// A subscription: a [`Stream`] of events (when made by `Client::subscribe`).
pub struct Subscription {
    id: Id,
    events: Option<mpsc::Receiver<EventData>>,
    client: Client,
}

impl fmt::Debug for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("id", &self.id)
            .finish()
    }
}

impl Subscription {
    pub(super) fn new(id: Id, events: Option<mpsc::Receiver<EventData>>, client: Client) -> Self {
        Self { id, events, client }
    }

    /// The subscription ID.
    pub fn id(&self) -> Id {
        self.id
    }

    /// The next event; `None` when the session ended or the subscription was revoked
    /// (always `None` for a handler subscription).
    pub async fn next(&mut self) -> Option<EventData> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// Unsubscribes.
    ///
    /// # Errors
    /// The router's error, session loss.
    pub async fn unsubscribe(self) -> Result<(), RequestError> {
        self.client.unsubscribe(self.id).await
    }
}

impl Stream for Subscription {
    type Item = EventData;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<EventData>> {
        match self.get_mut().events.as_mut() {
            Some(rx) => Pin::new(rx).poll_next(cx),
            None => Poll::Ready(None),
        }
    }
}

/// Where a subscription's events go.
#[derive(Clone)]
pub enum EventSink {
    /// A bounded channel (a [`Subscription`] stream).
    Channel(mpsc::Sender<EventData>),
    /// A handler called on the driver task.
    Func(Arc<dyn Fn(EventData) + Send + Sync>),
}

impl fmt::Debug for EventSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EventSink::Channel(_) => "EventSink::Channel",
            EventSink::Func(_) => "EventSink::Func",
        })
    }
}

impl EventSink {
    /// Delivers `e`; `false` when the receiver is gone (unsubscribe).
    pub(crate) fn deliver(&mut self, e: EventData) -> bool {
        match self {
            EventSink::Func(f) => {
                f(e);
                true
            }
            EventSink::Channel(tx) => match tx.try_send(e) {
                Ok(()) => true,
                Err(err) if err.is_full() => {
                    tracing::warn!("subscription queue full: event dropped");
                    true
                }
                Err(_) => false,
            },
        }
    }
}

/// One invocation of a registered procedure.
#[derive(Debug)]
pub struct Invocation {
    pub(super) data: InvocationData,
    pub(super) tx: mpsc::UnboundedSender<Internal>,
}

impl Invocation {
    /// The invocation's data (request, registration, args, kwargs, details).
    pub fn data(&self) -> &InvocationData {
        &self.data
    }

    /// The arguments as a payload, moved out: an echo without copying them (no
    /// progressive results can be sent after this).
    pub fn into_payload(self) -> Payload {
        self.data.into_payload()
    }

    /// Positional arguments.
    pub fn args(&self) -> &[Value] {
        &self.data.args
    }

    /// Keyword arguments.
    pub fn kwargs(&self) -> &Dict {
        &self.data.kwargs
    }

    /// Details: caller identification, concrete procedure, receive_progress.
    pub fn details(&self) -> &InvocationDetails {
        &self.data.details
    }

    /// Deserializes the positional arguments into `T`.
    ///
    /// # Errors
    /// `wamp.error.invalid_argument`, ready to return from the procedure.
    pub fn parse_args<T: serde::de::DeserializeOwned>(&self) -> Result<T, ApplicationError> {
        self.data.parse_args()
    }

    /// Whether the caller accepts progressive results.
    pub fn wants_progress(&self) -> bool {
        self.data.details.receive_progress == Some(true)
    }

    /// Sends a progressive result.
    ///
    /// # Errors
    /// [`UsageError::InvalidOption`] when the caller did not ask for progress;
    /// [`UsageError::WrongState`] when the session is gone.
    pub fn progress(&self, payload: Payload) -> Result<(), UsageError> {
        if !self.wants_progress() {
            return Err(UsageError::InvalidOption(
                "the caller did not ask for progressive results".into(),
            ));
        }
        self.tx
            .unbounded_send(Internal::Progress {
                request: self.data.request,
                payload,
            })
            .map_err(|_| UsageError::WrongState("closed", "send progress"))
    }
}
