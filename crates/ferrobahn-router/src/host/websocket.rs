//! WAMP over WebSocket: the [`Handler`] of one connection (subprotocol selection,
//! decoding, handing messages to the router task) and its outgoing pump.

use std::future::poll_fn;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;
use ferrobahn_handshake::{Accept, Request};
use ferrobahn_rt::{Ctx, Deny, Handler, Sender};
use ferrobahn_serializers::Serializer;
use ferrobahn_websocket::{CloseCode, MessageKind};
use futures_channel::mpsc;
use futures_core::Stream;

use super::shared::{ConnShared, Outgoing};
use super::task::Cmd;
use super::HostShared;
use crate::core::{ConnId, TransportInfo};

/// One WebSocket connection of the router.
#[derive(Debug)]
pub(crate) struct WsSession {
    host: Arc<HostShared>,
    conn: ConnId,
    ser: Option<Serializer>,
    shared: Arc<ConnShared>,
    attached: bool,
}

impl WsSession {
    pub(crate) fn new(host: Arc<HostShared>) -> Self {
        let conn = host.next_conn();
        Self {
            host,
            conn,
            ser: None,
            shared: Arc::new(ConnShared::default()),
            attached: false,
        }
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
        let (tx, rx) = mpsc::unbounded();
        let info = TransportInfo::new("websocket", ser.subprotocol(), ctx.peer_addr())
            .with_tls_exporter(ctx.tls_exporter());
        self.attached = self.host.send(Cmd::Attach {
            conn: self.conn,
            info,
            tx,
            shared: Arc::clone(&self.shared),
        });
        if !self.attached {
            let _ = ctx.close(CloseCode::GOING_AWAY, "router is shutting down");
            return;
        }
        let sender = ctx.sender();
        ctx.spawn(pump(rx, sender, ser, Arc::clone(&self.shared)));
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_>, payload: Bytes, is_binary: bool) {
        let _ = is_binary;
        let (Some(ser), true) = (self.ser, self.attached) else {
            return;
        };
        match ser.decode_bytes(&payload) {
            Ok(msgs) => {
                for msg in msgs {
                    let inflight = self.shared.inbound.fetch_add(1, Ordering::Relaxed);
                    if inflight >= self.host.max_inbound {
                        tracing::warn!(conn = %self.conn, inflight, "dropping a session that floods the router");
                        let _ =
                            ctx.close(CloseCode::POLICY_VIOLATION, "too many messages in flight");
                        self.host.send(Cmd::Detach { conn: self.conn });
                        self.attached = false;
                        return;
                    }
                    self.host.send(Cmd::Message {
                        conn: self.conn,
                        msg,
                    });
                }
            }
            Err(e) => {
                self.host.send(Cmd::Invalid {
                    conn: self.conn,
                    reason: e.to_string(),
                });
            }
        }
    }

    fn on_close(&mut self, was_clean: bool, code: Option<CloseCode>, reason: &str) {
        tracing::debug!(conn = %self.conn, was_clean, ?code, reason, "WebSocket closed");
        if self.attached {
            self.host.send(Cmd::Detach { conn: self.conn });
        }
    }
}

/// Moves the connection's outgoing queue into its WebSocket, encoding each message for
/// this connection's serializer (the encoding is shared with other connections).
async fn pump(
    mut rx: mpsc::UnboundedReceiver<Outgoing>,
    mut sender: Sender,
    ser: Serializer,
    shared: Arc<ConnShared>,
) {
    let kind = if ser.is_binary() {
        MessageKind::Binary
    } else {
        MessageKind::Text
    };
    while let Some(item) = poll_fn(|cx| Pin::new(&mut rx).poll_next(cx)).await {
        if shared.killed() {
            let _ = sender
                .close(CloseCode::POLICY_VIOLATION, "outgoing queue full")
                .await;
            return;
        }
        match item {
            Outgoing::Message(enc) => {
                shared.queued.fetch_sub(1, Ordering::Relaxed);
                match enc.frame(&ser, kind) {
                    Ok((data, frame)) => {
                        let msg = ferrobahn_websocket::Message { kind, data };
                        let sent = match frame {
                            Some(frame) => sender.send_framed(msg, frame).await,
                            None => sender.send(msg).await,
                        };
                        if sent.is_err() {
                            return;
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "a message could not be encoded"),
                }
            }
            Outgoing::Close => {
                let _ = sender.close(CloseCode::NORMAL, "").await;
                return;
            }
        }
    }
}
