//! Negotiation of one per-message compression extension in the opening
//! handshake, in AutobahnPython's shape: the client sends an ordered list
//! of offers ([`client_offers`]); the server parses the offers it knows,
//! lets its [`AcceptPolicy`] pick one ([`OfferAccept`]) and answers with a
//! response ([`server_negotiate`]); the client checks that response against
//! what it offered ([`client_accept`]). Both sides end with a codec for the
//! connection.

use std::sync::Arc;

use ferrobahn_handshake::ExtensionOffer;

#[cfg(feature = "brotli")]
use crate::brotli::{BrotliCodec, BrotliConfig, BrotliOffer, BrotliResponse};
#[cfg(feature = "bzip2")]
use crate::bzip2::{Bzip2Codec, Bzip2Config, Bzip2Offer, Bzip2Response};
#[cfg(feature = "deflate")]
use crate::deflate::{DeflateCodec, DeflateConfig, DeflateOffer, DeflateResponse};
#[cfg(feature = "snappy")]
use crate::snappy::{SnappyCodec, SnappyConfig, SnappyOffer, SnappyResponse};
use crate::{ExtensionKind, NegotiationError, PerMessageCodec};

/// A client's offer of one extension, parsed (AutobahnPython's
/// `PerMessage*Offer`).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Offer {
    /// `permessage-deflate`.
    #[cfg(feature = "deflate")]
    Deflate(DeflateOffer),
    /// `permessage-bzip2`.
    #[cfg(feature = "bzip2")]
    Bzip2(Bzip2Offer),
    /// `permessage-snappy`.
    #[cfg(feature = "snappy")]
    Snappy(SnappyOffer),
    /// `permessage-brotli`.
    #[cfg(feature = "brotli")]
    Brotli(BrotliOffer),
}

impl Offer {
    /// Parses `ext` if it names an extension this build includes:
    /// `Ok(None)` for any other name.
    pub fn parse(ext: &ExtensionOffer) -> Result<Option<Self>, NegotiationError> {
        let Some(kind) = ExtensionKind::from_name(&ext.name) else {
            return Ok(None);
        };
        Ok(match kind {
            #[cfg(feature = "deflate")]
            ExtensionKind::Deflate => Some(Self::Deflate(DeflateOffer::parse(ext)?)),
            #[cfg(feature = "bzip2")]
            ExtensionKind::Bzip2 => Some(Self::Bzip2(Bzip2Offer::parse(ext)?)),
            #[cfg(feature = "snappy")]
            ExtensionKind::Snappy => Some(Self::Snappy(SnappyOffer::parse(ext)?)),
            #[cfg(feature = "brotli")]
            ExtensionKind::Brotli => Some(Self::Brotli(BrotliOffer::parse(ext)?)),
            #[allow(unreachable_patterns)]
            _ => None,
        })
    }

    /// Which extension this offers.
    #[must_use]
    pub fn kind(&self) -> ExtensionKind {
        match self {
            #[cfg(feature = "deflate")]
            Self::Deflate(_) => ExtensionKind::Deflate,
            #[cfg(feature = "bzip2")]
            Self::Bzip2(_) => ExtensionKind::Bzip2,
            #[cfg(feature = "snappy")]
            Self::Snappy(_) => ExtensionKind::Snappy,
            #[cfg(feature = "brotli")]
            Self::Brotli(_) => ExtensionKind::Brotli,
        }
    }

    /// The offer as a header element.
    #[must_use]
    pub fn to_extension(&self) -> ExtensionOffer {
        match self {
            #[cfg(feature = "deflate")]
            Self::Deflate(o) => o.to_extension(),
            #[cfg(feature = "bzip2")]
            Self::Bzip2(o) => o.to_extension(),
            #[cfg(feature = "snappy")]
            Self::Snappy(o) => o.to_extension(),
            #[cfg(feature = "brotli")]
            Self::Brotli(o) => o.to_extension(),
        }
    }
}

