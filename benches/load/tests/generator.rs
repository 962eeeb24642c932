//! The generator against small blocking echo servers in this process.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use ferrobahn_load::frame::Wire;
use ferrobahn_load::generator::{self, GenConfig};

/// Serves `conns` connections with `echo`, one thread each.
fn serve(conns: usize, echo: fn(TcpStream)) -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for s in l.incoming().take(conns) {
            let s = s.unwrap();
            std::thread::spawn(move || echo(s));
        }
    });
    addr
}

fn raw_echo(mut s: TcpStream) {
    let mut len = [0u8; 4];
    while s.read_exact(&mut len).is_ok() {
        let mut payload = vec![0; u32::from_be_bytes(len) as usize];
        if s.read_exact(&mut payload).is_err() {
            return;
        }
        if s.write_all(&len)
            .and_then(|()| s.write_all(&payload))
            .is_err()
        {
            return;
        }
    }
}

/// Just enough WebSocket: answer the upgrade, unmask, echo unmasked.
fn ws_echo(mut s: TcpStream) {
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if s.read_exact(&mut b).is_err() {
            return;
        }
        head.push(b[0]);
    }
    let _ = s.write_all(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
    );
    let mut h = [0u8; 2];
    while s.read_exact(&mut h).is_ok() {
        let len = match h[1] & 0x7f {
            126 => {
                let mut e = [0u8; 2];
                let _ = s.read_exact(&mut e);
                u64::from(u16::from_be_bytes(e))
            }
            127 => {
                let mut e = [0u8; 8];
                let _ = s.read_exact(&mut e);
                u64::from_be_bytes(e)
            }
            n => u64::from(n),
        };
        let mut key = [0u8; 4];
        let mut payload = vec![0; len as usize];
        if s.read_exact(&mut key)
            .and_then(|()| s.read_exact(&mut payload))
            .is_err()
        {
            return;
        }
        payload
            .iter_mut()
            .zip(key.iter().cycle())
            .for_each(|(p, k)| *p ^= k);
        let mut out = vec![h[0]];
        match len {
            0..=125 => out.push(len as u8),
            126..=65_535 => {
                out.push(126);
                out.extend_from_slice(&(len as u16).to_be_bytes());
            }
            _ => {
                out.push(127);
                out.extend_from_slice(&len.to_be_bytes());
            }
        }
        out.extend_from_slice(&payload);
        if s.write_all(&out).is_err() {
            return;
        }
    }
}

fn config(addr: SocketAddr, wire: Wire, size: usize, latency: bool) -> GenConfig {
    GenConfig {
        addr,
        conns: 3,
        size,
        inflight: if latency { 1 } else { 4 },
        warmup: Duration::from_millis(100),
        duration: Duration::from_millis(300),
        wire,
        deflate: false,
        latency,
        server_pid: Some(std::process::id()),
    }
}

#[test]
fn drives_a_length_prefixed_echo() {
    let addr = serve(3, raw_echo);
    let r = generator::run(&config(addr, Wire::LengthPrefixed, 100, false)).unwrap();
    assert!(r.messages > 0, "{r:?}");
    assert_eq!(r.lost_conns, 0);
    assert!((r.mb_per_sec - r.msgs_per_sec * 100.0 / 1e6).abs() < 1e-6);
    assert!(r.server_cpu.is_some() && r.p50_us.is_none());
}

#[test]
fn drives_a_websocket_echo_and_samples_latency() {
    for size in [20, 70_000] {
        let addr = serve(3, ws_echo);
        let r = generator::run(&config(addr, Wire::WebSocket, size, true)).unwrap();
        assert!(r.messages > 0, "{r:?}");
        assert_eq!(
            r.samples as u64, r.messages,
            "one sample per measured message"
        );
        let (p50, p99) = (r.p50_us.unwrap(), r.p99_us.unwrap());
        assert!(p50 > 0.0 && p99 >= p50, "{r:?}");
    }
}

#[test]
fn reports_a_refused_deflate_offer() {
    let addr = serve(1, ws_echo);
    let mut cfg = config(addr, Wire::WebSocket, 20, false);
    cfg.conns = 1;
    cfg.deflate = true;
    let err = generator::run(&cfg).unwrap_err();
    assert!(err.to_string().contains("permessage-deflate"), "{err}");
}
