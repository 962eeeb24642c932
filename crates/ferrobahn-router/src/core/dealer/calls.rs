//! Calls in flight: CALL, progressive chunks, YIELD, ERROR, CANCEL, timeouts, and
//! cleaning up after a leaving session.

use std::collections::hash_map::Entry;
use std::time::{Duration, Instant};

use ferrobahn_wamp::message::{
    code, Call, Cancel, ErrorMessage, Interrupt, Invocation, ResultMessage, Yield,
};
use ferrobahn_wamp::options::{CancelMode, InterruptOptions, InvocationDetails, ResultDetails};
use ferrobahn_wamp::{error_uri, Id, MatchPolicy, Message};

use super::InFlight;
use crate::core::authz;
use crate::core::session::Joined;
use crate::core::{ConnId, Router};

impl Router {
    pub(in crate::core) fn call(&mut self, now: Instant, conn: ConnId, m: Call) {
        let Some(j) = self.joined(conn) else { return };
        let realm = j.realm;
        // A further chunk of a progressive invocation.
        if let Some(&inv) = self.realms[realm].dealer.by_call.get(&(conn, m.request)) {
            return self.call_chunk(realm, inv, m);
        }
        if m.procedure.starts_with("wamp.") {
            return self.meta_call(now, conn, m);
        }
        let Some(rule) = self.authorize(j, &m.procedure, authz::Action::Call) else {
            let msg = format!("not authorized to call {:?}", m.procedure);
            return self.send_error(
                conn,
                code::CALL,
                m.request,
                error_uri::NOT_AUTHORIZED,
                Some(msg),
            );
        };
        let disclose = rule.caller || m.options.disclose_me == Some(true);
        // Cloned only for disclosure (two allocations per call otherwise).
        let identity = disclose.then(|| (j.session, j.authid.clone(), j.authrole.clone()));
        let ids = &mut self.ids;
        let dealer = &mut self.realms[realm].dealer;
        let Some(reg_id) = dealer.best_match(&m.procedure) else {
            let msg = format!("no callee registered for {:?}", m.procedure);
            return self.send_error(
                conn,
                code::CALL,
                m.request,
                error_uri::NO_SUCH_PROCEDURE,
                Some(msg),
            );
        };
        let Some(callee) = dealer.pick(reg_id, || ids.next_id().get()) else {
            let msg = format!(
                "every callee of {:?} is at its concurrency limit",
                m.procedure
            );
            return self.send_error(
                conn,
                code::CALL,
                m.request,
                super::MAX_CONCURRENCY_REACHED,
                Some(msg),
            );
        };
        let Some(reg) = dealer.regs.get(&reg_id) else {
            return;
        };
        let registration = reg.id;
        let procedure = (reg.policy != MatchPolicy::Exact).then(|| m.procedure.clone());
        let streaming = m.options.progress == Some(true);
        let callee_streams = self
            .joined(callee)
            .is_some_and(|c| c.features.callee_progressive_invocations);
        if streaming && !callee_streams {
            self.realms[realm].dealer.done(registration, callee);
            let msg = "the callee does not accept progressive invocations".to_owned();
            return self.send_error(
                conn,
                code::CALL,
                m.request,
                error_uri::FEATURE_NOT_SUPPORTED,
                Some(msg),
            );
        }
        let mut details = InvocationDetails {
            procedure,
            receive_progress: m.options.receive_progress.filter(|p| *p),
            progress: m.options.progress.filter(|p| *p),
            ..InvocationDetails::default()
        };
        if let Some((session, authid, authrole)) = identity {
            details.caller = Some(session);
            details.caller_authid = Some(authid);
            details.caller_authrole = Some(authrole);
        }
        let deadline = m
            .options
            .timeout
            .filter(|t| *t > 0)
            .map(|t| now + Duration::from_millis(t));
        let dealer = &mut self.realms[realm].dealer;
        let inv = dealer.next_invocation_id();
        dealer.inflight.insert(
            inv,
            InFlight {
                caller: conn,
                call_request: m.request,
                callee,
                registration,
                receive_progress: m.options.receive_progress == Some(true),
                deadline,
                streaming,
                answered: false,
            },
        );
        dealer.by_call.insert((conn, m.request), inv);
        if let Some(d) = deadline {
            self.timers.insert((d, realm, inv));
        }
        let msg = Invocation {
            request: inv,
            registration,
            details: details.into(),
            payload: m.payload,
        };
        self.send(callee, Message::Invocation(msg));
    }

