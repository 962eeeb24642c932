//! Procedures with complex results: several keyword results, several positional ones.

use ferrobahn_client::wamp::{Dict, Payload, Value};
use ferrobahn_client::{Client, Invocation};
use ferrobahn_examples::wamp::DemoResult;

pub async fn component(client: Client) -> DemoResult {
    let add_complex = |inv: Invocation| async move {
        let (a, ai, b, bi): (i64, i64, i64, i64) = inv.parse_args()?;
        let kwresults = Dict::from([
            ("c".to_owned(), Value::Int(a + b)),
            ("ci".to_owned(), Value::Int(ai + bi)),
        ]);
        Ok(Payload::new(vec![], kwresults))
    };
    client
        .register("com.myapp.add_complex", Default::default(), add_complex)
        .await?;

    let split_name = |inv: Invocation| async move {
        let (fullname,): (String,) = inv.parse_args()?;
        let (forename, surname) = fullname.split_once(' ').unwrap_or((&fullname, ""));
        Ok(Payload::from_args(&(forename, surname))?)
    };
    client
        .register("com.myapp.split_name", Default::default(), split_name)
        .await?;
    Ok(())
}
