//! What every WAMP demo shares: the router URL, realm and runtime from the command line,
//! the connection (WebSocket or RawSocket, on tokio or async-std), and the life cycle of
//! a component, as AutobahnPython's `ApplicationRunner` does it for the Python originals.
//!
//! A demo is run as `wamp_demo <component> [--url URL] [--realm REALM] [--runtime RT]`,
//! e.g. `wamp_demo rpc.timeservice.backend`. The URL defaults to `$AUTOBAHN_DEMO_ROUTER`
//! or `ws://127.0.0.1:8080/ws`, the realm to `realm1` (what `ferrobahn router` serves),
//! the runtime to `$FERROBAHN_RUNTIME` or `tokio`. The components themselves do not
//! name a runtime: the same code runs on both.

use std::error::Error;
use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use ferrobahn::rt::{sleep_until, timeout_at, Runtime};
use ferrobahn::tokio::TokioIo;
use ferrobahn_client::transport::{connect_endpoint, Endpoint, WampTransport};
use ferrobahn_client::wamp::{Dict, Payload, Value};
use ferrobahn_client::{CallResult, Client, ClientConfig, JoinOptions, RequestError};
use ferrobahn_serializers::{Format, Serializer};

/// What a demo component returns.
pub type DemoResult = Result<(), Box<dyn Error + Send + Sync>>;

type BoxFuture = Pin<Box<dyn Future<Output = DemoResult> + Send>>;
type Run = Box<dyn FnOnce(Client, String) -> BoxFuture>;

/// How long connecting, the handshake and joining may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How a component uses its session.
pub enum Component {
    /// Sets things up (registers, subscribes) and returns; the session then stays
    /// until the router goes away or Ctrl-C. "ready" is printed to stderr.
    Backend(Run),
    /// Runs to its end; the session is then left and the transport closed.
    Frontend(Run),
    /// Gets a connected transport without a session: it joins and leaves itself.
    Transport(Run),
}

impl Component {
    /// A backend component.
    pub fn backend<F, Fut>(f: F) -> Self
    where
        F: FnOnce(Client) -> Fut + 'static,
        Fut: Future<Output = DemoResult> + Send + 'static,
    {
        Component::Backend(Box::new(move |c, _| Box::pin(f(c))))
    }

    /// A frontend component.
    pub fn frontend<F, Fut>(f: F) -> Self
    where
        F: FnOnce(Client) -> Fut + 'static,
        Fut: Future<Output = DemoResult> + Send + 'static,
    {
        Component::Frontend(Box::new(move |c, _| Box::pin(f(c))))
    }

    /// A component that is given the transport and the realm name.
    pub fn transport<F, Fut>(f: F) -> Self
    where
        F: FnOnce(Client, String) -> Fut + 'static,
        Fut: Future<Output = DemoResult> + Send + 'static,
    {
        Component::Transport(Box::new(move |c, realm| Box::pin(f(c, realm))))
    }
}

/// The runtime that hosts a demo component.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DemoRuntime {
    /// tokio, multi-threaded (2 workers).
    #[default]
    Tokio,
    /// async-std (async-io and async-executor underneath).
    AsyncStd,
}

impl DemoRuntime {
    /// `tokio` or `async-std`.
    ///
    /// # Errors
    /// Any other name.
    pub fn parse(name: &str) -> Result<Self, String> {
        match name {
            "tokio" => Ok(Self::Tokio),
            "async-std" | "async_std" => Ok(Self::AsyncStd),
            other => Err(format!("unknown runtime {other:?} (tokio or async-std)")),
        }
    }

    /// The ferrobahn runtime handle (timers and spawning) of this runtime.
    pub fn handle(self) -> Arc<dyn Runtime> {
        match self {
            Self::Tokio => ferrobahn::tokio::runtime(),
            Self::AsyncStd => ferrobahn::async_std::runtime(),
        }
    }
}

/// The command line of a demo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoArgs {
    /// The router URL (`ws://`, `rs://`, `tcp://` or `unix://`).
    pub url: String,
    /// The realm.
    pub realm: String,
    /// The runtime the component runs on.
    pub runtime: DemoRuntime,
}

