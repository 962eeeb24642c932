//! `ws://` and `wss://` URLs (RFC 6455 3).

use std::fmt;
use std::str::FromStr;

use crate::error::UrlError;

/// A parsed WebSocket URL.
///
/// `host` is stored without IPv6 brackets (`::1`); [`WsUrl::host_header`] adds them back.
///
/// ```
/// use ferrobahn_handshake::WsUrl;
/// let u: WsUrl = "wss://[::1]:9000/chat?room=1".parse().unwrap();
/// assert_eq!((u.secure, u.host.as_str(), u.port, u.resource.as_str()), (true, "::1", 9000, "/chat?room=1"));
/// let d: WsUrl = "ws://example.com".parse().unwrap();
/// assert_eq!((d.port, d.resource.as_str()), (80, "/"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsUrl {
    /// `wss` (TLS) or `ws`.
    pub secure: bool,
    /// Host name or IP address literal (IPv6 without brackets).
    pub host: String,
    /// The port (defaults: 80 for `ws`, 443 for `wss`).
    pub port: u16,
    /// The resource name: path and query, at least `/`.
    pub resource: String,
}

impl WsUrl {
    /// The default port of the scheme (80 or 443).
    #[must_use]
    pub fn default_port(&self) -> u16 {
        if self.secure {
            443
        } else {
            80
        }
    }

    /// The host in URL/`Host` form: IPv6 literals in brackets.
    #[must_use]
    pub fn host_bracketed(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        }
    }

    /// The `Host` header value: host, plus `:port` when it is not the default port.
    #[must_use]
    pub fn host_header(&self) -> String {
        if self.port == self.default_port() {
            self.host_bracketed()
        } else {
            format!("{}:{}", self.host_bracketed(), self.port)
        }
    }
}

impl fmt::Display for WsUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.secure { "wss" } else { "ws" };
        write!(f, "{scheme}://{}{}", self.host_header(), self.resource)
    }
}

fn valid_reg_name(h: &str) -> bool {
    !h.is_empty()
        && h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'%'))
}

fn valid_ipv6(h: &str) -> bool {
    h.contains(':')
        && h.bytes()
            .all(|b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.' | b'%'))
}

/// True for a resource name that can go into a request line unchanged.
pub(crate) fn valid_resource(r: &str) -> bool {
    r.starts_with('/') && r.bytes().all(|b| b.is_ascii_graphic())
}

impl FromStr for WsUrl {
    type Err = UrlError;

    fn from_str(s: &str) -> Result<Self, UrlError> {
        let (scheme, rest) = s.split_once("://").ok_or(UrlError::Scheme)?;
        let secure = if scheme.eq_ignore_ascii_case("ws") {
            false
        } else if scheme.eq_ignore_ascii_case("wss") {
            true
        } else {
            return Err(UrlError::Scheme);
        };
        if rest.contains('#') {
            return Err(UrlError::Fragment);
        }
        let auth_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, resource) = rest.split_at(auth_end);
        if authority.contains('@') {
            return Err(UrlError::UserInfo);
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or(UrlError::Host)?;
            if !valid_ipv6(host) {
                return Err(UrlError::Host);
            }
            let port = match after {
                "" => None,
                p => Some(p.strip_prefix(':').ok_or(UrlError::Port)?),
            };
            (host, port)
        } else {
            let (host, port) = match authority.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            };
            if !valid_reg_name(host) {
                return Err(UrlError::Host);
            }
            (host, port)
        };
        let port = match port {
            None => {
                if secure {
                    443
                } else {
                    80
                }
            }
            Some(p) => {
                if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(UrlError::Port);
                }
                match p.parse::<u16>() {
                    Ok(0) | Err(_) => return Err(UrlError::Port),
                    Ok(n) => n,
                }
            }
        };
        let resource = if resource.is_empty() {
            "/".to_owned()
        } else if resource.starts_with('?') {
            format!("/{resource}")
        } else {
            resource.to_owned()
        };
        if !valid_resource(&resource) {
            return Err(UrlError::Resource);
        }
        Ok(WsUrl {
            secure,
            host: host.to_owned(),
            port,
            resource,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> WsUrl {
        s.parse().unwrap()
    }

    #[test]
    fn defaults() {
        assert_eq!(
            url("ws://example.com"),
            WsUrl {
                secure: false,
                host: "example.com".into(),
                port: 80,
                resource: "/".into()
            }
        );
        assert_eq!(url("wss://example.com").port, 443);
        assert_eq!(url("WSS://example.com/").resource, "/");
    }

    #[test]
    fn port_path_and_query() {
        let u = url("ws://h:9001/path/x?q=1&r");
        assert_eq!((u.port, u.resource.as_str()), (9001, "/path/x?q=1&r"));
        assert_eq!(url("ws://h?x=1").resource, "/?x=1");
        assert_eq!(url("ws://h:1/").port, 1);
        assert_eq!(url("ws://h:65535/").port, 65535);
    }

    #[test]
    fn ipv6() {
        let u = url("ws://[::1]:8080/");
        assert_eq!((u.host.as_str(), u.port), ("::1", 8080));
        assert_eq!(u.host_header(), "[::1]:8080");
        let d = url("wss://[2001:db8::1]");
        assert_eq!((d.port, d.host_header()), (443, "[2001:db8::1]".to_owned()));
    }

    #[test]
    fn host_header_omits_default_port() {
        assert_eq!(url("ws://h:80/").host_header(), "h");
        assert_eq!(url("wss://h:443/").host_header(), "h");
        assert_eq!(url("ws://h:443/").host_header(), "h:443");
        assert_eq!(url("wss://h:80/").host_header(), "h:80");
    }

    #[test]
    fn display_round_trips() {
        for s in ["ws://h/", "wss://h:9000/a?b", "ws://[::1]:81/x"] {
            assert_eq!(url(s).to_string(), s);
            assert_eq!(url(&url(s).to_string()), url(s));
        }
    }

    #[test]
    fn typed_errors() {
        let cases: &[(&str, UrlError)] = &[
            ("http://h/", UrlError::Scheme),
            ("h/", UrlError::Scheme),
            ("ws:/h", UrlError::Scheme),
            ("ws:///x", UrlError::Host),
            ("ws://h h/", UrlError::Host),
            ("ws://h:0/", UrlError::Port),
            ("ws://h:65536/", UrlError::Port),
            ("ws://h:/", UrlError::Port),
            ("ws://h:+80/", UrlError::Port),
            ("ws://h:1:2/", UrlError::Port),
            ("ws://[::1/", UrlError::Host),
            ("ws://[::1]x/", UrlError::Port),
            ("ws://[zz]/", UrlError::Host),
            ("ws://u:p@h/", UrlError::UserInfo),
            ("ws://h/#frag", UrlError::Fragment),
            ("ws://h/a b", UrlError::Resource),
            ("ws://h/a\r\nX: y", UrlError::Resource),
            ("ws://h/é", UrlError::Resource),
        ];
        for (s, want) in cases {
            assert_eq!(s.parse::<WsUrl>().as_ref(), Err(want), "{s:?}");
        }
    }
}
