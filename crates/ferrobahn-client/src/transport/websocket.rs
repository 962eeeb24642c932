//! WAMP over WebSocket: one WAMP message (or batch) per WebSocket message.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use bytes::{Bytes, BytesMut};
use ferrobahn_handshake::WsUrl;
use ferrobahn_rt::{ClientConfig, Runtime, Transport, WebSocket};
use ferrobahn_serializers::Serializer;
use ferrobahn_wamp::Message;
use ferrobahn_websocket::MessageKind;
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
    /// Where encoded payloads are copied to become [`Bytes`]: each is split off, and
    /// the space is used again once the WebSocket layer has dropped them (it copies
    /// small payloads into its write buffer at once), so small messages cost no
    /// allocation.
    payloads: BytesMut,
}

/// The largest encoding buffer a transport keeps for its next message.
const ENCODE_BUFFER_KEEP: usize = 8 * 1024;

/// The size of the payload buffer made when it has no room left.
const PAYLOAD_BUFFER: usize = 4 * 1024;

impl<T: Transport> WebSocketTransport<T> {
    /// Wraps an open WebSocket whose subprotocol selected `serializer`.
    pub fn new(ws: WebSocket<T>, serializer: Serializer) -> Self {
        Self {
            ws,
            serializer,
            inbox: VecDeque::new(),
            encoded: Vec::new(),
            payloads: BytesMut::new(),
        }
    }

    /// Queues the message in `self.encoded` (the outcome of encoding it) as a
    /// WebSocket message.
    fn queue_encoded(
        &mut self,
        encoded: Result<(), ferrobahn_serializers::EncodeError>,
    ) -> Result<(), TransportError> {
        let data = if self.encoded.capacity() > ENCODE_BUFFER_KEEP {
            // One large message does not pin its size for the connection's life.
            let b = std::mem::take(&mut self.encoded);
            encoded?;
            Bytes::from(b)
        } else {
            encoded?;
            let n = self.encoded.len();
            if self.payloads.capacity() < n {
                // Takes back the whole buffer when every payload cut from it is gone.
                self.payloads.reserve(n.max(PAYLOAD_BUFFER));
            }
            self.payloads.extend_from_slice(&self.encoded);
            self.payloads.split().freeze()
        };
        let kind = if self.serializer.is_binary() {
            MessageKind::Binary
        } else if std::str::from_utf8(&data).is_ok() {
            // JSON output is UTF-8 by construction.
            MessageKind::Text
        } else {
            return Err(TransportError::Encode(
                ferrobahn_serializers::EncodeError::TooLarge(0),
            ));
        };
        let frame = ferrobahn_websocket::Message { kind, data };
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
                Some(Ok(m)) if !self.serializer.is_batched() => {
                    // One message per frame: handed out without the inbox.
                    let one = super::decode_one(&self.serializer, &m.data);
                    return Poll::Ready(Some(one.map_err(Into::into)));
                }
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
        // time), then copied once into the payload buffer.
        self.encoded.clear();
        let encoded = self.serializer.encode(msg, &mut self.encoded);
        self.queue_encoded(encoded)
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
