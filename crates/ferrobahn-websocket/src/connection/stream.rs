//! The frame-level and streaming paths (AutobahnPython's frame- and
//! streaming-based APIs): data handed out as it arrives, and messages sent
//! frame by frame or chunk by chunk.

use std::time::{Duration, Instant};

use bytes::Bytes;
use ferrobahn_frame::{apply_mask, FrameHeader, OpCode, MAX_HEADER_LEN};

use super::{Connection, Role, Timer};
use crate::{CodecError, Event, MessageKind, ProtocolError, SendError, SlowReader, State};

/// A message being sent frame by frame.
#[derive(Debug)]
pub(super) struct OutMessage {
    /// Text or binary: the opcode of the first frame.
    opcode: OpCode,
    /// The first frame went out (later ones are continuations).
    started: bool,
    /// Whether the extension codec transforms this message (decided by the
    /// first frame).
    encoded: Option<bool>,
    /// Payload bytes still due on a frame begun with a declared length.
    frame_left: u64,
    frame_mask: Option<[u8; 4]>,
    /// Payload bytes of that frame already written (the mask offset).
    frame_off: usize,
}

/// Maps a codec failure while decoding to the protocol error it causes.
pub(super) fn decode_error(err: CodecError, max: usize) -> ProtocolError {
    match err {
        CodecError::TooLarge => ProtocolError::MessageTooLarge {
            len: max as u64 + 1,
            max,
        },
        CodecError::Invalid(msg) => ProtocolError::Extension(msg),
        other => ProtocolError::Extension(other.to_string()),
    }
}

impl Connection {
    /// Switches between message mode and streaming mode
    /// ([`Config::streaming`](crate::Config::streaming)) from the next
    /// message on; a message already arriving keeps its mode.
    pub fn set_streaming(&mut self, on: bool) {
        self.streaming = on;
    }

    /// Whether received messages are delivered in streaming mode.
    pub fn is_streaming(&self) -> bool {
        self.streaming
    }

    /// The round-trip time measured by the last ping (automatic or sent
    /// with [`ping`](Self::ping)) whose pong came back.
    pub fn ping_rtt(&self) -> Option<Duration> {
        self.last_rtt
    }

    /// How many messages were dropped under [`SlowReader::Drop`].
    pub fn dropped_messages(&self) -> u64 {
        self.dropped
    }

    /// True when events wait to be taken with [`poll_event`](Self::poll_event)
    /// (without parsing more input).
    pub fn has_events(&self) -> bool {
        !self.events.is_empty()
    }

    /// True while a data send would meet a full outgoing buffer.
    pub fn is_outgoing_full(&self) -> bool {
        self.transmit_len() > self.config.max_outgoing_buffer
    }

    // ---- receive ----

    /// Hands out a piece of the current frame's payload (decoded when the
    /// message is compressed).
    pub(super) fn stream_data(&mut self, chunk: Bytes) -> Result<(), ProtocolError> {
        let Some(asm) = self.assembly.as_mut() else {
            return Ok(());
        };
        if !asm.encoded {
            asm.size += chunk.len() as u64;
            self.events.push_back(Event::FrameData(chunk));
            return Ok(());
        }
        self.stream_decode(&chunk, false)
    }

    fn stream_decode(&mut self, input: &[u8], fin: bool) -> Result<(), ProtocolError> {
        let max = self.config.max_message_payload;
        let Some(asm) = self.assembly.as_mut() else {
            return Ok(());
        };
        let codec = self
            .codec
            .as_mut()
            .ok_or_else(|| ProtocolError::Extension("no codec installed".into()))?;
        let room = (max as u64).saturating_sub(asm.size) as usize;
        let mut out = Vec::new();
        codec
            .decode(input, fin, &mut out, room)
            .map_err(|e| decode_error(e, max))?;
        if out.is_empty() {
            return Ok(());
        }
        asm.size += out.len() as u64;
        if asm.kind == MessageKind::Text
            && self.config.utf8_validate_incoming
            && self.utf8.feed(&out).is_err()
        {
            return Err(ProtocolError::InvalidUtf8);
        }
        self.events.push_back(Event::FrameData(Bytes::from(out)));
        Ok(())
    }

