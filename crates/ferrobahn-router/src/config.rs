//! The router configuration: realms, roles and permissions, principals, transports and
//! limits. Read from TOML ([`RouterConfig::from_toml_str`]) or JSON
//! ([`RouterConfig::from_json_str`]); [`RouterConfig::default`] is a usable router:
//! realm `realm1`, anonymous allowed to do everything, `ws://127.0.0.1:8080/ws`.
//!
//! ```
//! let cfg = ferrobahn_router::RouterConfig::from_toml_str(r#"
//! [[realms]]
//! name = "realm1"
//! [[realms.roles]]
//! name = "anonymous"
//! [[realms.roles.permissions]]
//! uri = "com.example."
//! match = "prefix"
//! allow = { call = true, register = true, publish = true, subscribe = true }
//! "#).unwrap();
//! assert_eq!(cfg.realms[0].name, "realm1");
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ferrobahn_wamp::MatchPolicy;
use serde::{Deserialize, Serialize};

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("reading {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// TOML syntax or schema error.
    #[error("invalid TOML configuration: {0}")]
    Toml(#[from] toml::de::Error),
    /// JSON syntax or schema error.
    #[error("invalid JSON configuration: {0}")]
    Json(#[from] serde_json::Error),
    /// A value that parses but makes no sense.
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

/// The whole router configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct RouterConfig {
    /// Realms known at start.
    pub realms: Vec<RealmConfig>,
    /// Create a realm (with the default permissive `anonymous` role) when a client asks
    /// for an unknown one. Default false.
    pub auto_create_realms: bool,
    /// Listening endpoints.
    pub transports: Vec<TransportConfig>,
    /// Limits.
    pub limits: Limits,
    /// Busy polling, in microseconds: after each message read, the router's runtime
    /// keeps polling for I/O this long instead of sleeping ([`ferrobahn_rt::BusyPoll`]).
    /// Saves the wake-up of a sleeping thread per message (tens of microseconds on a
    /// virtual machine) at the price of a core kept 100% busy while traffic flows; for
    /// a router on a core of its own. Default 0 (off).
    pub busy_poll_us: u64,
    /// The most of every period (`busy_poll_period_us`, 10 ms by default) that busy
    /// polling may spin, in percent (1-100); the rest of the period the router sleeps
    /// between messages as usual (see `busy_poll_blocking_rest`), which leaves its core
    /// to other tasks and keeps a real-time (`SCHED_FIFO`) router under Linux's RT
    /// throttling (95%) at moderate rates. Default 80.
    pub busy_poll_share_percent: u8,
    /// Whether busy polling's rest (the part of each period beyond
    /// `busy_poll_share_percent`) blocks the router's thread instead of letting it sleep
    /// between messages: nothing is read or routed during the rest, and no message
    /// wakes the thread, so a real-time (`SCHED_FIFO`) router uses exactly its share of
    /// the CPU, below Linux's RT throttling, and no ordinary process can preempt it
    /// while it polls. Adds up to the rest to the wait of the messages that arrive
    /// during it (120 µs with a 2 ms period at 94%). For a router on a core of its own.
    /// Default false.
    pub busy_poll_blocking_rest: bool,
    /// The period `busy_poll_share_percent` applies to, in microseconds (100-1,000,000).
    /// A shorter one makes each rest shorter. Default 10,000.
    pub busy_poll_period_us: u64,
    /// The agent string sent in WELCOME.
    pub agent: String,
    /// Application components to run inside the router process, by name. The program
    /// hosting the router resolves the names (`ferrobahn router` knows a set of
    /// built-in ones) and embeds them with [`crate::RouterHandle::embed`].
    pub components: Vec<ComponentConfig>,
}

/// An embedded application component (see [`RouterConfig::components`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct ComponentConfig {
    /// The component's name, e.g. `timeservice`.
    pub name: String,
    /// The realm it joins. Default `realm1`.
    pub realm: String,
}

impl ComponentConfig {
    /// The component `name` joining `realm`.
    pub fn new(name: &str, realm: &str) -> Self {
        Self {
            name: name.to_owned(),
            realm: realm.to_owned(),
        }
    }
}

impl Default for ComponentConfig {
    fn default() -> Self {
        Self::new("", "realm1")
    }
}

impl Default for RouterConfig {
    fn default() -> Self {
        Self {
            realms: vec![RealmConfig::permissive("realm1")],
            auto_create_realms: false,
            transports: vec![TransportConfig::default()],
            limits: Limits::default(),
            busy_poll_us: 0,
            busy_poll_share_percent: 80,
            busy_poll_blocking_rest: false,
            busy_poll_period_us: 10_000,
            agent: concat!("ferrobahn-router-", env!("CARGO_PKG_VERSION")).to_owned(),
            components: Vec::new(),
        }
    }
}

impl RouterConfig {
    /// Parses a TOML document.
    ///
    /// # Errors
    /// [`ConfigError::Toml`] for syntax or schema errors, [`ConfigError::Invalid`] for
    /// values that make no sense.
    pub fn from_toml_str(s: &str) -> Result<Self, ConfigError> {
        let cfg: RouterConfig = toml::from_str(s)?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Parses a JSON document (same schema as TOML).
    ///
    /// # Errors
    /// As [`RouterConfig::from_toml_str`].
    pub fn from_json_str(s: &str) -> Result<Self, ConfigError> {
        let cfg: RouterConfig = serde_json::from_str(s)?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Loads a file: JSON when its name ends in `.json`, TOML otherwise.
    ///
    /// # Errors
    /// [`ConfigError::Io`] when it cannot be read, otherwise as the parsers.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.display().to_string(),
            source,
        })?;
        if path.extension().is_some_and(|e| e == "json") {
            Self::from_json_str(&text)
        } else {
            Self::from_toml_str(&text)
        }
    }

    /// Checks cross-field rules (unique realm names, known roles of principals).
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the first problem.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut seen = std::collections::HashSet::new();
        for realm in &self.realms {
            if !seen.insert(realm.name.as_str()) {
                return Err(ConfigError::Invalid(format!(
                    "realm {:?} is defined twice",
                    realm.name
                )));
            }
            if ferrobahn_wamp::uri::validate_uri(&realm.name, ferrobahn_wamp::UriCheck::Loose)
                .is_err()
            {
                return Err(ConfigError::Invalid(format!(
                    "realm name {:?} is not a URI",
                    realm.name
                )));
            }
        }
        for realm in &self.realms {
            for (authid, p) in realm.auth.cryptosign.iter().flatten() {
                for key in &p.authorized_keys {
                    if crate::core::parse_public_key(key).is_none() {
                        return Err(ConfigError::Invalid(format!(
                            "cryptosign principal {authid:?}: {key:?} is not a 32-byte hex Ed25519 public key"
                        )));
                    }
                }
            }
            for (authid, p) in realm.auth.wampcra.iter().flatten() {
                if p.salt.is_some() && (p.iterations == 0 || p.keylen == 0 || p.keylen > 1024) {
                    return Err(ConfigError::Invalid(format!(
                        "wampcra principal {authid:?}: iterations must be > 0 and keylen in 1..=1024"
                    )));
                }
            }
        }
        if !(1..=100).contains(&self.busy_poll_share_percent) {
            return Err(ConfigError::Invalid(
                "busy_poll_share_percent must be 1-100".into(),
            ));
        }
        if !(100..=1_000_000).contains(&self.busy_poll_period_us) {
            return Err(ConfigError::Invalid(
                "busy_poll_period_us must be 100-1000000".into(),
            ));
        }
        if self.limits.max_queued_messages == 0 {
            return Err(ConfigError::Invalid(
                "limits.max_queued_messages must be at least 1".into(),
            ));
        }
        Ok(())
    }

    /// The realm configuration called `name`.
    pub fn realm(&self, name: &str) -> Option<&RealmConfig> {
        self.realms.iter().find(|r| r.name == name)
    }
}

