//! Protocol options of a connection, named after AutobahnPython's.

use std::time::Duration;

/// Protocol options for one [`Connection`](crate::Connection).
///
/// The defaults are safe for servers facing the Internet. Every limit has a
/// setter; the AutobahnPython option each field corresponds to is named in
/// its documentation.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Largest accepted frame payload in bytes (`maxFramePayloadSize`).
    /// A larger frame fails the connection with close code 1009.
    pub max_frame_payload: usize,
    /// Largest accepted message payload in bytes (`maxMessagePayloadSize`).
    /// A larger message fails the connection with close code 1009.
    pub max_message_payload: usize,
    /// Most frames one message may be split into; more fail the connection
    /// with close code 1009.
    pub max_fragments: usize,
    /// Split outgoing messages into frames of at most this many payload
    /// bytes (`autoFragmentSize`); 0 turns auto-fragmentation off.
    pub auto_fragment_size: usize,
    /// Validate that incoming text messages are UTF-8, failing fast at the
    /// first bad byte with close code 1007 (`utf8validateIncoming`).
    pub utf8_validate_incoming: bool,
    /// Apply masks (`applyMask`). When false, mask keys are still sent and
    /// expected but the payload is not XORed: for testing only.
    pub apply_mask: bool,
    /// A client masks the frames it sends (`maskClientFrames`).
    pub mask_client_frames: bool,
    /// A server masks the frames it sends (`maskServerFrames`).
    pub mask_server_frames: bool,
    /// A server fails the connection on unmasked client frames
    /// (`requireMaskedClientFrames`).
    pub require_masked_client_frames: bool,
    /// A client accepts masked frames from the server
    /// (`acceptMaskedServerFrames`).
    pub accept_masked_server_frames: bool,
    /// On a protocol violation, drop the connection without sending a close
    /// frame first (`failByDrop`).
    pub fail_by_drop: bool,
    /// Reply to a close frame with the peer's own code and reason instead of
    /// 1000 and an empty reason (`echoCloseCodeReason`).
    pub echo_close_code_reason: bool,
    /// How long to wait for the peer's close frame after sending ours
    /// (`closeHandshakeTimeout`).
    pub close_handshake_timeout: Option<Duration>,
    /// How long a client waits for the server to drop the TCP connection
    /// after the closing handshake (`serverConnectionDropTimeout`).
    pub server_connection_drop_timeout: Option<Duration>,
    /// Send a ping after this long without traffic from the peer
    /// (`autoPingInterval`).
    pub auto_ping_interval: Option<Duration>,
    /// Drop the connection when a ping is not answered within this time
    /// (`autoPingTimeout`).
    pub auto_ping_timeout: Option<Duration>,
    /// Payload size of automatic pings, 4 to 125 bytes (`autoPingSize`).
    pub auto_ping_size: usize,
    /// When more than this many bytes wait to be written,
    /// [`Connection::wants_read`](crate::Connection::wants_read) turns false
    /// so the shell stops reading from a peer that does not read from us.
    pub max_outgoing_buffer: usize,
    /// A server stops reading while more than this many bytes wait to be
    /// written (the peer is not reading them fast enough), and reads on once
    /// they are written down to it: the peer's next messages wait in the
    /// transport's buffers instead of in memory as queued replies (an echo
    /// server with 8 messages of 1 MiB in flight otherwise holds all 8).
    /// Unlike [`Config::max_outgoing_buffer`], sends are not refused and no
    /// timeout is armed. Clients ignore it (they read on up to
    /// [`Config::max_outgoing_buffer`]): a client whose own sends wait would
    /// otherwise stop reading the replies of a server that waits for it.
    /// Default 1 MiB; `usize::MAX` turns it off.
    pub read_pause_outgoing: usize,
    /// The most bytes [`Connection::read_buf`](crate::Connection::read_buf)
    /// offers for one read (more only while a large frame is arriving). The
    /// read buffer starts at [`Config::min_read_buffer`] and doubles each time
    /// a read fills it, up to this size.
    pub read_buffer_size: usize,
    /// The size the read buffer starts at, and shrinks back to when idle.
    pub min_read_buffer: usize,
    /// Release the read and write buffers after this long without input,
    /// so idle connections hold almost no memory. `None` keeps them. While
    /// it is set, a read buffer that has not grown past
    /// [`Config::min_read_buffer`] is also released as soon as the transport
    /// has nothing more to read (see
    /// [`Connection::read_drained`](crate::Connection::read_drained)).
    pub idle_buffer_release: Option<Duration>,
    /// Input that comes within this time of the input before it (the
    /// transport having run dry in between) marks the connection busy: its
    /// small buffers are then kept when the transport runs dry, until
    /// [`Config::idle_buffer_release`] frees them, instead of being freed and
    /// made anew for every message. `Duration::ZERO` frees them whenever the
    /// transport runs dry. Default 10 ms.
    pub busy_input_gap: Duration,
    /// Seed for the mask key generator; `None` uses the entropy given to
    /// [`Connection::new`](crate::Connection::new).
    pub rng_seed: Option<u64>,
    /// Deliver data frames piece by piece as they arrive
    /// ([`Event::MessageBegin`](crate::Event::MessageBegin),
    /// [`Event::FrameBegin`](crate::Event::FrameBegin),
    /// [`Event::FrameData`](crate::Event::FrameData),
    /// [`Event::FrameEnd`](crate::Event::FrameEnd),
    /// [`Event::MessageEnd`](crate::Event::MessageEnd)) instead of as whole
    /// [`Event::Message`](crate::Event::Message)s: AutobahnPython's frame-
    /// and streaming-based receive API. Default false (message mode); see
    /// also [`Connection::set_streaming`](crate::Connection::set_streaming).
    pub streaming: bool,
    /// What a data send does while more than
    /// [`Config::max_outgoing_buffer`] bytes wait to be written. Default
    /// [`SlowReader::Wait`].
    pub slow_reader: SlowReader,
    /// Drop the connection when the outgoing buffer, once found full (by a
    /// send, or by replies to a peer that sends but does not read, when
    /// reading stops), does not drain to half of
    /// [`Config::max_outgoing_buffer`] within this time. Default 60 s;
    /// `None` waits forever.
    pub slow_reader_timeout: Option<Duration>,
    /// For async shells: how long a waiting send from another task (a
    /// `Sender` of `ferrobahn-rt`, whose commands queue in a bounded
    /// channel) may wait for room. When it expires the send fails with a
    /// timeout error and the connection is dropped without a close frame (a
    /// peer that does not read would never get one). Default 30 s; `None`
    /// waits forever. The sans-IO connection itself does not use it.
    pub send_timeout: Option<Duration>,
    /// Any received byte postpones the next automatic ping
    /// (`autoPingRestartOnAnyTraffic`). Default true; false pings every
    /// [`Config::auto_ping_interval`] regardless of traffic.
    pub auto_ping_restart_on_traffic: bool,
}

