//! `permessage-deflate` (RFC 7692): the offer and response parameters, the
//! knobs, the negotiation rules of both sides, and the codec.
//!
//! The four parameters: `server_no_context_takeover`,
//! `client_no_context_takeover`, `server_max_window_bits` (8..=15) and
//! `client_max_window_bits` (bare in an offer, or 8..=15). Each side
//! compresses with its own direction's parameters and inflates with the
//! peer's.
//!
//! zlib's window-8 quirk: zlib (and zlib-rs, which this crate uses) cannot
//! compress raw deflate with a 256-byte window and silently uses 512
//! bytes, so a zlib-based peer that negotiated 8 bits may send distances
//! up to 512. This codec therefore inflates with at least 9 bits (which
//! reads both strict and zlib-based peers), and when it must compress
//! with 8 bits it runs zlib with 9 bits and run-length matches only
//! (distance 1), so even a strict 256-byte inflater reads its output.

mod codec;

pub use codec::{DeflateCodec, DeflateParams};

use ferrobahn_handshake::ExtensionOffer;

use crate::params::{push_flag, push_number, Params};
use crate::NegotiationError;

/// The extension token.
pub const DEFLATE_NAME: &str = "permessage-deflate";

/// The window sizes RFC 7692 allows, as bits.
const WINDOW_BITS: std::ops::RangeInclusive<u8> = 8..=15;

/// The parameters of a client's `permessage-deflate` offer, as on the wire
/// (AutobahnPython's `PerMessageDeflateOffer`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeflateOffer {
    /// The client asks the server to reset its compressor after each message.
    pub server_no_context_takeover: bool,
    /// The client says it will reset its compressor after each message
    /// (a hint; the server may require it in the response).
    pub client_no_context_takeover: bool,
    /// The client asks the server to compress with at most this window.
    pub server_max_window_bits: Option<u8>,
    /// `None`: absent (the server must not limit the client's window);
    /// `Some(None)`: present without a value (the server may limit it);
    /// `Some(Some(n))`: present, and the client will use at most `n` bits.
    pub client_max_window_bits: Option<Option<u8>>,
}

impl DeflateOffer {
    /// Parses an offer whose name is `permessage-deflate` (the name is not
    /// checked). Duplicate or unknown parameters and bad values are errors.
    pub fn parse(ext: &ExtensionOffer) -> Result<Self, NegotiationError> {
        let mut p = Params::new(DEFLATE_NAME, ext)?;
        let offer = Self {
            server_no_context_takeover: p.flag("server_no_context_takeover")?,
            client_no_context_takeover: p.flag("client_no_context_takeover")?,
            server_max_window_bits: p.number("server_max_window_bits", WINDOW_BITS)?,
            client_max_window_bits: p.optional_number("client_max_window_bits", WINDOW_BITS)?,
        };
        p.finish()?;
        Ok(offer)
    }

    /// The offer as a header element.
    #[must_use]
    pub fn to_extension(&self) -> ExtensionOffer {
        let mut ext = ExtensionOffer::new(DEFLATE_NAME);
        push_flag(
            &mut ext,
            "client_no_context_takeover",
            self.client_no_context_takeover,
        );
        match self.client_max_window_bits {
            None => {}
            Some(None) => push_flag(&mut ext, "client_max_window_bits", true),
            Some(bits) => push_number(&mut ext, "client_max_window_bits", bits),
        }
        push_flag(
            &mut ext,
            "server_no_context_takeover",
            self.server_no_context_takeover,
        );
        push_number(
            &mut ext,
            "server_max_window_bits",
            self.server_max_window_bits,
        );
        ext
    }

    /// The offer a client with `config` makes.
    #[must_use]
    pub fn from_config(config: &DeflateConfig) -> Self {
        Self {
            server_no_context_takeover: config.request_peer_no_context_takeover,
            client_no_context_takeover: config.no_context_takeover,
            server_max_window_bits: config.request_peer_max_window_bits,
            client_max_window_bits: config
                .accept_max_window_bits
                .then(|| (config.max_window_bits < 15).then_some(config.max_window_bits)),
        }
    }
}

/// The parameters of a server's `permessage-deflate` response, as on the
/// wire (AutobahnPython's `PerMessageDeflateResponse`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeflateResponse {
    /// The server resets its compressor after each message.
    pub server_no_context_takeover: bool,
    /// The client must reset its compressor after each message.
    pub client_no_context_takeover: bool,
    /// The server compresses with at most this window.
    pub server_max_window_bits: Option<u8>,
    /// The client must compress with at most this window.
    pub client_max_window_bits: Option<u8>,
}

