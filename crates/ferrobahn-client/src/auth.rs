//! Client authentication: anonymous, ticket, WAMP-CRA (plain and salted) and
//! WAMP-cryptosign (Ed25519). Pure functions; the session core answers CHALLENGE with them.

use std::fmt;

use base64::Engine as _;
use ed25519_dalek::{Signer, SigningKey};
use ferrobahn_wamp::options::ChallengeExtra;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Default PBKDF2 iterations of salted WAMP-CRA when the challenge names none.
pub const WAMPCRA_DEFAULT_ITERATIONS: u32 = 1000;
/// Default derived key length of salted WAMP-CRA when the challenge names none.
pub const WAMPCRA_DEFAULT_KEYLEN: usize = 32;
/// Largest PBKDF2 iteration count accepted from a router (bounds the work a challenge costs).
pub const WAMPCRA_MAX_ITERATIONS: u64 = 10_000_000;
/// Largest derived key length accepted from a router.
pub const WAMPCRA_MAX_KEYLEN: u64 = 1024;

/// A channel binding type the client takes from its connected transport (see
/// [`JoinOptions::with_channel_binding_type`](crate::JoinOptions::with_channel_binding_type)).
///
/// Only `tls-exporter` (RFC 9266) exists here: `tls-unique` (RFC 5929) needs the first
/// TLS Finished message, which rustls does not expose (rustls issue #995) and which
/// RFC 9266 leaves undefined for TLS 1.3.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChannelBindingType {
    /// RFC 9266 `tls-exporter`: 32 bytes of TLS keying material exported with label
    /// `EXPORTER-Channel-Binding` and no context.
    TlsExporter,
}

impl ChannelBindingType {
    /// The name sent in HELLO `authextra.channel_binding`, e.g. `tls-exporter`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelBindingType::TlsExporter => "tls-exporter",
        }
    }

    /// The binding of this type on a transport whose TLS exporter value is
    /// `tls_exporter` (`None`: not a TLS transport, no binding).
    pub fn binding(self, tls_exporter: Option<[u8; 32]>) -> Option<ChannelBinding> {
        match self {
            ChannelBindingType::TlsExporter => tls_exporter.map(ChannelBinding::tls_exporter),
        }
    }
}

impl fmt::Display for ChannelBindingType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ChannelBindingType {
    type Err = AuthError;

    /// Parses `tls-exporter`; `tls-unique` and anything else is
    /// [`AuthError::UnsupportedBinding`].
    fn from_str(s: &str) -> Result<Self, AuthError> {
        match s {
            "tls-exporter" => Ok(ChannelBindingType::TlsExporter),
            other => Err(AuthError::UnsupportedBinding(other.to_owned())),
        }
    }
}

/// A TLS channel binding for WAMP-cryptosign: the binding type asked for in HELLO
/// (`authextra.channel_binding`) and the 32-byte channel ID the signed challenge is
/// XORed with, so the signature is only valid on this TLS connection.
///
/// Usually the client takes it from the transport by itself
/// ([`ChannelBindingType`]); an explicit binding (e.g. [`ChannelBinding::tls_unique`]
/// computed by an application with another TLS stack) is given with
/// [`JoinOptions::with_channel_binding`](crate::JoinOptions::with_channel_binding).
/// ferrobahn's router verifies `tls-exporter`. Crossbar.io 26 and AutobahnPython 26
/// accept only `tls-unique` (SHA-256 of the first TLS Finished message, taken through
/// pyOpenSSL), which rustls cannot compute, so a rustls client cannot bind against
/// them (cryptosign without binding works).
#[derive(Clone, PartialEq, Eq)]
pub struct ChannelBinding {
    kind: String,
    id: [u8; 32],
}

impl fmt::Debug for ChannelBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelBinding")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl ChannelBinding {
    /// The label of RFC 9266 `tls-exporter` keying material.
    pub const EXPORTER_LABEL: &'static [u8] = b"EXPORTER-Channel-Binding";

    /// A binding of type `kind` with channel ID `id`.
    pub fn new(kind: impl Into<String>, id: [u8; 32]) -> Self {
        Self {
            kind: kind.into(),
            id,
        }
    }

    /// `tls-unique` as AutobahnPython computes it: SHA-256 of the first TLS Finished
    /// message of the connection (OpenSSL's `SSL_get_finished`).
    pub fn tls_unique(finished: &[u8]) -> Self {
        use sha2::Digest;
        Self::new("tls-unique", Sha256::digest(finished).into())
    }

    /// `tls-exporter` (RFC 9266): 32 bytes exported with label
    /// [`ChannelBinding::EXPORTER_LABEL`] and no context (rustls:
    /// `export_keying_material`).
    pub fn tls_exporter(material: [u8; 32]) -> Self {
        Self::new("tls-exporter", material)
    }

    /// The binding type, e.g. `tls-unique`.
    pub fn kind(&self) -> &str {
        &self.kind
    }
}

