//! A fast path for decoding the JSON that WAMP peers send: lists, dictionaries, strings
//! without `\u` escapes, integers, `true`, `false` and `null`. Its string scan looks at
//! 64 bytes at a time for a quote, backslash or control byte (serde_json looks at 8), so
//! a 4 KiB string argument costs a fraction of what serde_json spends on it.
//!
//! It declines (returns `None`) whatever it does not handle, well-formed or not: floats
//! and exponents, `\u` escapes (so every byte string of the binary convention), `-0`,
//! integers beyond 64 bits, nesting near the depth limit, and every syntax error. The
//! caller then parses the document with serde_json from the start, so values it does
//! not handle and every error are exactly serde_json's.

use ferrobahn_wamp::{Dict, Value};

use crate::json::{needs_escape, BLOCK};

/// Deepest nesting the fast path takes on (serde_json's own limit is 128).
const MAX_FAST_DEPTH: usize = 100;

/// The value of the JSON document `text`, or `None` when the fast path declines it.
pub(crate) fn decode(text: &str, max_depth: usize) -> Option<Value> {
    let mut p = Parser {
        text,
        b: text.as_bytes(),
        pos: 0,
        max_depth: max_depth.min(MAX_FAST_DEPTH),
    };
    let v = p.value(0)?;
    p.skip_ws();
    (p.pos == p.b.len()).then_some(v)
}

