//! Bad input around permessage-deflate, over real sockets: unknown offers
//! are ignored, a malformed offer gets 400 naming the parameter, a malformed
//! response fails the client, invalid compressed data closes with 1002
//! (protocol error; RFC 7692 names no code, 1007 would do as well), a
//! compression bomb closes with 1009 once the message limit is reached (the
//! bounded memory of that is measured in ferrobahn-extensions' tests/bomb.rs).

use std::future::poll_fn;
use std::net::SocketAddr;
use std::task::Poll;
use std::time::{Duration, Instant};

use ferrobahn::extensions::{DeflateCodec, DeflateParams, PerMessageCodec};
use ferrobahn::{
    ClientConfig, ClientExtensions, ClientOffer, DeflateConfig, Error, Listener, PeerAddr,
    ServerConfig, ServerExtensions, Transport, WebSocketConfig,
};
use ferrobahn_test::{Behaviour, Recorder};

use super::rt;

/// How long any single read in these tests may wait.
const READ_TIMEOUT: Duration = Duration::from_secs(20);

/// Reads more bytes into `buf`; `false` at EOF. Panics after [`READ_TIMEOUT`].
async fn read_more(io: &mut rt::Transport, buf: &mut Vec<u8>) -> bool {
    let mut timer = rt::runtime().new_timer(Instant::now() + READ_TIMEOUT);
    let mut chunk = [0u8; 16 * 1024];
    poll_fn(|cx| {
        if let Poll::Ready(res) = io.poll_read(cx, &mut chunk) {
            return Poll::Ready(match res {
                Ok(0) | Err(_) => false,
                Ok(n) => {
                    buf.extend_from_slice(&chunk[..n]);
                    true
                }
            });
        }
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => panic!("no answer within {READ_TIMEOUT:?}"),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}

async fn write(io: &mut rt::Transport, mut data: &[u8]) {
    while !data.is_empty() {
        let n = poll_fn(|cx| io.poll_write(cx, data)).await.unwrap();
        data = &data[n..];
    }
}

/// Sends an opening handshake offering `extensions`; returns the response
/// head and the bytes read after it.
async fn handshake(io: &mut rt::Transport, extensions: &str) -> (String, Vec<u8>) {
    let request = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Extensions: {extensions}\r\n\r\n"
    );
    write(io, request.as_bytes()).await;
    let mut buf = Vec::new();
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            return (head, buf[end + 4..].to_vec());
        }
        if !read_more(io, &mut buf).await {
            return (String::from_utf8_lossy(&buf).into_owned(), Vec::new());
        }
    }
}

