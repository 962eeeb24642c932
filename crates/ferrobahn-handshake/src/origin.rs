//! Origin policy: wildcard patterns such as `https://*.example.com` or `http://localhost:*`.
//!
//! Both the pattern and the origin are compared ASCII-case-insensitively (scheme, host and port
//! are case-insensitive; origins carry no path). An origin without a port is also tried with
//! the scheme's default port, so `http://localhost:*` allows `http://localhost`.

/// True when `origin` matches any of `patterns` (`*` matches any run of characters).
pub(crate) fn origin_allowed(origin: &str, patterns: &[String]) -> bool {
    // The default policy: no need to normalise the origin.
    if patterns.iter().any(|p| p.trim() == "*") {
        return true;
    }
    let origin = origin.trim().to_ascii_lowercase();
    let with_port = with_default_port(&origin);
    patterns.iter().any(|p| {
        let p = p.trim().to_ascii_lowercase();
        glob(p.as_bytes(), origin.as_bytes())
            || with_port
                .as_deref()
                .is_some_and(|o| glob(p.as_bytes(), o.as_bytes()))
    })
}

/// `scheme://host` → `scheme://host:port` with the default port, when the origin has no port.
fn with_default_port(origin: &str) -> Option<String> {
    let (scheme, rest) = origin.split_once("://")?;
    let port = match scheme {
        "http" | "ws" => 80,
        "https" | "wss" => 443,
        _ => return None,
    };
    let host_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..host_end];
    let after_host = match authority.rfind(']') {
        Some(i) => &authority[i + 1..],
        None => authority,
    };
    if authority.is_empty() || after_host.contains(':') {
        return None;
    }
    Some(format!(
        "{scheme}://{authority}:{port}{}",
        &rest[host_end..]
    ))
}

/// Glob match where `*` matches any (possibly empty) run of bytes; linear-time greedy
/// algorithm with a single backtrack point, so hostile inputs cannot blow up.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pats(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn star_allows_everything() {
        assert!(origin_allowed("https://evil.test", &pats(&["*"])));
    }

    #[test]
    fn subdomain_wildcard() {
        let p = pats(&["https://*.example.com"]);
        assert!(origin_allowed("https://www.example.com", &p));
        assert!(origin_allowed("HTTPS://WWW.Example.COM", &p));
        assert!(!origin_allowed("http://www.example.com", &p));
        assert!(!origin_allowed("https://example.com.evil.test", &p));
        assert!(!origin_allowed("https://example.com", &p));
    }

    #[test]
    fn port_wildcard_and_default_port() {
        let p = pats(&["http://localhost:*"]);
        assert!(origin_allowed("http://localhost:8080", &p));
        assert!(origin_allowed("http://localhost", &p));
        assert!(!origin_allowed("http://localhost.evil.test", &p));
        assert!(!origin_allowed("https://localhost:8080", &p));
        let exact = pats(&["https://example.com:443"]);
        assert!(origin_allowed("https://example.com", &exact));
    }

    #[test]
    fn ipv6_origin_gets_default_port() {
        assert_eq!(
            with_default_port("http://[::1]").as_deref(),
            Some("http://[::1]:80")
        );
        assert_eq!(with_default_port("http://[::1]:9000"), None);
    }

    #[test]
    fn empty_pattern_list_allows_nothing() {
        assert!(!origin_allowed("https://a.test", &[]));
    }

    #[test]
    fn glob_basics() {
        assert!(glob(b"a*b*c", b"aXXbYYc"));
        assert!(glob(b"**", b""));
        assert!(!glob(b"a*b", b"aXXc"));
        assert!(glob(b"*a", b"aaaa"));
        assert!(!glob(b"", b"x"));
    }

    #[test]
    fn glob_is_fast_on_hostile_input() {
        let pattern = "*a".repeat(50) + "b";
        let text = "a".repeat(20_000);
        assert!(!glob(pattern.as_bytes(), text.as_bytes()));
    }
}
