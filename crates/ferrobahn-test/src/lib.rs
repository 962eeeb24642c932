//! Test support for ferrobahn (not published).
//!
//! - [`runtime_tokio!`] and [`runtime_async_std!`] define a `mod rt` with the
//!   same functions for each runtime, so one test body runs on both (the
//!   rustls `api.rs` trick):
//!
//! ```ignore
//! #[path = "."]
//! mod on_tokio {
//!     ferrobahn_test::runtime_tokio!();
//!     #[path = "rt/echo.rs"]
//!     mod echo; // says `use super::rt;`
//! }
//! #[path = "."]
//! mod on_async_std {
//!     ferrobahn_test::runtime_async_std!();
//!     #[path = "rt/echo.rs"]
//!     mod echo;
//! }
//! ```
//! - [`Recorder`] is a [`Handler`] that reports every callback on a channel
//!   (and echoes, if asked), so tests can see what the other side saw.
//! - [`proxy`]: a one-shot HTTP `CONNECT` proxy; [`tinyproxy`]: a real one.
//! - [`mem`]: an in-memory transport pair and a runtime with a virtual
//!   clock, for deterministic tests of the driver.
//! - [`uninit`]: reading once from a transport into uninitialised memory.
#![forbid(unsafe_code)]

pub mod mem;
pub mod proxy;
pub mod tinyproxy;
pub mod uninit;

use std::time::Duration;

use bytes::Bytes;
use ferrobahn_handshake::{Accept, Request};
use ferrobahn_rt::{Ctx, Deny, Handler};
use ferrobahn_websocket::{CloseCode, Message, MessageKind};
use futures_channel::mpsc;
use futures_util::StreamExt;

#[doc(hidden)]
pub mod __private {
    pub use async_io;
    pub use async_std;
    pub use ferrobahn_async_std;
    pub use ferrobahn_handshake;
    pub use ferrobahn_rt;
    pub use ferrobahn_tokio;
    pub use tokio;
}

/// How long a test waits for something before it fails.
pub const TEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Defines `mod rt` for tokio: `block_on`, `runtime`, `bind`, `connect_with`,
/// `tcp_connect`, `spawn`, `sleep`, and the `Transport` type of a client.
#[macro_export]
macro_rules! runtime_tokio {
    () => {
        #[allow(dead_code, unreachable_pub)]
        pub(crate) mod rt {
            use std::future::Future;
            use std::net::SocketAddr;
            /// The runtime binding crate.
            pub use $crate::__private::ferrobahn_tokio as binding;
            use $crate::__private::tokio;

            /// The client transport type.
            pub type Transport = binding::TokioIo<tokio::net::TcpStream>;
            /// The transport of a connection made by `connect_with`.
            pub type Client = binding::ClientStream;
            /// The listener type.
            pub type Listener = binding::TokioListener;
            /// The Unix socket listener type.
            pub type UnixListener = binding::TokioUnixListener;

            /// The runtime's name.
            pub const NAME: &str = "tokio";

            /// Runs `fut` on a fresh multi-threaded tokio runtime.
            pub fn block_on<F: Future>(fut: F) -> F::Output {
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("tokio runtime")
                    .block_on(fut)
            }

            /// A raw TCP connection.
            pub async fn tcp_connect(addr: SocketAddr) -> Transport {
                binding::TokioIo(tokio::net::TcpStream::connect(addr).await.expect("connect"))
            }

            /// The client transport type over a Unix socket.
            pub type UnixTransport = binding::TokioIo<tokio::net::UnixStream>;

            /// A raw connection to the Unix socket `path`.
            pub async fn unix_stream(path: &std::path::Path) -> UnixTransport {
                binding::TokioIo(
                    tokio::net::UnixStream::connect(path)
                        .await
                        .expect("connect"),
                )
            }

            $crate::__runtime_common!();
        }
    };
}

