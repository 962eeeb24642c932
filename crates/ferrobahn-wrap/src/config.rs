//! [`WrapConfig`] and [`Framing`]: how bytes travel over the WebSocket.

use std::time::Duration;

/// How stream bytes are carried in WebSocket messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// As the payload of binary messages (`binary` and binary-compatible
    /// subprotocols such as `mqttv3.1`, or no subprotocol at all).
    Binary,
    /// Base64-encoded, as the payload of text messages (`base64`).
    Base64,
}

impl Framing {
    /// The framing a negotiated subprotocol implies: `base64` is base64,
    /// everything else (or none) is binary.
    #[must_use]
    pub fn for_protocol(protocol: Option<&str>) -> Self {
        match protocol {
            Some("base64") => Framing::Base64,
            _ => Framing::Binary,
        }
    }
}

/// Options of the wrapping pump and forwarders.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct WrapConfig {
    /// Subprotocols spoken, in order of preference: the server picks the
    /// first one the client offers, the client offers them all. Default
    /// `["binary", "base64"]`; add binary-compatible ones such as
    /// `mqttv3.1` with [`WrapConfig::with_protocol`].
    pub protocols: Vec<String>,
    /// Server: accept a client that offers no subprotocol at all (binary
    /// framing, as websockify does). Default true.
    pub allow_no_protocol: bool,
    /// How many stream bytes go into one WebSocket message at most (also
    /// the read buffer size). Default 16 KiB.
    pub chunk_size: usize,
    /// Connecting upstream must be done within this. Default 10 s.
    pub connect_timeout: Duration,
    /// A pair that moved no byte in either direction for this long is
    /// closed (1011 to the WebSocket side). Default 1 hour.
    pub idle_timeout: Duration,
    /// Connections forwarded at once by [`crate::serve_forward`]; beyond it
    /// new ones are closed at once. Default 10 000.
    pub max_connections: usize,
}

impl Default for WrapConfig {
    fn default() -> Self {
        Self {
            protocols: vec!["binary".to_owned(), "base64".to_owned()],
            allow_no_protocol: true,
            chunk_size: 16 * 1024,
            connect_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(3600),
            max_connections: 10_000,
        }
    }
}

impl WrapConfig {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also speaks the binary-compatible subprotocol `protocol` (after the
    /// ones already listed).
    #[must_use]
    pub fn with_protocol(mut self, protocol: impl Into<String>) -> Self {
        self.protocols.push(protocol.into());
        self
    }

    /// Sets [`WrapConfig::chunk_size`] (at least 1).
    #[must_use]
    pub fn with_chunk_size(mut self, bytes: usize) -> Self {
        self.chunk_size = bytes.max(1);
        self
    }

    /// Sets [`WrapConfig::connect_timeout`].
    #[must_use]
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets [`WrapConfig::idle_timeout`].
    #[must_use]
    pub fn with_idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Sets [`WrapConfig::max_connections`].
    #[must_use]
    pub fn with_max_connections(mut self, max: usize) -> Self {
        self.max_connections = max;
        self
    }

    /// The server's choice among `offered` subprotocols: `Ok(None)` for
    /// none offered (when allowed), `Err(())` when nothing fits.
    #[allow(clippy::result_unit_err)]
    pub fn choose(&self, offered: &[String]) -> Result<Option<&str>, ()> {
        if offered.is_empty() && self.allow_no_protocol {
            return Ok(None);
        }
        self.protocols
            .iter()
            .find(|p| offered.contains(p))
            .map(|p| Some(p.as_str()))
            .ok_or(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn server_prefers_its_own_order_and_knows_extras() {
        let c = WrapConfig::default().with_protocol("mqttv3.1");
        assert_eq!(c.choose(&s(&["base64", "binary"])), Ok(Some("binary")));
        assert_eq!(c.choose(&s(&["base64"])), Ok(Some("base64")));
        assert_eq!(c.choose(&s(&["mqttv3.1"])), Ok(Some("mqttv3.1")));
        assert_eq!(c.choose(&s(&["chat"])), Err(()));
        assert_eq!(c.choose(&[]), Ok(None));
        let strict = WrapConfig {
            allow_no_protocol: false,
            ..WrapConfig::default()
        };
        assert_eq!(strict.choose(&[]), Err(()));
    }

    #[test]
    fn framing_follows_the_protocol() {
        assert_eq!(Framing::for_protocol(Some("base64")), Framing::Base64);
        assert_eq!(Framing::for_protocol(Some("mqttv3.1")), Framing::Binary);
        assert_eq!(Framing::for_protocol(None), Framing::Binary);
    }
}
