//! Session lifecycle: HELLO, authentication, WELCOME, GOODBYE, leaving a realm, and the
//! dispatch of a joined session's messages.

use std::time::Instant;

use ferrobahn_wamp::message::{code, Goodbye, Welcome};
use ferrobahn_wamp::options::{CloseDetails, WelcomeDetails};
use ferrobahn_wamp::roles::{feature, RoleFeatures};
use ferrobahn_wamp::{error_uri, Id, Message, Role, Roles};

use super::auth::{AuthOutcome, Pending};
use super::meta::Testament;
use super::{ConnId, Router, TransportInfo};

/// A connection's protocol state.
#[derive(Debug)]
pub(crate) enum ConnState {
    /// Attached, waiting for HELLO (also after a GOODBYE exchange).
    Idle(Box<TransportInfo>),
    /// CHALLENGE sent, waiting for AUTHENTICATE.
    Challenged(Box<Pending>),
    /// In a realm.
    Joined(Box<Joined>),
}

/// What the client announced that the router acts on.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ClientFeatures {
    /// The callee handles INTERRUPT.
    pub(crate) callee_canceling: bool,
    /// The callee accepts progressive invocations.
    pub(crate) callee_progressive_invocations: bool,
}

/// A joined session.
#[derive(Debug)]
pub(crate) struct Joined {
    pub(crate) session: Id,
    pub(crate) realm: usize,
    pub(crate) authid: String,
    pub(crate) authrole: String,
    pub(crate) authmethod: String,
    pub(crate) authprovider: String,
    pub(crate) info: TransportInfo,
    pub(crate) features: ClientFeatures,
    pub(crate) testaments: Vec<Testament>,
    /// Subscriptions this session is in (so leaving costs what it holds, not what the
    /// realm holds).
    pub(crate) subscriptions: Vec<Id>,
    /// Registrations this session is a callee of.
    pub(crate) registrations: Vec<Id>,
}

/// The features this router implements, as announced in WELCOME.
pub(crate) fn router_roles() -> Roles {
    let mut roles = Roles::default();
    roles.set(
        Role::Broker,
        RoleFeatures::with_features([
            feature::PUBLISHER_IDENTIFICATION,
            feature::PUBLISHER_EXCLUSION,
            feature::SUBSCRIBER_BLACKWHITE_LISTING,
            feature::PATTERN_BASED_SUBSCRIPTION,
            feature::EVENT_RETENTION,
            feature::SESSION_META_API,
            feature::SUBSCRIPTION_META_API,
        ]),
    );
    roles.set(
        Role::Dealer,
        RoleFeatures::with_features([
            feature::CALLER_IDENTIFICATION,
            feature::PATTERN_BASED_REGISTRATION,
            feature::SHARED_REGISTRATION,
            feature::PROGRESSIVE_CALL_RESULTS,
            feature::PROGRESSIVE_CALL_INVOCATIONS,
            feature::CALL_CANCELING,
            feature::CALL_TIMEOUT,
            feature::SESSION_META_API,
            feature::REGISTRATION_META_API,
            feature::TESTAMENT_META_API,
        ]),
    );
    roles
}

fn client_features(roles: &Roles) -> ClientFeatures {
    let callee = roles.get(Role::Callee);
    ClientFeatures {
        callee_canceling: callee.is_some_and(|c| c.has(feature::CALL_CANCELING)),
        callee_progressive_invocations: callee
            .is_some_and(|c| c.has(feature::PROGRESSIVE_CALL_INVOCATIONS)),
    }
}

impl Router {
    pub(super) fn handle_idle(&mut self, now: Instant, conn: ConnId, msg: Message) {
        let Message::Hello(hello) = msg else {
            let m = format!("{} before HELLO", msg.name());
            return self.abort(now, conn, error_uri::PROTOCOL_VIOLATION, &m);
        };
        let realm = match self.realm_index.get(&hello.realm) {
            Some(&r) => r,
            None if self.config.auto_create_realms => {
                self.add_realm(crate::config::RealmConfig::permissive(&hello.realm))
            }
            None => {
                let m = format!("no realm {:?}", hello.realm);
                return self.abort(now, conn, error_uri::NO_SUCH_REALM, &m);
            }
        };
        let Some(ConnState::Idle(info)) = self.conns.remove(&conn) else {
            return;
        };
        let outcome = super::auth::start(
            &self.realms[realm].config,
            realm,
            hello,
            *info,
            &mut self.ids,
            &mut self.secret_rng,
        );
        self.auth_outcome(now, conn, outcome);
    }

    pub(super) fn handle_challenged(&mut self, now: Instant, conn: ConnId, msg: Message) {
        let Message::Authenticate(a) = msg else {
            let m = format!("{} while authenticating", msg.name());
            return self.abort(now, conn, error_uri::PROTOCOL_VIOLATION, &m);
        };
        let Some(ConnState::Challenged(pending)) = self.conns.remove(&conn) else {
            return;
        };
        let realm = pending.realm;
        let outcome = super::auth::finish(&self.realms[realm].config, *pending, &a);
        self.auth_outcome(now, conn, outcome);
    }

