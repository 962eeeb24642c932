//! `ferrobahn wamp` end to end against `ferrobahn router` (the testsuite's router
//! config: realm1 for anyone, realm `auth` with ticket, WAMP-CRA and cryptosign users):
//! register in one process and call from another, subscribe and publish, every
//! serializer and RawSocket, authentication, and the exit code of each failure.

use std::io::{BufRead, BufReader};
use std::process::{ChildStderr, Output, Stdio};

mod common;
use common::{ferrobahn, finish, listening_url, next_line, spawn_router, Proc, LIMIT};

/// `ferrobahn router` with the testsuite config on a free port; its WebSocket URL.
fn router() -> (Proc, String) {
    router_on("127.0.0.1:0")
}

/// `ferrobahn router` with the testsuite config listening on `listen`; the URL it
/// announces.
fn router_on(listen: &str) -> (Proc, String) {
    let config = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testsuite/router/router.toml"
    );
    let (child, mut lines) =
        spawn_router(ferrobahn().args(["router", "--config", config, "--listen", listen]));
    let url = listening_url(&next_line(&mut lines));
    (child, url)
}

/// `ferrobahn wamp --url URL ARGS...` to its end (killed after [`LIMIT`]).
fn wamp(url: &str, args: &[&str]) -> Output {
    let child = ferrobahn()
        .args(["wamp", "--url", url])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ferrobahn wamp starts");
    finish(Proc(child))
}

/// A long-running `ferrobahn wamp` (subscribe, register), once it reports it is ready
/// on stderr (the rest of stderr is drained on a thread).
fn serving(url: &str, args: &[&str], ready: &str) -> Proc {
    let mut child = Proc(
        ferrobahn()
            .args(["wamp", "--url", url])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ferrobahn wamp starts"),
    );
    let stderr: ChildStderr = child.0.stderr.take().expect("piped stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    let ready = ready.to_owned();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains(&ready) {
                let _ = tx.send(());
            }
            eprintln!("[child] {line}");
        }
    });
    rx.recv_timeout(LIMIT)
        .expect("the child reports it is ready");
    child
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("UTF-8")
}

fn json_lines(s: &str) -> Vec<serde_json::Value> {
    s.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect()
}

#[test]
fn register_in_one_process_call_from_another_on_every_serializer() {
    let (_router, url) = router();
    let callee = serving(
        &url,
        &["register", "com.cli.echo", "--times", "4"],
        "registered com.cli.echo",
    );
    for (ser, endpoint) in [
        ("json", url.clone()),
        ("msgpack", url.clone()),
        ("cbor", url.clone()),
        ("msgpack", url.replace("ws://", "rs://").replace("/ws", "")),
    ] {
        let out = wamp(
            &endpoint,
            &[
                "--serializer",
                ser,
                "call",
                "com.cli.echo",
                "2",
                "Homer",
                "-1.5",
                "[1,{\"a\":null}]",
                "--kw",
                "n=5",
                "--kw",
                "s=\"x y\"",
            ],
        );
        assert!(out.status.success(), "{ser} {endpoint}: {}", stderr(&out));
        let result = json_lines(&stdout(&out));
        assert_eq!(
            result,
            vec![serde_json::json!({
                "args": [2, "Homer", -1.5, [1, {"a": null}]],
                "kwargs": {"n": 5, "s": "x y"}
            })],
            "{ser} {endpoint}"
        );
    }
    // The callee printed each invocation and exits 0 after --times 4.
    let out = finish(callee);
    assert!(out.status.success(), "callee: {:?}", out.status);
    let calls = json_lines(&stdout(&out));
    assert_eq!(calls.len(), 4);
    assert_eq!(calls[3]["args"][1], "Homer");
}

#[test]
fn call_prints_progressive_results_before_the_final_one() {
    use ferrobahn_client::wamp::Payload;
    use ferrobahn_client::{Client, Invocation, JoinOptions};

    let (_router, url) = router();
    // A callee with progressive results, in process.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let _callee: Client = rt.block_on(async {
        let addr = url.trim_start_matches("ws://").trim_end_matches("/ws");
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let ser = ferrobahn_serializers::Serializer::from_subprotocol("wamp.2.json").unwrap();
        let rt = ferrobahn::tokio::runtime();
        let t = ferrobahn_client::transport::connect_websocket(
            rt.clone(),
            ferrobahn::tokio::TokioIo(tcp),
            &url,
            &[ser],
            Default::default(),
        )
        .await
        .unwrap();
        let c = Client::new(rt, t, Default::default());
        c.join(JoinOptions::new("realm1")).await.unwrap();
        let count = |inv: Invocation| async move {
            let (n,): (u32,) = inv.parse_args()?;
            for i in 0..n {
                let _ = inv.progress(Payload::from_args(&(i,))?);
            }
            Ok(Payload::from_args(&("done",))?)
        };
        c.register("com.cli.count", Default::default(), count)
            .await
            .unwrap();
        c
    });
    let out = wamp(&url, &["call", "com.cli.count", "2", "--progress"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        json_lines(&stdout(&out)),
        vec![
            serde_json::json!({"args": [0], "kwargs": {}, "progress": true}),
            serde_json::json!({"args": [1], "kwargs": {}, "progress": true}),
            serde_json::json!({"args": ["done"], "kwargs": {}}),
        ]
    );
    // Without --progress only the final result.
    let out = wamp(&url, &["call", "com.cli.count", "2"]);
    assert_eq!(
        json_lines(&stdout(&out)),
        vec![serde_json::json!({"args": ["done"], "kwargs": {}})]
    );
}