/// A masked client frame (FIN set) with `first` as its first byte.
fn masked_frame(first: u8, payload: &[u8]) -> Vec<u8> {
    let mut frame = vec![first];
    match payload.len() {
        n @ 0..=125 => frame.push(0x80 | n as u8),
        n @ 126..=0xffff => {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            frame.push(0x80 | 127);
            frame.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    let key = [0x11, 0x22, 0x33, 0x44];
    frame.extend_from_slice(&key);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    frame
}

/// Reads server frames until a close frame; returns its status code.
async fn close_code(io: &mut rt::Transport, mut buf: Vec<u8>) -> Option<u16> {
    loop {
        // Server frames are unmasked; lengths here stay below 64 KiB.
        while buf.len() >= 2 {
            let (len, head) = match buf[1] & 0x7f {
                126 if buf.len() >= 4 => (usize::from(u16::from_be_bytes([buf[2], buf[3]])), 4),
                126 | 127 => break,
                n => (usize::from(n), 2),
            };
            if buf.len() < head + len {
                break;
            }
            if buf[0] & 0x0f == 0x8 {
                return (len >= 2).then(|| u16::from_be_bytes([buf[head], buf[head + 1]]));
            }
            buf.drain(..head + len);
        }
        if !read_more(io, &mut buf).await {
            return None;
        }
    }
}

async fn deflate_server(websocket: WebSocketConfig) -> SocketAddr {
    let config = ServerConfig::default()
        .with_websocket(websocket)
        .with_extensions(ServerExtensions::new().with_deflate(DeflateConfig::default()));
    let (factory, _seen) = Recorder::factory(Behaviour {
        echo: true,
        ..Behaviour::default()
    });
    rt::start_server(config, factory).await
}

#[test]
fn unknown_offers_are_ignored() {
    rt::block_on(async {
        let addr = deflate_server(WebSocketConfig::default()).await;
        let mut io = rt::tcp_connect(addr).await;
        let offers = "x-webkit-deflate-frame, permessage-unknown; a=1, \
                      permessage-deflate; client_max_window_bits";
        let (head, _) = handshake(&mut io, offers).await;
        assert!(head.starts_with("HTTP/1.1 101 "), "{head}");
        let accepted = head
            .lines()
            .find(|l| {
                l.to_ascii_lowercase()
                    .starts_with("sec-websocket-extensions:")
            })
            .unwrap_or_default();
        assert!(accepted.contains("permessage-deflate"), "{head}");
        assert!(
            !accepted.contains("unknown") && !accepted.contains("webkit"),
            "{head}"
        );
    });
}

#[test]
fn malformed_offer_is_rejected_with_its_reason() {
    rt::block_on(async {
        let addr = deflate_server(WebSocketConfig::default()).await;
        for (offer, named) in [
            (
                "permessage-deflate; server_max_window_bits=7",
                "server_max_window_bits",
            ),
            (
                "permessage-deflate; client_no_context_takeover=1",
                "client_no_context_takeover",
            ),
            ("permessage-deflate; mystery", "mystery"),
        ] {
            let mut io = rt::tcp_connect(addr).await;
            let (head, mut body) = handshake(&mut io, offer).await;
            assert!(head.starts_with("HTTP/1.1 400 "), "{offer}: {head}");
            while read_more(&mut io, &mut body).await {}
            let text = format!("{head}\n{}", String::from_utf8_lossy(&body));
            assert!(
                text.contains(named),
                "{offer}: reason not given in {text:?}"
            );
        }
    });
}

#[test]
fn invalid_compressed_data_closes_with_1002() {
    rt::block_on(async {
        let addr = deflate_server(WebSocketConfig::default()).await;
        let mut io = rt::tcp_connect(addr).await;
        let (head, rest) = handshake(&mut io, "permessage-deflate").await;
        assert!(head.starts_with("HTTP/1.1 101 "), "{head}");
        // RSV1 + text; 0xff is a reserved deflate block type.
        write(&mut io, &masked_frame(0xc1, &[0xff; 64])).await;
        assert_eq!(close_code(&mut io, rest).await, Some(1002));
    });
}

#[test]
fn compression_bomb_closes_with_1009() {
    rt::block_on(async {
        let limit = 1 << 20;
        let websocket = WebSocketConfig::default().with_max_message_payload(limit);
        let addr = deflate_server(websocket).await;
        let mut io = rt::tcp_connect(addr).await;
        let (head, rest) = handshake(&mut io, "permessage-deflate").await;
        assert!(head.starts_with("HTTP/1.1 101 "), "{head}");
        // 64 MiB of zeros in about 64 KB.
        let mut bomb = Vec::new();
        let mut codec = DeflateCodec::new(DeflateParams::default());
        assert!(codec.encode(&vec![0u8; 64 << 20], &mut bomb).unwrap());
        assert!(bomb.len() < limit);
        write(&mut io, &masked_frame(0xc2, &bomb)).await;
        assert_eq!(close_code(&mut io, rest).await, Some(1009));
    });
}

/// A one-shot server that answers any request with `101` and `extensions`.
async fn fake_server(extensions: &'static str) -> SocketAddr {
    let mut listener = rt::bind().await;
    let Ok(PeerAddr::Tcp(addr)) = Listener::local_addr(&listener) else {
        panic!("not a TCP listener");
    };
    rt::spawn(async move {
        let Ok((mut io, _)) = poll_fn(|cx| listener.poll_accept(cx)).await else {
            return;
        };
        let mut buf = Vec::new();
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
            if !read_more(&mut io, &mut buf).await {
                return;
            }
        }
        let text = String::from_utf8_lossy(&buf).into_owned();
        let key = text
            .lines()
            .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
            .unwrap_or_default()
            .trim()
            .to_owned();
        let response = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {}\r\nSec-WebSocket-Extensions: {extensions}\r\n\r\n",
            ferrobahn::handshake::accept_key(&key)
        );
        write(&mut io, response.as_bytes()).await;
        // Hold the connection until the client goes away.
        while read_more(&mut io, &mut buf).await {}
    });
    addr
}

#[test]
fn malformed_or_unoffered_response_fails_the_client() {
    rt::block_on(async {
        for extensions in [
            "permessage-deflate; server_max_window_bits=16",
            "permessage-deflate; client_max_window_bits",
            "permessage-deflate; bogus=1",
            "permessage-bzip2",
            "permessage-deflate, permessage-deflate",
        ] {
            let addr = fake_server(extensions).await;
            let config = ClientConfig::default().with_extensions(
                ClientExtensions::new().with_offer(ClientOffer::Deflate(DeflateConfig {
                    accept_max_window_bits: false,
                    ..DeflateConfig::default()
                })),
            );
            match rt::connect_with(&format!("ws://{addr}/"), config).await {
                Err(Error::Negotiation(_) | Error::Handshake(_)) => {}
                Err(e) => panic!("{extensions}: unexpected error {e}"),
                Ok(_) => panic!("{extensions}: the client accepted it"),
            }
        }
    });
}
