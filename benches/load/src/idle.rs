//! The idle-memory test: open many WebSocket connections (handshakes
//! completed), then hold them without traffic while the runner reads the
//! server's RSS.

use std::io::{self, BufRead, Write};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use socket2::{Domain, Socket, Type};

use crate::generator::GenError;
use crate::handshake;

/// Options of an idle run.
#[derive(Clone, Debug)]
pub struct IdleConfig {
    /// The server.
    pub addr: SocketAddr,
    /// Connections to open.
    pub conns: usize,
    /// Source addresses used round-robin: 127.0.0.1 ..= 127.0.0.`sources`
    /// (each has its own ephemeral port range).
    pub sources: u8,
    /// The longest time the connections are held.
    pub hold: Duration,
    /// Upper bound on the time spent connecting.
    pub connect_budget: Duration,
}

/// Connects from `127.0.0.<src>` to `addr` (bind before connect).
fn connect_from(src: u8, addr: SocketAddr) -> io::Result<TcpStream> {
    let sock = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    let local = SocketAddrV4::new(Ipv4Addr::new(127, 0, 0, src), 0);
    sock.bind(&SocketAddr::V4(local).into())?;
    sock.connect_timeout(&addr.into(), Duration::from_secs(5))?;
    Ok(sock.into())
}

/// Opens the connections, writes `READY <n>` to `out`, then holds them
/// until a line (or EOF) arrives on stdin or `hold` elapses. Returns how
/// many were opened.
///
/// # Errors
/// The first connect or handshake failure (connections opened before it
/// are closed).
pub fn run(cfg: &IdleConfig, mut out: impl Write) -> Result<usize, GenError> {
    let host = cfg.addr.to_string();
    let deadline = Instant::now() + cfg.connect_budget;
    let mut held = Vec::with_capacity(cfg.conns);
    for i in 0..cfg.conns {
        if Instant::now() > deadline {
            return Err(GenError::Io(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("connect budget spent after {i} connections"),
            )));
        }
        let src = 1 + (i % usize::from(cfg.sources.max(1))) as u8;
        let mut s = connect_from(src, cfg.addr).map_err(|source| GenError::Connect {
            addr: cfg.addr,
            source,
        })?;
        handshake::upgrade(&mut s, &host, false)?;
        held.push(s);
    }
    writeln!(out, "READY {}", held.len())?;
    out.flush()?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = io::stdin().lock().read_line(&mut line);
        let _ = tx.send(());
    });
    let _ = rx.recv_timeout(cfg.hold);
    Ok(held.len())
}
