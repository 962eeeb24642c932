//! `permessage-bzip2`, AutobahnPython's non-standard extension: every
//! message is one complete bzip2 stream. Parameters:
//! `client_max_compress_level` (bare in an offer, 1..=9 in a response) and
//! `server_max_compress_level` (1..=9).
//!
//! Memory: bzip2 needs about `level * 800 KB` to compress and up to
//! 3.7 MB (2.3 MB in small mode) to decompress; both states live only
//! while a message is in flight and are freed after it.

use bzip2::{Action, Compress, Compression, Decompress, Status};
use ferrobahn_handshake::ExtensionOffer;

use crate::codec::{CodecError, PerMessageCodec};
use crate::limit::{grow_within, RSV1};
use crate::params::{push_flag, push_number, Params};
use crate::NegotiationError;

/// The extension token.
pub const BZIP2_NAME: &str = "permessage-bzip2";

const LEVELS: std::ops::RangeInclusive<u8> = 1..=9;
const CHUNK: usize = 64 * 1024;

/// A client's `permessage-bzip2` offer, as on the wire.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bzip2Offer {
    /// `client_max_compress_level` (bare): the server may cap the client's level.
    pub client_max_compress_level: bool,
    /// `server_max_compress_level=N`: the client asks the server to use at most level N.
    pub server_max_compress_level: Option<u8>,
}

impl Bzip2Offer {
    /// Parses an offer (the name is not checked).
    pub fn parse(ext: &ExtensionOffer) -> Result<Self, NegotiationError> {
        let mut p = Params::new(BZIP2_NAME, ext)?;
        let offer = Self {
            client_max_compress_level: p.flag("client_max_compress_level")?,
            server_max_compress_level: p.number("server_max_compress_level", LEVELS)?,
        };
        p.finish()?;
        Ok(offer)
    }

    /// The offer as a header element.
    #[must_use]
    pub fn to_extension(&self) -> ExtensionOffer {
        let mut ext = ExtensionOffer::new(BZIP2_NAME);
        push_flag(
            &mut ext,
            "client_max_compress_level",
            self.client_max_compress_level,
        );
        push_number(
            &mut ext,
            "server_max_compress_level",
            self.server_max_compress_level,
        );
        ext
    }

    /// The offer a client with `config` makes.
    #[must_use]
    pub fn from_config(config: &Bzip2Config) -> Self {
        Self {
            client_max_compress_level: config.accept_max_compress_level,
            server_max_compress_level: config.request_peer_max_compress_level,
        }
    }
}

/// A server's `permessage-bzip2` response, as on the wire.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bzip2Response {
    /// The client must compress with at most this level.
    pub client_max_compress_level: Option<u8>,
    /// The server compresses with at most this level.
    pub server_max_compress_level: Option<u8>,
}

impl Bzip2Response {
    /// Parses a response (the name is not checked).
    pub fn parse(ext: &ExtensionOffer) -> Result<Self, NegotiationError> {
        let mut p = Params::new(BZIP2_NAME, ext)?;
        let response = Self {
            client_max_compress_level: p.number("client_max_compress_level", LEVELS)?,
            server_max_compress_level: p.number("server_max_compress_level", LEVELS)?,
        };
        p.finish()?;
        Ok(response)
    }

    /// The response as a header element.
    #[must_use]
    pub fn to_extension(&self) -> ExtensionOffer {
        let mut ext = ExtensionOffer::new(BZIP2_NAME);
        push_number(
            &mut ext,
            "server_max_compress_level",
            self.server_max_compress_level,
        );
        push_number(
            &mut ext,
            "client_max_compress_level",
            self.client_max_compress_level,
        );
        ext
    }

