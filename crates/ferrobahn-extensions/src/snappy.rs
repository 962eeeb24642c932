//! `permessage-snappy`, AutobahnPython's non-standard extension: messages
//! are carried in the snappy framing format (stream identifier, then
//! compressed or uncompressed chunks of at most 64 KiB, each with a masked
//! CRC-32C of its data). Parameters: `client_no_context_takeover` and
//! `server_no_context_takeover` (bare). Snappy chunks carry no history, so
//! "context takeover" only decides whether a message after the first
//! starts with a new stream identifier (AutobahnPython reuses its stream
//! compressor then, and so does this codec).

use ferrobahn_handshake::ExtensionOffer;

use crate::codec::{CodecError, PerMessageCodec};
use crate::limit::{grow_within, shrink_scratch, RSV1};
use crate::params::{push_flag, Params};
use crate::NegotiationError;

/// The extension token.
pub const SNAPPY_NAME: &str = "permessage-snappy";

/// The stream identifier chunk.
const STREAM_ID: [u8; 10] = [0xff, 0x06, 0x00, 0x00, b's', b'N', b'a', b'P', b'p', b'Y'];
/// Most uncompressed bytes in one chunk (framing format 4.2, 4.3).
const MAX_BLOCK: usize = 65_536;
/// Scratch kept between messages; more is freed.
const KEEP_SCRATCH: usize = 8 * 1024;

/// A client's `permessage-snappy` offer (also the shape of a response).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SnappyOffer {
    /// The client asks the server to start every message as a new stream.
    pub server_no_context_takeover: bool,
    /// The client will start every message as a new stream (a hint).
    pub client_no_context_takeover: bool,
}

/// A server's `permessage-snappy` response.
pub type SnappyResponse = SnappyOffer;

fn parse_flags(ext: &ExtensionOffer) -> Result<SnappyOffer, NegotiationError> {
    let mut p = Params::new(SNAPPY_NAME, ext)?;
    let v = SnappyOffer {
        client_no_context_takeover: p.flag("client_no_context_takeover")?,
        server_no_context_takeover: p.flag("server_no_context_takeover")?,
    };
    p.finish()?;
    Ok(v)
}

impl SnappyOffer {
    /// Parses an offer or response (the name is not checked).
    pub fn parse(ext: &ExtensionOffer) -> Result<Self, NegotiationError> {
        parse_flags(ext)
    }

    /// As a header element.
    #[must_use]
    pub fn to_extension(&self) -> ExtensionOffer {
        let mut ext = ExtensionOffer::new(SNAPPY_NAME);
        push_flag(
            &mut ext,
            "client_no_context_takeover",
            self.client_no_context_takeover,
        );
        push_flag(
            &mut ext,
            "server_no_context_takeover",
            self.server_no_context_takeover,
        );
        ext
    }

    /// The offer a client with `config` makes.
    #[must_use]
    pub fn from_config(config: &SnappyConfig) -> Self {
        Self {
            server_no_context_takeover: config.request_peer_no_context_takeover,
            client_no_context_takeover: config.no_context_takeover,
        }
    }

    /// Checks this response against the client's offer: a requested
    /// `server_no_context_takeover` must be granted.
    pub fn check_against(&self, offer: &SnappyOffer) -> Result<(), NegotiationError> {
        if offer.server_no_context_takeover && !self.server_no_context_takeover {
            return Err(NegotiationError::UnacceptableResponse {
                extension: SNAPPY_NAME,
                reason: "server_no_context_takeover was requested but not granted".into(),
            });
        }
        Ok(())
    }
}

/// The local knobs of `permessage-snappy`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SnappyConfig {
    /// Start every sent message as a new stream.
    pub no_context_takeover: bool,
    /// Ask the peer to start every message as a new stream.
    pub request_peer_no_context_takeover: bool,
    /// Refuse a peer's request for `no_context_takeover` (a server declines
    /// such offers, a client fails such responses). Default false.
    pub refuse_no_context_takeover: bool,
}

impl SnappyConfig {
    /// Whether a server with these knobs can accept `offer`.
    #[must_use]
    pub fn can_accept(&self, offer: &SnappyOffer) -> bool {
        !(self.refuse_no_context_takeover && offer.server_no_context_takeover)
    }

    /// The server's response to `offer` and its codec parameters.
    #[must_use]
    pub fn server_response(&self, offer: &SnappyOffer) -> (SnappyResponse, SnappyParams) {
        let response = SnappyResponse {
            server_no_context_takeover: offer.server_no_context_takeover
                || self.no_context_takeover,
            client_no_context_takeover: self.request_peer_no_context_takeover,
        };
        let params = SnappyParams {
            compress_no_context_takeover: response.server_no_context_takeover,
            decompress_no_context_takeover: response.client_no_context_takeover,
        };
        (response, params)
    }

