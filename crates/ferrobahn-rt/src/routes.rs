//! [`Routes`]: several WebSocket services on one port, chosen per
//! connection by request path and/or subprotocol (AutobahnPython's
//! `multiproto` service wrapper).

use std::sync::Arc;

use bytes::Bytes;
use ferrobahn_handshake::{Accept, Request};
use ferrobahn_websocket::CloseCode;

use crate::handler::{Ctx, Deny, Handler};

type Factory = Box<dyn Fn() -> Box<dyn Handler> + Send + Sync>;

struct Route {
    path: Option<String>,
    protocol: Option<String>,
    factory: Factory,
}

impl Route {
    fn matches(&self, request: &Request) -> bool {
        let path = request.path.split('?').next().unwrap_or_default();
        self.path.as_deref().is_none_or(|p| p == path)
            && self
                .protocol
                .as_deref()
                .is_none_or(|p| request.protocols.iter().any(|o| o == p))
    }
}

/// A table of WebSocket services; [`Routes::factory`] makes the handler
/// factory to give `serve`.
///
/// Routes are tried in the order they were added; the first whose path
/// (exact, query ignored) and subprotocol (offered by the client) both
/// match gets the connection. A route with a subprotocol accepts the
/// connection with it unless its handler's `on_connect` chose one. A
/// request no route matches is refused with `404`.
///
/// ```
/// use ferrobahn_rt::{Ctx, Handler, Routes};
/// # struct Echo; impl Handler for Echo { fn on_message(&mut self, _: &mut Ctx<'_>, _: bytes::Bytes, _: bool) {} }
/// # struct Chat; impl Handler for Chat { fn on_message(&mut self, _: &mut Ctx<'_>, _: bytes::Bytes, _: bool) {} }
/// let factory = Routes::new()
///     .path("/echo", || Echo)
///     .protocol("chat.v1", || Chat)
///     .factory();
/// // ferrobahn_tokio::serve("127.0.0.1:9000", factory).await
/// # let _ = factory;
/// ```
#[derive(Default)]
pub struct Routes {
    routes: Vec<Route>,
}

impl std::fmt::Debug for Routes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list: Vec<_> = self
            .routes
            .iter()
            .map(|r| (r.path.as_deref(), r.protocol.as_deref()))
            .collect();
        f.debug_struct("Routes").field("routes", &list).finish()
    }
}

impl Routes {
    /// An empty table (every request gets 404).
    pub fn new() -> Self {
        Self::default()
    }

    /// Connections to `path` get a handler from `factory`.
    #[must_use]
    pub fn path<F, H>(self, path: &str, factory: F) -> Self
    where
        F: Fn() -> H + Send + Sync + 'static,
        H: Handler,
    {
        self.route(Some(path), None, factory)
    }

    /// Connections offering the subprotocol `protocol` get a handler from
    /// `factory` (and are accepted with that subprotocol).
    #[must_use]
    pub fn protocol<F, H>(self, protocol: &str, factory: F) -> Self
    where
        F: Fn() -> H + Send + Sync + 'static,
        H: Handler,
    {
        self.route(None, Some(protocol), factory)
    }

    /// A route on a path, a subprotocol, both, or neither (a catch-all).
    #[must_use]
    pub fn route<F, H>(mut self, path: Option<&str>, protocol: Option<&str>, factory: F) -> Self
    where
        F: Fn() -> H + Send + Sync + 'static,
        H: Handler,
    {
        self.routes.push(Route {
            path: path.map(str::to_owned),
            protocol: protocol.map(str::to_owned),
            factory: Box::new(move || Box::new(factory())),
        });
        self
    }

    /// The handler factory for `serve`: each connection gets a [`Routed`]
    /// handler that picks its service in `on_connect`.
    pub fn factory(self) -> impl Fn() -> Routed + Send + Sync + 'static {
        let routes: Arc<[Route]> = self.routes.into();
        move || Routed {
            routes: routes.clone(),
            chosen: None,
        }
    }
}

/// The handler of one connection served through [`Routes`]: delegates to
/// the handler of the route its opening request matched.
pub struct Routed {
    routes: Arc<[Route]>,
    chosen: Option<Box<dyn Handler>>,
}

impl std::fmt::Debug for Routed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Routed")
            .field("chosen", &self.chosen.is_some())
            .finish()
    }
}

/// Calls the chosen handler's callback (none is chosen only before a
/// successful `on_connect`, when no other callback comes).
macro_rules! delegate {
    ($self:ident, $method:ident($($arg:expr),*)) => {
        if let Some(h) = &mut $self.chosen {
            h.$method($($arg),*);
        }
    };
}

impl Handler for Routed {
    fn on_connect(&mut self, request: &Request) -> Result<Accept, Deny> {
        let Some(route) = self.routes.iter().find(|r| r.matches(request)) else {
            tracing::debug!(path = %request.path, protocols = ?request.protocols, "no route");
            return Err(Deny::new(404, "no WebSocket service here"));
        };
        let mut handler = (route.factory)();
        let mut accept = handler.on_connect(request)?;
        if accept.protocol.is_none() {
            accept.protocol.clone_from(&route.protocol);
        }
        self.chosen = Some(handler);
        Ok(accept)
    }

    fn on_open(&mut self, ctx: &mut Ctx<'_>) {
        delegate!(self, on_open(ctx));
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_>, payload: Bytes, is_binary: bool) {
        delegate!(self, on_message(ctx, payload, is_binary));
    }

    fn on_ping(&mut self, ctx: &mut Ctx<'_>, payload: Bytes) {
        delegate!(self, on_ping(ctx, payload));
    }

    fn on_pong(&mut self, ctx: &mut Ctx<'_>, payload: Bytes) {
        delegate!(self, on_pong(ctx, payload));
    }

    fn on_message_begin(&mut self, ctx: &mut Ctx<'_>, is_binary: bool) {
        delegate!(self, on_message_begin(ctx, is_binary));
    }

    fn on_message_frame_begin(&mut self, ctx: &mut Ctx<'_>, len: u64) {
        delegate!(self, on_message_frame_begin(ctx, len));
    }

    fn on_message_frame_data(&mut self, ctx: &mut Ctx<'_>, data: Bytes) {
        delegate!(self, on_message_frame_data(ctx, data));
    }

    fn on_message_frame_end(&mut self, ctx: &mut Ctx<'_>) {
        delegate!(self, on_message_frame_end(ctx));
    }

    fn on_message_end(&mut self, ctx: &mut Ctx<'_>) {
        delegate!(self, on_message_end(ctx));
    }

    fn on_drain(&mut self, ctx: &mut Ctx<'_>) {
        delegate!(self, on_drain(ctx));
    }

    fn on_close(&mut self, was_clean: bool, code: Option<CloseCode>, reason: &str) {
        delegate!(self, on_close(was_clean, code, reason));
    }
}