    /// Checks the response against the client's offer.
    pub fn check_against(&self, offer: &Bzip2Offer) -> Result<(), NegotiationError> {
        let fail = |reason: &str| {
            Err(NegotiationError::UnacceptableResponse {
                extension: BZIP2_NAME,
                reason: reason.to_owned(),
            })
        };
        if self.client_max_compress_level.is_some() && !offer.client_max_compress_level {
            return fail("client_max_compress_level was not offered");
        }
        if let (Some(asked), Some(got)) = (
            offer.server_max_compress_level,
            self.server_max_compress_level,
        ) {
            if got > asked {
                return fail("server_max_compress_level is larger than requested");
            }
        }
        Ok(())
    }
}

/// The local knobs of `permessage-bzip2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bzip2Config {
    /// Compression level (block size in 100 kB), 1 ..= 9. Default 9,
    /// AutobahnPython's.
    pub level: u8,
    /// Ask the peer to compress with at most this level. Default `None`.
    pub request_peer_max_compress_level: Option<u8>,
    /// Let the peer cap this side's level (a client offers
    /// `client_max_compress_level`). Default true.
    pub accept_max_compress_level: bool,
    /// Decompress in bzip2's small mode (about 2.3 MB instead of 3.7 MB at
    /// level 9, roughly half the speed). Default false.
    pub small_decompress: bool,
}

impl Default for Bzip2Config {
    fn default() -> Self {
        Self {
            level: 9,
            request_peer_max_compress_level: None,
            accept_max_compress_level: true,
            small_decompress: false,
        }
    }
}

impl Bzip2Config {
    /// Checks the knobs' ranges.
    pub fn validate(&self) -> Result<(), NegotiationError> {
        if !LEVELS.contains(&self.level)
            || self
                .request_peer_max_compress_level
                .is_some_and(|l| !LEVELS.contains(&l))
        {
            return Err(NegotiationError::InvalidConfig(format!(
                "bzip2 levels must be 1..=9: {self:?}"
            )));
        }
        Ok(())
    }

    /// Whether a server with these knobs can accept `offer` (always: a
    /// level cap can always be honoured).
    #[must_use]
    pub fn can_accept(&self, _offer: &Bzip2Offer) -> bool {
        true
    }

    /// The server's response to `offer` and its codec parameters.
    #[must_use]
    pub fn server_response(&self, offer: &Bzip2Offer) -> (Bzip2Response, Bzip2Params) {
        let response = Bzip2Response {
            server_max_compress_level: offer.server_max_compress_level.map(|l| l.min(self.level)),
            client_max_compress_level: self
                .request_peer_max_compress_level
                .filter(|_| offer.client_max_compress_level),
        };
        let params = Bzip2Params {
            compress_level: response
                .server_max_compress_level
                .unwrap_or(self.level)
                .min(self.level),
            small_decompress: self.small_decompress,
        };
        (response, params)
    }

    /// The codec parameters of a client that received `response`.
    #[must_use]
    pub fn client_params(&self, response: &Bzip2Response) -> Bzip2Params {
        Bzip2Params {
            compress_level: response
                .client_max_compress_level
                .unwrap_or(9)
                .min(self.level),
            small_decompress: self.small_decompress,
        }
    }
}

/// The negotiated parameters of a bzip2 codec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bzip2Params {
    /// The level this side compresses with (1 ..= 9).
    pub compress_level: u8,
    /// Decompress in small mode.
    pub small_decompress: bool,
}

/// A `permessage-bzip2` codec for one connection.
pub struct Bzip2Codec {
    params: Bzip2Params,
    /// The decompressor of the message being received.
    inflight: Option<Decompress>,
    /// The current message's bzip2 stream has ended.
    ended: bool,
    /// The compressor of a message being sent piece by piece.
    sending: Option<Compress>,
}

impl std::fmt::Debug for Bzip2Codec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bzip2Codec")
            .field("params", &self.params)
            .field("receiving", &self.inflight.is_some())
            .field("sending", &self.sending.is_some())
            .finish()
    }
}

