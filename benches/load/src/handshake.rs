//! The client opening handshake, blocking, over a std socket (done once per
//! connection before the measured phase).

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// How long a server may take to answer the upgrade request.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest response head accepted.
const MAX_HEAD: usize = 16 * 1024;

/// A failed opening handshake.
#[derive(Debug, thiserror::Error)]
pub enum HandshakeError {
    /// Socket failure or timeout.
    #[error("handshake i/o: {0}")]
    Io(#[from] io::Error),
    /// The server answered something other than `101`.
    #[error("server refused the upgrade: {0}")]
    Refused(String),
    /// The response head exceeds the limit or is not text.
    #[error("bad response head")]
    BadHead,
    /// `permessage-deflate` was offered but not accepted.
    #[error("server did not accept permessage-deflate")]
    NoDeflate,
}

/// What the handshake left behind.
#[derive(Debug)]
pub struct Upgraded {
    /// Bytes received after the response head (frames sent early).
    pub leftover: Vec<u8>,
}

/// Sends an upgrade request for `/` on `stream` and reads the `101`
/// response. With `deflate`, offers `permessage-deflate;
/// client_no_context_takeover` and requires it to be accepted.
///
/// # Errors
/// See [`HandshakeError`].
pub fn upgrade(
    stream: &mut TcpStream,
    host: &str,
    deflate: bool,
) -> Result<Upgraded, HandshakeError> {
    stream.set_read_timeout(Some(HANDSHAKE_TIMEOUT))?;
    let ext = if deflate {
        "Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover\r\n"
    } else {
        ""
    };
    let request = format!(
        "GET / HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{ext}\r\n"
    );
    stream.write_all(request.as_bytes())?;
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    let head_end = loop {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(HandshakeError::Io(io::ErrorKind::UnexpectedEof.into()));
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
        if buf.len() > MAX_HEAD {
            return Err(HandshakeError::BadHead);
        }
    };
    stream.set_read_timeout(None)?;
    let head = std::str::from_utf8(&buf[..head_end]).map_err(|_| HandshakeError::BadHead)?;
    let status = head.lines().next().unwrap_or_default();
    if status.split_whitespace().nth(1) != Some("101") {
        return Err(HandshakeError::Refused(status.to_owned()));
    }
    if deflate && !accepts_deflate(head) {
        return Err(HandshakeError::NoDeflate);
    }
    Ok(Upgraded {
        leftover: buf[head_end..].to_vec(),
    })
}

fn accepts_deflate(head: &str) -> bool {
    head.lines().any(|line| {
        line.split_once(':').is_some_and(|(name, value)| {
            name.trim().eq_ignore_ascii_case("sec-websocket-extensions")
                && value.to_ascii_lowercase().contains("permessage-deflate")
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_deflate_acceptance() {
        assert!(accepts_deflate(
            "HTTP/1.1 101 x\r\nSEC-WEBSOCKET-EXTENSIONS: permessage-deflate; client_no_context_takeover\r\n\r\n"
        ));
        assert!(!accepts_deflate(
            "HTTP/1.1 101 x\r\nUpgrade: websocket\r\n\r\n"
        ));
    }
}