    /// A further CALL with the request ID of a call in flight: the next progressive
    /// invocation chunk.
    fn call_chunk(&mut self, realm: usize, inv: Id, m: Call) {
        let dealer = &mut self.realms[realm].dealer;
        let Some(f) = dealer.inflight.get_mut(&inv) else {
            return;
        };
        if !f.streaming {
            tracing::debug!(request = %m.request, "CALL reusing the request ID of a call in flight ignored");
            return;
        }
        f.streaming = m.options.progress == Some(true);
        let (callee, registration) = (f.callee, f.registration);
        let details = InvocationDetails {
            progress: m.options.progress.filter(|p| *p),
            ..InvocationDetails::default()
        };
        let msg = Invocation {
            request: inv,
            registration,
            details: details.into(),
            payload: m.payload,
        };
        self.send(callee, Message::Invocation(msg));
    }

    /// Ends a call in flight: forgets it and its deadline.
    fn finish(&mut self, realm: usize, inv: Id) -> Option<InFlight> {
        let dealer = &mut self.realms[realm].dealer;
        let f = dealer.inflight.remove(&inv)?;
        dealer.done(f.registration, f.callee);
        // One hash of the peer-chosen key (SipHash) instead of a get and a remove.
        if let Entry::Occupied(e) = dealer.by_call.entry((f.caller, f.call_request)) {
            if *e.get() == inv {
                e.remove();
            }
        }
        if let Some(d) = f.deadline {
            self.timers.remove(&(d, realm, inv));
        }
        Some(f)
    }

    pub(in crate::core) fn yield_(&mut self, now: Instant, conn: ConnId, m: Yield) {
        let _ = now;
        let Some(realm) = self.joined(conn).map(|j| j.realm) else {
            return;
        };
        if m.options.progress != Some(true)
            && self.authorizer_answer(now, conn, realm, m.request, Some(&m.payload))
        {
            return;
        }
        let Some(f) = self.realms[realm].dealer.inflight.get(&m.request) else {
            tracing::debug!(%conn, request = %m.request, "YIELD for no call in flight ignored");
            return;
        };
        if f.callee != conn {
            tracing::debug!(%conn, request = %m.request, "YIELD from a session that is not the callee ignored");
            return;
        }
        let progress = m.options.progress == Some(true);
        if progress {
            if f.receive_progress && !f.answered {
                let (caller, request) = (f.caller, f.call_request);
                let details = ResultDetails {
                    progress: Some(true),
                    ..ResultDetails::default()
                };
                self.send(
                    caller,
                    Message::Result(ResultMessage {
                        request,
                        details: details.into(),
                        payload: m.payload,
                    }),
                );
            }
            return;
        }
        let Some(f) = self.finish(realm, m.request) else {
            return;
        };
        if !f.answered {
            let msg = ResultMessage {
                request: f.call_request,
                details: Default::default(),
                payload: m.payload,
            };
            self.send(f.caller, Message::Result(msg));
        }
    }

    pub(in crate::core) fn invocation_error(
        &mut self,
        now: Instant,
        conn: ConnId,
        m: ErrorMessage,
    ) {
        let _ = now;
        let Some(realm) = self.joined(conn).map(|j| j.realm) else {
            return;
        };
        if self.authorizer_answer(now, conn, realm, m.request, None) {
            return;
        }
        if self.realms[realm]
            .dealer
            .inflight
            .get(&m.request)
            .is_none_or(|f| f.callee != conn)
        {
            tracing::debug!(%conn, request = %m.request, "ERROR for no invocation of this callee ignored");
            return;
        }
        let Some(f) = self.finish(realm, m.request) else {
            return;
        };
        if !f.answered {
            let err = ErrorMessage {
                request_type: code::CALL,
                request: f.call_request,
                ..m
            };
            self.send(f.caller, Message::Error(err));
        }
    }

