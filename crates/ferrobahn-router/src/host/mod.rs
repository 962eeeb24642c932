//! The runtime-agnostic router host: the [`crate::Router`] core and every connection's
//! bounded outgoing queue (its outlet) sit behind one lock; each connection runs in its
//! own task, which decodes what it reads and hands it to the core itself, and takes its
//! outlet when woken. Per message: one wake-up of the reading connection's task, one of
//! the writing connection's, no router or pump task in between.
//!
//! ```text
//!  reading connection's task: read ─▶ decode ─▶ lock { Router::handle; poll_transmit ─┐
//!                                                 push into the target outlets } ◀────┘
//!                                                      │ wake (once per batch)
//!  writing connection's task: Handler::poll_outgoing ◀─┘ take, encode once per
//!                             serializer (fan-out frames shared) ─▶ write
//!  service task: call timeouts (woken for an earlier deadline), shutdown
//! ```
//!
//! ```no_run
//! # async fn run(runtime: std::sync::Arc<dyn ferrobahn_rt::Runtime>, listener: impl ferrobahn_rt::Listener) {
//! let config = ferrobahn_router::RouterConfig::default();
//! let router = ferrobahn_router::host::start(runtime, config).unwrap();
//! router.serve(listener).await; // until router.shutdown()
//! # }
//! ```
//!
//! # FAQ
//!
//! **What happens to a subscriber that cannot keep up?** When its outgoing queue holds
//! [`crate::config::Limits::max_queued_messages`] messages it is dropped (WebSocket close
//! 1008) with a logged reason; the router's memory never grows for it.
//!
//! **And a client that sends faster than the router handles?** Nothing queues towards the
//! router: its connection's task handles each message as it reads it, and reads no more
//! while its own outgoing buffer is full. One batched transport message may carry at most
//! [`crate::config::Limits::max_inbound_messages`] WAMP messages; past that the client is
//! dropped the same way.
//!
//! **How do I stop?** [`RouterHandle::shutdown`]: every session gets GOODBYE
//! `wamp.close.system_shutdown`, connections are closed, [`RouterHandle::serve`] returns.

mod accept;
mod embedded;
mod hub;
mod outlet;
mod rawsocket;
mod shared;
mod web;
mod websocket;

use std::future::{poll_fn, Future};
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::Duration;

use ferrobahn_rt::{BusyPoll, BusyPollConfig, Listener, Runtime, ServerConfig};
use ferrobahn_serializers::{Format, Limits as SerLimits, Serializer};

use crate::config::{ConfigError, RouterConfig, TransportConfig};
use crate::core::{Authorizer, ConnId, Router};
use hub::Hub;

pub use embedded::EmbeddedConnector;

/// The shutdown signal shared by the handle and every `serve` loop.
#[derive(Debug, Default)]
struct Stop {
    flag: AtomicBool,
    wakers: Mutex<Vec<Waker>>,
}

impl Stop {
    fn trigger(&self) {
        self.flag.store(true, Ordering::SeqCst);
        let wakers = std::mem::take(&mut *self.wakers.lock().unwrap_or_else(|e| e.into_inner()));
        for w in wakers {
            w.wake();
        }
    }

