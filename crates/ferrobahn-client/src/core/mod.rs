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

mod recv;
#[cfg(test)]
mod tests;
mod types;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use ferrobahn_wamp::message::{
    Call, Cancel, ErrorMessage, Goodbye, Hello, Publish, Register, Subscribe, Unregister,
    Unsubscribe, Yield,
};
use ferrobahn_wamp::options::{
    CallOptions, CancelMode, CancelOptions, CloseDetails, HelloDetails, PublishOptions,
    RegisterOptions, SubscribeOptions, YieldOptions,
};
use ferrobahn_wamp::roles::feature;
use ferrobahn_wamp::uri::{validate_pattern, validate_uri};
use ferrobahn_wamp::{error_uri, Id, Message, Payload, Role, RoleFeatures, Roles, SequentialIds};
use ferrobahn_wamp::{MatchPolicy, Value};

use crate::error::{ApplicationError, RequestError, SessionError, UsageError};

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
    pending: HashMap<Id, Pending>,
    timers: BTreeMap<(Instant, Timer), ()>,
    call_deadline: HashMap<Id, Instant>,
    forgotten: HashMap<Id, Instant>,
    /// Running invocations: request ID -> the caller accepts progressive results.
    invocations: HashMap<Id, bool>,
    registrations: HashSet<Id>,
    subscriptions: HashSet<Id>,
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
            pending: HashMap::new(),
            timers: BTreeMap::new(),
            call_deadline: HashMap::new(),
            forgotten: HashMap::new(),
            invocations: HashMap::new(),
            registrations: HashSet::new(),
            subscriptions: HashSet::new(),
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

    // ---- C: commands ----

    /// Starts joining a realm: queues HELLO.
    ///
    /// # Errors
    /// [`UsageError::WrongState`] unless closed, [`UsageError::InvalidUri`] for the realm.
    pub fn join(&mut self, now: Instant, options: JoinOptions) -> Result<(), UsageError> {
        self.expect_state(SessionState::Closed, "join")?;
        validate_uri(&options.realm, self.config.uri_check)?;
        let mut authextra = options.authextra.clone();
        if let Some(pk) = options.credentials.public_key_hex() {
            authextra.insert("pubkey".into(), Value::from(pk));
        }
        let details = HelloDetails {
            roles: Some(client_roles()),
            authmethods: Some(vec![options.credentials.method().to_owned()]),
            authid: options.authid.clone(),
            authrole: options.authrole.clone(),
            authextra: (!authextra.is_empty()).then_some(authextra),
            agent: Some(self.config.agent.clone()),
            ..Default::default()
        };
        self.outgoing.push_back(
            Hello {
                realm: options.realm.clone(),
                details,
            }
            .into(),
        );
        self.join = Some(options);
        self.state = SessionState::Joining;
        self.deadline = Some(now + self.config.join_timeout);
        self.ids = SequentialIds::new();
        Ok(())
    }

    /// Starts leaving the realm: queues GOODBYE with `reason` (default
    /// `wamp.close.close_realm`).
    ///
    /// # Errors
    /// [`UsageError::WrongState`] unless established.
    pub fn leave(&mut self, now: Instant, reason: Option<&str>) -> Result<(), UsageError> {
        self.expect_state(SessionState::Established, "leave")?;
        let reason = reason.unwrap_or(error_uri::CLOSE_REALM);
        validate_uri(reason, self.config.uri_check)?;
        self.outgoing.push_back(
            Goodbye {
                details: CloseDetails::default(),
                reason: reason.to_owned(),
            }
            .into(),
        );
        self.state = SessionState::Leaving;
        self.deadline = Some(now + self.config.leave_timeout);
        Ok(())
    }

    /// Calls a procedure; answers arrive as [`SessionEvent::CallProgress`] and
    /// [`SessionEvent::CallDone`].
    ///
    /// A `timeout` option (milliseconds) is sent to the router and also enforced here;
    /// without it [`SessionConfig::default_call_timeout`] applies locally.
    ///
    /// # Errors
    /// [`UsageError`] for a bad URI, a wrong state or too many pending requests.
    pub fn call(
        &mut self,
        now: Instant,
        procedure: &str,
        payload: Payload,
        options: CallOptions,
    ) -> Result<Id, UsageError> {
        self.expect_state(SessionState::Established, "call")?;
        validate_uri(procedure, self.config.uri_check)?;
        if options.progress == Some(true) {
            return Err(UsageError::InvalidOption(
                "progressive call invocations are not supported".into(),
            ));
        }
        let timeout = match options.timeout {
            Some(0) => None,
            Some(ms) => Some(Duration::from_millis(ms)),
            None => self.config.default_call_timeout,
        };
        let receive_progress = options.receive_progress == Some(true);
        let request = self.new_request(Pending::Call { receive_progress })?;
        if let Some(t) = timeout {
            let at = now + t;
            self.timers.insert((at, Timer::Call(request)), ());
            self.call_deadline.insert(request, at);
        }
        self.outgoing.push_back(
            Call {
                request,
                options,
                procedure: procedure.to_owned(),
                payload,
            }
            .into(),
        );
        Ok(request)
    }

    /// Cancels a pending call: queues CANCEL with `mode`. With `kill` and `killnowait`
    /// the call ends with [`SessionEvent::CallDone`] when the router answers (usually
    /// `wamp.error.canceled`). With `skip` it ends at once with
    /// [`RequestError::Canceled`] and a late answer is dropped: `skip` leaves the callee
    /// running, and Crossbar sends the caller nothing in that mode.
    ///
    /// # Errors
    /// [`UsageError::Unknown`] if `request` is no pending call,
    /// [`UsageError::NotSupported`] if the router does not announce call canceling.
    pub fn cancel(
        &mut self,
        now: Instant,
        request: Id,
        mode: CancelMode,
    ) -> Result<(), UsageError> {
        if !matches!(self.pending.get(&request), Some(Pending::Call { .. })) {
            return Err(UsageError::Unknown("call", request.get()));
        }
        if !self.router_has(Role::Dealer, feature::CALL_CANCELING) {
            return Err(UsageError::NotSupported("call canceling"));
        }
        self.outgoing.push_back(
            Cancel {
                request,
                options: CancelOptions {
                    mode: Some(mode),
                    ..Default::default()
                },
            }
            .into(),
        );
        if mode == CancelMode::Skip {
            self.forget_call(now, request, RequestError::Canceled);
        }
        Ok(())
    }

    /// Registers a procedure (or a prefix/wildcard pattern, per `options.match_policy`).
    ///
    /// # Errors
    /// [`UsageError`] for a bad URI or pattern, a wrong state, too many pending requests.
    pub fn register(
        &mut self,
        procedure: &str,
        options: RegisterOptions,
    ) -> Result<Id, UsageError> {
        self.expect_state(SessionState::Established, "register")?;
        let policy = options.match_policy.unwrap_or(MatchPolicy::Exact);
        validate_pattern(procedure, policy, self.config.uri_check)?;
        if options.concurrency == Some(0) {
            return Err(UsageError::InvalidOption("concurrency must be >= 1".into()));
        }
        let request = self.new_request(Pending::Register)?;
        self.outgoing.push_back(
            Register {
                request,
                options,
                procedure: procedure.to_owned(),
            }
            .into(),
        );
        Ok(request)
    }

    /// Unregisters.
    ///
    /// # Errors
    /// [`UsageError::Unknown`] for a registration we do not hold; state and limit errors.
    pub fn unregister(&mut self, registration: Id) -> Result<Id, UsageError> {
        self.expect_state(SessionState::Established, "unregister")?;
        if !self.registrations.contains(&registration) {
            return Err(UsageError::Unknown("registration", registration.get()));
        }
        let request = self.new_request(Pending::Unregister(registration))?;
        self.outgoing.push_back(
            Unregister {
                request,
                registration,
                options: None,
            }
            .into(),
        );
        Ok(request)
    }

    /// Subscribes to a topic (or a prefix/wildcard pattern, per `options.match_policy`).
    ///
    /// # Errors
    /// [`UsageError`] for a bad URI or pattern, a wrong state, too many pending requests.
    pub fn subscribe(&mut self, topic: &str, options: SubscribeOptions) -> Result<Id, UsageError> {
        self.expect_state(SessionState::Established, "subscribe")?;
        let policy = options.match_policy.unwrap_or(MatchPolicy::Exact);
        validate_pattern(topic, policy, self.config.uri_check)?;
        let request = self.new_request(Pending::Subscribe)?;
        self.outgoing.push_back(
            Subscribe {
                request,
                options,
                topic: topic.to_owned(),
            }
            .into(),
        );
        Ok(request)
    }

    /// Unsubscribes.
    ///
    /// # Errors
    /// [`UsageError::Unknown`] for a subscription we do not hold; state and limit errors.
    pub fn unsubscribe(&mut self, subscription: Id) -> Result<Id, UsageError> {
        self.expect_state(SessionState::Established, "unsubscribe")?;
        if !self.subscriptions.contains(&subscription) {
            return Err(UsageError::Unknown("subscription", subscription.get()));
        }
        let request = self.new_request(Pending::Unsubscribe(subscription))?;
        self.outgoing.push_back(
            Unsubscribe {
                request,
                subscription,
                options: None,
            }
            .into(),
        );
        Ok(request)
    }

    /// Publishes an event. With `acknowledge` the outcome arrives as
    /// [`SessionEvent::RequestDone`] for the returned ID; without, nothing follows.
    ///
    /// # Errors
    /// [`UsageError`] for a bad URI, a wrong state, too many pending requests.
    pub fn publish(
        &mut self,
        topic: &str,
        payload: Payload,
        options: PublishOptions,
    ) -> Result<Id, UsageError> {
        self.expect_state(SessionState::Established, "publish")?;
        validate_uri(topic, self.config.uri_check)?;
        let request = if options.acknowledge == Some(true) {
            self.new_request(Pending::Publish)?
        } else {
            self.ids.next_id()
        };
        self.outgoing.push_back(
            Publish {
                request,
                options,
                topic: topic.to_owned(),
                payload,
            }
            .into(),
        );
        Ok(request)
    }

    /// Answers an invocation with a (final or, with `progress`, progressive) result.
    ///
    /// # Errors
    /// [`UsageError::Unknown`] when the invocation is not running (answered, or
    /// interrupted with `killnowait`); [`UsageError::InvalidOption`] for a progressive
    /// result the caller did not ask for.
    pub fn yield_result(
        &mut self,
        request: Id,
        payload: Payload,
        progress: bool,
    ) -> Result<(), UsageError> {
        let Some(&receive_progress) = self.invocations.get(&request) else {
            return Err(UsageError::Unknown("invocation", request.get()));
        };
        if progress && !receive_progress {
            return Err(UsageError::InvalidOption(
                "the caller did not ask for progressive results".into(),
            ));
        }
        if !progress {
            self.invocations.remove(&request);
        }
        self.outgoing.push_back(
            Yield {
                request,
                options: YieldOptions {
                    progress: progress.then_some(true),
                    ..Default::default()
                },
                payload,
            }
            .into(),
        );
        Ok(())
    }

    /// Answers an invocation with an error.
    ///
    /// # Errors
    /// [`UsageError::Unknown`] when the invocation is not running.
    pub fn yield_error(&mut self, request: Id, error: &ApplicationError) -> Result<(), UsageError> {
        if self.invocations.remove(&request).is_none() {
            return Err(UsageError::Unknown("invocation", request.get()));
        }
        let uri = if validate_uri(&error.error, self.config.uri_check).is_ok() {
            error.error.clone()
        } else {
            tracing::warn!(uri = %error.error, "invalid error URI from a procedure");
            ferrobahn_wamp::error_uri::INVALID_ARGUMENT.to_owned()
        };
        self.outgoing.push_back(
            ErrorMessage {
                request_type: ferrobahn_wamp::message::code::INVOCATION,
                request,
                details: Default::default(),
                error: uri,
                payload: error.payload(),
            }
            .into(),
        );
        Ok(())
    }

    // ---- internals ----

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
