//! Runs the server opening handshake of `benches/handshake.rs` N times, for
//! instruction counts that do not depend on machine load:
//!
//! ```text
//! cargo build --release -p ferrobahn-benches --example handshake_count
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/handshake_count ferrobahn 10000
//! ```
//!
//! Run it with N and with 0 and divide the difference of the totals by N:
//! that is the cost of one handshake. `ferrobahn` parses the request and
//! builds the 101 response; `tungstenite` does the same with tungstenite's
//! server handshake; `httparse` only parses the head (the floor).

use std::hint::black_box;
use std::io::{self, Cursor, Read, Write};
use std::process::ExitCode;

use ferrobahn_handshake::{accept_response, Accept, RequestParser, ServerConfig};

/// The request of `benches/handshake.rs` (Chromium's header set and order).
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

fn ferrobahn(accept: &Accept) -> usize {
    let mut parser = RequestParser::new(ServerConfig::default());
    let request = parser
        .feed(black_box(REQUEST))
        .expect("valid request")
        .expect("complete head");
    accept_response(&request, accept).expect("accepted").len()
}

fn tungstenite() -> usize {
    let pipe = Pipe {
        input: Cursor::new(black_box(REQUEST)),
        written: 0,
    };
    let ws = tungstenite::accept_hdr(pipe, choose_chat).expect("accepted");
    ws.get_ref().written
}

fn httparse_only() -> usize {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut req = httparse::Request::new(&mut headers);
    let status = req.parse(black_box(REQUEST)).expect("valid head");
    usize::from(status.is_complete()) + req.headers.len()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (which, n) = match args.as_slice() {
        [w, n] => match n.parse::<usize>() {
            Ok(n) => (w.as_str(), n),
            Err(_) => return usage(),
        },
        _ => return usage(),
    };
    let accept = Accept {
        protocol: Some("chat".into()),
        ..Accept::default()
    };
    let mut sum = 0usize;
    for _ in 0..n {
        sum += match which {
            "ferrobahn" => ferrobahn(&accept),
            "tungstenite" => tungstenite(),
            "httparse" => httparse_only(),
            _ => return usage(),
        };
    }
    println!("{which} x {n}: {sum} bytes");
    ExitCode::SUCCESS
}

fn usage() -> ExitCode {
    eprintln!("usage: handshake_count ferrobahn|tungstenite|httparse N");
    ExitCode::from(2)
}
