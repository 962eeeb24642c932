//! `Sec-WebSocket-Extensions` parsing and formatting (RFC 6455 9.1).
//!
//! ```text
//! extension-list  = 1#extension
//! extension       = extension-token *( ";" extension-param )
//! extension-param = token [ "=" (token | quoted-string) ]
//! ```
//! A quoted value must, once unescaped, be a token (RFC 6455 9.1).

use crate::error::HandshakeError;
use crate::headers::{is_tchar, is_token};

/// One extension of a `Sec-WebSocket-Extensions` header: its name and parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtensionOffer {
    /// The extension token, e.g. `permessage-deflate`.
    pub name: String,
    /// Parameters in order: `(name, Some(value))` or `(name, None)` for a bare parameter.
    pub params: Vec<(String, Option<String>)>,
}

impl ExtensionOffer {
    /// An extension without parameters.
    #[must_use]
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            params: Vec::new(),
        }
    }

    /// Adds a parameter (builder style).
    #[must_use]
    pub fn with_param(mut self, name: impl Into<String>, value: Option<&str>) -> Self {
        self.params.push((name.into(), value.map(str::to_owned)));
        self
    }

    /// The first parameter called `name` (case-insensitive): `Some(None)` for a bare one.
    #[must_use]
    pub fn param(&self, name: &str) -> Option<Option<&str>> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_deref())
    }
}

struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn err(&self, reason: &'static str) -> HandshakeError {
        HandshakeError::InvalidExtensions {
            position: self.pos,
            reason,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn skip_ows(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    fn token(&mut self, what: &'static str) -> Result<String, HandshakeError> {
        let start = self.pos;
        while self.peek().is_some_and(is_tchar) {
            self.pos += 1;
        }
        if start == self.pos {
            return Err(self.err(what));
        }
        // tchars are ASCII, so this slice is valid UTF-8.
        Ok(String::from_utf8_lossy(&self.s[start..self.pos]).into_owned())
    }

    fn quoted(&mut self) -> Result<String, HandshakeError> {
        self.pos += 1; // opening quote
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => return Err(self.err("unterminated quoted-string")),
                Some(b'"') => {
                    self.pos += 1;
                    break;
                }
                Some(b'\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(c) if c == b'\t' || (0x20..0x7f).contains(&c) || c >= 0x80 => {
                            out.push(c);
                            self.pos += 1;
                        }
                        _ => return Err(self.err("invalid quoted-pair")),
                    }
                }
                Some(c) if c == b'\t' || (0x20..0x7f).contains(&c) || c >= 0x80 => {
                    out.push(c);
                    self.pos += 1;
                }
                Some(_) => return Err(self.err("control character in quoted-string")),
            }
        }
        let value = String::from_utf8_lossy(&out).into_owned();
        if !is_token(&value) {
            return Err(self.err("quoted value is not a token"));
        }
        Ok(value)
    }
}

/// Parses one `Sec-WebSocket-Extensions` header value into its extensions, in order.
///
/// Empty list elements (`a, , b`) are tolerated as RFC 7230 7 asks; an empty value gives an
/// empty list. Quoted values are unescaped and must be tokens.
///
/// # Errors
/// [`HandshakeError::InvalidExtensions`] with the byte position of the first violation.
///
/// ```
/// use ferrobahn_handshake::parse_extensions;
/// let exts = parse_extensions(r#"permessage-deflate; client_max_window_bits="10", x-foo"#).unwrap();
/// assert_eq!(exts[0].param("client_max_window_bits"), Some(Some("10")));
/// assert_eq!(exts[1].name, "x-foo");
/// ```
pub fn parse_extensions(header_value: &str) -> Result<Vec<ExtensionOffer>, HandshakeError> {
    let mut c = Cursor {
        s: header_value.as_bytes(),
        pos: 0,
    };
    let mut out = Vec::new();
    loop {
        c.skip_ows();
        match c.peek() {
            None => break,
            Some(b',') => {
                c.pos += 1;
                continue;
            }
            Some(_) => {}
        }
        let mut ext = ExtensionOffer::new(c.token("expected extension name")?);
        loop {
            c.skip_ows();
            match c.peek() {
                Some(b';') => {
                    c.pos += 1;
                    c.skip_ows();
                    let name = c.token("expected parameter name")?;
                    c.skip_ows();
                    let value = if c.peek() == Some(b'=') {
                        c.pos += 1;
                        c.skip_ows();
                        if c.peek() == Some(b'"') {
                            Some(c.quoted()?)
                        } else {
                            Some(c.token("expected parameter value")?)
                        }
                    } else {
                        None
                    };
                    ext.params.push((name, value));
                }
                Some(b',') | None => break,
                Some(_) => return Err(c.err("expected ';' or ','")),
            }
        }
        out.push(ext);
    }
    Ok(out)
}