#[test]
fn subscribe_prints_each_event_as_a_json_line() {
    let (_router, url) = router();
    let sub = serving(
        &url,
        &["subscribe", "com.cli.", "--match", "prefix", "--times", "3"],
        "subscribed to com.cli.",
    );
    for (topic, args) in [
        ("com.cli.a", vec!["1"]),
        ("com.cli.b", vec!["\"two\"", "--kw", "k=[true]"]),
        ("com.cli.c", vec![]),
    ] {
        let mut all = vec!["publish", topic];
        all.extend(args);
        all.push("--acknowledge");
        let out = wamp(&url, &all);
        assert!(out.status.success(), "{}", stderr(&out));
        let id: u64 = stdout(&out).trim().parse().expect("a publication ID");
        assert!(id > 0);
    }
    let out = finish(sub);
    assert!(out.status.success(), "subscriber: {:?}", out.status);
    assert_eq!(
        json_lines(&stdout(&out)),
        vec![
            serde_json::json!({"args": [1], "kwargs": {}, "topic": "com.cli.a"}),
            serde_json::json!({"args": ["two"], "kwargs": {"k": [true]}, "topic": "com.cli.b"}),
            serde_json::json!({"args": [], "kwargs": {}, "topic": "com.cli.c"}),
        ]
    );
}

#[test]
fn authenticates_with_ticket_wampcra_and_cryptosign() {
    let (_router, url) = router();
    let seed = "07".repeat(32);
    for args in [
        vec![
            "--authmethod",
            "ticket",
            "--authid",
            "joe",
            "--secret",
            "joe-secret",
        ],
        vec![
            "--authmethod",
            "wampcra",
            "--authid",
            "peter",
            "--secret",
            "peter-secret",
        ],
        vec![
            "--authmethod",
            "cryptosign",
            "--authid",
            "alice",
            "--secret",
            &seed,
        ],
    ] {
        let mut all = vec!["--realm", "auth"];
        all.extend(&args);
        // Joined: the call reaches the dealer (nobody registered it).
        all.extend(["call", "com.auth.allowed"]);
        let out = wamp(&url, &all);
        assert_eq!(out.status.code(), Some(5), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("wamp.error.no_such_procedure"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    let bad = wamp(
        &url,
        &[
            "--realm",
            "auth",
            "--authmethod",
            "ticket",
            "--authid",
            "joe",
            "--secret",
            "wrong",
            "call",
            "com.auth.allowed",
        ],
    );
    assert_eq!(bad.status.code(), Some(4), "{}", stderr(&bad));
    assert!(
        stderr(&bad).contains("cannot join realm auth"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn failures_exit_non_zero_with_a_clear_message() {
    let (_router, url) = router();
    // A call error names the error URI: exit 5.
    let out = wamp(&url, &["call", "com.cli.nobody"]);
    assert_eq!(out.status.code(), Some(5));
    let err = stderr(&out);
    assert!(
        err.contains("call com.cli.nobody failed: wamp.error.no_such_procedure"),
        "{err}"
    );
    // Join aborted: exit 4.
    let out = wamp(&url, &["--realm", "no.such.realm", "call", "com.cli.x"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(
        stderr(&out).contains("wamp.error.no_such_realm"),
        "{}",
        stderr(&out)
    );
    // Connection refused: exit 3 (a listener bound and closed gives a free port).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let closed = format!("ws://127.0.0.1:{port}/ws");
    let out = wamp(&closed, &["call", "com.cli.x"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("cannot connect to"),
        "{}",
        stderr(&out)
    );
    // Bad URI, bad kwarg, missing secret: exit 2 before connecting (the port is closed).
    for args in [
        vec!["call", "com.cli.bad uri"],
        vec!["publish", "com..double", "1"],
        vec!["call", "com.cli.x", "--kw", "nokey"],
        vec!["--authmethod", "ticket", "call", "com.cli.x"],
        vec![
            "--authmethod",
            "cryptosign",
            "--secret",
            "abc",
            "call",
            "com.cli.x",
        ],
        vec!["subscribe", "com.cli..x"],
    ] {
        let out = wamp(&closed, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).contains("cannot connect"), "{args:?}");
    }
    // A URL that is not a router endpoint: exit 2.
    let out = wamp("http://127.0.0.1:1/", &["call", "com.cli.x"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn subscriber_exits_when_the_router_goes_away() {
    let (router, url) = router();
    let sub = serving(
        &url,
        &["subscribe", "com.cli.gone"],
        "subscribed to com.cli.gone",
    );
    drop(router);
    let out = finish(sub);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
}

#[cfg(unix)]
#[test]
fn rawsocket_over_a_unix_socket() {
    let path = std::env::temp_dir().join(format!("ferrobahn-wamp-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let (_router, _) = router_on(&format!("unix:{}", path.display()));
    let url = format!("unix://{}", path.display());
    let callee = serving(
        &url,
        &[
            "--serializer",
            "cbor",
            "register",
            "com.cli.unix",
            "--times",
            "1",
        ],
        "registered com.cli.unix",
    );
    let out = wamp(&url, &["call", "com.cli.unix", "[\"over\", \"unix\"]"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        json_lines(&stdout(&out)),
        vec![serde_json::json!({"args": [["over", "unix"]], "kwargs": {}})]
    );
    assert!(finish(callee).status.success());
    let _ = std::fs::remove_file(&path);
}