/// How the session authenticates.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum Credentials {
    /// No credentials (`anonymous`).
    #[default]
    Anonymous,
    /// A ticket (password) sent as is.
    Ticket(String),
    /// WAMP-CRA: an HMAC-SHA256 over the router's challenge; salted secrets are derived
    /// with PBKDF2 from the salt, iterations and key length the router sends.
    WampCra(String),
    /// WAMP-cryptosign: an Ed25519 signature over the router's nonce.
    Cryptosign(SigningKey),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print secrets.
        f.write_str(match self {
            Credentials::Anonymous => "Anonymous",
            Credentials::Ticket(_) => "Ticket(..)",
            Credentials::WampCra(_) => "WampCra(..)",
            Credentials::Cryptosign(_) => "Cryptosign(..)",
        })
    }
}

impl Credentials {
    /// A cryptosign key from its 32-byte seed in hex (64 hex digits).
    ///
    /// # Errors
    /// When `hex` is not 64 hex digits.
    pub fn cryptosign_from_hex(hex: &str) -> Result<Self, AuthError> {
        let bytes = hex_decode(hex).ok_or(AuthError::BadKey)?;
        let seed: [u8; 32] = bytes.try_into().map_err(|_| AuthError::BadKey)?;
        Ok(Credentials::Cryptosign(SigningKey::from_bytes(&seed)))
    }

    /// The `authmethods` value announced in HELLO.
    pub fn method(&self) -> &'static str {
        match self {
            Credentials::Anonymous => "anonymous",
            Credentials::Ticket(_) => "ticket",
            Credentials::WampCra(_) => "wampcra",
            Credentials::Cryptosign(_) => "cryptosign",
        }
    }

    /// The public key in hex for cryptosign (HELLO `authextra.pubkey`).
    pub fn public_key_hex(&self) -> Option<String> {
        match self {
            Credentials::Cryptosign(k) => Some(hex_encode(k.verifying_key().as_bytes())),
            _ => None,
        }
    }

    /// The AUTHENTICATE signature answering a CHALLENGE of `method` (no channel
    /// binding).
    ///
    /// # Errors
    /// [`AuthError`] when the method is not ours or the challenge is malformed.
    pub fn answer(&self, method: &str, extra: &ChallengeExtra) -> Result<String, AuthError> {
        self.answer_bound(method, extra, None)
    }

    /// [`Credentials::answer`] on a connection with `binding`: a cryptosign challenge
    /// that names a channel binding is signed XORed with the binding's channel ID.
    ///
    /// # Errors
    /// As [`Credentials::answer`]; [`AuthError::ChannelBinding`] when the router asks
    /// for a binding type this connection does not have;
    /// [`AuthError::BindingNotHonoured`] when `binding` was asked for and the
    /// challenge is not bound.
    pub fn answer_bound(
        &self,
        method: &str,
        extra: &ChallengeExtra,
        binding: Option<&ChannelBinding>,
    ) -> Result<String, AuthError> {
        if method != self.method() {
            return Err(AuthError::UnexpectedMethod(method.to_owned()));
        }
        match self {
            Credentials::Anonymous => Err(AuthError::UnexpectedMethod(method.to_owned())),
            Credentials::Ticket(t) => Ok(t.clone()),
            Credentials::WampCra(secret) => {
                let challenge = extra
                    .challenge
                    .as_deref()
                    .ok_or(AuthError::Malformed("no challenge"))?;
                let key = match &extra.salt {
                    Some(salt) => {
                        let iterations = extra
                            .iterations
                            .unwrap_or(u64::from(WAMPCRA_DEFAULT_ITERATIONS));
                        let keylen = extra.keylen.unwrap_or(WAMPCRA_DEFAULT_KEYLEN as u64);
                        if iterations == 0 || iterations > WAMPCRA_MAX_ITERATIONS {
                            return Err(AuthError::Malformed("iterations out of range"));
                        }
                        if keylen == 0 || keylen > WAMPCRA_MAX_KEYLEN {
                            return Err(AuthError::Malformed("keylen out of range"));
                        }
                        // Bounded above, so the casts are lossless.
                        derive_key(secret, salt, iterations as u32, keylen as usize)
                    }
                    None => secret.clone(),
                };
                Ok(wampcra_sign(key.as_bytes(), challenge))
            }
            Credentials::Cryptosign(key) => {
                let nonce = extra
                    .challenge
                    .as_deref()
                    .and_then(hex_decode)
                    .ok_or(AuthError::Malformed("challenge is not hex"))?;
                if nonce.len() != 32 {
                    return Err(AuthError::Malformed("challenge is not 32 bytes"));
                }
                // The message signed: the challenge, or challenge XOR channel ID.
                // A binding we asked for must be in the challenge: signing the bare
                // challenge instead would be a silent downgrade.
                let data: Vec<u8> = match (&extra.channel_binding, binding) {
                    (None, None) => nonce,
                    (Some(kind), Some(b)) if *kind == b.kind => {
                        nonce.iter().zip(b.id).map(|(n, i)| n ^ i).collect()
                    }
                    (None, Some(b)) => return Err(AuthError::BindingNotHonoured(b.kind.clone())),
                    (Some(kind), _) => return Err(AuthError::ChannelBinding(kind.clone())),
                };
                let sig = key.sign(&data);
                let mut out = hex_encode(&sig.to_bytes());
                out.push_str(&hex_encode(&data));
                Ok(out)
            }
        }
    }
}

