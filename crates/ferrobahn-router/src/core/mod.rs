//! The sans-IO router core: no sockets, no tasks, no clock reads, no global RNG.
//!
//! A host attaches each transport connection ([`Router::attach`]), feeds decoded
//! messages ([`Router::handle`]) and detaches it when the transport ends
//! ([`Router::detach`]). After every input it drains [`Router::poll_transmit`], then
//! reads [`Router::poll_timeout`] and calls [`Router::handle_timeout`] at that instant.
//!
//! Output is a [`Transmit`]: a message ([`Outbound`]: owned for one connection, shared
//! behind an [`Arc`] otherwise) together with its targets. A fanned-out EVENT is one
//! `Transmit` with many targets, so the host can serialize it once per serializer.
//!
//! ```
//! use std::time::Instant;
//! use ferrobahn_router::core::{ConnId, Router, Transmit, TransportInfo};
//! use ferrobahn_router::RouterConfig;
//! use ferrobahn_wamp::{message::Hello, Message, Role, Roles};
//!
//! let mut router = Router::new(&RouterConfig::default(), 7);
//! let now = Instant::now();
//! let conn = ConnId(1);
//! router.attach(now, conn, TransportInfo::default()).unwrap();
//! let hello = Hello::with_roles("realm1", Roles::from_iter([Role::Caller]));
//! router.handle(now, conn, Message::Hello(hello));
//! match router.poll_transmit() {
//!     Some(Transmit::Send { message, .. }) => assert!(matches!(*message, Message::Welcome(_))),
//!     other => panic!("expected WELCOME, got {other:?}"),
//! }
//! ```

mod auth;
mod authorizer;
pub(crate) mod authz;
mod broker;
mod dealer;
mod matching;
mod meta;
mod realm;
mod session;
#[cfg(test)]
mod tests;

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use ferrobahn_wamp::message::{Abort, ErrorMessage};
use ferrobahn_wamp::options::CloseDetails;
use ferrobahn_wamp::{error_uri, Id, Message, Payload, RandomIds};

use crate::config::RouterConfig;
pub use auth::parse_public_key;
pub use authz::{Action, AuthorizeRequest, Authorizer};
use ferrobahn_wamp::idmap::IdMap;
use realm::Realm;
use session::ConnState;

/// A transport connection, as numbered by the host (unique among attached ones).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConnId(pub u64);

impl fmt::Display for ConnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "conn-{}", self.0)
    }
}

/// What the host knows about a transport (shown by the session meta API).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransportInfo {
    /// The peer address.
    pub peer: Option<SocketAddr>,
    /// The transport kind, e.g. `websocket` or `rawsocket`.
    pub kind: String,
    /// The serializer's subprotocol, e.g. `wamp.2.json`.
    pub protocol: String,
    /// The TLS exporter value (RFC 9266) of a TLS transport: the channel ID a
    /// cryptosign `tls-exporter` channel binding signs over (`None` without TLS).
    pub tls_exporter: Option<[u8; 32]>,
    /// The channel binding type the session's authentication was bound to
    /// (cryptosign `tls-exporter`), shown by `wamp.session.get` as
    /// `transport.channel_binding`; set by the router, `None` for an unbound login.
    pub channel_binding: Option<String>,
}

impl TransportInfo {
    /// Info for a transport of `kind` speaking `protocol`.
    pub fn new(kind: &str, protocol: &str, peer: Option<SocketAddr>) -> Self {
        Self {
            peer,
            kind: kind.to_owned(),
            protocol: protocol.to_owned(),
            tls_exporter: None,
            channel_binding: None,
        }
    }

    /// The same info with the transport's TLS exporter value (see
    /// [`TransportInfo::tls_exporter`]).
    pub fn with_tls_exporter(mut self, exporter: Option<[u8; 32]>) -> Self {
        self.tls_exporter = exporter;
        self
    }
}

/// Who a [`Transmit::Send`] goes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Targets {
    /// One connection.
    One(ConnId),
    /// Several connections (a fanned-out EVENT).
    Many(Vec<ConnId>),
}

impl Targets {
    /// The targets as a slice.
    pub fn as_slice(&self) -> &[ConnId] {
        match self {
            Targets::One(c) => std::slice::from_ref(c),
            Targets::Many(v) => v,
        }
    }
}

/// The message of a [`Transmit::Send`], read as a [`Message`] through `Deref`: held
/// inline when the core made it for one connection (nothing allocated to hand it over),
/// shared when it goes to several (a fanned-out EVENT).
#[derive(Clone, Debug, PartialEq)]
pub enum Outbound {
    /// The core's only copy.
    Owned(Message),
    /// Shared by the targets.
    Shared(Arc<Message>),
}

