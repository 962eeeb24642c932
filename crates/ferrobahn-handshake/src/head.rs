//! Incremental accumulation of an HTTP head.
//!
//! Only the newly arrived bytes (plus the 3 bytes before them) are scanned for the blank line
//! that ends the head, and nothing beyond `max_head_bytes` is ever buffered. The head is handed
//! to httparse exactly once, when it is complete: re-parsing the whole buffer on every read is
//! the quadratic-time bug of CVE-2023-43669.

use crate::error::{HandshakeError, UsageError};

const TERMINATOR: &[u8] = b"\r\n\r\n";

/// Buffers a head until `\r\n\r\n`, enforcing the size limit.
#[derive(Debug, Clone)]
pub(crate) struct HeadBuffer {
    buf: Vec<u8>,
    max: usize,
    /// Set once a result (head or error) was produced.
    finished: bool,
    trailing: Vec<u8>,
}

impl HeadBuffer {
    pub(crate) fn new(max: usize) -> Self {
        Self {
            buf: Vec::new(),
            max,
            finished: false,
            trailing: Vec::new(),
        }
    }

    /// Adds `data`. Returns `Ok(Some(head))` once the head (including the final `\r\n\r\n`) is
    /// complete; bytes after it become trailing data. Errors once the buffered head reaches the
    /// limit without a terminator (a head must be at most `max` bytes long).
    pub(crate) fn push<'a>(
        &'a mut self,
        data: &'a [u8],
    ) -> Result<Option<&'a [u8]>, HandshakeError> {
        if self.finished {
            return Err(UsageError::Finished.into());
        }
        let old_len = self.buf.len();
        let room = self.max.saturating_sub(old_len);
        let take = data.len().min(room);
        if old_len == 0 {
            // The usual case, a whole head in the first read: no copy.
            if let Some(pos) = find_terminator(&data[..take]) {
                let end = pos + TERMINATOR.len();
                self.trailing.extend_from_slice(&data[end..]);
                self.finished = true;
                return Ok(Some(&data[..end]));
            }
            self.buf.extend_from_slice(&data[..take]);
        } else {
            self.buf.extend_from_slice(&data[..take]);
            let scan_from = old_len.saturating_sub(TERMINATOR.len() - 1);
            if let Some(pos) = find_terminator(&self.buf[scan_from..]) {
                let end = scan_from + pos + TERMINATOR.len();
                self.trailing.extend_from_slice(&self.buf[end..]);
                self.trailing.extend_from_slice(&data[take..]);
                self.buf.truncate(end);
                self.finished = true;
                return Ok(Some(&self.buf));
            }
        }
        if self.buf.len() >= self.max {
            self.finished = true;
            tracing::debug!(limit = self.max, "HTTP head too large");
            return Err(HandshakeError::HeadTooLarge { limit: self.max });
        }
        Ok(None)
    }

    /// Takes the bytes that arrived after the head.
    pub(crate) fn take_trailing(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.trailing)
    }

    /// Releases the head buffer's memory after the head was parsed.
    pub(crate) fn release(&mut self) {
        self.buf = Vec::new();
    }
}

/// Where the first `\r\n\r\n` starts. Looks at the last byte of each
/// 4-byte window: a byte that is neither CR nor LF cannot be part of a
/// terminator, so the next possible one ends 4 bytes further on.
fn find_terminator(h: &[u8]) -> Option<usize> {
    let mut i = TERMINATOR.len() - 1;
    while i < h.len() {
        match h[i] {
            b'\n' if h[i - 3..i] == TERMINATOR[..3] => return Some(i - 3),
            b'\n' | b'\r' => i += 1,
            _ => i += TERMINATOR.len(),
        }
    }
    None
}

/// Maps an httparse error to the handshake error (and its HTTP status).
pub(crate) fn map_httparse_error(e: httparse::Error, max_headers: usize) -> HandshakeError {
    match e {
        httparse::Error::TooManyHeaders => HandshakeError::TooManyHeaders { limit: max_headers },
        httparse::Error::Version => HandshakeError::UnsupportedHttpVersion,
        other => HandshakeError::MalformedHead(other),
    }
}

/// Converts httparse headers into owned `(name, value)` pairs (value decoded lossily, trimmed).
pub(crate) fn owned_headers(headers: &[httparse::Header<'_>]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|h| {
            (
                h.name.to_owned(),
                match std::str::from_utf8(h.value) {
                    Ok(v) => v.trim().to_owned(),
                    Err(_) => String::from_utf8_lossy(h.value).trim().to_owned(),
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_terminator_split_across_pushes() {
        let mut hb = HeadBuffer::new(100);
        assert_eq!(hb.push(b"GET / HTTP/1.1\r\n\r").unwrap(), None);
        let head = hb.push(b"\nrest").unwrap().unwrap().to_vec();
        assert_eq!(head, b"GET / HTTP/1.1\r\n\r\n");
        assert_eq!(hb.take_trailing(), b"rest");
    }

    #[test]
    fn head_of_exactly_max_bytes_is_accepted() {
        let head = b"GET / HTTP/1.1\r\n\r\n";
        let mut hb = HeadBuffer::new(head.len());
        let mut data = head.to_vec();
        data.extend_from_slice(b"trailing bytes beyond the limit");
        assert_eq!(hb.push(&data).unwrap().unwrap(), head);
        assert_eq!(hb.take_trailing(), b"trailing bytes beyond the limit");
    }

    #[test]
    fn head_of_max_plus_one_is_refused() {
        let head = b"GET / HTTP/1.1\r\n\r\n";
        let mut hb = HeadBuffer::new(head.len() - 1);
        assert_eq!(
            hb.push(head),
            Err(HandshakeError::HeadTooLarge {
                limit: head.len() - 1
            })
        );
        assert_eq!(hb.push(b"x"), Err(UsageError::Finished.into()));
    }

    #[test]
    fn terminator_search_matches_a_naive_scan() {
        let naive = |h: &[u8]| h.windows(4).position(|w| w == TERMINATOR);
        let alphabet = [b'\r', b'\n', b'a', b':'];
        // Every string of length <= 7 over CR, LF and two other bytes.
        for len in 0..=7u32 {
            for code in 0..4usize.pow(len) {
                let h: Vec<u8> = (0..len).map(|k| alphabet[(code >> (2 * k)) & 3]).collect();
                assert_eq!(find_terminator(&h), naive(&h), "{h:?}");
            }
        }
    }

    #[test]
    fn a_head_in_one_push_is_not_copied() {
        let data = b"GET / HTTP/1.1\r\nHost: a\r\n\r\nframes";
        let mut hb = HeadBuffer::new(100);
        let head = hb.push(data).unwrap().unwrap();
        assert_eq!(head.as_ptr(), data.as_ptr());
        assert_eq!(head.len(), data.len() - 6);
        assert!(hb.buf.is_empty());
        assert_eq!(hb.take_trailing(), b"frames");
        assert_eq!(hb.push(b"x"), Err(UsageError::Finished.into()));
    }

    #[test]
    fn buffers_at_most_max_bytes() {
        let mut hb = HeadBuffer::new(10);
        assert!(hb.push(&[b'a'; 1000]).is_err());
        assert!(hb.buf.len() <= 10);
    }
}
