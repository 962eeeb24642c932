//! Receives 5 events, unsubscribes, waits 5 s, subscribes again for another run, then
//! stops.

use ferrobahn_client::Client;
use ferrobahn_examples::py;
use ferrobahn_examples::wamp::{sleep, DemoResult};

pub async fn component(client: Client) -> DemoResult {
    for run in 1.. {
        let mut sub = client
            .subscribe("com.myapp.topic1", Default::default())
            .await?;
        println!("Subscribed with subscription ID {}", sub.id());
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
        if run > 1 {
            break;
        }
        sub.unsubscribe().await?;
        println!("Unsubscribed .. continue in 5s ..");
        sleep(5.0).await;
    }
    Ok(())
}
