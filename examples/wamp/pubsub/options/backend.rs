//! Publishes an event every second with acknowledgement, and receives its own events
//! (`exclude_me: false`).

use ferrobahn_client::wamp::options::PublishOptions;
use ferrobahn_client::wamp::Payload;
use ferrobahn_client::{Client, EventData};
use ferrobahn_examples::py;
use ferrobahn_examples::wamp::{sleep, DemoResult};

pub async fn component(client: Client) -> DemoResult {
    let on_event = |e: EventData| {
        println!(
            "Got event: {}",
            e.args.first().map(py::str).unwrap_or_default()
        );
    };
    let _sub = client
        .subscribe_fn("com.myapp.topic1", Default::default(), on_event)
        .await?;
    for counter in 0u64.. {
        let options = PublishOptions {
            acknowledge: Some(true),
            exclude_me: Some(false),
            ..Default::default()
        };
        let publication = client
            .publish(
                "com.myapp.topic1",
                Payload::from_args(&(counter,))?,
                options,
            )
            .await?;
        let id = publication.map_or_else(|| "None".to_owned(), |id| id.to_string());
        println!("Event published with publication ID {id}");
        sleep(1.0).await;
    }
    Ok(())
}
