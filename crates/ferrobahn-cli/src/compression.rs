//! The per-message compression options of `ferrobahn echo`.

use clap::Args;
use ferrobahn::extensions::{BrotliConfig, Bzip2Config, SnappyConfig};
use ferrobahn::{DeflateConfig, NegotiationError, ServerExtensions};

/// Which compression extensions the server accepts, and their knobs. With
/// none of `--deflate`, `--bzip2`, `--snappy`, `--brotli` every offer is
/// declined.
#[derive(Debug, Clone, Args)]
pub(crate) struct CompressionArgs {
    /// Accept permessage-deflate (RFC 7692).
    #[arg(long)]
    pub(crate) deflate: bool,
    /// Largest deflate window this server compresses with (8..=15;
    /// below 15 it is announced as server_max_window_bits).
    #[arg(long, default_value_t = 15, requires = "deflate")]
    pub(crate) deflate_window_bits: u8,
    /// Ask clients to compress with at most this window (8..=15).
    #[arg(long, requires = "deflate")]
    pub(crate) deflate_client_window_bits: Option<u8>,
    /// Reset the compressor after every message (server_no_context_takeover),
    /// and ask clients to do the same (client_no_context_takeover).
    #[arg(long, requires = "deflate")]
    pub(crate) no_context_takeover: bool,
    /// zlib compression level, 0..=9.
    #[arg(long, default_value_t = 6, requires = "deflate")]
    pub(crate) deflate_level: u8,
    /// zlib memory level, 1..=9 (lower: less memory per connection).
    #[arg(long, default_value_t = 8, requires = "deflate")]
    pub(crate) deflate_mem_level: u8,
    /// Accept permessage-bzip2 (AutobahnPython's extension).
    #[arg(long)]
    pub(crate) bzip2: bool,
    /// Accept permessage-snappy (AutobahnPython's extension).
    #[arg(long)]
    pub(crate) snappy: bool,
    /// Accept permessage-brotli (AutobahnPython's extension).
    #[arg(long)]
    pub(crate) brotli: bool,
}

impl CompressionArgs {
    /// The server's extension configuration; knobs out of range are errors.
    pub(crate) fn server_extensions(&self) -> Result<ServerExtensions, NegotiationError> {
        let mut extensions = ServerExtensions::new();
        if self.deflate {
            let config = DeflateConfig {
                level: self.deflate_level,
                mem_level: self.deflate_mem_level,
                max_window_bits: self.deflate_window_bits,
                no_context_takeover: self.no_context_takeover,
                request_peer_no_context_takeover: self.no_context_takeover,
                request_peer_max_window_bits: self.deflate_client_window_bits,
                ..DeflateConfig::default()
            };
            config.validate()?;
            extensions = extensions.with_deflate(config);
        }
        if self.bzip2 {
            extensions = extensions.with_bzip2(Bzip2Config::default());
        }
        if self.snappy {
            extensions = extensions.with_snappy(SnappyConfig::default());
        }
        if self.brotli {
            extensions = extensions.with_brotli(BrotliConfig::default());
        }
        Ok(extensions)
    }

    /// The extensions accepted, for the log line.
    pub(crate) fn names(&self) -> Vec<&'static str> {
        [
            (self.deflate, "permessage-deflate"),
            (self.bzip2, "permessage-bzip2"),
            (self.snappy, "permessage-snappy"),
            (self.brotli, "permessage-brotli"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;
    use ferrobahn::extensions::{server_negotiate, ExtensionKind};

    use super::*;

    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        inner: CompressionArgs,
    }

    fn parse(args: &[&str]) -> Result<CompressionArgs, clap::Error> {
        let argv = std::iter::once("echo").chain(args.iter().copied());
        Wrapper::try_parse_from(argv).map(|w| w.inner)
    }

    #[test]
    fn no_flag_accepts_nothing() {
        let ext = parse(&[]).unwrap().server_extensions().unwrap();
        assert!(ExtensionKind::ALL.iter().all(|k| !ext.enables(*k)));
    }

    #[test]
    fn deflate_knobs_reach_the_response() {
        let args = parse(&[
            "--deflate",
            "--deflate-window-bits",
            "10",
            "--deflate-client-window-bits",
            "12",
            "--no-context-takeover",
        ])
        .unwrap();
        let ext = args.server_extensions().unwrap();
        assert!(ext.enables(ExtensionKind::Deflate));
        let offers =
            ferrobahn::handshake::parse_extensions("permessage-deflate; client_max_window_bits")
                .unwrap();
        let (response, _codec) = server_negotiate(&offers, &ext).unwrap().unwrap();
        let text = ferrobahn::handshake::format_extension(&response);
        for part in [
            "server_no_context_takeover",
            "server_max_window_bits=10",
            "client_no_context_takeover",
            "client_max_window_bits=12",
        ] {
            assert!(text.contains(part), "{text}");
        }
        assert_eq!(args.names(), ["permessage-deflate"]);
    }

    #[test]
    fn out_of_range_knobs_and_knobs_without_deflate_are_refused() {
        let args = parse(&["--deflate", "--deflate-window-bits", "16"]).unwrap();
        assert!(args.server_extensions().is_err());
        assert!(parse(&["--deflate-window-bits", "9"]).is_err());
        assert!(parse(&["--no-context-takeover"]).is_err());
    }

    #[test]
    fn other_extensions() {
        let args = parse(&["--bzip2", "--snappy", "--brotli"]).unwrap();
        let ext = args.server_extensions().unwrap();
        for kind in [
            ExtensionKind::Bzip2,
            ExtensionKind::Snappy,
            ExtensionKind::Brotli,
        ] {
            assert!(ext.enables(kind), "{kind}");
        }
        assert!(!ext.enables(ExtensionKind::Deflate));
    }
}
