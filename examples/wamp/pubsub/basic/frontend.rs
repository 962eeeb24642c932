//! Subscribes, receives events, and stops after having received 5 events (it leaves
//! on the sixth, as the Python original does).

use ferrobahn_client::Client;
use ferrobahn_examples::py;
use ferrobahn_examples::wamp::DemoResult;

pub async fn component(client: Client) -> DemoResult {
    let mut sub = client
        .subscribe("com.myapp.topic1", Default::default())
        .await?;
    let mut received = 0;
    while let Some(e) = sub.next().await {
        println!(
            "Got event: {}",
            e.args.first().map(py::str).unwrap_or_default()
        );
        received += 1;
        if received > 5 {
            break;
        }
    }
    Ok(())
}
