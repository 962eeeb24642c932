//! WAMP over WebSocket: the [`Handler`] of one connection: subprotocol selection,
//! decoding and handing messages to the router core (in the connection's own task), and
//! taking its outlet into the WebSocket ([`Handler::poll_outgoing`]).

use std::collections::VecDeque;
use std::sync::Arc;
use std::task::Context;

use bytes::Bytes;
use ferrobahn_handshake::{Accept, Request};
use ferrobahn_rt::{Ctx, Deny, Error, Handler};
use ferrobahn_serializers::{EncodeError, Serializer};
use ferrobahn_websocket::{CloseCode, Message as WsMessage, MessageKind};

use super::outlet::{Next, Outlet, Registered};
use super::shared::{encode_one, Encoded, Encoding, Outgoing};

/// Messages taken from the outlet under one lock, besides the first.
const TAKE: usize = 63;
use super::HostShared;
use crate::core::{ConnId, TransportInfo};

/// One WebSocket connection of the router.
#[derive(Debug)]
pub(crate) struct WsSession {
    host: Arc<HostShared>,
    conn: ConnId,
    ser: Option<Serializer>,
    /// The outgoing queue, while the router has one for this connection.
    outlet: Option<Arc<Outlet>>,
    /// Messages taken from the outlet in one go, being sent (put back when not sent).
    taken: VecDeque<Outgoing>,
    /// The waker this driver left in its outlet.
    registered: Registered,
    attached: bool,
}

impl WsSession {
    pub(crate) fn new(host: Arc<HostShared>) -> Self {
        let conn = host.next_conn();
        Self {
            host,
            conn,
            ser: None,
            outlet: None,
            taken: VecDeque::new(),
            registered: Registered::default(),
            attached: false,
        }
    }

    /// Drops the session for flooding: close 1008, detached.
    fn flooded(&mut self, ctx: &mut Ctx<'_>, count: usize) {
        tracing::warn!(conn = %self.conn, count, "dropping a session that floods the router");
        let _ = ctx.close(CloseCode::POLICY_VIOLATION, "too many messages in flight");
        self.host.inner.detach(self.conn);
        self.attached = false;
        self.outlet = None;
    }
}

impl Handler for WsSession {
    fn on_connect(&mut self, request: &Request) -> Result<Accept, Deny> {
        let path = &self.host.path;
        if !path.is_empty() && request.path_only() != path.as_str() {
            return Err(Deny::new(404, "no WAMP endpoint at this path"));
        }
        let Some(ser) = request.protocols.iter().find_map(|p| {
            self.host
                .serializers
                .iter()
                .find(|s| s.subprotocol() == p.as_str())
                .copied()
        }) else {
            return Err(Deny::new(400, "no supported WAMP subprotocol offered"));
        };
        self.ser = Some(ser);
        Ok(Accept {
            protocol: Some(ser.subprotocol().to_owned()),
            ..Accept::default()
        })
    }

