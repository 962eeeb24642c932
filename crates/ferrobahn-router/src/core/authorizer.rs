//! Dynamic authorization by a WAMP procedure: Crossbar's `authorizer` on a role.
//!
//! When a session's role names an authorizer procedure (and no Rust [`Authorizer`]
//! callback decided first), each CALL, REGISTER, PUBLISH and SUBSCRIBE of that session is
//! held while the router calls the procedure with `(session_details, uri, action,
//! options)`. The answer is `true`/`false` or a dict `{"allow": bool, "disclose": bool}`;
//! an error, any other answer, no callee, or no answer within
//! [`Limits::authorizer_timeout_ms`](crate::config::Limits::authorizer_timeout_ms)
//! denies (`wamp.error.not_authorized`). An allowed message is then handled as if it had
//! just arrived. Held messages of one session may be answered out of order, as in
//! Crossbar.
//!
//! [`Authorizer`]: super::Authorizer

use std::time::{Duration, Instant};

use ferrobahn_wamp::message::{code, Invocation};
use ferrobahn_wamp::{error_uri, Dict, Id, Message, Payload, Value};

use super::authz::{Action, AuthorizeRequest};
use super::{ConnId, Router};
use crate::config::Disclose;

/// A message held for the authorizer's answer.
#[derive(Debug)]
pub(super) struct Pending {
    conn: ConnId,
    msg: Message,
    action: Action,
    uri: String,
    registration: Id,
    callee: ConnId,
    deadline: Instant,
}

/// An authorizer's approval, applied while the held message is handled again.
#[derive(Debug)]
pub(super) struct Approved {
    session: Id,
    action: Action,
    uri: String,
    disclose: Disclose,
}

impl Action {
    /// The action's name as the authorizer procedure gets it.
    fn name(self) -> &'static str {
        match self {
            Action::Call => "call",
            Action::Register => "register",
            Action::Publish => "publish",
            Action::Subscribe => "subscribe",
        }
    }
}

/// The action, URI and options of a message that needs authorization.
fn subject(msg: &Message) -> Option<(Action, &str, Dict)> {
    match msg {
        Message::Call(m) => Some((Action::Call, &m.procedure, m.options.to_dict())),
        Message::Register(m) => Some((Action::Register, &m.procedure, m.options.to_dict())),
        Message::Publish(m) => Some((Action::Publish, &m.topic, m.options.to_dict())),
        Message::Subscribe(m) => Some((Action::Subscribe, &m.topic, m.options.to_dict())),
        _ => None,
    }
}

impl Router {
    /// The approval for `session` doing `action` on `uri`, while a held message is
    /// handled again.
    pub(super) fn approved(&self, session: Id, uri: &str, action: Action) -> Option<Disclose> {
        self.approved
            .as_ref()
            .filter(|a| a.session == session && a.action == action && a.uri == uri)
            .map(|a| a.disclose)
    }

    /// Holds `msg` for the authorizer procedure of its session's role; gives it back when
    /// none applies.
    pub(super) fn hold_for_authorizer(
        &mut self,
        now: Instant,
        conn: ConnId,
        msg: Message,
    ) -> Option<Message> {
        if !self.has_authorizer_roles || self.approved.is_some() {
            return Some(msg);
        }
        let Some(j) = self.joined(conn) else {
            return Some(msg);
        };
        let realm = j.realm;
        let Some(procedure) = self.realms[realm]
            .config
            .roles
            .iter()
            .find(|r| r.name == j.authrole)
            .and_then(|r| r.authorizer.clone())
        else {
            return Some(msg);
        };
        let Some((action, uri, options)) = subject(&msg) else {
            return Some(msg);
        };
        if let Message::Call(c) = &msg {
            // A further chunk of a progressive call was authorized with its first one.
            if self.realms[realm]
                .dealer
                .by_call
                .contains_key(&(conn, c.request))
            {
                return Some(msg);
            }
        }
        if let Some(a) = &self.authorizer {
            let request = AuthorizeRequest {
                realm: &self.realms[realm].config.name,
                session: j.session,
                authid: &j.authid,
                authrole: &j.authrole,
                uri,
                action,
            };
            if a.authorize(&request).is_some() {
                return Some(msg);
            }
        }
        let uri = uri.to_owned();
        let args = vec![
            self.session_info(j),
            Value::from(uri.as_str()),
            Value::from(action.name()),
            Value::Dict(options),
        ];
        let ids = &mut self.ids;
        let dealer = &mut self.realms[realm].dealer;
        let target = dealer
            .best_match(&procedure)
            .and_then(|reg| Some((reg, dealer.pick(reg, || ids.next_id().get())?)));
        let Some((registration, callee)) = target else {
            tracing::warn!(%conn, %procedure, "authorizer procedure not available: denied");
            self.deny(conn, &msg, "the authorizer is not available");
            return None;
        };
        let inv = dealer.next_invocation_id();
        let timeout = Duration::from_millis(self.config.limits.authorizer_timeout_ms.max(1));
        let deadline = now + timeout;
        self.timers.insert((deadline, realm, inv));
        self.authorizing.insert(
            (realm, inv),
            Pending {
                conn,
                msg,
                action,
                uri,
                registration,
                callee,
                deadline,
            },
        );
        self.send(
            callee,
            Message::Invocation(Invocation {
                request: inv,
                registration,
                details: Default::default(),
                payload: Payload::Args(args),
            }),
        );
        None
    }

