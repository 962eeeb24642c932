//! Pre-built client frames and a cheap reply parser.
//!
//! The generator builds each message once (masked WebSocket frame, or
//! length-prefixed for raw TCP) and only ever writes those bytes again; it
//! never unmasks, copies or validates a reply, it only walks the headers to
//! count complete messages.

use flate2::{Compress, Compression, FlushCompress};

/// The mask key of every generated frame (any fixed key is valid).
pub const MASK_KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// The wire protocol the generator speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wire {
    /// WebSocket frames (client to server masked).
    WebSocket,
    /// A 4-byte big-endian length, then the payload.
    LengthPrefixed,
}

/// A reply stream the generator cannot parse.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    /// The server sent a close frame.
    #[error("server sent a close frame")]
    Closed,
    /// A frame header with reserved opcode or a masked server frame.
    #[error("malformed reply header {0:02x?}")]
    Malformed([u8; 2]),
}

/// `len` payload bytes of compressible, JSON-like ASCII text.
pub fn payload(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 96);
    let mut seq = 0u32;
    while out.len() < len {
        let line = format!(
            "{{\"seq\":{seq},\"topic\":\"com.example.ticker\",\"price\":{}.{:02},\"ok\":true}}\n",
            100 + seq % 50,
            seq % 100
        );
        out.extend_from_slice(line.as_bytes());
        seq += 1;
    }
    out.truncate(len);
    out
}

/// Compresses `data` as one permessage-deflate message with a fresh context
/// (the client offers `client_no_context_takeover`, so this one compressed
/// form is valid for every send).
pub fn deflate_message(data: &[u8]) -> Vec<u8> {
    let mut z = Compress::new(Compression::default(), false);
    let mut out = Vec::with_capacity(data.len() / 2 + 64);
    loop {
        let consumed = usize::try_from(z.total_in()).unwrap_or(usize::MAX);
        out.reserve(data.len() / 4 + 64);
        // Only a buffer error is possible, and `reserve` rules it out.
        if z.compress_vec(&data[consumed..], &mut out, FlushCompress::Sync)
            .is_err()
        {
            break;
        }
        let done = usize::try_from(z.total_in()).unwrap_or(usize::MAX) >= data.len();
        if done && out.len() < out.capacity() {
            break;
        }
    }
    // RFC 7692 7.2.1: drop the 00 00 ff ff tail of the sync flush.
    if out.ends_with(&[0, 0, 0xff, 0xff]) {
        out.truncate(out.len() - 4);
    }
    out
}

/// One masked, final client frame (`opcode` 1 text, 2 binary) carrying
/// `payload`; `rsv1` marks a compressed message.
pub fn client_frame(payload: &[u8], opcode: u8, rsv1: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 14);
    let b0 = 0x80 | if rsv1 { 0x40 } else { 0 } | (opcode & 0x0f);
    push_header(&mut out, b0, payload.len(), true);
    out.extend_from_slice(&MASK_KEY);
    out.extend(
        payload
            .iter()
            .zip(MASK_KEY.iter().cycle())
            .map(|(b, m)| b ^ m),
    );
    out
}