    /// The current frame is complete; so is the message when `fin` is set.
    pub(super) fn stream_frame_end(&mut self, fin: bool) -> Result<(), ProtocolError> {
        if fin {
            let Some(asm) = self.assembly.as_ref() else {
                return Ok(());
            };
            let (kind, encoded) = (asm.kind, asm.encoded);
            if encoded {
                self.stream_decode(&[], true)?;
            }
            if kind == MessageKind::Text && self.config.utf8_validate_incoming {
                self.utf8.finish().map_err(|_| ProtocolError::InvalidUtf8)?;
            }
            self.assembly = None;
            self.events.push_back(Event::FrameEnd);
            self.events.push_back(Event::MessageEnd);
        } else {
            self.events.push_back(Event::FrameEnd);
        }
        Ok(())
    }

    pub(super) fn measure_rtt(&mut self, now: Instant, payload: &[u8]) {
        if let Some((sent, at)) = self.rtt_probe.as_deref() {
            if sent[..] == payload[..] {
                self.last_rtt = Some(now.saturating_duration_since(*at));
                self.rtt_probe = None;
            }
        }
    }

    // ---- send ----

    /// Starts a message to be sent frame by frame (`beginMessage`): follow
    /// with [`send_message_frame`](Self::send_message_frame) and/or
    /// [`begin_message_frame`](Self::begin_message_frame), and finish with
    /// [`end_message`](Self::end_message) (or a frame with `fin`). Until
    /// then no other data message can be sent; pings, pongs and close frames
    /// still can.
    ///
    /// # Errors
    /// [`SendError::Closed`], [`SendError::Full`],
    /// [`SendError::OutOfOrder`] while another message is in progress.
    pub fn begin_message(&mut self, now: Instant, kind: MessageKind) -> Result<(), SendError> {
        self.check_open()?;
        if self.out_msg.is_some() {
            return Err(SendError::OutOfOrder("a message is already in progress"));
        }
        self.check_room(now, true)?;
        self.out_msg = Some(OutMessage {
            opcode: match kind {
                MessageKind::Text => OpCode::Text,
                MessageKind::Binary => OpCode::Binary,
            },
            started: false,
            encoded: None,
            frame_left: 0,
            frame_mask: None,
            frame_off: 0,
        });
        Ok(())
    }

    /// Sends one frame of the message begun with
    /// [`begin_message`](Self::begin_message) (`sendMessageFrame`); `fin`
    /// ends the message. A chunk of a stream of unknown total size is a
    /// frame with `fin` false. With a negotiated compression extension the
    /// frames are compressed piece by piece (an empty compressed piece is
    /// not sent).
    ///
    /// # Errors
    /// As [`begin_message`](Self::begin_message); [`SendError::OutOfOrder`]
    /// without a message in progress or inside a declared-length frame.
    pub fn send_message_frame(
        &mut self,
        now: Instant,
        data: &[u8],
        fin: bool,
    ) -> Result<(), SendError> {
        self.check_open()?;
        self.check_frame_start()?;
        self.check_room(now, true)?;
        self.write_message_frame(data, fin)
    }

    /// Ends the message begun with [`begin_message`](Self::begin_message)
    /// with an empty final frame (`endMessage`).
    ///
    /// # Errors
    /// As [`send_message_frame`](Self::send_message_frame), but never
    /// [`SendError::Full`].
    pub fn end_message(&mut self, _now: Instant) -> Result<(), SendError> {
        self.check_open()?;
        self.check_frame_start()?;
        self.write_message_frame(&[], true)
    }

