//! The cryptography of authentication: WAMP-CRA (HMAC-SHA256, PBKDF2 key derivation),
//! WAMP-Cryptosign (Ed25519), and the router's challenge randomness.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Unpredictable bytes for challenges and nonces: SHA-256 of a 32-byte secret seed (from
/// the host's OS entropy) and a counter.
#[derive(Clone)]
pub(crate) struct SecretRng {
    seed: [u8; 32],
    counter: u64,
}

impl std::fmt::Debug for SecretRng {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretRng(..)")
    }
}

impl SecretRng {
    pub(crate) fn new(seed: [u8; 32]) -> Self {
        Self { seed, counter: 0 }
    }

    pub(crate) fn bytes32(&mut self) -> [u8; 32] {
        self.counter += 1;
        let mut h = Sha256::new();
        h.update(self.seed);
        h.update(self.counter.to_le_bytes());
        h.finalize().into()
    }
}

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// Decodes hex (either case); `None` for anything else.
pub(crate) fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    s.as_bytes()
        .chunks(2)
        .map(|p| Some(digit(p[0])? << 4 | digit(p[1])?))
        .collect()
}

/// An Ed25519 public key from 64 hex digits.
pub fn parse_public_key(hex_key: &str) -> Option<VerifyingKey> {
    let bytes: [u8; 32] = unhex(hex_key)?.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

/// The WAMP-CRA key of a principal: the secret itself, or (salted) the base64 of its
/// PBKDF2-HMAC-SHA256 derivation, as AutobahnPython's `derive_key`.
pub(crate) fn cra_key(secret: &str, salt: Option<(&str, u32, u32)>) -> Vec<u8> {
    match salt {
        None => secret.as_bytes().to_vec(),
        Some((salt, iterations, keylen)) => {
            let mut key = vec![0u8; keylen as usize];
            pbkdf2::pbkdf2_hmac::<Sha256>(secret.as_bytes(), salt.as_bytes(), iterations, &mut key);
            STANDARD.encode(key).into_bytes()
        }
    }
}

/// The WAMP-CRA signature: base64 of HMAC-SHA256(key, challenge).
pub(crate) fn cra_sign(key: &[u8], challenge: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        // HMAC takes keys of any length; unreachable in practice.
        return String::new();
    };
    mac.update(challenge.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Checks a cryptosign answer: hex of the 64-byte signature of `challenge`, optionally
/// followed by the challenge itself (AutobahnPython sends both).
pub(crate) fn cryptosign_verify(key: &VerifyingKey, challenge: &[u8; 32], answer: &str) -> bool {
    let Some(bytes) = unhex(answer) else {
        return false;
    };
    let (sig, rest) = match bytes.len() {
        64 => (&bytes[..], &[][..]),
        96 => (&bytes[..64], &bytes[64..]),
        _ => return false,
    };
    if !rest.is_empty() && rest != challenge {
        return false;
    }
    let Ok(sig) = Signature::from_slice(sig) else {
        return false;
    };
    key.verify(challenge, &sig).is_ok()
}

/// Compares secrets in time independent of where they differ.
pub(crate) fn same_secret(a: &[u8], b: &[u8]) -> bool {
    let mut diff = u8::from(a.len() != b.len());
    for i in 0..a.len().max(b.len()) {
        diff |= a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0xff);
    }
    diff == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    #[test]
    fn secret_comparison() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(same_secret(b"", b""));
        assert!(!same_secret(b"abc", b"abd"));
        assert!(!same_secret(b"abc", b"ab"));
        assert!(!same_secret(b"", b"a"));
    }

    #[test]
    fn hex_round_trip() {
        assert_eq!(hex(&[0, 0xab, 0xff]), "00abff");
        assert_eq!(unhex("00ABff"), Some(vec![0, 0xab, 0xff]));
        assert_eq!(unhex("0"), None);
        assert_eq!(unhex("zz"), None);
    }

    #[test]
    fn cra_matches_autobahn_python() {
        // Computed with AutobahnPython 26.10.2:
        // auth.compute_wcs(b"secret123", "challenge-text") and
        // auth.compute_wcs(auth.derive_key("secret123", "salt123", 1000, 32), "challenge-text").
        assert_eq!(
            cra_sign(&cra_key("secret123", None), "challenge-text"),
            "gw6VmID6oQBHmqABJfIpQiVkhr16A/+DJ7bm9c3koXc="
        );
        let derived = cra_key("secret123", Some(("salt123", 1000, 32)));
        assert_eq!(
            String::from_utf8(derived.clone()).unwrap(),
            "Eu7CQLfR+/Ffb+275A4s9/6H/RGKYxM4s6IMrsNKzC8="
        );
        assert_eq!(
            cra_sign(&derived, "challenge-text"),
            "9qrUDdkdhEu1ai6OWxzM1t2Czy0TLAWEye0tVL3V6P4="
        );
    }

    #[test]
    fn cryptosign_signatures() {
        let sk = SigningKey::from_bytes(&[7u8; 32]);
        let pk = sk.verifying_key();
        let challenge = [9u8; 32];
        let sig = sk.sign(&challenge).to_bytes();
        assert!(cryptosign_verify(&pk, &challenge, &hex(&sig)));
        let mut both = sig.to_vec();
        both.extend_from_slice(&challenge);
        assert!(cryptosign_verify(&pk, &challenge, &hex(&both)));
        assert!(!cryptosign_verify(&pk, &[8u8; 32], &hex(&sig)));
        assert!(!cryptosign_verify(&pk, &challenge, "nothex"));
        assert!(!cryptosign_verify(&pk, &challenge, &hex(&sig[..63])));
        let other = SigningKey::from_bytes(&[1u8; 32]).verifying_key();
        assert!(!cryptosign_verify(&other, &challenge, &hex(&sig)));
        assert_eq!(parse_public_key(&hex(pk.as_bytes())), Some(pk));
        assert!(parse_public_key("abcd").is_none());
    }

    #[test]
    fn rng_is_seeded_and_varies() {
        let mut a = SecretRng::new([1; 32]);
        let mut b = SecretRng::new([1; 32]);
        let x = a.bytes32();
        assert_eq!(x, b.bytes32());
        assert_ne!(x, a.bytes32());
    }
}