/// Writes the first byte `b0` and the length field (mask bit per `masked`).
fn push_header(out: &mut Vec<u8>, b0: u8, len: usize, masked: bool) {
    let mask_bit = if masked { 0x80 } else { 0 };
    out.push(b0);
    if len < 126 {
        out.push(mask_bit | len as u8);
    } else if let Ok(short) = u16::try_from(len) {
        out.push(mask_bit | 126);
        out.extend_from_slice(&short.to_be_bytes());
    } else {
        out.push(mask_bit | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
}

/// One length-prefixed message.
pub fn prefixed(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 4);
    out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// Counts complete messages in a reply byte stream, fed in any chunking.
#[derive(Debug)]
pub struct ReplyCounter {
    wire: Wire,
    /// Payload bytes of the current frame still to skip.
    skip: u64,
    /// Whether the current frame ends a data message.
    ends_message: bool,
    /// Whether a frame is in progress (header done, payload pending).
    in_frame: bool,
    hdr: [u8; 14],
    hdr_len: usize,
}

impl ReplyCounter {
    /// A counter for `wire`.
    pub fn new(wire: Wire) -> Self {
        Self {
            wire,
            skip: 0,
            ends_message: false,
            in_frame: false,
            hdr: [0; 14],
            hdr_len: 0,
        }
    }

    /// Payload bytes of the current frame still to come (0 between frames): bytes a
    /// reader may drop unread, e.g. with `recv(MSG_TRUNC)`, then pass to
    /// [`discarded`](Self::discarded).
    pub fn payload_left(&self) -> u64 {
        if self.in_frame {
            self.skip
        } else {
            0
        }
    }

    /// Accounts for `n` payload bytes dropped unread (at most
    /// [`payload_left`](Self::payload_left)); returns how many messages that
    /// completed (0 or 1).
    pub fn discarded(&mut self, n: u64) -> usize {
        let n = n.min(self.payload_left());
        self.skip -= n;
        if self.in_frame && self.skip == 0 {
            self.in_frame = false;
            usize::from(self.ends_message)
        } else {
            0
        }
    }

    /// Consumes `data`; returns how many messages it completed.
    ///
    /// # Errors
    /// A close frame or a malformed header.
    pub fn feed(&mut self, mut data: &[u8]) -> Result<usize, ReplyError> {
        let mut done = 0;
        loop {
            if self.in_frame {
                let take = self.skip.min(data.len() as u64) as usize;
                self.skip -= take as u64;
                data = &data[take..];
                if self.skip > 0 {
                    return Ok(done);
                }
                self.in_frame = false;
                done += usize::from(self.ends_message);
            }
            if data.is_empty() {
                return Ok(done);
            }
            // Fill the header; most of the time it is whole in `data`.
            let need = self.header_len(data);
            let Some(need) = need else {
                self.stash(data, data.len());
                return Ok(done);
            };
            let take = need - self.hdr_len;
            if data.len() < take {
                self.stash(data, data.len());
                return Ok(done);
            }
            self.stash(data, take);
            data = &data[take..];
            self.start_frame()?;
        }
    }

    fn stash(&mut self, data: &[u8], n: usize) {
        self.hdr[self.hdr_len..self.hdr_len + n].copy_from_slice(&data[..n]);
        self.hdr_len += n;
    }

    /// The full header length, once enough of it is known.
    fn header_len(&self, data: &[u8]) -> Option<usize> {
        match self.wire {
            Wire::LengthPrefixed => Some(4),
            Wire::WebSocket => {
                let second = if self.hdr_len >= 2 {
                    self.hdr[1]
                } else {
                    *data.get(1 - self.hdr_len)?
                };
                Some(
                    match second & 0x7f {
                        126 => 4,
                        127 => 10,
                        _ => 2,
                    } + if second & 0x80 != 0 { 4 } else { 0 },
                )
            }
        }
    }

    fn start_frame(&mut self) -> Result<(), ReplyError> {
        let h = &self.hdr[..self.hdr_len];
        self.hdr_len = 0;
        match self.wire {
            Wire::LengthPrefixed => {
                self.skip = u64::from(u32::from_be_bytes([h[0], h[1], h[2], h[3]]));
                self.ends_message = true;
            }
            Wire::WebSocket => {
                let (b0, b1) = (h[0], h[1]);
                if b1 & 0x80 != 0 {
                    return Err(ReplyError::Malformed([b0, b1]));
                }
                self.skip = match b1 & 0x7f {
                    126 => u64::from(u16::from_be_bytes([h[2], h[3]])),
                    127 => u64::from_be_bytes([h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9]]),
                    n => u64::from(n),
                };
                let opcode = b0 & 0x0f;
                match opcode {
                    0..=2 => self.ends_message = b0 & 0x80 != 0,
                    8 => return Err(ReplyError::Closed),
                    9 | 10 => self.ends_message = false,
                    _ => return Err(ReplyError::Malformed([b0, b1])),
                }
            }
        }
        self.in_frame = true;
        Ok(())
    }
}

/// The server's (unmasked) frame for `payload`, as a reply would look.
#[cfg(test)]
fn server_frame(payload: &[u8], opcode: u8, fin: bool) -> Vec<u8> {
    let mut f = Vec::new();
    push_header(
        &mut f,
        if fin { 0x80 } else { 0 } | opcode,
        payload.len(),
        false,
    );
    f.extend_from_slice(payload);
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_sizes() -> Vec<usize> {
        vec![0, 1, 20, 125, 126, 1024, 65_535, 65_536, 70_000]
    }

    #[test]
    fn client_frames_unmask_to_payload() {
        for len in all_sizes() {
            let p = payload(len);
            let f = client_frame(&p, 2, false);
            let hdr = f.len() - len;
            assert_eq!(f[0], 0x82);
            assert_eq!(f[1] & 0x80, 0x80);
            let key = &f[hdr - 4..hdr];
            let unmasked: Vec<u8> = f[hdr..]
                .iter()
                .zip(key.iter().cycle())
                .map(|(b, m)| b ^ m)
                .collect();
            assert_eq!(unmasked, p);
        }
    }

    #[test]
    fn counts_messages_in_any_chunking() {
        let mut stream = Vec::new();
        for len in all_sizes() {
            stream.extend(server_frame(&payload(len), 2, true));
        }
        // A ping and a fragmented message (two frames, one message).
        stream.extend(server_frame(b"hi", 9, true));
        stream.extend(server_frame(b"abc", 1, false));
        stream.extend(server_frame(b"def", 0, true));
        let expected = all_sizes().len() + 1;
        for chunk in [1, 2, 3, 7, 13, 1000, stream.len()] {
            let mut c = ReplyCounter::new(Wire::WebSocket);
            let n: usize = stream.chunks(chunk).map(|d| c.feed(d).unwrap()).sum();
            assert_eq!(n, expected, "chunk {chunk}");
        }
    }

    /// Feeding in chunks but dropping every payload run of at least `drop_min` bytes
    /// unread (as the generator does with `MSG_TRUNC`) counts the same messages.
    fn count_with_discards(wire: Wire, stream: &[u8], chunk: usize, drop_min: u64) -> usize {
        let mut c = ReplyCounter::new(wire);
        let (mut at, mut done) = (0, 0);
        while at < stream.len() {
            let left = c.payload_left();
            if left >= drop_min {
                let n = left.min(chunk as u64);
                done += c.discarded(n);
                at += n as usize;
            } else {
                let end = (at + chunk).min(stream.len());
                done += c.feed(&stream[at..end]).unwrap();
                at = end;
            }
        }
        done
    }

    #[test]
    fn discarded_payload_counts_like_fed_payload() {
        let mut ws = Vec::new();
        let mut raw = Vec::new();
        for len in all_sizes() {
            ws.extend(server_frame(&payload(len), 2, true));
            raw.extend(prefixed(&payload(len)));
        }
        ws.extend(server_frame(b"abc", 1, false));
        ws.extend(server_frame(&payload(5000), 0, true));
        for chunk in [1, 7, 1000, 65_536] {
            for drop_min in [1, 100, 4096] {
                let n = count_with_discards(Wire::WebSocket, &ws, chunk, drop_min);
                assert_eq!(n, all_sizes().len() + 1, "ws chunk {chunk} drop {drop_min}");
                let n = count_with_discards(Wire::LengthPrefixed, &raw, chunk, drop_min);
                assert_eq!(n, all_sizes().len(), "raw chunk {chunk} drop {drop_min}");
            }
        }
        let mut c = ReplyCounter::new(Wire::WebSocket);
        assert_eq!(c.payload_left(), 0);
        assert_eq!(c.discarded(10), 0, "nothing to drop between frames");
    }

    #[test]
    fn counts_length_prefixed() {
        let mut stream = Vec::new();
        for len in all_sizes() {
            stream.extend(prefixed(&payload(len)));
        }
        for chunk in [1, 3, 5, 4096] {
            let mut c = ReplyCounter::new(Wire::LengthPrefixed);
            let n: usize = stream.chunks(chunk).map(|d| c.feed(d).unwrap()).sum();
            assert_eq!(n, all_sizes().len());
        }
    }

    #[test]
    fn close_and_masked_replies_are_errors() {
        let mut c = ReplyCounter::new(Wire::WebSocket);
        assert_eq!(c.feed(&[0x88, 0x00]), Err(ReplyError::Closed));
        let mut c = ReplyCounter::new(Wire::WebSocket);
        assert!(matches!(
            c.feed(&client_frame(b"x", 2, false)),
            Err(ReplyError::Malformed(_))
        ));
    }

    #[test]
    fn deflate_round_trips() {
        let p = payload(16 * 1024);
        let mut z = deflate_message(&p);
        assert!(z.len() < p.len() / 4, "compressible payload");
        z.extend_from_slice(&[0, 0, 0xff, 0xff]);
        let mut d = flate2::Decompress::new(false);
        let mut out = Vec::with_capacity(p.len() + 16);
        d.decompress_vec(&z, &mut out, flate2::FlushDecompress::Sync)
            .unwrap();
        assert_eq!(out, p);
    }
}
