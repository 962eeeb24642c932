//! `ferrobahn wamp`: a WAMP command-line client (call, publish, subscribe, register).
//!
//! ```text
//! ferrobahn wamp --url ws://127.0.0.1:8080/ws --realm realm1 call com.example.add2 2 3
//! ferrobahn wamp publish com.example.topic '"hello"' --kw n=5
//! ferrobahn wamp subscribe com.example.topic          # one JSON line per event
//! ferrobahn wamp register com.example.echo --times 1  # echoes its arguments
//! ```
//!
//! Arguments are JSON (a word that is not JSON is a string); keyword arguments are
//! `--kw key=JSON`. Results and events print as `{"args":[...],"kwargs":{...}}` lines on
//! stdout; status goes to stderr. Exit codes: 0 success, 2 bad usage, 3 cannot connect
//! (refused, handshake failed), 4 join refused (ABORT, authentication), 5 the request
//! failed (the router's or callee's error URI is printed), 6 the session was lost.

mod actions;
mod connect;
mod json;

use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use ferrobahn_client::wamp::MatchPolicy;
use ferrobahn_client::{ChannelBindingType, RequestError, SessionError};

/// Options of `ferrobahn wamp`.
#[derive(Debug, Args)]
pub(crate) struct WampArgs {
    #[command(flatten)]
    pub(crate) conn: ConnArgs,
    #[command(subcommand)]
    pub(crate) action: Action,
}

/// Where and how to join (valid before or after the subcommand).
#[derive(Debug, Args)]
pub(crate) struct ConnArgs {
    /// Router URL: ws://host:port/path, rs://host:port or tcp://host:port (RawSocket),
    /// unix:///path (RawSocket over a Unix socket); wss:// and rss:// over TLS.
    #[arg(long, global = true, default_value = "ws://127.0.0.1:8080/ws")]
    pub(crate) url: String,
    /// The realm to join.
    #[arg(long, global = true, default_value = "realm1")]
    pub(crate) realm: String,
    /// The serializer.
    #[arg(long, global = true, value_enum, default_value_t = SerializerArg::Json)]
    pub(crate) serializer: SerializerArg,
    /// The authentication method.
    #[arg(long, global = true, value_enum, default_value_t = AuthMethod::Anonymous)]
    pub(crate) authmethod: AuthMethod,
    /// The authid to authenticate as.
    #[arg(long, global = true)]
    pub(crate) authid: Option<String>,
    /// The authrole to ask for.
    #[arg(long, global = true)]
    pub(crate) authrole: Option<String>,
    /// The ticket, the WAMP-CRA secret, or the cryptosign private key (64 hex digits).
    #[arg(
        long,
        global = true,
        env = "FERROBAHN_WAMP_SECRET",
        hide_env_values = true
    )]
    pub(crate) secret: Option<String>,
    /// With --authmethod cryptosign: bind the signature to the TLS connection
    /// (wss:// and rss:// only). ferrobahn's router verifies tls-exporter (RFC 9266);
    /// Crossbar.io only knows tls-unique, which rustls cannot compute.
    #[arg(long, global = true, value_enum, value_name = "TYPE")]
    pub(crate) channel_binding: Option<ChannelBindingArg>,
    /// Seconds allowed to connect, run the handshake and join.
    #[arg(long, global = true, default_value_t = 10)]
    pub(crate) connect_timeout: u64,
    /// For wss:// and rss://: trust the CA certificates in this PEM file instead of
    /// Mozilla's roots.
    #[arg(long, global = true, value_name = "PEM")]
    pub(crate) tls_ca: Option<std::path::PathBuf>,
}

/// The serializer to offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum SerializerArg {
    /// wamp.2.json
    Json,
    /// wamp.2.msgpack
    Msgpack,
    /// wamp.2.cbor
    Cbor,
    /// wamp.2.ubjson
    Ubjson,
}

/// The authentication method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum AuthMethod {
    /// No credentials.
    Anonymous,
    /// A ticket (the secret, sent as is).
    Ticket,
    /// WAMP-CRA (HMAC of the router's challenge with the secret; salted too).
    Wampcra,
    /// WAMP-cryptosign (Ed25519; the secret is the private key seed in hex).
    Cryptosign,
}

/// A cryptosign channel binding type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ChannelBindingArg {
    /// RFC 9266: keying material exported from the TLS connection.
    TlsExporter,
}

impl From<ChannelBindingArg> for ChannelBindingType {
    fn from(b: ChannelBindingArg) -> Self {
        match b {
            ChannelBindingArg::TlsExporter => ChannelBindingType::TlsExporter,
        }
    }
}

