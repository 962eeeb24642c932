//! The raw fan-out server: the least work any router could do for the fan-out cells,
//! as the machine's limit for them (binary `raw-fanout`).
//!
//! It speaks just enough WAMP for the same driver (a full-client publisher, light
//! subscribers) to set up: the WebSocket handshake, HELLO -> WELCOME, SUBSCRIBE ->
//! SUBSCRIBED (every subscriber of any topic gets the one subscription), GOODBYE. A
//! publisher's first PUBLISH is decoded once to build the EVENT a router would send for it
//! ([`setup::event`], same payload and size) as one unmasked frame; from then on the
//! publisher's frames are only counted (not unmasked, not decoded, no routing), and
//! for every read of the publisher's socket that completes k publications, each
//! subscriber socket is owed k more copies of that frame and gets them in one `write`
//! (from a buffer of pre-built copies, up to [`Config::max_write`] bytes per call).
//! A subscriber whose socket is full waits for writability in its own task while the
//! others go on. So it does what the kernel requires (a write per socket per batch,
//! every byte copied into every socket) and nothing else.

pub mod scan;
pub mod setup;

use std::cell::{Cell, RefCell};
use std::io;
use std::rc::Rc;

use ferrobahn_handshake::{accept_response, Accept, RequestParser, ServerConfig};
use ferrobahn_serializers::Serializer;
use ferrobahn_wamp::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

use scan::{Item, ScanError, Scanner};

/// Limits and sizes of the server; every field has a default.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// Most bytes per write to one subscriber (default 256 KiB).
    pub max_write: usize,
    /// Read buffer per connection (default 256 KiB).
    pub read_buffer: usize,
    /// Largest setup message (HELLO, SUBSCRIBE, the first PUBLISH) read (default 1 MiB).
    pub max_message: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            max_write: 256 * 1024,
            read_buffer: 256 * 1024,
            max_message: 1024 * 1024,
        }
    }
}

