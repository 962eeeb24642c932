//! The router task: owns the [`Router`] core, takes commands from connection tasks,
//! honours the core's timer and hands outputs to the connections' bounded queues.

use std::collections::HashMap;
use std::future::poll_fn;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use ferrobahn_rt::{AsyncTimer, Runtime};
use ferrobahn_wamp::Message;
use futures_channel::mpsc;
use futures_core::Stream;

use super::shared::{ConnShared, Encoded, Outgoing};
use crate::core::{ConnId, Router, Transmit, TransportInfo};

/// A command for the router task.
// Not boxed: every command is moved into a channel node allocated anyway.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub(crate) enum Cmd {
    /// A new connection and its outgoing queue.
    Attach {
        conn: ConnId,
        info: TransportInfo,
        tx: mpsc::UnboundedSender<Outgoing>,
        shared: Arc<ConnShared>,
    },
    /// A decoded message.
    Message { conn: ConnId, msg: Message },
    /// Undecodable input.
    Invalid { conn: ConnId, reason: String },
    /// The transport is gone.
    Detach { conn: ConnId },
    /// Say GOODBYE to everyone and stop.
    Shutdown,
}

/// A connection's outgoing side, as the router task sees it.
struct Outlet {
    tx: mpsc::UnboundedSender<Outgoing>,
    shared: Arc<ConnShared>,
}

/// The router task's state.
struct Task {
    runtime: Arc<dyn Runtime>,
    core: Router,
    outlets: HashMap<ConnId, Outlet>,
    max_queued: usize,
    timer: Option<Pin<Box<dyn AsyncTimer>>>,
    timer_at: Option<Instant>,
}

/// Commands handled before the task yields to others.
const BUDGET: usize = 512;

/// Runs the router until [`Cmd::Shutdown`] or until every command sender is gone.
pub(crate) async fn run(
    runtime: Arc<dyn Runtime>,
    core: Router,
    mut rx: mpsc::UnboundedReceiver<Cmd>,
    max_queued: usize,
) {
    let mut task = Task {
        runtime,
        core,
        outlets: HashMap::new(),
        max_queued,
        timer: None,
        timer_at: None,
    };
    poll_fn(|cx| task.poll(cx, &mut rx)).await;
    tracing::debug!("router task ended");
}

impl Task {
    fn poll(&mut self, cx: &mut Context<'_>, rx: &mut mpsc::UnboundedReceiver<Cmd>) -> Poll<()> {
        let mut budget = BUDGET;
        loop {
            match Pin::new(&mut *rx).poll_next(cx) {
                Poll::Ready(Some(Cmd::Shutdown)) | Poll::Ready(None) => {
                    let now = self.runtime.now();
                    self.core.shutdown(now);
                    self.dispatch(now);
                    return Poll::Ready(());
                }
                Poll::Ready(Some(cmd)) => {
                    let now = self.runtime.now();
                    self.command(now, cmd);
                    self.dispatch(now);
                    budget -= 1;
                    if budget == 0 {
                        cx.waker().wake_by_ref();
                        return Poll::Pending;
                    }
                }
                Poll::Pending => {
                    if self.poll_timer(cx) {
                        continue;
                    }
                    return Poll::Pending;
                }
            }
        }
    }

    /// Fires due call timeouts; true when something fired (poll again).
    fn poll_timer(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(deadline) = self.core.poll_timeout() else {
            return false;
        };
        let now = self.runtime.now();
        if now >= deadline {
            self.core.handle_timeout(now);
            self.dispatch(now);
            return true;
        }
        let runtime = &self.runtime;
        let timer = self
            .timer
            .get_or_insert_with(|| runtime.new_timer(deadline));
        if self.timer_at != Some(deadline) {
            timer.as_mut().reset(deadline);
            self.timer_at = Some(deadline);
        }
        timer.as_mut().poll(cx).is_ready()
    }

    fn command(&mut self, now: Instant, cmd: Cmd) {
        match cmd {
            Cmd::Attach {
                conn,
                info,
                tx,
                shared,
            } => {
                if let Err(e) = self.core.attach(now, conn, info) {
                    tracing::error!(error = %e, "attach failed");
                    return;
                }
                self.outlets.insert(conn, Outlet { tx, shared });
            }
            Cmd::Message { conn, msg } => {
                if let Some(o) = self.outlets.get(&conn) {
                    o.shared.inbound.fetch_sub(1, Ordering::Relaxed);
                    self.core.handle(now, conn, msg);
                }
            }
            Cmd::Invalid { conn, reason } => {
                tracing::debug!(%conn, %reason, "invalid WAMP input");
                self.core.handle_invalid(now, conn, &reason);
            }
            Cmd::Detach { conn } => {
                self.outlets.remove(&conn);
                self.core.detach(now, conn);
            }
            Cmd::Shutdown => {}
        }
    }

    /// Moves the core's outputs into the connections' queues; drops a connection whose
    /// queue is full.
    fn dispatch(&mut self, now: Instant) {
        while let Some(t) = self.core.poll_transmit() {
            match t {
                Transmit::Send { to, message } => {
                    let encoded = Arc::new(Encoded::new(message, to.as_slice().len() > 1));
                    for &conn in to.as_slice() {
                        let Some(o) = self.outlets.get(&conn) else {
                            continue;
                        };
                        let queued = o.shared.queued.load(Ordering::Relaxed);
                        if queued >= self.max_queued {
                            tracing::warn!(%conn, queued, "dropping a session that does not keep up: its outgoing queue is full");
                            o.shared.kill.store(true, Ordering::Relaxed);
                            let _ = o.tx.unbounded_send(Outgoing::Close);
                            self.outlets.remove(&conn);
                            self.core.detach(now, conn);
                            continue;
                        }
                        o.shared.queued.fetch_add(1, Ordering::Relaxed);
                        let _ = o.tx.unbounded_send(Outgoing::Message(Arc::clone(&encoded)));
                    }
                }
                Transmit::Close { conn, reason } => {
                    if let Some(o) = self.outlets.remove(&conn) {
                        tracing::debug!(%conn, %reason, "closing connection");
                        let _ = o.tx.unbounded_send(Outgoing::Close);
                    }
                }
            }
        }
    }
}
