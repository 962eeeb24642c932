//! Light subscribers: the client's sans-IO [`Session`] core joins and subscribes over
//! our WebSocket client; after SUBSCRIBED the subscriber only counts the WebSocket
//! messages it receives (no WAMP decode). This lets one driver core absorb what a
//! router fans out; the full client (decode, session core, handler) is the other
//! driver configuration, measured side by side (see `pubsub`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use ferrobahn_client::{Ack, JoinOptions, Session, SessionConfig, SessionEvent, UsageError};
use ferrobahn_handshake::WsUrl;
use ferrobahn_rt::WebSocket;
use ferrobahn_tokio::TokioIo;
use ferrobahn_wamp::options::SubscribeOptions;
use ferrobahn_wamp::Message;
use tokio::net::TcpStream;
use tokio::sync::Notify;

use super::{DriverError, Target, JOIN_TIMEOUT};

/// A joined, subscribed connection ready to count.
pub struct LightSubscriber {
    ws: LightWs,
}

impl std::fmt::Debug for LightSubscriber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LightSubscriber")
    }
}

/// The WebSocket of a light driver connection.
pub type LightWs = WebSocket<TokioIo<TcpStream>>;

/// `msg` encoded with `t`'s serializer as one WebSocket message.
///
/// # Errors
/// An unencodable message.
pub fn frame(t: &Target, msg: &Message) -> Result<ferrobahn_websocket::Message, DriverError> {
    let mut buf = Vec::new();
    t.serializer
        .encode(msg, &mut buf)
        .map_err(|e| DriverError::Protocol(e.to_string()))?;
    Ok(if t.serializer.is_binary() {
        ferrobahn_websocket::Message::binary(Bytes::from(buf))
    } else {
        let text = String::from_utf8(buf).map_err(|e| DriverError::Protocol(e.to_string()))?;
        ferrobahn_websocket::Message::text(text)
    })
}

/// The WAMP messages of one received WebSocket message.
///
/// # Errors
/// Undecodable input.
pub fn decode(t: &Target, m: &ferrobahn_websocket::Message) -> Result<Vec<Message>, DriverError> {
    t.serializer
        .decode(&m.data)
        .map_err(|e| DriverError::Protocol(e.to_string()))
}

/// Sends everything the session core queued.
async fn flush_session(
    t: &Target,
    session: &mut Session,
    ws: &mut LightWs,
) -> Result<(), DriverError> {
    while let Some(msg) = session.poll_transmit() {
        ws.send(frame(t, &msg)?).await?;
    }
    Ok(())
}

/// Feeds received messages to the core until it reports an event `want` accepts.
///
/// # Errors
/// The session left, the router closed, undecodable input.
pub async fn until_event(
    t: &Target,
    session: &mut Session,
    ws: &mut LightWs,
    want: impl Fn(&SessionEvent) -> bool,
) -> Result<(), DriverError> {
    loop {
        flush_session(t, session, ws).await?;
        while let Some(ev) = session.poll_event() {
            if want(&ev) {
                return Ok(());
            }
            if let SessionEvent::Left(e) = ev {
                return Err(e.into());
            }
        }
        let m = ws
            .recv()
            .await
            .ok_or_else(|| DriverError::Protocol("router closed".into()))??;
        for msg in decode(t, &m)? {
            session.handle_message(Instant::now(), msg);
        }
    }
}

/// Connects and joins with the client's sans-IO session core (no JOIN_TIMEOUT of its
/// own: callers bound the whole setup).
///
/// # Errors
/// Connection, handshake or join failure.
pub async fn joined(t: &Target) -> Result<(LightWs, Session), DriverError> {
    let tcp = t.tcp(None).await?;
    let url: WsUrl = t
        .url
        .parse()
        .map_err(|e| DriverError::Protocol(format!("{e:?}")))?;
    let config = ferrobahn_rt::ClientConfig::default().with_protocols([t.serializer.subprotocol()]);
    let (mut ws, _) =
        ferrobahn_rt::connect_transport(ferrobahn_tokio::runtime(), TokioIo(tcp), &url, config)
            .await?;
    let mut session = Session::new(SessionConfig::default());
    session
        .join(Instant::now(), JoinOptions::new(t.realm.as_str()))
        .map_err(|e| DriverError::Protocol(e.to_string()))?;
    until_event(t, &mut session, &mut ws, |e| {
        matches!(e, SessionEvent::Joined(_))
    })
    .await?;
    Ok((ws, session))
}

/// [`joined`], then one request made by `request` (which returns what acknowledges it)
/// answered, all within [`JOIN_TIMEOUT`]; the connection.
///
/// # Errors
/// Setup failures, the request refused; [`JOIN_TIMEOUT`] (as `what`).
pub async fn joined_with<A: Fn(&Ack) -> bool>(
    t: &Target,
    what: &'static str,
    request: impl FnOnce(&mut Session) -> Result<A, UsageError>,
) -> Result<LightWs, DriverError> {
    let setup = async {
        let (mut ws, mut session) = joined(t).await?;
        let acked = request(&mut session).map_err(|e| DriverError::Protocol(e.to_string()))?;
        until_event(
            t,
            &mut session,
            &mut ws,
            |e| matches!(e, SessionEvent::RequestDone { result: Ok(ack), .. } if acked(ack)),
        )
        .await?;
        Ok::<_, DriverError>(ws)
    };
    tokio::time::timeout(JOIN_TIMEOUT, setup)
        .await
        .map_err(|_| DriverError::Timeout(what))?
}

impl LightSubscriber {
    /// Connects, joins and subscribes to `topic`.
    ///
    /// # Errors
    /// Connection, handshake, join or subscribe failure; [`JOIN_TIMEOUT`].
    pub async fn connect(t: &Target, topic: &str) -> Result<Self, DriverError> {
        let ws = joined_with(t, "light subscriber setup", |session| {
            session.subscribe(topic, SubscribeOptions::default())?;
            Ok(|ack: &Ack| matches!(ack, Ack::Subscribed(_)))
        })
        .await?;
        Ok(Self { ws })
    }

    /// Counts every message received into `counter`, notifying `notify` each time the
    /// shared count passes a multiple of `every`; ends when the connection does.
    pub async fn count(mut self, counter: Arc<AtomicU64>, notify: Arc<Notify>, every: u64) {
        while let Some(Ok(_)) = self.ws.recv().await {
            let n = counter.fetch_add(1, Ordering::Relaxed) + 1;
            if n.is_multiple_of(every) {
                notify.notify_one();
            }
        }
    }
}
