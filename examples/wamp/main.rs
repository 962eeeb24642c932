//! The AutobahnPython WAMP demos as Rust components, run by name (as AutobahnPython's
//! `client.py --component rpc.timeservice.backend.Component`):
//!
//! ```text
//! ferrobahn router                                  # realm1 on ws://127.0.0.1:8080/ws
//! cargo run -p ferrobahn-examples --bin wamp_demo -- rpc.timeservice.backend
//! cargo run -p ferrobahn-examples --bin wamp_demo -- rpc.timeservice.frontend
//! ```
//!
//! Options: `--url URL` (ws://, wss://, rs://, rss://, unix://; default
//! `$AUTOBAHN_DEMO_ROUTER` or ws://127.0.0.1:8080/ws), `--realm REALM` (default realm1)
//! and `--runtime tokio|async-std` (default `$FERROBAHN_RUNTIME` or tokio: the same
//! component code runs on either). Backends serve until Ctrl-C; frontends leave when
//! done. `wamp_demo list` names every component.
#![forbid(unsafe_code)]
// A binary: `pub` only lets `main` reach the demo modules.
#![allow(unreachable_pub)]

use std::process::ExitCode;

use ferrobahn_examples::wamp::{run, Component, DemoArgs};

mod rpc {
    pub mod arguments {
        pub mod backend;
        pub mod frontend;
    }
    pub mod complex {
        pub mod backend;
        pub mod frontend;
    }
    pub mod errors {
        pub mod backend;
        pub mod frontend;
    }
    pub mod options {
        pub mod backend;
        pub mod frontend;
    }
    pub mod progress {
        pub mod backend;
        pub mod frontend;
    }
    pub mod slowsquare {
        pub mod backend;
        pub mod frontend;
    }
    pub mod timeservice {
        pub mod backend;
        pub mod frontend;
    }
}

mod pubsub {
    pub mod basic {
        pub mod backend;
        pub mod frontend;
    }
    pub mod complex {
        pub mod backend;
        pub mod frontend;
    }
    pub mod options {
        pub mod backend;
        pub mod frontend;
    }
    pub mod unsubscribe {
        pub mod backend;
        pub mod frontend;
    }
}

mod session {
    pub mod series {
        pub mod backend;
        pub mod frontend;
    }
}

/// Every component by its AutobahnPython name.
const NAMES: [&str; 24] = [
    "rpc.timeservice.backend",
    "rpc.timeservice.frontend",
    "rpc.slowsquare.backend",
    "rpc.slowsquare.frontend",
    "rpc.arguments.backend",
    "rpc.arguments.frontend",
    "rpc.complex.backend",
    "rpc.complex.frontend",
    "rpc.errors.backend",
    "rpc.errors.frontend",
    "rpc.progress.backend",
    "rpc.progress.frontend",
    "rpc.options.backend",
    "rpc.options.frontend",
    "pubsub.basic.backend",
    "pubsub.basic.frontend",
    "pubsub.complex.backend",
    "pubsub.complex.frontend",
    "pubsub.options.backend",
    "pubsub.options.frontend",
    "pubsub.unsubscribe.backend",
    "pubsub.unsubscribe.frontend",
    "session.series.backend",
    "session.series.frontend",
];

fn component(name: &str) -> Option<Component> {
    use Component as C;
    Some(match name.strip_suffix(".Component").unwrap_or(name) {
        "rpc.timeservice.backend" => C::backend(rpc::timeservice::backend::component),
        "rpc.timeservice.frontend" => C::frontend(rpc::timeservice::frontend::component),
        "rpc.slowsquare.backend" => C::backend(rpc::slowsquare::backend::component),
        "rpc.slowsquare.frontend" => C::frontend(rpc::slowsquare::frontend::component),
        "rpc.arguments.backend" => C::backend(rpc::arguments::backend::component),
        "rpc.arguments.frontend" => C::frontend(rpc::arguments::frontend::component),
        "rpc.complex.backend" => C::backend(rpc::complex::backend::component),
        "rpc.complex.frontend" => C::frontend(rpc::complex::frontend::component),
        "rpc.errors.backend" => C::backend(rpc::errors::backend::component),
        "rpc.errors.frontend" => C::frontend(rpc::errors::frontend::component),
        "rpc.progress.backend" => C::backend(rpc::progress::backend::component),
        "rpc.progress.frontend" => C::frontend(rpc::progress::frontend::component),
        "rpc.options.backend" => C::backend(rpc::options::backend::component),
        "rpc.options.frontend" => C::frontend(rpc::options::frontend::component),
        "pubsub.basic.backend" => C::backend(pubsub::basic::backend::component),
        "pubsub.basic.frontend" => C::frontend(pubsub::basic::frontend::component),
        "pubsub.complex.backend" => C::backend(pubsub::complex::backend::component),
        "pubsub.complex.frontend" => C::frontend(pubsub::complex::frontend::component),
        "pubsub.options.backend" => C::backend(pubsub::options::backend::component),
        "pubsub.options.frontend" => C::frontend(pubsub::options::frontend::component),
        "pubsub.unsubscribe.backend" => C::backend(pubsub::unsubscribe::backend::component),
        "pubsub.unsubscribe.frontend" => C::frontend(pubsub::unsubscribe::frontend::component),
        "session.series.backend" => C::backend(session::series::backend::component),
        "session.series.frontend" => C::transport(session::series::frontend::component),
        _ => return None,
    })
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_default();
    if name == "list" {
        NAMES.iter().for_each(|n| println!("{n}"));
        return ExitCode::SUCCESS;
    }
    let Some(component) = component(&name) else {
        eprintln!("usage: wamp_demo COMPONENT [--url URL] [--realm REALM]; components:");
        NAMES.iter().for_each(|n| eprintln!("  {n}"));
        return ExitCode::from(2);
    };
    match DemoArgs::parse(args) {
        Ok(demo) => run(&demo, component),
        Err(e) => {
            eprintln!("wamp_demo: {e}");
            ExitCode::from(2)
        }
    }
}
