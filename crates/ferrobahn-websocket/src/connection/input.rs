//! The read buffer: how much each read offers and where its bytes land.
//!
//! Payloads leave `in_buf` as `Bytes` that share its allocation (no copy),
//! so while the application holds them (an echo reply waiting to be
//! written) the allocation cannot be reused. A frame whose first bytes sit
//! in such an allocation and whose rest does not fit after them has to be
//! copied to a new one. Two rules keep that rare:
//!
//! - a read never offers more than fits, and when the rest of a frame
//!   whose start is long (not cheap to copy) fits in the buffer, the read
//!   goes there in place;
//! - reads are cut where frames of the size of the last data frame would
//!   end (`frame_hint`, for frames of [`LARGE_FRAME`] bytes or more), and a
//!   new allocation is sized to such a boundary. Peers that send messages of
//!   one size (most do) then never have a frame split across two buffers:
//!   each buffer is handed out whole as payloads. A frame of another size
//!   costs at most one copy of the part read before its header was seen.

use std::mem::MaybeUninit;
use std::time::Instant;

use bytes::BytesMut;

use super::Connection;

/// Most payload bytes a read offers at once while a large frame is arriving.
const MAX_READ_CHUNK: usize = 1 << 20;
/// The longest frame header: 2 bytes, an 8-byte length, a 4-byte mask key.
const MAX_HEADER: usize = 14;
/// Frames this long or longer (header included) set where reads are cut;
/// a shorter frame split across two buffers costs a copy too small to matter.
const LARGE_FRAME: usize = 4 << 10;

impl Connection {
    /// Copies `data` in and processes it.
    pub fn feed(&mut self, now: Instant, data: &[u8]) {
        let mut rest = data;
        while !rest.is_empty() {
            let spare = self.read_buf();
            let n = spare.len().min(rest.len());
            spare[..n].copy_from_slice(&rest[..n]);
            rest = &rest[n..];
            self.commit_read(now, n);
        }
    }

    /// Space to read transport bytes into, without a copy. It starts at
    /// [`Config::min_read_buffer`](crate::Config::min_read_buffer) bytes and
    /// doubles each time a read fills it, up to
    /// [`Config::read_buffer_size`](crate::Config::read_buffer_size) (more
    /// while a large frame is arriving, and cut to where frames of the size
    /// of the last one would end). Call [`commit_read`](Self::commit_read)
    /// with the number of bytes read.
    pub fn read_buf(&mut self) -> &mut [u8] {
        let offer = self.prepare_read();
        let end = self.filled + offer;
        if self.in_buf.len() < end {
            self.in_buf.resize(end, 0);
        }
        self.last_offer = offer;
        &mut self.in_buf[self.filled..end]
    }

    /// [`read_buf`](Self::read_buf) without zeroing: space to read into that
    /// may hold uninitialised memory, for transports that can read into it
    /// (tokio's `ReadBuf`). Zeroing the space before each large read costs a
    /// pass over the memory per message (a `memset` of 1 MiB per 1 MiB
    /// message). Commit with [`commit_read_uninit`](Self::commit_read_uninit).
    pub fn read_buf_uninit(&mut self) -> &mut [MaybeUninit<u8>] {
        // Zeroed space lent out by `read_buf` is given up: the bytes past
        // `filled` are no longer taken to be initialised.
        self.in_buf.truncate(self.filled);
        let offer = self.prepare_read();
        self.last_offer = offer;
        &mut self.in_buf.spare_capacity_mut()[..offer]
    }

    /// Takes `n` bytes read into [`read_buf_uninit`](Self::read_buf_uninit)
    /// and processes them (`n` beyond that space is cut to it).
    ///
    /// # Safety
    /// The first `n` bytes of the space the last `read_buf_uninit` call
    /// returned must have been initialised (written), and no other input
    /// call may have come between the two.
    #[allow(unsafe_code)]
    pub unsafe fn commit_read_uninit(&mut self, now: Instant, n: usize) {
        let n = n
            .min(self.last_offer)
            .min(self.in_buf.capacity() - self.in_buf.len());
        // SAFETY: the caller guarantees that the first `n` bytes of the spare
        // capacity (starting at `len == filled`, set by `read_buf_uninit`)
        // were written, and `n` is within the capacity.
        unsafe { self.in_buf.set_len(self.in_buf.len() + n) };
        self.commit_read(now, n);
    }

