//! Frames shared between connections: a server sends the same unmasked frame to many
//! peers (a WAMP router's fan-out), so it is built once ([`Message::encode_frame`]) and
//! queued on each connection as bytes ([`Connection::send_framed`]), not framed again
//! per connection.

use std::time::Instant;

use bytes::Bytes;
use ferrobahn_frame::{FrameHeader, OpCode, MAX_HEADER_LEN};

use super::{Connection, Role};
use crate::{Message, MessageKind, SendError, State};

/// Pre-built frames at least this large are queued by reference by
/// [`Connection::send_framed`]; smaller ones are cheaper to copy than to track.
const SHARED_FRAME_MIN: usize = 1024;

fn opcode(kind: MessageKind) -> OpCode {
    match kind {
        MessageKind::Text => OpCode::Text,
        MessageKind::Binary => OpCode::Binary,
    }
}

/// Bytes to leave free at the start of a buffer in front of a payload for
/// [`Message::frame_in_place`]: the longest header of an unmasked frame.
pub const FRAME_HEADROOM: usize = 10;

/// A message framed once for many server connections: its final, unmasked frame (the
/// bytes [`Message::encode_frame`] builds) and where its payload starts in it. Hand it to
/// [`Connection::send_shared`] of every connection; each queues the one frame by
/// reference when it would send exactly those bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedFrame {
    frame: Bytes,
    /// Where the payload starts in `frame`.
    at: usize,
    kind: MessageKind,
}

impl SharedFrame {
    /// Frames `msg` (a copy of its payload, as [`Message::encode_frame`]).
    #[must_use]
    pub fn new(msg: &Message) -> Self {
        let frame = msg.encode_frame();
        Self {
            at: frame.len() - msg.data.len(),
            frame,
            kind: msg.kind,
        }
    }

    /// Frames the payload written after [`FRAME_HEADROOM`] free bytes at the start of
    /// `buf`, in place: the header goes into the free bytes just before the payload, so
    /// the payload is not copied. A `buf` shorter than [`FRAME_HEADROOM`] holds an empty
    /// payload.
    #[must_use]
    pub fn in_place(kind: MessageKind, mut buf: Vec<u8>) -> Self {
        if buf.len() < FRAME_HEADROOM {
            buf.resize(FRAME_HEADROOM, 0);
        }
        let header = FrameHeader {
            fin: true,
            rsv: 0,
            opcode: opcode(kind),
            mask: None,
            payload_len: (buf.len() - FRAME_HEADROOM) as u64,
        };
        let mut head = [0u8; MAX_HEADER_LEN];
        let n = header.encode(&mut head);
        // An unmasked header takes at most FRAME_HEADROOM bytes.
        let start = FRAME_HEADROOM.saturating_sub(n);
        buf[start..start + n].copy_from_slice(&head[..n]);
        Self {
            frame: Bytes::from(buf).slice(start..),
            at: n,
            kind,
        }
    }

    /// The whole frame.
    #[must_use]
    pub fn frame(&self) -> &Bytes {
        &self.frame
    }

    /// The payload (a view of the frame's bytes).
    #[must_use]
    pub fn payload(&self) -> Bytes {
        self.frame.slice(self.at..)
    }

    /// The payload's length.
    #[must_use]
    pub fn payload_len(&self) -> usize {
        self.frame.len() - self.at
    }

    /// The message's kind.
    #[must_use]
    pub fn kind(&self) -> MessageKind {
        self.kind
    }

    /// The message.
    #[must_use]
    pub fn message(&self) -> Message {
        Message {
            kind: self.kind,
            data: self.payload(),
        }
    }
}

impl Message {
    /// This message as one final, unmasked frame without extension bits: the bytes a
    /// server connection sends for it when no extension or fragmentation applies.
    /// Build it once and hand it to [`Connection::send_framed`] of every connection.
    #[must_use]
    pub fn encode_frame(&self) -> Bytes {
        let header = FrameHeader {
            fin: true,
            rsv: 0,
            opcode: opcode(self.kind),
            mask: None,
            payload_len: self.data.len() as u64,
        };
        let mut head = [0u8; MAX_HEADER_LEN];
        let n = header.encode(&mut head);
        let mut out = Vec::with_capacity(n + self.data.len());
        out.extend_from_slice(&head[..n]);
        out.extend_from_slice(&self.data);
        Bytes::from(out)
    }
}

/// Whether `frame` ends with `data`: at once when `data` is the end of `frame` itself
/// (a payload sliced from its frame, as a fan-out hands out), else by comparing bytes.
fn ends_with(frame: &[u8], data: &[u8]) -> bool {
    let Some(at) = frame.len().checked_sub(data.len()) else {
        return false;
    };
    let tail = &frame[at..];
    std::ptr::eq(tail.as_ptr(), data.as_ptr()) || tail == data
}

