//! The same echo handler on async-std: only the binding differs.
//!
//! `cargo run -p ferrobahn-examples --example echo_server_async_std -- 127.0.0.1:9000`

use ferrobahn::{Bytes, Ctx, Handler, Message, MessageKind};

struct Echo;

impl Handler for Echo {
    fn on_message(&mut self, ctx: &mut Ctx<'_>, payload: Bytes, is_binary: bool) {
        let kind = if is_binary {
            MessageKind::Binary
        } else {
            MessageKind::Text
        };
        let _ = ctx.send_message(Message {
            kind,
            data: payload,
        });
    }
}

fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9000".into());
    println!("listening on {addr}");
    async_std::task::block_on(ferrobahn::async_std::serve(addr, || Echo))
}
