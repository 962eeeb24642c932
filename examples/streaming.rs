//! AutobahnPython's `streaming` example: clients produce random data and
//! send it to a server that computes a SHA-256 fingerprint over what it
//! receives (with the streaming API: it never holds a whole message) and
//! sends it back. Three client variants, as in the original:
//!
//! - message-based: one `send_binary` per message;
//! - frame-based: `begin_message`, one `send_message_frame` per frame,
//!   `end_message`;
//! - streaming: `begin_message`, `begin_message_frame(len)` and
//!   `send_message_frame_data` in small pieces.
//!
//! ```text
//! cargo run -p ferrobahn-examples --example streaming                 # server + all clients, then exit
//! cargo run -p ferrobahn-examples --example streaming -- server 127.0.0.1:9000
//! cargo run -p ferrobahn-examples --example streaming -- client ws://127.0.0.1:9000/ stream
//! ```

use ferrobahn::{MessageKind, WebSocket};
use ferrobahn_examples::{hex, Fingerprint, Noise};
use sha2::{Digest, Sha256};

const FRAME: usize = 64 * 1024;
const FRAMES: usize = 16;

async fn client<T: ferrobahn::Transport>(
    ws: &mut WebSocket<T>,
    mode: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut noise = Noise::new(7);
    let mut frame = vec![0u8; FRAME];
    let mut local = Sha256::new();
    match mode {
        "message" => {
            let mut all = Vec::with_capacity(FRAME * FRAMES);
            for _ in 0..FRAMES {
                noise.fill(&mut frame);
                all.extend_from_slice(&frame);
            }
            local.update(&all);
            ws.send_binary(&all).await?;
        }
        "frame" => {
            ws.begin_message(MessageKind::Binary).await?;
            for _ in 0..FRAMES {
                noise.fill(&mut frame);
                local.update(&frame);
                ws.send_message_frame(&frame, false).await?;
            }
            ws.end_message().await?;
        }
        "stream" => {
            ws.begin_message(MessageKind::Binary).await?;
            for _ in 0..FRAMES {
                noise.fill(&mut frame);
                local.update(&frame);
                ws.begin_message_frame(FRAME as u64).await?;
                for piece in frame.chunks(1000) {
                    ws.send_message_frame_data(piece).await?;
                }
            }
            ws.end_message().await?;
        }
        other => return Err(format!("unknown mode {other:?} (message, frame, stream)").into()),
    }
    let reply = ws.recv().await.ok_or("connection closed")??;
    let reply = reply.as_text().unwrap_or_default().to_owned();
    let want = format!("{} {}", hex(&local.finalize()), FRAME * FRAMES);
    println!("{mode:>7}: server fingerprint {reply}");
    if reply != want {
        return Err(format!("fingerprint mismatch: expected {want}").into());
    }
    Ok(())
}

fn server_config() -> ferrobahn::ServerConfig {
    ferrobahn::ServerConfig::default()
        .with_websocket(ferrobahn::WebSocketConfig::default().with_max_message_payload(1 << 40))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("server") => {
            let addr = args.get(1).map_or("127.0.0.1:9000", String::as_str);
            println!("listening on {addr}");
            ferrobahn::tokio::serve_with(addr, server_config(), Fingerprint::default).await?;
        }
        Some("client") => {
            let url = args.get(1).map_or("ws://127.0.0.1:9000/", String::as_str);
            let mode = args.get(2).map_or("stream", String::as_str);
            let (mut ws, _) = ferrobahn::tokio::connect(url).await?;
            client(&mut ws, mode).await?;
            ws.close(ferrobahn::CloseCode::NORMAL, "").await?;
        }
        _ => {
            let listener = ferrobahn::tokio::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            tokio::spawn(ferrobahn::serve(
                ferrobahn::tokio::runtime(),
                listener,
                server_config(),
                Fingerprint::default,
            ));
            for mode in ["message", "frame", "stream"] {
                let (mut ws, _) = ferrobahn::tokio::connect(&format!("ws://{addr}/")).await?;
                client(&mut ws, mode).await?;
                ws.close(ferrobahn::CloseCode::NORMAL, "").await?;
            }
        }
    }
    Ok(())
}