/// The server's choice: one of the client's offers and the server's knobs
/// for it (AutobahnPython's `PerMessage*OfferAccept`).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OfferAccept {
    /// Accept a `permessage-deflate` offer.
    #[cfg(feature = "deflate")]
    Deflate {
        /// The offer accepted (one of those the policy was shown).
        offer: DeflateOffer,
        /// The server's knobs.
        config: DeflateConfig,
    },
    /// Accept a `permessage-bzip2` offer.
    #[cfg(feature = "bzip2")]
    Bzip2 {
        /// The offer accepted.
        offer: Bzip2Offer,
        /// The server's knobs.
        config: Bzip2Config,
    },
    /// Accept a `permessage-snappy` offer.
    #[cfg(feature = "snappy")]
    Snappy {
        /// The offer accepted.
        offer: SnappyOffer,
        /// The server's knobs.
        config: SnappyConfig,
    },
    /// Accept a `permessage-brotli` offer.
    #[cfg(feature = "brotli")]
    Brotli {
        /// The offer accepted.
        offer: BrotliOffer,
        /// The server's knobs.
        config: BrotliConfig,
    },
}

impl OfferAccept {
    fn offer(&self) -> Offer {
        match *self {
            #[cfg(feature = "deflate")]
            Self::Deflate { offer, .. } => Offer::Deflate(offer),
            #[cfg(feature = "bzip2")]
            Self::Bzip2 { offer, .. } => Offer::Bzip2(offer),
            #[cfg(feature = "snappy")]
            Self::Snappy { offer, .. } => Offer::Snappy(offer),
            #[cfg(feature = "brotli")]
            Self::Brotli { offer, .. } => Offer::Brotli(offer),
        }
    }

    /// The response for the 101 and the server's codec.
    fn into_response(self) -> Result<Accepted, NegotiationError> {
        Ok(match self {
            #[cfg(feature = "deflate")]
            Self::Deflate { offer, config } => {
                config.validate()?;
                let (response, params) = config.server_response(&offer);
                (response.to_extension(), Box::new(DeflateCodec::new(params)))
            }
            #[cfg(feature = "bzip2")]
            Self::Bzip2 { offer, config } => {
                config.validate()?;
                let (response, params) = config.server_response(&offer);
                (response.to_extension(), Box::new(Bzip2Codec::new(params)))
            }
            #[cfg(feature = "snappy")]
            Self::Snappy { offer, config } => {
                let (response, params) = config.server_response(&offer);
                (response.to_extension(), Box::new(SnappyCodec::new(params)))
            }
            #[cfg(feature = "brotli")]
            Self::Brotli { offer, config } => {
                config.validate()?;
                let (response, params) = config.server_response(&offer);
                (response.to_extension(), Box::new(BrotliCodec::new(params)))
            }
        })
    }
}

/// What a server that accepted an offer gets: the element for the 101's
/// `Sec-WebSocket-Extensions` and the codec to install.
pub type Accepted = (ExtensionOffer, Box<dyn PerMessageCodec>);

/// A server accept callback: sees the parsed offers (client order) and
/// returns the one to accept with the server's knobs, or `None` to run
/// without compression.
pub type AcceptFn = dyn Fn(&[Offer]) -> Option<OfferAccept> + Send + Sync;

/// How a server picks among the client's offers.
#[derive(Clone, Default)]
pub enum AcceptPolicy {
    /// Accept the first offer (client order) of an enabled extension whose
    /// requests the configured knobs allow.
    #[default]
    FirstAcceptable,
    /// Ask a callback (AutobahnPython's `perMessageCompressionAccept`).
    Custom(Arc<AcceptFn>),
}

impl std::fmt::Debug for AcceptPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::FirstAcceptable => f.write_str("FirstAcceptable"),
            Self::Custom(_) => f.write_str("Custom(..)"),
        }
    }
}

/// A server's extension settings: which extensions it enables, with which
/// knobs, and how it picks. The default enables none.
#[non_exhaustive]
#[derive(Clone, Debug)]
pub struct ServerExtensions {
    /// `permessage-deflate` knobs; `None` disables it.
    #[cfg(feature = "deflate")]
    pub deflate: Option<DeflateConfig>,
    /// `permessage-bzip2` knobs; `None` disables it.
    #[cfg(feature = "bzip2")]
    pub bzip2: Option<Bzip2Config>,
    /// `permessage-snappy` knobs; `None` disables it.
    #[cfg(feature = "snappy")]
    pub snappy: Option<SnappyConfig>,
    /// `permessage-brotli` knobs; `None` disables it.
    #[cfg(feature = "brotli")]
    pub brotli: Option<BrotliConfig>,
    /// How an offer is chosen.
    pub policy: AcceptPolicy,
    /// A malformed offer of an enabled extension fails the handshake (true,
    /// the default, as AutobahnPython does) or is only declined (false, as
    /// RFC 7692 7.1 words it).
    pub reject_malformed: bool,
}

