//! The sans-IO connection: [`Connection`].

mod close;
mod input;
mod outq;
mod recv;
mod send;
mod shared;
mod stream;
mod timer;

pub use shared::{SharedFrame, FRAME_HEADROOM};

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_idle;
#[cfg(test)]
mod tests_input;
#[cfg(test)]
mod tests_outq;
#[cfg(test)]
mod tests_read;
#[cfg(test)]
mod tests_stream;

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use ferrobahn_frame::Utf8Validator;

use crate::rng::MaskRng;
use crate::PerMessageCodec;
use crate::{Closed, Config, Event, State};

use self::recv::{Assembly, InFrame};
use self::stream::OutMessage;
use self::timer::{Timer, TimerTable};

/// Which end of the connection this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The end that sent the opening handshake; masks its frames.
    Client,
    /// The end that accepted the opening handshake.
    Server,
}

/// Once the write buffer has been drained, a capacity above this is released.
const OUT_SHRINK_ABOVE: usize = 8 << 20;

/// A WebSocket connection after the opening handshake, as a state machine.
///
/// It owns no socket, task or clock. The methods fall in four groups
/// (the grouping of quinn-proto's `Connection`):
///
/// - **input**: [`feed`](Self::feed) (or [`read_buf`](Self::read_buf) +
///   [`commit_read`](Self::commit_read) to read without a copy),
///   [`feed_eof`](Self::feed_eof), [`handle_timeout`](Self::handle_timeout);
/// - **commands**: [`send`](Self::send), [`send_text`](Self::send_text),
///   [`send_binary`](Self::send_binary), [`ping`](Self::ping),
///   [`pong`](Self::pong), [`close`](Self::close), [`abort`](Self::abort);
/// - **output**: [`transmit_buf`](Self::transmit_buf) (or
///   [`transmit_slices`](Self::transmit_slices) for a vectored write) +
///   [`advance_transmit`](Self::advance_transmit),
///   [`poll_timeout`](Self::poll_timeout), [`poll_event`](Self::poll_event);
/// - **getters**: [`state`](Self::state), [`wants_read`](Self::wants_read),
///   [`should_close_transport`](Self::should_close_transport), ...
///
/// After every input or command call, the owner writes out
/// `transmit_buf()` (calling `advance_transmit` with what was written, and
/// again until it is empty: a large payload sent as `Bytes` is queued as a
/// run of its own, without a copy),
/// re-arms its timer from `poll_timeout()`, then drains `poll_event()`.
/// When [`should_close_transport`](Self::should_close_transport) is true and
/// `transmit_buf()` is empty, it shuts the transport down.
///
/// Pongs to pings and the reply to a close frame are queued automatically
/// and still reported as events. Peer input never panics: every violation
/// fails the connection with the close code RFC 6455 asks for (1002, 1007,
/// 1009), followed by a single [`Event::Closed`].
#[derive(Debug)]
pub struct Connection {
    role: Role,
    /// Shared by the connections of a server (`Arc`): a connection holds a pointer.
    config: Arc<Config>,
    state: State,
    rng: MaskRng,
    timers: TimerTable,
    /// The latest time given to an input call; frames buffered then are
    /// processed under it when `poll_event` pulls them.
    now: Instant,
    events: VecDeque<Event>,
    codec: Option<Box<dyn PerMessageCodec>>,
    // --- input ---
    /// `in_buf[..filled]` holds received bytes; the rest is zeroed space
    /// that `read_buf` lends out.
    in_buf: BytesMut,
    filled: usize,
    /// Reading pauses while more than this waits to be written (see
    /// `wants_read`; set from the config and the role).
    read_limit: usize,
    /// How much `read_buf` offers now (grows while reads fill it).
    read_size: usize,
    /// How much the last `read_buf` call offered.
    last_offer: usize,
    /// Header + payload length of the last data frame: reads are cut where
    /// frames of this size would end (see `input.rs`).
    frame_hint: usize,
    frame: Option<InFrame>,
    assembly: Option<Assembly>,
    /// The time of the last input when the transport last ran dry (taken by
    /// the next input, which sets `busy`).
    drained_at: Option<Instant>,
    /// The input after the last drain came within
    /// [`Config::busy_input_gap`]: `read_drained` keeps the buffers.
    busy: bool,
    utf8: Utf8Validator,
    // --- output ---
    /// Frame bytes to write, from `out_pos` on; payloads queued without a
    /// copy sit between them in `shared` (see `outq.rs`).
    out: Vec<u8>,
    out_pos: usize,
    /// `(offset in out, payload)`: each payload goes out after
    /// `out[..offset]`, in order.
    shared: VecDeque<(usize, Bytes)>,
    /// Bytes still held in `shared`.
    shared_len: usize,
    // --- closing ---
    close_sent: bool,
    close_transport: bool,
    /// The transport reached end of file.
    eof: bool,
    /// A client's result of a finished closing handshake, reported once the
    /// server drops the connection.
    /// (Boxed, like the other rarely set state: small idle connections.)
    pending_closed: Option<Box<Closed>>,
    /// Payload of an automatic ping awaiting its pong.
    ping_outstanding: Option<Vec<u8>>,
    // --- frame-level and streaming API, flow control, latency ---
    /// Received messages are delivered in streaming mode.
    streaming: bool,
    /// A message being sent frame by frame.
    out_msg: Option<OutMessage>,
    /// A frame begun with a declared length is incomplete: control frames
    /// go to `deferred` meanwhile.
    mid_frame: bool,
    deferred: Vec<u8>,
    /// A send found the outgoing buffer full: report `Drained` later.
    want_drain: bool,
    dropped: u64,
    /// The last ping sent (payload, when) and the last measured round trip.
    rtt_probe: Option<Box<(Vec<u8>, Instant)>>,
    last_rtt: Option<Duration>,
}