    /// The codec parameters of a client that received `response`.
    pub fn client_params(
        &self,
        response: &SnappyResponse,
    ) -> Result<SnappyParams, NegotiationError> {
        if response.client_no_context_takeover && self.refuse_no_context_takeover {
            return Err(NegotiationError::UnacceptableResponse {
                extension: SNAPPY_NAME,
                reason: "client_no_context_takeover is refused by configuration".into(),
            });
        }
        Ok(SnappyParams {
            compress_no_context_takeover: response.client_no_context_takeover
                || self.no_context_takeover,
            decompress_no_context_takeover: response.server_no_context_takeover,
        })
    }
}

/// The negotiated parameters of a snappy codec.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SnappyParams {
    /// Start every sent message with a stream identifier.
    pub compress_no_context_takeover: bool,
    /// The peer starts every message with a stream identifier.
    pub decompress_no_context_takeover: bool,
}

/// A `permessage-snappy` codec for one connection.
#[derive(Debug)]
pub struct SnappyCodec {
    params: SnappyParams,
    encoder: snap::raw::Encoder,
    sent_stream_id: bool,
    /// A message is being sent piece by piece.
    sending: bool,
    /// The peer's stream identifier has been seen.
    seen_stream_id: bool,
    /// A chunk split across frames.
    pending: Vec<u8>,
    /// Bytes of a skippable chunk still to skip.
    skip: usize,
    /// A message is being received.
    in_message: bool,
    scratch: Vec<u8>,
}

impl SnappyCodec {
    /// A codec with `params`.
    #[must_use]
    pub fn new(params: SnappyParams) -> Self {
        Self {
            params,
            encoder: snap::raw::Encoder::new(),
            sent_stream_id: false,
            sending: false,
            seen_stream_id: false,
            pending: Vec::new(),
            skip: 0,
            in_message: false,
            scratch: Vec::new(),
        }
    }

    fn invalid(&mut self, what: &str) -> CodecError {
        self.pending.clear();
        self.skip = 0;
        self.in_message = false;
        tracing::debug!(what, "permessage-snappy: invalid data");
        CodecError::Invalid(format!("permessage-snappy: {what}"))
    }

    /// Validates a chunk header; returns the chunk's size with its header
    /// (for a skippable chunk, the header plus the bytes to skip).
    fn chunk_size(&mut self, header: [u8; 4]) -> Result<usize, CodecError> {
        let len =
            usize::from(header[1]) | usize::from(header[2]) << 8 | usize::from(header[3]) << 16;
        let limit = match header[0] {
            0x80..=0xfe => return Ok(4 + len),
            0xff => STREAM_ID.len() - 4,
            0x00 => snap::raw::max_compress_len(MAX_BLOCK) + 4,
            0x01 => MAX_BLOCK + 4,
            _ => return Err(self.invalid("reserved unskippable chunk")),
        };
        if len > limit || header[0] == 0xff && len != limit {
            return Err(self.invalid("chunk length out of range"));
        }
        Ok(4 + len)
    }

    /// Decodes whole chunks from `data`; returns how many bytes it used.
    fn chunks(
        &mut self,
        data: &[u8],
        out: &mut Vec<u8>,
        max_out: usize,
    ) -> Result<usize, CodecError> {
        let mut pos = 0;
        loop {
            if self.skip > 0 {
                let n = self.skip.min(data.len() - pos);
                self.skip -= n;
                pos += n;
                if self.skip > 0 {
                    return Ok(pos);
                }
            }
            let rest = &data[pos..];
            if rest.len() < 4 {
                return Ok(pos);
            }
            let need = self.chunk_size([rest[0], rest[1], rest[2], rest[3]])?;
            let kind = rest[0];
            if (0x80..=0xfe).contains(&kind) {
                pos += 4;
                self.skip = need - 4;
                continue;
            }
            if rest.len() < need {
                return Ok(pos);
            }
            let len = need - 4;
            let body = &rest[4..4 + len];
            pos += 4 + len;
            if kind == 0xff {
                if body != &STREAM_ID[4..] {
                    return Err(self.invalid("bad stream identifier"));
                }
                self.seen_stream_id = true;
                continue;
            }
            if !self.seen_stream_id {
                return Err(self.invalid("stream does not start with the stream identifier"));
            }
            if body.len() < 4 {
                return Err(self.invalid("chunk too short for its checksum"));
            }
            let crc = u32::from_le_bytes([body[0], body[1], body[2], body[3]]);
            let start = out.len();
            if kind == 0x00 {
                let n = match snap::raw::decompress_len(&body[4..]) {
                    Ok(n) if n <= MAX_BLOCK => n,
                    _ => return Err(self.invalid("bad compressed chunk")),
                };
                if start + n > max_out {
                    return Err(CodecError::TooLarge);
                }
                grow_within(out, n, max_out);
                out.resize(start + n, 0);
                if snap::raw::Decoder::new()
                    .decompress(&body[4..], &mut out[start..])
                    .is_err()
                {
                    out.truncate(start);
                    return Err(self.invalid("bad compressed chunk"));
                }
            } else {
                if start + body.len() - 4 > max_out {
                    return Err(CodecError::TooLarge);
                }
                grow_within(out, body.len() - 4, max_out);
                out.extend_from_slice(&body[4..]);
            }
            if masked_crc32c(&out[start..]) != crc {
                out.truncate(start);
                return Err(self.invalid("checksum mismatch"));
            }
        }
    }
}

