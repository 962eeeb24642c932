//! Idle sessions for the memory test: N joined sessions from several loopback source
//! addresses, held until the runner closes the driver's stdin.

use std::io::Read;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use super::{DriverError, Target, CONNECT_BATCH};

/// How long the sessions are held at most.
pub const HOLD_TIMEOUT: Duration = Duration::from_secs(600);

/// The `i`-th source address: 127.0.0.1 ..= 127.0.0.`sources`, round robin.
pub fn source(i: usize, sources: u8) -> IpAddr {
    let n = sources.max(1) as usize;
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1 + (i % n) as u8))
}

/// Joins `sessions` sessions, prints `READY <n>`, and holds them until stdin closes
/// (or [`HOLD_TIMEOUT`]).
///
/// # Errors
/// The first session that fails to join.
pub async fn run(t: &Target, sessions: usize, sources: u8) -> Result<(), DriverError> {
    let mut held = Vec::with_capacity(sessions);
    while held.len() < sessions {
        let base = held.len();
        let batch = (sessions - base).min(CONNECT_BATCH * 4);
        let joins = (0..batch).map(|i| t.client(Some(source(base + i, sources))));
        for c in futures_util::future::join_all(joins).await {
            held.push(c?);
        }
    }
    println!("READY {}", held.len());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
        let _ = tx.send(());
    });
    let _ = tokio::time::timeout(HOLD_TIMEOUT, rx).await;
    drop(held);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_round_robin() {
        assert_eq!(source(0, 4), IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)));
        assert_eq!(source(5, 4), IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)));
        assert_eq!(source(7, 0), IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)));
    }
}
