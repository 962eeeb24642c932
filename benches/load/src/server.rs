//! What every echo server binary shares: its options, the `READY` line the
//! runner waits for, and a watchdog that bounds its lifetime (so a server
//! never outlives a crashed runner by long).

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use crate::args::{ArgError, Args};

/// Default lifetime of a server process.
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(600);

/// Options common to the echo servers.
#[derive(Clone, Debug)]
pub struct ServerArgs {
    /// `--listen ADDR` (default `127.0.0.1:9001`).
    pub listen: SocketAddr,
    /// `--lifetime SECS`: the process exits after this long.
    pub lifetime: Duration,
    /// All parsed options (for server-specific ones).
    pub args: Args,
}

impl ServerArgs {
    /// Parses the process arguments; `extra` names further options that
    /// take a value.
    ///
    /// # Errors
    /// Unknown options or bad values.
    pub fn from_env(extra: &[&str]) -> Result<Self, ArgError> {
        let mut options = vec!["listen", "lifetime"];
        options.extend_from_slice(extra);
        let args = Args::from_env(&[], &options)?;
        let listen = args.get_or("listen", SocketAddr::from(([127, 0, 0, 1], 9001)))?;
        let lifetime = Duration::from_secs(args.get_or("lifetime", DEFAULT_LIFETIME.as_secs())?);
        Ok(Self {
            listen,
            lifetime,
            args,
        })
    }
}

/// Starts a thread that ends the process after `lifetime`.
pub fn watchdog(lifetime: Duration) {
    std::thread::spawn(move || {
        std::thread::sleep(lifetime);
        eprintln!("lifetime of {}s reached, exiting", lifetime.as_secs());
        std::process::exit(0);
    });
}

/// Prints `READY <addr>` on stdout (the runner waits for it).
pub fn announce(addr: SocketAddr) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "READY {addr}");
    let _ = out.flush();
}

/// Parses the options, starts the watchdog; exits with a message on bad
/// options.
pub fn init(extra: &[&str]) -> ServerArgs {
    match ServerArgs::from_env(extra) {
        Ok(a) => {
            watchdog(a.lifetime);
            a
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    }
}
