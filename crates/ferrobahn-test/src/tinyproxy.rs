//! A real HTTP `CONNECT` proxy for tests: Debian's `tinyproxy`, started on
//! a free loopback port with a temporary configuration and stopped on drop.

use std::io;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A running tinyproxy; killed (and its files removed) on drop.
#[derive(Debug)]
pub struct Tinyproxy {
    child: Child,
    dir: PathBuf,
    /// The port it listens on (127.0.0.1).
    pub port: u16,
}

/// What the proxy allows.
#[derive(Clone, Debug, Default)]
pub struct TinyproxyConfig {
    /// `BasicAuth user password`: clients must send these credentials.
    pub basic_auth: Option<(String, String)>,
    /// `ConnectPort` lines: `CONNECT` only to these ports (empty: any port).
    pub connect_ports: Vec<u16>,
}

impl Tinyproxy {
    /// Starts tinyproxy (from `PATH`) with `config` and waits, up to 10 s,
    /// until it accepts connections.
    ///
    /// # Errors
    /// When tinyproxy is not installed, or does not come up in time.
    pub fn start(config: &TinyproxyConfig) -> io::Result<Self> {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "ferrobahn-tinyproxy-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir)?;
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut conf = format!(
            "Port {port}\nListen 127.0.0.1\nTimeout 30\nMaxClients 50\n\
             Allow 127.0.0.1\nLogLevel Warning\nLogFile \"{}\"\n",
            dir.join("log").display()
        );
        if let Some((user, password)) = &config.basic_auth {
            conf.push_str(&format!("BasicAuth {user} {password}\n"));
        }
        for p in &config.connect_ports {
            conf.push_str(&format!("ConnectPort {p}\n"));
        }
        let path = dir.join("tinyproxy.conf");
        std::fs::write(&path, conf)?;
        let child = Command::new("tinyproxy")
            .arg("-d")
            .arg("-c")
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("cannot run tinyproxy (Debian package tinyproxy): {e}"),
                )
            })?;
        let proxy = Self { child, dir, port };
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if start.elapsed() > Duration::from_secs(10) {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "tinyproxy did not start listening within 10 s",
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(proxy)
    }
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
