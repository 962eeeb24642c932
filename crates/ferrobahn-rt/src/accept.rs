//! [`accept_loop`]: the accept loop of every server (WebSocket, forwarders),
//! with its connection limit, written once.

use std::future::{poll_fn, Future};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::peer::PeerAddr;
use crate::runtime::{sleep_until, Runtime};
use crate::transport::Listener;

/// How long the loop pauses after a failed accept (out of file descriptors,
/// ...), so a persistent error does not spin.
const ACCEPT_RETRY: Duration = Duration::from_millis(50);

/// A connection's place under the limit of [`accept_loop`]: the future made for the
/// connection holds it, and the count goes down when it is dropped (the task ended).
///
/// Handing it to the future (instead of wrapping the future) keeps the connection's
/// task one state machine: an `async` block that awaits a captured future stores
/// it twice, which costs every idle connection a few hundred bytes.
#[derive(Debug)]
pub struct ConnectionSlot(Arc<AtomicUsize>);

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Accepts connections from `listener` forever and runs the future
/// `per_connection` makes for each (it must hold the [`ConnectionSlot`] it is
/// given until it ends) in its own task, at most `max_connections` at once; a
/// connection over the limit is logged and handed to `refuse` instead (drop it,
/// or spawn an answer such as `503`).
///
/// Accept errors (e.g. out of file descriptors) are logged and retried after
/// a short pause.
pub async fn accept_loop<L, F, Fut, R>(
    runtime: Arc<dyn Runtime>,
    mut listener: L,
    max_connections: usize,
    mut per_connection: F,
    mut refuse: R,
) where
    L: Listener,
    F: FnMut(L::Transport, PeerAddr, ConnectionSlot) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
    R: FnMut(L::Transport, PeerAddr),
{
    let active = Arc::new(AtomicUsize::new(0));
    loop {
        let (io, peer) = match poll_fn(|cx| listener.poll_accept(cx)).await {
            Ok(accepted) => accepted,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                sleep_until(&*runtime, runtime.now() + ACCEPT_RETRY).await;
                continue;
            }
        };
        if active.fetch_add(1, Ordering::Relaxed) >= max_connections {
            active.fetch_sub(1, Ordering::Relaxed);
            tracing::warn!(%peer, max = max_connections, "too many connections: refused");
            refuse(io, peer);
            continue;
        }
        let slot = ConnectionSlot(active.clone());
        runtime.spawn(Box::pin(per_connection(io, peer, slot)));
    }
}
