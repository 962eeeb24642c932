//! The `permessage-deflate` codec on zlib-rs: raw deflate, a sync flush per
//! message with its `00 00 ff ff` tail stripped on send and appended on
//! receive (RFC 7692 7.2.1, 7.2.2), inflate bounded by the caller's limit.

use zlib_rs::{Deflate, DeflateFlush, Inflate, InflateFlush, Status};

use crate::codec::{CodecError, PerMessageCodec};
use crate::limit::{grow_within, RSV1};

/// The tail a sync flush ends with; stripped from every sent message.
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// The largest output chunk inflated in one call.
const MAX_CHUNK: usize = 256 * 1024;
/// The smallest output chunk.
const MIN_CHUNK: usize = 4 * 1024;

/// The negotiated parameters of one connection's deflate codec, for the
/// direction this endpoint compresses ("compress") and the one it inflates
/// ("decompress").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeflateParams {
    /// Window this side compresses with (8 ..= 15; for 8, zlib's window-8
    /// quirk, the compressor runs with 9 bits and run-length matches only).
    pub compress_window_bits: u8,
    /// Reset the compressor after every message.
    pub compress_no_context_takeover: bool,
    /// Window the peer compresses with (8 ..= 15; inflated with at least 9).
    pub decompress_window_bits: u8,
    /// The peer resets its compressor after every message.
    pub decompress_no_context_takeover: bool,
    /// zlib level 0 ..= 9.
    pub level: u8,
    /// zlib memLevel 1 ..= 9.
    pub mem_level: u8,
    /// Messages shorter than this are sent uncompressed.
    pub min_compress_size: usize,
    /// Free the zlib state after each message that carries no context over.
    pub release_between_messages: bool,
}

impl Default for DeflateParams {
    fn default() -> Self {
        Self {
            compress_window_bits: 15,
            compress_no_context_takeover: false,
            decompress_window_bits: 15,
            decompress_no_context_takeover: false,
            level: 6,
            mem_level: 8,
            min_compress_size: 0,
            release_between_messages: false,
        }
    }
}

/// A `permessage-deflate` codec for one connection.
///
/// The zlib states are created on first use, so a connection that never
/// sends (or never receives) a compressed message holds none.
pub struct DeflateCodec {
    params: DeflateParams,
    deflate: Option<Deflate>,
    inflate: Option<Inflate>,
    /// The peer ended the deflate stream inside the current message.
    stream_ended: bool,
}

impl std::fmt::Debug for DeflateCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeflateCodec")
            .field("params", &self.params)
            .field("deflate_live", &self.deflate.is_some())
            .field("inflate_live", &self.inflate.is_some())
            .finish()
    }
}

impl DeflateCodec {
    /// A codec with `params`; out-of-range numbers are clamped into range
    /// (level 0..=9, mem_level 1..=9, window bits 8..=15).
    #[must_use]
    pub fn new(mut params: DeflateParams) -> Self {
        params.level = params.level.min(9);
        params.mem_level = params.mem_level.clamp(1, 9);
        params.compress_window_bits = params.compress_window_bits.clamp(8, 15);
        params.decompress_window_bits = params.decompress_window_bits.clamp(8, 15);
        Self {
            params,
            deflate: None,
            inflate: None,
            stream_ended: false,
        }
    }

    /// The parameters in force.
    #[must_use]
    pub fn params(&self) -> &DeflateParams {
        &self.params
    }

    /// Drops the zlib states (they are rebuilt on the next message). Only
    /// lossless between messages when no context is carried over; with
    /// context takeover it must not be called mid-connection.
    pub fn release(&mut self) {
        self.deflate = None;
        self.inflate = None;
    }

    fn new_deflate(&self) -> Deflate {
        // zlib-rs, like zlib, rejects a raw 256-byte window. Compress with
        // 512 bytes then, but with run-length matches only (distance 1), so
        // no distance exceeds the 256 bytes a strict peer inflates with.
        let (bits, strategy) = match self.params.compress_window_bits {
            ..=8 => (9, zlib_rs::Strategy::Rle),
            b => (b, zlib_rs::Strategy::Default),
        };
        Deflate::new_with_config(zlib_rs::DeflateConfig {
            level: i32::from(self.params.level),
            method: zlib_rs::Method::Deflated,
            window_bits: -i32::from(bits),
            mem_level: i32::from(self.params.mem_level),
            strategy,
        })
    }

    fn new_inflate(&self) -> Inflate {
        // A peer that negotiated 8 bits and uses zlib sends 9-bit distances.
        Inflate::new(false, self.params.decompress_window_bits.max(9))
    }