/// Why a connection ended with an error.
#[derive(Debug, thiserror::Error)]
pub enum RawError {
    /// A socket failed.
    #[error("i/o: {0}")]
    Io(#[from] io::Error),
    /// The opening handshake failed.
    #[error("handshake: {0}")]
    Handshake(#[from] ferrobahn_handshake::HandshakeError),
    /// The client offered no WAMP subprotocol we know.
    #[error("no known WAMP subprotocol offered")]
    NoSubprotocol,
    /// Bad frames.
    #[error("frames: {0}")]
    Scan(#[from] ScanError),
    /// A setup message did not decode or encode.
    #[error("wamp: {0}")]
    Wamp(String),
}

/// `count` copies of one frame back to back: a write of any length from any offset
/// within the first frame sends whole frames after a partial one.
#[derive(Debug)]
struct Copies {
    bytes: Vec<u8>,
    frame_len: usize,
}

impl Copies {
    fn new(frame: &[u8], max_write: usize) -> Self {
        let count = (max_write / frame.len().max(1)).max(1);
        Self {
            bytes: frame.repeat(count),
            frame_len: frame.len(),
        }
    }
}

/// A subscriber connection's send side.
#[derive(Debug)]
struct Sub {
    stream: Rc<TcpStream>,
    ser: Serializer,
    /// Frames owed, the first of them `offset` bytes sent already.
    owed: Cell<u64>,
    offset: Cell<usize>,
    /// Its writer task is waiting for writability; the fan-out leaves it alone.
    parked: Cell<bool>,
    dead: Cell<bool>,
    copies: RefCell<Option<Rc<Copies>>>,
    wake: Notify,
}

/// What a drain ended with.
enum Drain {
    Done,
    Blocked,
}

impl Sub {
    /// Writes what is owed until done or the socket is full: one `write` per
    /// [`Config::max_write`] bytes.
    fn drain(&self) -> io::Result<Drain> {
        let Some(c) = self.copies.borrow().clone() else {
            return Ok(Drain::Done);
        };
        loop {
            let owed = self.owed.get() as usize * c.frame_len - self.offset.get();
            if owed == 0 {
                return Ok(Drain::Done);
            }
            let from = self.offset.get();
            let len = owed.min(c.bytes.len() - from);
            match self.stream.try_write(&c.bytes[from..from + len]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    let at = from + n;
                    self.owed.set(self.owed.get() - (at / c.frame_len) as u64);
                    self.offset.set(at % c.frame_len);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Drain::Blocked),
                Err(e) => return Err(e),
            }
        }
    }
}

/// The server's shared state (one thread).
#[derive(Debug)]
struct Hub {
    config: Config,
    subs: RefCell<Vec<Rc<Sub>>>,
    /// The EVENT, once the first PUBLISH has come.
    event: RefCell<Option<Value>>,
    /// Its frame copies per serializer.
    copies: RefCell<Vec<(Serializer, Rc<Copies>)>>,
    sessions: Cell<u64>,
}

impl Hub {
    fn copies_for(&self, ser: Serializer) -> Result<Option<Rc<Copies>>, RawError> {
        if let Some((_, c)) = self.copies.borrow().iter().find(|(s, _)| *s == ser) {
            return Ok(Some(c.clone()));
        }
        let Some(ev) = self.event.borrow().clone() else {
            return Ok(None);
        };
        let frame = setup::frame(&ser, &ev).map_err(|e| RawError::Wamp(e.to_string()))?;
        let c = Rc::new(Copies::new(&frame, self.config.max_write));
        self.copies.borrow_mut().push((ser, c.clone()));
        Ok(Some(c))
    }

    /// A new publisher's EVENT: the frames of the one before are dropped (one
    /// publisher at a time; a subscriber still owed frames of the old EVENT keeps
    /// getting that frame).
    fn set_event(&self, event: Value) {
        *self.event.borrow_mut() = Some(event);
        self.copies.borrow_mut().clear();
        for s in self.subs.borrow().iter() {
            if s.owed.get() == 0 && s.offset.get() == 0 {
                *s.copies.borrow_mut() = None;
            }
        }
    }

    /// `k` more publications: every live subscriber is owed `k` more EVENT frames and
    /// gets them now unless its socket is full.
    fn fan_out(&self, k: u64) -> Result<(), RawError> {
        let mut any_dead = false;
        for s in self.subs.borrow().iter() {
            if s.dead.get() {
                any_dead = true;
                continue;
            }
            if s.copies.borrow().is_none() {
                *s.copies.borrow_mut() = self.copies_for(s.ser)?;
            }
            s.owed.set(s.owed.get() + k);
            if s.parked.get() {
                continue;
            }
            match s.drain() {
                Ok(Drain::Done) => {}
                Ok(Drain::Blocked) => {
                    s.parked.set(true);
                    s.wake.notify_one();
                }
                Err(e) => {
                    tracing::debug!(error = %e, "subscriber gone");
                    s.dead.set(true);
                    s.wake.notify_one();
                }
            }
        }
        if any_dead {
            self.subs.borrow_mut().retain(|s| !s.dead.get());
        }
        Ok(())
    }
}

/// A parked subscriber's writer: waits for writability and drains.
async fn writer(sub: Rc<Sub>) {
    loop {
        sub.wake.notified().await;
        while sub.parked.get() && !sub.dead.get() {
            let drained = match sub.stream.writable().await {
                Ok(()) => sub.drain(),
                Err(e) => Err(e),
            };
            match drained {
                Ok(Drain::Done) => sub.parked.set(false),
                Ok(Drain::Blocked) => {}
                Err(_) => sub.dead.set(true),
            }
        }
        if sub.dead.get() {
            return;
        }
    }
}

/// Serves connections from `listener` until it fails. Must run inside a
/// [`tokio::task::LocalSet`] on a current-thread runtime.
///
/// # Errors
/// When accepting fails.
pub async fn serve(listener: TcpListener, config: Config) -> io::Result<()> {
    let hub = Rc::new(Hub {
        config,
        subs: RefCell::new(Vec::new()),
        event: RefCell::new(None),
        copies: RefCell::new(Vec::new()),
        sessions: Cell::new(0),
    });
    loop {
        let (tcp, peer) = listener.accept().await?;
        let hub = hub.clone();
        tokio::task::spawn_local(async move {
            if let Err(e) = connection(&hub, tcp).await {
                tracing::debug!(%peer, error = %e, "connection failed");
            }
        });
    }
}

/// Reads into `buf`; 0 at the end of the stream.
async fn read(stream: &TcpStream, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        stream.readable().await?;
        match stream.try_read(buf) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            r => return r,
        }
    }
}

