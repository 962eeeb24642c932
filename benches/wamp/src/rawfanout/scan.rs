//! A sans-IO scanner of the WebSocket frames a client sends: it either keeps a
//! message (unmasked, for the few setup messages the raw fan-out server must read) or
//! only counts it, skipping its payload without unmasking or copying it (the
//! publisher's PUBLISH frames once fanning out).

use ferrobahn_frame::{apply_mask, FrameError, FrameHeader, OpCode, MAX_HEADER_LEN};

/// Why a client's bytes were refused.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// A malformed frame header.
    #[error("frame: {0}")]
    Frame(#[from] FrameError),
    /// A client frame without a masking key (RFC 6455 5.1).
    #[error("unmasked client frame")]
    Unmasked,
    /// RSV bits set, but no extension was negotiated.
    #[error("RSV bits {0:#05b} without an extension")]
    Reserved(u8),
    /// A continuation frame outside a message, or a new message inside one.
    #[error("bad fragmentation")]
    Fragmentation,
    /// A kept message longer than the limit.
    #[error("message of more than {0} bytes")]
    TooLong(usize),
}

/// What the scanner hands back besides its count.
#[derive(Debug, PartialEq, Eq)]
pub enum Item {
    /// A whole data message that was kept (payload unmasked, fragments joined).
    Message(Vec<u8>),
    /// A ping with its payload.
    Ping(Vec<u8>),
    /// A close frame: the client is leaving.
    Close,
}

/// The frame being read.
#[derive(Debug)]
struct Current {
    fin: bool,
    control: Option<OpCode>,
    mask: [u8; 4],
    /// Payload bytes still to come.
    remaining: u64,
    /// Payload bytes seen (the masking offset).
    seen: usize,
}

/// Frame scanner of one client connection.
#[derive(Debug)]
pub struct Scanner {
    header: [u8; MAX_HEADER_LEN],
    header_len: usize,
    current: Option<Current>,
    /// Inside a fragmented data message: whether it is kept.
    in_message: Option<bool>,
    /// Keep the data messages that start from now on (else only count them).
    pub keep: bool,
    message: Vec<u8>,
    control: Vec<u8>,
    max_message: usize,
}

impl Scanner {
    /// A scanner that keeps messages (until `keep` is cleared) of at most `max_message`
    /// bytes.
    pub fn new(max_message: usize) -> Self {
        Self {
            header: [0; MAX_HEADER_LEN],
            header_len: 0,
            current: None,
            in_message: None,
            keep: true,
            message: Vec::new(),
            control: Vec::new(),
            max_message,
        }
    }

    /// Scans `data`; pushes kept messages and control frames to `items` and returns how
    /// many whole data messages were counted without being kept.
    ///
    /// # Errors
    /// Protocol violations ([`ScanError`]); the connection should be dropped.
    pub fn feed(&mut self, mut data: &[u8], items: &mut Vec<Item>) -> Result<u64, ScanError> {
        let mut counted = 0;
        while !data.is_empty() {
            let Some(cur) = self.current.as_mut() else {
                data = self.read_header(data)?;
                if self.current.as_ref().is_some_and(|c| c.remaining == 0) {
                    counted += self.finish(items);
                }
                continue;
            };
            let take = usize::try_from(cur.remaining).map_or(data.len(), |r| r.min(data.len()));
            let (chunk, rest) = data.split_at(take);
            data = rest;
            let dst = if cur.control.is_some() {
                Some(&mut self.control)
            } else if self.in_message == Some(true) {
                if self.message.len() + take > self.max_message {
                    return Err(ScanError::TooLong(self.max_message));
                }
                Some(&mut self.message)
            } else {
                None
            };
            if let Some(dst) = dst {
                let at = dst.len();
                dst.extend_from_slice(chunk);
                apply_mask(&mut dst[at..], cur.mask, cur.seen);
            }
            cur.seen += take;
            cur.remaining -= take as u64;
            if cur.remaining == 0 {
                counted += self.finish(items);
            }
        }
        Ok(counted)
    }