impl Default for ServerExtensions {
    fn default() -> Self {
        Self {
            #[cfg(feature = "deflate")]
            deflate: None,
            #[cfg(feature = "bzip2")]
            bzip2: None,
            #[cfg(feature = "snappy")]
            snappy: None,
            #[cfg(feature = "brotli")]
            brotli: None,
            policy: AcceptPolicy::FirstAcceptable,
            reject_malformed: true,
        }
    }
}

impl ServerExtensions {
    /// No extension enabled.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Enables `permessage-deflate` with `config`.
    #[cfg(feature = "deflate")]
    #[must_use]
    pub fn with_deflate(mut self, config: DeflateConfig) -> Self {
        self.deflate = Some(config);
        self
    }

    /// Enables `permessage-bzip2` with `config`.
    #[cfg(feature = "bzip2")]
    #[must_use]
    pub fn with_bzip2(mut self, config: Bzip2Config) -> Self {
        self.bzip2 = Some(config);
        self
    }

    /// Enables `permessage-snappy` with `config`.
    #[cfg(feature = "snappy")]
    #[must_use]
    pub fn with_snappy(mut self, config: SnappyConfig) -> Self {
        self.snappy = Some(config);
        self
    }

    /// Enables `permessage-brotli` with `config`.
    #[cfg(feature = "brotli")]
    #[must_use]
    pub fn with_brotli(mut self, config: BrotliConfig) -> Self {
        self.brotli = Some(config);
        self
    }

