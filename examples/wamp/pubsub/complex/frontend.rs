//! Receives events without payload and with complex payloads, and stops after 5
//! seconds.

use ferrobahn_client::wamp::Value;
use ferrobahn_client::Client;
use ferrobahn_examples::py;
use ferrobahn_examples::wamp::{sleep, DemoResult};

pub async fn component(client: Client) -> DemoResult {
    let mut heartbeat = client
        .subscribe("com.myapp.heartbeat", Default::default())
        .await?;
    let mut topic2 = client
        .subscribe("com.myapp.topic2", Default::default())
        .await?;
    // `select!` only polls its branches: it runs on any executor, and `sleep` uses the
    // demo's runtime (tokio or async-std).
    let mut stop = std::pin::pin!(sleep(5.0));
    loop {
        tokio::select! {
            Some(e) = heartbeat.next() => {
                println!("Got heartbeat (publication ID {})", e.publication);
            }
            Some(e) = topic2.next() => {
                let arg = |i: usize| py::str(e.args.get(i).unwrap_or(&Value::Null));
                let kw = |k: &str| py::str(e.kwargs.get(k).unwrap_or(&Value::Null));
                println!("Got event: {} {} {} {}", arg(0), arg(1), kw("c"), kw("d"));
            }
            () = &mut stop => return Ok(()),
        }
    }
}
