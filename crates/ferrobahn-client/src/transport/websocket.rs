//! WAMP over WebSocket: one WAMP message (or batch) per WebSocket message.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use bytes::Bytes;
use ferrobahn_handshake::WsUrl;
use ferrobahn_rt::{ClientConfig, Runtime, Transport, WebSocket};
use ferrobahn_serializers::Serializer;
use ferrobahn_wamp::Message;
use futures_sink::Sink;

use super::{TransportError, WampTransport};

/// A WAMP transport over a WebSocket connection.
#[derive(Debug)]
pub struct WebSocketTransport<T> {
    ws: WebSocket<T>,
    serializer: Serializer,
    inbox: VecDeque<Message>,
    /// Encoding buffer, kept between messages while it is at most
    /// [`ENCODE_BUFFER_KEEP`] bytes.
    encoded: Vec<u8>,
}

/// The largest encoding buffer a transport keeps for its next message.
const ENCODE_BUFFER_KEEP: usize = 8 * 1024;

impl<T: Transport> WebSocketTransport<T> {
    /// Wraps an open WebSocket whose subprotocol selected `serializer`.
    pub fn new(ws: WebSocket<T>, serializer: Serializer) -> Self {
        Self {
            ws,
            serializer,
            inbox: VecDeque::new(),
            encoded: Vec::new(),
        }
    }

    /// Queues one encoded message as a WebSocket message.
    fn queue(&mut self, encoded: Vec<u8>) -> Result<(), TransportError> {
        let frame = if self.serializer.is_binary() {
            ferrobahn_websocket::Message::binary(Bytes::from(encoded))
        } else {
            // JSON output is UTF-8 by construction.
            let text = String::from_utf8(encoded).map_err(|_| {
                TransportError::Encode(ferrobahn_serializers::EncodeError::TooLarge(0))
            })?;
            ferrobahn_websocket::Message::text(text)
        };
        Pin::new(&mut self.ws).start_send(frame)?;
        Ok(())
    }

    /// The serializer.
    pub fn serializer(&self) -> &Serializer {
        &self.serializer
    }
}

/// Runs the WebSocket opening handshake for `url` over `io` (already connected), offering
/// the subprotocols of `serializers` in order, and wraps the result.
///
/// # Errors
/// [`TransportError::WebSocket`] when the handshake fails, [`TransportError::NoSerializer`]
/// when the router selects no offered subprotocol.
pub async fn connect_websocket<T: Transport>(
    runtime: Arc<dyn Runtime>,
    io: T,
    url: &str,
    serializers: &[Serializer],
    config: ClientConfig,
) -> Result<WebSocketTransport<T>, TransportError> {
    let url: WsUrl = url.parse().map_err(|e| {
        ferrobahn_rt::Error::Handshake(ferrobahn_handshake::HandshakeError::from(e))
    })?;
    let config = config.with_protocols(serializers.iter().map(Serializer::subprotocol));
    let (ws, response) = ferrobahn_rt::connect_transport(runtime, io, &url, config).await?;
    let chosen = response
        .protocol
        .as_deref()
        .and_then(|p| serializers.iter().copied().find(|s| s.subprotocol() == p));
    match chosen {
        Some(s) => {
            tracing::debug!(serializer = s.subprotocol(), "WAMP over WebSocket");
            Ok(WebSocketTransport::new(ws, s))
        }
        None => Err(TransportError::NoSerializer),
    }
}

impl<T: Transport> WampTransport for WebSocketTransport<T> {
    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, TransportError>>> {
        loop {
            if let Some(m) = self.inbox.pop_front() {
                return Poll::Ready(Some(Ok(m)));
            }
            match ready!(self.ws.poll_recv(cx)) {
                None => return Poll::Ready(None),
                Some(Err(e)) => return Poll::Ready(Some(Err(e.into()))),
                Some(Ok(m)) => {
                    if let Err(e) = super::decode(&self.serializer, &m.data, &mut self.inbox) {
                        return Poll::Ready(Some(Err(e.into())));
                    }
                }
            }
        }
    }

    fn send(&mut self, msg: &Message) -> Result<(), TransportError> {
        // Encoded into a buffer kept for the next message (no growth from empty each
        // time), then copied once into a payload of exactly its size.
        let buf = &mut self.encoded;
        buf.clear();
        let encoded = self.serializer.encode(msg, buf);
        if buf.capacity() > ENCODE_BUFFER_KEEP {
            // One large message does not pin its size for the connection's life.
            let b = std::mem::take(buf);
            encoded?;
            return self.queue(b);
        }
        encoded?;
        let b = buf.as_slice().to_vec();
        self.queue(b)
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        Pin::new(&mut self.ws).poll_flush(cx).map_err(Into::into)
    }

    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        Pin::new(&mut self.ws).poll_close(cx).map_err(Into::into)
    }

    fn serializer_name(&self) -> &'static str {
        self.serializer.subprotocol()
    }

    fn tls_exporter(&self) -> Option<[u8; 32]> {
        self.ws.get_ref().tls_exporter()
    }
}
