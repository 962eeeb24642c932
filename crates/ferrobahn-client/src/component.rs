//! [`Component`]: AutobahnPython's `Component` in Rust. A list of transports, a realm
//! and credentials, lifecycle hooks, and automatic reconnection with backoff.
//!
//! The component connects with the first transport that works (trying them in turn),
//! joins, runs `on_join`, and when the session is lost (transport closed, router gone,
//! router GOODBYE) calls `on_leave` and `on_disconnect`, waits the backoff delay and
//! starts over. It ends
//! when the application leaves the realm itself (`Client::leave`), when the router
//! refuses the join (ABORT, e.g. bad credentials), when the join options do not fit
//! the transport (a channel binding asked for over a transport without TLS: list only
//! TLS transports then), or after `max_retries` failed attempts in a row.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use ferrobahn_rt::Runtime;

use crate::client::{Client, ClientConfig};
use crate::core::{JoinOptions, SessionDetails};
use crate::error::{SessionError, UsageError};
use crate::transport::{TransportError, WampTransport};

/// A boxed, sendable future.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// Opens a new WAMP transport (TCP/Unix connect plus WebSocket or RawSocket handshake).
///
/// Implemented for closures `Fn() -> impl Future<Output = Result<Box<dyn WampTransport>,
/// TransportError>>`; the runtime shells (or the application) provide the socket.
pub trait Connector: Send + Sync + 'static {
    /// Connects once.
    fn connect(&self) -> BoxFuture<Result<Box<dyn WampTransport>, TransportError>>;
}

impl<F, Fut> Connector for F
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Box<dyn WampTransport>, TransportError>> + Send + 'static,
{
    fn connect(&self) -> BoxFuture<Result<Box<dyn WampTransport>, TransportError>> {
        Box::pin(self())
    }
}

/// Reconnection delays: `initial`, then multiplied by `factor` per failed attempt up to
/// `max`; at most `max_retries` failed attempts in a row (`None`: forever).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Backoff {
    /// First delay. Default 250 ms.
    pub initial: Duration,
    /// Largest delay. Default 30 s.
    pub max: Duration,
    /// Growth per attempt. Default 2.
    pub factor: u32,
    /// Failed attempts in a row before giving up. Default `None` (retry forever).
    pub max_retries: Option<u32>,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(250),
            max: Duration::from_secs(30),
            factor: 2,
            max_retries: None,
        }
    }
}

impl Backoff {
    /// A backoff with these delays and retry limit.
    pub fn new(initial: Duration, max: Duration, max_retries: Option<u32>) -> Self {
        Self {
            initial,
            max,
            max_retries,
            ..Self::default()
        }
    }

    /// The delay before attempt `attempt` (1 = the first retry).
    pub fn delay(&self, attempt: u32) -> Duration {
        let mut d = self.initial;
        for _ in 1..attempt {
            d = d.saturating_mul(self.factor.max(1));
            if d >= self.max {
                return self.max;
            }
        }
        d.min(self.max)
    }
}

/// Why a component stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ComponentError {
    /// No transport was configured.
    #[error("no transport configured")]
    NoTransport,
    /// The router refused to let the session join (not retried).
    #[error("join refused: {0}")]
    JoinRefused(SessionError),
    /// The join options do not fit the transport, found before HELLO (e.g. a channel
    /// binding asked for over a transport without TLS); not retried.
    #[error("cannot join: {0}")]
    Usage(UsageError),
    /// `max_retries` attempts in a row failed; the last error.
    #[error("gave up after {attempts} attempts: {last}")]
    RetriesExhausted {
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        last: String,
    },
}

type JoinHook = Arc<dyn Fn(Client, SessionDetails) -> BoxFuture<()> + Send + Sync>;
type LeaveHook = Arc<dyn Fn(&SessionError) + Send + Sync>;
type DisconnectHook = Arc<dyn Fn() + Send + Sync>;

/// A WAMP application component: transports, realm, hooks, reconnection.
#[derive(Clone)]
pub struct Component {
    runtime: Arc<dyn Runtime>,
    transports: Vec<Arc<dyn Connector>>,
    join: JoinOptions,
    config: ClientConfig,
    backoff: Backoff,
    on_join: Option<JoinHook>,
    on_leave: Option<LeaveHook>,
    on_disconnect: Option<DisconnectHook>,
}

impl std::fmt::Debug for Component {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Component")
            .field("realm", &self.join.realm)
            .field("transports", &self.transports.len())
            .field("backoff", &self.backoff)
            .finish()
    }
}

impl Component {
    /// A component joining with `join` on `runtime`; add transports and hooks next.
    pub fn new(runtime: Arc<dyn Runtime>, join: JoinOptions) -> Self {
        Self {
            runtime,
            transports: Vec::new(),
            join,
            config: ClientConfig::default(),
            backoff: Backoff::default(),
            on_join: None,
            on_leave: None,
            on_disconnect: None,
        }
    }

