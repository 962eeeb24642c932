//! The load generator: one thread, one `mio` event loop, many connections,
//! each keeping a fixed number of pre-built messages in flight.
//!
//! Per connection it only tracks how many bytes of the repeating frame
//! stream are still to be written and a [`ReplyCounter`]; every reply
//! message completed re-arms one message. Latency runs also keep the send
//! time of each message in flight.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::mem::MaybeUninit;
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use mio::{Events, Interest, Poll, Token};

use crate::frame::{self, ReplyCounter, ReplyError, Wire};
use crate::handshake::{self, HandshakeError};
use crate::procstat::{self, Proc};
use crate::report::{quantile, GenReport};

/// The most latency samples kept (bounds memory at 16 MB).
const MAX_SAMPLES: usize = 4 << 20;
/// Read buffer shared by all connections (replies are never kept).
const READ_BUF: usize = 256 * 1024;
/// Reply payload runs at least this long are dropped in the kernel
/// (`recv(MSG_TRUNC)` on TCP discards without copying to user space), so
/// large replies cost the generator no copy.
const DISCARD_MIN: u64 = 16 * 1024;
/// The most bytes one discarding `recv` drops. The kernel never writes the
/// buffer passed with `MSG_TRUNC`, so it is reserved but never touched.
const DISCARD_MAX: usize = 4 << 20;
/// How long connecting one socket may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// What to generate.
#[derive(Clone, Debug)]
pub struct GenConfig {
    /// The server.
    pub addr: SocketAddr,
    /// Connections.
    pub conns: usize,
    /// Payload bytes per message.
    pub size: usize,
    /// Messages in flight per connection.
    pub inflight: usize,
    /// Unmeasured time before the window.
    pub warmup: Duration,
    /// The measured window.
    pub duration: Duration,
    /// WebSocket or length-prefixed TCP.
    pub wire: Wire,
    /// Negotiate permessage-deflate and send compressed messages.
    pub deflate: bool,
    /// Record round-trip times (meant for `inflight == 1`).
    pub latency: bool,
    /// The server's pid, to report its CPU share over the window.
    pub server_pid: Option<u32>,
}

/// A generator failure.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    /// Connecting a socket failed.
    #[error("connect to {addr}: {source}")]
    Connect {
        /// The server.
        addr: SocketAddr,
        /// The cause.
        source: io::Error,
    },
    /// The opening handshake failed.
    #[error(transparent)]
    Handshake(#[from] HandshakeError),
    /// The event loop failed.
    #[error("event loop: {0}")]
    Io(#[from] io::Error),
    /// Every connection was lost before the end.
    #[error("all connections lost (last: {0})")]
    AllLost(String),
}

/// Connects one TCP socket with `TCP_NODELAY` and a bounded connect time.
///
/// # Errors
/// [`GenError::Connect`].
pub fn connect(addr: SocketAddr) -> Result<TcpStream, GenError> {
    let s = TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT)
        .map_err(|source| GenError::Connect { addr, source })?;
    s.set_nodelay(true)
        .map_err(|source| GenError::Connect { addr, source })?;
    Ok(s)
}

struct Conn {
    stream: mio::net::TcpStream,
    counter: ReplyCounter,
    /// Position inside the current frame of the outgoing stream.
    phase: usize,
    /// Bytes still to write.
    pending: usize,
    sent_at: VecDeque<Instant>,
    alive: bool,
}

/// Shared state of the event loop.
struct Loop<'a> {
    block: &'a [u8],
    frame_len: usize,
    buf: Vec<u8>,
    /// Untouched space whose length bounds a discarding `recv`.
    discard: Box<[MaybeUninit<u8>]>,
    completed: u64,
    latency: bool,
    measuring: bool,
    samples: Vec<u32>,
    lost: usize,
    last_error: String,
}

