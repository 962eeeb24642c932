//! An application component using the time service.

use ferrobahn_client::Client;
use ferrobahn_examples::py;
use ferrobahn_examples::wamp::DemoResult;

pub async fn component(client: Client) -> DemoResult {
    match client.call("com.timeservice.now", ()).await {
        Ok(now) => println!(
            "Current time from time service: {}",
            py::str(&py::result(&now))
        ),
        Err(e) => println!("Error: {e}"),
    }
    Ok(())
}
