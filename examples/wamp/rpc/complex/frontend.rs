//! Calls procedures with complex results and reads them.

use ferrobahn_client::wamp::Value;
use ferrobahn_client::Client;
use ferrobahn_examples::py;
use ferrobahn_examples::wamp::DemoResult;

pub async fn component(client: Client) -> DemoResult {
    let res = client.call("com.myapp.add_complex", (2, 3, 4, 5)).await?;
    let kw = |k: &str| py::str(res.kwargs.get(k).unwrap_or(&Value::Null));
    println!("Result: {} + {}i", kw("c"), kw("ci"));

    let res = client
        .call("com.myapp.split_name", ("Homer Simpson",))
        .await?;
    let arg = |i: usize| py::str(res.args.get(i).unwrap_or(&Value::Null));
    println!("Forname: {}, Surname: {}", arg(0), arg(1));
    Ok(())
}