    fn auth_outcome(&mut self, now: Instant, conn: ConnId, outcome: AuthOutcome) {
        match outcome {
            AuthOutcome::Challenge(pending, challenge) => {
                self.conns.insert(conn, ConnState::Challenged(pending));
                self.send(conn, Message::Challenge(challenge));
            }
            AuthOutcome::Refuse { info, uri, message } => {
                // Back to idle so that abort() finds the connection, then close.
                self.conns.insert(conn, ConnState::Idle(info));
                self.abort(now, conn, uri, &message);
            }
            AuthOutcome::Accept(accepted) => self.join(now, conn, *accepted),
        }
    }

    fn join(&mut self, now: Instant, conn: ConnId, a: super::auth::Accepted) {
        let mut session = self.ids.next_id();
        while self.sessions.contains_key(&session) {
            session = self.ids.next_id();
        }
        let joined = Joined {
            session,
            realm: a.realm,
            authid: a.authid,
            authrole: a.authrole,
            authmethod: a.authmethod,
            authprovider: a.authprovider,
            info: a.info,
            features: client_features(&a.roles),
            testaments: Vec::new(),
            subscriptions: Vec::new(),
            registrations: Vec::new(),
        };
        let details = WelcomeDetails {
            roles: Some(router_roles()),
            realm: Some(self.realms[a.realm].config.name.clone()),
            authid: Some(joined.authid.clone()),
            authrole: Some(joined.authrole.clone()),
            authmethod: Some(joined.authmethod.clone()),
            authprovider: Some(joined.authprovider.clone()),
            agent: Some(self.config.agent.clone()),
            ..WelcomeDetails::default()
        };
        let details = details.into();
        self.send(conn, Message::Welcome(Welcome { session, details }));
        let realm = joined.realm;
        let info = self.session_info(&joined);
        self.sessions.insert(session, conn);
        self.realms[realm].members.insert(conn);
        self.conns.insert(conn, ConnState::Joined(Box::new(joined)));
        tracing::debug!(%conn, %session, realm = %self.realms[realm].config.name, "session joined");
        self.publish_meta(
            now,
            realm,
            "wamp.session.on_join",
            ferrobahn_wamp::Payload::Args(vec![info]),
        );
    }

    pub(super) fn handle_joined(&mut self, now: Instant, conn: ConnId, msg: Message) {
        let Some(msg) = self.hold_for_authorizer(now, conn, msg) else {
            return;
        };
        match msg {
            Message::Publish(m) => self.publish(now, conn, m),
            Message::Subscribe(m) => self.subscribe(now, conn, m),
            Message::Unsubscribe(m) => self.unsubscribe(now, conn, m),
            Message::Call(m) => self.call(now, conn, m),
            Message::Cancel(m) => self.cancel(now, conn, m),
            Message::Register(m) => self.register(now, conn, m),
            Message::Unregister(m) => self.unregister(now, conn, m),
            Message::Yield(m) => self.yield_(now, conn, m),
            Message::Error(m) if m.request_type == code::INVOCATION => {
                self.invocation_error(now, conn, m);
            }
            Message::Goodbye(_) => {
                if let Some(ConnState::Joined(j)) = self.conns.remove(&conn) {
                    let info = j.info.clone();
                    self.leave(now, conn, *j, false);
                    self.conns.insert(conn, ConnState::Idle(Box::new(info)));
                }
                self.send(
                    conn,
                    Message::Goodbye(Goodbye {
                        details: CloseDetails::default(),
                        reason: error_uri::GOODBYE_AND_OUT.to_owned(),
                    }),
                );
            }
            other => {
                let m = format!("{} is not allowed in an established session", other.name());
                self.abort(now, conn, error_uri::PROTOCOL_VIOLATION, &m);
            }
        }
    }

    /// Removes a session from its realm: its subscriptions, registrations and calls, then
    /// testaments and `wamp.session.on_leave`. `j` has already been taken out of
    /// `self.conns`.
    pub(super) fn leave(&mut self, now: Instant, conn: ConnId, mut j: Joined, detached: bool) {
        let realm = j.realm;
        self.sessions.remove(&j.session);
        self.realms[realm].members.remove(&conn);
        self.broker_leave(now, conn, &j);
        self.dealer_leave(now, conn, &j);
        let testaments = std::mem::take(&mut j.testaments);
        for t in testaments {
            if detached || t.scope_destroyed {
                self.publish_internal(now, realm, t.topic, t.payload, t.options, Some(&j));
            }
        }
        tracing::debug!(%conn, session = %j.session, "session left");
        self.publish_meta(
            now,
            realm,
            "wamp.session.on_leave",
            ferrobahn_wamp::Payload::Args(vec![
                ferrobahn_wamp::Value::from_u64(j.session.get()),
                j.authid.as_str().into(),
                j.authrole.as_str().into(),
            ]),
        );
    }

    /// The joined session of `conn`.
    pub(super) fn joined(&self, conn: ConnId) -> Option<&Joined> {
        match self.conns.get(&conn)? {
            ConnState::Joined(j) => Some(j),
            _ => None,
        }
    }
}