/// Limits that protect the router.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Limits {
    /// Messages queued for one session before it is dropped as too slow. Default 16384.
    pub max_queued_messages: usize,
    /// WAMP messages one transport message (a batched WebSocket message) may carry
    /// before the session is dropped as flooding. Messages are handled as they are read
    /// (a connection stops reading while its outgoing buffer is full), so nothing else
    /// queues towards the router. Default 16384.
    pub max_inbound_messages: usize,
    /// Largest WAMP message accepted, in bytes. Default 16 MiB.
    pub max_message_size: usize,
    /// Bytes queued for one connection above which they are written at once instead of
    /// after more is taken from its queue: the size of the batches a busy connection
    /// writes (a fan-out of large events writes fewer, larger batches with a higher
    /// value; up to about this much is buffered per busy connection). Default 262144.
    pub write_batch_bytes: usize,
    /// Most concurrent connections. Default 100000.
    pub max_connections: usize,
    /// Seconds a client has to finish the WebSocket/RawSocket opening handshake. Default 10.
    pub open_handshake_timeout_secs: u64,
    /// Seconds a peer may leave written bytes unread (its socket full) before it is
    /// dropped. Default 30.
    pub write_timeout_secs: u64,
    /// Milliseconds a dynamic authorizer procedure has to answer before the action is
    /// denied. Default 5000.
    pub authorizer_timeout_ms: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_queued_messages: 16 * 1024,
            max_inbound_messages: 16 * 1024,
            max_message_size: 16 * 1024 * 1024,
            write_batch_bytes: 256 * 1024,
            max_connections: 100_000,
            open_handshake_timeout_secs: 10,
            write_timeout_secs: 30,
            authorizer_timeout_ms: 5000,
        }
    }
}

