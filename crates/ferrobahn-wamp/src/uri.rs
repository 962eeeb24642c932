//! WAMP URI rules: strict and loose validation, and the exact/prefix/wildcard match policies.
//!
//! A URI is a sequence of components joined by `.`. *Strict* components use only
//! `[0-9a-z_]`; *loose* components may hold any character except whitespace, `.` and `#`.
//! Pattern-based subscriptions and registrations allow empty components: `wildcard`
//! patterns anywhere (`com..update`), `prefix` patterns as the last component (`com.app.`).

use std::fmt;

/// How strictly URI components are checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum UriCheck {
    /// Components of `[0-9a-z_]` only.
    Strict,
    /// Components of anything but whitespace, `.` and `#` (AutobahnPython's default).
    #[default]
    Loose,
}

/// How a subscription topic or registration procedure matches URIs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
pub enum MatchPolicy {
    /// The URI equals the pattern.
    #[default]
    Exact,
    /// The URI starts with the pattern (a string prefix).
    Prefix,
    /// Same number of components; an empty pattern component matches any component.
    Wildcard,
}

impl MatchPolicy {
    /// The wire name: `"exact"`, `"prefix"` or `"wildcard"`.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchPolicy::Exact => "exact",
            MatchPolicy::Prefix => "prefix",
            MatchPolicy::Wildcard => "wildcard",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "exact" => Some(MatchPolicy::Exact),
            "prefix" => Some(MatchPolicy::Prefix),
            "wildcard" => Some(MatchPolicy::Wildcard),
            _ => None,
        }
    }

    /// Whether `uri` matches `pattern` under this policy.
    pub fn matches(self, pattern: &str, uri: &str) -> bool {
        match self {
            MatchPolicy::Exact => pattern == uri,
            MatchPolicy::Prefix => uri.starts_with(pattern),
            MatchPolicy::Wildcard => {
                let mut p = pattern.split('.');
                let mut u = uri.split('.');
                loop {
                    match (p.next(), u.next()) {
                        (None, None) => return true,
                        (Some(pc), Some(uc)) if pc.is_empty() || pc == uc => {}
                        _ => return false,
                    }
                }
            }
        }
    }
}

impl fmt::Display for MatchPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a URI is invalid.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UriError {
    /// The URI is the empty string.
    #[error("empty URI")]
    Empty,
    /// A component is empty where the match policy does not allow it.
    #[error("empty component {index} in URI {uri:?}")]
    EmptyComponent {
        /// The URI.
        uri: String,
        /// Zero-based component index.
        index: usize,
    },
    /// A character not allowed by the check.
    #[error("invalid character {ch:?} in component {index} of URI {uri:?} ({check:?} check)")]
    InvalidChar {
        /// The URI.
        uri: String,
        /// The offending character.
        ch: char,
        /// Zero-based component index.
        index: usize,
        /// The check that failed.
        check: UriCheck,
    },
}

fn char_ok(ch: char, check: UriCheck) -> bool {
    match check {
        UriCheck::Strict => matches!(ch, '0'..='9' | 'a'..='z' | '_'),
        UriCheck::Loose => !(ch.is_whitespace() || ch == '.' || ch == '#'),
    }
}

fn check_components(
    uri: &str,
    check: UriCheck,
    empty_ok: impl Fn(usize, usize) -> bool,
) -> Result<(), UriError> {
    let count = uri.split('.').count();
    for (index, comp) in uri.split('.').enumerate() {
        if comp.is_empty() {
            if !empty_ok(index, count) {
                return Err(if count == 1 {
                    UriError::Empty
                } else {
                    UriError::EmptyComponent {
                        uri: uri.to_owned(),
                        index,
                    }
                });
            }
            continue;
        }
        if let Some(ch) = comp.chars().find(|&c| !char_ok(c, check)) {
            return Err(UriError::InvalidChar {
                uri: uri.to_owned(),
                ch,
                index,
                check,
            });
        }
    }
    Ok(())
}

/// [`ASCII_CLASS`] bit: the byte may appear in a strict component.
const STRICT_OK: u8 = 1;
/// [`ASCII_CLASS`] bit: the byte may appear in a loose component.
const LOOSE_OK: u8 = 2;

/// Per ASCII byte, which checks allow it in a component (what [`char_ok`] says
/// of the ASCII characters, as a table).
const ASCII_CLASS: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let strict = matches!(b as u8, b'0'..=b'9' | b'a'..=b'z' | b'_');
        // `char::is_whitespace` of ASCII: tab, LF, VT, FF, CR and space.
        let loose = !matches!(b as u8, b'\t'..=b'\r' | b' ' | b'.' | b'#');
        t[b] = if strict { STRICT_OK } else { 0 } | if loose { LOOSE_OK } else { 0 };
        b += 1;
    }
    t
};

