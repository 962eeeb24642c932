//! `permessage-brotli`, as AutobahnPython negotiates it: parameters
//! `client_no_context_takeover` and `server_no_context_takeover` (bare),
//! and every message is one complete brotli stream (AutobahnPython ends
//! the stream per message, so no history carries over whatever the flags
//! say; they are negotiated and reported, and change nothing on the wire).
//!
//! Memory: the decoder's ring buffer follows the stream's window
//! (`2^WBITS` bytes at most); streams announcing a window above
//! [`BrotliConfig::max_decode_window_bits`] (default 22, 4 MiB, the
//! brotli default that AutobahnPython's peers use) and large-window
//! streams are rejected as invalid. Encoder and decoder state live only
//! while a message is in flight.

use std::io::Write;

use brotli::enc::StandardAlloc;
use brotli::{BrotliDecompressStream, BrotliResult, BrotliState};
use ferrobahn_handshake::ExtensionOffer;

use crate::codec::{CodecError, PerMessageCodec};
use crate::limit::{grow_within, RSV1};
use crate::params::{push_flag, Params};
use crate::NegotiationError;

/// The extension token.
pub const BROTLI_NAME: &str = "permessage-brotli";

const CHUNK: usize = 64 * 1024;

/// A client's `permessage-brotli` offer, and the shape of a server's response.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BrotliOffer {
    /// Asks (offer) or states (response) that the server starts fresh per message.
    pub server_no_context_takeover: bool,
    /// States (offer, a hint) or requires (response) that the client starts fresh per message.
    pub client_no_context_takeover: bool,
}

/// A server's `permessage-brotli` response.
pub type BrotliResponse = BrotliOffer;

impl BrotliOffer {
    /// Parses an offer or response (the name is not checked).
    pub fn parse(ext: &ExtensionOffer) -> Result<Self, NegotiationError> {
        let mut p = Params::new(BROTLI_NAME, ext)?;
        let v = Self {
            client_no_context_takeover: p.flag("client_no_context_takeover")?,
            server_no_context_takeover: p.flag("server_no_context_takeover")?,
        };
        p.finish()?;
        Ok(v)
    }

    /// As a header element.
    #[must_use]
    pub fn to_extension(&self) -> ExtensionOffer {
        let mut ext = ExtensionOffer::new(BROTLI_NAME);
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
    pub fn from_config(config: &BrotliConfig) -> Self {
        Self {
            server_no_context_takeover: config.request_peer_no_context_takeover,
            client_no_context_takeover: config.no_context_takeover,
        }
    }

    /// Checks this response against the client's offer.
    pub fn check_against(&self, offer: &BrotliOffer) -> Result<(), NegotiationError> {
        if offer.server_no_context_takeover && !self.server_no_context_takeover {
            return Err(NegotiationError::UnacceptableResponse {
                extension: BROTLI_NAME,
                reason: "server_no_context_takeover was requested but not granted".into(),
            });
        }
        Ok(())
    }
}

/// The local knobs of `permessage-brotli`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BrotliConfig {
    /// Encoder quality 0 ..= 11. Default 5 (11, brotli's default, is
    /// several times slower for a few percent).
    pub quality: u8,
    /// Encoder window, bits 10 ..= 24. Default 18 (256 KiB): the peer's
    /// decoder needs that much.
    pub window_bits: u8,
    /// Largest window (bits 10 ..= 24) accepted from the peer. Default 22.
    pub max_decode_window_bits: u8,
    /// Announce `*_no_context_takeover` for this side.
    pub no_context_takeover: bool,
    /// Ask the peer for `*_no_context_takeover`.
    pub request_peer_no_context_takeover: bool,
}

impl Default for BrotliConfig {
    fn default() -> Self {
        Self {
            quality: 5,
            window_bits: 18,
            max_decode_window_bits: 22,
            no_context_takeover: false,
            request_peer_no_context_takeover: false,
        }
    }
}

impl BrotliConfig {
    /// Checks the knobs' ranges.
    pub fn validate(&self) -> Result<(), NegotiationError> {
        if self.quality > 11
            || !(10..=24).contains(&self.window_bits)
            || !(10..=24).contains(&self.max_decode_window_bits)
        {
            return Err(NegotiationError::InvalidConfig(format!(
                "brotli knobs out of range: {self:?}"
            )));
        }
        Ok(())
    }

    /// Whether a server with these knobs can accept `offer` (always).
    #[must_use]
    pub fn can_accept(&self, _offer: &BrotliOffer) -> bool {
        true
    }

    /// The server's response to `offer` and its codec parameters.
    #[must_use]
    pub fn server_response(&self, offer: &BrotliOffer) -> (BrotliResponse, BrotliParams) {
        let response = BrotliResponse {
            server_no_context_takeover: offer.server_no_context_takeover
                || self.no_context_takeover,
            client_no_context_takeover: self.request_peer_no_context_takeover,
        };
        (response, self.params())
    }