    fn on_open(&mut self, ctx: &mut Ctx<'_>) {
        let Some(ser) = self.ser else {
            let _ = ctx.close(CloseCode::PROTOCOL_ERROR, "no WAMP subprotocol");
            return;
        };
        let info = TransportInfo::new("websocket", ser.subprotocol(), ctx.peer_addr())
            .with_tls_exporter(ctx.tls_exporter());
        ctx.set_flush_threshold(self.host.write_batch);
        self.outlet = self.host.inner.attach(self.conn, info);
        self.attached = self.outlet.is_some();
        if !self.attached {
            let _ = ctx.close(CloseCode::GOING_AWAY, "router is shutting down");
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_>, payload: Bytes, is_binary: bool) {
        let _ = is_binary;
        let (Some(ser), true) = (self.ser, self.attached) else {
            return;
        };
        let handled = if ser.is_batched() {
            match ser.decode_bytes(&payload) {
                Ok(msgs) if msgs.len() > self.host.max_inbound => {
                    return self.flooded(ctx, msgs.len())
                }
                Ok(msgs) => self.host.inner.handle(self.conn, msgs, true),
                Err(e) => return self.host.inner.invalid(self.conn, &e.to_string()),
            }
        } else {
            // One message: no list allocated for it.
            match ser.decode_one_bytes(&payload) {
                Ok(_) if self.host.max_inbound == 0 => return self.flooded(ctx, 1),
                Ok(msg) => self.host.inner.handle(self.conn, [msg], true),
                Err(e) => return self.host.inner.invalid(self.conn, &e.to_string()),
            }
        };
        if !handled {
            // Dropped by the router meanwhile; the outlet says how to close.
            self.attached = false;
        }
    }

    fn poll_outgoing(&mut self, ctx: &mut Ctx<'_>, cx: &mut Context<'_>) -> bool {
        let (Some(outlet), Some(ser)) = (self.outlet.as_ref(), self.ser) else {
            return false;
        };
        let kind = if ser.is_binary() {
            MessageKind::Binary
        } else {
            MessageKind::Text
        };
        // Stop at the flush threshold: the rest waits in the outlet, counted there.
        while !ctx.wants_flush() {
            let next = match self.taken.pop_front() {
                Some(enc) => Next::Message(enc),
                None => outlet.next_batch(cx.waker(), &mut self.registered, &mut self.taken, TAKE),
            };
            let item = match next {
                Next::Message(item) => item,
                Next::Empty => return false,
                Next::Close => {
                    let _ = ctx.close(CloseCode::NORMAL, "");
                    self.outlet = None;
                    return false;
                }
                Next::Kill => {
                    let _ = ctx.close(CloseCode::POLICY_VIOLATION, "outgoing queue full");
                    self.outlet = None;
                    return false;
                }
            };
            let sent = match &item {
                Outgoing::One(msg) => encode_one(msg, &ser, |data| send_one(ctx, kind, data)),
                Outgoing::Shared(enc) => send_shared(ctx, &ser, kind, enc),
            };
            let sent = match sent {
                Ok(sent) => sent,
                Err(e) => {
                    tracing::warn!(error = %e, "a message could not be encoded");
                    continue;
                }
            };
            match sent {
                Ok(()) => {}
                Err(Error::Full) => {
                    // Taken again once the buffer has drained.
                    self.taken.push_front(item);
                    outlet.unshift_all(&mut self.taken);
                    return true;
                }
                Err(e) => {
                    // The connection is closing: nothing more goes out.
                    tracing::debug!(conn = %self.conn, error = %e, "outgoing message dropped");
                    self.taken.clear();
                    self.outlet = None;
                    return false;
                }
            }
        }
        outlet.unshift_all(&mut self.taken);
        outlet.more(cx.waker(), &mut self.registered)
    }

    fn on_close(&mut self, was_clean: bool, code: Option<CloseCode>, reason: &str) {
        tracing::debug!(conn = %self.conn, was_clean, ?code, reason, "WebSocket closed");
        if self.attached {
            self.host.inner.detach(self.conn);
        }
    }
}

/// Sends a message for this connection alone, encoded by [`encode_one`].
fn send_one(ctx: &mut Ctx<'_>, kind: MessageKind, data: Encoding<'_>) -> Result<(), Error> {
    match data {
        Encoding::Borrowed(data) => match kind {
            MessageKind::Binary => ctx.send_binary(data),
            MessageKind::Text => match std::str::from_utf8(data) {
                Ok(text) => ctx.send_text(text),
                // Not produced by a text serializer; sent as it is all the same.
                Err(_) => ctx.send_message(WsMessage {
                    kind,
                    data: Bytes::copy_from_slice(data),
                }),
            },
        },
        Encoding::Owned(data) => ctx.send_message(WsMessage { kind, data }),
    }
}

/// Sends a fanned-out message: its frame shared by every connection that frames it the
/// same way, else its encoding for this serializer (made once).
fn send_shared(
    ctx: &mut Ctx<'_>,
    ser: &Serializer,
    kind: MessageKind,
    enc: &Encoded,
) -> Result<Result<(), Error>, EncodeError> {
    Ok(match enc.frame(ser, kind)? {
        Some(shared) => ctx.send_shared(shared),
        None => ctx.send_message(WsMessage {
            kind,
            data: enc.bytes(ser)?,
        }),
    })
}