/// The fast path of [`validate_uri`]: one pass over the bytes of a URI of ASCII
/// characters. `true` means valid; `false` means invalid or not plain ASCII (the
/// component-wise check then decides, and names the error).
fn plain_uri_ok(uri: &[u8], check: UriCheck) -> bool {
    let bit = match check {
        UriCheck::Strict => STRICT_OK,
        UriCheck::Loose => LOOSE_OK,
    };
    // Whether the component so far is empty (the URI starts with one).
    let mut empty = true;
    for &b in uri {
        if b == b'.' {
            if empty {
                return false;
            }
            empty = true;
        } else if b < 0x80 && ASCII_CLASS[usize::from(b)] & bit != 0 {
            empty = false;
        } else {
            return false;
        }
    }
    !empty
}

/// Validates a concrete URI (no empty components).
pub fn validate_uri(uri: &str, check: UriCheck) -> Result<(), UriError> {
    if plain_uri_ok(uri.as_bytes(), check) {
        return Ok(());
    }
    check_components(uri, check, |_, _| false)
}

/// Validates a subscription or registration pattern under `policy`: `Exact` as
/// [`validate_uri`], `Prefix` allows an empty last component (and the empty prefix),
/// `Wildcard` allows empty components anywhere.
pub fn validate_pattern(
    pattern: &str,
    policy: MatchPolicy,
    check: UriCheck,
) -> Result<(), UriError> {
    match policy {
        MatchPolicy::Exact => validate_uri(pattern, check),
        MatchPolicy::Prefix => check_components(pattern, check, |i, n| i + 1 == n),
        MatchPolicy::Wildcard => check_components(pattern, check, |_, _| true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_and_loose() {
        assert!(validate_uri("com.myapp.add2", UriCheck::Strict).is_ok());
        assert!(validate_uri("com.myApp.add", UriCheck::Strict).is_err());
        assert!(validate_uri("com.myApp.add-2", UriCheck::Loose).is_ok());
        assert!(validate_uri("com.my app", UriCheck::Loose).is_err());
        assert!(validate_uri("com.a#b", UriCheck::Loose).is_err());
        assert_eq!(validate_uri("", UriCheck::Loose), Err(UriError::Empty));
        assert!(matches!(
            validate_uri("com..b", UriCheck::Loose),
            Err(UriError::EmptyComponent { index: 1, .. })
        ));
        assert!(validate_uri("com.b.", UriCheck::Loose).is_err());
    }

    /// The table-driven fast path agrees with the component-wise check on every
    /// ASCII character in every position, and on non-ASCII URIs (which it leaves to
    /// the component-wise check).
    #[test]
    fn fast_path_agrees_with_components() {
        let mut uris = vec![
            String::new(),
            ".".to_owned(),
            "a".to_owned(),
            "a.".to_owned(),
            ".a".to_owned(),
            "a..b".to_owned(),
            "com.caf\u{e9}.x".to_owned(),
            "com.a\u{a0}b".to_owned(),
            "com.a\u{85}b".to_owned(),
        ];
        for b in 0u8..128 {
            let c = char::from(b);
            uris.push(format!("{c}"));
            uris.push(format!("com.{c}x.y"));
            uris.push(format!("com.app.{c}"));
            uris.push(format!("{c}.app"));
        }
        for uri in &uris {
            for check in [UriCheck::Strict, UriCheck::Loose] {
                let slow = check_components(uri, check, |_, _| false);
                assert_eq!(validate_uri(uri, check), slow, "{uri:?} {check:?}");
                assert_eq!(
                    plain_uri_ok(uri.as_bytes(), check),
                    uri.is_ascii() && slow.is_ok(),
                    "{uri:?} {check:?}"
                );
            }
        }
    }

    #[test]
    fn patterns() {
        assert!(validate_pattern("com..update", MatchPolicy::Wildcard, UriCheck::Strict).is_ok());
        assert!(validate_pattern("com..update", MatchPolicy::Prefix, UriCheck::Strict).is_err());
        assert!(validate_pattern("com.app.", MatchPolicy::Prefix, UriCheck::Strict).is_ok());
        assert!(validate_pattern("com.app.", MatchPolicy::Exact, UriCheck::Strict).is_err());
    }

    #[test]
    fn matching() {
        use MatchPolicy::*;
        assert!(Exact.matches("a.b", "a.b"));
        assert!(!Exact.matches("a.b", "a.b.c"));
        assert!(Prefix.matches("a.b", "a.b.c"));
        assert!(Prefix.matches("a.b", "a.bc"));
        assert!(!Prefix.matches("a.b.c", "a.b"));
        assert!(Wildcard.matches("a..c", "a.x.c"));
        assert!(!Wildcard.matches("a..c", "a.x.y.c"));
        assert!(!Wildcard.matches("a..c", "a.x.d"));
        assert_eq!(MatchPolicy::parse("prefix"), Some(Prefix));
        assert_eq!(MatchPolicy::parse("glob"), None);
    }
}
