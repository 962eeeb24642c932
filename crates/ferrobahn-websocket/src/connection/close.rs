//! The closing handshake, failing the connection, and the end of input.

use std::time::Instant;

use ferrobahn_frame::{encode_close_payload, CloseCode, OpCode};

use super::{Connection, Role, Timer};
use crate::{Closed, Event, ProtocolError, SendError, State};

impl Connection {
    /// Starts the closing handshake with an optional code and reason (the
    /// reason is cut to fit a control frame). Does nothing when the
    /// handshake has already started.
    pub fn close(
        &mut self,
        now: Instant,
        code: Option<CloseCode>,
        reason: &str,
    ) -> Result<(), SendError> {
        if let Some(code) = code {
            if !code.is_valid_on_wire() {
                return Err(SendError::InvalidCloseCode(code.as_u16()));
            }
        }
        if self.state != State::Open {
            return Ok(());
        }
        self.send_close_frame(code, reason);
        self.state = State::ClosingLocal;
        self.timers.stop(Timer::AutoPing);
        self.timers.stop(Timer::AutoPingTimeout);
        if let Some(timeout) = self.config.close_handshake_timeout {
            self.timers.set(Timer::CloseHandshake, now + timeout);
        }
        Ok(())
    }

    /// Drops the connection at once, without a closing handshake: reports
    /// [`Event::Closed`] with code 1006 and asks for the transport to close.
    pub fn abort(&mut self, _now: Instant) {
        self.finish(Closed {
            code: CloseCode::ABNORMAL,
            reason: String::new(),
            was_clean: false,
            by_peer: false,
            error: None,
        });
    }

    /// The transport reached end of file (or failed). Frames received
    /// before it are still delivered; then the connection ends (with 1006
    /// unless the closing handshake was complete).
    pub fn feed_eof(&mut self, now: Instant) {
        self.now = now;
        self.eof = true;
        if self.events.is_empty() {
            self.process(now);
            if self.events.is_empty() {
                self.apply_eof();
            }
        }
    }

    /// Ends the connection for the end of file once buffered input is used up.
    pub(super) fn apply_eof(&mut self) {
        match self.state {
            State::Closed => self.close_transport = true,
            State::ClosingRemote => self.server_dropped(),
            State::Open | State::ClosingLocal => self.finish(Closed {
                code: CloseCode::ABNORMAL,
                reason: String::new(),
                was_clean: false,
                by_peer: false,
                error: None,
            }),
        }
    }

    /// Fails the connection because of the peer (RFC 6455 7.1.7): sends a
    /// close frame with the error's code unless `fail_by_drop` is set or the
    /// code may not go on the wire, then asks for the transport to close.
    pub(super) fn fail(&mut self, err: ProtocolError) {
        if self.state == State::Closed {
            return;
        }
        tracing::debug!(error = %err, role = ?self.role, "failing the WebSocket connection");
        let code = err.close_code();
        if !self.config.fail_by_drop && !self.close_sent && code.is_valid_on_wire() {
            self.send_close_frame(Some(code), &err.to_string());
        }
        self.finish(Closed {
            code,
            reason: err.to_string(),
            was_clean: false,
            by_peer: false,
            error: Some(err),
        });
    }

    /// The peer's close frame arrived.
    pub(super) fn on_close_frame(&mut self, now: Instant, code: Option<CloseCode>, reason: String) {
        self.events.push_back(Event::CloseReceived {
            code,
            reason: reason.clone(),
        });
        let by_peer = match self.state {
            State::Open => {
                match (code, self.config.echo_close_code_reason) {
                    (Some(code), true) => self.send_close_frame(Some(code), &reason),
                    (Some(_), false) => self.send_close_frame(Some(CloseCode::NORMAL), ""),
                    (None, _) => self.send_close_frame(None, ""),
                }
                true
            }
            State::ClosingLocal => false,
            State::ClosingRemote | State::Closed => return,
        };
        self.timers.stop_all();
        let closed = Closed {
            code: code.unwrap_or(CloseCode::NO_STATUS),
            reason,
            was_clean: true,
            by_peer,
            error: None,
        };
        match (self.role, self.config.server_connection_drop_timeout) {
            // RFC 6455 7.1.1: the server closes TCP first; the client waits for it.
            (Role::Client, Some(timeout)) => {
                self.state = State::ClosingRemote;
                self.pending_closed = Some(Box::new(closed));
                self.timers.set(Timer::ServerDrop, now + timeout);
            }
            _ => self.finish(closed),
        }
    }

    pub(super) fn close_handshake_timed_out(&mut self) {
        if self.state == State::ClosingLocal {
            tracing::debug!("closing handshake timed out");
            self.finish(Closed {
                code: CloseCode::ABNORMAL,
                reason: String::new(),
                was_clean: false,
                by_peer: false,
                error: Some(ProtocolError::CloseTimeout),
            });
        }
    }

    pub(super) fn server_drop_timed_out(&mut self) {
        if self.state == State::ClosingRemote {
            tracing::debug!("server did not drop the connection in time; dropping it");
            self.server_dropped();
        }
    }

    fn server_dropped(&mut self) {
        if let Some(closed) = self.pending_closed.take() {
            self.finish(*closed);
        }
    }

    fn send_close_frame(&mut self, code: Option<CloseCode>, reason: &str) {
        let mut payload = Vec::with_capacity(2 + reason.len().min(123));
        if let Some(code) = code {
            encode_close_payload(code, reason, &mut payload);
        }
        self.write_frame(OpCode::Close, true, 0, &payload);
        self.close_sent = true;
    }

    /// Enters the closed state: reports `closed` once, discards input and
    /// deadlines, and asks for the transport to close.
    fn finish(&mut self, closed: Closed) {
        if self.state == State::Closed {
            return;
        }
        self.state = State::Closed;
        self.close_transport = true;
        self.timers.stop_all();
        self.in_buf = bytes::BytesMut::new();
        self.filled = 0;
        self.frame = None;
        self.assembly = None;
        self.pending_closed = None;
        self.events.push_back(Event::Closed(closed));
    }
}