/// One listening endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct TransportConfig {
    /// `host:port` to listen on, or `unix:PATH` for a Unix domain socket (WebSocket and
    /// RawSocket both work over it). Default `127.0.0.1:8080`.
    pub endpoint: String,
    /// The WebSocket request path. Default `/ws`.
    pub path: String,
    /// Serializers offered, by short name (`json`, `msgpack`, `cbor`, `ubjson`); empty
    /// means all, binary first.
    pub serializers: Vec<String>,
    /// Also accept RawSocket on this port (told apart from WebSocket by the first byte).
    /// Default true.
    pub rawsocket: bool,
    /// Accept `permessage-deflate` offers (WebSocket compression). Default true.
    pub compression: bool,
    /// Serve the files of this directory over plain HTTP on the same port (a `GET` that
    /// is not a WebSocket upgrade and not for [`TransportConfig::path`]): `/` maps to
    /// the directory, directories to their `index.html`. Default none.
    pub static_dir: Option<PathBuf>,
    /// Largest static file served, in bytes (larger ones get 403). Default 64 MiB.
    pub static_max_file_size: u64,
    /// Serve this endpoint over TLS (`wss://`, and RawSocket over TLS): the PEM
    /// certificate chain and key. The runtime binding wraps the listener
    /// (`TlsListener` of `ferrobahn-tokio` / `ferrobahn-async-std`, feature `tls`).
    /// Default none.
    pub tls: Option<TlsFiles>,
}

/// The PEM files of a TLS endpoint.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct TlsFiles {
    /// The certificate chain, leaf first.
    pub cert: PathBuf,
    /// The private key.
    pub key: PathBuf,
}

impl TlsFiles {
    /// A certificate chain file and its key file.
    pub fn new(cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        Self {
            cert: cert.into(),
            key: key.into(),
        }
    }
}

impl Default for TransportConfig {
    fn default() -> Self {
        Self {
            endpoint: "127.0.0.1:8080".into(),
            path: "/ws".into(),
            serializers: Vec::new(),
            rawsocket: true,
            compression: true,
            static_dir: None,
            static_max_file_size: 64 * 1024 * 1024,
            tls: None,
        }
    }
}

impl TransportConfig {
    /// The socket path when [`TransportConfig::endpoint`] is `unix:PATH`.
    pub fn unix_path(&self) -> Option<&Path> {
        self.endpoint
            .strip_prefix("unix:")
            .map(|p| Path::new(p.strip_prefix("//").unwrap_or(p)))
    }
}

/// A realm: its roles (permissions) and how clients authenticate to it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct RealmConfig {
    /// The realm URI.
    pub name: String,
    /// Roles and their permissions. A session whose authrole is not listed may do nothing.
    pub roles: Vec<RoleConfig>,
    /// Authentication methods and principals.
    pub auth: AuthConfig,
}

impl RealmConfig {
    /// A realm where anonymous clients (authrole `anonymous`) may do everything and
    /// disclose caller and publisher.
    pub fn permissive(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            roles: vec![RoleConfig {
                name: "anonymous".into(),
                authorizer: None,
                permissions: vec![Permission::all("", MatchPolicyConfig::Prefix)],
            }],
            auth: AuthConfig {
                anonymous: Some(AnonymousAuth {
                    role: "anonymous".into(),
                }),
                ..AuthConfig::default()
            },
        }
    }
}

