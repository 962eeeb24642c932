//! The per-message compression extensions this crate knows.

/// A per-message compression extension. Every variant exists whatever the
/// crate features; [`ExtensionKind::is_enabled`] says whether this build
/// can negotiate it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExtensionKind {
    /// `permessage-deflate` (RFC 7692), feature `deflate`.
    Deflate,
    /// `permessage-bzip2` (AutobahnPython), feature `bzip2`.
    Bzip2,
    /// `permessage-snappy` (AutobahnPython), feature `snappy`.
    Snappy,
    /// `permessage-brotli` (AutobahnPython), feature `brotli`.
    Brotli,
}

impl ExtensionKind {
    /// Every kind, in the order a default client prefers them.
    pub const ALL: [Self; 4] = [Self::Deflate, Self::Brotli, Self::Snappy, Self::Bzip2];

    /// The extension token in `Sec-WebSocket-Extensions`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Deflate => "permessage-deflate",
            Self::Bzip2 => "permessage-bzip2",
            Self::Snappy => "permessage-snappy",
            Self::Brotli => "permessage-brotli",
        }
    }

    /// The kind whose token is `name` (tokens compare case-insensitively).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(name))
    }

    /// Whether this build includes the extension (its cargo feature is on).
    #[must_use]
    pub const fn is_enabled(self) -> bool {
        match self {
            Self::Deflate => cfg!(feature = "deflate"),
            Self::Bzip2 => cfg!(feature = "bzip2"),
            Self::Snappy => cfg!(feature = "snappy"),
            Self::Brotli => cfg!(feature = "brotli"),
        }
    }
}

impl std::fmt::Display for ExtensionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
