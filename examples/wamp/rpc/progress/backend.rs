//! A long operation that reports progressive results when the caller asks for them.

use ferrobahn_client::wamp::Payload;
use ferrobahn_client::{ApplicationError, Client, Invocation};
use ferrobahn_examples::wamp::{sleep, DemoResult};

pub async fn component(client: Client) -> DemoResult {
    let longop = |inv: Invocation| async move {
        let (n,): (u32,) = inv.parse_args()?;
        if inv.wants_progress() {
            for i in 0..n {
                inv.progress(Payload::from_args(&(i,))?)
                    .map_err(|e| ApplicationError::new("wamp.error.canceled").arg(e.to_string()))?;
                sleep(1.0).await;
            }
        } else {
            sleep(f64::from(n)).await;
        }
        Ok(Payload::from_args(&(n,))?)
    };
    client
        .register("com.myapp.longop", Default::default(), longop)
        .await?;
    Ok(())
}