impl DemoArgs {
    /// Reads `--url URL`, `--realm REALM` and `--runtime tokio|async-std` (in any
    /// order).
    ///
    /// # Errors
    /// An unknown argument or runtime, or a missing value.
    pub fn parse(mut args: impl Iterator<Item = String>) -> Result<Self, String> {
        let mut out = DemoArgs {
            url: std::env::var("AUTOBAHN_DEMO_ROUTER")
                .unwrap_or_else(|_| "ws://127.0.0.1:8080/ws".to_owned()),
            realm: "realm1".to_owned(),
            runtime: match std::env::var("FERROBAHN_RUNTIME") {
                Ok(name) => DemoRuntime::parse(&name)?,
                Err(_) => DemoRuntime::default(),
            },
        };
        while let Some(a) = args.next() {
            let value = args.next().ok_or_else(|| format!("{a} needs a value"));
            match a.as_str() {
                "--url" => out.url = value?,
                "--realm" => out.realm = value?,
                "--runtime" => out.runtime = DemoRuntime::parse(&value?)?,
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        Ok(out)
    }
}

/// Connects to the router at `url` (not joined yet), on `rt`.
///
/// # Errors
/// A bad URL, a refused connection, a failed handshake.
pub async fn connect(url: &str, rt: DemoRuntime) -> Result<Client, Box<dyn Error + Send + Sync>> {
    let endpoint = Endpoint::parse(url)?;
    let transport = match rt {
        DemoRuntime::Tokio => connect_tokio(&endpoint).await?,
        DemoRuntime::AsyncStd => connect_async_std(&endpoint).await?,
    };
    Ok(Client::new(rt.handle(), transport, ClientConfig::default()))
}

async fn connect_tokio(
    endpoint: &Endpoint,
) -> Result<Box<dyn WampTransport>, Box<dyn Error + Send + Sync>> {
    use ferrobahn::tokio::runtime;
    let ser = Serializer::new(Format::Json);
    Ok(match endpoint {
        Endpoint::WebSocket { host, port, .. } | Endpoint::RawSocketTcp { host, port, .. }
            if endpoint.is_tls() =>
        {
            // wss:// or rss://: TLS first, Mozilla's roots.
            let tls = ferrobahn::tokio::connect_tls(host, *port, None).await?;
            connect_endpoint(runtime(), tls, endpoint, ser, CONNECT_TIMEOUT).await?
        }
        Endpoint::WebSocket { host, port, .. } | Endpoint::RawSocketTcp { host, port, .. } => {
            let tcp = tokio::net::TcpStream::connect((host.as_str(), *port)).await?;
            connect_endpoint(runtime(), TokioIo(tcp), endpoint, ser, CONNECT_TIMEOUT).await?
        }
        Endpoint::RawSocketUnix { path } => {
            let unix = tokio::net::UnixStream::connect(path).await?;
            connect_endpoint(runtime(), TokioIo(unix), endpoint, ser, CONNECT_TIMEOUT).await?
        }
        other => return Err(format!("unsupported endpoint {other:?}").into()),
    })
}

async fn connect_async_std(
    endpoint: &Endpoint,
) -> Result<Box<dyn WampTransport>, Box<dyn Error + Send + Sync>> {
    use async_io::Async;
    use ferrobahn::async_std::{runtime, TcpTransport};
    let ser = Serializer::new(Format::Json);
    Ok(match endpoint {
        Endpoint::WebSocket { host, port, .. } | Endpoint::RawSocketTcp { host, port, .. }
            if endpoint.is_tls() =>
        {
            let tls = ferrobahn::async_std::connect_tls(host, *port, None).await?;
            connect_endpoint(runtime(), tls, endpoint, ser, CONNECT_TIMEOUT).await?
        }
        Endpoint::WebSocket { host, port, .. } | Endpoint::RawSocketTcp { host, port, .. } => {
            let addr = resolve(host, *port).await?;
            let tcp = TcpTransport::new(Async::<std::net::TcpStream>::connect(addr).await?);
            connect_endpoint(runtime(), tcp, endpoint, ser, CONNECT_TIMEOUT).await?
        }
        Endpoint::RawSocketUnix { path } => {
            let unix = Async::<std::os::unix::net::UnixStream>::connect(path).await?;
            let io = ferrobahn::FuturesIo(unix);
            connect_endpoint(runtime(), io, endpoint, ser, CONNECT_TIMEOUT).await?
        }
        other => return Err(format!("unsupported endpoint {other:?}").into()),
    })
}

/// The first address of `host:port` (the system resolver, off the executor's threads).
async fn resolve(host: &str, port: u16) -> std::io::Result<std::net::SocketAddr> {
    use std::net::ToSocketAddrs;
    let name = format!("{host}:{port}");
    async_std::task::spawn_blocking(move || {
        name.to_socket_addrs()?.next().ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::NotFound, "address resolved to nothing")
        })
    })
    .await
}

/// The runtime handle the demos' [`sleep`] uses: the one [`run`] started.
static RUNTIME: OnceLock<Arc<dyn Runtime>> = OnceLock::new();

