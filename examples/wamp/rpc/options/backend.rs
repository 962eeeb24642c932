//! A procedure that sees who calls it (caller disclosure) and publishes to everyone
//! but the caller when asked to square zero.

use ferrobahn_client::wamp::options::PublishOptions;
use ferrobahn_client::wamp::{Payload, Value};
use ferrobahn_client::{Client, Invocation};
use ferrobahn_examples::py;
use ferrobahn_examples::wamp::DemoResult;

pub async fn component(client: Client) -> DemoResult {
    let session = client.clone();
    let square = move |inv: Invocation| {
        let session = session.clone();
        async move {
            let (val,): (i64,) = inv.parse_args()?;
            let caller = inv.details().caller;
            let shown = caller.map_or(Value::Null, |c| Value::from_u64(c.get()));
            println!("square called from: {}", py::str(&shown));
            let topic = "com.myapp.square_on_nonpositive";
            let options = match caller {
                Some(c) if val == 0 => PublishOptions {
                    exclude: Some(vec![c]),
                    ..Default::default()
                },
                _ => PublishOptions::default(),
            };
            if val <= 0 {
                let event = Payload::from_args(&(val,))?;
                if let Err(e) = session.publish(topic, event, options).await {
                    eprintln!("publish failed: {e}");
                }
            }
            Ok(Payload::from_args(&(val * val,))?)
        }
    };
    client
        .register("com.myapp.square", Default::default(), square)
        .await?;
    Ok(())
}