impl PerMessageCodec for SnappyCodec {
    fn rsv_bits(&self) -> u8 {
        RSV1
    }

    fn encode(&mut self, payload: &[u8], out: &mut Vec<u8>) -> Result<bool, CodecError> {
        self.encode_fragment(payload, true, out)
    }

    fn encode_fragment(
        &mut self,
        input: &[u8],
        fin: bool,
        out: &mut Vec<u8>,
    ) -> Result<bool, CodecError> {
        // Chunks carry no history, so a fragment is just more chunks; only
        // a message's first fragment may start a new stream.
        if !self.sending && (!self.sent_stream_id || self.params.compress_no_context_takeover) {
            out.extend_from_slice(&STREAM_ID);
            self.sent_stream_id = true;
        }
        self.sending = !fin;
        for block in input.chunks(MAX_BLOCK) {
            let crc = masked_crc32c(block).to_le_bytes();
            self.scratch
                .resize(snap::raw::max_compress_len(block.len()), 0);
            let n = self
                .encoder
                .compress(block, &mut self.scratch)
                .map_err(|e| CodecError::Invalid(format!("permessage-snappy compressor: {e}")))?;
            let (kind, body) = if n < block.len() {
                (0x00, &self.scratch[..n])
            } else {
                (0x01, block)
            };
            let len = (body.len() + 4) as u32;
            out.push(kind);
            out.extend_from_slice(&len.to_le_bytes()[..3]);
            out.extend_from_slice(&crc);
            out.extend_from_slice(body);
        }
        shrink_scratch(&mut self.scratch, KEEP_SCRATCH);
        Ok(true)
    }

    fn decode(
        &mut self,
        input: &[u8],
        fin: bool,
        out: &mut Vec<u8>,
        max_out: usize,
    ) -> Result<(), CodecError> {
        if !self.in_message && self.params.decompress_no_context_takeover {
            // Each message is a stream of its own.
            self.seen_stream_id = false;
        }
        self.in_message = !fin;
        let mut input = input;
        // Complete a chunk split across frames first (at most one chunk,
        // bounded by the chunk size limits, is ever buffered).
        while !self.pending.is_empty() {
            if self.pending.len() < 4 {
                let take = (4 - self.pending.len()).min(input.len());
                self.pending.extend_from_slice(&input[..take]);
                input = &input[take..];
                if self.pending.len() < 4 {
                    break;
                }
            }
            let h = [
                self.pending[0],
                self.pending[1],
                self.pending[2],
                self.pending[3],
            ];
            let need = match h[0] {
                0x80..=0xfe => 4,
                _ => self.chunk_size(h)?,
            };
            let take = (need - self.pending.len()).min(input.len());
            self.pending.extend_from_slice(&input[..take]);
            input = &input[take..];
            if self.pending.len() < need {
                break;
            }
            let buf = std::mem::take(&mut self.pending);
            self.chunks(&buf, out, max_out)?;
            self.pending = buf;
            self.pending.clear();
        }
        if !input.is_empty() {
            let used = self.chunks(input, out, max_out)?;
            self.pending.extend_from_slice(&input[used..]);
        }
        if fin {
            let incomplete = !self.pending.is_empty() || self.skip > 0;
            shrink_scratch(&mut self.pending, KEEP_SCRATCH);
            if incomplete {
                return Err(self.invalid("message ends inside a chunk"));
            }
        }
        Ok(())
    }
}

/// CRC-32C (Castagnoli), masked as the framing format prescribes.
fn masked_crc32c(data: &[u8]) -> u32 {
    let crc = crc32c(data);
    crc.rotate_right(15).wrapping_add(0xa282_ead8)
}

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0x82f6_3b78 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