/// Why a challenge could not be answered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The router challenged with a method these credentials are not for.
    #[error("unexpected authentication method {0:?}")]
    UnexpectedMethod(String),
    /// The challenge lacks a field or has an invalid one.
    #[error("malformed challenge: {0}")]
    Malformed(&'static str),
    /// The router asks for a channel binding this transport cannot give (no TLS).
    #[error("channel binding {0:?} is not available on this transport")]
    ChannelBinding(String),
    /// We asked for a channel binding and the router's challenge is not bound to it
    /// (an old router, or someone in the middle stripped it): not answered.
    #[error("channel binding {0:?} was asked for, but the challenge is not bound to it")]
    BindingNotHonoured(String),
    /// A channel binding type this client cannot compute (`tls-unique`: rustls does
    /// not expose the TLS Finished message).
    #[error("unsupported channel binding type {0:?} (only \"tls-exporter\")")]
    UnsupportedBinding(String),
    /// A key that is not 32 bytes of hex.
    #[error("a cryptosign key must be 64 hex digits")]
    BadKey,
}

/// WAMP-CRA: base64(HMAC-SHA256(key, challenge)).
pub fn wampcra_sign(key: &[u8], challenge: &str) -> String {
    // HMAC accepts keys of any length.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(challenge.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Salted WAMP-CRA key derivation: base64(PBKDF2-HMAC-SHA256(secret, salt, iterations,
/// keylen)); the base64 text is the HMAC key (as AutobahnPython's `derive_key`).
pub fn derive_key(secret: &str, salt: &str, iterations: u32, keylen: usize) -> String {
    let mut out = vec![0u8; keylen];
    pbkdf2::pbkdf2_hmac::<Sha256>(secret.as_bytes(), salt.as_bytes(), iterations, &mut out);
    base64::engine::general_purpose::STANDARD.encode(out)
}

/// Lowercase hex.
pub(crate) fn hex_encode(b: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for &x in b {
        s.push(DIGITS[usize::from(x >> 4)] as char);
        s.push(DIGITS[usize::from(x & 15)] as char);
    }
    s
}

/// Hex (either case) to bytes; `None` for odd length or a non-hex digit.
pub(crate) fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    s.as_bytes()
        .chunks(2)
        .map(|p| Some(digit(p[0])? << 4 | digit(p[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wampcra_known_answer() {
        // AutobahnPython 26.10.2: auth.compute_wcs(b"secret1", challenge).
        let challenge = r#"{"nonce": "LHRTC9zeOIrt_9U3", "authprovider": "userdb", "authid": "peter", "timestamp": "2014-06-22T16:36:25.448Z", "authrole": "user", "authmethod": "wampcra", "session": 3251278072152162}"#;
        assert_eq!(
            wampcra_sign(b"secret1", challenge),
            "vb/MUq65p6Xs4P09HfsDI4VmI8HWO3whf0vNe4IdogQ="
        );
    }

    #[test]
    fn derive_key_known_answer() {
        // AutobahnPython 26.10.2: auth.derive_key(b"secret", b"salt123", 100, 16).
        assert_eq!(
            derive_key("secret", "salt123", 100, 16),
            "EX1Y3Q9BMM2oGLxsGqDgFQ=="
        );
    }

    #[test]
    fn salted_challenge_limits() {
        let c = Credentials::WampCra("s".into());
        let extra = ChallengeExtra {
            challenge: Some("x".into()),
            salt: Some("salt".into()),
            iterations: Some(WAMPCRA_MAX_ITERATIONS + 1),
            ..Default::default()
        };
        assert_eq!(
            c.answer("wampcra", &extra),
            Err(AuthError::Malformed("iterations out of range"))
        );
        assert!(matches!(
            c.answer("ticket", &extra),
            Err(AuthError::UnexpectedMethod(_))
        ));
    }

    #[test]
    fn cryptosign_signature_verifies() {
        use ed25519_dalek::Verifier;
        let c = Credentials::cryptosign_from_hex(&"01".repeat(32)).unwrap();
        let nonce = [7u8; 32];
        let extra = ChallengeExtra {
            challenge: Some(hex_encode(&nonce)),
            ..Default::default()
        };
        let answer = c.answer("cryptosign", &extra).unwrap();
        assert_eq!(answer.len(), 192);
        let raw = hex_decode(&answer).unwrap();
        let sig = ed25519_dalek::Signature::from_slice(&raw[..64]).unwrap();
        let Credentials::Cryptosign(key) = &c else {
            unreachable!()
        };
        key.verifying_key().verify(&nonce, &sig).unwrap();
        assert_eq!(&raw[64..], &nonce);
        let bad = ChallengeExtra {
            challenge: Some("zz".into()),
            ..Default::default()
        };
        assert!(c.answer("cryptosign", &bad).is_err());
        assert!(Credentials::cryptosign_from_hex("abc").is_err());
    }

    #[test]
    fn cryptosign_with_channel_binding_signs_challenge_xor_channel_id() {
        use ed25519_dalek::Verifier;
        let c = Credentials::cryptosign_from_hex(&"02".repeat(32)).unwrap();
        let nonce = [0x5au8; 32];
        let binding = ChannelBinding::tls_unique(b"finished message");
        let extra = ChallengeExtra {
            challenge: Some(hex_encode(&nonce)),
            channel_binding: Some("tls-unique".into()),
            ..Default::default()
        };
        let answer = c
            .answer_bound("cryptosign", &extra, Some(&binding))
            .unwrap();
        let raw = hex_decode(&answer).unwrap();
        let expected: Vec<u8> = nonce.iter().zip(binding.id).map(|(n, i)| n ^ i).collect();
        assert_eq!(&raw[64..], &expected[..]);
        assert_ne!(&raw[64..], &nonce[..]);
        let sig = ed25519_dalek::Signature::from_slice(&raw[..64]).unwrap();
        let Credentials::Cryptosign(key) = &c else {
            unreachable!()
        };
        key.verifying_key().verify(&expected, &sig).unwrap();
        // Asked for a binding this connection lacks (or another type): refused.
        assert_eq!(
            c.answer("cryptosign", &extra),
            Err(AuthError::ChannelBinding("tls-unique".into()))
        );
        let exporter = ChannelBinding::tls_exporter([1; 32]);
        assert!(c
            .answer_bound("cryptosign", &extra, Some(&exporter))
            .is_err());
        // Asked for, but the challenge is not bound: refused (no silent downgrade).
        let plain = ChallengeExtra {
            channel_binding: None,
            ..extra
        };
        assert_eq!(
            c.answer_bound("cryptosign", &plain, Some(&binding)),
            Err(AuthError::BindingNotHonoured("tls-unique".into()))
        );
        // Not asked for: the plain challenge is signed.
        let raw = hex_decode(&c.answer("cryptosign", &plain).unwrap()).unwrap();
        assert_eq!(&raw[64..], &nonce[..]);
        assert!(!format!("{binding:?}").contains("id"));
    }

    #[test]
    fn channel_binding_types() {
        let t: ChannelBindingType = "tls-exporter".parse().unwrap();
        assert_eq!(t, ChannelBindingType::TlsExporter);
        assert_eq!(t.to_string(), "tls-exporter");
        assert_eq!(
            "tls-unique".parse::<ChannelBindingType>(),
            Err(AuthError::UnsupportedBinding("tls-unique".into()))
        );
        assert_eq!(t.binding(None), None);
        let b = t.binding(Some([3; 32])).unwrap();
        assert_eq!(b, ChannelBinding::tls_exporter([3; 32]));
        assert_eq!(b.kind(), "tls-exporter");
    }

    #[test]
    fn debug_hides_secrets() {
        let s = format!("{:?}", Credentials::Ticket("hunter2".into()));
        assert!(!s.contains("hunter2"));
    }
}
