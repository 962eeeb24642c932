//! `raw-fanout`: the raw fan-out baseline of the WAMP fan-out cells (see
//! `ferrobahn_wamp_bench::rawfanout`): one thread, prints `listening on ws://ADDR/ws`
//! like `ferrobahn router`, then serves until killed.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
use ferrobahn_wamp_bench::rawfanout::{self, Config};

#[derive(Debug, Parser)]
#[command(name = "raw-fanout")]
struct Args {
    /// Address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: String,
    /// Most bytes per write to one subscriber.
    #[arg(long, default_value_t = Config::default().max_write)]
    max_write: usize,
    /// Read buffer per connection, bytes.
    #[arg(long, default_value_t = Config::default().read_buffer)]
    read_buffer: usize,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let config = Config {
        max_write: args.max_write.max(1),
        read_buffer: args.read_buffer.max(1024),
        ..Config::default()
    };
    let run = async {
        let listener = tokio::net::TcpListener::bind(&args.listen).await?;
        println!("listening on ws://{}/ws", listener.local_addr()?);
        rawfanout::serve(listener, config).await
    };
    let result = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .and_then(|rt| tokio::task::LocalSet::new().block_on(&rt, run));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("raw-fanout: {e}");
            ExitCode::FAILURE
        }
    }
}
