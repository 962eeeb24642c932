//! The receive path: frame parsing, unmasking, UTF-8 checks, message assembly.

use std::time::Instant;

use bytes::{Buf, Bytes};
use ferrobahn_frame::{apply_mask, parse_close_payload, FrameHeader, OpCode};

use super::{Connection, Role};
use crate::CodecError;
use crate::{Event, Message, MessageKind, ProtocolError, State};

/// The frame whose payload is arriving.
#[derive(Debug)]
pub(super) struct InFrame {
    header: FrameHeader,
    /// Payload bytes of this frame not yet handed out (from the front of `in_buf`).
    pub(super) len: usize,
    /// Payload bytes at the front of `in_buf` already unmasked (and checked).
    processed: usize,
    /// Validate the payload as UTF-8 while it arrives.
    check_utf8: bool,
    /// A data frame of a message delivered in streaming mode.
    pub(super) streaming: bool,
    /// Streaming mode: payload bytes of this frame already handed out.
    consumed: usize,
}

/// A fragmented message being put together.
#[derive(Debug)]
pub(super) struct Assembly {
    pub(super) kind: MessageKind,
    /// The message passes through the extension codec.
    pub(super) encoded: bool,
    frames: usize,
    buf: Vec<u8>,
    /// Streaming mode: the message is handed out piece by piece, not kept.
    streaming: bool,
    /// Streaming mode: payload bytes handed out so far (after decoding).
    pub(super) size: u64,
}

impl Connection {
    /// Parses and handles frames until one produces an event or the input
    /// runs out (partial payloads are unmasked and checked as they arrive).
    pub(super) fn process(&mut self, now: Instant) {
        while self.reading_frames() && self.events.is_empty() {
            if self.frame.is_none() {
                match FrameHeader::decode(&self.in_buf[..self.filled]) {
                    Ok(Some((header, header_len))) => {
                        self.in_buf.advance(header_len);
                        self.filled -= header_len;
                        match self.start_frame(header) {
                            Ok(frame) => {
                                if !header.opcode.is_control() {
                                    self.frame_hint = header_len + frame.len;
                                }
                                self.frame = Some(frame);
                            }
                            Err(err) => return self.fail(err),
                        }
                    }
                    Ok(None) => break,
                    Err(err) => return self.fail(err.into()),
                }
            }
            let Some(frame) = self.frame.as_mut() else {
                break;
            };
            let avail = self.filled.min(frame.len);
            if frame.processed < avail {
                let chunk = &mut self.in_buf[frame.processed..avail];
                if let (Some(key), true) = (frame.header.mask, self.config.apply_mask) {
                    apply_mask(chunk, key, frame.consumed + frame.processed);
                }
                if frame.check_utf8 && self.utf8.feed(chunk).is_err() {
                    return self.fail(ProtocolError::InvalidUtf8);
                }
                frame.processed = avail;
            }
            if frame.streaming && avail > 0 {
                frame.len -= avail;
                frame.consumed += avail;
                frame.processed = 0;
                let chunk = self.in_buf.split_to(avail).freeze();
                self.filled -= avail;
                if let Err(err) = self.stream_data(chunk) {
                    return self.fail(err);
                }
                continue;
            }
            if avail < frame.len {
                break;
            }
            let len = frame.len;
            let header = frame.header;
            let streaming = frame.streaming;
            self.frame = None;
            if streaming {
                if let Err(err) = self.stream_frame_end(header.fin) {
                    return self.fail(err);
                }
                continue;
            }
            let payload = self.in_buf.split_to(len).freeze();
            self.filled -= len;
            if let Err(err) = self.handle_frame(now, header, payload) {
                return self.fail(err);
            }
        }
        if !self.reading_frames() {
            // Closed, or a client waiting for the server to drop: input is discarded.
            self.in_buf.clear();
            self.filled = 0;
            self.frame = None;
        } else if self.read_paused() {
            if self.outgoing_over_limit() {
                // Replies to a peer that sends but does not read (pongs,
                // echoes) filled the buffer: reading stops, and the
                // slow-reader timeout drops the peer unless the buffer drains.
                self.arm_drain(now);
            } else {
                // A server's reading pauses below that limit (see
                // `Config::read_pause_outgoing`): the same timeout applies
                // until the replies are written down to the pause limit.
                self.arm_pause_timeout_cold(now);
            }
        }
    }

    pub(super) fn reading_frames(&self) -> bool {
        matches!(self.state, State::Open | State::ClosingLocal)
    }