    fn wait(&self) -> impl Future<Output = ()> + '_ {
        poll_fn(move |cx| {
            if self.flag.load(Ordering::SeqCst) {
                return Poll::Ready(());
            }
            let mut wakers = self.wakers.lock().unwrap_or_else(|e| e.into_inner());
            // One entry per waiting task, however often it is polled.
            if !wakers.iter().any(|w| w.will_wake(cx.waker())) {
                wakers.push(cx.waker().clone());
            }
            drop(wakers);
            if self.flag.load(Ordering::SeqCst) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
    }
}

/// What every connection of a router shares.
#[derive(Debug)]
struct Inner {
    hub: Hub,
    runtime: Arc<dyn Runtime>,
    /// Keeps the runtime polling after input ([`RouterConfig::busy_poll_us`]).
    busy: Option<BusyPoll>,
    next_conn: AtomicU64,
    config: RouterConfig,
    stop: Stop,
}

/// What the connections of one endpoint share.
#[derive(Debug)]
pub(crate) struct HostShared {
    inner: Arc<Inner>,
    path: String,
    serializers: Vec<Serializer>,
    max_inbound: usize,
    max_message_size: usize,
    /// Queued bytes above which a connection writes before taking more.
    write_batch: usize,
    rawsocket: bool,
    /// How long queued bytes may wait for a RawSocket peer to read them.
    write_timeout: Duration,
    /// Static files served next to the WebSocket endpoint, and the largest file size.
    static_dir: Option<(std::path::PathBuf, u64)>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Every handle and connection is gone: the service task ends.
        self.hub.wake_service();
    }
}

impl HostShared {
    fn next_conn(&self) -> ConnId {
        ConnId(self.inner.next_conn.fetch_add(1, Ordering::Relaxed))
    }
}

/// A running router (cheap to clone): serve listeners on it, shut it down.
#[derive(Clone, Debug)]
pub struct RouterHandle {
    runtime: Arc<dyn Runtime>,
    inner: Arc<Inner>,
}

/// Extra settings of a hosted router that are code, not configuration.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct HostOptions {
    /// A dynamic authorizer consulted before the static permissions.
    pub authorizer: Option<Arc<dyn Authorizer>>,
}

impl HostOptions {
    /// Sets [`HostOptions::authorizer`].
    #[must_use]
    pub fn with_authorizer(mut self, authorizer: Arc<dyn Authorizer>) -> Self {
        self.authorizer = Some(authorizer);
        self
    }
}

/// Starts a router on `runtime` (its service task, for call timeouts and shutdown).
///
/// # Errors
/// [`ConfigError::Invalid`] when `config` does not validate.
pub fn start(runtime: Arc<dyn Runtime>, config: RouterConfig) -> Result<RouterHandle, ConfigError> {
    start_with(runtime, config, HostOptions::default())
}

/// [`start`] with [`HostOptions`].
///
/// # Errors
/// As [`start`].
pub fn start_with(
    runtime: Arc<dyn Runtime>,
    config: RouterConfig,
    options: HostOptions,
) -> Result<RouterHandle, ConfigError> {
    config.validate()?;
    let seed = {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(0x5eed);
        h.finish()
    };
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret)
        .map_err(|e| ConfigError::Invalid(format!("no OS entropy for challenges: {e}")))?;
    let mut core = Router::new(&config, seed).with_secret_seed(secret);
    if let Some(a) = options.authorizer {
        core.set_authorizer(a);
    }
    let max_queued = config.limits.max_queued_messages;
    let busy = (config.busy_poll_us > 0).then(|| {
        BusyPoll::start_with(
            runtime.clone(),
            BusyPollConfig::new(Duration::from_micros(config.busy_poll_us))
                .with_max_share_percent(config.busy_poll_share_percent)
                .with_period(Duration::from_micros(config.busy_poll_period_us))
                .with_blocking_rest(config.busy_poll_blocking_rest),
        )
    });
    let inner = Arc::new(Inner {
        hub: Hub::new(core, max_queued),
        runtime: runtime.clone(),
        busy,
        next_conn: AtomicU64::new(1),
        config,
        stop: Stop::default(),
    });
    runtime.spawn(Box::pin(hub::service(
        Arc::downgrade(&inner),
        runtime.clone(),
    )));
    Ok(RouterHandle { runtime, inner })
}

/// Starts a router with `config` and serves WebSocket connections from `listener` with
/// the first transport's settings until the router is shut down.
///
/// # Errors
/// As [`start`].
pub async fn serve<L: Listener>(
    runtime: Arc<dyn Runtime>,
    listener: L,
    config: RouterConfig,
) -> Result<(), ConfigError> {
    let router = start(runtime, config)?;
    router.serve(listener).await;
    Ok(())
}