/// What a connection does with a data send while its outgoing buffer is
/// above [`Config::max_outgoing_buffer`] (the peer reads slower than we
/// write).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SlowReader {
    /// Refuse the send with [`SendError::Full`](crate::SendError::Full);
    /// async shells wait for the buffer to drain instead. An
    /// [`Event::Drained`](crate::Event::Drained) follows once it is at most
    /// half full.
    #[default]
    Wait,
    /// Drop the message (counted by
    /// [`Connection::dropped_messages`](crate::Connection::dropped_messages));
    /// streamed messages are refused as with `Wait`.
    Drop,
    /// Drop the connection at once, without a close frame
    /// ([`ProtocolError::SlowReader`](crate::ProtocolError::SlowReader)).
    Close,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            max_frame_payload: 16 << 20,
            max_message_payload: 64 << 20,
            max_fragments: 100_000,
            auto_fragment_size: 0,
            utf8_validate_incoming: true,
            apply_mask: true,
            mask_client_frames: true,
            mask_server_frames: false,
            require_masked_client_frames: true,
            accept_masked_server_frames: false,
            fail_by_drop: false,
            echo_close_code_reason: false,
            close_handshake_timeout: Some(Duration::from_secs(5)),
            server_connection_drop_timeout: Some(Duration::from_secs(1)),
            auto_ping_interval: None,
            auto_ping_timeout: None,
            auto_ping_size: 4,
            max_outgoing_buffer: 16 << 20,
            read_pause_outgoing: 1 << 20,
            read_buffer_size: 64 << 10,
            min_read_buffer: 512,
            idle_buffer_release: Some(Duration::from_secs(1)),
            busy_input_gap: Duration::from_millis(10),
            rng_seed: None,
            streaming: false,
            slow_reader: SlowReader::Wait,
            slow_reader_timeout: Some(Duration::from_secs(60)),
            send_timeout: Some(Duration::from_secs(30)),
            auto_ping_restart_on_traffic: true,
        }
    }
}

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident: $field:ident: $ty:ty;)*) => {
        $(
            $(#[$doc])*
            #[must_use]
            pub fn $name(mut self, value: $ty) -> Self {
                self.$field = value;
                self
            }
        )*
    };
}