    /// Takes `n` bytes written into [`read_buf`](Self::read_buf) and processes them.
    pub fn commit_read(&mut self, now: Instant, n: usize) {
        self.filled = (self.filled + n).min(self.in_buf.len());
        self.now = now;
        if n > 0 {
            if n >= self.last_offer && self.read_size < self.config.read_buffer_size {
                self.read_size = (self.read_size * 2).min(self.config.read_buffer_size);
            }
            if self.config.auto_ping_restart_on_traffic {
                self.restart_auto_ping(now);
            }
            if let Some(idle) = self.config.idle_buffer_release {
                self.timers.set(super::Timer::ReleaseBuffers, now + idle);
            }
            // The first input since the transport ran dry: busy if it came soon.
            if let Some(drained) = self.drained_at.take() {
                self.busy = now.saturating_duration_since(drained) < self.config.busy_input_gap;
            }
        }
        self.process(now);
    }

    /// Bytes of the frame in progress that have not arrived yet.
    fn frame_rest(&self) -> usize {
        self.frame
            .as_ref()
            .map_or(0, |f| f.len.saturating_sub(self.filled))
    }

    /// Makes room for the next read and returns how many bytes it offers
    /// (at least one). Bytes past `filled` may be dropped.
    fn prepare_read(&mut self) -> usize {
        let rest = self.frame_rest();
        let spare = self.in_buf.capacity() - self.filled;
        let want = self.read_want(rest);
        // Room for a full read, or for the rest of a frame whose start is
        // too long to copy cheaply: read in place.
        if want <= spare || (rest > 0 && rest <= spare && self.filled >= LARGE_FRAME) {
            return self.cut(spare);
        }
        let offer = self.cut(want);
        self.in_buf.truncate(self.filled);
        if rest > offer {
            // A frame longer than one read chunk: grow by doubling, so
            // that a 16 MiB frame is not copied once per chunk.
            self.in_buf.reserve(offer);
        } else if !self.in_buf.try_reclaim(offer) {
            // The allocation is still shared with payloads handed out: a
            // new one, sized to end at a frame boundary, takes the few
            // bytes of the frame (or header) that have arrived.
            let mut fresh = BytesMut::with_capacity(self.filled + offer);
            fresh.extend_from_slice(&self.in_buf);
            self.in_buf = fresh;
        }
        offer
    }

    /// How many bytes the next read should offer when it needs a new
    /// buffer: the read size, more for the rest of a large frame (up to
    /// [`MAX_READ_CHUNK`]) or, between frames, for one frame of the size of
    /// the last one.
    fn read_want(&self, rest: usize) -> usize {
        let large = if rest > 0 {
            rest.min(MAX_READ_CHUNK)
        } else if self.frame_hint >= LARGE_FRAME {
            self.frame_hint.min(MAX_READ_CHUNK + MAX_HEADER)
        } else {
            0
        };
        self.read_size.max(large).max(1)
    }

    /// The longest read of at most `limit` bytes that ends where the frame
    /// in progress or a following frame of `frame_hint` bytes would end;
    /// `limit` when there is none (or the last frame was small).
    fn cut(&self, limit: usize) -> usize {
        let limit = limit.max(1);
        if self.frame_hint < LARGE_FRAME {
            return limit;
        }
        // Offsets from the start of `in_buf`: the frame in progress ends at
        // `current_end` (0 between frames: `in_buf` starts at a header).
        let current_end = self.frame.as_ref().map_or(0, |f| f.len);
        let limit_end = self.filled + limit;
        if limit_end < current_end {
            return limit;
        }
        let frames = (limit_end - current_end) / self.frame_hint;
        let end = current_end + frames * self.frame_hint;
        if end > self.filled {
            end - self.filled
        } else {
            limit
        }
    }
}
