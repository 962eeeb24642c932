//! The RawSocket connection state machine: handshake, then frames.

use std::collections::VecDeque;

use bytes::{Buf, Bytes, BytesMut};

use super::{
    decode_header, decode_reply, decode_request, encode_header, encode_reply, encode_request,
    max_len_of_exponent, ErrorCode, FrameType, Handshake, RawSocketError, Reply, HEADER_LEN,
    MAX_LEN_EXPONENT,
};

/// Which end of the connection this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Sends the handshake request.
    Client,
    /// Answers it.
    Server,
}

/// RawSocket options.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Our receive limit as an exponent: `2^(9+exp)` bytes. Default 15 (16 MiB, capped to
    /// the 24-bit frame length). Longer frames fail the connection before they are buffered.
    pub max_len_exp: u8,
    /// Serializer IDs: a client asks for the first; a server accepts any of them.
    /// Default: every compiled-in format, binary first.
    pub serializers: Vec<u8>,
    /// Bytes queued for sending above which sends fail with [`SendError::BufferFull`].
    /// Default 16 MiB.
    pub max_outgoing_buffer: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            max_len_exp: MAX_LEN_EXPONENT,
            serializers: crate::Format::ALL
                .iter()
                .map(|f| f.rawsocket_id())
                .collect(),
            max_outgoing_buffer: 16 * 1024 * 1024,
        }
    }
}

impl Config {
    /// Sets [`Config::max_len_exp`] (values above 15 are capped).
    pub fn with_max_len_exp(mut self, exp: u8) -> Self {
        self.max_len_exp = exp.min(MAX_LEN_EXPONENT);
        self
    }

    /// Sets [`Config::serializers`].
    pub fn with_serializers(mut self, ids: impl IntoIterator<Item = u8>) -> Self {
        self.serializers = ids.into_iter().collect();
        self
    }

    /// Sets [`Config::max_outgoing_buffer`].
    pub fn with_max_outgoing_buffer(mut self, n: usize) -> Self {
        self.max_outgoing_buffer = n;
        self
    }
}

/// Where the connection is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Waiting for the handshake (request or reply).
    Handshaking,
    /// Frames flow.
    Open,
    /// Failed; drain `poll_transmit` (a refusal may be queued), then drop the transport.
    Failed,
}

/// What the connection reports.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The handshake completed.
    Open {
        /// The serializer ID agreed.
        serializer: u8,
        /// The largest message the peer accepts.
        max_send: usize,
    },
    /// A serialized WAMP message.
    Message(Bytes),
    /// A ping (its pong is already queued).
    Ping(Bytes),
    /// A pong.
    Pong(Bytes),
    /// The connection failed (terminal, reported once).
    Failed(RawSocketError),
}

/// A send that cannot be done.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The handshake has not completed, or the connection failed.
    #[error("the RawSocket connection is not open")]
    NotOpen,
    /// The payload is longer than the peer accepts.
    #[error("payload of {len} bytes exceeds the peer's limit of {limit} bytes")]
    TooLarge {
        /// Payload length.
        len: usize,
        /// The peer's limit.
        limit: usize,
    },
    /// The outgoing buffer is full; drain `poll_transmit` first.
    #[error("outgoing buffer full")]
    BufferFull,
}

/// Appends one frame (header and payload) to `out`, e.g. to encode a message once for
/// many connections. Fails when the payload does not fit a 24-bit length.
pub fn encode_frame(kind: FrameType, payload: &[u8], out: &mut Vec<u8>) -> Result<(), SendError> {
    let header = encode_header(kind, payload.len()).ok_or(SendError::TooLarge {
        len: payload.len(),
        limit: super::MAX_FRAME_LEN,
    })?;
    out.extend_from_slice(&header);
    out.extend_from_slice(payload);
    Ok(())
}

/// A sans-IO RawSocket connection (client or server).
///
/// After every [`feed`](RawSocket::feed) or send, drain
/// [`poll_transmit`](RawSocket::poll_transmit) to the transport, then take
/// [`poll_event`](RawSocket::poll_event)s until `None`.
#[derive(Debug)]
pub struct RawSocket {
    role: Role,
    config: Config,
    state: State,
    read: BytesMut,
    write: Vec<u8>,
    events: VecDeque<Event>,
    max_recv: usize,
    max_send: usize,
    serializer: u8,
}

impl RawSocket {
    /// A client; its handshake request is queued for sending at once.
    pub fn client(config: Config) -> Self {
        let mut c = Self::new(Role::Client, config);
        c.serializer = c.config.serializers.first().copied().unwrap_or(0);
        c.write.extend_from_slice(&encode_request(Handshake {
            serializer: c.serializer,
            max_len_exp: c.config.max_len_exp,
        }));
        c
    }

    /// A server waiting for the client's request.
    pub fn server(config: Config) -> Self {
        Self::new(Role::Server, config)
    }

    fn new(role: Role, config: Config) -> Self {
        let max_recv = max_len_of_exponent(config.max_len_exp);
        Self {
            role,
            config,
            state: State::Handshaking,
            read: BytesMut::new(),
            write: Vec::new(),
            events: VecDeque::new(),
            max_recv,
            max_send: 0,
            serializer: 0,
        }
    }

