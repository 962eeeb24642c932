//! WebSocket per-message extensions.
//!
//! - [`PerMessageCodec`]: the trait through which the connection core
//!   (`ferrobahn-websocket`) hands message payloads to a negotiated
//!   extension. It owns RSV1 for the messages it transforms.
//! - The extensions, each behind a cargo feature: [`deflate`]
//!   (`permessage-deflate`, RFC 7692, feature `deflate`, on by default),
//!   `bzip2`, `snappy` and `brotli` (AutobahnPython's non-standard
//!   `permessage-bzip2`, `-snappy` and `-brotli`).
//! - Negotiation in the shape of AutobahnPython's
//!   `PerMessage*Offer` / `*OfferAccept` / `*Response` / `*ResponseAccept`
//!   (module `negotiate`): [`client_offers`], [`server_negotiate`] with an
//!   [`AcceptPolicy`], and [`client_accept`].
//!
//! # Wiring it into a handshake
//!
//! ```
//! # #[cfg(feature = "deflate")] {
//! use ferrobahn_extensions::{
//!     client_accept, client_offers, server_negotiate, ClientExtensions, ClientOffer,
//!     DeflateConfig, ServerExtensions,
//! };
//!
//! // Client: the offers go in Sec-WebSocket-Extensions.
//! let client = ClientExtensions::new().with_offer(ClientOffer::Deflate(DeflateConfig::default()));
//! let offers = client_offers(&client);
//!
//! // Server: choose, answer, keep the codec for the connection.
//! let server = ServerExtensions::new().with_deflate(DeflateConfig::default());
//! let (response, _server_codec) = server_negotiate(&offers, &server).unwrap().unwrap();
//!
//! // Client: check the 101's extensions, keep the codec.
//! let _client_codec = client_accept(&[response], &client).unwrap().unwrap();
//! # }
//! ```
//!
//! # Limits
//!
//! Every codec decodes into the caller's buffer and stops with
//! [`CodecError::TooLarge`] as soon as the message would pass `max_out`
//! (the connection's message size limit): a compression bomb costs at most
//! that much memory, never more. Invalid compressed data gives
//! [`CodecError::Invalid`]. Nothing panics on peer input.
#![forbid(unsafe_code)]

mod codec;
mod error;
mod kind;
#[cfg(any(
    feature = "deflate",
    feature = "bzip2",
    feature = "snappy",
    feature = "brotli"
))]
mod limit;
#[cfg(any(
    feature = "deflate",
    feature = "bzip2",
    feature = "snappy",
    feature = "brotli"
))]
mod params;

#[cfg(feature = "brotli")]
pub mod brotli;
#[cfg(feature = "bzip2")]
pub mod bzip2;
#[cfg(feature = "deflate")]
pub mod deflate;
#[cfg(any(
    feature = "deflate",
    feature = "bzip2",
    feature = "snappy",
    feature = "brotli"
))]
pub mod negotiate;
#[cfg(feature = "snappy")]
pub mod snappy;

pub use codec::{CodecError, PerMessageCodec};
pub use error::NegotiationError;
pub use kind::ExtensionKind;

#[cfg(feature = "brotli")]
pub use crate::brotli::{BrotliCodec, BrotliConfig, BrotliOffer, BrotliParams, BrotliResponse};
#[cfg(feature = "bzip2")]
pub use crate::bzip2::{Bzip2Codec, Bzip2Config, Bzip2Offer, Bzip2Params, Bzip2Response};
#[cfg(feature = "deflate")]
pub use crate::deflate::{
    DeflateCodec, DeflateConfig, DeflateOffer, DeflateParams, DeflateResponse,
};
#[cfg(any(
    feature = "deflate",
    feature = "bzip2",
    feature = "snappy",
    feature = "brotli"
))]
pub use crate::negotiate::{
    client_accept, client_offers, server_negotiate, AcceptFn, AcceptPolicy, Accepted,
    ClientExtensions, ClientOffer, Offer, OfferAccept, ServerExtensions,
};
#[cfg(feature = "snappy")]
pub use crate::snappy::{SnappyCodec, SnappyConfig, SnappyOffer, SnappyParams, SnappyResponse};