    /// Adds a transport (tried in the order added).
    #[must_use]
    pub fn transport(mut self, connector: impl Connector) -> Self {
        self.transports.push(Arc::new(connector));
        self
    }

    /// Sets the client configuration.
    #[must_use]
    pub fn with_config(mut self, config: ClientConfig) -> Self {
        self.config = config;
        self
    }

    /// Sets the reconnection backoff.
    #[must_use]
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Runs `hook` (on its own task) each time a session is joined: register, subscribe,
    /// call. The session lives on after it returns.
    #[must_use]
    pub fn on_join<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(Client, SessionDetails) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.on_join = Some(Arc::new(move |c, d| Box::pin(hook(c, d))));
        self
    }

    /// Called when a joined session ends, with why.
    #[must_use]
    pub fn on_leave(mut self, hook: impl Fn(&SessionError) + Send + Sync + 'static) -> Self {
        self.on_leave = Some(Arc::new(hook));
        self
    }

    /// Called each time a transport that was connected is closed.
    #[must_use]
    pub fn on_disconnect(mut self, hook: impl Fn() + Send + Sync + 'static) -> Self {
        self.on_disconnect = Some(Arc::new(hook));
        self
    }

    /// Runs the component until the application leaves, the join is refused, or the
    /// retries are exhausted.
    ///
    /// # Errors
    /// [`ComponentError`].
    pub async fn run(self) -> Result<(), ComponentError> {
        if self.transports.is_empty() {
            return Err(ComponentError::NoTransport);
        }
        let mut failures: u32 = 0;
        let mut next = 0usize;
        loop {
            let connector = &self.transports[next % self.transports.len()];
            let outcome = self.attempt(connector.as_ref()).await;
            match outcome {
                Attempt::Done => return Ok(()),
                Attempt::Refused(e) => return Err(ComponentError::JoinRefused(e)),
                Attempt::Misconfigured(e) => return Err(ComponentError::Usage(e)),
                Attempt::Lost => failures = 0,
                Attempt::Failed(why) => {
                    failures += 1;
                    next += 1;
                    if self.backoff.max_retries.is_some_and(|m| failures > m) {
                        return Err(ComponentError::RetriesExhausted {
                            attempts: failures,
                            last: why,
                        });
                    }
                    tracing::info!(attempt = failures, %why, "WAMP connection failed; retrying");
                }
            }
            let delay = self.backoff.delay(failures.max(1));
            ferrobahn_rt::sleep_until(&*self.runtime, self.runtime.now() + delay).await;
        }
    }

    async fn attempt(&self, connector: &dyn Connector) -> Attempt {
        let transport = match connector.connect().await {
            Ok(t) => t,
            Err(e) => return Attempt::Failed(e.to_string()),
        };
        let client = Client::new(self.runtime.clone(), transport, self.config.clone());
        let details = match client.join(self.join.clone()).await {
            Ok(d) => d,
            Err(e @ SessionError::Aborted { .. }) | Err(e @ SessionError::Auth(_)) => {
                client.disconnect().await;
                self.disconnected();
                return Attempt::Refused(e);
            }
            Err(SessionError::Usage(e)) => {
                client.disconnect().await;
                self.disconnected();
                return Attempt::Misconfigured(e);
            }
            Err(e) => {
                client.disconnect().await;
                self.disconnected();
                return Attempt::Failed(e.to_string());
            }
        };
        tracing::info!(session = %details.session, realm = %details.realm, "joined");
        let left = client.left();
        if let Some(hook) = &self.on_join {
            self.runtime.spawn(hook(client.clone(), details));
        }
        let why = left.await;
        if let Some(hook) = &self.on_leave {
            hook(&why);
        }
        client.disconnect().await;
        self.disconnected();
        match why {
            SessionError::Left(_) => Attempt::Done,
            _ => Attempt::Lost,
        }
    }

    fn disconnected(&self) {
        if let Some(hook) = &self.on_disconnect {
            hook();
        }
    }
}

/// How one connection attempt ended.
enum Attempt {
    /// The application left: stop.
    Done,
    /// The router refused the join: stop with an error.
    Refused(SessionError),
    /// The join options do not fit the transport: stop with an error.
    Misconfigured(UsageError),
    /// A joined session was lost: reconnect (the failure count restarts).
    Lost,
    /// Connecting or joining failed: retry with backoff.
    Failed(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_caps() {
        let b = Backoff::new(Duration::from_millis(100), Duration::from_secs(1), None);
        let d: Vec<_> = (1..=6).map(|a| b.delay(a).as_millis()).collect();
        assert_eq!(d, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(b.delay(u32::MAX), Duration::from_secs(1));
    }
}
