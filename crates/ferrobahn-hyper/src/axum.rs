//! axum 0.8: upgrade a request in an axum handler.
//!
//! ```no_run
//! use std::sync::Arc;
//! use axum::{extract::Request, routing::get, Router};
//! use ferrobahn_rt::{Ctx, Handler, ServerConfig};
//!
//! struct Echo;
//! impl Handler for Echo {
//!     fn on_message(&mut self, ctx: &mut Ctx<'_>, payload: bytes::Bytes, _: bool) {
//!         let _ = ctx.send_binary(&payload);
//!     }
//! }
//!
//! # async fn run() -> std::io::Result<()> {
//! let config = Arc::new(ServerConfig::default());
//! let app = Router::new()
//!     .route("/", get(|| async { "a web page" }))
//!     .route("/ws", get(move |req: Request| {
//!         let config = config.clone();
//!         async move { ferrobahn_hyper::axum::upgrade(req, config, None, Echo) }
//!     }));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app).await
//! # }
//! ```

use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use ferrobahn_rt::{Handler, PeerAddr, ServerConfig};

/// [`crate::upgrade`] for an axum request, returning an axum response
/// (`axum::serve` keeps upgrades enabled).
pub fn upgrade<H: Handler>(
    req: Request,
    config: Arc<ServerConfig>,
    peer: Option<PeerAddr>,
    handler: H,
) -> Response {
    crate::upgrade(req, config, peer, handler).map(Body::new)
}
