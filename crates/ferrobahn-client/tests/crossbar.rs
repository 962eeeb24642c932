//! Integration tests against Crossbar.io, the reference WAMP router, once per runtime.
//!
//! Run with `FERROBAHN_CROSSBAR=/opt/crossbar-venv/bin/crossbar cargo test -p
//! ferrobahn-client --test crossbar`; without the variable every test prints a notice
//! and passes.
#![allow(clippy::duplicate_mod)] // on purpose: one body per runtime

mod harness;

#[path = "."]
mod on_tokio {
    ferrobahn_test::runtime_tokio!();

    /// A TCP connection that may fail, on tokio.
    pub(crate) async fn try_tcp_connect(
        addr: std::net::SocketAddr,
    ) -> std::io::Result<rt::Transport> {
        Ok(ferrobahn_tokio::TokioIo(
            tokio::net::TcpStream::connect(addr).await?,
        ))
    }

    /// A Unix-socket connection on tokio.
    pub(crate) async fn unix_connect(
        path: &std::path::Path,
    ) -> ferrobahn_tokio::TokioIo<tokio::net::UnixStream> {
        ferrobahn_tokio::TokioIo(tokio::net::UnixStream::connect(path).await.expect("unix"))
    }

    #[path = "crossbar/auth.rs"]
    mod auth;
    #[path = "crossbar/basic.rs"]
    mod basic;
    #[path = "crossbar/component.rs"]
    mod component;
    #[path = "crossbar/pubsub.rs"]
    mod pubsub;
    #[path = "crossbar/rawsocket.rs"]
    mod rawsocket;
    #[path = "crossbar/rpc.rs"]
    mod rpc;
    #[path = "crossbar/util.rs"]
    mod util;
}

#[path = "."]
mod on_async_std {
    ferrobahn_test::runtime_async_std!();

    /// A TCP connection that may fail, on async-io.
    pub(crate) async fn try_tcp_connect(
        addr: std::net::SocketAddr,
    ) -> std::io::Result<rt::Transport> {
        let s = async_io::Async::<std::net::TcpStream>::connect(addr).await?;
        Ok(ferrobahn_async_std::TcpTransport::new(s))
    }

    /// A Unix-socket connection on async-io.
    pub(crate) async fn unix_connect(
        path: &std::path::Path,
    ) -> ferrobahn_rt::FuturesIo<async_io::Async<std::os::unix::net::UnixStream>> {
        let s = async_io::Async::<std::os::unix::net::UnixStream>::connect(path)
            .await
            .expect("unix");
        ferrobahn_rt::FuturesIo(s)
    }

    #[path = "crossbar/auth.rs"]
    mod auth;
    #[path = "crossbar/basic.rs"]
    mod basic;
    #[path = "crossbar/component.rs"]
    mod component;
    #[path = "crossbar/pubsub.rs"]
    mod pubsub;
    #[path = "crossbar/rawsocket.rs"]
    mod rawsocket;
    #[path = "crossbar/rpc.rs"]
    mod rpc;
    #[path = "crossbar/util.rs"]
    mod util;
}
