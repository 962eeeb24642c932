//! Layout guard: the size of `Message` and of each message struct.
//!
//! Routers and clients move messages by value through queues (and allocate one
//! `Arc<Message>` per routed output), so every CALL, YIELD, EVENT pays `size_of::<Message>()`
//! in memcpy on each move, however small it is on the wire. The enum is as large as its
//! largest variant; rarely used, large parts (HELLO/WELCOME details, options and details
//! dictionaries, which are usually empty) are boxed to keep it small. This test fails if a
//! change makes a variant large again.

use std::mem::size_of;

use ferrobahn_wamp::message::*;
use ferrobahn_wamp::Message;

fn sizes() -> Vec<(&'static str, usize)> {
    vec![
        ("Hello", size_of::<Hello>()),
        ("Welcome", size_of::<Welcome>()),
        ("Abort", size_of::<Abort>()),
        ("Challenge", size_of::<Challenge>()),
        ("Authenticate", size_of::<Authenticate>()),
        ("Goodbye", size_of::<Goodbye>()),
        ("Error", size_of::<ErrorMessage>()),
        ("Publish", size_of::<Publish>()),
        ("Published", size_of::<Published>()),
        ("Subscribe", size_of::<Subscribe>()),
        ("Subscribed", size_of::<Subscribed>()),
        ("Unsubscribe", size_of::<Unsubscribe>()),
        ("Unsubscribed", size_of::<Unsubscribed>()),
        ("Event", size_of::<Event>()),
        ("Call", size_of::<Call>()),
        ("Cancel", size_of::<Cancel>()),
        ("Result", size_of::<ResultMessage>()),
        ("Register", size_of::<Register>()),
        ("Registered", size_of::<Registered>()),
        ("Unregister", size_of::<Unregister>()),
        ("Unregistered", size_of::<Unregistered>()),
        ("Invocation", size_of::<Invocation>()),
        ("Interrupt", size_of::<Interrupt>()),
        ("Yield", size_of::<Yield>()),
    ]
}

/// The bound on `size_of::<Message>()` (600 bytes before the large dictionaries were boxed).
const MESSAGE_MAX: usize = 96;

#[test]
fn message_stays_small() {
    for (name, size) in sizes() {
        println!("{name:>14} {size:>4} B");
    }
    println!("{:>14} {:>4} B", "Message", size_of::<Message>());
    assert!(
        size_of::<Message>() <= MESSAGE_MAX,
        "Message is {} bytes, more than {MESSAGE_MAX}: box the large part of the variant that grew",
        size_of::<Message>()
    );
}
