//! The four actions, run on a joined client. Arguments and URIs are checked before
//! anything is sent.

use std::time::Duration;

use ferrobahn_client::wamp::options::{
    CallOptions, PublishOptions, RegisterOptions, SubscribeOptions,
};
use ferrobahn_client::wamp::uri::{validate_pattern, validate_uri};
use ferrobahn_client::wamp::{Dict, MatchPolicy, Payload, UriCheck};
use ferrobahn_client::{Client, Invocation, RequestError};

use super::{connect, json, Action, CliError, MatchArg, WampArgs};

/// How long leaving and closing may take at the end.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(10);

/// Checks the action's URI and arguments, joins, runs the action, leaves.
pub(crate) async fn run(args: &WampArgs) -> Result<(), CliError> {
    let checked = check(&args.action)?;
    let client = connect::joined(&args.conn).await?;
    let result = act(&client, &args.action, checked).await;
    if tokio::time::timeout(CLOSE_TIMEOUT, client.disconnect())
        .await
        .is_err()
    {
        tracing::warn!("the router did not close the session in time");
    }
    result
}

/// The action's URI validated and its payload parsed.
fn check(action: &Action) -> Result<Payload, CliError> {
    let (uri, match_policy, args, kw): (&str, MatchArg, &[String], &[String]) = match action {
        Action::Call { uri, args, kw, .. } | Action::Publish { uri, args, kw, .. } => {
            (uri, MatchArg::Exact, args, kw)
        }
        Action::Subscribe {
            uri, match_policy, ..
        }
        | Action::Register {
            uri, match_policy, ..
        } => (uri, *match_policy, &[], &[]),
    };
    let valid = match match_policy {
        MatchArg::Exact => validate_uri(uri, UriCheck::Loose),
        other => validate_pattern(uri, MatchPolicy::from(other), UriCheck::Loose),
    };
    valid.map_err(|e| CliError::Usage(format!("{uri:?}: {e}")))?;
    let args = args
        .iter()
        .map(|a| json::arg(a))
        .collect::<Result<_, _>>()?;
    let kwargs = kw
        .iter()
        .map(|k| json::kwarg(k))
        .collect::<Result<Dict, _>>()?;
    Ok(Payload::new(args, kwargs))
}

fn failed(what: &str, uri: &str) -> impl FnOnce(RequestError) -> CliError {
    let what = format!("{what} {uri}");
    move |source| CliError::Request { what, source }
}

async fn act(client: &Client, action: &Action, payload: Payload) -> Result<(), CliError> {
    match action {
        Action::Call {
            uri,
            timeout_ms,
            progress,
            ..
        } => {
            let options = CallOptions {
                timeout: (*timeout_ms > 0).then_some(*timeout_ms),
                receive_progress: progress.then_some(true),
                ..Default::default()
            };
            let result = async {
                let mut call = client.call_with(uri, payload, options).await?;
                while let Some(p) = call.next_progress().await {
                    let flag = [("progress", true.into())];
                    println!("{}", json::line(&p.args, &p.kwargs, &flag));
                }
                call.result().await
            }
            .await
            .map_err(failed("call", uri))?;
            println!("{}", json::line(&result.args, &result.kwargs, &[]));
            Ok(())
        }
        Action::Publish {
            uri,
            acknowledge,
            retain,
            ..
        } => {
            let options = PublishOptions {
                acknowledge: acknowledge.then_some(true),
                retain: retain.then_some(true),
                ..Default::default()
            };
            let id = client
                .publish(uri, payload, options)
                .await
                .map_err(failed("publish", uri))?;
            if let Some(id) = id {
                println!("{id}");
            }
            Ok(())
        }
        Action::Subscribe {
            uri,
            match_policy,
            times,
        } => subscribe(client, uri, *match_policy, *times).await,
        Action::Register {
            uri,
            match_policy,
            times,
        } => register(client, uri, *match_policy, *times).await,
    }
}

/// Why the session ended, as an error.
async fn lost(client: &Client) -> CliError {
    CliError::Lost(client.left().await)
}

async fn subscribe(
    client: &Client,
    uri: &str,
    m: MatchArg,
    times: Option<u64>,
) -> Result<(), CliError> {
    let options = SubscribeOptions {
        match_policy: (m != MatchArg::Exact).then(|| m.into()),
        ..Default::default()
    };
    let mut sub = client
        .subscribe(uri, options)
        .await
        .map_err(failed("subscribe", uri))?;
    eprintln!(
        "ferrobahn wamp: subscribed to {uri} (subscription {})",
        sub.id()
    );
    let mut seen = 0u64;
    while times.is_none_or(|t| seen < t) {
        tokio::select! {
            event = sub.next() => {
                let Some(e) = event else { return Err(lost(client).await) };
                let topic = e.details.topic.clone().map(|t| ("topic", t.into()));
                println!("{}", json::line(&e.args, &e.kwargs, topic.as_slice()));
                seen += 1;
            }
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    Ok(())
}

async fn register(
    client: &Client,
    uri: &str,
    m: MatchArg,
    times: Option<u64>,
) -> Result<(), CliError> {
    let options = RegisterOptions {
        match_policy: (m != MatchArg::Exact).then(|| m.into()),
        ..Default::default()
    };
    let (called_tx, mut called) = tokio::sync::mpsc::unbounded_channel();
    let echo = move |inv: Invocation| {
        let called_tx = called_tx.clone();
        async move {
            let data = inv.data();
            let procedure = data.details.procedure.clone();
            let extra = procedure.map(|p| ("procedure", p.into()));
            println!("{}", json::line(&data.args, &data.kwargs, extra.as_slice()));
            let _ = called_tx.send(());
            Ok(data.payload())
        }
    };
    let reg = client
        .register(uri, options, echo)
        .await
        .map_err(failed("register", uri))?;
    eprintln!(
        "ferrobahn wamp: registered {uri} (registration {})",
        reg.id()
    );
    let left = client.left();
    tokio::pin!(left);
    let mut seen = 0u64;
    while times.is_none_or(|t| seen < t) {
        tokio::select! {
            c = called.recv() => {
                if c.is_none() { return Err(lost(client).await) }
                seen += 1;
            }
            why = &mut left => return Err(CliError::Lost(why)),
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    Ok(())
}