    /// Client or server.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// The serializer ID agreed (or asked for, while handshaking as a client).
    pub fn serializer(&self) -> u8 {
        self.serializer
    }

    /// The largest message the peer accepts (0 before the handshake).
    pub fn max_send(&self) -> usize {
        self.max_send
    }

    /// Feeds bytes read from the transport.
    pub fn feed(&mut self, data: &[u8]) {
        if self.state == State::Failed {
            return;
        }
        self.read.extend_from_slice(data);
        if let Err(e) = self.process() {
            tracing::debug!(error = %e, role = ?self.role, "rawsocket failed");
            self.state = State::Failed;
            self.read.clear();
            self.events.push_back(Event::Failed(e));
        }
    }

    fn process(&mut self) -> Result<(), RawSocketError> {
        if self.state == State::Handshaking {
            let Some(b) = self.take_header() else {
                return Ok(());
            };
            match self.role {
                Role::Server => self.server_handshake(b)?,
                Role::Client => self.client_handshake(b)?,
            }
        }
        while let Some(&b) = self.read.first_chunk::<HEADER_LEN>() {
            let (kind, len) = decode_header(b)?;
            if len > self.max_recv {
                return Err(RawSocketError::FrameTooLarge {
                    len,
                    limit: self.max_recv,
                });
            }
            if self.read.len() < HEADER_LEN + len {
                self.read.reserve(HEADER_LEN + len - self.read.len());
                return Ok(());
            }
            self.read.advance(HEADER_LEN);
            let payload = self.read.split_to(len).freeze();
            match kind {
                FrameType::Message => self.events.push_back(Event::Message(payload)),
                FrameType::Ping => {
                    // The pong echoes the ping; it bypasses the buffer limit so a peer
                    // cannot make us drop it, but it is bounded by our receive limit.
                    let _ = encode_frame(FrameType::Pong, &payload, &mut self.write);
                    self.events.push_back(Event::Ping(payload));
                }
                FrameType::Pong => self.events.push_back(Event::Pong(payload)),
            }
        }
        Ok(())
    }

    fn take_header(&mut self) -> Option<[u8; HEADER_LEN]> {
        let b = *self.read.first_chunk::<HEADER_LEN>()?;
        self.read.advance(HEADER_LEN);
        Some(b)
    }

    fn server_handshake(&mut self, b: [u8; 4]) -> Result<(), RawSocketError> {
        let refuse = |this: &mut Self, code: ErrorCode| {
            this.write
                .extend_from_slice(&encode_reply(Reply::Refused(code)));
        };
        let req = match decode_request(b) {
            Ok(r) => r,
            Err(e @ RawSocketError::ReservedOctets) => {
                refuse(self, ErrorCode::ReservedBits);
                return Err(e);
            }
            Err(e @ RawSocketError::UnsupportedSerializer(_)) => {
                refuse(self, ErrorCode::SerializerUnsupported);
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        if !self.config.serializers.contains(&req.serializer) {
            refuse(self, ErrorCode::SerializerUnsupported);
            return Err(RawSocketError::UnsupportedSerializer(req.serializer));
        }
        self.write
            .extend_from_slice(&encode_reply(Reply::Accepted(Handshake {
                serializer: req.serializer,
                max_len_exp: self.config.max_len_exp,
            })));
        self.open(req.serializer, req.max_len_exp);
        Ok(())
    }

    fn client_handshake(&mut self, b: [u8; 4]) -> Result<(), RawSocketError> {
        match decode_reply(b)? {
            Reply::Refused(code) => Err(RawSocketError::Refused(code)),
            Reply::Accepted(h) if h.serializer != self.serializer => {
                Err(RawSocketError::SerializerMismatch {
                    requested: self.serializer,
                    answered: h.serializer,
                })
            }
            Reply::Accepted(h) => {
                self.open(h.serializer, h.max_len_exp);
                Ok(())
            }
        }
    }

    fn open(&mut self, serializer: u8, peer_exp: u8) {
        self.serializer = serializer;
        self.max_send = max_len_of_exponent(peer_exp);
        self.state = State::Open;
        self.events.push_back(Event::Open {
            serializer,
            max_send: self.max_send,
        });
    }

    fn send(&mut self, kind: FrameType, payload: &[u8]) -> Result<(), SendError> {
        if self.state != State::Open {
            return Err(SendError::NotOpen);
        }
        if payload.len() > self.max_send {
            return Err(SendError::TooLarge {
                len: payload.len(),
                limit: self.max_send,
            });
        }
        if self.write.len() + HEADER_LEN + payload.len() > self.config.max_outgoing_buffer {
            return Err(SendError::BufferFull);
        }
        encode_frame(kind, payload, &mut self.write)
    }

    /// Queues a serialized WAMP message.
    pub fn send_message(&mut self, payload: &[u8]) -> Result<(), SendError> {
        self.send(FrameType::Message, payload)
    }

    /// Queues a ping.
    pub fn send_ping(&mut self, payload: &[u8]) -> Result<(), SendError> {
        self.send(FrameType::Ping, payload)
    }

    /// Appends every queued byte to `out`; returns how many (0: nothing to send).
    #[must_use]
    pub fn poll_transmit(&mut self, out: &mut Vec<u8>) -> usize {
        let n = self.write.len();
        out.append(&mut self.write);
        n
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }
}