impl Connection {
    /// A connection in the open state. `entropy` seeds the mask key
    /// generator unless [`Config::rng_seed`] is set; runtime shells pass
    /// fresh random bytes.
    ///
    /// `config` is a [`Config`] or an `Arc<Config>`; servers pass one `Arc`
    /// to all their connections so each holds a pointer, not a copy.
    pub fn new(role: Role, config: impl Into<Arc<Config>>, now: Instant, entropy: u64) -> Self {
        let config: Arc<Config> = config.into();
        let rng = MaskRng::new(config.rng_seed.unwrap_or(entropy));
        let read_size = config
            .min_read_buffer
            .clamp(1, config.read_buffer_size.max(1));
        let read_limit = match role {
            Role::Server => config.read_pause_outgoing.min(config.max_outgoing_buffer),
            Role::Client => config.max_outgoing_buffer,
        };
        let mut conn = Self {
            role,
            config,
            state: State::Open,
            rng,
            timers: TimerTable::default(),
            now,
            events: VecDeque::new(),
            codec: None,
            in_buf: BytesMut::new(),
            filled: 0,
            read_limit,
            read_size,
            last_offer: 0,
            frame_hint: 0,
            frame: None,
            assembly: None,
            drained_at: None,
            busy: false,
            utf8: Utf8Validator::new(),
            out: Vec::new(),
            out_pos: 0,
            shared: VecDeque::new(),
            shared_len: 0,
            close_sent: false,
            close_transport: false,
            eof: false,
            pending_closed: None,
            ping_outstanding: None,
            streaming: false,
            out_msg: None,
            mid_frame: false,
            deferred: Vec::new(),
            want_drain: false,
            dropped: 0,
            rtt_probe: None,
            last_rtt: None,
        };
        conn.streaming = conn.config.streaming;
        conn.restart_auto_ping(now);
        conn
    }

    /// Installs the codec of a negotiated per-message extension.
    #[must_use]
    pub fn with_codec(mut self, codec: Box<dyn PerMessageCodec>) -> Self {
        self.codec = Some(codec);
        self
    }

    /// The options this connection was made with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The state of the closing handshake.
    pub fn state(&self) -> State {
        self.state
    }

    /// Client or server.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Whether the owner should read from the transport now: false once the
    /// connection is closed, and while more than
    /// [`Config::max_outgoing_buffer`] bytes (for a server
    /// [`Config::read_pause_outgoing`], if lower) wait to be written
    /// (backpressure against a peer that sends but does not read).
    pub fn wants_read(&self) -> bool {
        !self.close_transport && !self.read_paused()
    }

    /// More bytes wait to be written than reading goes on with: above
    /// [`Config::max_outgoing_buffer`], or for a server
    /// [`Config::read_pause_outgoing`].
    #[inline]
    fn read_paused(&self) -> bool {
        self.pending_out() > self.read_limit
    }

    /// Bytes waiting to be written, control frames deferred behind a
    /// frame in progress included.
    #[inline]
    fn pending_out(&self) -> usize {
        self.transmit_len() + self.deferred.len()
    }

    /// More than [`Config::max_outgoing_buffer`] bytes wait to be written.
    fn outgoing_over_limit(&self) -> bool {
        self.pending_out() > self.config.max_outgoing_buffer
    }

    /// True when the transport should be shut down once
    /// [`transmit_buf`](Self::transmit_buf) is drained: a server after the
    /// closing handshake, a client once the server dropped the connection or
    /// the drop timeout fired, either side after failing the connection.
    pub fn should_close_transport(&self) -> bool {
        self.close_transport
    }

    /// True once [`Event::Closed`] has been queued.
    pub fn is_closed(&self) -> bool {
        self.state == State::Closed
    }