/// Writes all of `data` (setup replies only).
async fn write_all(stream: &TcpStream, mut data: &[u8]) -> io::Result<()> {
    while !data.is_empty() {
        stream.writable().await?;
        match stream.try_write(data) {
            Ok(n) => data = &data[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// The opening handshake; the serializer chosen and the bytes after the request.
async fn handshake(stream: &TcpStream, buf: &mut [u8]) -> Result<(Serializer, Vec<u8>), RawError> {
    let mut parser = RequestParser::new(ServerConfig::default());
    let request = loop {
        let n = read(stream, buf).await?;
        if n == 0 {
            return Err(io::Error::from(io::ErrorKind::UnexpectedEof).into());
        }
        if let Some(r) = parser.feed(&buf[..n])? {
            break r;
        }
    };
    let (protocol, ser) = request
        .protocols
        .iter()
        .find_map(|p| Some((p.clone(), Serializer::from_subprotocol(p)?)))
        .ok_or(RawError::NoSubprotocol)?;
    let accept = Accept {
        protocol: Some(protocol),
        ..Default::default()
    };
    write_all(stream, &accept_response(&request, &accept)?).await?;
    Ok((ser, parser.take_trailing()))
}

/// One connection; when it ends, however, its subscriber (if any) is dropped from the
/// fan-out.
async fn connection(hub: &Rc<Hub>, tcp: TcpStream) -> Result<(), RawError> {
    let mut sub = None;
    let result = session(hub, tcp, &mut sub).await;
    if let Some(s) = sub {
        s.dead.set(true);
        s.wake.notify_one();
    }
    result
}

/// Handshake, setup messages, then (for the publisher) counting PUBLISH frames and
/// fanning out.
async fn session(hub: &Rc<Hub>, tcp: TcpStream, sub: &mut Option<Rc<Sub>>) -> Result<(), RawError> {
    tcp.set_nodelay(true)?;
    let stream = Rc::new(tcp);
    let mut buf = vec![0u8; hub.config.read_buffer];
    let (ser, trailing) = handshake(&stream, &mut buf).await?;
    let mut scanner = Scanner::new(hub.config.max_message);
    let mut items = Vec::new();
    let mut publisher = false;
    let mut counted = scanner.feed(&trailing, &mut items)?;
    loop {
        for item in items.drain(..) {
            match item {
                Item::Message(m) => {
                    let values = ser
                        .decode_values(&m)
                        .map_err(|e| RawError::Wamp(e.to_string()))?;
                    for v in values {
                        match setup_message(hub, &stream, ser, &v, sub, &mut publisher).await? {
                            Step::Go => {}
                            Step::Published => {
                                counted += 1;
                                // The publisher's frames are only counted from now on.
                                scanner.keep = false;
                            }
                            Step::Leave => return Ok(()),
                        }
                    }
                }
                Item::Ping(p) => write_all(&stream, &setup::pong(&p)).await?,
                Item::Close => return Ok(()),
            }
        }
        if counted > 0 {
            hub.fan_out(counted)?;
        }
        let n = read(&stream, &mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        counted = scanner.feed(&buf[..n], &mut items)?;
    }
}

/// What a setup message leads to.
enum Step {
    Go,
    Published,
    Leave,
}

async fn setup_message(
    hub: &Rc<Hub>,
    stream: &Rc<TcpStream>,
    ser: Serializer,
    v: &Value,
    sub: &mut Option<Rc<Sub>>,
    publisher: &mut bool,
) -> Result<Step, RawError> {
    let Some((code, list)) = setup::split(v) else {
        return Err(RawError::Wamp("not a WAMP message".into()));
    };
    let reply = match code {
        setup::code::HELLO => {
            hub.sessions.set(hub.sessions.get() + 1);
            setup::welcome(hub.sessions.get())
        }
        setup::code::SUBSCRIBE => {
            let reply = setup::subscribed(list)
                .ok_or_else(|| RawError::Wamp("SUBSCRIBE without a request ID".into()))?;
            if sub.is_none() {
                let s = Rc::new(Sub {
                    stream: stream.clone(),
                    ser,
                    owed: Cell::new(0),
                    offset: Cell::new(0),
                    parked: Cell::new(false),
                    dead: Cell::new(false),
                    copies: RefCell::new(None),
                    wake: Notify::new(),
                });
                tokio::task::spawn_local(writer(s.clone()));
                hub.subs.borrow_mut().push(s.clone());
                *sub = Some(s);
            }
            reply
        }
        setup::code::PUBLISH => {
            if !*publisher {
                // This connection's first PUBLISH: its EVENT is the one fanned out.
                hub.set_event(setup::event(list));
                *publisher = true;
            }
            return Ok(Step::Published);
        }
        setup::code::GOODBYE => {
            let f =
                setup::frame(&ser, &setup::goodbye()).map_err(|e| RawError::Wamp(e.to_string()))?;
            write_all(stream, &f).await?;
            return Ok(Step::Leave);
        }
        other => {
            tracing::debug!(code = other, "ignored");
            return Ok(Step::Go);
        }
    };
    let f = setup::frame(&ser, &reply).map_err(|e| RawError::Wamp(e.to_string()))?;
    write_all(stream, &f).await?;
    Ok(Step::Go)
}