    /// Starts a frame of `len` payload bytes (`beginMessageFrame`), to be
    /// written with [`send_message_frame_data`](Self::send_message_frame_data)
    /// in pieces of any size. Control frames queued meanwhile wait until the
    /// frame is complete. Such frames are never compressed (their length is
    /// declared first), so a message that uses them is sent uncompressed;
    /// they are not final: end the message with
    /// [`end_message`](Self::end_message).
    ///
    /// # Errors
    /// As [`send_message_frame`](Self::send_message_frame);
    /// [`SendError::OutOfOrder`] in a message whose first frame was compressed.
    pub fn begin_message_frame(&mut self, now: Instant, len: u64) -> Result<(), SendError> {
        self.check_open()?;
        self.check_frame_start()?;
        self.check_room(now, true)?;
        let mask = self.next_mask();
        let Some(msg) = self.out_msg.as_mut() else {
            return Err(SendError::OutOfOrder("no message in progress"));
        };
        if msg.encoded == Some(true) {
            return Err(SendError::OutOfOrder(
                "a compressed message cannot have declared-length frames",
            ));
        }
        msg.encoded = Some(false);
        let opcode = if msg.started {
            OpCode::Continuation
        } else {
            msg.opcode
        };
        msg.started = true;
        msg.frame_left = len;
        msg.frame_mask = mask;
        msg.frame_off = 0;
        let header = FrameHeader {
            fin: false,
            rsv: 0,
            opcode,
            mask,
            payload_len: len,
        };
        let mut head = [0u8; MAX_HEADER_LEN];
        let head_len = header.encode(&mut head);
        self.out.extend_from_slice(&head[..head_len]);
        self.mid_frame = len > 0;
        Ok(())
    }

    /// Writes payload of the frame begun with
    /// [`begin_message_frame`](Self::begin_message_frame)
    /// (`sendMessageFrameData`); at most the bytes still due.
    ///
    /// # Errors
    /// As [`send_message_frame`](Self::send_message_frame);
    /// [`SendError::OutOfOrder`] outside such a frame or past its length.
    pub fn send_message_frame_data(&mut self, now: Instant, data: &[u8]) -> Result<(), SendError> {
        // A close started mid-frame waits behind the frame: let it finish.
        if !(self.state == State::Open || self.mid_frame && self.state == State::ClosingLocal) {
            return Err(SendError::Closed);
        }
        let due = self.out_msg.as_ref().map_or(0, |m| m.frame_left);
        if !self.mid_frame || data.len() as u64 > due {
            return Err(SendError::OutOfOrder(
                "data outside a declared-length frame or past its length",
            ));
        }
        self.check_room(now, true)?;
        let Some(msg) = self.out_msg.as_mut() else {
            return Err(SendError::OutOfOrder("no message in progress"));
        };
        let start = self.out.len();
        self.out.extend_from_slice(data);
        if let (Some(key), true) = (msg.frame_mask, self.config.apply_mask) {
            apply_mask(&mut self.out[start..], key, msg.frame_off);
        }
        msg.frame_off += data.len();
        msg.frame_left -= data.len() as u64;
        if msg.frame_left == 0 {
            self.mid_frame = false;
            let deferred = std::mem::take(&mut self.deferred);
            self.out.extend_from_slice(&deferred);
        }
        Ok(())
    }

    fn write_message_frame(&mut self, data: &[u8], fin: bool) -> Result<(), SendError> {
        let Some(msg) = self.out_msg.as_mut() else {
            return Err(SendError::OutOfOrder("no message in progress"));
        };
        let mut encoded = Vec::new();
        let use_codec = match (msg.encoded, self.codec.as_mut()) {
            (Some(false), _) | (_, None) => false,
            (_, Some(codec)) => codec
                .encode_fragment(data, fin, &mut encoded)
                .map_err(|e| SendError::Extension(e.to_string()))?,
        };
        if msg.encoded.is_none() {
            msg.encoded = Some(use_codec);
        }
        let payload = if use_codec { &encoded[..] } else { data };
        if payload.is_empty() && !fin && use_codec {
            return Ok(());
        }
        let (opcode, rsv) = if msg.started {
            (OpCode::Continuation, 0)
        } else if use_codec {
            let bits = self.codec.as_ref().map_or(0, |c| c.rsv_bits());
            (msg.opcode, bits)
        } else {
            (msg.opcode, 0)
        };
        msg.started = true;
        if fin {
            self.out_msg = None;
        }
        self.write_frame(opcode, fin, rsv, payload);
        Ok(())
    }