    /// The codec parameters of a client that received `response`.
    pub fn client_params(
        &self,
        _response: &BrotliResponse,
    ) -> Result<BrotliParams, NegotiationError> {
        Ok(self.params())
    }

    fn params(&self) -> BrotliParams {
        BrotliParams {
            quality: self.quality.min(11),
            window_bits: self.window_bits.clamp(10, 24),
            max_decode_window_bits: self.max_decode_window_bits.clamp(10, 24),
        }
    }
}

/// The parameters of a brotli codec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BrotliParams {
    /// Encoder quality 0 ..= 11.
    pub quality: u8,
    /// Encoder window bits 10 ..= 24.
    pub window_bits: u8,
    /// Largest decode window bits accepted.
    pub max_decode_window_bits: u8,
}

type State = BrotliState<StandardAlloc, StandardAlloc, StandardAlloc>;

/// A `permessage-brotli` codec for one connection.
pub struct BrotliCodec {
    params: BrotliParams,
    /// The decoder of the message being received.
    inflight: Option<Box<State>>,
    ended: bool,
    /// The encoder of a message being sent piece by piece.
    sending: Option<Box<brotli::CompressorWriter<Vec<u8>>>>,
}

impl std::fmt::Debug for BrotliCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrotliCodec")
            .field("params", &self.params)
            .field("receiving", &self.inflight.is_some())
            .field("sending", &self.sending.is_some())
            .finish()
    }
}

/// The window bits a brotli stream header announces (RFC 7932 9.1), or
/// `None` for the large-window extension or an invalid header.
fn stream_window_bits(first: u8) -> Option<u8> {
    if first & 1 == 0 {
        return Some(16);
    }
    let n = (first >> 1) & 7;
    if n != 0 {
        return Some(17 + n);
    }
    match (first >> 4) & 7 {
        0 => Some(17),
        1 => None, // large window (or invalid): not in RFC 7932 streams
        m => Some(8 + m),
    }
}

impl BrotliCodec {
    /// A codec with `params`.
    #[must_use]
    pub fn new(params: BrotliParams) -> Self {
        Self {
            params,
            inflight: None,
            ended: false,
            sending: None,
        }
    }

    fn new_writer<W: Write>(&self, out: W) -> brotli::CompressorWriter<W> {
        brotli::CompressorWriter::new(
            out,
            4096,
            u32::from(self.params.quality),
            u32::from(self.params.window_bits),
        )
    }

    fn invalid(&mut self, what: &str) -> CodecError {
        self.inflight = None;
        self.ended = false;
        tracing::debug!(what, "permessage-brotli: invalid data");
        CodecError::Invalid(format!("permessage-brotli: {what}"))
    }
}

fn compressor_error(e: std::io::Error) -> CodecError {
    CodecError::Invalid(format!("permessage-brotli compressor: {e}"))
}

impl PerMessageCodec for BrotliCodec {
    fn rsv_bits(&self) -> u8 {
        RSV1
    }

    fn encode(&mut self, payload: &[u8], out: &mut Vec<u8>) -> Result<bool, CodecError> {
        let mut w = self.new_writer(&mut *out);
        w.write_all(payload).map_err(compressor_error)?;
        // Finishes the stream.
        w.into_inner();
        Ok(true)
    }

    fn encode_fragment(
        &mut self,
        input: &[u8],
        fin: bool,
        out: &mut Vec<u8>,
    ) -> Result<bool, CodecError> {
        // One brotli stream per message, as `encode` makes; every fragment
        // but the last is flushed so the peer can decode it at once.
        let mut w = match self.sending.take() {
            Some(w) => w,
            None => Box::new(self.new_writer(Vec::new())),
        };
        w.write_all(input).map_err(compressor_error)?;
        if fin {
            out.append(&mut w.into_inner());
        } else {
            w.flush().map_err(compressor_error)?;
            out.append(w.get_mut());
            self.sending = Some(w);
        }
        Ok(true)
    }

