//! Calls the argument procedures with every kind of arguments.

use ferrobahn_client::wamp::Value;
use ferrobahn_client::Client;
use ferrobahn_examples::py;
use ferrobahn_examples::wamp::{call_kw, DemoResult};

pub async fn component(client: Client) -> DemoResult {
    let c = &client;
    let int = Value::Int;
    let s = |v: &str| Value::from(v);
    let show = |r: ferrobahn_client::CallResult| py::str(&py::result(&r));

    call_kw(c, "com.arguments.ping", vec![], &[]).await?;
    println!("Pinged!");
    let res = call_kw(c, "com.arguments.add2", vec![int(2), int(3)], &[]).await?;
    println!("Add2: {}", show(res));

    let starred = call_kw(c, "com.arguments.stars", vec![], &[]).await?;
    println!("Starred 1: {}", show(starred));
    let starred = call_kw(c, "com.arguments.stars", vec![], &[("nick", s("Homer"))]).await?;
    println!("Starred 2: {}", show(starred));
    let starred = call_kw(c, "com.arguments.stars", vec![], &[("stars", int(5))]).await?;
    println!("Starred 3: {}", show(starred));
    let both = [("nick", s("Homer")), ("stars", int(5))];
    let starred = call_kw(c, "com.arguments.stars", vec![], &both).await?;
    println!("Starred 4: {}", show(starred));

    let orders = call_kw(c, "com.arguments.orders", vec![s("coffee")], &[]).await?;
    println!("Orders 1: {}", show(orders));
    let limit = [("limit", int(10))];
    let orders = call_kw(c, "com.arguments.orders", vec![s("coffee")], &limit).await?;
    println!("Orders 2: {}", show(orders));

    let three = vec![int(1), int(2), int(3)];
    let abc = [("a", int(1)), ("b", int(2)), ("c", int(3))];
    let arglengths = call_kw(c, "com.arguments.arglen", vec![], &[]).await?;
    println!("Arglen 1: {}", show(arglengths));
    let arglengths = call_kw(c, "com.arguments.arglen", three.clone(), &[]).await?;
    println!("Arglen 1: {}", show(arglengths));
    let arglengths = call_kw(c, "com.arguments.arglen", vec![], &abc).await?;
    println!("Arglen 2: {}", show(arglengths));
    let arglengths = call_kw(c, "com.arguments.arglen", three, &abc).await?;
    println!("Arglen 3: {}", show(arglengths));
    Ok(())
}