impl DeflateResponse {
    /// Parses a response whose name is `permessage-deflate` (the name is not
    /// checked). Unlike an offer, `client_max_window_bits` needs a value.
    pub fn parse(ext: &ExtensionOffer) -> Result<Self, NegotiationError> {
        let mut p = Params::new(DEFLATE_NAME, ext)?;
        let response = Self {
            server_no_context_takeover: p.flag("server_no_context_takeover")?,
            client_no_context_takeover: p.flag("client_no_context_takeover")?,
            server_max_window_bits: p.number("server_max_window_bits", WINDOW_BITS)?,
            client_max_window_bits: p.number("client_max_window_bits", WINDOW_BITS)?,
        };
        p.finish()?;
        Ok(response)
    }

    /// The response as a header element.
    #[must_use]
    pub fn to_extension(&self) -> ExtensionOffer {
        let mut ext = ExtensionOffer::new(DEFLATE_NAME);
        push_flag(
            &mut ext,
            "server_no_context_takeover",
            self.server_no_context_takeover,
        );
        push_number(
            &mut ext,
            "server_max_window_bits",
            self.server_max_window_bits,
        );
        push_flag(
            &mut ext,
            "client_no_context_takeover",
            self.client_no_context_takeover,
        );
        push_number(
            &mut ext,
            "client_max_window_bits",
            self.client_max_window_bits,
        );
        ext
    }

    /// Checks the response against the offer the client made: RFC 7692
    /// 7.1.1 and 7.1.2 rules for what a server may answer.
    pub fn check_against(&self, offer: &DeflateOffer) -> Result<(), NegotiationError> {
        let fail = |reason: &str| {
            Err(NegotiationError::UnacceptableResponse {
                extension: DEFLATE_NAME,
                reason: reason.to_owned(),
            })
        };
        if offer.server_no_context_takeover && !self.server_no_context_takeover {
            return fail("server_no_context_takeover was requested but not granted");
        }
        if let Some(asked) = offer.server_max_window_bits {
            match self.server_max_window_bits {
                None => return fail("server_max_window_bits was requested but not granted"),
                Some(got) if got > asked => {
                    return fail("server_max_window_bits is larger than requested")
                }
                Some(_) => {}
            }
        }
        if self.client_max_window_bits.is_some() && offer.client_max_window_bits.is_none() {
            return fail("client_max_window_bits was not offered");
        }
        Ok(())
    }
}

/// The local knobs of `permessage-deflate`, for either side. "Own" is the
/// direction this endpoint compresses, "peer" the one it inflates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeflateConfig {
    /// zlib compression level, 0 (store) ..= 9 (smallest). Default 6,
    /// zlib's (and AutobahnPython's) default.
    pub level: u8,
    /// zlib memory level, 1 ..= 9: the compressor's hash table and buffer
    /// size (`2^(mem_level+9)` bytes each). Default 8.
    pub mem_level: u8,
    /// The largest window (bits, 8 ..= 15) this endpoint compresses with.
    /// Below 15 it is announced: a server puts `server_max_window_bits` in
    /// its response, a client a `client_max_window_bits` hint in its offer.
    /// Default 15.
    pub max_window_bits: u8,
    /// Reset the compressor after every message (announced as this side's
    /// `*_no_context_takeover`). Default false.
    pub no_context_takeover: bool,
    /// Ask the peer to reset its compressor after every message, so the
    /// inflate window need not be kept between messages. Default false.
    pub request_peer_no_context_takeover: bool,
    /// Ask the peer to compress with at most this window (8 ..= 15), which
    /// bounds this side's inflate window. Default `None`.
    pub request_peer_max_window_bits: Option<u8>,
    /// Let the peer limit this side's window. A server declines offers with
    /// `server_max_window_bits` when false; a client leaves
    /// `client_max_window_bits` out of its offer. Default true.
    pub accept_max_window_bits: bool,
    /// Let the peer ask this side to reset its context. A server declines
    /// offers with `server_no_context_takeover` when false; a client fails a
    /// response with `client_no_context_takeover`. Default true.
    pub accept_no_context_takeover: bool,
    /// Messages shorter than this are sent uncompressed (RSV1 clear).
    /// Default 0: compress everything.
    pub min_compress_size: usize,
    /// Free the zlib state after each message whenever no context is
    /// carried over, so an idle connection holds no compression memory, at
    /// the price of an allocation per message. Default false.
    pub release_between_messages: bool,
}

