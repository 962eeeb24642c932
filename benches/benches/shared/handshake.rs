//! The server opening handshakes measured by `benches/handshake.rs` (criterion) and
//! `examples/handshake_count.rs` (instruction counts): one request, three servers.

use std::hint::black_box;
use std::io::{self, Cursor, Read, Write};

use ferrobahn_handshake::{accept_response, Accept, RequestParser, ServerConfig};

/// The answer every run gives: the `chat` subprotocol.
pub(crate) fn chat() -> Accept {
    Accept {
        protocol: Some("chat".into()),
        ..Accept::default()
    }
}

/// What Chromium sends (header set and order), with a subprotocol offer.
const REQUEST: &[u8] = b"GET /ws?room=7 HTTP/1.1\r\n\
Host: 127.0.0.1:9000\r\n\
Connection: Upgrade\r\n\
Pragma: no-cache\r\n\
Cache-Control: no-cache\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36\r\n\
Upgrade: websocket\r\n\
Origin: http://127.0.0.1:9000\r\n\
Sec-WebSocket-Version: 13\r\n\
Accept-Encoding: gzip, deflate, br, zstd\r\n\
Accept-Language: en-US,en;q=0.9\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Sec-WebSocket-Protocol: chat\r\n\r\n";

/// A stream that reads the request and swallows the response.
struct Pipe {
    input: Cursor<&'static [u8]>,
    written: usize,
}

impl Read for Pipe {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.input.read(buf)
    }
}

impl Write for Pipe {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.written += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// tungstenite's callback that picks the subprotocol (its signature is tungstenite's).
#[allow(clippy::result_large_err)]
fn choose_chat(
    _: &tungstenite::handshake::server::Request,
    mut resp: tungstenite::handshake::server::Response,
) -> Result<tungstenite::handshake::server::Response, tungstenite::handshake::server::ErrorResponse>
{
    resp.headers_mut()
        .insert("Sec-WebSocket-Protocol", "chat".parse().expect("header"));
    Ok(resp)
}

/// ferrobahn: parse the request, build the 101 response; its length.
pub(crate) fn ferrobahn(accept: &Accept) -> usize {
    let mut parser = RequestParser::new(ServerConfig::default());
    let request = parser
        .feed(black_box(REQUEST))
        .expect("valid request")
        .expect("complete head");
    accept_response(&request, accept).expect("accepted").len()
}

/// tungstenite's server handshake over an in-memory stream; bytes it wrote.
pub(crate) fn tungstenite() -> usize {
    let pipe = Pipe {
        input: Cursor::new(black_box(REQUEST)),
        written: 0,
    };
    let ws = tungstenite::accept_hdr(pipe, choose_chat).expect("accepted");
    ws.get_ref().written
}

/// Bare `httparse` head parsing (no validation, no response): the floor.
pub(crate) fn httparse_only() -> usize {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut req = httparse::Request::new(&mut headers);
    let status = req.parse(black_box(REQUEST)).expect("valid head");
    usize::from(status.is_complete()) + req.headers.len()
}