/// The serializers of a transport: the named ones (or all), each plain and batched.
fn serializers(t: &TransportConfig, max_message_size: usize) -> Vec<Serializer> {
    let formats: Vec<Format> = if t.serializers.is_empty() {
        Format::ALL.to_vec()
    } else {
        t.serializers
            .iter()
            .filter_map(|n| Format::from_name(n))
            .collect()
    };
    let limits = SerLimits::default().with_max_message_size(max_message_size);
    formats
        .into_iter()
        .flat_map(|f| [Serializer::new(f), Serializer::batched(f)])
        .map(|s| s.with_limits(limits))
        .collect()
}

impl RouterHandle {
    /// The configuration the router runs with.
    pub fn config(&self) -> &RouterConfig {
        &self.inner.config
    }

    /// Serves WebSocket and RawSocket connections from `listener` with the first
    /// configured transport's settings, until [`RouterHandle::shutdown`].
    pub async fn serve<L: Listener>(&self, listener: L) {
        let transport = self
            .inner
            .config
            .transports
            .first()
            .cloned()
            .unwrap_or_default();
        self.serve_transport(listener, &transport).await;
    }

    /// Serves WebSocket connections (and RawSocket ones on the same port, told apart by
    /// their first byte, unless `transport.rawsocket` is off) from `listener` with
    /// `transport`'s path and serializers, until [`RouterHandle::shutdown`].
    pub async fn serve_transport<L: Listener>(&self, listener: L, transport: &TransportConfig) {
        let limits = &self.inner.config.limits;
        let host = Arc::new(HostShared {
            inner: Arc::clone(&self.inner),
            path: transport.path.clone(),
            serializers: serializers(transport, limits.max_message_size),
            max_inbound: limits.max_inbound_messages,
            max_message_size: limits.max_message_size,
            write_batch: limits.write_batch_bytes.max(1),
            rawsocket: transport.rawsocket,
            write_timeout: Duration::from_secs(limits.write_timeout_secs.max(1)),
            static_dir: transport
                .static_dir
                .clone()
                .map(|d| (d, transport.static_max_file_size)),
        });
        let ws = ferrobahn_websocket::Config::default()
            .with_max_message_payload(limits.max_message_size.max(1))
            .with_max_frame_payload(limits.max_message_size.max(1));
        let mut extensions = ferrobahn_extensions::ServerExtensions::default();
        if transport.compression {
            extensions.deflate = Some(ferrobahn_extensions::DeflateConfig::default());
        }
        let server = ServerConfig::new()
            .with_extensions(extensions)
            .with_websocket(ws)
            .with_max_connections(limits.max_connections)
            .with_open_handshake_timeout(Duration::from_secs(
                limits.open_handshake_timeout_secs.max(1),
            ));
        let accept = accept::accept_loop(self.runtime.clone(), listener, host, Arc::new(server));
        let mut accept = Box::pin(accept);
        let mut stop = Box::pin(self.inner.stop.wait());
        poll_fn(|cx| {
            if stop.as_mut().poll(cx).is_ready() {
                return Poll::Ready(());
            }
            accept.as_mut().poll(cx)
        })
        .await;
    }

    /// Shuts the router down: GOODBYE (`wamp.close.system_shutdown`) to every session,
    /// connections closed, `serve` loops end. Idempotent.
    pub fn shutdown(&self) {
        if !self.inner.stop.flag.load(Ordering::SeqCst) {
            self.inner.stop.trigger();
            self.inner.hub.wake_service();
        }
    }

    /// Whether [`RouterHandle::shutdown`] was called.
    pub fn is_shut_down(&self) -> bool {
        self.inner.stop.flag.load(Ordering::SeqCst)
    }
}