    /// Judges a frame header against the role, the extensions, the limits
    /// and the message in progress.
    fn start_frame(&mut self, header: FrameHeader) -> Result<InFrame, ProtocolError> {
        let codec_rsv = self.codec.as_ref().map_or(0, |c| c.rsv_bits());
        let starts_message = matches!(header.opcode, OpCode::Text | OpCode::Binary);
        let allowed_rsv = if starts_message { codec_rsv } else { 0 };
        if header.rsv & !allowed_rsv != 0 {
            return Err(ProtocolError::ReservedBits(header.rsv & !allowed_rsv));
        }
        match (self.role, header.mask.is_some()) {
            (Role::Server, false) if self.config.require_masked_client_frames => {
                return Err(ProtocolError::UnmaskedClientFrame)
            }
            (Role::Client, true) if !self.config.accept_masked_server_frames => {
                return Err(ProtocolError::MaskedServerFrame)
            }
            _ => {}
        }
        if header.payload_len > self.config.max_frame_payload as u64 {
            return Err(ProtocolError::FrameTooLarge {
                len: header.payload_len,
                max: self.config.max_frame_payload,
            });
        }
        // Bounded by max_frame_payload, so it fits in usize.
        let len = header.payload_len as usize;
        let check_utf8 = match header.opcode {
            OpCode::Continuation => {
                let Some(asm) = self.assembly.as_ref() else {
                    return Err(ProtocolError::UnexpectedContinuation);
                };
                if asm.frames >= self.config.max_fragments {
                    return Err(ProtocolError::TooManyFragments {
                        max: self.config.max_fragments,
                    });
                }
                let held = if asm.streaming {
                    asm.size
                } else {
                    asm.buf.len() as u64
                };
                self.check_message_size(held + header.payload_len)?;
                asm.kind == MessageKind::Text && !asm.encoded && self.config.utf8_validate_incoming
            }
            OpCode::Text | OpCode::Binary => {
                if self.assembly.is_some() {
                    return Err(ProtocolError::ExpectedContinuation);
                }
                self.check_message_size(header.payload_len)?;
                let kind = if header.opcode == OpCode::Text {
                    MessageKind::Text
                } else {
                    MessageKind::Binary
                };
                let encoded = header.rsv & codec_rsv != 0 && codec_rsv != 0;
                self.utf8.reset();
                if !header.fin || encoded || self.streaming {
                    self.assembly = Some(Assembly {
                        kind,
                        encoded,
                        frames: 0,
                        buf: Vec::new(),
                        streaming: self.streaming,
                        size: 0,
                    });
                    if self.streaming {
                        self.events.push_back(Event::MessageBegin(kind));
                    }
                }
                kind == MessageKind::Text && !encoded && self.config.utf8_validate_incoming
            }
            OpCode::Close | OpCode::Ping | OpCode::Pong => false,
        };
        let mut streaming = false;
        if let Some(asm) = self.assembly.as_mut() {
            if !header.opcode.is_control() {
                asm.frames += 1;
                streaming = asm.streaming;
            }
        }
        if streaming {
            self.events.push_back(Event::FrameBegin {
                len: header.payload_len,
                fin: header.fin,
            });
        }
        Ok(InFrame {
            header,
            len,
            processed: 0,
            check_utf8,
            streaming,
            consumed: 0,
        })
    }

    fn check_message_size(&self, len: u64) -> Result<(), ProtocolError> {
        if len > self.config.max_message_payload as u64 {
            return Err(ProtocolError::MessageTooLarge {
                len,
                max: self.config.max_message_payload,
            });
        }
        Ok(())
    }

    fn handle_frame(
        &mut self,
        now: Instant,
        header: FrameHeader,
        payload: Bytes,
    ) -> Result<(), ProtocolError> {
        match header.opcode {
            OpCode::Ping => {
                if self.state == State::Open {
                    self.write_frame(OpCode::Pong, true, 0, &payload);
                }
                self.events.push_back(Event::Ping(payload));
            }
            OpCode::Pong => {
                self.measure_rtt(now, &payload);
                if self.ping_outstanding.as_deref() == Some(&payload[..]) {
                    self.ping_outstanding = None;
                    self.timers.stop(super::Timer::AutoPingTimeout);
                }
                self.events.push_back(Event::Pong(payload));
            }
            OpCode::Close => {
                let (code, reason) = match parse_close_payload(&payload)? {
                    Some((code, reason)) => (Some(code), reason.to_owned()),
                    None => (None, String::new()),
                };
                self.on_close_frame(now, code, reason);
            }
            OpCode::Text | OpCode::Binary | OpCode::Continuation => {
                self.on_data_frame(header, payload)?;
            }
        }
        Ok(())
    }

    fn on_data_frame(&mut self, header: FrameHeader, payload: Bytes) -> Result<(), ProtocolError> {
        let Some(asm) = self.assembly.as_mut() else {
            // A whole message in one frame: hand out the payload without a copy.
            if header.opcode == OpCode::Text && self.config.utf8_validate_incoming {
                self.utf8.finish().map_err(|_| ProtocolError::InvalidUtf8)?;
            }
            let kind = if header.opcode == OpCode::Text {
                MessageKind::Text
            } else {
                MessageKind::Binary
            };
            self.events.push_back(Event::Message(Message {
                kind,
                data: payload,
            }));
            return Ok(());
        };
        if asm.encoded {
            let codec = self
                .codec
                .as_mut()
                .ok_or_else(|| ProtocolError::Extension("no codec installed".into()))?;
            codec
                .decode(
                    &payload,
                    header.fin,
                    &mut asm.buf,
                    self.config.max_message_payload,
                )
                .map_err(|err| match err {
                    CodecError::TooLarge => ProtocolError::MessageTooLarge {
                        len: self.config.max_message_payload as u64 + 1,
                        max: self.config.max_message_payload,
                    },
                    CodecError::Invalid(msg) => ProtocolError::Extension(msg),
                    other => ProtocolError::Extension(other.to_string()),
                })?;
        } else {
            asm.buf.extend_from_slice(&payload);
        }
        if !header.fin {
            return Ok(());
        }
        let Some(asm) = self.assembly.take() else {
            return Ok(());
        };
        if asm.kind == MessageKind::Text && self.config.utf8_validate_incoming {
            if asm.encoded {
                if !ferrobahn_frame::validate_utf8(&asm.buf) {
                    return Err(ProtocolError::InvalidUtf8);
                }
            } else {
                self.utf8.finish().map_err(|_| ProtocolError::InvalidUtf8)?;
            }
        }
        let data = Bytes::from(asm.buf);
        self.events.push_back(Event::Message(Message {
            kind: asm.kind,
            data,
        }));
        Ok(())
    }
}
