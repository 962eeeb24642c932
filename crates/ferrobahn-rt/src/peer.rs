//! [`PeerAddr`]: where a connection comes from, and the client address a
//! chain of trusted proxies reports in `X-Forwarded-For`.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use ferrobahn_handshake::Request;

/// The address of a connection's peer, as its listener saw it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PeerAddr {
    /// A TCP peer.
    Tcp(SocketAddr),
    /// A Unix domain socket peer: its path when it is bound to one (client
    /// sockets usually are not).
    Unix(Option<PathBuf>),
}

impl PeerAddr {
    /// The TCP socket address, if this is a TCP peer.
    #[must_use]
    pub fn socket_addr(&self) -> Option<SocketAddr> {
        match self {
            PeerAddr::Tcp(addr) => Some(*addr),
            PeerAddr::Unix(_) => None,
        }
    }

    /// The IP address, if this is a TCP peer.
    #[must_use]
    pub fn ip(&self) -> Option<IpAddr> {
        self.socket_addr().map(|a| a.ip())
    }
}

impl From<SocketAddr> for PeerAddr {
    fn from(addr: SocketAddr) -> Self {
        PeerAddr::Tcp(addr)
    }
}

/// AutobahnPython's peer strings: `tcp:127.0.0.1:5000`, `unix:/run/x.sock`,
/// `unix` for an unnamed Unix socket.
impl fmt::Display for PeerAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PeerAddr::Tcp(addr) => write!(f, "tcp:{addr}"),
            PeerAddr::Unix(Some(path)) => write!(f, "unix:{}", path.display()),
            PeerAddr::Unix(None) => f.write_str("unix"),
        }
    }
}

/// The client address of `request` according to its `X-Forwarded-For`
/// headers, when the last `trusted` proxies in front of this server are
/// trusted (AutobahnPython's `trustXForwardedFor`).
///
/// Each trusted proxy appends the address it saw to the list, so the
/// address `trusted` places from the end is the one the outermost trusted
/// proxy saw. `None` when `trusted` is 0, there is no such header, the list
/// is shorter than `trusted`, or that entry is not an IP address (an
/// `ip:port` or `[ipv6]:port` entry is accepted).
#[must_use]
pub fn forwarded_for(request: &Request, trusted: usize) -> Option<IpAddr> {
    if trusted == 0 {
        return None;
    }
    let entries: Vec<&str> = request
        .headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("x-forwarded-for"))
        .flat_map(|(_, value)| value.split(','))
        .map(str::trim)
        .collect();
    let entry = entries.len().checked_sub(trusted).map(|i| entries[i])?;
    let parsed = entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|a| a.ip()));
    if parsed.is_none() {
        tracing::debug!(entry, "X-Forwarded-For entry is not an IP address: ignored");
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrobahn_handshake::{RequestParser, ServerConfig};

    fn request(xff: &[&str]) -> Request {
        let mut head = String::from(
            "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n",
        );
        for v in xff {
            head.push_str(&format!("X-Forwarded-For: {v}\r\n"));
        }
        head.push_str("\r\n");
        RequestParser::new(ServerConfig::default())
            .feed(head.as_bytes())
            .unwrap()
            .unwrap()
    }

    #[test]
    fn trusted_proxies_pick_from_the_end() {
        let r = request(&["203.0.113.7, 10.0.0.1", "10.0.0.2"]);
        assert_eq!(forwarded_for(&r, 0), None);
        assert_eq!(forwarded_for(&r, 1), Some("10.0.0.2".parse().unwrap()));
        assert_eq!(forwarded_for(&r, 3), Some("203.0.113.7".parse().unwrap()));
        assert_eq!(forwarded_for(&r, 4), None);
    }

    #[test]
    fn ports_and_ipv6_are_accepted_and_garbage_ignored() {
        let r = request(&["[2001:db8::1]:4711, 198.51.100.2:80, unknown"]);
        assert_eq!(forwarded_for(&r, 1), None);
        assert_eq!(forwarded_for(&r, 2), Some("198.51.100.2".parse().unwrap()));
        assert_eq!(forwarded_for(&r, 3), Some("2001:db8::1".parse().unwrap()));
        assert_eq!(forwarded_for(&request(&[]), 1), None);
    }

    #[test]
    fn display_follows_autobahn_peer_strings() {
        let tcp = PeerAddr::from("127.0.0.1:5000".parse::<SocketAddr>().unwrap());
        assert_eq!(tcp.to_string(), "tcp:127.0.0.1:5000");
        assert_eq!(PeerAddr::Unix(None).to_string(), "unix");
        assert_eq!(
            PeerAddr::Unix(Some("/run/ws.sock".into())).to_string(),
            "unix:/run/ws.sock"
        );
        assert_eq!(PeerAddr::Unix(None).ip(), None);
    }
}