fn crc32c(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc = CRC_TABLE[((crc ^ u32::from(b)) & 0xff) as usize] ^ (crc >> 8);
    }
    !crc
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn crc_vector() {
        assert_eq!(crc32c(b"123456789"), 0xe306_9283);
    }

    fn pass(tx: &mut SnappyCodec, rx: &mut SnappyCodec, msg: &[u8], frame: usize) {
        let mut wire = Vec::new();
        assert!(tx.encode(msg, &mut wire).unwrap());
        let pieces: Vec<&[u8]> = wire.chunks(frame).collect();
        let mut out = Vec::new();
        if pieces.is_empty() {
            rx.decode(&[], true, &mut out, usize::MAX).unwrap();
        }
        for (k, p) in pieces.iter().enumerate() {
            rx.decode(p, k + 1 == pieces.len(), &mut out, usize::MAX)
                .unwrap();
        }
        assert_eq!(out, msg);
    }

    #[test]
    fn round_trips_both_takeover_modes() {
        for (own, peer) in [(false, false), (true, false), (false, true), (true, true)] {
            let client = SnappyConfig {
                no_context_takeover: own,
                request_peer_no_context_takeover: peer,
                ..SnappyConfig::default()
            };
            let server = SnappyConfig::default();
            let offer =
                SnappyOffer::parse(&SnappyOffer::from_config(&client).to_extension()).unwrap();
            let (response, sp) = server.server_response(&offer);
            let response = SnappyResponse::parse(&response.to_extension()).unwrap();
            response.check_against(&offer).unwrap();
            let cp = client.client_params(&response).unwrap();
            let (mut c, mut s) = (SnappyCodec::new(cp), SnappyCodec::new(sp));
            for (i, len) in [0usize, 1, 100, 70_000, 200_000].into_iter().enumerate() {
                let msg: Vec<u8> = (0..len).map(|j| ((j / 3) % 50 + i) as u8).collect();
                for frame in [usize::MAX, 5, 4096] {
                    pass(&mut c, &mut s, &msg, frame);
                    pass(&mut s, &mut c, &msg, frame);
                }
            }
        }
    }

    #[test]
    fn reads_the_snap_crate_framing() {
        let msg: Vec<u8> = (0..150_000u32).map(|i| (i % 251) as u8).collect();
        let mut enc = snap::write::FrameEncoder::new(Vec::new());
        enc.write_all(&msg).unwrap();
        let wire = enc.into_inner().unwrap();
        let mut rx = SnappyCodec::new(SnappyParams {
            decompress_no_context_takeover: true,
            ..SnappyParams::default()
        });
        let mut out = Vec::new();
        rx.decode(&wire, true, &mut out, usize::MAX).unwrap();
        assert_eq!(out, msg);
        // Without a stream identifier in a new stream: invalid.
        let mut out = Vec::new();
        assert!(matches!(
            rx.decode(&wire[10..], true, &mut out, usize::MAX),
            Err(CodecError::Invalid(_))
        ));
    }

    #[test]
    fn bad_input_and_limits() {
        let mut tx = SnappyCodec::new(SnappyParams::default());
        let msg = vec![9u8; 100_000];
        let mut wire = Vec::new();
        tx.encode(&msg, &mut wire).unwrap();
        let fresh = || {
            SnappyCodec::new(SnappyParams {
                decompress_no_context_takeover: true,
                ..SnappyParams::default()
            })
        };
        assert_eq!(
            fresh().decode(&wire, true, &mut Vec::new(), 99_999),
            Err(CodecError::TooLarge)
        );
        let mut corrupt = wire.clone();
        corrupt[15] ^= 1;
        assert!(matches!(
            fresh().decode(&corrupt, true, &mut Vec::new(), usize::MAX),
            Err(CodecError::Invalid(_))
        ));
        assert!(matches!(
            fresh().decode(&wire[..wire.len() - 1], true, &mut Vec::new(), usize::MAX),
            Err(CodecError::Invalid(_))
        ));
        let mut reserved = STREAM_ID.to_vec();
        reserved.extend_from_slice(&[0x02, 0, 0, 0]);
        assert!(matches!(
            fresh().decode(&reserved, true, &mut Vec::new(), usize::MAX),
            Err(CodecError::Invalid(_))
        ));
        // Skippable padding is skipped, even across frames.
        let mut padded = STREAM_ID.to_vec();
        padded.extend_from_slice(&[0xfe, 3, 0, 0, 1, 2, 3]);
        let mut rx = fresh();
        let mut out = Vec::new();
        rx.decode(&padded[..12], false, &mut out, 10).unwrap();
        rx.decode(&padded[12..], true, &mut out, 10).unwrap();
        assert!(out.is_empty());
        for bad in [
            "permessage-snappy; server_no_context_takeover=1",
            "permessage-snappy; x",
        ] {
            let e = &ferrobahn_handshake::parse_extensions(bad).unwrap()[0];
            assert!(SnappyOffer::parse(e).is_err(), "{bad}");
        }
    }
}
