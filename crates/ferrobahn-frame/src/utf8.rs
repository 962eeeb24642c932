//! UTF-8 validation: whole buffers, and incrementally across frames and chunks.

use crate::error::Utf8Error;

/// Whether `bytes` is valid UTF-8, checked with SIMD where the CPU has it.
#[must_use]
pub fn validate_utf8(bytes: &[u8]) -> bool {
    simdutf8::basic::from_utf8(bytes).is_ok()
}

/// Validates a text message whose bytes arrive in pieces (frames, or chunks of a frame).
///
/// It fails fast: [`Utf8Validator::feed`] returns an error for the chunk holding the first
/// byte after which the input can no longer be valid UTF-8, whatever follows. For example
/// `F4 90` fails at once, because no code point above U+10FFFF exists, as Autobahn test case
/// group 6 requires. Up to 3 bytes of a code point cut by a chunk boundary are kept until the
/// next chunk; [`Utf8Validator::finish`] then reports whether the message ended inside one.
///
/// ```
/// use ferrobahn_frame::Utf8Validator;
///
/// let mut v = Utf8Validator::new();
/// v.feed(b"caf\xC3").unwrap(); // "é" is cut after its first byte
/// assert!(v.is_mid_codepoint());
/// v.feed(b"\xA9!").unwrap();
/// v.finish().unwrap();
///
/// assert!(v.feed(b"\xF4\x90").is_err()); // beyond U+10FFFF: fails before the message ends
/// ```
#[derive(Clone, Debug, Default)]
pub struct Utf8Validator {
    /// The start of a code point cut by the end of the previous chunk.
    partial: [u8; 3],
    /// How many bytes of `partial` are in use (0 to 3).
    partial_len: u8,
}

impl Utf8Validator {
    /// A validator at the start of a message.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Validates the next chunk of the message.
    ///
    /// # Errors
    ///
    /// [`Utf8Error`] when the input so far cannot be the start of valid UTF-8. The validator
    /// is then reset, ready for a new message.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), Utf8Error> {
        let result = self.feed_inner(chunk);
        if result.is_err() {
            self.reset();
        }
        result
    }

    /// Ends the message and resets the validator for the next one.
    ///
    /// # Errors
    ///
    /// [`Utf8Error`] when the message ended inside a code point.
    pub fn finish(&mut self) -> Result<(), Utf8Error> {
        let mid = self.is_mid_codepoint();
        self.reset();
        if mid {
            Err(Utf8Error)
        } else {
            Ok(())
        }
    }

    /// Forgets any partial code point, ready for a new message.
    pub fn reset(&mut self) {
        self.partial_len = 0;
    }

    /// Whether the input so far ends inside a code point.
    #[must_use]
    pub fn is_mid_codepoint(&self) -> bool {
        self.partial_len != 0
    }

    fn feed_inner(&mut self, chunk: &[u8]) -> Result<(), Utf8Error> {
        let rest = if self.is_mid_codepoint() {
            match self.complete_partial(chunk)? {
                Some(rest) => rest,
                None => return Ok(()),
            }
        } else {
            chunk
        };
        let split = incomplete_tail_start(rest);
        let (body, tail) = rest.split_at(split);
        if !validate_utf8(body) {
            return Err(Utf8Error);
        }
        self.keep_prefix(tail)
    }

    /// Continues the pending code point with the first bytes of `chunk`. Returns the rest of
    /// `chunk` once the code point is complete, or `None` if `chunk` ended before that.
    fn complete_partial<'a>(&mut self, chunk: &'a [u8]) -> Result<Option<&'a [u8]>, Utf8Error> {
        let have = usize::from(self.partial_len);
        let need = sequence_len(self.partial[0]).saturating_sub(have);
        let take = need.min(chunk.len());
        let mut joined = [0u8; 4];
        joined[..have].copy_from_slice(&self.partial[..have]);
        joined[have..have + take].copy_from_slice(&chunk[..take]);
        match std::str::from_utf8(&joined[..have + take]) {
            Ok(_) => {
                self.partial_len = 0;
                Ok(Some(&chunk[take..]))
            }
            Err(e) if e.error_len().is_none() => {
                // Still a valid but unfinished code point.
                self.store(&joined[..have + take]);
                Ok(None)
            }
            Err(_) => Err(Utf8Error),
        }
    }

    /// Keeps `tail` (at most 3 bytes, the start of a code point) if it can still become
    /// valid UTF-8.
    fn keep_prefix(&mut self, tail: &[u8]) -> Result<(), Utf8Error> {
        match std::str::from_utf8(tail) {
            Ok(_) => Ok(()),
            Err(e) if e.error_len().is_none() && e.valid_up_to() == 0 => {
                self.store(tail);
                Ok(())
            }
            Err(_) => Err(Utf8Error),
        }
    }

    fn store(&mut self, bytes: &[u8]) {
        let n = bytes.len().min(self.partial.len());
        self.partial[..n].copy_from_slice(&bytes[..n]);
        // `n` is at most 3.
        self.partial_len = n as u8;
    }
}