    /// The earliest deadline at which [`handle_timeout`](Self::handle_timeout)
    /// must be called.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.next_timeout()
    }

    /// The next event, if any.
    ///
    /// Received bytes are parsed lazily, one event at a time: a frame that
    /// follows a complete message is only looked at once that message has
    /// been taken from here. So a reply the application sends to a message
    /// goes out before the close frame of a protocol error that came right
    /// behind it in the same read, as if each frame had arrived on its own.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        if self.events.is_empty() {
            self.process(self.now);
            if self.events.is_empty() && self.eof {
                self.apply_eof();
            }
        }
        self.events.pop_front()
    }

    /// Processes expired deadlines.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.now = now;
        let fired: Vec<Timer> = self.timers.expired(now).collect();
        for timer in fired {
            match timer {
                Timer::CloseHandshake => self.close_handshake_timed_out(),
                Timer::ServerDrop => self.server_drop_timed_out(),
                Timer::AutoPing => self.send_auto_ping(now),
                Timer::ReleaseBuffers => self.release_buffers(),
                Timer::SlowReader => {
                    if self.want_drain || self.read_paused() {
                        self.drop_slow_reader();
                    }
                }
                Timer::AutoPingTimeout => {
                    tracing::debug!("auto-ping timed out");
                    self.fail(crate::ProtocolError::PingTimeout);
                }
            }
        }
    }

    /// Frees the read and write buffers if they hold nothing, and starts
    /// the read buffer small again. Runs by itself after
    /// [`Config::idle_buffer_release`]; runtime shells may call it whenever
    /// a connection goes idle. The connection is no longer busy (see
    /// [`Config::busy_input_gap`]): buffers made afterwards, e.g. for the
    /// next read attempt, are freed again when the transport runs dry.
    pub fn release_buffers(&mut self) {
        self.busy = false;
        if self.filled == 0 && self.frame.is_none() {
            self.in_buf = BytesMut::new();
            self.frame_hint = 0;
            self.read_size = self
                .config
                .min_read_buffer
                .clamp(1, self.config.read_buffer_size.max(1));
        }
        if self.transmit_len() == 0 {
            self.out = Vec::new();
            self.out_pos = 0;
        }
    }

    /// Tells the connection that the transport has nothing more to read for
    /// now (the shell's read would block). Read and write buffers that hold
    /// no bytes and are small (at most twice the starting read size,
    /// [`Config::min_read_buffer`]) are freed at once, so an idle connection
    /// holds none; the next [`read_buf`](Self::read_buf) or send makes new
    /// ones. Larger buffers (a busy connection's) are kept until
    /// [`Config::idle_buffer_release`] frees them, except an empty read
    /// buffer larger than [`Config::read_buffer_size`] (made for a large
    /// frame); with that option `None` this does nothing. A busy connection
    /// (input within [`Config::busy_input_gap`] of the input before it)
    /// keeps its small buffers too.
    pub fn read_drained(&mut self) {
        if self.config.idle_buffer_release.is_none() {
            return;
        }
        self.drained_at = Some(self.now);
        let start = self
            .config
            .min_read_buffer
            .clamp(1, self.config.read_buffer_size.max(1));
        let small = start.saturating_mul(2);
        let capacity = self.in_buf.capacity();
        // An empty buffer made for a large frame that has not come is freed
        // too: it is the size of the last frame, and that could be 1 MiB.
        if self.filled == 0
            && self.frame.is_none()
            && ((!self.busy && self.read_size <= start && capacity <= small)
                || capacity > self.config.read_buffer_size)
        {
            self.in_buf = BytesMut::new();
        }
        if !self.busy && self.transmit_len() == 0 && self.out.capacity() <= small {
            self.out = Vec::new();
            self.out_pos = 0;
        }
    }

    /// Bytes held by the read and write buffers (their capacity).
    pub fn buffered_capacity(&self) -> usize {
        self.in_buf.capacity() + self.out.capacity() + self.shared_len
    }

    /// Arms the next automatic ping, if configured and none is outstanding.
    fn restart_auto_ping(&mut self, now: Instant) {
        if let (Some(interval), None) = (self.config.auto_ping_interval, &self.ping_outstanding) {
            if self.state == State::Open {
                self.timers.set(Timer::AutoPing, now + interval);
            }
        }
    }

    fn send_auto_ping(&mut self, now: Instant) {
        if self.state != State::Open || self.ping_outstanding.is_some() {
            return;
        }
        let size = self.config.auto_ping_size.clamp(4, 125);
        let mut payload = Vec::with_capacity(size);
        while payload.len() < size {
            let word = self.rng.next_u64().to_le_bytes();
            let take = (size - payload.len()).min(8);
            payload.extend_from_slice(&word[..take]);
        }
        self.write_frame(ferrobahn_frame::OpCode::Ping, true, 0, &payload);
        if let Some(timeout) = self.config.auto_ping_timeout {
            self.timers.set(Timer::AutoPingTimeout, now + timeout);
        }
        self.rtt_probe = Some(Box::new((payload.clone(), now)));
        self.ping_outstanding = Some(payload);
        if let Some(interval) = self.config.auto_ping_interval {
            self.timers.set(Timer::AutoPing, now + interval);
        }
    }
}