    /// Sets the accept policy.
    #[must_use]
    pub fn with_policy(mut self, policy: AcceptPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Sets an accept callback (shorthand for [`AcceptPolicy::Custom`]).
    #[must_use]
    pub fn with_accept_fn(
        self,
        f: impl Fn(&[Offer]) -> Option<OfferAccept> + Send + Sync + 'static,
    ) -> Self {
        self.with_policy(AcceptPolicy::Custom(Arc::new(f)))
    }

    /// Sets [`reject_malformed`](Self::reject_malformed).
    #[must_use]
    pub fn with_reject_malformed(mut self, reject: bool) -> Self {
        self.reject_malformed = reject;
        self
    }

    /// Whether `kind` is enabled here.
    #[must_use]
    pub fn enables(&self, kind: ExtensionKind) -> bool {
        match kind {
            #[cfg(feature = "deflate")]
            ExtensionKind::Deflate => self.deflate.is_some(),
            #[cfg(feature = "bzip2")]
            ExtensionKind::Bzip2 => self.bzip2.is_some(),
            #[cfg(feature = "snappy")]
            ExtensionKind::Snappy => self.snappy.is_some(),
            #[cfg(feature = "brotli")]
            ExtensionKind::Brotli => self.brotli.is_some(),
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }

    /// The default policy's choice for one offer.
    fn accept_default(&self, offer: &Offer) -> Option<OfferAccept> {
        match *offer {
            #[cfg(feature = "deflate")]
            Offer::Deflate(offer) => {
                let config = self.deflate?;
                config
                    .can_accept(&offer)
                    .then_some(OfferAccept::Deflate { offer, config })
            }
            #[cfg(feature = "bzip2")]
            Offer::Bzip2(offer) => {
                let config = self.bzip2?;
                config
                    .can_accept(&offer)
                    .then_some(OfferAccept::Bzip2 { offer, config })
            }
            #[cfg(feature = "snappy")]
            Offer::Snappy(offer) => {
                let config = self.snappy?;
                config
                    .can_accept(&offer)
                    .then_some(OfferAccept::Snappy { offer, config })
            }
            #[cfg(feature = "brotli")]
            Offer::Brotli(offer) => {
                let config = self.brotli?;
                config
                    .can_accept(&offer)
                    .then_some(OfferAccept::Brotli { offer, config })
            }
        }
    }
}

/// Server side: parses the client's offers (all `Sec-WebSocket-Extensions`
/// elements, in order), lets the policy choose, and returns the element to
/// put in the 101 response with the codec to install, or `None` to run
/// without compression.
///
/// Offers of extensions that are unknown or not enabled are ignored. A
/// malformed offer of an enabled extension is an error (reject the
/// handshake with its text, HTTP 400) unless
/// [`reject_malformed`](ServerExtensions::reject_malformed) is off.
pub fn server_negotiate(
    offers: &[ExtensionOffer],
    server: &ServerExtensions,
) -> Result<Option<Accepted>, NegotiationError> {
    let mut parsed = Vec::new();
    for ext in offers {
        match ExtensionKind::from_name(&ext.name) {
            Some(kind) if server.enables(kind) => {}
            _ => {
                tracing::trace!(extension = %ext.name, "ignoring extension offer");
                continue;
            }
        }
        match Offer::parse(ext) {
            Ok(Some(offer)) => parsed.push(offer),
            Ok(None) => {}
            Err(err) if server.reject_malformed => return Err(err),
            Err(err) => tracing::debug!(%err, "declining malformed extension offer"),
        }
    }
    if parsed.is_empty() {
        return Ok(None);
    }
    let accept = match &server.policy {
        AcceptPolicy::FirstAcceptable => parsed.iter().find_map(|o| server.accept_default(o)),
        AcceptPolicy::Custom(f) => f(&parsed),
    };
    let Some(accept) = accept else {
        return Ok(None);
    };
    if !parsed.contains(&accept.offer()) {
        return Err(NegotiationError::InvalidConfig(
            "the accept policy returned an offer the client did not make".into(),
        ));
    }
    tracing::debug!(?accept, "accepted per-message extension");
    accept.into_response().map(Some)
}

/// One offer a client makes: the extension and this side's knobs for it.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientOffer {
    /// Offer `permessage-deflate`.
    #[cfg(feature = "deflate")]
    Deflate(DeflateConfig),
    /// Offer `permessage-bzip2`.
    #[cfg(feature = "bzip2")]
    Bzip2(Bzip2Config),
    /// Offer `permessage-snappy`.
    #[cfg(feature = "snappy")]
    Snappy(SnappyConfig),
    /// Offer `permessage-brotli`.
    #[cfg(feature = "brotli")]
    Brotli(BrotliConfig),
}

impl ClientOffer {
    /// Which extension this offers.
    #[must_use]
    pub fn kind(&self) -> ExtensionKind {
        match self {
            #[cfg(feature = "deflate")]
            Self::Deflate(_) => ExtensionKind::Deflate,
            #[cfg(feature = "bzip2")]
            Self::Bzip2(_) => ExtensionKind::Bzip2,
            #[cfg(feature = "snappy")]
            Self::Snappy(_) => ExtensionKind::Snappy,
            #[cfg(feature = "brotli")]
            Self::Brotli(_) => ExtensionKind::Brotli,
        }
    }

    /// The offer as sent.
    #[must_use]
    pub fn offer(&self) -> Offer {
        match self {
            #[cfg(feature = "deflate")]
            Self::Deflate(c) => Offer::Deflate(DeflateOffer::from_config(c)),
            #[cfg(feature = "bzip2")]
            Self::Bzip2(c) => Offer::Bzip2(Bzip2Offer::from_config(c)),
            #[cfg(feature = "snappy")]
            Self::Snappy(c) => Offer::Snappy(SnappyOffer::from_config(c)),
            #[cfg(feature = "brotli")]
            Self::Brotli(c) => Offer::Brotli(BrotliOffer::from_config(c)),
        }
    }

