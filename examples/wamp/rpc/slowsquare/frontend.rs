//! Calls the slow and the quick square at the same time; each result prints when it
//! arrives (the quick one first).

use std::time::Instant;

use ferrobahn_client::wamp::Value;
use ferrobahn_client::Client;
use ferrobahn_examples::py;
use ferrobahn_examples::wamp::DemoResult;

async fn timed(client: &Client, msg: &str, procedure: &str, args: Vec<i64>) -> DemoResult {
    let started = Instant::now();
    let res = client.call(procedure, args).await?;
    let duration = 1000.0 * started.elapsed().as_secs_f64();
    println!(
        "{msg}: {} in {}",
        py::str(&py::result(&res)),
        py::repr(&Value::Float(duration))
    );
    Ok(())
}

pub async fn component(client: Client) -> DemoResult {
    let (slow, quick) = futures_util::join!(
        timed(&client, "Slow Square", "com.math.slowsquare", vec![3, 2]),
        timed(&client, "Quick Square", "com.math.square", vec![3]),
    );
    slow?;
    quick?;
    println!("All finished.");
    Ok(())
}