    fn decode(
        &mut self,
        mut input: &[u8],
        fin: bool,
        out: &mut Vec<u8>,
        max_out: usize,
    ) -> Result<(), CodecError> {
        if self.inflight.is_none() && !self.ended && !input.is_empty() {
            match stream_window_bits(input[0]) {
                Some(bits) if bits <= self.params.max_decode_window_bits => {}
                _ => return Err(self.invalid("stream window larger than allowed")),
            }
            let mut state = State::new(
                StandardAlloc::default(),
                StandardAlloc::default(),
                StandardAlloc::default(),
            );
            state.large_window = false;
            self.inflight = Some(Box::new(state));
        }
        while let Some(state) = self.inflight.as_mut() {
            let room = max_out.saturating_sub(out.len()).saturating_add(1);
            let chunk = out.len().clamp(4096, CHUNK).min(room);
            let start = out.len();
            grow_within(out, chunk, max_out);
            out.resize(start + chunk, 0);
            let (mut avail_in, mut in_off) = (input.len(), 0);
            let (mut avail_out, mut out_off, mut total) = (chunk, 0, 0);
            let result = BrotliDecompressStream(
                &mut avail_in,
                &mut in_off,
                input,
                &mut avail_out,
                &mut out_off,
                &mut out[start..],
                &mut total,
                state,
            );
            out.truncate(start + out_off);
            input = &input[in_off..];
            if out.len() > max_out {
                out.truncate(max_out);
                self.inflight = None;
                self.ended = false;
                return Err(CodecError::TooLarge);
            }
            match result {
                BrotliResult::ResultSuccess => {
                    self.inflight = None;
                    self.ended = true;
                }
                // Wanting input with a full output chunk may still hold
                // decoded bytes: drain them before waiting for the next frame.
                BrotliResult::NeedsMoreInput if out_off < chunk => break,
                BrotliResult::NeedsMoreInput => {}
                BrotliResult::NeedsMoreOutput => {}
                BrotliResult::ResultFailure => return Err(self.invalid("corrupt stream")),
            }
        }
        if self.ended && !input.is_empty() {
            return Err(self.invalid("data after the end of the stream"));
        }
        if fin {
            if !self.ended {
                return Err(self.invalid("truncated stream"));
            }
            self.ended = false;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_header_rules() {
        assert_eq!(stream_window_bits(0b0), Some(16));
        assert_eq!(stream_window_bits(0b0000_1011), Some(22));
        assert_eq!(stream_window_bits(0b0000_0001), Some(17));
        assert_eq!(stream_window_bits(0b0010_0001), Some(10));
        assert_eq!(stream_window_bits(0b0001_0001), None);
    }

    #[test]
    fn negotiation_round_trip_and_bad_input() {
        let client = BrotliConfig {
            request_peer_no_context_takeover: true,
            ..BrotliConfig::default()
        };
        let offer = BrotliOffer::parse(&BrotliOffer::from_config(&client).to_extension()).unwrap();
        let (response, sp) = BrotliConfig::default().server_response(&offer);
        let response = BrotliResponse::parse(&response.to_extension()).unwrap();
        response.check_against(&offer).unwrap();
        assert!(BrotliResponse::default().check_against(&offer).is_err());
        let (mut c, mut s) = (
            BrotliCodec::new(client.client_params(&response).unwrap()),
            BrotliCodec::new(sp),
        );
        for (i, len) in [0usize, 1, 3000, 300_000].into_iter().enumerate() {
            let msg: Vec<u8> = (0..len).map(|j| ((j / 5) % 40 + i) as u8).collect();
            for frame in [usize::MAX, 3] {
                let mut wire = Vec::new();
                assert!(c.encode(&msg, &mut wire).unwrap());
                let pieces: Vec<&[u8]> = wire.chunks(frame).collect();
                let mut out = Vec::new();
                for (k, p) in pieces.iter().enumerate() {
                    s.decode(p, k + 1 == pieces.len(), &mut out, usize::MAX)
                        .unwrap();
                }
                assert_eq!(out, msg);
            }
        }
        let mut wire = Vec::new();
        c.encode(&[1u8; 100_000], &mut wire).unwrap();
        assert_eq!(
            s.decode(&wire, true, &mut Vec::new(), 99_999),
            Err(CodecError::TooLarge)
        );
        assert!(matches!(
            s.decode(&wire[..wire.len() / 2], true, &mut Vec::new(), 1 << 20),
            Err(CodecError::Invalid(_))
        ));
        let mut twice = wire.clone();
        twice.extend_from_slice(&wire);
        assert!(matches!(
            s.decode(&twice, true, &mut Vec::new(), 1 << 20),
            Err(CodecError::Invalid(_))
        ));
        assert!(matches!(
            s.decode(&[0xff; 40], true, &mut Vec::new(), 1 << 20),
            Err(CodecError::Invalid(_))
        ));
        // A 16 MiB window is refused under the default 22-bit cap.
        let mut big = Vec::new();
        BrotliCodec::new(BrotliParams {
            window_bits: 24,
            ..sp
        })
        .encode(&[5u8; 1000], &mut big)
        .unwrap();
        assert!(matches!(
            s.decode(&big, true, &mut Vec::new(), 1 << 20),
            Err(CodecError::Invalid(_))
        ));
        let mut out = Vec::new();
        s.decode(&wire, true, &mut out, 1 << 20).unwrap();
        assert_eq!(out.len(), 100_000);
        for bad in [
            "permessage-brotli; server_no_context_takeover=1",
            "permessage-brotli; q=1",
        ] {
            let e = &ferrobahn_handshake::parse_extensions(bad).unwrap()[0];
            assert!(BrotliOffer::parse(e).is_err(), "{bad}");
        }
    }
}
