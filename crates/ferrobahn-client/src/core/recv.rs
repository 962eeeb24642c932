//! [`Session::handle_message`]: what the router sends.

use std::time::Instant;

use ferrobahn_wamp::message::{code, Authenticate, ErrorMessage, Goodbye};
use ferrobahn_wamp::options::{CancelMode, CloseDetails};
use ferrobahn_wamp::{error_uri, Id, Message};

use super::{Ack, CallResult, EventData, InvocationData};
use super::{Pending, Session, SessionDetails, SessionEvent, SessionState};
use crate::error::{split_payload, ApplicationError, RequestError, SessionError};

impl Session {
    /// Handles one message from the router.
    ///
    /// A message that breaks the protocol (wrong state, unknown request, an answer of
    /// the wrong kind) aborts the session with `wamp.error.protocol_violation`: ABORT is
    /// queued and [`SessionEvent::Left`] reports [`SessionError::Protocol`]; the shell
    /// should then close the transport.
    pub fn handle_message(&mut self, now: Instant, msg: Message) {
        let _ = now;
        match self.state {
            SessionState::Closed => {
                tracing::debug!(message = msg.name(), "message without a session dropped");
            }
            SessionState::Joining => self.handle_joining(msg),
            SessionState::Established | SessionState::Leaving => self.handle_established(msg),
        }
    }

    /// A peer protocol violation: ABORT and close.
    pub(crate) fn violation(&mut self, what: String) {
        tracing::warn!(%what, "WAMP protocol violation by the router");
        if self.state != SessionState::Closed {
            self.abort(error_uri::PROTOCOL_VIOLATION, &what);
            self.close(SessionError::Protocol(what));
        }
    }

    fn handle_joining(&mut self, msg: Message) {
        match msg {
            Message::Welcome(w) => {
                let d = w.details.into_inner();
                let realm = self.join.take().map(|j| j.realm).unwrap_or_default();
                let details = SessionDetails {
                    session: w.session,
                    realm: d.realm.unwrap_or(realm),
                    authid: d.authid,
                    authrole: d.authrole,
                    authmethod: d.authmethod,
                    router_roles: d.roles.unwrap_or_default(),
                    router_agent: d.agent,
                };
                self.details = Some(details.clone());
                self.state = SessionState::Established;
                self.deadline = None;
                self.events
                    .push_back(SessionEvent::Joined(Box::new(details)));
            }
            Message::Abort(a) => self.close(SessionError::Aborted {
                reason: a.reason,
                message: a.details.message,
            }),
            Message::Challenge(c) => {
                let answer = match &self.join {
                    Some(j) => {
                        j.credentials
                            .answer_bound(&c.method, &c.extra, j.channel_binding.as_ref())
                    }
                    None => Err(crate::auth::AuthError::UnexpectedMethod(c.method.clone())),
                };
                match answer {
                    Ok(signature) => self.outgoing.push_back(
                        Authenticate {
                            signature,
                            extra: Default::default(),
                        }
                        .into(),
                    ),
                    Err(e) => {
                        self.abort("wamp.error.cannot_authenticate", &e.to_string());
                        self.close(SessionError::Auth(e.to_string()));
                    }
                }
            }
            other => self.violation(format!("{} while joining", other.name())),
        }
    }

