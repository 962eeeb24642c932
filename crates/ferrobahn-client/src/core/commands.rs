//! The commands of [`Session`] (group C): each validates its input, queues messages
//! and returns the request ID.

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
use ferrobahn_wamp::{error_uri, Id, MatchPolicy, Payload, Role, SequentialIds, Value};

use super::{client_roles, JoinOptions, Pending, Session, SessionState, Timer};
use crate::error::{ApplicationError, RequestError, UsageError};

impl Session {
    // ---- C: commands ----

    /// Starts joining a realm: queues HELLO.
    ///
    /// # Errors
    /// [`UsageError::WrongState`] unless closed, [`UsageError::InvalidUri`] for the realm;
    /// [`UsageError::ChannelBindingUnavailable`] when
    /// [`JoinOptions::channel_binding_type`] is set but no binding of that type was
    /// filled in (the transport has no TLS); [`UsageError::InvalidOption`] for a
    /// channel binding without cryptosign credentials.
    pub fn join(&mut self, now: Instant, options: JoinOptions) -> Result<(), UsageError> {
        self.expect_state(SessionState::Closed, "join")?;
        validate_uri(&options.realm, self.config.uri_check)?;
        check_channel_binding(&options)?;
        let mut authextra = options.authextra.clone();
        if let Some(pk) = options.credentials.public_key_hex() {
            authextra.insert("pubkey".into(), Value::from(pk));
            if let Some(b) = &options.channel_binding {
                authextra.insert("channel_binding".into(), Value::from(b.kind()));
            }
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
                details: details.into(),
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

    /// Calls a procedure; answers arrive as [`CallProgress`](super::SessionEvent::CallProgress) and
    /// [`CallDone`](super::SessionEvent::CallDone).
    ///
    /// A `timeout` option (milliseconds) is sent to the router and also enforced here;
    /// without it [`default_call_timeout`](super::SessionConfig::default_call_timeout) applies locally.
    ///
    /// # Errors
    /// [`UsageError`] for a bad URI, a wrong state or too many pending requests.
    pub fn call(
        &mut self,
        now: Instant,
        procedure: impl AsRef<str> + Into<String>,
        payload: Payload,
        options: CallOptions,
    ) -> Result<Id, UsageError> {
        self.expect_state(SessionState::Established, "call")?;
        self.check_uri(procedure.as_ref())?;
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
                options: options.into(),
                procedure: procedure.into(),
                payload,
            }
            .into(),
        );
        Ok(request)
    }

    /// Cancels a pending call: queues CANCEL with `mode`. With `kill` and `killnowait`
    /// the call ends with [`CallDone`](super::SessionEvent::CallDone) when the router answers (usually
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
                options: options.into(),
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
    /// [`RequestDone`](super::SessionEvent::RequestDone) for the returned ID; without, nothing follows.
    ///
    /// # Errors
    /// [`UsageError`] for a bad URI, a wrong state, too many pending requests.
    pub fn publish(
        &mut self,
        topic: impl AsRef<str> + Into<String>,
        payload: Payload,
        options: PublishOptions,
    ) -> Result<Id, UsageError> {
        self.expect_state(SessionState::Established, "publish")?;
        self.check_uri(topic.as_ref())?;
        let request = if options.acknowledge == Some(true) {
            self.new_request(Pending::Publish)?
        } else {
            self.ids.next_id()
        };
        self.outgoing.push_back(
            Publish {
                request,
                options: options.into(),
                topic: topic.into(),
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
                }
                .into(),
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
}

/// A channel binding is asked for only with cryptosign, and a binding type taken from
/// the transport must have been filled in (never a silent join without it).
fn check_channel_binding(options: &JoinOptions) -> Result<(), UsageError> {
    if let Some(kind) = options.channel_binding_type {
        match &options.channel_binding {
            None => return Err(UsageError::ChannelBindingUnavailable(kind)),
            Some(b) if b.kind() != kind.as_str() => {
                return Err(UsageError::InvalidOption(format!(
                    "channel binding {:?} given, but {kind:?} asked for",
                    b.kind()
                )))
            }
            Some(_) => {}
        }
    }
    if options.channel_binding.is_some() && options.credentials.public_key_hex().is_none() {
        return Err(UsageError::InvalidOption(format!(
            "channel binding needs cryptosign credentials, not {}",
            options.credentials.method()
        )));
    }
    Ok(())
}
