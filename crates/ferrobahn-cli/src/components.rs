//! The built-in application components of `ferrobahn router --component NAME`: the
//! backends of the seed's demos, embedded in the router process.
//!
//! Rust has no run-time class loading (AutobahnPython's `server.py --component
//! rpc.timeservice.backend.Component` imports a module by name), so the CLI offers the
//! components compiled into it. A program embeds any component of its own with
//! `RouterHandle::embed` (ferrobahn-router).

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ferrobahn_client::wamp::Payload;
use ferrobahn_client::{ApplicationError, Client, Component, Invocation, JoinOptions};
use ferrobahn_rt::Runtime;

/// The names `--component` accepts, with what each registers.
pub(crate) const BUILTIN: &[(&str, &str)] = &[
    (
        "timeservice",
        "rpc.timeservice backend: com.timeservice.now() -> UTC time (ISO 8601)",
    ),
    (
        "slowsquare",
        "rpc.slowsquare backend: com.math.square(x), com.math.slowsquare(x, delay=1 s)",
    ),
];

/// The built-in component `name` joining `realm`, or `None` for an unknown name.
pub(crate) fn builtin(runtime: Arc<dyn Runtime>, name: &str, realm: &str) -> Option<Component> {
    let join = JoinOptions::new(realm);
    let component = Component::new(runtime.clone(), join);
    let component = match name {
        "timeservice" => component.on_join(|client, _| timeservice(client)),
        "slowsquare" => component.on_join(move |client, _| slowsquare(client, runtime.clone())),
        _ => return None,
    };
    Some(component)
}

/// Logs a registration failure (the session lives on).
fn registered(procedure: &str, result: Result<impl Sized, impl std::fmt::Display>) {
    match result {
        Ok(_) => tracing::info!(procedure, "registered"),
        Err(e) => tracing::error!(procedure, error = %e, "registration failed"),
    }
}

async fn timeservice(client: Client) {
    let now = |_inv: Invocation| async move { Ok(Payload::from_args(&(utc_now(),))?) };
    let r = client
        .register("com.timeservice.now", Default::default(), now)
        .await;
    registered("com.timeservice.now", r);
}

async fn slowsquare(client: Client, runtime: Arc<dyn Runtime>) {
    let square = |inv: Invocation| async move {
        let (x,): (f64,) = inv.parse_args()?;
        Ok(Payload::from_args(&(number(x * x),))?)
    };
    let r = client
        .register("com.math.square", Default::default(), square)
        .await;
    registered("com.math.square", r);
    let slow = move |inv: Invocation| {
        let runtime = runtime.clone();
        async move {
            let (x, delay) = match inv.args().len() {
                1 => (inv.parse_args::<(f64,)>()?.0, 1.0),
                _ => inv.parse_args::<(f64, f64)>()?,
            };
            if !(0.0..=60.0).contains(&delay) {
                return Err(ApplicationError::new("com.math.error.invalid_delay"));
            }
            let until = runtime.now() + Duration::from_secs_f64(delay);
            ferrobahn_rt::sleep_until(&*runtime, until).await;
            Ok(Payload::from_args(&(number(x * x),))?)
        }
    };
    let r = client
        .register("com.math.slowsquare", Default::default(), slow)
        .await;
    registered("com.math.slowsquare", r);
}

/// An integral result as an integer (as Python returns `int * int`), else a float.
fn number(v: f64) -> ferrobahn_client::wamp::Value {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        ferrobahn_client::wamp::Value::from(v as i64)
    } else {
        ferrobahn_client::wamp::Value::from(v)
    }
}

/// The current UTC time as `YYYY-MM-DDTHH:MM:SSZ` (the timeservice backend's format).
fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format_utc(secs)
}

/// Formats seconds since the Unix epoch (days to civil date: Howard Hinnant's algorithm).
fn format_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
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
    fn utc_formatting() {
        assert_eq!(format_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_utc(1_795_652_399), "2026-11-26T00:19:59Z");
    }

    #[test]
    fn names_resolve() {
        let rt = ferrobahn::tokio::runtime();
        for (name, _) in BUILTIN {
            assert!(builtin(rt.clone(), name, "realm1").is_some(), "{name}");
        }
        assert!(builtin(rt, "rpc.nothing.Component", "realm1").is_none());
    }
}