impl Connection {
    /// Queues `msg` using `frame`, its [`Message::encode_frame`], when this connection
    /// would send exactly those bytes (a server connection that does not mask, with no
    /// per-message extension negotiated and no auto-fragmentation of this payload);
    /// otherwise frames `msg` as [`Connection::send`] does. Returns whether `frame` was
    /// used.
    ///
    /// When `msg.data` is a slice of `frame` (its payload part), the check that `frame`
    /// carries `msg` costs no comparison of the payload bytes.
    ///
    /// A frame of at least 1 KiB is queued by reference, not
    /// copied: every connection's vectored write then reads the one shared frame (which
    /// stays in cache across a fan-out) instead of its own copy.
    ///
    /// # Errors
    /// As [`Connection::send`].
    pub fn send_framed(
        &mut self,
        now: Instant,
        msg: &Message,
        frame: &Bytes,
    ) -> Result<bool, SendError> {
        let chunk = self.config.auto_fragment_size;
        let shareable = self.role == Role::Server
            && !self.config.mask_server_frames
            && self.codec.is_none()
            && (chunk == 0 || msg.data.len() <= chunk)
            && frame.len() >= msg.data.len() + 2
            && frame[0] == 0x80 | opcode(msg.kind).as_u8()
            && frame[1] & 0x80 == 0
            && ends_with(frame, &msg.data);
        if !shareable {
            self.send(now, msg)?;
            return Ok(false);
        }
        if self.state != State::Open {
            return Err(SendError::Closed);
        }
        self.queue_frame(frame);
        Ok(true)
    }

    /// Queues the message of `shared` using its frame when this connection would send
    /// exactly those bytes (as [`Connection::send_framed`], with no check of the payload
    /// needed: a [`SharedFrame`] is consistent by construction); otherwise frames the
    /// message as [`Connection::send`] does. Returns whether the shared frame was used.
    ///
    /// # Errors
    /// As [`Connection::send`].
    pub fn send_shared(&mut self, now: Instant, shared: &SharedFrame) -> Result<bool, SendError> {
        let chunk = self.config.auto_fragment_size;
        let shareable = self.role == Role::Server
            && !self.config.mask_server_frames
            && self.codec.is_none()
            && (chunk == 0 || shared.payload_len() <= chunk);
        if !shareable {
            self.send(now, &shared.message())?;
            return Ok(false);
        }
        if self.state != State::Open {
            return Err(SendError::Closed);
        }
        self.queue_frame(&shared.frame);
        Ok(true)
    }