/// How a URI matches (pattern-based subscriptions and registrations).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum MatchArg {
    /// The URI itself.
    Exact,
    /// URIs starting with it.
    Prefix,
    /// Empty components match any component.
    Wildcard,
}

impl From<MatchArg> for MatchPolicy {
    fn from(m: MatchArg) -> Self {
        match m {
            MatchArg::Exact => MatchPolicy::Exact,
            MatchArg::Prefix => MatchPolicy::Prefix,
            MatchArg::Wildcard => MatchPolicy::Wildcard,
        }
    }
}

/// What to do once joined.
#[derive(Debug, Subcommand)]
pub(crate) enum Action {
    /// Call a procedure and print its result as one JSON line.
    #[command(allow_negative_numbers = true)]
    Call {
        /// The procedure URI.
        uri: String,
        /// Positional arguments (JSON; a word that is not JSON is a string).
        args: Vec<String>,
        /// A keyword argument, `key=JSON` (repeatable).
        #[arg(long = "kw", value_name = "KEY=JSON")]
        kw: Vec<String>,
        /// Call timeout in milliseconds (sent to the router and enforced here).
        #[arg(long, default_value_t = 60_000)]
        timeout_ms: u64,
        /// Ask for progressive results and print each as a JSON line (with
        /// `"progress": true`) before the final one.
        #[arg(long)]
        progress: bool,
    },
    /// Publish an event.
    #[command(allow_negative_numbers = true)]
    Publish {
        /// The topic URI.
        uri: String,
        /// Positional arguments (JSON; a word that is not JSON is a string).
        args: Vec<String>,
        /// A keyword argument, `key=JSON` (repeatable).
        #[arg(long = "kw", value_name = "KEY=JSON")]
        kw: Vec<String>,
        /// Wait for the router's acknowledgement and print the publication ID.
        #[arg(long)]
        acknowledge: bool,
        /// Ask the router to retain the event for later subscribers.
        #[arg(long)]
        retain: bool,
    },
    /// Subscribe and print each event as one JSON line.
    Subscribe {
        /// The topic URI (or pattern).
        uri: String,
        /// How the URI matches.
        #[arg(long = "match", value_enum, default_value_t = MatchArg::Exact)]
        match_policy: MatchArg,
        /// Exit after this many events (default: until Ctrl-C or the session ends).
        #[arg(long)]
        times: Option<u64>,
    },
    /// Register an echo procedure (returns its arguments) and print each invocation.
    Register {
        /// The procedure URI (or pattern).
        uri: String,
        /// How the URI matches.
        #[arg(long = "match", value_enum, default_value_t = MatchArg::Exact)]
        match_policy: MatchArg,
        /// Exit after this many invocations (default: until Ctrl-C or the session ends).
        #[arg(long)]
        times: Option<u64>,
    },
}

/// Why `ferrobahn wamp` failed; each kind has its exit code.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// Bad arguments.
    #[error("{0}")]
    Usage(String),
    /// The router could not be reached or the handshake failed.
    #[error("cannot connect to {url}: {reason}")]
    Connect {
        /// The router URL.
        url: String,
        /// What failed.
        reason: String,
    },
    /// The router refused the session.
    #[error("cannot join realm {realm}: {source}")]
    Join {
        /// The realm.
        realm: String,
        /// Why.
        source: SessionError,
    },
    /// A request was answered with an error (or timed out).
    #[error("{what} failed: {}", request_error(.source))]
    Request {
        /// E.g. `call com.example.add2`.
        what: String,
        /// The error.
        source: RequestError,
    },
    /// The session ended while serving.
    #[error("session lost: {0}")]
    Lost(SessionError),
    /// Local I/O (the runtime, the signal handler).
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl CliError {
    fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Connect { .. } => 3,
            CliError::Join { .. } => 4,
            CliError::Request { .. } => 5,
            CliError::Lost(_) | CliError::Io(_) => 6,
        }
    }
}

/// An error with its URI, arguments and keyword arguments when the peer sent one.
fn request_error(e: &RequestError) -> String {
    match e {
        RequestError::Application(a) => {
            let mut s = a.error.clone();
            if !a.args.is_empty() || !a.kwargs.is_empty() {
                s.push(' ');
                s.push_str(&json::line(&a.args, &a.kwargs, &[]));
            }
            s
        }
        other => other.to_string(),
    }
}

/// Runs `ferrobahn wamp ...`; prints the error and returns its exit code on failure.
pub(crate) fn run(args: &WampArgs) -> ExitCode {
    let result = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CliError::from)
        .and_then(|rt| rt.block_on(actions::run(args)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ferrobahn wamp: error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
