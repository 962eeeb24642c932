//! Publishes an event without payload and one with a complex payload every second.

use std::hash::{BuildHasher, RandomState};

use ferrobahn_client::wamp::{Dict, Payload, Value};
use ferrobahn_client::Client;
use ferrobahn_examples::wamp::{sleep, DemoResult};

pub async fn component(client: Client) -> DemoResult {
    let random = RandomState::new();
    for counter in 0u64.. {
        println!("publish: com.myapp.heartbeat");
        client
            .publish("com.myapp.heartbeat", Payload::Empty, Default::default())
            .await?;

        let obj = Dict::from([
            ("counter".to_owned(), Value::from_u64(counter)),
            (
                "foo".to_owned(),
                Value::List(vec![Value::Int(1), Value::Int(2), Value::Int(3)]),
            ),
        ]);
        let kwargs = Dict::from([
            ("c".to_owned(), Value::from("Hello")),
            ("d".to_owned(), Value::Dict(obj)),
        ]);
        // random.randint(0, 100)
        let randint = random.hash_one(counter) % 101;
        let args = vec![Value::from_u64(randint), Value::Int(23)];
        println!("publish: com.myapp.topic2");
        client
            .publish(
                "com.myapp.topic2",
                Payload::new(args, kwargs),
                Default::default(),
            )
            .await?;
        sleep(1.0).await;
    }
    Ok(())
}