impl Bzip2Codec {
    /// A codec with `params` (the level is clamped into 1..=9).
    #[must_use]
    pub fn new(mut params: Bzip2Params) -> Self {
        params.compress_level = params.compress_level.clamp(1, 9);
        Self {
            params,
            inflight: None,
            ended: false,
            sending: None,
        }
    }

    fn new_compress(&self) -> Compress {
        Compress::new(Compression::new(u32::from(self.params.compress_level)), 30)
    }

    fn invalid(&mut self, what: &str) -> CodecError {
        self.inflight = None;
        self.ended = false;
        tracing::debug!(what, "permessage-bzip2: invalid compressed data");
        CodecError::Invalid(format!("permessage-bzip2: {what}"))
    }
}

/// Runs `input` through `c` with `action` (Flush: end the block, Finish: end
/// the stream), appending what comes out to `out`.
fn compress_into(
    c: &mut Compress,
    mut input: &[u8],
    action: Action,
    out: &mut Vec<u8>,
) -> Result<(), CodecError> {
    loop {
        let start = out.len();
        let chunk = (input.len() / 2).clamp(1024, 1 << 20);
        out.resize(start + chunk, 0);
        let (in0, out0) = (c.total_in(), c.total_out());
        let status = c.compress(input, &mut out[start..], action);
        let consumed = (c.total_in() - in0) as usize;
        let produced = (c.total_out() - out0) as usize;
        out.truncate(start + produced);
        input = &input[consumed..];
        match status {
            // The stream is complete (Finish).
            Ok(Status::StreamEnd) => return Ok(()),
            // Flush is done once bzip2 answers RunOk again.
            Ok(Status::RunOk) if input.is_empty() && action != Action::Finish => return Ok(()),
            Ok(_) => {}
            Err(err) => {
                return Err(CodecError::Invalid(format!(
                    "permessage-bzip2 compressor: {err}"
                )))
            }
        }
    }
}

impl PerMessageCodec for Bzip2Codec {
    fn rsv_bits(&self) -> u8 {
        RSV1
    }

    fn encode(&mut self, payload: &[u8], out: &mut Vec<u8>) -> Result<bool, CodecError> {
        let mut c = self.new_compress();
        compress_into(&mut c, payload, Action::Finish, out)?;
        Ok(true)
    }

