//! The sans-IO WAMP session core: [`Session`].
//!
//! It owns no socket, task or clock. Messages from the router go in through
//! [`Session::handle_message`]; application commands ([`Session::call`],
//! [`Session::publish`], ...) validate their input, queue messages and return the
//! request ID; outgoing messages come out of [`Session::poll_transmit`]; results and
//! incoming traffic come out of [`Session::poll_event`]; local deadlines (join, leave
//! and call timeouts) are read with [`Session::poll_timeout`] and honoured with
//! [`Session::handle_timeout`].
//!
//! Call order after every input or command: `poll_transmit` until `None`, then
//! `poll_timeout`, then `poll_event` until `None`.

mod commands;
mod recv;
#[cfg(test)]
mod tests;
mod types;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::time::Instant;

use ferrobahn_wamp::message::Cancel;
use ferrobahn_wamp::options::{CancelMode, CancelOptions, CloseDetails};
use ferrobahn_wamp::roles::feature;
use ferrobahn_wamp::{error_uri, Id, Message, Role, RoleFeatures, Roles, SequentialIds};

use crate::error::{RequestError, SessionError, UsageError};
pub(crate) use ferrobahn_wamp::idmap::IdMap as RequestMap;

pub use types::{
    Ack, CallResult, EventData, InvocationData, JoinOptions, SessionConfig, SessionDetails,
    SessionEvent, SessionState,
};

/// What a request ID waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pending {
    Call { receive_progress: bool },
    Register,
    Unregister(Id),
    Subscribe,
    Unsubscribe(Id),
    Publish,
}

/// A local deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Timer {
    /// A call's timeout.
    Call(Id),
    /// A locally timed-out call's ID is forgotten (late answers are dropped until then).
    Forget(Id),
}

/// The sans-IO WAMP client session. See the module docs for the call order.
///
/// One `Session` serves any number of sessions in series over one transport: after
/// [`SessionEvent::Left`] it is [`SessionState::Closed`] and [`Session::join`] starts
/// the next one.
#[derive(Debug)]
pub struct Session {
    config: SessionConfig,
    state: SessionState,
    join: Option<JoinOptions>,
    details: Option<SessionDetails>,
    /// Join or leave deadline.
    deadline: Option<Instant>,
    ids: SequentialIds,
    outgoing: VecDeque<Message>,
    events: VecDeque<SessionEvent>,
    /// Keyed by request IDs this client picks: a cheap hasher.
    pending: RequestMap<Id, Pending>,
    timers: BTreeMap<(Instant, Timer), ()>,
    call_deadline: RequestMap<Id, Instant>,
    forgotten: RequestMap<Id, Instant>,
    /// Running invocations: request ID -> the caller accepts progressive results.
    invocations: HashMap<Id, bool>,
    registrations: HashSet<Id>,
    subscriptions: HashSet<Id>,
    /// The last procedure or topic URI that passed validation (calls and publications
    /// mostly repeat one: it is checked once).
    valid_uri: String,
}

impl Session {
    /// A closed session with `config`.
    pub fn new(config: SessionConfig) -> Self {
        Self {
            config,
            state: SessionState::Closed,
            join: None,
            details: None,
            deadline: None,
            ids: SequentialIds::new(),
            outgoing: VecDeque::new(),
            events: VecDeque::new(),
            pending: RequestMap::default(),
            timers: BTreeMap::new(),
            call_deadline: RequestMap::default(),
            forgotten: RequestMap::default(),
            invocations: HashMap::new(),
            registrations: HashSet::new(),
            subscriptions: HashSet::new(),
            valid_uri: String::new(),
        }
    }

    // ---- getters ----

    /// The state.
    pub fn state(&self) -> SessionState {
        self.state
    }

    /// The WELCOME details while established (and leaving).
    pub fn details(&self) -> Option<&SessionDetails> {
        self.details.as_ref()
    }

    /// The configuration.
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// How many requests wait for an answer.
    pub fn pending_requests(&self) -> usize {
        self.pending.len()
    }

    /// Whether the router announced `feature` for `role` in WELCOME.
    pub fn router_has(&self, role: Role, feature: &str) -> bool {
        self.details
            .as_ref()
            .and_then(|d| d.router_roles.get(role))
            .is_some_and(|f| f.has(feature))
    }

    // ---- D: output ----

    /// The next message to send.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Message> {
        self.outgoing.pop_front()
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<SessionEvent> {
        self.events.pop_front()
    }

    /// The earliest local deadline, if any.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let timer = self.timers.keys().next().map(|(t, _)| *t);
        match (self.deadline, timer) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    // ---- B: input ----