    pub(in crate::core) fn cancel(&mut self, now: Instant, conn: ConnId, m: Cancel) {
        let _ = now;
        let Some(realm) = self.joined(conn).map(|j| j.realm) else {
            return;
        };
        let Some(&inv) = self.realms[realm].dealer.by_call.get(&(conn, m.request)) else {
            tracing::debug!(%conn, request = %m.request, "CANCEL for no call in flight ignored");
            return;
        };
        let Some(f) = self.realms[realm].dealer.inflight.get(&inv) else {
            return;
        };
        let callee = f.callee;
        let canceling = self
            .joined(callee)
            .is_some_and(|c| c.features.callee_canceling);
        let mode = match m.options.mode.unwrap_or(CancelMode::KillNoWait) {
            _ if !canceling => CancelMode::Skip,
            mode => mode,
        };
        if mode != CancelMode::Skip {
            self.interrupt(callee, inv, mode);
        }
        match mode {
            CancelMode::Kill => {}
            CancelMode::KillNoWait => {
                self.finish(realm, inv);
                self.send_error(
                    conn,
                    code::CALL,
                    m.request,
                    error_uri::CANCELED,
                    Some("call canceled".into()),
                );
            }
            CancelMode::Skip => {
                let dealer = &mut self.realms[realm].dealer;
                dealer.by_call.remove(&(conn, m.request));
                if let Some(f) = dealer.inflight.get_mut(&inv) {
                    f.answered = true;
                }
                self.send_error(
                    conn,
                    code::CALL,
                    m.request,
                    error_uri::CANCELED,
                    Some("call canceled".into()),
                );
            }
        }
    }

    fn interrupt(&mut self, callee: ConnId, inv: Id, mode: CancelMode) {
        let options = InterruptOptions {
            mode: Some(mode),
            ..InterruptOptions::default()
        };
        self.send(
            callee,
            Message::Interrupt(Interrupt {
                request: inv,
                options,
            }),
        );
    }

    /// A call's timeout fell due: interrupt the callee, answer the caller.
    pub(in crate::core) fn call_timed_out(&mut self, now: Instant, realm: usize, inv: Id) {
        let _ = now;
        if self.authorizer_timed_out(realm, inv) {
            return;
        }
        let Some(f) = self.finish(realm, inv) else {
            return;
        };
        if self
            .joined(f.callee)
            .is_some_and(|c| c.features.callee_canceling)
        {
            self.interrupt(f.callee, inv, CancelMode::KillNoWait);
        }
        if !f.answered {
            self.send_error(
                f.caller,
                code::CALL,
                f.call_request,
                error_uri::CANCELED,
                Some("timeout reached".into()),
            );
        }
    }

    /// A session leaves: its registrations go; its calls as caller are interrupted, its
    /// invocations as callee answered with `wamp.error.canceled`.
    pub(in crate::core) fn dealer_leave(&mut self, now: Instant, conn: ConnId, j: &Joined) {
        let realm = j.realm;
        for &id in &j.registrations {
            let (_, deleted) = self.realms[realm].dealer.remove_callee(id, conn);
            self.registration_gone(now, realm, j.session, id, deleted);
        }
        let affected: Vec<Id> = self.realms[realm]
            .dealer
            .inflight
            .iter()
            .filter(|(_, f)| f.caller == conn || f.callee == conn)
            .map(|(id, _)| *id)
            .collect();
        for inv in affected {
            let Some(f) = self.finish(realm, inv) else {
                continue;
            };
            if f.callee == conn {
                if !f.answered && f.caller != conn {
                    self.send_error(
                        f.caller,
                        code::CALL,
                        f.call_request,
                        error_uri::CANCELED,
                        Some("callee disconnected".into()),
                    );
                }
            } else if self
                .joined(f.callee)
                .is_some_and(|c| c.features.callee_canceling)
            {
                self.interrupt(f.callee, inv, CancelMode::KillNoWait);
            }
        }
    }
}
