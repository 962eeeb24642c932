//! `Either`, `Box<T>` and `delegate_transport!` forward every call to the
//! transport they hold.

use std::io;
use std::task::{Context, Poll, Waker};

use ferrobahn_rt::{delegate_transport, Either, Transport};
use ferrobahn_test::mem::{pipe, MemIo};

/// Polls once with a no-op waker: in-memory pipes are ready at once.
fn now<T>(f: impl FnOnce(&mut Context<'_>) -> Poll<io::Result<T>>) -> T {
    match f(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(r) => r.expect("in-memory I/O succeeds"),
        Poll::Pending => panic!("in-memory I/O is ready at once"),
    }
}

/// Bytes go both ways through `ours`, and closing it ends `peer`'s reads.
fn forwards_both_ways(mut ours: impl Transport, mut peer: MemIo) {
    assert_eq!(now(|cx| ours.poll_write(cx, b"ping")), 4);
    now(|cx| ours.poll_flush(cx));
    let mut buf = [0u8; 8];
    assert_eq!(now(|cx| peer.poll_read(cx, &mut buf)), 4);
    assert_eq!(&buf[..4], b"ping");
    assert_eq!(now(|cx| peer.poll_write(cx, b"pong")), 4);
    assert_eq!(now(|cx| ours.poll_read(cx, &mut buf)), 4);
    assert_eq!(&buf[..4], b"pong");
    now(|cx| ours.poll_close(cx));
    assert_eq!(now(|cx| peer.poll_read(cx, &mut buf)), 0);
    assert!(
        ours.read_uninit().is_none(),
        "MemIo reads initialised memory"
    );
}

#[test]
fn either_forwards_to_the_side_it_holds() {
    let (a, peer) = pipe(64);
    let left: Either<MemIo, Box<MemIo>> = Either::Left(a);
    assert!(left.left().is_some() && left.right().is_none());
    assert_eq!(left.tls_exporter(), None);
    forwards_both_ways(left, peer);

    let (b, peer) = pipe(64);
    let right: Either<MemIo, Box<MemIo>> = Either::Right(Box::new(b));
    assert!(right.right().is_some() && right.left().is_none());
    forwards_both_ways(right, peer);
}

#[test]
fn a_boxed_dyn_transport_forwards() {
    let (a, peer) = pipe(64);
    let boxed: Box<dyn Transport> = Box::new(a);
    forwards_both_ways(boxed, peer);
}

/// A transport that says it is TLS with a fixed channel binding.
struct FakeTls(MemIo);

delegate_transport!(FakeTls, 0, {
    fn tls_exporter(&self) -> Option<[u8; 32]> {
        Some([7; 32])
    }
});

#[test]
fn the_tls_exporter_comes_from_the_side_it_holds() {
    let (a, _peer) = pipe(64);
    let tls: Either<std::convert::Infallible, FakeTls> = Either::Right(FakeTls(a));
    assert_eq!(tls.tls_exporter(), Some([7; 32]));
    let (b, peer) = pipe(64);
    forwards_both_ways(Either::<MemIo, FakeTls>::Left(b), peer);
}

#[test]
fn delegate_transport_forwards_reads_writes_and_close() {
    let (a, peer) = pipe(64);
    let fake = FakeTls(a);
    assert_eq!(fake.tls_exporter(), Some([7; 32]));
    forwards_both_ways(fake, peer);
}