impl Outbound {
    /// The message, moved out when not shared (else cloned).
    pub fn into_message(self) -> Message {
        match self {
            Outbound::Owned(m) => m,
            Outbound::Shared(m) => Arc::try_unwrap(m).unwrap_or_else(|m| Message::clone(&m)),
        }
    }

    /// The message behind an [`Arc`] (allocated here when it was owned).
    pub fn into_shared(self) -> Arc<Message> {
        match self {
            Outbound::Owned(m) => Arc::new(m),
            Outbound::Shared(m) => m,
        }
    }
}

impl std::ops::Deref for Outbound {
    type Target = Message;

    fn deref(&self) -> &Message {
        match self {
            Outbound::Owned(m) => m,
            Outbound::Shared(m) => m,
        }
    }
}

/// An output of the core, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum Transmit {
    /// Send `message` to every target.
    Send {
        /// The connections.
        to: Targets,
        /// The message, the same for all targets.
        message: Outbound,
    },
    /// Close the connection once what was sent before is written; the core has already
    /// forgotten it.
    Close {
        /// The connection.
        conn: ConnId,
        /// Why, for the log.
        reason: String,
    },
}

/// A host programming error.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AttachError {
    /// The connection ID is already attached.
    #[error("{0} is already attached")]
    Duplicate(ConnId),
}

/// The router: realms with their broker and dealer, sessions, and the output queue.
#[derive(Debug)]
pub struct Router {
    config: Arc<RouterConfig>,
    realms: Vec<Realm>,
    realm_index: HashMap<String, usize>,
    conns: IdMap<ConnId, ConnState>,
    /// WAMP session ID -> connection, for joined sessions.
    sessions: IdMap<Id, ConnId>,
    ids: RandomIds,
    secret_rng: auth::SecretRng,
    authorizer: Option<Arc<dyn Authorizer>>,
    out: VecDeque<Transmit>,
    /// Call and authorizer deadlines: (deadline, realm, invocation).
    timers: BTreeSet<(Instant, usize, Id)>,
    /// Messages held for an authorizer procedure, by (realm, invocation).
    authorizing: IdMap<(usize, Id), authorizer::Pending>,
    /// The authorizer's approval while its held message is handled again.
    approved: Option<authorizer::Approved>,
    /// Whether any role names an authorizer procedure (else nothing is ever held).
    has_authorizer_roles: bool,
}

impl Router {
    /// A router with the realms of `config`; `seed` seeds session, publication and
    /// challenge randomness (hosts pass OS entropy, tests a constant).
    pub fn new(config: &RouterConfig, seed: u64) -> Self {
        let mut r = Self {
            config: Arc::new(config.clone()),
            realms: Vec::new(),
            realm_index: HashMap::new(),
            conns: IdMap::default(),
            sessions: IdMap::default(),
            ids: RandomIds::new(seed),
            secret_rng: auth::SecretRng::new({
                let mut s = [0u8; 32];
                s[..8].copy_from_slice(&seed.to_le_bytes());
                s
            }),
            authorizer: None,
            out: VecDeque::new(),
            timers: BTreeSet::new(),
            authorizing: IdMap::default(),
            approved: None,
            has_authorizer_roles: config
                .realms
                .iter()
                .any(|r| r.roles.iter().any(|role| role.authorizer.is_some())),
        };
        for rc in &config.realms {
            r.add_realm(rc.clone());
        }
        r
    }

    /// Replaces the seed of authentication challenges and nonces with 32 bytes of OS
    /// entropy (hosts do; without it they derive from the `seed` of [`Router::new`]).
    #[must_use]
    pub fn with_secret_seed(mut self, seed: [u8; 32]) -> Self {
        self.secret_rng = auth::SecretRng::new(seed);
        self
    }

    fn add_realm(&mut self, rc: crate::config::RealmConfig) -> usize {
        let idx = self.realms.len();
        self.realm_index.insert(rc.name.clone(), idx);
        self.realms.push(Realm::new(rc));
        idx
    }

    // ---- getters ----

    /// Number of attached connections.
    pub fn connection_count(&self) -> usize {
        self.conns.len()
    }

