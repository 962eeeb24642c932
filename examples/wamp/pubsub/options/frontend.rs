//! Receives events with their details (publication ID, disclosed publisher) and stops
//! after having received 5 events.

use ferrobahn_client::wamp::Value;
use ferrobahn_client::Client;
use ferrobahn_examples::py;
use ferrobahn_examples::wamp::DemoResult;

pub async fn component(client: Client) -> DemoResult {
    let mut sub = client
        .subscribe("com.myapp.topic1", Default::default())
        .await?;
    let mut received = 0;
    while let Some(e) = sub.next().await {
        let publisher = e
            .details
            .publisher
            .map_or(Value::Null, |p| Value::from_u64(p.get()));
        println!(
            "Got event, publication ID {}, publisher {}: {}",
            e.publication,
            py::str(&publisher),
            e.args.first().map(py::str).unwrap_or_default()
        );
        received += 1;
        if received > 5 {
            break;
        }
    }
    Ok(())
}
