//! Calls the square procedure and listens for its events about non-positive numbers
//! (it is excluded from the one about zero).

use ferrobahn_client::{Client, EventData};
use ferrobahn_examples::py;
use ferrobahn_examples::wamp::DemoResult;

pub async fn component(client: Client) -> DemoResult {
    let on_event = |e: EventData| {
        let val = e.args.first().map(py::str).unwrap_or_default();
        println!("Someone requested to square non-positive: {val}");
    };
    let _sub = client
        .subscribe_fn(
            "com.myapp.square_on_nonpositive",
            Default::default(),
            on_event,
        )
        .await?;
    for val in [2, 0, -2] {
        let res = client.call("com.myapp.square", (val,)).await?;
        println!("Squared {val} = {}", py::str(&py::result(&res)));
    }
    Ok(())
}
