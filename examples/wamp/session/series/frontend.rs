//! Uses the time service during 3 subsequent WAMP sessions, while the underlying
//! transport continues to exist.

use ferrobahn_client::{Client, JoinOptions};
use ferrobahn_examples::py;
use ferrobahn_examples::wamp::DemoResult;

pub async fn component(client: Client, realm: String) -> DemoResult {
    for _ in 0..3 {
        client.join(JoinOptions::new(realm.clone())).await?;
        println!("Realm joined (WAMP session started).");
        match client.call("com.timeservice.now", ()).await {
            Ok(now) => println!(
                "Current time from time service: {}",
                py::str(&py::result(&now))
            ),
            Err(e) => println!("Error: {e}"),
        }
        client.leave().await?;
        println!("Realm left (WAMP session ended).");
    }
    client.disconnect().await;
    println!("Transport disconnected.");
    Ok(())
}