    /// Honours every deadline that passed at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.deadline.is_some_and(|d| d <= now) {
            self.deadline = None;
            match self.state {
                SessionState::Joining => {
                    self.abort(error_uri::SYSTEM_SHUTDOWN, "join timed out");
                    self.close(SessionError::Timeout("join"));
                }
                SessionState::Leaving => self.close(SessionError::Timeout("leave")),
                SessionState::Closed | SessionState::Established => {}
            }
        }
        while let Some((&(at, timer), ())) = self.timers.iter().next() {
            if at > now {
                break;
            }
            self.timers.remove(&(at, timer));
            match timer {
                Timer::Call(id) => self.call_timed_out(now, id),
                Timer::Forget(id) => {
                    self.forgotten.remove(&id);
                }
            }
        }
    }

    /// The transport closed or failed: the session (if any) is lost.
    pub fn handle_transport_closed(&mut self, reason: &str) {
        if self.state != SessionState::Closed {
            self.close(SessionError::TransportLost(reason.to_owned()));
        }
        self.outgoing.clear();
    }

    // ---- internals ----

    /// Validates a procedure or topic URI, remembering the last valid one.
    fn check_uri(&mut self, uri: &str) -> Result<(), UsageError> {
        if uri != self.valid_uri {
            ferrobahn_wamp::uri::validate_uri(uri, self.config.uri_check)?;
            self.valid_uri.clear();
            self.valid_uri.push_str(uri);
        }
        Ok(())
    }

    fn expect_state(&self, want: SessionState, what: &'static str) -> Result<(), UsageError> {
        if self.state == want {
            Ok(())
        } else {
            Err(UsageError::WrongState(self.state.name(), what))
        }
    }

    fn new_request(&mut self, kind: Pending) -> Result<Id, UsageError> {
        if self.pending.len() >= self.config.max_pending_requests {
            return Err(UsageError::TooManyPending(self.config.max_pending_requests));
        }
        let mut id = self.ids.next_id();
        // After a wrap, skip IDs still in use.
        while self.pending.contains_key(&id) || self.forgotten.contains_key(&id) {
            id = self.ids.next_id();
        }
        self.pending.insert(id, kind);
        Ok(id)
    }

    /// Ends a call locally with `why`; answers arriving within the grace period are dropped.
    fn forget_call(&mut self, now: Instant, id: Id, why: RequestError) {
        self.clear_call_timer(id);
        if self.pending.remove(&id).is_none() {
            return;
        }
        let until = now + self.config.cancel_grace;
        self.forgotten.insert(id, until);
        self.timers.insert((until, Timer::Forget(id)), ());
        self.events.push_back(SessionEvent::CallDone {
            request: id,
            result: Err(why),
        });
    }

    fn call_timed_out(&mut self, now: Instant, id: Id) {
        self.call_deadline.remove(&id);
        if !self.pending.contains_key(&id) {
            return;
        }
        if self.state == SessionState::Established
            && self.router_has(Role::Dealer, feature::CALL_CANCELING)
        {
            self.outgoing.push_back(
                Cancel {
                    request: id,
                    options: CancelOptions {
                        mode: Some(CancelMode::KillNoWait),
                        ..Default::default()
                    },
                }
                .into(),
            );
        }
        self.forget_call(now, id, RequestError::Timeout);
    }

    /// Removes a call's timer (answered or failed).
    fn clear_call_timer(&mut self, id: Id) {
        if let Some(at) = self.call_deadline.remove(&id) {
            self.timers.remove(&(at, Timer::Call(id)));
        }
    }

    /// Queues ABORT with `reason`.
    fn abort(&mut self, reason: &str, message: &str) {
        self.outgoing.push_back(
            ferrobahn_wamp::message::Abort {
                details: CloseDetails {
                    message: Some(message.to_owned()),
                    ..Default::default()
                },
                reason: reason.to_owned(),
            }
            .into(),
        );
    }

    /// Ends the session: fails every pending request, forgets all state, reports `Left`.
    fn close(&mut self, why: SessionError) {
        let mut ids: Vec<_> = self.pending.drain().collect();
        ids.sort_by_key(|(id, _)| *id);
        for (request, kind) in ids {
            let err = RequestError::SessionLost(why.clone());
            self.events.push_back(match kind {
                Pending::Call { .. } => SessionEvent::CallDone {
                    request,
                    result: Err(err),
                },
                _ => SessionEvent::RequestDone {
                    request,
                    result: Err(err),
                },
            });
        }
        self.timers.clear();
        self.call_deadline.clear();
        self.forgotten.clear();
        self.invocations.clear();
        self.registrations.clear();
        self.subscriptions.clear();
        self.deadline = None;
        self.join = None;
        self.details = None;
        self.state = SessionState::Closed;
        self.events.push_back(SessionEvent::Left(why));
    }
}

/// The roles and features this client announces in HELLO.
fn client_roles() -> Roles {
    let mut roles = Roles::default();
    roles.set(
        Role::Caller,
        RoleFeatures::with_features([
            feature::CALL_CANCELING,
            feature::CALL_TIMEOUT,
            feature::CALLER_IDENTIFICATION,
            feature::PROGRESSIVE_CALL_RESULTS,
        ]),
    );
    roles.set(
        Role::Callee,
        RoleFeatures::with_features([
            feature::CALL_CANCELING,
            feature::CALL_TIMEOUT,
            feature::CALLER_IDENTIFICATION,
            feature::PATTERN_BASED_REGISTRATION,
            feature::SHARED_REGISTRATION,
            feature::PROGRESSIVE_CALL_RESULTS,
        ]),
    );
    roles.set(
        Role::Publisher,
        RoleFeatures::with_features([
            feature::PUBLISHER_IDENTIFICATION,
            feature::PUBLISHER_EXCLUSION,
            feature::SUBSCRIBER_BLACKWHITE_LISTING,
            feature::EVENT_RETENTION,
        ]),
    );
    roles.set(
        Role::Subscriber,
        RoleFeatures::with_features([
            feature::PUBLISHER_IDENTIFICATION,
            feature::PATTERN_BASED_SUBSCRIPTION,
            feature::EVENT_RETENTION,
        ]),
    );
    roles
}