/// The functions of `mod rt` that read the same for every runtime; used by
/// [`runtime_tokio!`] and [`runtime_async_std!`] inside their `mod rt`,
/// after `binding`, `Listener`, `Client`, `UnixListener` and `UnixTransport`.
#[doc(hidden)]
#[macro_export]
macro_rules! __runtime_common {
    () => {
        /// The runtime as `Arc<dyn Runtime>`.
        pub fn runtime() -> ::std::sync::Arc<dyn $crate::__private::ferrobahn_rt::Runtime> {
            binding::runtime()
        }

        /// Runs `fut` with `block_on`, failing the test when it takes longer than
        /// [`TEST_TIMEOUT`]($crate::TEST_TIMEOUT).
        pub fn block_on_timeout<F: ::std::future::Future<Output = ()>>(fut: F) {
            block_on(async move {
                let runtime = runtime();
                let deadline = runtime.now() + $crate::TEST_TIMEOUT;
                $crate::__private::ferrobahn_rt::timeout_at(&*runtime, deadline, fut)
                    .await
                    .expect("test timed out");
            });
        }

        /// A listener on a free loopback port.
        pub async fn bind() -> Listener {
            binding::bind("127.0.0.1:0").await.expect("bind")
        }

        /// `connect_with` of the binding.
        pub async fn connect_with(
            url: &str,
            config: $crate::__private::ferrobahn_rt::ClientConfig,
        ) -> Result<
            (
                $crate::__private::ferrobahn_rt::WebSocket<Client>,
                $crate::__private::ferrobahn_handshake::Response,
            ),
            $crate::__private::ferrobahn_rt::Error,
        > {
            binding::connect_with(url, config).await
        }

        /// A listener on the Unix socket `path`.
        pub async fn bind_unix(path: &std::path::Path) -> UnixListener {
            binding::bind_unix(path).await.expect("bind unix")
        }

        /// `connect_unix` of the binding.
        pub async fn connect_unix(
            path: &std::path::Path,
            url: &str,
            config: $crate::__private::ferrobahn_rt::ClientConfig,
        ) -> Result<
            (
                $crate::__private::ferrobahn_rt::WebSocket<UnixTransport>,
                $crate::__private::ferrobahn_handshake::Response,
            ),
            $crate::__private::ferrobahn_rt::Error,
        > {
            binding::connect_unix(path, url, config).await
        }

        /// Spawns `fut`.
        pub fn spawn(fut: impl ::std::future::Future<Output = ()> + Send + 'static) {
            $crate::__private::ferrobahn_rt::Runtime::spawn(&*runtime(), Box::pin(fut));
        }

        /// Serves `factory`'s handlers on a free loopback port in the
        /// background; returns the address.
        pub async fn start_server<F, H>(
            config: $crate::__private::ferrobahn_rt::ServerConfig,
            factory: F,
        ) -> ::std::net::SocketAddr
        where
            F: Fn() -> H + Send + Sync + 'static,
            H: $crate::__private::ferrobahn_rt::Handler,
        {
            let listener = bind().await;
            let addr = listener.local_addr().expect("local_addr");
            spawn($crate::__private::ferrobahn_rt::serve(
                runtime(),
                listener,
                config,
                factory,
            ));
            addr
        }
    };
}

/// Defines `mod rt` for async-std (on async-io); see [`runtime_tokio!`].
#[macro_export]
macro_rules! runtime_async_std {
    () => {
        #[allow(dead_code, unreachable_pub)]
        pub(crate) mod rt {
            use std::future::Future;
            use std::net::SocketAddr;
            /// The runtime binding crate.
            pub use $crate::__private::ferrobahn_async_std as binding;

            /// The client transport type.
            pub type Transport = binding::TcpTransport;
            /// The transport of a connection made by `connect_with`.
            pub type Client = binding::ClientStream;
            /// The listener type.
            pub type Listener = binding::AsyncIoListener;
            /// The Unix socket listener type.
            pub type UnixListener = binding::AsyncIoUnixListener;

            /// The runtime's name.
            pub const NAME: &str = "async-std";

            /// Runs `fut` on async-std.
            pub fn block_on<F: Future>(fut: F) -> F::Output {
                $crate::__private::async_std::task::block_on(fut)
            }

            /// A raw TCP connection.
            pub async fn tcp_connect(addr: SocketAddr) -> Transport {
                let s = $crate::__private::async_io::Async::<std::net::TcpStream>::connect(addr)
                    .await
                    .expect("connect");
                binding::TcpTransport::new(s)
            }

            /// The client transport type over a Unix socket.
            pub type UnixTransport = binding::UnixTransport;

            /// A raw connection to the Unix socket `path`.
            pub async fn unix_stream(path: &std::path::Path) -> UnixTransport {
                let s =
                    $crate::__private::async_io::Async::<std::os::unix::net::UnixStream>::connect(
                        path,
                    )
                    .await
                    .expect("connect");
                binding::UnixTransport::new(s)
            }

            $crate::__runtime_common!();
        }
    };
}

