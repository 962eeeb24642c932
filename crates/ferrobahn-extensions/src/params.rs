//! Parameter parsing shared by the extensions: duplicates, flags and
//! small integers, with the error naming the extension and parameter.

use ferrobahn_handshake::ExtensionOffer;

use crate::NegotiationError;

/// The parameters of one offer or response, checked for duplicates
/// (names compare case-insensitively) and consumed one by one.
pub(crate) struct Params<'a> {
    extension: &'static str,
    params: &'a [(String, Option<String>)],
    used: Vec<bool>,
}

impl<'a> Params<'a> {
    /// Checks `ext` for duplicate parameter names.
    pub(crate) fn new(
        extension: &'static str,
        ext: &'a ExtensionOffer,
    ) -> Result<Self, NegotiationError> {
        for (i, (name, _)) in ext.params.iter().enumerate() {
            if ext.params[..i]
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(name))
            {
                return Err(NegotiationError::DuplicateParam {
                    extension,
                    param: name.clone(),
                });
            }
        }
        Ok(Self {
            extension,
            params: &ext.params,
            used: vec![false; ext.params.len()],
        })
    }

    fn take(&mut self, name: &str) -> Option<(&'a str, Option<&'a str>)> {
        let i = self
            .params
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(name))?;
        self.used[i] = true;
        let (n, v) = &self.params[i];
        Some((n.as_str(), v.as_deref()))
    }

    fn invalid(&self, param: &str, value: Option<&str>) -> NegotiationError {
        NegotiationError::InvalidValue {
            extension: self.extension,
            param: param.to_owned(),
            value: value.map(str::to_owned),
        }
    }

    /// A parameter without a value: `true` when present.
    pub(crate) fn flag(&mut self, name: &str) -> Result<bool, NegotiationError> {
        match self.take(name) {
            None => Ok(false),
            Some((_, None)) => Ok(true),
            Some((n, v)) => Err(self.invalid(n, v)),
        }
    }

    /// A parameter with a required decimal value in `range`.
    #[cfg_attr(not(any(feature = "deflate", feature = "bzip2")), allow(dead_code))]
    pub(crate) fn number(
        &mut self,
        name: &str,
        range: std::ops::RangeInclusive<u8>,
    ) -> Result<Option<u8>, NegotiationError> {
        match self.take(name) {
            None => Ok(None),
            Some((n, v)) => match v.and_then(|v| parse_decimal(v, &range)) {
                Some(x) => Ok(Some(x)),
                None => Err(self.invalid(n, v)),
            },
        }
    }

    /// A parameter whose value is optional (`Some(None)`: present bare).
    #[cfg_attr(not(feature = "deflate"), allow(dead_code))]
    pub(crate) fn optional_number(
        &mut self,
        name: &str,
        range: std::ops::RangeInclusive<u8>,
    ) -> Result<Option<Option<u8>>, NegotiationError> {
        match self.take(name) {
            None => Ok(None),
            Some((_, None)) => Ok(Some(None)),
            Some((n, Some(v))) => match parse_decimal(v, &range) {
                Some(x) => Ok(Some(Some(x))),
                None => Err(self.invalid(n, Some(v))),
            },
        }
    }

    /// Fails on the first parameter no getter asked for.
    pub(crate) fn finish(self) -> Result<(), NegotiationError> {
        match self.used.iter().position(|u| !u) {
            None => Ok(()),
            Some(i) => Err(NegotiationError::UnknownParam {
                extension: self.extension,
                param: self.params[i].0.clone(),
            }),
        }
    }
}

#[cfg_attr(not(any(feature = "deflate", feature = "bzip2")), allow(dead_code))]
/// A decimal integer without sign or leading zeros (RFC 7692 7.1.2), in `range`.
fn parse_decimal(v: &str, range: &std::ops::RangeInclusive<u8>) -> Option<u8> {
    if v.is_empty() || v.len() > 3 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if v.len() > 1 && v.starts_with('0') {
        return None;
    }
    let x: u8 = v.parse().ok()?;
    range.contains(&x).then_some(x)
}

/// Appends a bare parameter when `on`.
pub(crate) fn push_flag(ext: &mut ExtensionOffer, name: &str, on: bool) {
    if on {
        ext.params.push((name.to_owned(), None));
    }
}

/// Appends `name=value` when `value` is set.
#[cfg_attr(not(any(feature = "deflate", feature = "bzip2")), allow(dead_code))]
pub(crate) fn push_number(ext: &mut ExtensionOffer, name: &str, value: Option<u8>) {
    if let Some(v) = value {
        ext.params.push((name.to_owned(), Some(v.to_string())));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_rules() {
        let r = 8..=15;
        assert_eq!(parse_decimal("8", &r), Some(8));
        assert_eq!(parse_decimal("15", &r), Some(15));
        for bad in ["7", "16", "abc", "", "010", "+9", "-9", "9.0", "1000"] {
            assert_eq!(parse_decimal(bad, &r), None, "{bad}");
        }
    }

    #[test]
    fn duplicates_and_unknowns() {
        let ext = ExtensionOffer::new("x")
            .with_param("a", None)
            .with_param("A", None);
        assert!(matches!(
            Params::new("x", &ext),
            Err(NegotiationError::DuplicateParam { .. })
        ));
        let ext = ExtensionOffer::new("x")
            .with_param("a", None)
            .with_param("b", Some("1"));
        let mut p = Params::new("x", &ext).unwrap();
        assert!(p.flag("a").unwrap());
        assert_eq!(
            p.finish(),
            Err(NegotiationError::UnknownParam {
                extension: "x",
                param: "b".into()
            })
        );
    }
}
