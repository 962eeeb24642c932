//! The send path: framing, masking, auto-fragmentation, extension encoding.

use std::time::Instant;

use ferrobahn_frame::{apply_mask, FrameHeader, OpCode, MAX_HEADER_LEN};

use bytes::Bytes;

use super::outq::SHARE_MIN;
use super::{Connection, Role};
use crate::{Message, MessageKind, SendError, State};

/// Largest payload of a control frame (RFC 6455 5.5).
const MAX_CONTROL_PAYLOAD: usize = 125;

impl Connection {
    /// Queues a message, split into frames of at most
    /// [`Config::auto_fragment_size`](crate::Config::auto_fragment_size)
    /// bytes when that is set.
    ///
    /// While more than
    /// [`Config::max_outgoing_buffer`](crate::Config::max_outgoing_buffer)
    /// bytes wait to be written, [`Config::slow_reader`](crate::Config::slow_reader)
    /// decides: refuse with [`SendError::Full`], drop the message, or drop
    /// the connection.
    pub fn send(&mut self, now: Instant, msg: &Message) -> Result<(), SendError> {
        let opcode = match msg.kind {
            MessageKind::Text => OpCode::Text,
            MessageKind::Binary => OpCode::Binary,
        };
        self.send_data(now, opcode, &msg.data, Some(&msg.data))
    }

    /// Queues a text message.
    pub fn send_text(&mut self, now: Instant, text: &str) -> Result<(), SendError> {
        self.send_data(now, OpCode::Text, text.as_bytes(), None)
    }

    /// Queues a binary message.
    pub fn send_binary(&mut self, now: Instant, data: &[u8]) -> Result<(), SendError> {
        self.send_data(now, OpCode::Binary, data, None)
    }

    /// Queues a ping (payload of at most 125 bytes). When its pong comes
    /// back, [`ping_rtt`](Self::ping_rtt) tells the round-trip time.
    pub fn ping(&mut self, now: Instant, payload: &[u8]) -> Result<(), SendError> {
        self.send_control(OpCode::Ping, payload)?;
        self.rtt_probe = Some(Box::new((payload.to_vec(), now)));
        Ok(())
    }

    /// Queues an unsolicited pong (payload of at most 125 bytes).
    pub fn pong(&mut self, _now: Instant, payload: &[u8]) -> Result<(), SendError> {
        self.send_control(OpCode::Pong, payload)
    }

    fn send_control(&mut self, opcode: OpCode, payload: &[u8]) -> Result<(), SendError> {
        if self.state != State::Open {
            return Err(SendError::Closed);
        }
        if payload.len() > MAX_CONTROL_PAYLOAD {
            return Err(SendError::ControlTooLong);
        }
        self.write_frame(opcode, true, 0, payload);
        Ok(())
    }

    /// `shared` is `payload` as [`Bytes`] when the caller has it so: large
    /// payloads sent as they are (no masking, no encoding) are then queued
    /// without a copy.
    fn send_data(
        &mut self,
        now: Instant,
        opcode: OpCode,
        payload: &[u8],
        shared: Option<&Bytes>,
    ) -> Result<(), SendError> {
        if self.state != State::Open {
            return Err(SendError::Closed);
        }
        if self.out_msg.is_some() {
            return Err(SendError::OutOfOrder("a streamed message is in progress"));
        }
        if !self.check_room(now, false)? {
            return Ok(());
        }
        let mut encoded = Vec::new();
        let (payload, rsv, shared) = match self.codec.as_mut() {
            Some(codec) => match codec.encode(payload, &mut encoded) {
                Ok(true) => (&encoded[..], codec.rsv_bits(), None),
                Ok(false) => (payload, 0, shared),
                Err(err) => return Err(SendError::Extension(err.to_string())),
            },
            None => (payload, 0, shared),
        };
        let chunk = match self.config.auto_fragment_size {
            0 => payload.len().max(1),
            n => n,
        };
        let mut start = 0;
        loop {
            let end = payload.len().min(start + chunk);
            let op = if start == 0 {
                opcode
            } else {
                OpCode::Continuation
            };
            let bits = if start == 0 { rsv } else { 0 };
            let fin = end == payload.len();
            match shared {
                Some(bytes) if end - start >= SHARE_MIN => {
                    self.write_frame_shared(op, fin, bits, bytes.slice(start..end));
                }
                _ => self.write_frame(op, fin, bits, &payload[start..end]),
            }
            if fin {
                self.arm_pause_timeout(now);
                return Ok(());
            }
            start = end;
        }
    }

    /// Appends one frame to the write buffer, masked as the role and
    /// options require.
    ///
    /// Inside a frame begun with a declared length (a control frame queued
    /// meanwhile) the frame waits in `deferred` until that frame is complete.
    pub(super) fn write_frame(&mut self, opcode: OpCode, fin: bool, rsv: u8, payload: &[u8]) {
        let mask = self.next_mask();
        let header = FrameHeader {
            fin,
            rsv,
            opcode,
            mask,
            payload_len: payload.len() as u64,
        };
        let mut head = [0u8; MAX_HEADER_LEN];
        let head_len = header.encode(&mut head);
        // The write buffer is freed whenever the connection drains (idle connections
        // hold none); made anew, it starts at the read buffer's starting size, so a
        // batch of small frames grows it once instead of once per frame (and it is
        // still small enough to be freed at the next drain).
        let first = self
            .config
            .min_read_buffer
            .clamp(1, self.config.read_buffer_size.max(1));
        let need = head_len + payload.len();
        let out = if self.mid_frame {
            self.deferred.reserve(need);
            &mut self.deferred
        } else {
            self.compact_out();
            let fresh = self.out.capacity() == 0;
            self.out.reserve(if fresh { need.max(first) } else { need });
            &mut self.out
        };
        out.extend_from_slice(&head[..head_len]);
        let start = out.len();
        out.extend_from_slice(payload);
        if let (Some(key), true) = (mask, self.config.apply_mask) {
            apply_mask(&mut out[start..], key, 0);
        }
    }

    /// [`write_frame`](Self::write_frame) for a payload held as [`Bytes`]:
    /// queued without a copy unless it must be masked or deferred.
    fn write_frame_shared(&mut self, opcode: OpCode, fin: bool, rsv: u8, payload: Bytes) {
        let masks = match self.role {
            Role::Client => self.config.mask_client_frames,
            Role::Server => self.config.mask_server_frames,
        };
        if self.mid_frame || (masks && self.config.apply_mask) {
            return self.write_frame(opcode, fin, rsv, &payload);
        }
        let mask = self.next_mask();
        let header = FrameHeader {
            fin,
            rsv,
            opcode,
            mask,
            payload_len: payload.len() as u64,
        };
        let mut head = [0u8; MAX_HEADER_LEN];
        let head_len = header.encode(&mut head);
        self.compact_out();
        self.out.extend_from_slice(&head[..head_len]);
        self.push_shared(payload);
    }
}