/// What a [`Recorder`] saw, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seen {
    /// `on_connect`: the request path and offered subprotocols.
    Connect {
        /// The request target.
        path: String,
        /// The offered subprotocols.
        protocols: Vec<String>,
    },
    /// `on_open`, with the negotiated subprotocol.
    Open(Option<String>),
    /// `on_message`.
    Message(Message),
    /// `on_ping`.
    Ping(Bytes),
    /// `on_pong`.
    Pong(Bytes),
    /// `on_close`.
    Close {
        /// Both close frames were exchanged.
        was_clean: bool,
        /// The close code (`None`: the frame had none).
        code: Option<CloseCode>,
        /// The close reason.
        reason: String,
    },
}

/// What a [`Recorder`] does besides recording.
#[derive(Clone, Debug, Default)]
pub struct Behaviour {
    /// Echo every message back.
    pub echo: bool,
    /// Select this subprotocol if offered (server).
    pub select_protocol: Option<String>,
    /// Deny every connection with this.
    pub deny: Option<Deny>,
    /// Close with this code when a text message equal to "close" arrives.
    pub close_on_text: Option<CloseCode>,
    /// On open, spawn a task that sends this many texts `pushed N` through
    /// a `Sender`.
    pub push_on_open: usize,
}

/// A [`Handler`] reporting every callback on a channel.
#[derive(Debug)]
pub struct Recorder {
    tx: mpsc::UnboundedSender<Seen>,
    behaviour: Behaviour,
}

/// The receiving end of a [`Recorder`]'s reports.
#[derive(Debug)]
pub struct Seens(mpsc::UnboundedReceiver<Seen>);

impl Seens {
    /// The next report; `None` when every recorder is gone.
    pub async fn next(&mut self) -> Option<Seen> {
        self.0.next().await
    }

    /// Reports until (and including) the first `Seen::Close`.
    pub async fn until_close(&mut self) -> Vec<Seen> {
        let mut all = Vec::new();
        while let Some(s) = self.0.next().await {
            let done = matches!(s, Seen::Close { .. });
            all.push(s);
            if done {
                break;
            }
        }
        all
    }
}

impl Recorder {
    /// A recorder and its report channel.
    pub fn new(behaviour: Behaviour) -> (Self, Seens) {
        let (tx, rx) = mpsc::unbounded();
        (Self { tx, behaviour }, Seens(rx))
    }

    /// A handler factory for `serve` whose handlers all report on one channel.
    pub fn factory(behaviour: Behaviour) -> (impl Fn() -> Recorder + Send + Sync + 'static, Seens) {
        let (tx, rx) = mpsc::unbounded();
        let make = move || Recorder {
            tx: tx.clone(),
            behaviour: behaviour.clone(),
        };
        (make, Seens(rx))
    }

    fn report(&self, seen: Seen) {
        // The test may have stopped listening; that is not this handler's concern.
        let _ = self.tx.unbounded_send(seen);
    }
}

impl Handler for Recorder {
    fn on_connect(&mut self, request: &Request) -> Result<Accept, Deny> {
        self.report(Seen::Connect {
            path: request.path.clone(),
            protocols: request.protocols.clone(),
        });
        if let Some(deny) = &self.behaviour.deny {
            return Err(deny.clone());
        }
        let protocol = self
            .behaviour
            .select_protocol
            .clone()
            .filter(|p| request.protocols.contains(p));
        Ok(Accept {
            protocol,
            ..Accept::default()
        })
    }

    fn on_open(&mut self, ctx: &mut Ctx<'_>) {
        self.report(Seen::Open(ctx.protocol().map(str::to_owned)));
        let count = self.behaviour.push_on_open;
        if count > 0 {
            let mut sender = ctx.sender();
            ctx.spawn(async move {
                for i in 0..count {
                    if sender.send_text(format!("pushed {i}")).await.is_err() {
                        break;
                    }
                }
            });
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_>, payload: Bytes, is_binary: bool) {
        let kind = if is_binary {
            MessageKind::Binary
        } else {
            MessageKind::Text
        };
        let msg = Message {
            kind,
            data: payload,
        };
        if let (Some(code), Some("close")) = (self.behaviour.close_on_text, msg.as_text()) {
            let _ = ctx.close(code, "asked to close");
        } else if self.behaviour.echo {
            let _ = ctx.send_message(msg.clone());
        }
        self.report(Seen::Message(msg));
    }

    fn on_ping(&mut self, _ctx: &mut Ctx<'_>, payload: Bytes) {
        self.report(Seen::Ping(payload));
    }

    fn on_pong(&mut self, _ctx: &mut Ctx<'_>, payload: Bytes) {
        self.report(Seen::Pong(payload));
    }

    fn on_close(&mut self, was_clean: bool, code: Option<CloseCode>, reason: &str) {
        self.report(Seen::Close {
            was_clean,
            code,
            reason: reason.to_owned(),
        });
    }
}