    /// Compresses `input` onto `out` and sync-flushes.
    fn deflate_into(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Result<(), CodecError> {
        let base = out.len();
        loop {
            let chunk = (input.len() / 2 + 64).clamp(MIN_CHUNK, MAX_CHUNK);
            let start = out.len();
            out.resize(start + chunk, 0);
            let deflate = match self.deflate.as_mut() {
                Some(d) => d,
                None => self.deflate.insert(self.new_deflate()),
            };
            let (in0, out0) = (deflate.total_in(), deflate.total_out());
            // A repeated flush with no new input gives BufError and no bytes.
            let result = deflate.compress(input, &mut out[start..], DeflateFlush::SyncFlush);
            let consumed = (deflate.total_in() - in0) as usize;
            let produced = (deflate.total_out() - out0) as usize;
            out.truncate(start + produced);
            input = &input[consumed..];
            if let Err(err) = result {
                self.deflate = None;
                out.truncate(base);
                return Err(CodecError::Invalid(format!(
                    "permessage-deflate compressor: {}",
                    err.as_str()
                )));
            }
            if input.is_empty() && produced < chunk {
                return Ok(());
            }
        }
    }

    /// Ends a message whose last piece starts at `base` in `out`: strips
    /// the sync-flush tail (RFC 7692 7.2.1) and resets the context if asked.
    fn finish_message(&mut self, base: usize, out: &mut Vec<u8>) {
        if out[base..].ends_with(&TAIL) {
            out.truncate(out.len() - TAIL.len());
        }
        if out.len() == base {
            // Nothing new since the last flush (an empty message, or an
            // empty last fragment): one empty stored block's header, whose
            // LEN/NLEN is the tail the receiver appends (RFC 7692 7.2.3.6).
            out.push(0x00);
        }
        if self.params.compress_no_context_takeover {
            if self.params.release_between_messages {
                self.deflate = None;
            } else if let Some(d) = self.deflate.as_mut() {
                d.reset();
            }
        }
    }

    /// Runs `input` through the inflater into `out`, keeping `out.len()` at
    /// most `max_out` (one byte over is produced to detect the overflow).
    fn inflate_into(
        &mut self,
        mut input: &[u8],
        out: &mut Vec<u8>,
        max_out: usize,
    ) -> Result<(), CodecError> {
        loop {
            let room = max_out.saturating_sub(out.len()).saturating_add(1);
            // Deflate expands at most ~1032:1, so small inputs get small chunks.
            let bound = input.len().saturating_mul(1040).saturating_add(300);
            let chunk = out.len().clamp(MIN_CHUNK, MAX_CHUNK).min(bound).min(room);
            let start = out.len();
            grow_within(out, chunk, max_out);
            out.resize(start + chunk, 0);
            let inflate = match self.inflate.as_mut() {
                Some(i) => i,
                None => self.inflate.insert(self.new_inflate()),
            };
            let (in0, out0) = (inflate.total_in(), inflate.total_out());
            let result = inflate.decompress(input, &mut out[start..], InflateFlush::NoFlush);
            let consumed = (inflate.total_in() - in0) as usize;
            let produced = (inflate.total_out() - out0) as usize;
            out.truncate(start + produced);
            input = &input[consumed..];
            match result {
                Err(err) => {
                    let msg = inflate.error_message().unwrap_or(err.as_str());
                    tracing::debug!(error = msg, "permessage-deflate: invalid compressed data");
                    self.inflate = None;
                    return Err(CodecError::Invalid(format!("permessage-deflate: {msg}")));
                }
                Ok(Status::StreamEnd) => {
                    // The peer ended the deflate stream with a BFINAL block
                    // (RFC 7692 7.2.3.3): the rest of the message (our
                    // appended tail) is ignored, as zlib-based peers do,
                    // and the next message starts a new stream.
                    self.inflate = None;
                    self.stream_ended = true;
                    input = &[];
                }
                Ok(Status::Ok | Status::BufError) => {}
            }
            if out.len() > max_out {
                out.truncate(max_out);
                return Err(CodecError::TooLarge);
            }
            if input.is_empty() && produced < chunk {
                return Ok(());
            }
            if consumed == 0 && produced == 0 && !self.stream_ended {
                return Err(CodecError::Invalid(
                    "permessage-deflate: inflater made no progress".into(),
                ));
            }
        }
    }
}

impl PerMessageCodec for DeflateCodec {
    fn rsv_bits(&self) -> u8 {
        RSV1
    }

    fn encode(&mut self, payload: &[u8], out: &mut Vec<u8>) -> Result<bool, CodecError> {
        if payload.len() < self.params.min_compress_size {
            return Ok(false);
        }
        let base = out.len();
        self.deflate_into(payload, out)?;
        self.finish_message(base, out);
        Ok(true)
    }

    fn encode_fragment(
        &mut self,
        input: &[u8],
        fin: bool,
        out: &mut Vec<u8>,
    ) -> Result<bool, CodecError> {
        // Every fragment is sync-flushed so the peer can inflate it at
        // once; only the last one loses its tail (an intermediate one keeps
        // it: an empty stored block mid-stream is valid deflate).
        let base = out.len();
        self.deflate_into(input, out)?;
        if fin {
            self.finish_message(base, out);
        }
        Ok(true)
    }

    fn decode(
        &mut self,
        input: &[u8],
        fin: bool,
        out: &mut Vec<u8>,
        max_out: usize,
    ) -> Result<(), CodecError> {
        if !self.stream_ended {
            self.inflate_into(input, out, max_out)?;
        }
        if fin {
            if !self.stream_ended {
                self.inflate_into(&TAIL, out, max_out)?;
            }
            self.stream_ended = false;
            if self.params.decompress_no_context_takeover {
                let bits = self.params.decompress_window_bits.max(9);
                match self.inflate.as_mut() {
                    // Inflate::reset restores a 15-bit window: only reuse it then.
                    Some(i) if bits == 15 && !self.params.release_between_messages => {
                        i.reset(false)
                    }
                    _ => self.inflate = None,
                }
            }
        }
        Ok(())
    }
}
