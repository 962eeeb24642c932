//! A bounds-checked cursor over the input of the binary decoders.

use bytes::Bytes;

use crate::error::DecodeError;

/// Reads bytes, never past the end; byte strings are sliced out of `src` when the caller
/// gave a `Bytes` (zero-copy), copied otherwise.
pub(crate) struct Input<'a> {
    data: &'a [u8],
    pos: usize,
    src: Option<&'a Bytes>,
    depth: usize,
    max_depth: usize,
    pub(crate) format: &'static str,
}

impl<'a> Input<'a> {
    pub(crate) fn new(
        data: &'a [u8],
        src: Option<&'a Bytes>,
        max_depth: usize,
        format: &'static str,
    ) -> Self {
        Self {
            data,
            pos: 0,
            src,
            depth: 0,
            max_depth,
            format,
        }
    }

    pub(crate) fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    pub(crate) fn truncated(&self) -> DecodeError {
        DecodeError::Truncated {
            format: self.format,
        }
    }

    pub(crate) fn peek(&self) -> Result<u8, DecodeError> {
        self.data
            .get(self.pos)
            .copied()
            .ok_or_else(|| self.truncated())
    }

    pub(crate) fn u8(&mut self) -> Result<u8, DecodeError> {
        let b = self.peek()?;
        self.pos += 1;
        Ok(b)
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.remaining() {
            return Err(self.truncated());
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    pub(crate) fn be_u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    pub(crate) fn be_u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    pub(crate) fn be_u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// A length from the input, checked against what is left before anything is allocated.
    pub(crate) fn len_within(&self, n: u64) -> Result<usize, DecodeError> {
        match usize::try_from(n) {
            Ok(n) if n <= self.remaining() => Ok(n),
            _ => Err(self.truncated()),
        }
    }

    pub(crate) fn bytes(&mut self, n: usize) -> Result<Bytes, DecodeError> {
        let start = self.pos;
        let s = self.take(n)?;
        Ok(match self.src {
            Some(b) => b.slice(start..start + n),
            None => Bytes::copy_from_slice(s),
        })
    }

    pub(crate) fn string(&mut self, n: usize) -> Result<String, DecodeError> {
        let s = self.take(n)?;
        simdutf8::basic::from_utf8(s)
            .map(str::to_owned)
            .map_err(|_| DecodeError::InvalidUtf8 {
                format: self.format,
            })
    }

    pub(crate) fn enter(&mut self) -> Result<(), DecodeError> {
        self.depth += 1;
        if self.depth > self.max_depth {
            return Err(DecodeError::TooDeep {
                format: self.format,
                limit: self.max_depth,
            });
        }
        Ok(())
    }

    pub(crate) fn leave(&mut self) {
        self.depth -= 1;
    }

    pub(crate) fn finish(&self) -> Result<(), DecodeError> {
        match self.remaining() {
            0 => Ok(()),
            count => Err(DecodeError::TrailingBytes {
                format: self.format,
                count,
            }),
        }
    }
}