/// A role: permissions by URI pattern.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct RoleConfig {
    /// The role name (authrole).
    pub name: String,
    /// Permissions; the most specific matching one applies (exact, then longest prefix,
    /// then wildcard).
    pub permissions: Vec<Permission>,
    /// A dynamic authorizer: the URI of a procedure (registered by some session, e.g. an
    /// embedded component) the router calls with `(session_details, uri, action,
    /// options)` before each call, register, publish and subscribe of this role,
    /// instead of [`RoleConfig::permissions`]. It answers `true`/`false` or
    /// `{"allow": bool, "disclose": bool}`; an error or no answer in
    /// [`Limits::authorizer_timeout_ms`] denies.
    pub authorizer: Option<String>,
}

/// How a permission's URI matches (config spelling of [`MatchPolicy`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchPolicyConfig {
    /// Equal URI.
    #[default]
    Exact,
    /// String prefix.
    Prefix,
    /// Component wildcard (empty components match anything).
    Wildcard,
}

impl From<MatchPolicyConfig> for MatchPolicy {
    fn from(m: MatchPolicyConfig) -> MatchPolicy {
        match m {
            MatchPolicyConfig::Exact => MatchPolicy::Exact,
            MatchPolicyConfig::Prefix => MatchPolicy::Prefix,
            MatchPolicyConfig::Wildcard => MatchPolicy::Wildcard,
        }
    }
}

/// What a role may do on URIs matching `uri`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Permission {
    /// The URI or pattern.
    pub uri: String,
    /// How `uri` matches.
    #[serde(rename = "match")]
    pub match_policy: MatchPolicyConfig,
    /// Allowed actions.
    pub allow: Allow,
    /// Identity disclosure forced by the router.
    pub disclose: Disclose,
}

impl Permission {
    /// Everything allowed on `uri` (with `policy`), caller and publisher disclosed on request.
    pub fn all(uri: &str, policy: MatchPolicyConfig) -> Self {
        Self {
            uri: uri.to_owned(),
            match_policy: policy,
            allow: Allow {
                call: true,
                register: true,
                publish: true,
                subscribe: true,
            },
            disclose: Disclose::default(),
        }
    }
}

/// Allowed actions of a [`Permission`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Allow {
    /// CALL.
    pub call: bool,
    /// REGISTER.
    pub register: bool,
    /// PUBLISH.
    pub publish: bool,
    /// SUBSCRIBE.
    pub subscribe: bool,
}

/// Disclosure rules of a [`Permission`]: when true the router always discloses the
/// caller (to callees) or publisher (to subscribers), whatever the client asked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Disclose {
    /// Disclose the caller of calls.
    pub caller: bool,
    /// Disclose the publisher of events.
    pub publisher: bool,
}

/// Authentication methods of a realm. A method is enabled when its entry is present.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct AuthConfig {
    /// Anonymous access.
    pub anonymous: Option<AnonymousAuth>,
    /// Ticket (shared secret) principals, by authid.
    pub ticket: Option<BTreeMap<String, TicketPrincipal>>,
    /// WAMP-CRA principals, by authid.
    pub wampcra: Option<BTreeMap<String, CraPrincipal>>,
    /// WAMP-Cryptosign principals, by authid.
    pub cryptosign: Option<BTreeMap<String, CryptosignPrincipal>>,
}

/// A WAMP-CRA principal: a shared secret, optionally salted (PBKDF2-HMAC-SHA256).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct CraPrincipal {
    /// The secret.
    pub secret: String,
    /// The authrole it gets.
    pub role: String,
    /// Salt: when set, the client derives its key with PBKDF2 from the secret.
    pub salt: Option<String>,
    /// PBKDF2 iterations (salted only). Default 1000.
    pub iterations: u32,
    /// Derived key length in bytes (salted only). Default 32.
    pub keylen: u32,
}

impl Default for CraPrincipal {
    fn default() -> Self {
        Self {
            secret: String::new(),
            role: String::new(),
            salt: None,
            iterations: 1000,
            keylen: 32,
        }
    }
}

/// A WAMP-Cryptosign principal: the Ed25519 public keys it may authenticate with.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct CryptosignPrincipal {
    /// Authorized public keys, 64 hex digits each.
    pub authorized_keys: Vec<String>,
    /// The authrole it gets.
    pub role: String,
}

/// Anonymous access: the role anonymous sessions get.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct AnonymousAuth {
    /// The authrole (default `anonymous`).
    pub role: String,
}

/// A ticket principal.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct TicketPrincipal {
    /// The ticket the client must present.
    pub ticket: String,
    /// The authrole it gets.
    pub role: String,
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