    fn handle_established(&mut self, msg: Message) {
        match msg {
            Message::Goodbye(g) => {
                if self.state == SessionState::Established {
                    self.outgoing.push_back(
                        Goodbye {
                            details: CloseDetails::default(),
                            reason: error_uri::GOODBYE_AND_OUT.to_owned(),
                        }
                        .into(),
                    );
                    self.close(SessionError::ClosedByRouter(g.reason));
                } else {
                    self.close(SessionError::Left(g.reason));
                }
            }
            Message::Abort(a) => self.close(SessionError::Aborted {
                reason: a.reason,
                message: a.details.message,
            }),
            Message::Result(r) => {
                let Some(&Pending::Call { receive_progress }) = self.pending.get(&r.request) else {
                    return self.unexpected_answer("RESULT", r.request);
                };
                let progress = r.details.progress == Some(true);
                let (args, kwargs) = split_payload(r.payload);
                let result = CallResult {
                    args,
                    kwargs,
                    details: r.details,
                };
                if progress {
                    if !receive_progress {
                        return self.violation("progressive RESULT not asked for".into());
                    }
                    self.events.push_back(SessionEvent::CallProgress {
                        request: r.request,
                        result,
                    });
                } else {
                    self.pending.remove(&r.request);
                    self.clear_call_timer(r.request);
                    self.events.push_back(SessionEvent::CallDone {
                        request: r.request,
                        result: Ok(result),
                    });
                }
            }
            Message::Error(e) => self.handle_error(e),
            Message::Registered(r) => self.ack(
                r.request,
                Pending::Register,
                Ack::Registered(r.registration),
            ),
            Message::Subscribed(s) => self.ack(
                s.request,
                Pending::Subscribe,
                Ack::Subscribed(s.subscription),
            ),
            Message::Published(p) => {
                self.ack(p.request, Pending::Publish, Ack::Published(p.publication))
            }
            Message::Unregistered(u) if u.request == Id::ZERO => {
                let d = u.details.unwrap_or_default();
                let Some(registration) = d.registration else {
                    return self.violation("UNREGISTERED revocation without registration".into());
                };
                if self.registrations.remove(&registration) {
                    self.events.push_back(SessionEvent::RegistrationRevoked {
                        registration,
                        reason: d.reason,
                    });
                }
            }
            Message::Unregistered(u) => match self.pending.get(&u.request) {
                Some(&Pending::Unregister(reg)) => {
                    self.ack(u.request, Pending::Unregister(reg), Ack::Unregistered)
                }
                _ => self.unexpected_answer("UNREGISTERED", u.request),
            },
            Message::Unsubscribed(u) if u.request == Id::ZERO => {
                let d = u.details.unwrap_or_default();
                let Some(subscription) = d.subscription else {
                    return self.violation("UNSUBSCRIBED revocation without subscription".into());
                };
                if self.subscriptions.remove(&subscription) {
                    self.events.push_back(SessionEvent::SubscriptionRevoked {
                        subscription,
                        reason: d.reason,
                    });
                }
            }
            Message::Unsubscribed(u) => match self.pending.get(&u.request) {
                Some(&Pending::Unsubscribe(sub)) => {
                    self.ack(u.request, Pending::Unsubscribe(sub), Ack::Unsubscribed)
                }
                _ => self.unexpected_answer("UNSUBSCRIBED", u.request),
            },
            Message::Event(e) => {
                if !self.subscriptions.contains(&e.subscription) {
                    // Events may race an UNSUBSCRIBE; drop them.
                    tracing::debug!(subscription = %e.subscription, "EVENT for no subscription");
                    return;
                }
                let (args, kwargs) = split_payload(e.payload);
                self.events.push_back(SessionEvent::Event(EventData {
                    subscription: e.subscription,
                    publication: e.publication,
                    args,
                    kwargs,
                    details: e.details,
                }));
            }
            Message::Invocation(i) => self.handle_invocation(i),
            Message::Interrupt(i) => {
                if !self.invocations.contains_key(&i.request) {
                    // Already answered: the interrupt crossed our YIELD.
                    return;
                }
                let mode = i.options.mode.unwrap_or(CancelMode::Kill);
                if mode == CancelMode::KillNoWait {
                    self.invocations.remove(&i.request);
                }
                self.events.push_back(SessionEvent::Interrupt {
                    request: i.request,
                    mode,
                });
            }
            other => self.violation(format!("unexpected {} in a session", other.name())),
        }
    }

