//! A minimal `--key value` / `--flag` command-line parser (keeps the
//! harness free of a CLI dependency).

use std::collections::HashMap;
use std::str::FromStr;

/// A command-line error.
#[derive(Debug, thiserror::Error)]
pub enum ArgError {
    /// An argument that does not start with `--`.
    #[error("unexpected argument `{0}`")]
    Unexpected(String),
    /// A value that does not parse.
    #[error("bad value `{value}` for --{key}")]
    BadValue {
        /// The option name.
        key: String,
        /// The value given.
        value: String,
    },
    /// A required option is missing.
    #[error("missing --{0}")]
    Missing(String),
    /// An option not known to this program.
    #[error("unknown option --{0}")]
    Unknown(String),
}

/// Parsed options: `--key value` pairs and bare `--flag`s.
#[derive(Clone, Debug, Default)]
pub struct Args {
    values: HashMap<String, String>,
    flags: Vec<String>,
}

impl Args {
    /// Parses `args` (without the program name). `flags` names the options
    /// that take no value; every other option takes one.
    ///
    /// # Errors
    /// A positional argument, or an option in neither `flags` nor `options`.
    pub fn parse(
        args: impl IntoIterator<Item = String>,
        flags: &[&str],
        options: &[&str],
    ) -> Result<Self, ArgError> {
        let mut out = Self::default();
        let mut it = args.into_iter();
        while let Some(arg) = it.next() {
            let key = arg
                .strip_prefix("--")
                .ok_or_else(|| ArgError::Unexpected(arg.clone()))?;
            if flags.contains(&key) {
                out.flags.push(key.to_owned());
            } else if options.contains(&key) {
                let value = it.next().ok_or_else(|| ArgError::Missing(key.to_owned()))?;
                out.values.insert(key.to_owned(), value);
            } else {
                return Err(ArgError::Unknown(key.to_owned()));
            }
        }
        Ok(out)
    }

    /// Parses the process's own arguments.
    ///
    /// # Errors
    /// As [`Args::parse`].
    pub fn from_env(flags: &[&str], options: &[&str]) -> Result<Self, ArgError> {
        Self::parse(std::env::args().skip(1), flags, options)
    }

    /// Whether `--flag` was given.
    pub fn flag(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }

    /// The raw value of `--key`.
    pub fn raw(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    /// The parsed value of `--key`, or `default` when absent.
    ///
    /// # Errors
    /// A value that does not parse as `T`.
    pub fn get_or<T: FromStr>(&self, key: &str, default: T) -> Result<T, ArgError> {
        match self.values.get(key) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| ArgError::BadValue {
                key: key.to_owned(),
                value: v.clone(),
            }),
        }
    }

    /// The parsed value of a required `--key`.
    ///
    /// # Errors
    /// A missing or unparsable value.
    pub fn required<T: FromStr>(&self, key: &str) -> Result<T, ArgError> {
        let v = self
            .values
            .get(key)
            .ok_or_else(|| ArgError::Missing(key.to_owned()))?;
        v.parse().map_err(|_| ArgError::BadValue {
            key: key.to_owned(),
            value: v.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn parses_flags_and_values() {
        let a = Args::parse(s(&["--quick", "--conns", "10"]), &["quick"], &["conns"]).unwrap();
        assert!(a.flag("quick"));
        assert_eq!(a.required::<usize>("conns").unwrap(), 10);
        assert_eq!(a.get_or::<usize>("size", 7).unwrap(), 7);
    }

    #[test]
    fn rejects_unknown_and_bad_values() {
        assert!(matches!(
            Args::parse(s(&["--nope"]), &[], &[]),
            Err(ArgError::Unknown(_))
        ));
        assert!(matches!(
            Args::parse(s(&["pos"]), &[], &[]),
            Err(ArgError::Unexpected(_))
        ));
        let a = Args::parse(s(&["--conns", "x"]), &[], &["conns"]).unwrap();
        assert!(matches!(
            a.required::<usize>("conns"),
            Err(ArgError::BadValue { .. })
        ));
        assert!(matches!(
            Args::parse(s(&["--conns"]), &[], &["conns"]),
            Err(ArgError::Missing(_))
        ));
    }
}
