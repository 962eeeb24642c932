//! AutobahnPython's `echo_multicore`: an echo server that uses all cores,
//! two ways:
//!
//! - `threads`: one tokio multi-thread runtime with N worker threads
//!   sharing one listening socket (work stealing);
//! - `reuseport`: N worker threads, each with its own current-thread tokio
//!   runtime and its own listening socket bound to the same address with
//!   `SO_REUSEPORT`; the kernel spreads new connections over them.
//!
//! ```text
//! cargo run -p ferrobahn-examples --example echo_multicore                   # 2 workers each way, a quick check, exit
//! cargo run --release -p ferrobahn-examples --example echo_multicore -- reuseport 127.0.0.1:9000 2
//! cargo run --release -p ferrobahn-examples --example echo_multicore -- threads 127.0.0.1:9000 2 --deflate
//! ```
//! (N defaults to the number of cores.) `--deflate` accepts
//! permessage-deflate (default knobs) from clients that offer it: each echo
//! is then inflated and deflated again, so the server is CPU-bound while a
//! load generator sending pre-compressed frames stays light (scaling on a
//! 2-core box: `MODE=deflate benches/multicore.sh`). Measured scaling:
//! benches/RESULTS.md.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use ferrobahn::tokio::TokioListener;
use ferrobahn::{
    Bytes, ClientConfig, ClientExtensions, ClientOffer, CloseCode, Ctx, DeflateConfig, Handler,
    Message, MessageKind, ServerConfig, ServerExtensions,
};

/// Echoes every message; counts connections per worker.
struct Echo(Arc<AtomicUsize>);

impl Handler for Echo {
    fn on_open(&mut self, _ctx: &mut Ctx<'_>) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

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

/// The server's options: defaults, plus permessage-deflate with `deflate`.
fn server_config(deflate: bool) -> ServerConfig {
    let config = ServerConfig::default();
    if deflate {
        config.with_extensions(ServerExtensions::new().with_deflate(DeflateConfig::default()))
    } else {
        config
    }
}

/// One multi-thread runtime with `workers` threads. Returns once bound.
fn threads(
    addr: SocketAddr,
    workers: usize,
    deflate: bool,
) -> std::io::Result<(SocketAddr, Vec<Arc<AtomicUsize>>)> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()?;
    let listener = rt.block_on(ferrobahn::tokio::bind(addr))?;
    let bound = listener.local_addr()?;
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    std::thread::spawn(move || {
        rt.block_on(ferrobahn::serve(
            ferrobahn::tokio::runtime(),
            listener,
            server_config(deflate),
            move || Echo(c.clone()),
        ));
    });
    Ok((bound, vec![count]))
}

/// A listening socket with `SO_REUSEPORT` (made inside a runtime).
fn reuseport_listener(addr: SocketAddr) -> std::io::Result<TokioListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.set_reuseport(true)?;
    socket.bind(addr)?;
    Ok(TokioListener::new(socket.listen(1024)?))
}

/// `workers` threads, each a current-thread runtime with its own
/// `SO_REUSEPORT` socket on `addr` (port 0: the first worker picks one).
fn reuseport(
    addr: SocketAddr,
    workers: usize,
    deflate: bool,
) -> std::io::Result<(SocketAddr, Vec<Arc<AtomicUsize>>)> {
    let mut bound = addr;
    let mut counts = Vec::new();
    for i in 0..workers.max(1) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let listener = rt.block_on(async { reuseport_listener(bound) })?;
        bound = listener.local_addr()?;
        let count = Arc::new(AtomicUsize::new(0));
        let c = count.clone();
        counts.push(count);
        std::thread::Builder::new()
            .name(format!("echo-worker-{i}"))
            .spawn(move || {
                rt.block_on(ferrobahn::serve(
                    ferrobahn::tokio::runtime(),
                    listener,
                    server_config(deflate),
                    move || Echo(c.clone()),
                ));
            })?;
    }
    Ok((bound, counts))
}

/// Opens `conns` connections (offering permessage-deflate with `deflate`,
/// and then insisting on it), echoes one message on each.
async fn check(addr: SocketAddr, conns: usize, deflate: bool) -> Result<(), ferrobahn::Error> {
    let mut config = ClientConfig::default();
    if deflate {
        let offer = ClientOffer::Deflate(DeflateConfig::default());
        config = config.with_extensions(ClientExtensions::new().with_offer(offer));
    }
    let mut open = Vec::new();
    for i in 0..conns {
        let url = format!("ws://{addr}/");
        let (mut ws, response) = ferrobahn::tokio::connect_with(&url, config.clone()).await?;
        let compressed = response
            .extensions
            .iter()
            .any(|e| e.name == "permessage-deflate");
        assert_eq!(compressed, deflate, "permessage-deflate negotiated");
        ws.send(Message::text(format!("hello {i}"))).await?;
        let back = ws.recv().await.expect("an echo")?;
        assert_eq!(back.as_text(), Some(format!("hello {i}").as_str()));
        open.push(ws);
    }
    for mut ws in open {
        ws.close(CloseCode::NORMAL, "").await?;
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let deflate = args.iter().any(|a| a == "--deflate");
    args.retain(|a| a != "--deflate");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = args.get(2).map_or(Ok(cores), |w| w.parse())?;
    let addr: SocketAddr = args
        .get(1)
        .map_or("127.0.0.1:9000", String::as_str)
        .parse()?;
    match args.first().map(String::as_str) {
        Some(mode @ ("threads" | "reuseport")) => {
            let (bound, _) = if mode == "threads" {
                threads(addr, workers, deflate)?
            } else {
                reuseport(addr, workers, deflate)?
            };
            // The bench harness reads this line.
            println!("READY {bound}");
            loop {
                std::thread::park();
            }
        }
        _ => {
            let local: SocketAddr = "127.0.0.1:0".parse()?;
            let client = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            for deflate in [false, true] {
                for (mode, (bound, counts)) in [
                    ("threads", threads(local, 2, deflate)?),
                    ("reuseport", reuseport(local, 2, deflate)?),
                ] {
                    client.block_on(check(bound, 16, deflate))?;
                    let per: Vec<usize> =
                        counts.iter().map(|c| c.load(Ordering::Relaxed)).collect();
                    let how = if deflate {
                        " with permessage-deflate"
                    } else {
                        ""
                    };
                    println!("{mode}: 16 connections echoed{how} on {bound}, per listener {per:?}");
                }
            }
        }
    }
    Ok(())
}