impl Config {
    /// The default options.
    pub fn new() -> Self {
        Self::default()
    }

    setters! {
        /// Sets [`Config::max_frame_payload`].
        with_max_frame_payload: max_frame_payload: usize;
        /// Sets [`Config::max_message_payload`].
        with_max_message_payload: max_message_payload: usize;
        /// Sets [`Config::max_fragments`].
        with_max_fragments: max_fragments: usize;
        /// Sets [`Config::auto_fragment_size`].
        with_auto_fragment_size: auto_fragment_size: usize;
        /// Sets [`Config::utf8_validate_incoming`].
        with_utf8_validate_incoming: utf8_validate_incoming: bool;
        /// Sets [`Config::apply_mask`].
        with_apply_mask: apply_mask: bool;
        /// Sets [`Config::mask_client_frames`].
        with_mask_client_frames: mask_client_frames: bool;
        /// Sets [`Config::mask_server_frames`].
        with_mask_server_frames: mask_server_frames: bool;
        /// Sets [`Config::require_masked_client_frames`].
        with_require_masked_client_frames: require_masked_client_frames: bool;
        /// Sets [`Config::accept_masked_server_frames`].
        with_accept_masked_server_frames: accept_masked_server_frames: bool;
        /// Sets [`Config::fail_by_drop`].
        with_fail_by_drop: fail_by_drop: bool;
        /// Sets [`Config::echo_close_code_reason`].
        with_echo_close_code_reason: echo_close_code_reason: bool;
        /// Sets [`Config::close_handshake_timeout`].
        with_close_handshake_timeout: close_handshake_timeout: Option<Duration>;
        /// Sets [`Config::server_connection_drop_timeout`].
        with_server_connection_drop_timeout: server_connection_drop_timeout: Option<Duration>;
        /// Sets [`Config::auto_ping_interval`].
        with_auto_ping_interval: auto_ping_interval: Option<Duration>;
        /// Sets [`Config::auto_ping_timeout`].
        with_auto_ping_timeout: auto_ping_timeout: Option<Duration>;
        /// Sets [`Config::auto_ping_size`] (clamped to 4..=125 when used).
        with_auto_ping_size: auto_ping_size: usize;
        /// Sets [`Config::max_outgoing_buffer`].
        with_max_outgoing_buffer: max_outgoing_buffer: usize;
        /// Sets [`Config::read_pause_outgoing`].
        with_read_pause_outgoing: read_pause_outgoing: usize;
        /// Sets [`Config::read_buffer_size`].
        with_read_buffer_size: read_buffer_size: usize;
        /// Sets [`Config::min_read_buffer`].
        with_min_read_buffer: min_read_buffer: usize;
        /// Sets [`Config::idle_buffer_release`].
        with_idle_buffer_release: idle_buffer_release: Option<Duration>;
        /// Sets [`Config::busy_input_gap`].
        with_busy_input_gap: busy_input_gap: Duration;
        /// Sets [`Config::rng_seed`].
        with_rng_seed: rng_seed: Option<u64>;
        /// Sets [`Config::streaming`].
        with_streaming: streaming: bool;
        /// Sets [`Config::slow_reader`].
        with_slow_reader: slow_reader: SlowReader;
        /// Sets [`Config::slow_reader_timeout`].
        with_slow_reader_timeout: slow_reader_timeout: Option<Duration>;
        /// Sets [`Config::send_timeout`].
        with_send_timeout: send_timeout: Option<Duration>;
        /// Sets [`Config::auto_ping_restart_on_traffic`].
        with_auto_ping_restart_on_traffic: auto_ping_restart_on_traffic: bool;
    }
}
