//! Procedures that fail: with a runtime error, with WAMP application errors carrying
//! positional or keyword arguments, and with an application-defined error URI.

use ferrobahn_client::wamp::{Payload, Value};
use ferrobahn_client::{ApplicationError, Client, Invocation};
use ferrobahn_examples::wamp::DemoResult;

/// What AutobahnPython sends for an exception without a WAMP URI.
const RUNTIME_ERROR: &str = "wamp.error.runtime_error";

pub async fn component(client: Client) -> DemoResult {
    let sqrt = |inv: Invocation| async move {
        let (x,): (f64,) = inv.parse_args()?;
        if x == 0.0 {
            return Err(ApplicationError::new(RUNTIME_ERROR).arg("don't ask foolish questions;)"));
        }
        if x < 0.0 {
            return Err(ApplicationError::new(RUNTIME_ERROR).arg("math domain error"));
        }
        Ok(Payload::from_args(&(x.sqrt(),))?)
    };
    client
        .register("com.myapp.sqrt", Default::default(), sqrt)
        .await?;

    let checkname = |inv: Invocation| async move {
        let (name,): (String,) = inv.parse_args()?;
        if name == "foo" || name == "bar" {
            return Err(ApplicationError::new("com.myapp.error.reserved"));
        }
        if name.to_lowercase() != name.to_uppercase() {
            // Positional arguments in the error.
            return Err(ApplicationError::new("com.myapp.error.mixed_case")
                .arg(name.to_lowercase())
                .arg(name.to_uppercase()));
        }
        let len = name.chars().count();
        if !(3..=10).contains(&len) {
            // Keyword arguments in the error.
            let mut e = ApplicationError::new("com.myapp.error.invalid_length");
            e.kwargs.insert("min".into(), Value::Int(3));
            e.kwargs.insert("max".into(), Value::Int(10));
            return Err(e);
        }
        Ok(Payload::Empty)
    };
    client
        .register("com.myapp.checkname", Default::default(), checkname)
        .await?;

    // An application error with its own URI (AutobahnPython's `@wamp.error`).
    let compare = |inv: Invocation| async move {
        let (a, b): (i64, i64) = inv.parse_args()?;
        if a < b {
            return Err(ApplicationError::new("com.myapp.error1").arg(b - a));
        }
        Ok(Payload::Empty)
    };
    client
        .register("com.myapp.compare", Default::default(), compare)
        .await?;
    Ok(())
}
