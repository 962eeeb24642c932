//! The [`Serializer`]: one format, plain or batched, with limits.

use bytes::Bytes;
use ferrobahn_wamp::{Message, UriCheck, Value};

use crate::error::{DecodeError, EncodeError};
use crate::Format;

/// Decoder limits. Every one is checked before memory is allocated for the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest accepted serialized message (a whole batch for batched formats).
    /// Default 16 MiB.
    pub max_message_size: usize,
    /// Deepest nesting of lists and dictionaries. Default 64.
    pub max_depth: usize,
    /// How URIs in decoded messages are checked. Default loose.
    pub uri_check: UriCheck,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_message_size: 16 * 1024 * 1024,
            max_depth: 64,
            uri_check: UriCheck::Loose,
        }
    }
}

impl Limits {
    /// Sets [`Limits::max_message_size`].
    pub fn with_max_message_size(mut self, n: usize) -> Self {
        self.max_message_size = n;
        self
    }

    /// Sets [`Limits::max_depth`].
    pub fn with_max_depth(mut self, n: usize) -> Self {
        self.max_depth = n;
        self
    }

    /// Sets [`Limits::uri_check`].
    pub fn with_uri_check(mut self, check: UriCheck) -> Self {
        self.uri_check = check;
        self
    }
}

/// JSON batches end every message with this byte (`"\30"` in AutobahnPython, octal 0x18).
/// On decode the ASCII record separator 0x1E is accepted as well; neither byte can occur
/// unescaped in JSON text.
pub const JSON_BATCH_SEPARATOR: u8 = 0x18;

/// A WAMP serializer: a [`Format`], plain or batched, with decoder [`Limits`].
///
/// Plain: one message per WebSocket message (or RawSocket frame). Batched: JSON messages
/// each followed by [`JSON_BATCH_SEPARATOR`]; binary messages each prefixed by a 4-byte
/// big-endian length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Serializer {
    format: Format,
    batched: bool,
    limits: Limits,
}

impl Serializer {
    /// A plain serializer with default limits.
    pub fn new(format: Format) -> Self {
        Self {
            format,
            batched: false,
            limits: Limits::default(),
        }
    }

    /// A batched serializer with default limits.
    pub fn batched(format: Format) -> Self {
        Self {
            batched: true,
            ..Self::new(format)
        }
    }

    /// Replaces the limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The serializer for a WebSocket subprotocol such as `wamp.2.msgpack.batched`, if that
    /// format is compiled in.
    pub fn from_subprotocol(name: &str) -> Option<Self> {
        let rest = name.strip_prefix("wamp.2.")?;
        let (fmt, batched) = match rest.strip_suffix(".batched") {
            Some(f) => (f, true),
            None => (rest, false),
        };
        let format = Format::from_name(fmt)?;
        Some(if batched {
            Self::batched(format)
        } else {
            Self::new(format)
        })
    }