    /// Reads header bytes from `data`; starts the frame once its header is whole.
    fn read_header<'a>(&mut self, data: &'a [u8]) -> Result<&'a [u8], ScanError> {
        let before = self.header_len;
        let take = (MAX_HEADER_LEN - before).min(data.len());
        self.header[before..before + take].copy_from_slice(&data[..take]);
        self.header_len += take;
        let Some((h, len)) = FrameHeader::decode(&self.header[..self.header_len])? else {
            return Ok(&data[take..]);
        };
        self.header_len = 0;
        let rest = &data[len - before..];
        let mask = h.mask.ok_or(ScanError::Unmasked)?;
        if h.rsv != 0 {
            return Err(ScanError::Reserved(h.rsv));
        }
        let control = h.opcode.is_control().then_some(h.opcode);
        match (h.opcode, self.in_message) {
            (OpCode::Continuation, None) => return Err(ScanError::Fragmentation),
            (OpCode::Text | OpCode::Binary, Some(_)) => return Err(ScanError::Fragmentation),
            (OpCode::Text | OpCode::Binary, None) => {
                let keep = self.keep;
                if keep && h.payload_len > self.max_message as u64 {
                    return Err(ScanError::TooLong(self.max_message));
                }
                self.in_message = Some(keep);
            }
            _ => {}
        }
        self.control.clear();
        self.current = Some(Current {
            fin: h.fin,
            control,
            mask,
            remaining: h.payload_len,
            seen: 0,
        });
        Ok(rest)
    }

    /// Ends the current frame; 1 if it ended a counted message.
    fn finish(&mut self, items: &mut Vec<Item>) -> u64 {
        let Some(cur) = self.current.take() else {
            return 0;
        };
        match cur.control {
            Some(OpCode::Ping) => items.push(Item::Ping(std::mem::take(&mut self.control))),
            Some(OpCode::Close) => items.push(Item::Close),
            Some(_) => {}
            None if cur.fin => match self.in_message.take() {
                Some(true) => items.push(Item::Message(std::mem::take(&mut self.message))),
                _ => return 1,
            },
            None => {}
        }
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A masked client frame.
    fn frame(fin: bool, opcode: OpCode, payload: &[u8], key: [u8; 4]) -> Vec<u8> {
        let h = FrameHeader {
            fin,
            rsv: 0,
            opcode,
            mask: Some(key),
            payload_len: payload.len() as u64,
        };
        let mut hdr = [0; MAX_HEADER_LEN];
        let n = h.encode(&mut hdr);
        let mut out = hdr[..n].to_vec();
        let at = out.len();
        out.extend_from_slice(payload);
        apply_mask(&mut out[at..], key, 0);
        out
    }

    const HELLO: &[u8] = b"[1,\"realm1\",{}]";

    /// After a kept message: a fragmented message with a ping between its fragments,
    /// and a 70,000-byte message.
    fn rest() -> Vec<u8> {
        let big = vec![b'y'; 70_000];
        let mut s = frame(false, OpCode::Binary, b"ab", [5, 6, 7, 8]);
        s.extend(frame(true, OpCode::Ping, b"p", [9, 9, 9, 9]));
        s.extend(frame(true, OpCode::Continuation, b"cd", [7, 7, 7, 7]));
        s.extend(frame(true, OpCode::Binary, &big, [3, 1, 4, 1]));
        s
    }

    #[test]
    fn keeps_then_counts_at_any_split() {
        let first = frame(true, OpCode::Text, HELLO, [1, 2, 3, 4]);
        let data = rest();
        for step in [1, 2, 3, 7, 13, 64, 1000, data.len()] {
            let mut s = Scanner::new(1 << 20);
            let mut items = Vec::new();
            let mut counted = 0;
            for piece in first.chunks(step) {
                counted += s.feed(piece, &mut items).unwrap();
            }
            assert_eq!(items, vec![Item::Message(HELLO.to_vec())], "step {step}");
            s.keep = false;
            items.clear();
            for piece in data.chunks(step) {
                counted += s.feed(piece, &mut items).unwrap();
            }
            assert_eq!(items, vec![Item::Ping(b"p".to_vec())], "step {step}");
            // The fragmented message and the 70,000-byte one were counted, not kept.
            assert_eq!(counted, 2, "step {step}");
        }
    }

    #[test]
    fn kept_fragments_are_joined_and_unmasked() {
        let mut s = Scanner::new(100);
        let mut items = Vec::new();
        let mut data = frame(false, OpCode::Text, b"hel", [1, 2, 3, 4]);
        data.extend(frame(true, OpCode::Continuation, b"lo", [4, 3, 2, 1]));
        data.extend(frame(true, OpCode::Close, &[3, 232], [1, 1, 1, 1]));
        assert_eq!(s.feed(&data, &mut items).unwrap(), 0);
        assert_eq!(items, vec![Item::Message(b"hello".to_vec()), Item::Close]);
    }

    #[test]
    fn violations_are_errors() {
        let mut items = Vec::new();
        let unmasked = [0x81, 0x01, b'x'];
        assert!(matches!(
            Scanner::new(10).feed(&unmasked, &mut items),
            Err(ScanError::Unmasked)
        ));
        let rsv = [0xC1, 0x80, 0, 0, 0, 0];
        assert!(matches!(
            Scanner::new(10).feed(&rsv, &mut items),
            Err(ScanError::Reserved(4))
        ));
        let cont = frame(true, OpCode::Continuation, b"x", [1, 2, 3, 4]);
        assert!(matches!(
            Scanner::new(10).feed(&cont, &mut items),
            Err(ScanError::Fragmentation)
        ));
        let long = frame(true, OpCode::Text, &[b'a'; 11], [1, 2, 3, 4]);
        assert!(matches!(
            Scanner::new(10).feed(&long, &mut items),
            Err(ScanError::TooLong(10))
        ));
        let reserved_opcode = [0x83, 0x80];
        assert!(matches!(
            Scanner::new(10).feed(&reserved_opcode, &mut items),
            Err(ScanError::Frame(_))
        ));
        assert!(items.is_empty());
    }
}