impl Loop<'_> {
    /// Drains the socket; re-arms one message per completed reply.
    ///
    /// A short read means the socket was drained (epoll reports the next
    /// arrival as a new edge), so it saves the read that would only say
    /// `WouldBlock`, as tokio does.
    fn on_readable(&mut self, c: &mut Conn) -> Result<(), String> {
        loop {
            let left = c.counter.payload_left();
            let (got, want) = if left >= DISCARD_MIN {
                let want = left.min(self.discard.len() as u64) as usize;
                let sock = socket2::SockRef::from(&c.stream);
                (
                    sock.recv_with_flags(&mut self.discard[..want], libc::MSG_TRUNC),
                    want,
                )
            } else {
                (c.stream.read(&mut self.buf), self.buf.len())
            };
            match got {
                Ok(0) => return Err("server closed the connection".into()),
                Ok(n) => {
                    let done = if left >= DISCARD_MIN {
                        c.counter.discarded(n as u64)
                    } else {
                        c.counter
                            .feed(&self.buf[..n])
                            .map_err(|e: ReplyError| e.to_string())?
                    };
                    if done > 0 {
                        self.completed += done as u64;
                        c.pending += done * self.frame_len;
                        if self.latency {
                            self.record(c, done);
                        }
                    }
                    if n < want {
                        // Drained: epoll reports the next arrival as a new edge.
                        return Ok(());
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.to_string()),
            }
        }
    }

    fn record(&mut self, c: &mut Conn, done: usize) {
        let now = Instant::now();
        for _ in 0..done {
            if let Some(t0) = c.sent_at.pop_front() {
                if self.measuring && self.samples.len() < MAX_SAMPLES {
                    let ns = now.duration_since(t0).as_nanos();
                    self.samples.push(u32::try_from(ns).unwrap_or(u32::MAX));
                }
            }
            c.sent_at.push_back(now);
        }
    }

    /// Writes pending bytes of the repeating frame stream until done or
    /// the socket is full.
    fn on_writable(&self, c: &mut Conn) -> Result<(), String> {
        while c.pending > 0 {
            let n = c.pending.min(self.block.len() - c.phase);
            match c.stream.write(&self.block[c.phase..c.phase + n]) {
                Ok(0) => return Err("write returned 0".into()),
                Ok(w) => {
                    c.pending -= w;
                    c.phase = (c.phase + w) % self.frame_len;
                    if w < n {
                        // The send buffer is full; the next edge says when
                        // it has room.
                        return Ok(());
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.to_string()),
            }
        }
        Ok(())
    }
}

/// Builds the one message frame for `cfg`.
fn message_frame(cfg: &GenConfig) -> Vec<u8> {
    let payload = frame::payload(cfg.size);
    match (cfg.wire, cfg.deflate) {
        (Wire::LengthPrefixed, _) => frame::prefixed(&payload),
        (Wire::WebSocket, false) => frame::client_frame(&payload, 2, false),
        (Wire::WebSocket, true) => frame::client_frame(&frame::deflate_message(&payload), 2, true),
    }
}

fn open(cfg: &GenConfig, poll: &Poll) -> Result<Vec<Conn>, GenError> {
    let host = cfg.addr.to_string();
    let mut conns = Vec::with_capacity(cfg.conns);
    for i in 0..cfg.conns {
        let mut s = connect(cfg.addr)?;
        let mut counter = ReplyCounter::new(cfg.wire);
        if cfg.wire == Wire::WebSocket {
            let up = handshake::upgrade(&mut s, &host, cfg.deflate)?;
            // Nothing is expected before the first message; count nothing.
            if !up.leftover.is_empty() {
                let _ = counter.feed(&up.leftover);
            }
        }
        s.set_nonblocking(true)?;
        let mut stream = mio::net::TcpStream::from_std(s);
        poll.registry().register(
            &mut stream,
            Token(i),
            Interest::READABLE | Interest::WRITABLE,
        )?;
        conns.push(Conn {
            stream,
            counter,
            phase: 0,
            pending: 0,
            sent_at: VecDeque::with_capacity(cfg.inflight),
            alive: true,
        });
    }
    Ok(conns)
}

fn server_cpu(pid: Option<u32>) -> Option<u64> {
    procstat::cpu_ns(Proc::Pid(pid?)).ok()
}

/// Runs the generator: connects, warms up, measures, reports.
///
/// # Errors
/// See [`GenError`]; lost connections are counted, not errors, unless all
/// are lost.
pub fn run(cfg: &GenConfig) -> Result<GenReport, GenError> {
    let frame = message_frame(cfg);
    let inflight = cfg.inflight.max(1);
    // inflight + 1 frames: a write may start anywhere inside the first one.
    let block = frame.repeat(inflight + 1);
    let mut poll = Poll::new()?;
    let mut events = Events::with_capacity(1024);
    let mut conns = open(cfg, &poll)?;
    let mut lp = Loop {
        block: &block,
        frame_len: frame.len(),
        buf: vec![0; READ_BUF],
        discard: Box::new_uninit_slice(DISCARD_MAX),
        completed: 0,
        latency: cfg.latency,
        measuring: false,
        samples: Vec::new(),
        lost: 0,
        last_error: String::new(),
    };
    let start = Instant::now();
    for c in &mut conns {
        c.pending = inflight * frame.len();
        if cfg.latency {
            c.sent_at.extend(std::iter::repeat_n(start, inflight));
        }
    }
    let warm_end = start + cfg.warmup;
    let end = warm_end + cfg.duration;
    let (mut base, mut t_meas, mut gen0, mut srv0, mut busy0) = (0, warm_end, 0, None, 0);
    let mut first = true;
    let mut ready: Vec<(usize, bool)> = Vec::with_capacity(1024);
    loop {
        let now = Instant::now();
        if !lp.measuring && now >= warm_end {
            lp.measuring = true;
            base = lp.completed;
            t_meas = now;
            gen0 = procstat::cpu_ns(Proc::Current)?;
            srv0 = server_cpu(cfg.server_pid);
            busy0 = procstat::machine_busy_ns()?;
        }
        if now >= end {
            break;
        }
        let timeout = if lp.measuring {
            end - now
        } else {
            warm_end - now
        };
        if !first {
            match poll.poll(&mut events, Some(timeout)) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            }
        }
        ready.clear();
        if first {
            first = false;
            ready.extend((0..conns.len()).map(|i| (i, false)));
        } else {
            ready.extend(events.iter().map(|e| {
                (
                    e.token().0,
                    e.is_readable() || e.is_read_closed() || e.is_error(),
                )
            }));
        }
        for &(i, readable) in &ready {
            let c = &mut conns[i];
            if !c.alive {
                continue;
            }
            let mut res = if readable { lp.on_readable(c) } else { Ok(()) };
            if res.is_ok() && c.pending > 0 {
                res = lp.on_writable(c);
            }
            if let Err(e) = res {
                c.alive = false;
                let _ = poll.registry().deregister(&mut c.stream);
                lp.lost += 1;
                lp.last_error = e;
                if lp.lost == conns.len() {
                    return Err(GenError::AllLost(lp.last_error));
                }
            }
        }
    }
    let wall = Instant::now().duration_since(t_meas);
    let gen_ns = procstat::cpu_ns(Proc::Current)?.saturating_sub(gen0);
    let srv_ns = match (srv0, server_cpu(cfg.server_pid)) {
        (Some(a), Some(b)) => Some(b.saturating_sub(a)),
        _ => None,
    };
    let busy_ns = procstat::machine_busy_ns()?.saturating_sub(busy0);
    let gen_cpu = procstat::share(gen_ns, wall.as_nanos());
    let server_cpu = srv_ns.map(|ns| procstat::share(ns, wall.as_nanos()));
    let other_cpu =
        srv_ns.map(|s| procstat::share(busy_ns.saturating_sub(s + gen_ns), wall.as_nanos()));
    let messages = lp.completed - base;
    let secs = wall.as_secs_f64();
    let to_us = |v: Option<u32>| v.map(|ns| f64::from(ns) / 1000.0);
    Ok(GenReport {
        conns: cfg.conns,
        size: cfg.size,
        inflight,
        messages,
        secs,
        msgs_per_sec: messages as f64 / secs,
        mb_per_sec: messages as f64 * cfg.size as f64 / secs / 1e6,
        p50_us: to_us(quantile(&mut lp.samples, 0.50)),
        p99_us: to_us(quantile(&mut lp.samples, 0.99)),
        samples: lp.samples.len(),
        gen_cpu,
        server_cpu,
        other_cpu,
        lost_conns: lp.lost,
    })
}