    /// The WebSocket subprotocol name, e.g. `wamp.2.json` or `wamp.2.cbor.batched`.
    pub fn subprotocol(&self) -> &'static str {
        self.format.subprotocol(self.batched)
    }

    /// The format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Whether this is the batched variant.
    pub fn is_batched(&self) -> bool {
        self.batched
    }

    /// The limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Whether messages go in binary WebSocket frames (all formats except JSON).
    pub fn is_binary(&self) -> bool {
        self.format.is_binary()
    }

    /// Appends one encoded message to `out`. In batched mode it appends one batch element,
    /// so calling it repeatedly on one buffer builds a batch.
    ///
    /// The message is encoded where it lies (see [`Message::write_to`]): nothing of it is
    /// copied but into `out`, and nothing is allocated but `out`'s growth (and an option
    /// whose value is a list or a nested dictionary, converted for the encoding). The bytes
    /// are those of [`encode_value`](Self::encode_value) of [`Message::to_value`].
    pub fn encode(&self, msg: &Message, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.framed(out, |out| self.format.encode_message(msg, out))
    }

    /// Appends one encoded value (see [`Serializer::encode`]).
    pub fn encode_value(&self, v: &Value, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.framed(out, |out| self.format.encode(v, out))
    }

    /// Runs `encode` on `out`, framed as a batch element when batched.
    fn framed(
        &self,
        out: &mut Vec<u8>,
        encode: impl FnOnce(&mut Vec<u8>) -> Result<(), EncodeError>,
    ) -> Result<(), EncodeError> {
        if !self.batched {
            return encode(out);
        }
        if self.format.is_binary() {
            let at = out.len();
            out.extend_from_slice(&[0; 4]);
            encode(out)?;
            let n = out.len() - at - 4;
            let len = u32::try_from(n).map_err(|_| EncodeError::TooLarge(n))?;
            out[at..at + 4].copy_from_slice(&len.to_be_bytes());
        } else {
            encode(out)?;
            out.push(JSON_BATCH_SEPARATOR);
        }
        Ok(())
    }

    /// Decodes the messages in `data`: exactly one when plain, one or more when batched.
    pub fn decode(&self, data: &[u8]) -> Result<Vec<Message>, DecodeError> {
        self.decode_inner(data, None)
    }

    /// As [`Serializer::decode`]; binary formats slice byte strings out of `data` without
    /// copying them.
    pub fn decode_bytes(&self, data: &Bytes) -> Result<Vec<Message>, DecodeError> {
        self.decode_inner(data, Some(data))
    }

    /// Decodes one message (a batch must hold exactly one).
    pub fn decode_one(&self, data: &[u8]) -> Result<Message, DecodeError> {
        self.decode_one_inner(data, None)
    }

    /// As [`Serializer::decode_one`]; binary formats slice byte strings out of `data`
    /// without copying them. Unbatched, no list is allocated for the one message.
    pub fn decode_one_bytes(&self, data: &Bytes) -> Result<Message, DecodeError> {
        self.decode_one_inner(data, Some(data))
    }

    fn decode_one_inner(&self, data: &[u8], src: Option<&Bytes>) -> Result<Message, DecodeError> {
        if !self.batched {
            return self.decode_single(data, src);
        }
        let mut msgs = self.decode_inner(data, src)?;
        match (msgs.pop(), msgs.is_empty()) {
            (Some(m), true) => Ok(m),
            _ => Err(DecodeError::Batch("expected exactly one message")),
        }
    }

    /// The one message of unbatched `data`: no list of values in between.
    fn decode_single(&self, data: &[u8], src: Option<&Bytes>) -> Result<Message, DecodeError> {
        self.check_size(data)?;
        let v = self.format.decode(data, src, self.limits.max_depth)?;
        Ok(Message::from_value_with(v, self.limits.uri_check)?)
    }

    /// [`DecodeError::TooLarge`] for input over the message size limit.
    fn check_size(&self, data: &[u8]) -> Result<(), DecodeError> {
        if data.len() > self.limits.max_message_size {
            return Err(DecodeError::TooLarge {
                size: data.len(),
                limit: self.limits.max_message_size,
            });
        }
        Ok(())
    }

    fn decode_inner(&self, data: &[u8], src: Option<&Bytes>) -> Result<Vec<Message>, DecodeError> {
        if !self.batched {
            return Ok(vec![self.decode_single(data, src)?]);
        }
        let check = self.limits.uri_check;
        let values = self.decode_values_inner(data, src)?;
        values
            .into_iter()
            .map(|v| Message::from_value_with(v, check).map_err(Into::into))
            .collect()
    }

    /// Decodes the values in `data` without interpreting them as messages.
    pub fn decode_values(&self, data: &[u8]) -> Result<Vec<Value>, DecodeError> {
        self.decode_values_inner(data, None)
    }

    fn decode_values_inner(
        &self,
        data: &[u8],
        src: Option<&Bytes>,
    ) -> Result<Vec<Value>, DecodeError> {
        let mut out = Vec::new();
        self.for_each_value_inner(data, src, |v| {
            out.push(v);
            Ok(())
        })?;
        Ok(out)
    }

    /// Decodes the values in `data` (as [`Serializer::decode_values`]) and hands each
    /// to `each` in order, without collecting them. Values before a bad one are handed
    /// over before the error is returned; an error from `each` stops decoding.
    pub fn for_each_value(
        &self,
        data: &[u8],
        each: impl FnMut(Value) -> Result<(), DecodeError>,
    ) -> Result<(), DecodeError> {
        self.for_each_value_inner(data, None, each)
    }

    fn for_each_value_inner(
        &self,
        data: &[u8],
        src: Option<&Bytes>,
        mut each: impl FnMut(Value) -> Result<(), DecodeError>,
    ) -> Result<(), DecodeError> {
        self.check_size(data)?;
        let depth = self.limits.max_depth;
        if !self.batched {
            return each(self.format.decode(data, src, depth)?);
        }
        let mut any = false;
        if self.format.is_binary() {
            let mut rest = data;
            let mut offset = 0;
            while !rest.is_empty() {
                let Some((head, body)) = rest.split_first_chunk::<4>() else {
                    return Err(DecodeError::Batch("truncated length prefix"));
                };
                let n = u32::from_be_bytes(*head) as usize;
                if n > body.len() {
                    return Err(DecodeError::Batch("length prefix beyond the end"));
                }
                let start = offset + 4;
                let sub = src.map(|b| b.slice(start..start + n));
                each(self.format.decode(&body[..n], sub.as_ref(), depth)?)?;
                any = true;
                rest = &body[n..];
                offset = start + n;
            }
        } else {
            let mut rest = data;
            while !rest.is_empty() {
                let Some(end) = rest
                    .iter()
                    .position(|&b| b == JSON_BATCH_SEPARATOR || b == 0x1e)
                else {
                    return Err(DecodeError::Batch("JSON message without a separator"));
                };
                each(self.format.decode(&rest[..end], None, depth)?)?;
                any = true;
                rest = &rest[end + 1..];
            }
        }
        if !any {
            return Err(DecodeError::Batch("empty batch"));
        }
        Ok(())
    }
}
