//! AutobahnPython components (testsuite/router/demos.py) run the WAMP v2 example demos
//! against this router, over WebSocket (JSON, MessagePack, CBOR; permessage-deflate as
//! AutobahnPython offers it) and RawSocket on the same port (MessagePack, JSON);
//! testsuite/router/advanced.py exercises the advanced profile; testsuite/router/auth.py
//! authenticates with ticket, WAMP-CRA and cryptosign, right and wrong.
//!
//! Gated: runs when `FERROBAHN_AUTOBAHN_PY` names a Python with `autobahn` installed
//! (`testsuite/router/run.sh` sets it up); otherwise it says so and passes.

use std::process::Command;

mod interop;
use interop::{run_expecting, start_router, testsuite};

#[test]
fn autobahn_python_demos() {
    let Ok(python) = std::env::var("FERROBAHN_AUTOBAHN_PY") else {
        eprintln!("FERROBAHN_AUTOBAHN_PY is not set: AutobahnPython interop skipped");
        return;
    };
    let router = start_router();
    let addr = router.addr;
    let url = format!("ws://{addr}/ws");
    let rs_url = format!("rs://{addr}");
    for (url, serializer) in [
        (&url, "json"),
        (&url, "msgpack"),
        (&url, "cbor"),
        (&rs_url, "msgpack"),
        (&rs_url, "json"),
    ] {
        run_expecting(
            Command::new(&python)
                .arg(testsuite().join("demos.py"))
                .args(["--url", url, "--serializer", serializer]),
            &format!("demos.py over {url} {serializer}"),
            &[
            "Add2: 5",
            "Starred 2: Homer starred 0x",
            "Arglen 4: [3, 3]",
            "Result: 6 + 8i",
            "Forename: Homer, Surname: Simpson",
            "checkname('a'): ('com.myapp.error.invalid_length', {'max': 10, 'min': 3})",
            "Compare Error: 14",
            "Error: wamp.error.no_such_procedure",
            "Progress: 2",
            "Final: 3",
            "results [529, 0, 25], events [-5]",
            "Got event: 4",
            "Prefix subscription got com.myapp.topic9, wildcard subscription got com.myapp.topic9",
            "Run 1: got [0, 1, 2], unsubscribing",
            "12 passed, 0 failed",
            ],
        );
    }
    for serializer in ["msgpack", "json"] {
        run_expecting(
            Command::new(&python)
                .arg(testsuite().join("advanced.py"))
                .args(["--url", &url, "--serializer", serializer]),
            &format!("advanced.py over {serializer}"),
            &[
                "roundrobin callees: [0, 1, 2, 0, 1, 2]",
                "prefix registration called as com.pattern.deep.name, wildcard as com.any.exact",
                "timed out call: wamp.error.canceled",
                "retained event on subscribe: ('kept', True)",
                "white-listed event to a: to-a, black-listed a, b got: not-a",
                "testament: bye",
                "5 passed, 0 failed",
            ],
        );
    }
    run_expecting(
        Command::new(&python)
            .arg(testsuite().join("auth.py"))
            .args(["--url", &url]),
        "auth.py",
        &[
        "cryptosign as alice: joined with authrole backend, authmethod cryptosign",
        "wampcra as peter: joined with authrole backend, authmethod wampcra",
        "ticket as joe with a wrong secret: refused with wamp.error.authentication_failed",
        "wampcra as peter with a wrong secret: refused with wamp.error.authentication_failed",
        "cryptosign as alice with a wrong secret: refused with wamp.error.authentication_failed",
        "anonymous: refused with wamp.error.no_auth_method",
        "frontend may not call com.auth.forbidden: wamp.error.not_authorized",
        "6 passed, 0 failed",
        ],
    );
    router.handle.shutdown();
}