/// The length of the sequence that lead byte `b` starts (1 for ASCII, continuation bytes and
/// bytes that never start a sequence; validation rejects the invalid ones).
fn sequence_len(b: u8) -> usize {
    match b {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => 1,
    }
}

/// Where the code point cut by the end of `bytes` starts, or `bytes.len()` if the last code
/// point is not cut short.
fn incomplete_tail_start(bytes: &[u8]) -> usize {
    let len = bytes.len();
    for back in 1..=len.min(3) {
        let b = bytes[len - back];
        if b & 0xC0 != 0x80 {
            return if sequence_len(b) > back {
                len - back
            } else {
                len
            };
        }
    }
    len
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_bytewise(bytes: &[u8]) -> Result<(), usize> {
        let mut v = Utf8Validator::new();
        for (i, b) in bytes.iter().enumerate() {
            v.feed(std::slice::from_ref(b)).map_err(|_| i)?;
        }
        v.finish().map_err(|_| bytes.len())
    }

    #[test]
    fn accepts_valid_text_in_any_pieces() {
        let text = "κόσμε a\u{7FF}\u{800}\u{FFFF}\u{10000}\u{10FFFF}\u{D7FF}\u{E000}€𝄞".as_bytes();
        assert!(validate_utf8(text));
        assert_eq!(feed_bytewise(text), Ok(()));
        for cut in 0..=text.len() {
            let mut v = Utf8Validator::new();
            v.feed(&text[..cut]).unwrap();
            v.feed(&text[cut..]).unwrap();
            v.finish().unwrap();
        }
    }

    #[test]
    fn fails_at_the_first_impossible_byte() {
        // (input, index of the byte where it can no longer be UTF-8)
        let cases: &[(&[u8], usize)] = &[
            (b"\xF4\x90\x80\x80", 1),          // above U+10FFFF
            (b"\xCE\xBA\xF4\x90\x80\x80a", 3), // Autobahn 6.4.1 style
            (b"\xED\xA0\x80", 1),              // surrogate
            (b"\xC0\x80", 0),                  // overlong lead
            (b"\xE0\x80\x80", 1),              // overlong
            (b"\xF0\x80\x80\x80", 1),          // overlong
            (b"\xF5\x80", 0),                  // never a lead
            (b"ab\xFF", 2),                    // never valid
            (b"\x80", 0),                      // stray continuation
            (b"\xE2\x82a", 2),                 // cut short by ASCII
            (b"\xF0\x9F\x98", 3),              // cut short by the end
        ];
        for &(input, at) in cases {
            assert_eq!(feed_bytewise(input), Err(at), "{input:x?}");
            assert!(std::str::from_utf8(input).is_err());
            assert!(!validate_utf8(input));
        }
    }

    #[test]
    fn fails_in_the_chunk_that_breaks_it_not_later() {
        let mut v = Utf8Validator::new();
        v.feed(b"hello \xF4").unwrap();
        assert!(v.is_mid_codepoint());
        assert_eq!(v.feed(b"\x90 and much more valid text"), Err(Utf8Error));
        assert!(!v.is_mid_codepoint(), "reset after an error");
    }

    #[test]
    fn finish_reports_and_clears_a_cut_code_point() {
        let mut v = Utf8Validator::new();
        v.feed(b"\xE2\x82").unwrap();
        assert!(v.is_mid_codepoint());
        assert_eq!(v.finish(), Err(Utf8Error));
        assert!(!v.is_mid_codepoint());
        v.feed(b"ok").unwrap();
        assert_eq!(v.finish(), Ok(()));

        v.feed(b"\xF0\x9F").unwrap();
        v.reset();
        v.feed(b"fresh").unwrap();
        assert_eq!(v.finish(), Ok(()));
    }

    #[test]
    fn empty_chunks_change_nothing() {
        let mut v = Utf8Validator::new();
        v.feed(b"").unwrap();
        v.feed(b"\xF0").unwrap();
        v.feed(b"").unwrap();
        v.feed(b"\x9F\x98").unwrap();
        v.feed(b"").unwrap();
        v.feed(b"\x80").unwrap();
        assert!(!v.is_mid_codepoint());
        v.finish().unwrap();
    }
}