struct Parser<'a> {
    text: &'a str,
    b: &'a [u8],
    pos: usize,
    max_depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// Takes `lit` if the input continues with it.
    fn literal(&mut self, lit: &[u8]) -> Option<()> {
        let end = self.pos + lit.len();
        (self.b.get(self.pos..end)? == lit).then(|| self.pos = end)
    }

    /// A value after optional whitespace; `depth` lists and dictionaries around it.
    fn value(&mut self, depth: usize) -> Option<Value> {
        self.skip_ws();
        match self.peek()? {
            b'"' => {
                self.pos += 1;
                self.string().map(Value::Str)
            }
            b'[' => self.list(depth),
            b'{' => self.dict(depth),
            b'n' => self.literal(b"null").map(|()| Value::Null),
            b't' => self.literal(b"true").map(|()| Value::Bool(true)),
            b'f' => self.literal(b"false").map(|()| Value::Bool(false)),
            b'-' | b'0'..=b'9' => self.integer(),
            _ => None,
        }
    }

    /// An integer as serde_json reads it (`u64` when not negative, `i64` when
    /// negative); `None` for anything with a fraction or exponent, for `-0` (serde_json
    /// makes it a float), a leading zero, or magnitudes beyond 64 bits.
    fn integer(&mut self) -> Option<Value> {
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let start = self.pos;
        let mut m: u64 = 0;
        while let Some(d @ b'0'..=b'9') = self.peek() {
            m = m.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
            self.pos += 1;
        }
        let digits = self.pos - start;
        if digits == 0 || (digits > 1 && self.b[start] == b'0') {
            return None;
        }
        if let Some(b'.' | b'e' | b'E') = self.peek() {
            return None;
        }
        if !negative {
            return Some(Value::from_u64(m));
        }
        match m {
            0 => None,
            m if m <= 1 << 63 => Some(Value::Int(0i64.wrapping_sub_unsigned(m))),
            _ => None,
        }
    }

    /// A string after its opening quote, up to and including its closing one.
    fn string(&mut self) -> Option<String> {
        let start = self.pos;
        let end = self.plain_run();
        match self.b.get(end)? {
            b'"' => {
                self.pos = end + 1;
                // Quotes are ASCII: `start..end` lies on character boundaries of the
                // (valid UTF-8) text, so slicing checks only its two ends.
                Some(self.text.get(start..end)?.to_owned())
            }
            b'\\' => self.escaped(start, end),
            _ => None,
        }
    }

    /// The index of the first quote, backslash or control byte from `self.pos` on (the
    /// input's length when there is none).
    fn plain_run(&self) -> usize {
        let mut at = self.pos;
        let rest = &self.b[at..];
        for block in rest.chunks_exact(BLOCK) {
            if needs_escape(block.try_into().unwrap_or(&[0; BLOCK])) {
                break;
            }
            at += BLOCK;
        }
        at + self.b[at..]
            .iter()
            .position(|&c| c < 0x20 || c == b'"' || c == b'\\')
            .unwrap_or(self.b.len() - at)
    }

    /// The rest of a string whose plain start is `start..at` and which has an escape
    /// at `at`: single-character escapes only (`\u` declines).
    fn escaped(&mut self, start: usize, mut at: usize) -> Option<String> {
        let mut s = String::with_capacity(at - start + 16);
        s.push_str(self.text.get(start..at)?);
        loop {
            match self.b.get(at)? {
                b'"' => {
                    self.pos = at + 1;
                    return Some(s);
                }
                b'\\' => {
                    s.push(match self.b.get(at + 1)? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        _ => return None,
                    });
                    self.pos = at + 2;
                    let end = self.plain_run();
                    s.push_str(self.text.get(self.pos..end)?);
                    at = end;
                }
                _ => return None,
            }
        }
    }

    fn list(&mut self, depth: usize) -> Option<Value> {
        if depth >= self.max_depth {
            return None;
        }
        self.pos += 1;
        let mut l = Vec::new();
        self.skip_ws();
        if self.peek()? == b']' {
            self.pos += 1;
            return Some(Value::List(l));
        }
        loop {
            l.push(self.value(depth + 1)?);
            self.skip_ws();
            match self.peek()? {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    return Some(Value::List(l));
                }
                _ => return None,
            }
        }
    }

    fn dict(&mut self, depth: usize) -> Option<Value> {
        if depth >= self.max_depth {
            return None;
        }
        self.pos += 1;
        let mut d = Dict::new();
        self.skip_ws();
        if self.peek()? == b'}' {
            self.pos += 1;
            return Some(Value::Dict(d));
        }
        loop {
            self.skip_ws();
            if self.peek()? != b'"' {
                return None;
            }
            self.pos += 1;
            let k = self.string()?;
            self.skip_ws();
            if self.peek()? != b':' {
                return None;
            }
            self.pos += 1;
            let v = self.value(depth + 1)?;
            d.insert(k, v);
            self.skip_ws();
            match self.peek()? {
                b',' => self.pos += 1,
                b'}' => {
                    self.pos += 1;
                    return Some(Value::Dict(d));
                }
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::{DecodeError, Format, Serializer};

    /// serde_json's reading of `data` (what `decode` gives when the fast path declines).
    fn serde(data: &[u8], max_depth: usize) -> Result<Value, DecodeError> {
        crate::json::decode_with(serde_json::Deserializer::from_slice(data), max_depth)
    }

    /// Whenever the fast path takes a document, serde_json reads it the same way.
    fn agrees(text: &str, max_depth: usize) -> Option<Value> {
        let fast = decode(text, max_depth);
        if let Some(v) = &fast {
            assert_eq!(
                serde(text.as_bytes(), max_depth).as_ref(),
                Ok(v),
                "{text:?}"
            );
        }
        fast
    }

    #[test]
    fn takes_what_wamp_peers_send() {
        let payload = "x\u{e9}".repeat(2000);
        let publish = format!(
            "[16, 7, {{\"acknowledge\": true, \"n\": -5}}, \"com.topic\", [\"{payload}\", 1, null, false], {{\"k\": [ ]}}]"
        );
        let Some(Value::List(l)) = agrees(&publish, 64) else {
            panic!("a PUBLISH is taken")
        };
        assert_eq!(
            l[4],
            Value::List(vec![
                Value::Str(payload),
                Value::from_u64(1),
                Value::Null,
                Value::Bool(false),
            ])
        );
        let escaped = agrees(r#" ["a\"b\\c\/d\b\f\n\r\t", "\\"] "#, 64);
        assert_eq!(
            escaped,
            Some(Value::List(vec![
                Value::Str("a\"b\\c/d\u{8}\u{c}\n\r\t".into()),
                Value::Str("\\".into()),
            ]))
        );
        let ints = agrees("[0, -1, 18446744073709551615, -9223372036854775808]", 64);
        assert_eq!(
            ints,
            Some(Value::List(vec![
                Value::Int(0),
                Value::Int(-1),
                Value::UInt(u64::MAX),
                Value::Int(i64::MIN),
            ]))
        );
    }

    /// Floats, `\u` escapes (bytes), `-0`, huge integers, deep nesting and every error
    /// are left to serde_json; decoding them gives what serde_json gives.
    #[test]
    fn declines_the_rest() {
        let ser = Serializer::new(Format::Json);
        for doc in [
            "[1.5]",
            "[1e3]",
            "[-0]",
            "[\"\\u0041\"]",
            "[\"\\u0000AAFoaQ==\"]",
            "[18446744073709551616]",
            "[-9223372036854775809]",
            "[01]",
            "[1,]",
            "[1 2]",
            "{\"a\" 1}",
            "{1: 2}",
            "[\"a\tb\"]",
            "[\"open",
            "[nul]",
            "[1] x",
            "",
            "[[[[1]]]]",
        ] {
            assert_eq!(decode(doc, 3), None, "{doc:?}");
            assert_eq!(
                ser.decode_values(doc.as_bytes()).map_err(|e| e.to_string()),
                serde(doc.as_bytes(), ser.limits().max_depth)
                    .map(|v| vec![v])
                    .map_err(|e| e.to_string()),
                "{doc:?}"
            );
        }
        let deep = format!("{}{}", "[".repeat(150), "]".repeat(150));
        assert_eq!(decode(&deep, 1000), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Any value as our encoder writes it (and spaced out) decodes as serde_json
        /// decodes it.
        #[test]
        fn encoded_values_decode_as_serde_json_decodes_them(
            v in ferrobahn_wamp::strategy::arb_value(4),
        ) {
            let mut out = Vec::new();
            crate::json::encode(&v, &mut out).unwrap();
            let text = String::from_utf8(out).unwrap();
            agrees(&text, 64);
            let spaced = text.replace(',', " ,\n ").replace(':', "\t: ");
            // Spaces inside strings change them: compare with serde_json all the same.
            agrees(&spaced, 64);
        }

        /// Any text over JSON's own characters: taken only where serde_json reads it
        /// the same way.
        #[test]
        fn arbitrary_text_is_taken_only_as_serde_json_reads_it(
            text in "[\\[\\]{}\",:0-9\\-+.eE \\\\/ntrfalsu\u{e9}\t\n]{0,40}",
            depth in 1usize..6,
        ) {
            agrees(&text, depth);
        }
    }
}
