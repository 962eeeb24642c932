//! What the router hands a connection's driver through its outlet
//! ([`super::outlet::Outlet`]): [`Outgoing`] messages, one for this connection as the
//! core made it (encoded by the driver into a buffer of the thread, [`encode_one`]), a
//! fanned-out one encoded lazily, once per serializer ([`Encoded`]).

use std::cell::RefCell;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use ferrobahn_serializers::{EncodeError, Serializer};
use ferrobahn_wamp::{Message, Value};

use crate::core::Outbound;
use ferrobahn_websocket::{Message as WsMessage, SharedFrame, FRAME_HEADROOM};

/// Slots: four formats, plain and batched.
const SLOTS: usize = 8;

/// A message from the core with its encodings, made on first use by whichever connection
/// driver needs that serializer first: a fanned-out EVENT is serialized once per serializer,
/// and framed once per serializer for WebSocket (the same unmasked frame bytes go to
/// every subscriber whose connection frames it that way).
#[derive(Debug)]
pub(crate) struct Encoded {
    message: Arc<Message>,
    cache: [OnceLock<Bytes>; SLOTS],
    /// WebSocket frames of the encodings (fan-out only).
    frames: [OnceLock<SharedFrame>; SLOTS],
    /// Whether the message goes to more than one connection.
    fanout: bool,
}

/// About how many bytes `msg` takes encoded (at least 128): room for the byte and
/// string arguments of an EVENT or RESULT, so encoding a large payload does not grow the
/// buffer (and copy what it holds) several times over.
fn size_hint(msg: &Message) -> usize {
    let payload = match msg {
        Message::Event(e) => &e.payload,
        Message::Result(r) => &r.payload,
        Message::Invocation(i) => &i.payload,
        _ => return 128,
    };
    let value = |v: &Value| match v {
        Value::Str(s) => s.len(),
        // JSON carries bytes as base64.
        Value::Bytes(b) => b.len() / 3 * 4 + 8,
        _ => 8,
    };
    let args: usize = payload.args().iter().map(value).sum();
    let kwargs: usize = payload
        .kwargs()
        .map_or(0, |k| k.iter().map(|(n, v)| n.len() + value(v)).sum());
    128 + args + kwargs
}

/// Largest encoding of a message for one connection handed over borrowed from the
/// thread's buffer (the connection copies it into its own); a larger one takes that
/// buffer along as [`Bytes`], which WebSocket connections queue without a copy.
const BORROW_MAX: usize = 8 * 1024;