impl Default for DeflateConfig {
    fn default() -> Self {
        Self {
            level: 6,
            mem_level: 8,
            max_window_bits: 15,
            no_context_takeover: false,
            request_peer_no_context_takeover: false,
            request_peer_max_window_bits: None,
            accept_max_window_bits: true,
            accept_no_context_takeover: true,
            min_compress_size: 0,
            release_between_messages: false,
        }
    }
}

impl DeflateConfig {
    /// Checks the knobs' ranges.
    pub fn validate(&self) -> Result<(), NegotiationError> {
        let bad = |what: String| Err(NegotiationError::InvalidConfig(what));
        if self.level > 9 {
            return bad(format!("deflate level {} (0..=9)", self.level));
        }
        if !(1..=9).contains(&self.mem_level) {
            return bad(format!("deflate mem_level {} (1..=9)", self.mem_level));
        }
        if !WINDOW_BITS.contains(&self.max_window_bits) {
            return bad(format!(
                "deflate max_window_bits {} (8..=15)",
                self.max_window_bits
            ));
        }
        if let Some(b) = self.request_peer_max_window_bits {
            if !WINDOW_BITS.contains(&b) {
                return bad(format!("deflate request_peer_max_window_bits {b} (8..=15)"));
            }
        }
        Ok(())
    }

    /// Whether a server with these knobs can accept `offer`.
    #[must_use]
    pub fn can_accept(&self, offer: &DeflateOffer) -> bool {
        (self.accept_max_window_bits || offer.server_max_window_bits.is_none())
            && (self.accept_no_context_takeover || !offer.server_no_context_takeover)
    }

    /// The server's response to `offer` under these knobs, and the codec
    /// parameters that go with it (server side). The offer's requests are
    /// always honoured; use [`can_accept`](Self::can_accept) to decline
    /// offers whose requests the knobs do not allow.
    #[must_use]
    pub fn server_response(&self, offer: &DeflateOffer) -> (DeflateResponse, DeflateParams) {
        let own_bits = match offer.server_max_window_bits {
            Some(asked) => Some(asked.min(self.max_window_bits)),
            None => (self.max_window_bits < 15).then_some(self.max_window_bits),
        };
        let peer_bits = match (
            offer.client_max_window_bits,
            self.request_peer_max_window_bits,
        ) {
            (None, _) => None,
            (Some(hint), want) => match (hint, want) {
                (Some(h), Some(w)) => Some(h.min(w)),
                (Some(x), None) | (None, Some(x)) => Some(x),
                (None, None) => None,
            },
        };
        let response = DeflateResponse {
            server_no_context_takeover: offer.server_no_context_takeover
                || self.no_context_takeover,
            // The client's own hint is echoed: it will not take over its
            // context anyway, and then this side need not keep its window.
            client_no_context_takeover: self.request_peer_no_context_takeover
                || offer.client_no_context_takeover,
            server_max_window_bits: own_bits,
            client_max_window_bits: peer_bits,
        };
        let params = DeflateParams {
            compress_window_bits: own_bits.unwrap_or(15),
            compress_no_context_takeover: response.server_no_context_takeover,
            decompress_window_bits: peer_bits.unwrap_or(15),
            decompress_no_context_takeover: response.client_no_context_takeover,
            ..self.base_params()
        };
        (response, params)
    }

    /// The codec parameters of a client with these knobs that received
    /// `response` (already [checked](DeflateResponse::check_against)).
    pub fn client_params(
        &self,
        response: &DeflateResponse,
    ) -> Result<DeflateParams, NegotiationError> {
        if response.client_no_context_takeover && !self.accept_no_context_takeover {
            return Err(NegotiationError::UnacceptableResponse {
                extension: DEFLATE_NAME,
                reason: "client_no_context_takeover is not accepted by configuration".into(),
            });
        }
        Ok(DeflateParams {
            compress_window_bits: response
                .client_max_window_bits
                .unwrap_or(15)
                .min(self.max_window_bits),
            compress_no_context_takeover: response.client_no_context_takeover
                || self.no_context_takeover,
            decompress_window_bits: response.server_max_window_bits.unwrap_or(15),
            decompress_no_context_takeover: response.server_no_context_takeover,
            ..self.base_params()
        })
    }

    fn base_params(&self) -> DeflateParams {
        DeflateParams {
            level: self.level,
            mem_level: self.mem_level,
            min_compress_size: self.min_compress_size,
            release_between_messages: self.release_between_messages,
            ..DeflateParams::default()
        }
    }
}

#[cfg(test)]
mod tests;
