//! A simple time service application component (as rpc.timeservice).

use ferrobahn_client::wamp::Payload;
use ferrobahn_client::{Client, Invocation};
use ferrobahn_examples::wamp::{utc_now, DemoResult};

pub async fn component(client: Client) -> DemoResult {
    let utcnow = |_: Invocation| async { Ok(Payload::from_args(&(utc_now(),))?) };
    client
        .register("com.timeservice.now", Default::default(), utcnow)
        .await?;
    Ok(())
}
