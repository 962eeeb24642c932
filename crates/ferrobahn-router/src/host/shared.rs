//! What the router task and a connection task share: the outgoing queue items (messages
//! encoded lazily, once per serializer) and the per-connection counters.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use ferrobahn_serializers::{EncodeError, Serializer};
use ferrobahn_wamp::Message;

/// Slots: four formats, plain and batched.
const SLOTS: usize = 8;

/// A message from the core with its encodings, made on first use by whichever connection
/// task needs that serializer first: a fanned-out EVENT is serialized once per serializer,
/// and framed once per serializer for WebSocket (the same unmasked frame bytes go to
/// every subscriber whose connection frames it that way).
#[derive(Debug)]
pub(crate) struct Encoded {
    message: Arc<Message>,
    cache: [OnceLock<Bytes>; SLOTS],
    /// WebSocket frames of the encodings (fan-out only).
    frames: [OnceLock<Bytes>; SLOTS],
    /// Whether the message goes to more than one connection.
    fanout: bool,
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
    /// every connection with this serializer, when the message is fanned out (a message
    /// for one connection is framed by that connection as usual).
    pub(crate) fn frame(
        &self,
        ser: &Serializer,
        kind: ferrobahn_websocket::MessageKind,
    ) -> Result<(Bytes, Option<Bytes>), EncodeError> {
        let data = self.bytes(ser)?;
        if !self.fanout {
            return Ok((data, None));
        }
        let frame = self.frames[slot(ser)]
            .get_or_init(|| {
                let msg = ferrobahn_websocket::Message {
                    kind,
                    data: data.clone(),
                };
                msg.encode_frame()
            })
            .clone();
        Ok((data, Some(frame)))
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
        let mut out = Vec::with_capacity(128);
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

/// An item of a connection's outgoing queue.
#[derive(Debug)]
pub(crate) enum Outgoing {
    /// Send this message.
    Message(Arc<Encoded>),
    /// Close the connection after what was queued before.
    Close,
}

/// Counters shared by the router task and a connection's tasks.
#[derive(Debug, Default)]
pub(crate) struct ConnShared {
    /// Items in the outgoing queue.
    pub(crate) queued: AtomicUsize,
    /// Messages received and not yet handled by the router.
    pub(crate) inbound: AtomicUsize,
    /// The connection must be closed at once (too slow, flooding).
    pub(crate) kill: AtomicBool,
}

impl ConnShared {
    pub(crate) fn killed(&self) -> bool {
        self.kill.load(Ordering::Relaxed)
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
        let (data, a) = e.frame(&json, MessageKind::Text).unwrap();
        let (_, b) = e.frame(&json, MessageKind::Text).unwrap();
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(
            a.as_ptr(),
            b.as_ptr(),
            "one frame shared by every JSON subscriber"
        );
        assert_eq!(&a[..], b"\x81\x0b[36,0,0,{}]");
        assert!(a.ends_with(&data));
        let (_, m) = e.frame(&mp, MessageKind::Binary).unwrap();
        let m = m.unwrap();
        assert_eq!(m[0], 0x82);
        assert_ne!(m.as_ptr(), a.as_ptr());
        // A message for one connection is framed by that connection.
        let one = Encoded::new(Arc::new(Message::Event(Event::default())), false);
        assert_eq!(one.frame(&json, MessageKind::Text).unwrap().1, None);
    }
}