thread_local! {
    /// Where messages for one connection are encoded: one buffer per thread, reused, so
    /// such a message costs no allocation and no connection holds a buffer of its own.
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// A message encoded by [`encode_one`].
#[derive(Debug)]
pub(crate) enum Encoding<'a> {
    /// Small: borrowed from the thread's buffer.
    Borrowed(&'a [u8]),
    /// Large: the buffer itself.
    Owned(Bytes),
}

/// Encodes `msg` for `ser` and hands the encoding to `send` (a message for one
/// connection, which needs no cache: see [`Encoding`]).
pub(crate) fn encode_one<R>(
    msg: &Message,
    ser: &Serializer,
    send: impl FnOnce(Encoding<'_>) -> R,
) -> Result<R, EncodeError> {
    SCRATCH.with(|cell| {
        let mut fresh = Vec::new();
        // Never borrowed twice (`send` does not encode); a fresh buffer if it were.
        let mut kept = cell.try_borrow_mut();
        let buf = match kept.as_deref_mut() {
            Ok(buf) => buf,
            Err(_) => &mut fresh,
        };
        buf.clear();
        buf.reserve(size_hint(msg));
        ser.encode(msg, buf)?;
        if buf.len() > BORROW_MAX {
            return Ok(send(Encoding::Owned(Bytes::from(std::mem::take(buf)))));
        }
        Ok(send(Encoding::Borrowed(buf)))
    })
}

/// The cache slot of a serializer.
fn slot(ser: &Serializer) -> usize {
    (usize::from(ser.format().rawsocket_id()).saturating_sub(1) * 2 + usize::from(ser.is_batched()))
        .min(SLOTS - 1)
}

impl Encoded {
    pub(crate) fn new(message: Arc<Message>, fanout: bool) -> Self {
        Self {
            message,
            cache: Default::default(),
            frames: Default::default(),
            fanout,
        }
    }

    /// The WebSocket frame of this message for `ser` as `kind`, built once and shared by
    /// every connection with this serializer, when the message is fanned out (`None` for
    /// a message to one connection: that connection frames [`Encoded::bytes`] as usual).
    pub(crate) fn frame(
        &self,
        ser: &Serializer,
        kind: ferrobahn_websocket::MessageKind,
    ) -> Result<Option<&SharedFrame>, EncodeError> {
        if !self.fanout {
            return Ok(None);
        }
        let slot = slot(ser);
        if let Some(f) = self.frames[slot].get() {
            return Ok(Some(f));
        }
        let shared = match self.cache[slot].get() {
            // Encoded already (for a RawSocket peer): framed with a copy.
            Some(data) => SharedFrame::new(&WsMessage {
                kind,
                data: data.clone(),
            }),
            // Encoded behind room for the frame header: framed in place.
            None => {
                let mut out = Vec::with_capacity(FRAME_HEADROOM + size_hint(&self.message));
                out.resize(FRAME_HEADROOM, 0);
                ser.encode(&self.message, &mut out)?;
                let shared = SharedFrame::in_place(kind, out);
                // Another task may have raced us; either encoding is the same.
                let _ = self.cache[slot].set(shared.payload());
                shared
            }
        };
        // As above: a racing task's frame is the same.
        Ok(Some(self.frames[slot].get_or_init(|| shared)))
    }

    /// The message itself (embedded components take it without serializing).
    pub(crate) fn message(&self) -> &Arc<Message> {
        &self.message
    }

    /// The bytes of this message for `ser`.
    pub(crate) fn bytes(&self, ser: &Serializer) -> Result<Bytes, EncodeError> {
        let slot = slot(ser);
        if let Some(b) = self.cache[slot].get() {
            return Ok(b.clone());
        }
        let mut out = Vec::with_capacity(size_hint(&self.message));
        ser.encode(&self.message, &mut out)?;
        let b = Bytes::from(out);
        // Another task may have raced us; either encoding is the same.
        let _ = self.cache[slot].set(b.clone());
        Ok(b)
    }

    #[cfg(test)]
    pub(crate) fn is_cached(&self, ser: &Serializer) -> bool {
        self.cache[slot(ser)].get().is_some()
    }
}

/// A message in an [`Outlet`](super::outlet::Outlet).
#[derive(Debug)]
pub(crate) enum Outgoing {
    /// A message for this connection only: nothing to share, so no encoding cache (its
    /// driver encodes it into a buffer of its own).
    One(Outbound),
    /// A message for several connections, encoded once per serializer.
    Shared(Arc<Encoded>),
}

impl Outgoing {
    /// The message.
    #[cfg(test)]
    pub(crate) fn message(&self) -> &Message {
        match self {
            Outgoing::One(m) => m,
            Outgoing::Shared(e) => e.message(),
        }
    }

    /// The message, moved out when not shared (else cloned).
    pub(crate) fn into_message(self) -> Message {
        match self {
            Outgoing::One(m) => m.into_message(),
            Outgoing::Shared(e) => Message::clone(e.message()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrobahn_serializers::Format;
    use ferrobahn_wamp::message::Event;

    #[test]
    fn encodes_once_per_serializer() {
        let e = Encoded::new(Arc::new(Message::Event(Event::default())), true);
        let json = Serializer::new(Format::Json);
        let mp = Serializer::new(Format::MsgPack);
        assert!(!e.is_cached(&json));
        let a = e.bytes(&json).unwrap();
        assert!(e.is_cached(&json) && !e.is_cached(&mp));
        let b = e.bytes(&json).unwrap();
        assert_eq!(
            a.as_ptr(),
            b.as_ptr(),
            "the cached bytes are shared, not re-encoded"
        );
        assert_eq!(&a[..], b"[36,0,0,{}]");
        let m = e.bytes(&mp).unwrap();
        assert_eq!(mp.decode_one(&m).unwrap(), Message::Event(Event::default()));
        let batched = Serializer::batched(Format::Json);
        assert_eq!(e.bytes(&batched).unwrap().last(), Some(&0x18));
    }

    #[test]
    fn fanned_out_messages_are_framed_once_per_serializer() {
        use ferrobahn_websocket::MessageKind;
        let e = Encoded::new(Arc::new(Message::Event(Event::default())), true);
        let json = Serializer::new(Format::Json);
        let mp = Serializer::new(Format::MsgPack);
        let a = e.frame(&json, MessageKind::Text).unwrap().unwrap();
        let b = e.frame(&json, MessageKind::Text).unwrap().unwrap();
        assert!(
            std::ptr::eq(a, b),
            "one frame shared by every JSON subscriber"
        );
        assert_eq!(&a.frame()[..], b"\x81\x0b[36,0,0,{}]");
        assert_eq!(
            e.bytes(&json).unwrap().as_ptr(),
            a.payload().as_ptr(),
            "the encoding is the frame's own tail, not a second buffer"
        );
        let m = e.frame(&mp, MessageKind::Binary).unwrap().unwrap();
        assert_eq!(m.frame()[0], 0x82);
        assert_eq!(m.payload(), e.bytes(&mp).unwrap());
        // Encoded before it was framed (a RawSocket peer first): framed from that.
        let f = Encoded::new(Arc::new(Message::Event(Event::default())), true);
        let data = f.bytes(&json).unwrap();
        assert_eq!(f.frame(&json, MessageKind::Text).unwrap().unwrap(), a);
        assert_eq!(f.bytes(&json).unwrap(), data);
        // A message for one connection is framed by that connection.
        let one = Encoded::new(Arc::new(Message::Event(Event::default())), false);
        assert!(one.frame(&json, MessageKind::Text).unwrap().is_none());
    }

    #[test]
    fn an_outgoing_message_is_moved_out_when_not_shared() {
        let event = || Message::Event(Event::default());
        assert_eq!(
            Outgoing::One(Outbound::Owned(event())).into_message(),
            event()
        );
        let one = Arc::new(event());
        assert_eq!(Outgoing::One(Outbound::Shared(one)).into_message(), event());
        // Still referenced elsewhere (a fan-out): cloned, the other reference intact.
        let shared = Arc::new(Encoded::new(Arc::new(event()), true));
        let kept = Arc::clone(shared.message());
        assert_eq!(Outgoing::Shared(shared).into_message(), event());
        assert_eq!(*kept, event());
        let kept_too = Arc::clone(&kept);
        assert_eq!(Outbound::Shared(kept).into_message(), event());
        assert_eq!(Arc::strong_count(&kept_too), 1);
    }
}
