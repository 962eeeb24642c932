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

use std::process::ExitCode;

#[path = "../benches/shared/handshake.rs"]
mod cases;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (which, n) = match args.as_slice() {
        [w, n] => match n.parse::<usize>() {
            Ok(n) => (w.as_str(), n),
            Err(_) => return usage(),
        },
        _ => return usage(),
    };
    let accept = cases::chat();
    let mut sum = 0usize;
    for _ in 0..n {
        sum += match which {
            "ferrobahn" => cases::ferrobahn(&accept),
            "tungstenite" => cases::tungstenite(),
            "httparse" => cases::httparse_only(),
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
