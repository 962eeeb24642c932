//! WAMP over RawSocket (TCP or Unix socket): the sans-IO
//! [`ferrobahn_serializers::rawsocket::RawSocket`] driven over any byte stream.

use std::collections::VecDeque;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use ferrobahn_rt::{timeout_at, Runtime, Transport};
use ferrobahn_serializers::rawsocket::{Config, Event, RawSocket};
use ferrobahn_serializers::{Format, Serializer};
use ferrobahn_wamp::Message;

use super::{TransportError, WampTransport};

/// How many bytes one read asks for.
const READ_CHUNK: usize = 16 * 1024;

/// A WAMP transport over a RawSocket connection.
#[derive(Debug)]
pub struct RawSocketTransport<T> {
    io: T,
    rs: RawSocket,
    serializer: Serializer,
    inbox: VecDeque<Message>,
    out: Vec<u8>,
    written: usize,
    read_buf: Box<[u8]>,
    /// Encoding buffer, kept between messages while it is at most
    /// [`ENCODE_BUFFER_KEEP`] bytes.
    encoded: Vec<u8>,
    failed: bool,
}

/// The largest encoding buffer a transport keeps for its next message.
const ENCODE_BUFFER_KEEP: usize = 8 * 1024;

/// Runs the RawSocket handshake over `io` (already connected) asking for `format`,
/// within `timeout`.
///
/// # Errors
/// [`TransportError::RawSocket`] when the router refuses (e.g. serializer unsupported)
/// or the handshake times out; [`TransportError::Io`].
pub async fn connect_rawsocket<T: Transport>(
    runtime: Arc<dyn Runtime>,
    io: T,
    format: Format,
    config: Config,
    timeout: Duration,
) -> Result<RawSocketTransport<T>, TransportError> {
    let rs = RawSocket::client(config.with_serializers([format.rawsocket_id()]));
    let mut t = RawSocketTransport {
        io,
        rs,
        serializer: Serializer::new(format),
        inbox: VecDeque::new(),
        out: Vec::new(),
        written: 0,
        read_buf: vec![0u8; READ_CHUNK].into_boxed_slice(),
        encoded: Vec::new(),
        failed: false,
    };
    let deadline = runtime.now() + timeout;
    let handshake = std::future::poll_fn(|cx| t.poll_handshake(cx));
    timeout_at(&*runtime, deadline, handshake)
        .await
        .ok_or_else(|| TransportError::RawSocket("handshake timed out".into()))??;
    tracing::debug!(serializer = format.name(), "WAMP over RawSocket");
    Ok(t)
}

impl<T: Transport> RawSocketTransport<T> {
    fn poll_handshake(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        loop {
            let _ = self.poll_write_out(cx)?;
            while let Some(ev) = self.rs.poll_event() {
                match ev {
                    Event::Open { .. } => return Poll::Ready(Ok(())),
                    Event::Failed(e) => {
                        return Poll::Ready(Err(TransportError::RawSocket(e.to_string())))
                    }
                    _ => {}
                }
            }
            match self.io.poll_read(cx, &mut self.read_buf) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(TransportError::Closed)),
                Poll::Ready(Ok(n)) => self.rs.feed(&self.read_buf[..n]),
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e.into())),
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    /// Writes queued bytes; `Ready(Ok)` once everything is written and flushed.
    fn poll_write_out(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        if self.written == self.out.len() {
            self.out.clear();
            self.written = 0;
        }
        let _ = self.rs.poll_transmit(&mut self.out);
        while self.written < self.out.len() {
            match self.io.poll_write(cx, &self.out[self.written..]) {
                Poll::Ready(Ok(0)) => {
                    return Poll::Ready(Err(
                        std::io::Error::from(std::io::ErrorKind::WriteZero).into()
                    ))
                }
                Poll::Ready(Ok(n)) => self.written += n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e.into())),
                Poll::Pending => return Poll::Pending,
            }
        }
        self.out.clear();
        self.written = 0;
        self.io.poll_flush(cx).map_err(Into::into)
    }
}

impl<T> RawSocketTransport<T> {
    /// Frames the message in `self.encoded` (the outcome of encoding it).
    fn queue_encoded(
        &mut self,
        encoded: Result<(), ferrobahn_serializers::EncodeError>,
    ) -> Result<(), TransportError> {
        let r = encoded.map(|()| {
            self.rs
                .send_message(&self.encoded)
                .map_err(|e| TransportError::RawSocket(e.to_string()))
        });
        if self.encoded.capacity() > ENCODE_BUFFER_KEEP {
            self.encoded = Vec::new();
        }
        r?
    }
}

impl<T: Transport> WampTransport for RawSocketTransport<T> {
    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, TransportError>>> {
        loop {
            if let Some(m) = self.inbox.pop_front() {
                return Poll::Ready(Some(Ok(m)));
            }
            if self.failed {
                return Poll::Ready(None);
            }
            while let Some(ev) = self.rs.poll_event() {
                match ev {
                    Event::Message(b) => {
                        if let Err(e) = super::decode(&self.serializer, &b, &mut self.inbox) {
                            return Poll::Ready(Some(Err(e.into())));
                        }
                    }
                    Event::Failed(e) => {
                        self.failed = true;
                        return Poll::Ready(Some(Err(TransportError::RawSocket(e.to_string()))));
                    }
                    // Pongs are queued by the core; written below.
                    _ => {}
                }
            }
            if !self.inbox.is_empty() {
                continue;
            }
            // Write what is queued (pongs, answers) before waiting for input.
            if let Poll::Ready(Err(e)) = self.poll_write_out(cx) {
                return Poll::Ready(Some(Err(e)));
            }
            match self.io.poll_read(cx, &mut self.read_buf) {
                Poll::Ready(Ok(0)) => return Poll::Ready(None),
                Poll::Ready(Ok(n)) => self.rs.feed(&self.read_buf[..n]),
                Poll::Ready(Err(e)) => return Poll::Ready(Some(Err(e.into()))),
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    fn send(&mut self, msg: &Message) -> Result<(), TransportError> {
        // The framing copies the bytes: the buffer is kept for the next message.
        self.encoded.clear();
        let r = self.serializer.encode(msg, &mut self.encoded);
        self.queue_encoded(r)
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        self.poll_write_out(cx)
    }

    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        match self.poll_write_out(cx) {
            Poll::Ready(Ok(())) => self.io.poll_close(cx).map_err(Into::into),
            other => other,
        }
    }

    fn serializer_name(&self) -> &'static str {
        self.serializer.subprotocol()
    }

    fn tls_exporter(&self) -> Option<[u8; 32]> {
        self.io.tls_exporter()
    }
}
