//! WAMP transports: a message channel to the router over WebSocket or RawSocket.
//!
//! [`WampTransport`] is what the async client drives; [`WebSocketTransport`] and
//! [`RawSocketTransport`] implement it over any [`ferrobahn_rt::Transport`] byte stream,
//! so they work on every runtime.

mod endpoint;
mod rawsocket;
mod websocket;

use std::collections::VecDeque;
use std::io;
use std::task::{Context, Poll};

use bytes::Bytes;
use ferrobahn_serializers::{DecodeError, EncodeError, Serializer};
use ferrobahn_wamp::{Message, Value};

pub use endpoint::{connect_endpoint, Endpoint, EndpointError};
pub use rawsocket::{connect_rawsocket, RawSocketTransport};
pub use websocket::{connect_websocket, WebSocketTransport};

/// Why a WAMP transport failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The peer sent bytes that are not a WAMP message in the negotiated serializer.
    #[error("undecodable message: {0}")]
    Decode(#[from] DecodeError),
    /// A message could not be serialized.
    #[error("cannot serialize: {0}")]
    Encode(#[from] EncodeError),
    /// The WebSocket layer failed (handshake, protocol, I/O).
    #[error("websocket: {0}")]
    WebSocket(#[from] ferrobahn_rt::Error),
    /// The RawSocket layer failed (handshake refused, framing, limits).
    #[error("rawsocket: {0}")]
    RawSocket(String),
    /// The byte stream failed.
    #[error("i/o: {0}")]
    Io(#[from] io::Error),
    /// The router accepted none of the offered serializers.
    #[error("the router accepted none of the offered serializers")]
    NoSerializer,
    /// The transport is closed.
    #[error("transport closed")]
    Closed,
}

/// A bidirectional channel of WAMP messages (a serializer over a framed byte stream).
///
/// The async client calls `poll_recv` until it is pending, queues with `send`, and
/// writes with `poll_flush`.
pub trait WampTransport: Send + 'static {
    /// The next message; `None` once the router closed the transport.
    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, TransportError>>>;

    /// Serializes and queues `msg`.
    ///
    /// # Errors
    /// When the message cannot be serialized or the transport is closed.
    fn send(&mut self, msg: &Message) -> Result<(), TransportError>;

    /// As [`send`](Self::send) for a message that is not needed afterwards, for a
    /// transport that can use the ownership. The default sends by reference (what the
    /// transports of this crate do: they encode a borrowed message without copying it).
    ///
    /// # Errors
    /// As [`send`](Self::send).
    fn send_owned(&mut self, msg: Message) -> Result<(), TransportError> {
        self.send(&msg)
    }

    /// Writes what is queued.
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), TransportError>>;

    /// Closes the transport (WebSocket closing handshake / shutdown).
    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), TransportError>>;

    /// The negotiated serializer, e.g. `wamp.2.json` (for logs and tests).
    fn serializer_name(&self) -> &'static str;

    /// The RFC 9266 `tls-exporter` value of the TLS connection underneath (from the
    /// byte stream's [`ferrobahn_rt::Transport::tls_exporter`]); `None` (the
    /// default) without TLS. The client takes cryptosign channel bindings from it.
    fn tls_exporter(&self) -> Option<[u8; 32]> {
        None
    }
}

impl WampTransport for Box<dyn WampTransport> {
    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, TransportError>>> {
        (**self).poll_recv(cx)
    }
    fn send(&mut self, msg: &Message) -> Result<(), TransportError> {
        (**self).send(msg)
    }
    fn send_owned(&mut self, msg: Message) -> Result<(), TransportError> {
        (**self).send_owned(msg)
    }
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        (**self).poll_flush(cx)
    }
    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        (**self).poll_close(cx)
    }
    fn serializer_name(&self) -> &'static str {
        (**self).serializer_name()
    }
    fn tls_exporter(&self) -> Option<[u8; 32]> {
        (**self).tls_exporter()
    }
}

/// Decodes the messages in `data` onto the end of `inbox`, reading a `null` option or
/// detail as an absent one (AutobahnPython and Crossbar send e.g. `"channel_binding":
/// null` in CHALLENGE). On an error, the messages of a batch before the bad one stay
/// queued (the session ends with a protocol violation after them).
pub(crate) fn decode(
    serializer: &Serializer,
    data: &Bytes,
    inbox: &mut VecDeque<Message>,
) -> Result<(), DecodeError> {
    let check = serializer.limits().uri_check;
    serializer.for_each_value(data, |mut v| {
        strip_null_options(&mut v);
        inbox.push_back(Message::from_value_with(v, check)?);
        Ok(())
    })
}

/// Decodes the one message of a plain (not batched) serializer's frame, as [`decode`]
/// does, without queueing it.
pub(crate) fn decode_one(serializer: &Serializer, data: &[u8]) -> Result<Message, DecodeError> {
    debug_assert!(!serializer.is_batched());
    let check = serializer.limits().uri_check;
    let mut one = None;
    serializer.for_each_value(data, |mut v| {
        strip_null_options(&mut v);
        one = Some(Message::from_value_with(v, check)?);
        Ok(())
    })?;
    one.ok_or(DecodeError::Batch("no message"))
}

/// Removes `null` entries from the first dictionary of a message list: its options or
/// details (payload kwargs always come after it).
fn strip_null_options(v: &mut Value) {
    if let Value::List(items) = v {
        if let Some(Value::Dict(d)) = items
            .iter_mut()
            .skip(1)
            .find(|i| matches!(i, Value::Dict(_)))
        {
            d.retain(|_, val| !val.is_null());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrobahn_serializers::Format;

    #[test]
    fn null_options_read_as_absent_but_kwargs_keep_nulls() {
        let ser = Serializer::new(Format::Json);
        let challenge =
            Bytes::from_static(br#"[4,"cryptosign",{"challenge":"00","channel_binding":null}]"#);
        let mut msgs = VecDeque::new();
        decode(&ser, &challenge, &mut msgs).unwrap();
        let Message::Challenge(c) = &msgs[0] else {
            panic!("{msgs:?}")
        };
        assert_eq!(c.extra.channel_binding, None);
        let event = Bytes::from_static(br#"[36,1,2,{"publisher":null},[null],{"k":null}]"#);
        msgs.clear();
        decode(&ser, &event, &mut msgs).unwrap();
        let Message::Event(e) = &msgs[0] else {
            panic!()
        };
        assert_eq!(e.payload.kwargs().unwrap()["k"], Value::Null);
        assert_eq!(e.payload.args(), &[Value::Null]);
        msgs.clear();
        assert!(decode(&ser, &Bytes::from_static(b"[1,"), &mut msgs).is_err());
        assert!(msgs.is_empty());
        // The one message of a plain frame, without the queue: the same reading.
        let Message::Challenge(one) = decode_one(&ser, &challenge).unwrap() else {
            panic!()
        };
        assert_eq!(one.extra.channel_binding, None);
        assert!(decode_one(&ser, b"[1,").is_err());
        assert!(decode_one(&ser, b"[1] [2]").is_err());
    }
}
