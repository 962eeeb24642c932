//! Calls the long operation and prints its progressive results, then the final one.

use ferrobahn_client::wamp::options::CallOptions;
use ferrobahn_client::wamp::Payload;
use ferrobahn_client::Client;
use ferrobahn_examples::py;
use ferrobahn_examples::wamp::DemoResult;

pub async fn component(client: Client) -> DemoResult {
    let options = CallOptions {
        receive_progress: Some(true),
        ..Default::default()
    };
    let mut call = client
        .call_with("com.myapp.longop", Payload::from_args(&(3,))?, options)
        .await?;
    while let Some(progress) = call.next_progress().await {
        println!("Progress: {}", py::str(&py::result(&progress)));
    }
    let res = call.result().await?;
    println!("Final: {}", py::str(&py::result(&res)));
    Ok(())
}