    fn check_open(&self) -> Result<(), SendError> {
        if self.state == State::Open {
            Ok(())
        } else {
            Err(SendError::Closed)
        }
    }

    fn check_frame_start(&self) -> Result<(), SendError> {
        match (&self.out_msg, self.mid_frame) {
            (None, _) => Err(SendError::OutOfOrder("no message in progress")),
            (Some(_), true) => Err(SendError::OutOfOrder(
                "the declared-length frame is incomplete",
            )),
            (Some(_), false) => Ok(()),
        }
    }

    pub(super) fn next_mask(&mut self) -> Option<[u8; 4]> {
        let masks = match self.role {
            Role::Client => self.config.mask_client_frames,
            Role::Server => self.config.mask_server_frames,
        };
        masks.then(|| self.rng.mask_key())
    }

    // ---- flow control ----

    /// Applies [`Config::slow_reader`](crate::Config::slow_reader) when the
    /// outgoing buffer is full: `Ok(true)` to queue, `Ok(false)` to drop.
    #[inline]
    pub(super) fn check_room(&mut self, now: Instant, streamed: bool) -> Result<bool, SendError> {
        if self.transmit_len() <= self.config.max_outgoing_buffer {
            // (`send_data` arms it after queueing.)
            if streamed {
                self.arm_pause_timeout(now);
            }
            return Ok(true);
        }
        self.outgoing_full(now, streamed)
    }

    #[cold]
    fn outgoing_full(&mut self, now: Instant, streamed: bool) -> Result<bool, SendError> {
        match (self.config.slow_reader, streamed) {
            (SlowReader::Close, _) => {
                self.drop_slow_reader();
                Err(SendError::Closed)
            }
            (SlowReader::Drop, false) => {
                self.dropped += 1;
                self.arm_drain(now);
                Ok(false)
            }
            _ => {
                self.arm_drain(now);
                Err(SendError::Full)
            }
        }
    }

    pub(super) fn arm_drain(&mut self, now: Instant) {
        if !self.want_drain {
            self.want_drain = true;
            if let Some(timeout) = self.config.slow_reader_timeout {
                self.timers.set(Timer::SlowReader, now + timeout);
            }
        }
    }

    /// Arms the slow-reader timeout (unless it runs already) for a server
    /// whose reading pauses below [`Config::max_outgoing_buffer`]
    /// (see [`Config::read_pause_outgoing`](crate::Config::read_pause_outgoing));
    /// above it, a refused send or `process` arms it as before.
    #[inline]
    pub(super) fn arm_pause_timeout(&mut self, now: Instant) {
        if self.read_paused() {
            self.arm_pause_timeout_cold(now);
        }
    }

    #[cold]
    pub(super) fn arm_pause_timeout_cold(&mut self, now: Instant) {
        if self.role != super::Role::Server || self.outgoing_over_limit() {
            return;
        }
        if let Some(timeout) = self.config.slow_reader_timeout {
            if self.timers.get(Timer::SlowReader).is_none() {
                self.timers.set(Timer::SlowReader, now + timeout);
            }
        }
    }

    /// After a write: reports [`Event::Drained`] once the buffer a send
    /// found full is at most half full; stops the timeout of a paused read
    /// once reading goes on.
    #[inline]
    pub(super) fn check_drained(&mut self) {
        if self.want_drain {
            if self.transmit_len() <= self.config.max_outgoing_buffer / 2 {
                self.want_drain = false;
                self.timers.stop(Timer::SlowReader);
                self.events.push_back(Event::Drained);
            }
        } else if self.timers.get(Timer::SlowReader).is_some() && !self.read_paused() {
            self.timers.stop(Timer::SlowReader);
        }
    }

    /// Drops a peer that does not read: discards what waits to be written
    /// and fails the connection without a close frame.
    pub(super) fn drop_slow_reader(&mut self) {
        tracing::debug!(
            buffered = self.transmit_len(),
            "dropping a peer that does not read"
        );
        self.want_drain = false;
        self.discard_transmit();
        self.deferred = Vec::new();
        self.mid_frame = false;
        self.fail(ProtocolError::SlowReader {
            max: self.config.max_outgoing_buffer,
        });
    }
}
