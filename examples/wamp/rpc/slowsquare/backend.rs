//! A math service: `com.math.square` answers at once, `com.math.slowsquare` after a
//! delay (procedures that return asynchronously).

use ferrobahn_client::wamp::{Payload, Value};
use ferrobahn_client::{ApplicationError, Client, Invocation};
use ferrobahn_examples::wamp::{sleep, DemoResult};

fn x(inv: &Invocation) -> Result<i64, ApplicationError> {
    inv.args()
        .first()
        .and_then(Value::as_i64)
        .ok_or_else(|| ApplicationError::new("wamp.error.invalid_argument").arg("x: an integer"))
}

pub async fn component(client: Client) -> DemoResult {
    let square = |inv: Invocation| async move {
        let x = x(&inv)?;
        Ok(Payload::from_args(&(x * x,))?)
    };
    client
        .register("com.math.square", Default::default(), square)
        .await?;

    let slowsquare = |inv: Invocation| async move {
        let x = x(&inv)?;
        let delay = inv.args().get(1).and_then(Value::as_f64).unwrap_or(1.0);
        sleep(delay).await;
        Ok(Payload::from_args(&(x * x,))?)
    };
    client
        .register("com.math.slowsquare", Default::default(), slowsquare)
        .await?;
    println!("Registered com.math.slowsquare");
    Ok(())
}