    /// Takes the held message of invocation `inv` when `callee` is the authorizer asked.
    fn take_pending(&mut self, realm: usize, inv: Id, callee: Option<ConnId>) -> Option<Pending> {
        let p = self.authorizing.get(&(realm, inv))?;
        if callee.is_some_and(|c| c != p.callee) {
            return None;
        }
        let p = self.authorizing.remove(&(realm, inv))?;
        self.timers.remove(&(p.deadline, realm, inv));
        self.realms[realm].dealer.done(p.registration, p.callee);
        Some(p)
    }

    /// The authorizer answered invocation `inv` (`None`: with an ERROR); false when `inv`
    /// is not an authorization.
    pub(super) fn authorizer_answer(
        &mut self,
        now: Instant,
        conn: ConnId,
        realm: usize,
        inv: Id,
        answer: Option<&Payload>,
    ) -> bool {
        let Some(p) = self.take_pending(realm, inv, Some(conn)) else {
            return false;
        };
        let first = answer.and_then(|a| a.args().first());
        let (allow, disclose) = match first {
            Some(Value::Bool(b)) => (*b, false),
            Some(Value::Dict(d)) => (
                d.get("allow").and_then(Value::as_bool) == Some(true),
                d.get("disclose").and_then(Value::as_bool) == Some(true),
            ),
            _ => (false, false),
        };
        if !allow {
            tracing::debug!(conn = %p.conn, uri = %p.uri, action = p.action.name(), "denied by the authorizer");
            self.deny(p.conn, &p.msg, "denied by the authorizer");
            return true;
        }
        let Some(session) = self.session_of(p.conn) else {
            return true;
        };
        self.approved = Some(Approved {
            session,
            action: p.action,
            uri: p.uri,
            disclose: Disclose {
                caller: disclose && p.action == Action::Call,
                publisher: disclose && p.action == Action::Publish,
            },
        });
        self.handle_joined(now, p.conn, p.msg);
        self.approved = None;
        true
    }

    /// The authorizer did not answer invocation `inv` in time; false when `inv` is not an
    /// authorization.
    pub(super) fn authorizer_timed_out(&mut self, realm: usize, inv: Id) -> bool {
        let Some(p) = self.take_pending(realm, inv, None) else {
            return false;
        };
        tracing::warn!(conn = %p.conn, uri = %p.uri, "the authorizer did not answer in time: denied");
        self.deny(p.conn, &p.msg, "the authorizer did not answer in time");
        true
    }

    /// Refuses `msg` with `wamp.error.not_authorized` (a PUBLISH only when acknowledged).
    fn deny(&mut self, conn: ConnId, msg: &Message, why: &str) {
        if self.session_of(conn).is_none() {
            return;
        }
        let (request_type, request) = match msg {
            Message::Call(m) => (code::CALL, m.request),
            Message::Register(m) => (code::REGISTER, m.request),
            Message::Subscribe(m) => (code::SUBSCRIBE, m.request),
            Message::Publish(m) if m.options.acknowledge == Some(true) => {
                (code::PUBLISH, m.request)
            }
            _ => return,
        };
        self.send_error(
            conn,
            request_type,
            request,
            error_uri::NOT_AUTHORIZED,
            Some(why.to_owned()),
        );
    }
}
