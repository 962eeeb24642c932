//! Small helpers over `(name, value)` header lists: lookup, token lists, validation.

use crate::error::UsageError;

/// True for the characters of an RFC 7230 `token`.
pub(crate) fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// True when `s` is a non-empty RFC 7230 token.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_tchar)
}

/// All values of header `name` (case-insensitive), in order.
pub(crate) fn values<'a>(
    headers: &'a [(String, String)],
    name: &'a str,
) -> impl Iterator<Item = &'a str> + 'a {
    headers
        .iter()
        .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The first value of header `name` (case-insensitive).
pub(crate) fn first<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// How often header `name` occurs, and its first value.
pub(crate) fn single<'a>(headers: &'a [(String, String)], name: &str) -> (usize, Option<&'a str>) {
    let mut count = 0;
    let mut value = None;
    for (n, v) in headers {
        if n.eq_ignore_ascii_case(name) {
            count += 1;
            value.get_or_insert(v.as_str());
        }
    }
    (count, value)
}

/// The comma-separated elements of every header `name`, trimmed, empty elements skipped.
pub(crate) fn list<'a>(
    headers: &'a [(String, String)],
    name: &'a str,
) -> impl Iterator<Item = &'a str> + 'a {
    values(headers, name)
        .flat_map(|v| v.split(','))
        .map(|t| t.trim_matches([' ', '\t']))
        .filter(|t| !t.is_empty())
}

/// True when some header `name` lists `token` (case-insensitive).
pub(crate) fn has_token(headers: &[(String, String)], name: &str, token: &str) -> bool {
    list(headers, name).any(|t| t.eq_ignore_ascii_case(token))
}

/// Checks that a header can be written without breaking the head: the name is a token and
/// the value has no CR, LF or NUL.
pub(crate) fn check_header(name: &str, value: &str) -> Result<(), UsageError> {
    if !is_token(name) || value.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
        return Err(UsageError::InvalidHeader(name.to_owned()));
    }
    Ok(())
}

/// Appends `name: value\r\n`.
pub(crate) fn write_header(out: &mut Vec<u8>, name: &str, value: &str) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value.as_bytes());
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn token_lists_span_headers_and_ignore_case() {
        let hs = h(&[("Connection", "keep-alive, "), ("connection", " UpGrade ")]);
        assert!(has_token(&hs, "CONNECTION", "upgrade"));
        assert!(!has_token(&hs, "Connection", "close"));
        assert_eq!(list(&hs, "connection").count(), 2);
    }

    #[test]
    fn upgrade_token_must_be_whole() {
        let hs = h(&[("Connection", "upgrades, notupgrade")]);
        assert!(!has_token(&hs, "Connection", "upgrade"));
    }

    #[test]
    fn check_header_refuses_injection() {
        assert!(check_header("X-Ok", "fine value").is_ok());
        assert!(check_header("X-Bad", "a\r\nEvil: 1").is_err());
        assert!(check_header("X Bad", "v").is_err());
        assert!(check_header("", "v").is_err());
        assert!(check_header("X-Nul", "a\0b").is_err());
    }

    #[test]
    fn single_counts_duplicates() {
        let hs = h(&[("Host", "a"), ("HOST", "b")]);
        assert_eq!(single(&hs, "host"), (2, Some("a")));
        assert_eq!(single(&hs, "origin"), (0, None));
    }
}