    /// Checks `response` (same extension) against this offer; the codec on success.
    fn accept(
        &self,
        response: &ExtensionOffer,
    ) -> Result<Box<dyn PerMessageCodec>, NegotiationError> {
        Ok(match (self, self.offer()) {
            #[cfg(feature = "deflate")]
            (Self::Deflate(config), Offer::Deflate(offer)) => {
                let r = DeflateResponse::parse(response)?;
                r.check_against(&offer)?;
                Box::new(DeflateCodec::new(config.client_params(&r)?))
            }
            #[cfg(feature = "bzip2")]
            (Self::Bzip2(config), Offer::Bzip2(offer)) => {
                let r = Bzip2Response::parse(response)?;
                r.check_against(&offer)?;
                Box::new(Bzip2Codec::new(config.client_params(&r)))
            }
            #[cfg(feature = "snappy")]
            (Self::Snappy(config), Offer::Snappy(offer)) => {
                let r = SnappyResponse::parse(response)?;
                r.check_against(&offer)?;
                Box::new(SnappyCodec::new(config.client_params(&r)?))
            }
            #[cfg(feature = "brotli")]
            (Self::Brotli(config), Offer::Brotli(offer)) => {
                let r = BrotliResponse::parse(response)?;
                r.check_against(&offer)?;
                Box::new(BrotliCodec::new(config.client_params(&r)?))
            }
            #[allow(unreachable_patterns)]
            _ => unreachable!("ClientOffer::offer keeps the kind"),
        })
    }
}

/// A client's extension settings: the offers to make, most preferred
/// first. The default offers nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientExtensions {
    /// The offers in order of preference.
    pub offers: Vec<ClientOffer>,
}

impl ClientExtensions {
    /// No offers.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends an offer.
    #[must_use]
    pub fn with_offer(mut self, offer: ClientOffer) -> Self {
        self.offers.push(offer);
        self
    }

    /// Checks every offer's knobs.
    pub fn validate(&self) -> Result<(), NegotiationError> {
        for offer in &self.offers {
            match offer {
                #[cfg(feature = "deflate")]
                ClientOffer::Deflate(c) => c.validate()?,
                #[cfg(feature = "bzip2")]
                ClientOffer::Bzip2(c) => c.validate()?,
                #[cfg(feature = "snappy")]
                ClientOffer::Snappy(_) => {}
                #[cfg(feature = "brotli")]
                ClientOffer::Brotli(c) => c.validate()?,
            }
        }
        Ok(())
    }
}

/// Client side: the `Sec-WebSocket-Extensions` elements to send, in order.
/// Check the knobs once with [`ClientExtensions::validate`]: out-of-range
/// values are sent as they are.
#[must_use]
pub fn client_offers(config: &ClientExtensions) -> Vec<ExtensionOffer> {
    config
        .offers
        .iter()
        .map(|o| o.offer().to_extension())
        .collect()
}

/// Client side: checks the server's accepted extensions (all
/// `Sec-WebSocket-Extensions` elements of the 101) against the offers and
/// returns the codec to install, or `None` when the server accepted none.
///
/// Any error means the client must fail the connection: a malformed
/// response, one that breaks the rules against the offer it answers, an
/// extension not offered, or two compression extensions at once.
/// Elements that are not per-message compression extensions are left to
/// the handshake layer.
pub fn client_accept(
    response: &[ExtensionOffer],
    config: &ClientExtensions,
) -> Result<Option<Box<dyn PerMessageCodec>>, NegotiationError> {
    let mut chosen: Option<(&ExtensionOffer, Box<dyn PerMessageCodec>)> = None;
    for ext in response {
        let Some(kind) = ExtensionKind::from_name(&ext.name) else {
            continue;
        };
        if let Some((first, _)) = &chosen {
            return Err(NegotiationError::MultipleAccepted {
                first: first.name.clone(),
                second: ext.name.clone(),
            });
        }
        let mut first_err = None;
        for offer in config.offers.iter().filter(|o| o.kind() == kind) {
            match offer.accept(ext) {
                Ok(codec) => {
                    chosen = Some((ext, codec));
                    break;
                }
                Err(err) => {
                    first_err.get_or_insert(err);
                }
            }
        }
        if chosen.is_none() {
            return Err(
                first_err.unwrap_or_else(|| NegotiationError::UnacceptableResponse {
                    extension: kind.name(),
                    reason: "the extension was not offered".into(),
                }),
            );
        }
    }
    Ok(chosen.map(|(_, codec)| codec))
}