/// Runs `component` against the router `args` names, on the runtime `args` names; the
/// process's exit code.
pub fn run(args: &DemoArgs, component: Component) -> ExitCode {
    let _ = RUNTIME.set(args.runtime.handle());
    let result = match args.runtime {
        DemoRuntime::Tokio => match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
        {
            Ok(rt) => rt.block_on(lifecycle(args, component)),
            Err(e) => Err(format!("cannot start tokio: {e}").into()),
        },
        DemoRuntime::AsyncStd => async_std::task::block_on(lifecycle(args, component)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `fut`, or `None` once [`CONNECT_TIMEOUT`] has passed.
async fn bounded<F: Future>(rt: &dyn Runtime, fut: F) -> Option<F::Output> {
    timeout_at(rt, rt.now() + CONNECT_TIMEOUT, fut).await
}

async fn lifecycle(args: &DemoArgs, component: Component) -> DemoResult {
    let rt = args.runtime.handle();
    let client = bounded(&*rt, connect(&args.url, args.runtime))
        .await
        .ok_or_else(|| format!("no answer from {} in time", args.url))??;
    let realm = args.realm.clone();
    let result = match component {
        Component::Transport(run) => run(client.clone(), realm).await,
        Component::Frontend(run) => match join(&client, &realm).await {
            Ok(()) => run(client.clone(), realm).await,
            Err(e) => Err(e),
        },
        Component::Backend(run) => match join(&client, &realm).await {
            Ok(()) => match run(client.clone(), realm).await {
                Ok(()) => serve(&client, args.runtime).await,
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        },
    };
    if bounded(&*rt, client.disconnect()).await.is_none() {
        eprintln!("the router did not close the connection in time");
    }
    result
}

async fn join(client: &Client, realm: &str) -> DemoResult {
    let details = client.join(JoinOptions::new(realm)).await?;
    eprintln!("joined {} as session {}", details.realm, details.session);
    Ok(())
}

/// Keeps a backend's session until the router ends it or Ctrl-C (on tokio, Ctrl-C
/// leaves the session first; on async-std it ends the process as usual).
async fn serve(client: &Client, rt: DemoRuntime) -> DemoResult {
    eprintln!("ready");
    match rt {
        DemoRuntime::Tokio => tokio::select! {
            why = client.left() => eprintln!("session ended: {why}"),
            _ = tokio::signal::ctrl_c() => {}
        },
        DemoRuntime::AsyncStd => eprintln!("session ended: {}", client.left().await),
    }
    Ok(())
}

/// Calls `procedure` with positional and keyword arguments (Python's
/// `session.call(procedure, *args, **kwargs)`).
///
/// # Errors
/// As [`Client::call_with`] and [`PendingCall::result`](ferrobahn_client::PendingCall::result).
pub async fn call_kw(
    client: &Client,
    procedure: &str,
    args: Vec<Value>,
    kwargs: &[(&str, Value)],
) -> Result<CallResult, RequestError> {
    let kwargs: Dict = kwargs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    client
        .call_with(procedure, Payload::new(args, kwargs), Default::default())
        .await?
        .result()
        .await
}

/// Sleeps (the demos' `asyncio.sleep`) on the runtime [`run`] started (tokio when
/// called outside [`run`]).
pub async fn sleep(secs: f64) {
    let rt = RUNTIME.get_or_init(ferrobahn::tokio::runtime);
    sleep_until(&**rt, rt.now() + Duration::from_secs_f64(secs)).await;
}

/// The current UTC time as `%Y-%m-%dT%H:%M:%SZ` (the time service's answer).
pub fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_and_defaults() {
        let a = DemoArgs::parse(
            ["--realm", "r", "--url", "rs://127.0.0.1:1"]
                .into_iter()
                .map(String::from),
        )
        .unwrap();
        assert_eq!(a.realm, "r");
        assert_eq!(a.url, "rs://127.0.0.1:1");
        assert_eq!(DemoArgs::parse(std::iter::empty()).unwrap().realm, "realm1");
        assert!(DemoArgs::parse(["--url".to_owned()].into_iter()).is_err());
        assert!(DemoArgs::parse(["-x".to_owned()].into_iter()).is_err());
        let on = |rt: &str| DemoArgs::parse(["--runtime", rt].into_iter().map(String::from));
        assert_eq!(on("async-std").unwrap().runtime, DemoRuntime::AsyncStd);
        assert_eq!(on("tokio").unwrap().runtime, DemoRuntime::Tokio);
        assert!(on("smol").is_err());
    }

    #[test]
    fn utc_time_has_the_time_service_format() {
        let t = utc_now();
        assert_eq!(t.len(), 20, "{t}");
        assert!(
            t.starts_with("20") && t.ends_with('Z') && &t[10..11] == "T",
            "{t}"
        );
    }
}
