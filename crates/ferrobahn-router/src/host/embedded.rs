//! Embedded components: WAMP application components (the [`Component`] of
//! `ferrobahn-client`, unchanged) running inside the router process. Their transport is
//! in memory: what a component sends is handed to the router core at once, what the
//! router sends it waits in its outlet as WAMP messages: nothing is serialized,
//! framed or copied through a socket; the router sees an ordinary session (transport
//! kind `embedded`) with the same limits and permissions as any other.

use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};

use ferrobahn_client::component::BoxFuture;
use ferrobahn_client::transport::{TransportError, WampTransport};
use ferrobahn_client::{Component, Connector};
use ferrobahn_wamp::Message;

use super::outlet::{Next, Outlet, Registered};
use super::{Inner, RouterHandle};
use crate::core::{ConnId, TransportInfo};

/// Opens in-memory sessions to a router: the [`Connector`] of embedded components
/// (from [`RouterHandle::connector`]).
#[derive(Clone, Debug)]
pub struct EmbeddedConnector {
    inner: Arc<Inner>,
}

impl Connector for EmbeddedConnector {
    fn connect(&self) -> BoxFuture<Result<Box<dyn WampTransport>, TransportError>> {
        let t = EmbeddedTransport::open(Arc::clone(&self.inner));
        Box::pin(async move { t.map(|t| Box::new(t) as Box<dyn WampTransport>) })
    }
}

/// One in-memory session to the router.
#[derive(Debug)]
struct EmbeddedTransport {
    inner: Arc<Inner>,
    conn: ConnId,
    outlet: Arc<Outlet>,
    /// The waker this transport's reader left in its outlet.
    registered: Registered,
    attached: bool,
}

impl EmbeddedTransport {
    fn open(inner: Arc<Inner>) -> Result<Self, TransportError> {
        if inner.stop.flag.load(Ordering::SeqCst) {
            return Err(TransportError::Closed);
        }
        let conn = ConnId(inner.next_conn.fetch_add(1, Ordering::Relaxed));
        let info = TransportInfo::new("embedded", "wamp.2.embedded", None);
        let Some(outlet) = inner.attach(conn, info) else {
            return Err(TransportError::Closed);
        };
        Ok(Self {
            inner,
            conn,
            outlet,
            registered: Registered::default(),
            attached: true,
        })
    }

    fn detach(&mut self) {
        if std::mem::take(&mut self.attached) {
            self.inner.detach(self.conn);
        }
    }
}

impl WampTransport for EmbeddedTransport {
    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, TransportError>>> {
        match self.outlet.next(cx.waker(), &mut self.registered) {
            Next::Message(item) => Poll::Ready(Some(Ok(item.into_message()))),
            Next::Close | Next::Kill => {
                // The router forgot this connection already.
                self.attached = false;
                Poll::Ready(None)
            }
            Next::Empty => Poll::Pending,
        }
    }

    fn send(&mut self, msg: &Message) -> Result<(), TransportError> {
        // Handled at once, in the component's task; its driver may have polled for
        // input before this send, so it is woken for the answers like any other.
        if !self.attached || !self.inner.handle(self.conn, [msg.clone()], false) {
            return Err(TransportError::Closed);
        }
        Ok(())
    }

    fn poll_flush(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        self.detach();
        Poll::Ready(Ok(()))
    }

    fn serializer_name(&self) -> &'static str {
        "wamp.2.embedded"
    }
}

impl Drop for EmbeddedTransport {
    fn drop(&mut self) {
        self.detach();
    }
}

impl RouterHandle {
    /// A [`Connector`] whose transports are in-memory sessions of this router, for a
    /// [`Component`] built by hand (`Component::new(..).transport(router.connector())`).
    pub fn connector(&self) -> EmbeddedConnector {
        EmbeddedConnector {
            inner: Arc::clone(&self.inner),
        }
    }

    /// Runs `component` inside the router process, over an in-memory transport (added
    /// to the component's transports; build it without others so it is the only one),
    /// until it ends or the router shuts down. The component's code is unchanged: the
    /// same `on_join` hooks run here as over a socket.
    ///
    /// Rust loads no code at run time, so an embedded component is any component
    /// compiled into the program; `ferrobahn router --component NAME` offers a set of
    /// built-in ones.
    pub fn embed(&self, component: Component) {
        let component = component.transport(self.connector());
        let inner = Arc::clone(&self.inner);
        let run = async move {
            let mut run = std::pin::pin!(component.run());
            let mut stop = std::pin::pin!(inner.stop.wait());
            let ended = std::future::poll_fn(|cx| {
                if let Poll::Ready(r) = run.as_mut().poll(cx) {
                    return Poll::Ready(Some(r));
                }
                stop.as_mut().poll(cx).map(|()| None)
            })
            .await;
            match ended {
                Some(Ok(())) => tracing::debug!("embedded component left"),
                Some(Err(e)) => tracing::warn!(error = %e, "embedded component stopped"),
                None => tracing::debug!("embedded component stopped with the router"),
            }
        };
        self.runtime.spawn(Box::pin(run));
    }
}
