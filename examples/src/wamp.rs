//! What every WAMP demo shares: the router URL and realm from the command line, the
//! connection (WebSocket or RawSocket on tokio), and the life cycle of a component, as
//! AutobahnPython's `ApplicationRunner` does it for the Python originals.
//!
//! A demo is run as `wamp_demo <component> [--url URL] [--realm REALM]`, e.g.
//! `wamp_demo rpc.timeservice.backend`. The URL defaults to `$AUTOBAHN_DEMO_ROUTER` or
//! `ws://127.0.0.1:8080/ws`, the realm to `realm1` (what `ferrobahn router` serves).

use std::error::Error;
use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;
use std::time::Duration;

use ferrobahn::tokio::{runtime, TokioIo};
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

/// The command line of a demo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoArgs {
    /// The router URL (`ws://`, `rs://`, `tcp://` or `unix://`).
    pub url: String,
    /// The realm.
    pub realm: String,
}

impl DemoArgs {
    /// Reads `--url URL` and `--realm REALM` (in any order).
    ///
    /// # Errors
    /// An unknown argument or a missing value.
    pub fn parse(mut args: impl Iterator<Item = String>) -> Result<Self, String> {
        let mut out = DemoArgs {
            url: std::env::var("AUTOBAHN_DEMO_ROUTER")
                .unwrap_or_else(|_| "ws://127.0.0.1:8080/ws".to_owned()),
            realm: "realm1".to_owned(),
        };
        while let Some(a) = args.next() {
            let slot = match a.as_str() {
                "--url" => &mut out.url,
                "--realm" => &mut out.realm,
                other => return Err(format!("unknown argument {other:?}")),
            };
            *slot = args.next().ok_or_else(|| format!("{a} needs a value"))?;
        }
        Ok(out)
    }
}

/// Connects to the router at `url` (not joined yet).
///
/// # Errors
/// A bad URL, a refused connection, a failed handshake.
pub async fn connect(url: &str) -> Result<Client, Box<dyn Error + Send + Sync>> {
    let endpoint = Endpoint::parse(url)?;
    let ser = Serializer::new(Format::Json);
    let transport: Box<dyn WampTransport> = match &endpoint {
        Endpoint::WebSocket { host, port, .. } | Endpoint::RawSocketTcp { host, port, .. }
            if endpoint.is_tls() =>
        {
            // wss:// or rss://: TLS first, Mozilla's roots.
            let tls = ferrobahn::tokio::connect_tls(host, *port, None).await?;
            connect_endpoint(runtime(), tls, &endpoint, ser, CONNECT_TIMEOUT).await?
        }
        Endpoint::WebSocket { host, port, .. } | Endpoint::RawSocketTcp { host, port, .. } => {
            let tcp = tokio::net::TcpStream::connect((host.as_str(), *port)).await?;
            connect_endpoint(runtime(), TokioIo(tcp), &endpoint, ser, CONNECT_TIMEOUT).await?
        }
        Endpoint::RawSocketUnix { path } => {
            let unix = tokio::net::UnixStream::connect(path).await?;
            connect_endpoint(runtime(), TokioIo(unix), &endpoint, ser, CONNECT_TIMEOUT).await?
        }
        other => return Err(format!("unsupported endpoint {other:?}").into()),
    };
    Ok(Client::new(runtime(), transport, ClientConfig::default()))
}

/// Runs `component` against the router `args` names; the process's exit code.
pub fn run(args: &DemoArgs, component: Component) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start tokio: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(lifecycle(args, component)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn lifecycle(args: &DemoArgs, component: Component) -> DemoResult {
    let client = tokio::time::timeout(CONNECT_TIMEOUT, connect(&args.url))
        .await
        .map_err(|_| format!("no answer from {} in time", args.url))??;
    let realm = args.realm.clone();
    let result = match component {
        Component::Transport(run) => run(client.clone(), realm).await,
        Component::Frontend(run) => match join(&client, &realm).await {
            Ok(()) => run(client.clone(), realm).await,
            Err(e) => Err(e),
        },
        Component::Backend(run) => match join(&client, &realm).await {
            Ok(()) => match run(client.clone(), realm).await {
                Ok(()) => serve(&client).await,
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        },
    };
    if tokio::time::timeout(CONNECT_TIMEOUT, client.disconnect())
        .await
        .is_err()
    {
        eprintln!("the router did not close the connection in time");
    }
    result
}

async fn join(client: &Client, realm: &str) -> DemoResult {
    let details = client.join(JoinOptions::new(realm)).await?;
    eprintln!("joined {} as session {}", details.realm, details.session);
    Ok(())
}

/// Keeps a backend's session until the router ends it or Ctrl-C.
async fn serve(client: &Client) -> DemoResult {
    eprintln!("ready");
    tokio::select! {
        why = client.left() => eprintln!("session ended: {why}"),
        _ = tokio::signal::ctrl_c() => {}
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

/// Sleeps (the demos' `asyncio.sleep`).
pub async fn sleep(secs: f64) {
    tokio::time::sleep(Duration::from_secs_f64(secs)).await;
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
