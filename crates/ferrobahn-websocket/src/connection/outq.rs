//! The outgoing side's buffer: frame bytes in one `Vec`, with large
//! payloads that need no masking queued as shared [`Bytes`] between them
//! (no copy), written out with vectored writes.

use std::io::IoSlice;

use bytes::{Buf, Bytes};

use super::{Connection, OUT_SHRINK_ABOVE};

/// Payloads at least this large are queued without a copy when they need
/// no masking or encoding (smaller ones are cheaper to copy than to track).
pub(super) const SHARE_MIN: usize = 8 << 10;

impl Connection {
    /// The first contiguous run of bytes waiting to be written (empty when
    /// nothing waits). Large payloads are queued without a copy, so more
    /// may follow once this run is written: write it, call
    /// [`advance_transmit`](Self::advance_transmit), and repeat until it is
    /// empty, or use [`transmit_slices`](Self::transmit_slices) for a
    /// vectored write. [`transmit_len`](Self::transmit_len) is the total.
    #[must_use]
    pub fn transmit_buf(&self) -> &[u8] {
        match self.shared.front() {
            Some((at, _)) if *at > self.out_pos => &self.out[self.out_pos..*at],
            Some((_, payload)) => payload,
            None => &self.out[self.out_pos..],
        }
    }

    /// How many bytes wait to be written, in all runs.
    #[must_use]
    pub fn transmit_len(&self) -> usize {
        self.out.len() - self.out_pos + self.shared_len
    }

    /// Fills `dst` with the runs of bytes waiting to be written, in order,
    /// for one vectored write; returns how many slices it filled (0 when
    /// nothing waits). Call [`advance_transmit`](Self::advance_transmit)
    /// with the number of bytes written.
    pub fn transmit_slices<'a>(&'a self, dst: &mut [IoSlice<'a>]) -> usize {
        let mut n = 0;
        let mut pos = self.out_pos;
        let mut put = |run: &'a [u8], n: &mut usize| {
            if !run.is_empty() && *n < dst.len() {
                dst[*n] = IoSlice::new(run);
                *n += 1;
            }
        };
        for (at, payload) in &self.shared {
            put(&self.out[pos..*at], &mut n);
            put(payload, &mut n);
            pos = *at;
        }
        put(&self.out[pos..], &mut n);
        n
    }

    /// Marks the first `n` bytes waiting (across runs) as written.
    pub fn advance_transmit(&mut self, mut n: usize) {
        while n > 0 {
            match self.shared.front_mut() {
                Some((at, _)) if *at > self.out_pos => {
                    let k = n.min(*at - self.out_pos);
                    self.out_pos += k;
                    n -= k;
                }
                Some((_, payload)) => {
                    let k = n.min(payload.len());
                    payload.advance(k);
                    self.shared_len -= k;
                    n -= k;
                    if payload.is_empty() {
                        self.shared.pop_front();
                    }
                }
                None => {
                    self.out_pos = (self.out_pos + n).min(self.out.len());
                    n = 0;
                }
            }
        }
        if self.shared.is_empty() && self.out_pos == self.out.len() {
            self.out.clear();
            self.out_pos = 0;
            if self.out.capacity() > OUT_SHRINK_ABOVE {
                self.out = Vec::new();
            }
        }
        self.check_drained();
    }

    /// Queues `payload` after everything queued so far, without a copy.
    pub(super) fn push_shared(&mut self, payload: Bytes) {
        if payload.is_empty() {
            return;
        }
        self.shared_len += payload.len();
        self.shared.push_back((self.out.len(), payload));
    }

    /// Forgets everything waiting to be written.
    pub(super) fn discard_transmit(&mut self) {
        self.out = Vec::new();
        self.out_pos = 0;
        self.shared.clear();
        self.shared_len = 0;
    }

    /// Drops already-written bytes from the front of the write buffer once
    /// they are the larger part of it.
    pub(super) fn compact_out(&mut self) {
        if self.out_pos > 0 && self.out_pos * 2 >= self.out.len() {
            self.out.drain(..self.out_pos);
            for (at, _) in &mut self.shared {
                *at -= self.out_pos;
            }
            self.out_pos = 0;
        }
    }
}