    /// Number of joined sessions over all realms.
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }

    /// The WAMP session ID of a joined connection.
    pub fn session_of(&self, conn: ConnId) -> Option<Id> {
        match self.conns.get(&conn)? {
            ConnState::Joined(j) => Some(j.session),
            _ => None,
        }
    }

    // ---- input ----

    /// A new transport connection; it must send HELLO next.
    ///
    /// # Errors
    /// [`AttachError::Duplicate`] when `conn` is already attached.
    pub fn attach(
        &mut self,
        now: Instant,
        conn: ConnId,
        info: TransportInfo,
    ) -> Result<(), AttachError> {
        let _ = now;
        if self.conns.contains_key(&conn) {
            return Err(AttachError::Duplicate(conn));
        }
        self.conns.insert(conn, ConnState::Idle(Box::new(info)));
        Ok(())
    }

    /// A message from `conn`. Unknown connections are ignored.
    pub fn handle(&mut self, now: Instant, conn: ConnId, msg: Message) {
        let Some(state) = self.conns.get(&conn) else {
            tracing::debug!(%conn, "message from an unknown connection ignored");
            return;
        };
        match state {
            ConnState::Idle(_) => self.handle_idle(now, conn, msg),
            ConnState::Challenged(_) => self.handle_challenged(now, conn, msg),
            ConnState::Joined(_) => self.handle_joined(now, conn, msg),
        }
    }

    /// The transport sent something that is not a valid WAMP message: the session is
    /// aborted with `wamp.error.protocol_violation` and closed.
    pub fn handle_invalid(&mut self, now: Instant, conn: ConnId, reason: &str) {
        if self.conns.contains_key(&conn) {
            self.abort(now, conn, error_uri::PROTOCOL_VIOLATION, reason);
        }
    }

    /// The transport is gone: the session leaves its realm (subscriptions,
    /// registrations and calls are cleaned up, meta events and testaments published).
    pub fn detach(&mut self, now: Instant, conn: ConnId) {
        if let Some(ConnState::Joined(j)) = self.conns.remove(&conn) {
            self.leave(now, conn, *j, true);
        }
    }

    /// Shuts the router down: every joined session gets GOODBYE
    /// (`wamp.close.system_shutdown`), every connection a [`Transmit::Close`].
    pub fn shutdown(&mut self, now: Instant) {
        let mut conns: Vec<ConnId> = self.conns.keys().copied().collect();
        conns.sort();
        for conn in conns {
            if self.session_of(conn).is_some() {
                self.send(
                    conn,
                    Message::Goodbye(ferrobahn_wamp::message::Goodbye {
                        details: CloseDetails {
                            message: Some("the router is shutting down".into()),
                            ..CloseDetails::default()
                        },
                        reason: error_uri::SYSTEM_SHUTDOWN.to_owned(),
                    }),
                );
            }
            self.close(now, conn, "router shutdown".into());
        }
    }

    /// Call timeouts that fell due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(&(at, realm, inv)) = self.timers.first() {
            if at > now {
                break;
            }
            self.timers.pop_first();
            self.call_timed_out(now, realm, inv);
        }
    }

    // ---- output ----

    /// The next output, in order.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.out.pop_front()
    }

    /// When [`Router::handle_timeout`] must be called next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.first().map(|t| t.0)
    }

    // ---- helpers shared by the modules ----

    fn send(&mut self, conn: ConnId, msg: Message) {
        self.out.push_back(Transmit::Send {
            to: Targets::One(conn),
            message: Outbound::Owned(msg),
        });
    }

    fn send_error(
        &mut self,
        conn: ConnId,
        request_type: u64,
        request: Id,
        error: &str,
        message: Option<String>,
    ) {
        let payload = match message {
            Some(m) => Payload::Args(vec![m.into()]),
            None => Payload::Empty,
        };
        self.send(
            conn,
            Message::Error(ErrorMessage {
                request_type,
                request,
                details: Default::default(),
                error: error.to_owned(),
                payload,
            }),
        );
    }

    /// Sends ABORT, forgets the connection (leaving its realm) and asks the host to close.
    fn abort(&mut self, now: Instant, conn: ConnId, reason: &str, message: &str) {
        tracing::debug!(%conn, reason, message, "aborting session");
        self.send(
            conn,
            Message::Abort(Abort {
                details: CloseDetails {
                    message: Some(message.to_owned()),
                    ..CloseDetails::default()
                },
                reason: reason.to_owned(),
            }),
        );
        self.close(now, conn, format!("{reason}: {message}"));
    }

    /// Forgets `conn` (leaving its realm) and queues a [`Transmit::Close`].
    fn close(&mut self, now: Instant, conn: ConnId, reason: String) {
        if let Some(ConnState::Joined(j)) = self.conns.remove(&conn) {
            self.leave(now, conn, *j, true);
        }
        self.out.push_back(Transmit::Close { conn, reason });
    }
}
