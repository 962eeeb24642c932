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
    pub(crate) fn push(&mut self, data: &[u8]) -> Result<Option<&[u8]>, HandshakeError> {
        if self.finished {
            return Err(UsageError::Finished.into());
        }
        let old_len = self.buf.len();
        let room = self.max.saturating_sub(old_len);
        let take = data.len().min(room);
        self.buf.extend_from_slice(&data[..take]);

        let scan_from = old_len.saturating_sub(TERMINATOR.len() - 1);
        if let Some(pos) = find(&self.buf[scan_from..], TERMINATOR) {
            let end = scan_from + pos + TERMINATOR.len();
            self.trailing.extend_from_slice(&self.buf[end..]);
            self.trailing.extend_from_slice(&data[take..]);
            self.buf.truncate(end);
            self.finished = true;
            return Ok(Some(&self.buf));
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

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
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
                String::from_utf8_lossy(h.value).trim().to_owned(),
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
    fn buffers_at_most_max_bytes() {
        let mut hb = HeadBuffer::new(10);
        assert!(hb.push(&[b'a'; 1000]).is_err());
        assert!(hb.buf.len() <= 10);
    }
}
