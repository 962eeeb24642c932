//! Procedures with different kinds of arguments: none, positional, keyword with
//! defaults, and any (`*args, **kwargs`).

use ferrobahn_client::wamp::{Payload, Value};
use ferrobahn_client::{ApplicationError, Client, Invocation};
use ferrobahn_examples::py;
use ferrobahn_examples::wamp::DemoResult;

fn one(v: Value) -> Result<Payload, ApplicationError> {
    Ok(Payload::Args(vec![v]))
}

pub async fn component(client: Client) -> DemoResult {
    let ping = |_: Invocation| async { Ok(Payload::Empty) };
    let add2 = |inv: Invocation| async move {
        let (a, b): (i64, i64) = inv.parse_args()?;
        one(Value::Int(a + b))
    };
    let stars = |inv: Invocation| async move {
        let (args, kwargs) = (inv.args(), inv.kwargs());
        let nick = py::param(args, kwargs, 0, "nick").map_or("somebody".into(), py::str);
        let stars = py::param(args, kwargs, 1, "stars").map_or("0".into(), py::str);
        one(Value::from(format!("{nick} starred {stars}x")))
    };
    let orders = |inv: Invocation| async move {
        let (args, kwargs) = (inv.args(), inv.kwargs());
        let limit = py::param(args, kwargs, 1, "limit").and_then(Value::as_u64);
        let products = (0..50)
            .take(limit.unwrap_or(5) as usize)
            .map(|i| Value::from(format!("Product {i}")))
            .collect();
        one(Value::List(products))
    };
    let arglen = |inv: Invocation| async move {
        let lens = vec![
            Value::from_u64(inv.args().len() as u64),
            Value::from_u64(inv.kwargs().len() as u64),
        ];
        one(Value::List(lens))
    };
    client
        .register("com.arguments.ping", Default::default(), ping)
        .await?;
    client
        .register("com.arguments.add2", Default::default(), add2)
        .await?;
    client
        .register("com.arguments.stars", Default::default(), stars)
        .await?;
    client
        .register("com.arguments.orders", Default::default(), orders)
        .await?;
    client
        .register("com.arguments.arglen", Default::default(), arglen)
        .await?;
    println!("Registered methods; ready for frontend.");
    Ok(())
}