    fn handle_invocation(&mut self, i: ferrobahn_wamp::message::Invocation) {
        if !self.registrations.contains(&i.registration) {
            // The registration may have just been unregistered.
            self.outgoing
                .push_back(invocation_error(i.request, error_uri::NO_SUCH_REGISTRATION));
            return;
        }
        if self.invocations.contains_key(&i.request) {
            return self.violation(format!("INVOCATION reuses request {}", i.request));
        }
        if self.invocations.len() >= self.config.max_pending_invocations {
            tracing::warn!(request = %i.request, "too many running invocations");
            self.outgoing
                .push_back(invocation_error(i.request, error_uri::UNAVAILABLE));
            return;
        }
        let receive_progress = i.details.receive_progress == Some(true);
        self.invocations.insert(i.request, receive_progress);
        let (args, kwargs) = split_payload(i.payload);
        self.events
            .push_back(SessionEvent::Invocation(InvocationData {
                request: i.request,
                registration: i.registration,
                args,
                kwargs,
                details: i.details,
            }));
    }

    fn handle_error(&mut self, e: ErrorMessage) {
        let expected = match self.pending.get(&e.request) {
            Some(Pending::Call { .. }) => code::CALL,
            Some(Pending::Register) => code::REGISTER,
            Some(Pending::Unregister(_)) => code::UNREGISTER,
            Some(Pending::Subscribe) => code::SUBSCRIBE,
            Some(Pending::Unsubscribe(_)) => code::UNSUBSCRIBE,
            Some(Pending::Publish) => code::PUBLISH,
            None => return self.unexpected_answer("ERROR", e.request),
        };
        if e.request_type != expected {
            return self.violation(format!(
                "ERROR for request {} names type {} (expected {expected})",
                e.request, e.request_type
            ));
        }
        let kind = self.pending.remove(&e.request);
        let err = RequestError::Application(ApplicationError::with_payload(e.error, e.payload));
        if let Some(Pending::Call { .. }) = kind {
            self.clear_call_timer(e.request);
            self.events.push_back(SessionEvent::CallDone {
                request: e.request,
                result: Err(err),
            });
        } else {
            self.events.push_back(SessionEvent::RequestDone {
                request: e.request,
                result: Err(err),
            });
        }
    }

    /// Completes a pending non-call request of kind `want`.
    fn ack(&mut self, request: Id, want: Pending, ack: Ack) {
        if self.pending.get(&request) != Some(&want) {
            return self.unexpected_answer(ack_name(ack), request);
        }
        self.pending.remove(&request);
        match ack {
            Ack::Registered(id) => {
                self.registrations.insert(id);
            }
            Ack::Subscribed(id) => {
                self.subscriptions.insert(id);
            }
            Ack::Unregistered | Ack::Unsubscribed | Ack::Published(_) => {}
        }
        if let Pending::Unregister(id) = want {
            self.registrations.remove(&id);
        }
        if let Pending::Unsubscribe(id) = want {
            self.subscriptions.remove(&id);
        }
        self.events.push_back(SessionEvent::RequestDone {
            request,
            result: Ok(ack),
        });
    }

    /// An answer to no pending request: dropped if the request timed out locally,
    /// a protocol violation otherwise.
    fn unexpected_answer(&mut self, what: &str, request: Id) {
        if self.forgotten.contains_key(&request) {
            tracing::debug!(%request, what, "late answer to a timed-out call dropped");
            return;
        }
        self.violation(format!("{what} for unknown request {request}"));
    }
}

fn ack_name(ack: Ack) -> &'static str {
    match ack {
        Ack::Registered(_) => "REGISTERED",
        Ack::Unregistered => "UNREGISTERED",
        Ack::Subscribed(_) => "SUBSCRIBED",
        Ack::Unsubscribed => "UNSUBSCRIBED",
        Ack::Published(_) => "PUBLISHED",
    }
}

fn invocation_error(request: Id, uri: &str) -> Message {
    ErrorMessage {
        request_type: code::INVOCATION,
        request,
        details: Default::default(),
        error: uri.to_owned(),
        payload: Default::default(),
    }
    .into()
}
