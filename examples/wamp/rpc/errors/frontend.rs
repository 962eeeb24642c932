//! Calls the failing procedures and catches their errors.

use ferrobahn_client::wamp::Value;
use ferrobahn_client::{Client, RequestError};
use ferrobahn_examples::py;
use ferrobahn_examples::wamp::DemoResult;

pub async fn component(client: Client) -> DemoResult {
    for x in [2, 0, -2] {
        match client.call("com.myapp.sqrt", (x,)).await {
            Ok(res) => println!("Result: {}", py::str(&py::result(&res))),
            Err(RequestError::Application(e)) => {
                println!(
                    "Error: {} {}",
                    py::application_error(&e),
                    py::tuple(&e.args)
                );
            }
            Err(e) => println!("Error: {e}"),
        }
    }

    for name in ["foo", "a", &"*".repeat(11), "Hello"] {
        match client.call("com.myapp.checkname", (name,)).await {
            Ok(res) => println!("Result: {}", py::str(&py::result(&res))),
            Err(RequestError::Application(e)) => println!(
                "Error: {} {} {} {}",
                py::application_error(&e),
                e.error,
                py::tuple(&e.args),
                py::repr(&Value::Dict(e.kwargs.clone()))
            ),
            Err(e) => return Err(e.into()),
        }
    }

    match client.call("com.myapp.compare", (3, 17)).await {
        Err(RequestError::Application(e)) if e.error == "com.myapp.error1" => {
            println!("Compare Error: {}", py::exception_str(&e.args));
        }
        Err(e) => return Err(e.into()),
        Ok(_) => {}
    }
    Ok(())
}
