//! Publishes an event every second.

use ferrobahn_client::wamp::Payload;
use ferrobahn_client::Client;
use ferrobahn_examples::wamp::{sleep, DemoResult};

pub async fn component(client: Client) -> DemoResult {
    for counter in 0u64.. {
        let event = Payload::from_args(&(counter,))?;
        client
            .publish("com.myapp.topic1", event, Default::default())
            .await?;
        sleep(1.0).await;
    }
    Ok(())
}
