//! A WebSocket echo server on tokio, written with the handler API.
//!
//! `cargo run -p ferrobahn-examples --example echo_server -- 127.0.0.1:9000`

use ferrobahn::{Bytes, CloseCode, Ctx, Handler, Message, MessageKind};

/// Echoes every message; logs opens and closes.
struct Echo;

impl Handler for Echo {
    fn on_open(&mut self, ctx: &mut Ctx<'_>) {
        println!("open: {:?}", ctx.peer_addr());
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_>, payload: Bytes, is_binary: bool) {
        let kind = if is_binary {
            MessageKind::Binary
        } else {
            MessageKind::Text
        };
        // Goes straight into the protocol core: a burst of messages is
        // answered with one write.
        let _ = ctx.send_message(Message {
            kind,
            data: payload,
        });
    }

    fn on_close(&mut self, was_clean: bool, code: Option<CloseCode>, reason: &str) {
        println!("closed: clean={was_clean} code={code:?} reason={reason:?}");
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9000".into());
    println!("listening on {addr}");
    ferrobahn::tokio::serve(addr, || Echo).await
}