    fn encode_fragment(
        &mut self,
        input: &[u8],
        fin: bool,
        out: &mut Vec<u8>,
    ) -> Result<bool, CodecError> {
        // One bzip2 stream per message, as `encode` makes; every fragment
        // but the last ends its block (BZ_FLUSH) so the peer can decode it
        // at once, the last one ends the stream.
        let mut c = match self.sending.take() {
            Some(c) => c,
            None => self.new_compress(),
        };
        if fin {
            compress_into(&mut c, input, Action::Finish, out)?;
        } else {
            compress_into(&mut c, input, Action::Flush, out)?;
            self.sending = Some(c);
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
        while !input.is_empty() || self.inflight.is_some() && !self.ended {
            if self.ended {
                return Err(self.invalid("data after the end of the stream"));
            }
            let small = self.params.small_decompress;
            let d = self.inflight.get_or_insert_with(|| Decompress::new(small));
            let room = max_out.saturating_sub(out.len()).saturating_add(1);
            let chunk = out.len().clamp(4096, CHUNK).min(room);
            let start = out.len();
            grow_within(out, chunk, max_out);
            out.resize(start + chunk, 0);
            let (in0, out0) = (d.total_in(), d.total_out());
            let status = d.decompress(input, &mut out[start..]);
            let consumed = (d.total_in() - in0) as usize;
            let produced = (d.total_out() - out0) as usize;
            out.truncate(start + produced);
            input = &input[consumed..];
            match status {
                Ok(Status::StreamEnd) => self.ended = true,
                Ok(_) => {}
                Err(err) => return Err(self.invalid(&err.to_string())),
            }
            if out.len() > max_out {
                out.truncate(max_out);
                self.inflight = None;
                self.ended = false;
                return Err(CodecError::TooLarge);
            }
            if produced < chunk && input.is_empty() {
                // All of this frame consumed and nothing more pending.
                break;
            }
            if produced == 0 && consumed == 0 && !self.ended {
                return Err(self.invalid("decompressor made no progress"));
            }
        }
        if fin {
            if !self.ended {
                return Err(self.invalid("truncated stream"));
            }
            self.inflight = None;
            self.ended = false;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use ferrobahn_handshake::parse_extensions;

    use super::*;

    #[test]
    fn negotiation_and_round_trip() {
        let client = Bzip2Config {
            level: 3,
            request_peer_max_compress_level: Some(2),
            ..Bzip2Config::default()
        };
        let server = Bzip2Config {
            request_peer_max_compress_level: Some(1),
            ..Bzip2Config::default()
        };
        let offer = Bzip2Offer::parse(&Bzip2Offer::from_config(&client).to_extension()).unwrap();
        assert_eq!(
            offer,
            Bzip2Offer {
                client_max_compress_level: true,
                server_max_compress_level: Some(2)
            }
        );
        let (response, sp) = server.server_response(&offer);
        let response = Bzip2Response::parse(&response.to_extension()).unwrap();
        response.check_against(&offer).unwrap();
        let cp = client.client_params(&response);
        assert_eq!((cp.compress_level, sp.compress_level), (1, 2));
        let (mut c, mut s) = (Bzip2Codec::new(cp), Bzip2Codec::new(sp));
        for (i, len) in [0usize, 1, 5000, 300_000].into_iter().enumerate() {
            let msg: Vec<u8> = (0..len).map(|j| (j / 7 + i) as u8).collect();
            for frame in [usize::MAX, 13] {
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
    }

    #[test]
    fn malformed_and_bad_input() {
        for bad in [
            "permessage-bzip2; server_max_compress_level=0",
            "permessage-bzip2; server_max_compress_level=10",
            "permessage-bzip2; server_max_compress_level",
            "permessage-bzip2; client_max_compress_level=3",
            "permessage-bzip2; client_max_compress_level; client_max_compress_level",
            "permessage-bzip2; x",
        ] {
            let e = &parse_extensions(bad).unwrap()[0];
            assert!(Bzip2Offer::parse(e).is_err(), "{bad}");
        }
        let r = Bzip2Response {
            client_max_compress_level: Some(3),
            server_max_compress_level: None,
        };
        assert!(r.check_against(&Bzip2Offer::default()).is_err());

        let mut s = Bzip2Codec::new(Bzip2Params {
            compress_level: 9,
            small_decompress: true,
        });
        let mut out = Vec::new();
        assert!(matches!(
            s.decode(b"not bzip2", true, &mut out, 1000),
            Err(CodecError::Invalid(_))
        ));
        // Truncated, then valid again.
        let mut wire = Vec::new();
        Bzip2Codec::new(Bzip2Params {
            compress_level: 1,
            small_decompress: false,
        })
        .encode(&[7u8; 100_000], &mut wire)
        .unwrap();
        assert!(matches!(
            s.decode(&wire[..wire.len() - 3], true, &mut Vec::new(), 1 << 20),
            Err(CodecError::Invalid(_))
        ));
        assert_eq!(
            s.decode(&wire, true, &mut Vec::new(), 99_999),
            Err(CodecError::TooLarge)
        );
        let mut out = Vec::new();
        s.decode(&wire, true, &mut out, 100_000).unwrap();
        assert_eq!(out.len(), 100_000);
        let mut twice = wire.clone();
        twice.extend_from_slice(&wire);
        assert!(matches!(
            s.decode(&twice, true, &mut Vec::new(), 1 << 20),
            Err(CodecError::Invalid(_))
        ));
    }
}