/// Formats one extension as it appears in a `Sec-WebSocket-Extensions` header, e.g.
/// `permessage-deflate; client_max_window_bits=10`. Values that are not tokens are written as
/// quoted-strings.
#[must_use]
pub fn format_extension(ext: &ExtensionOffer) -> String {
    let mut s = ext.name.clone();
    for (name, value) in &ext.params {
        s.push_str("; ");
        s.push_str(name);
        if let Some(v) = value {
            s.push('=');
            if is_token(v) {
                s.push_str(v);
            } else {
                s.push('"');
                for ch in v.chars() {
                    if ch == '"' || ch == '\\' {
                        s.push('\\');
                    }
                    s.push(ch);
                }
                s.push('"');
            }
        }
    }
    s
}

/// Formats a list of extensions for one header (`, `-separated).
pub(crate) fn format_extensions(exts: &[ExtensionOffer]) -> String {
    exts.iter()
        .map(format_extension)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks that an extension can be written into a header without breaking it.
pub(crate) fn check_extension(ext: &ExtensionOffer) -> Result<(), crate::error::UsageError> {
    let bad = |s: &str| crate::error::UsageError::InvalidToken(s.to_owned());
    if !is_token(&ext.name) {
        return Err(bad(&ext.name));
    }
    for (n, v) in &ext.params {
        if !is_token(n) {
            return Err(bad(n));
        }
        if let Some(v) = v {
            if v.chars().any(char::is_control) {
                return Err(bad(v));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc7692_offer() {
        let v = "permessage-deflate; client_max_window_bits; server_max_window_bits=10, \
                 permessage-deflate;client_no_context_takeover";
        let exts = parse_extensions(v).unwrap();
        assert_eq!(exts.len(), 2);
        assert_eq!(
            exts[0],
            ExtensionOffer::new("permessage-deflate")
                .with_param("client_max_window_bits", None)
                .with_param("server_max_window_bits", Some("10"))
        );
        assert_eq!(exts[1].param("client_no_context_takeover"), Some(None));
    }

    #[test]
    fn quoted_values_are_unescaped() {
        let exts = parse_extensions(r#"x; a="1"; b = "t\ok" ; c"#).unwrap();
        assert_eq!(exts[0].param("a"), Some(Some("1")));
        assert_eq!(exts[0].param("b"), Some(Some("tok")));
        assert_eq!(exts[0].param("C"), Some(None));
        assert_eq!(exts[0].param("d"), None);
    }

    #[test]
    fn quoted_value_must_be_token() {
        let e = parse_extensions(r#"x; a="1 2""#).unwrap_err();
        assert!(matches!(e, HandshakeError::InvalidExtensions { .. }));
        assert_eq!(e.status(), 400);
    }

    #[test]
    fn malformed_values_are_refused_with_position() {
        for bad in [
            "x; ",
            "x;=1",
            "x; a=",
            "x; a=\"1",
            "x y",
            "x; a=1 2",
            "\"x\"",
            "x; a=\"\\\"",
            "é",
        ] {
            match parse_extensions(bad) {
                Err(HandshakeError::InvalidExtensions { position, .. }) => {
                    assert!(position <= bad.len(), "{bad:?}");
                }
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn empty_elements_are_tolerated() {
        assert_eq!(parse_extensions("").unwrap(), vec![]);
        assert_eq!(parse_extensions(" , ,").unwrap(), vec![]);
        let exts = parse_extensions("a, ,b").unwrap();
        assert_eq!(
            exts,
            vec![ExtensionOffer::new("a"), ExtensionOffer::new("b")]
        );
    }

    #[test]
    fn format_round_trips() {
        let ext = ExtensionOffer::new("permessage-deflate")
            .with_param("client_max_window_bits", None)
            .with_param("server_max_window_bits", Some("15"));
        let s = format_extension(&ext);
        assert_eq!(
            s,
            "permessage-deflate; client_max_window_bits; server_max_window_bits=15"
        );
        assert_eq!(parse_extensions(&s).unwrap(), vec![ext]);
    }

    #[test]
    fn format_quotes_non_tokens() {
        let ext = ExtensionOffer::new("x").with_param("a", Some("b c\"d"));
        assert_eq!(format_extension(&ext), r#"x; a="b c\"d""#);
    }

    #[test]
    fn check_extension_refuses_bad_names() {
        assert!(check_extension(&ExtensionOffer::new("ok-name")).is_ok());
        assert!(check_extension(&ExtensionOffer::new("bad name")).is_err());
        assert!(check_extension(&ExtensionOffer::new("x").with_param("a\r\n", None)).is_err());
        assert!(check_extension(&ExtensionOffer::new("x").with_param("a", Some("\r\n"))).is_err());
    }
}