    /// Queues a whole frame: by reference when large.
    fn queue_frame(&mut self, frame: &Bytes) {
        if frame.len() >= SHARED_FRAME_MIN {
            self.push_shared(frame.clone());
        } else {
            self.compact_out();
            self.out.extend_from_slice(frame);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;

    fn conn(role: Role, config: Config) -> Connection {
        Connection::new(role, config, Instant::now(), 1)
    }

    fn sent(c: &mut Connection) -> Vec<u8> {
        // Large payloads are queued in several runs.
        let mut out = Vec::new();
        loop {
            let run = c.transmit_buf();
            if run.is_empty() {
                break;
            }
            out.extend_from_slice(run);
            let n = run.len();
            c.advance_transmit(n);
        }
        out
    }

    #[test]
    fn a_frame_built_in_place_is_the_encoded_frame() {
        for len in [0usize, 1, 125, 126, 65_535, 65_536, 70_000] {
            for kind in [MessageKind::Text, MessageKind::Binary] {
                let payload = vec![b'a'; len];
                let mut buf = vec![0u8; FRAME_HEADROOM];
                buf.extend_from_slice(&payload);
                let shared = SharedFrame::in_place(kind, buf);
                let msg = Message {
                    kind,
                    data: Bytes::from(payload),
                };
                assert_eq!(shared, SharedFrame::new(&msg), "{len} bytes");
                assert_eq!(shared.frame(), &msg.encode_frame());
                assert_eq!((shared.message(), shared.payload_len()), (msg, len));
                let frame = shared.frame();
                assert_eq!(
                    shared.payload().as_ptr(),
                    frame[frame.len() - len..].as_ptr(),
                    "the payload is not copied"
                );
            }
        }
        let shared = SharedFrame::in_place(MessageKind::Binary, vec![1, 2]);
        assert_eq!(
            (&shared.frame()[..], shared.payload_len()),
            (&[0x82u8, 0][..], 0)
        );
    }

    #[test]
    fn a_shared_frame_sends_what_send_would_and_falls_back_where_it_must() {
        let now = Instant::now();
        for len in [10usize, 2000, 70_000] {
            let msg = Message::binary(Bytes::from(vec![5u8; len]));
            let shared = SharedFrame::new(&msg);
            let mut plain = conn(Role::Server, Config::default());
            plain.send(now, &msg).unwrap();
            let mut c = conn(Role::Server, Config::default());
            assert!(c.send_shared(now, &shared).unwrap());
            assert_eq!(sent(&mut c), sent(&mut plain));
            // A client masks its frames: the message is framed anew.
            let mut client = conn(Role::Client, Config::default());
            assert!(!client.send_shared(now, &shared).unwrap());
            assert_eq!(client.transmit_len(), sent_again(&msg).len() + 4, "masked");
        }
    }

    #[test]
    fn a_payload_sliced_from_its_frame_or_equal_to_its_tail_matches() {
        let frame = Message::binary(Bytes::from(vec![9u8; 300])).encode_frame();
        let tail = frame.slice(frame.len() - 300..);
        assert!(ends_with(&frame, &tail), "the frame's own tail");
        let copy = tail.to_vec();
        assert!(ends_with(&frame, &copy), "an equal copy elsewhere");
        let mut other = tail.to_vec();
        other[150] = 8;
        assert!(!ends_with(&frame, &other), "a different payload");
        assert!(!ends_with(&tail, &frame), "longer than the frame");
        assert!(ends_with(&frame, &frame), "the frame itself");
    }

    #[test]
    fn a_shared_frame_is_what_send_would_write() {
        let now = Instant::now();
        for data in [&b""[..], b"hi", &[7u8; 200][..], &[1u8; 70_000][..]] {
            for msg in [
                Message::binary(Bytes::copy_from_slice(data)),
                Message::text(String::from_utf8(vec![b'a'; data.len()]).unwrap()),
            ] {
                let mut plain = conn(Role::Server, Config::default());
                plain.send(now, &msg).unwrap();
                let frame = msg.encode_frame();
                let mut shared = conn(Role::Server, Config::default());
                assert!(shared.send_framed(now, &msg, &frame).unwrap());
                assert_eq!(sent(&mut shared), sent(&mut plain));
                assert_eq!(&frame[..], &sent_again(&msg)[..]);
            }
        }
    }

    #[test]
    fn large_frames_are_queued_by_reference_in_order() {
        let now = Instant::now();
        let big = Message::binary(Bytes::from(vec![3u8; 4096]));
        let frame = big.encode_frame();
        let small = Message::binary(Bytes::from_static(b"between"));
        let mut c = conn(Role::Server, Config::default());
        assert!(c.send_framed(now, &big, &frame).unwrap());
        c.send(now, &small).unwrap();
        assert!(c.send_framed(now, &big, &frame).unwrap());
        let mut slices = [std::io::IoSlice::new(&[]); 8];
        let n = c.transmit_slices(&mut slices);
        assert_eq!(n, 3, "frame, the small message's bytes, frame");
        assert_eq!(slices[0].as_ptr(), frame.as_ptr(), "not copied");
        assert_eq!(slices[2].as_ptr(), frame.as_ptr(), "not copied");
        assert_eq!(&slices[1][..], &sent_again(&small)[..]);
        let mut expected = frame.to_vec();
        expected.extend_from_slice(&sent_again(&small));
        expected.extend_from_slice(&frame);
        assert_eq!(c.transmit_len(), expected.len());
        assert_eq!(sent(&mut c), expected);
    }

    fn sent_again(msg: &Message) -> Vec<u8> {
        let mut c = conn(Role::Server, Config::default());
        c.send(Instant::now(), msg).unwrap();
        sent(&mut c)
    }

    #[test]
    fn connections_that_frame_differently_do_not_use_it() {
        let now = Instant::now();
        let msg = Message::binary(Bytes::from_static(&[9u8; 300]));
        let frame = msg.encode_frame();
        let cases = [
            conn(Role::Client, Config::default()),
            conn(
                Role::Server,
                Config::default().with_mask_server_frames(true),
            ),
            conn(Role::Server, Config::default().with_auto_fragment_size(100)),
        ];
        for mut c in cases {
            assert!(!c.send_framed(now, &msg, &frame).unwrap());
            assert!(!sent(&mut c).is_empty(), "the message is still sent");
        }
        // A frame of another message is never queued in its place.
        let other = Message::binary(Bytes::from_static(b"other"));
        let mut c = conn(Role::Server, Config::default());
        assert!(!c.send_framed(now, &other, &frame).unwrap());
        assert_eq!(sent(&mut c), sent_again(&other));
        // Nothing is queued on a closed connection.
        let mut c = conn(Role::Server, Config::default());
        c.abort(now);
        assert_eq!(c.send_framed(now, &msg, &frame), Err(SendError::Closed));
    }
}
