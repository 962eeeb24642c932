//! Runs every WAMP demo pair (backend, then frontend) against its own in-process
//! ferrobahn router (the testsuite config: realm1, caller and publisher disclosure) and
//! checks what the frontend prints against the Python originals' output, once with both
//! components on tokio and once with both on async-std (the same component code). All
//! runs go at once; the longest (pubsub.unsubscribe) takes about 18 s.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Each frontend must finish within this.
const LIMIT: Duration = Duration::from_secs(60);

/// A child process killed when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The runtimes every pair runs on.
const RUNTIMES: [&str; 2] = ["tokio", "async-std"];

fn demo(name: &str, url: &str, runtime: &str) -> Proc {
    Proc(
        Command::new(env!("CARGO_BIN_EXE_wamp_demo"))
            .args([name, "--url", url, "--runtime", runtime])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("wamp_demo starts"),
    )
}

/// Starts one router per demo on a shared tokio runtime; their URLs.
fn routers(n: usize) -> (tokio::runtime::Runtime, Vec<String>) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let config_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testsuite/router/router.toml"
    );
    let urls = rt.block_on(async {
        let mut urls = Vec::new();
        for _ in 0..n {
            let config = ferrobahn_router::RouterConfig::load(config_path).expect("config");
            let transport = config.transports[0].clone();
            let router = ferrobahn_router::start(ferrobahn::tokio::runtime(), config).unwrap();
            let listener = ferrobahn::tokio::bind("127.0.0.1:0").await.unwrap();
            urls.push(format!("ws://{}/ws", listener.local_addr().unwrap()));
            tokio::spawn(async move { router.serve_transport(listener, &transport).await });
        }
        urls
    });
    (rt, urls)
}

/// Whether `line` matches `pattern`, where each `{}` stands for any non-empty text.
fn matches(pattern: &str, line: &str) -> bool {
    let parts: Vec<&str> = pattern.split("{}").collect();
    let mut rest = line;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.len() > part.len() && rest.ends_with(part);
        } else {
            let Some(at) = rest.get(1..).and_then(|r| r.find(part)) else {
                return false;
            };
            rest = &rest[at + 1 + part.len()..];
        }
    }
    rest.is_empty()
}

/// What a frontend must print.
enum Expect {
    /// These lines in order (with `{}` placeholders).
    Lines(Vec<&'static str>),
    /// Every line matches one of the patterns, each pattern at least `min` times.
    Each(Vec<&'static str>, usize),
}

struct Pair {
    name: &'static str,
    /// The backend is ready when its stderr has this line.
    ready: &'static str,
    frontend: Expect,
    /// Patterns every line the backend printed must match (empty: prints nothing).
    backend: Vec<&'static str>,
    /// Text no line may contain (e.g. an identity the router must disclose).
    never: Option<&'static str>,
}

fn pairs() -> Vec<Pair> {
    let six = |p: &'static str| vec![p; 6];
    let mut unsubscribe = vec!["Subscribed with subscription ID {}"];
    unsubscribe.extend(six("Got event: {}"));
    unsubscribe.push("Unsubscribed .. continue in 5s ..");
    unsubscribe.push("Subscribed with subscription ID {}");
    unsubscribe.extend(six("Got event: {}"));
    let series = [
        "Realm joined (WAMP session started).",
        "Current time from time service: {}Z",
        "Realm left (WAMP session ended).",
    ];
    let mut series_lines: Vec<&str> = series.repeat(3);
    series_lines.push("Transport disconnected.");
    vec![
        Pair {
            name: "rpc.timeservice",
            ready: "ready",
            frontend: Expect::Lines(vec!["Current time from time service: 20{}Z"]),
            backend: vec![],
            never: None,
        },
        Pair {
            name: "rpc.slowsquare",
            ready: "ready",
            frontend: Expect::Lines(vec!["Quick Square: 9 in {}", "Slow Square: 9 in {}", "All finished."]),
            backend: vec!["Registered com.math.slowsquare"],
            never: None,
        },
        Pair {
            name: "rpc.arguments",
            ready: "ready",
            frontend: Expect::Lines(vec![
                "Pinged!",
                "Add2: 5",
                "Starred 1: somebody starred 0x",
                "Starred 2: Homer starred 0x",
                "Starred 3: somebody starred 5x",
                "Starred 4: Homer starred 5x",
                "Orders 1: ['Product 0', 'Product 1', 'Product 2', 'Product 3', 'Product 4']",
                "Orders 2: ['Product 0', 'Product 1', 'Product 2', 'Product 3', 'Product 4', 'Product 5', 'Product 6', 'Product 7', 'Product 8', 'Product 9']",
                "Arglen 1: [0, 0]",
                "Arglen 1: [3, 0]",
                "Arglen 2: [0, 3]",
                "Arglen 3: [3, 3]",
            ]),
            backend: vec!["Registered methods; ready for frontend."],
            never: None,
        },
        Pair {
            name: "rpc.complex",
            ready: "ready",
            frontend: Expect::Lines(vec!["Result: 6 + 8i", "Forname: Homer, Surname: Simpson"]),
            backend: vec![],
            never: None,
        },
        Pair {
            name: "rpc.errors",
            ready: "ready",
            frontend: Expect::Lines(vec![
                "Result: 1.4142135623730951",
                "Error: ApplicationError(error=<wamp.error.runtime_error>, args=[\"don't ask foolish questions;)\"], kwargs={}, enc_algo=None, callee=None, callee_authid=None, callee_authrole=None, forward_for=None) (\"don't ask foolish questions;)\",)",
                "Error: ApplicationError(error=<wamp.error.runtime_error>, args=['math domain error'], kwargs={}, enc_algo=None, callee=None, callee_authid=None, callee_authrole=None, forward_for=None) ('math domain error',)",
                "Error: ApplicationError(error=<com.myapp.error.reserved>, args=[], kwargs={}, enc_algo=None, callee=None, callee_authid=None, callee_authrole=None, forward_for=None) com.myapp.error.reserved () {}",
                "Error: ApplicationError(error=<com.myapp.error.mixed_case>, args=['a', 'A'], kwargs={}, enc_algo=None, callee=None, callee_authid=None, callee_authrole=None, forward_for=None) com.myapp.error.mixed_case ('a', 'A') {}",
                "Error: ApplicationError(error=<com.myapp.error.invalid_length>, args=[], kwargs={'max': 10, 'min': 3}, enc_algo=None, callee=None, callee_authid=None, callee_authrole=None, forward_for=None) com.myapp.error.invalid_length () {'max': 10, 'min': 3}",
                "Error: ApplicationError(error=<com.myapp.error.mixed_case>, args=['hello', 'HELLO'], kwargs={}, enc_algo=None, callee=None, callee_authid=None, callee_authrole=None, forward_for=None) com.myapp.error.mixed_case ('hello', 'HELLO') {}",
                "Compare Error: 14",
            ]),
            backend: vec![],
            never: None,
        },
        Pair {
            name: "rpc.progress",
            ready: "ready",
            frontend: Expect::Lines(vec!["Progress: 0", "Progress: 1", "Progress: 2", "Final: 3"]),
            backend: vec![],
            never: None,
        },
        Pair {
            name: "rpc.options",
            ready: "ready",
            frontend: Expect::Lines(vec![
                "Squared 2 = 4",
                "Squared 0 = 0",
                "Someone requested to square non-positive: -2",
                "Squared -2 = 4",
            ]),
            backend: vec!["square called from: {}"],
            // The router discloses the caller.
            never: Some("from: None"),
        },
        Pair {
            name: "pubsub.basic",
            ready: "joined",
            frontend: Expect::Lines(six("Got event: {}")),
            backend: vec!["publish: com.myapp.topic1 {}"],
            never: None,
        },
        Pair {
            name: "pubsub.complex",
            ready: "joined",
            frontend: Expect::Each(
                vec![
                    "Got heartbeat (publication ID {})",
                    "Got event: {} 23 Hello {'counter': {}, 'foo': [1, 2, 3]}",
                ],
                3,
            ),
            backend: vec!["publish: com.myapp.heartbeat", "publish: com.myapp.topic2"],
            never: None,
        },
        Pair {
            name: "pubsub.options",
            ready: "joined",
            frontend: Expect::Lines(six("Got event, publication ID {}, publisher {}: {}")),
            backend: vec!["Got event: {}", "Event published with publication ID {}"],
            // The router discloses the publisher.
            never: Some("publisher None"),
        },
        Pair {
            name: "pubsub.unsubscribe",
            ready: "joined",
            frontend: Expect::Lines(unsubscribe),
            backend: vec![],
            never: None,
        },
        Pair {
            name: "session.series",
            ready: "ready",
            frontend: Expect::Lines(series_lines),
            backend: vec![],
            never: None,
        },
    ]
}

/// Runs one pair; what went wrong, if anything.
fn run_pair(pair: &Pair, url: &str, runtime: &str) -> Result<(), String> {
    let name = format!("{} on {runtime}", pair.name);
    let mut backend = demo(&format!("{}.backend", pair.name), url, runtime);
    let stderr = backend.0.stderr.take().expect("piped");
    let (tx, rx) = mpsc::channel();
    let ready = pair.ready;
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.starts_with(ready) {
                let _ = tx.send(());
            }
        }
    });
    rx.recv_timeout(LIMIT)
        .map_err(|_| format!("{name}: backend not {ready}"))?;

    let mut frontend = demo(&format!("{}.frontend", pair.name), url, runtime);
    let deadline = Instant::now() + LIMIT;
    let status = loop {
        if let Some(s) = frontend.0.try_wait().map_err(|e| e.to_string())? {
            break s;
        }
        if Instant::now() > deadline {
            return Err(format!("{name}: frontend still running after {LIMIT:?}"));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut out = String::new();
    let mut err = String::new();
    frontend
        .0
        .stdout
        .take()
        .expect("piped")
        .read_to_string(&mut out)
        .map_err(|e| e.to_string())?;
    frontend
        .0
        .stderr
        .take()
        .expect("piped")
        .read_to_string(&mut err)
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("{name}: frontend {status}: {err}"));
    }
    let lines: Vec<&str> = out.lines().collect();
    let ok = match &pair.frontend {
        Expect::Lines(want) => {
            want.len() == lines.len() && want.iter().zip(&lines).all(|(p, l)| matches(p, l))
        }
        Expect::Each(pats, min) => {
            lines.iter().all(|l| pats.iter().any(|p| matches(p, l)))
                && pats
                    .iter()
                    .all(|p| lines.iter().filter(|l| matches(p, l)).count() >= *min)
        }
    };
    let leaked = |text: &str| pair.never.is_some_and(|n| text.contains(n));
    if !ok || leaked(&out) {
        return Err(format!("{name}: frontend printed:\n{out}"));
    }

    let _ = backend.0.kill();
    let mut printed = String::new();
    backend
        .0
        .stdout
        .take()
        .expect("piped")
        .read_to_string(&mut printed)
        .map_err(|e| e.to_string())?;
    let bad = printed
        .lines()
        .find(|l| !pair.backend.iter().any(|p| matches(p, l)));
    if bad.is_some() || printed.is_empty() != pair.backend.is_empty() || leaked(&printed) {
        return Err(format!("{name}: backend printed:\n{printed}"));
    }
    Ok(())
}

#[test]
fn every_demo_pair_prints_what_the_python_original_prints() {
    let pairs = pairs();
    let runs: Vec<(&Pair, &str)> = RUNTIMES
        .iter()
        .flat_map(|rt| pairs.iter().map(move |p| (p, *rt)))
        .collect();
    let (_rt, urls) = routers(runs.len());
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = runs
            .iter()
            .zip(&urls)
            .map(|((pair, runtime), url)| s.spawn(move || run_pair(pair, url, runtime)))
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().expect("no panic").err())
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn placeholder_matching() {
    assert!(matches("Got event: {}", "Got event: 5"));
    assert!(!matches("Got event: {}", "Got event: "));
    assert!(matches("a {} b {}: {}", "a 1 b 22: x"));
    assert!(!matches("a {} b", "a 1 c"));
    assert!(matches("exact", "exact"));
    assert!(!matches("exact", "exact!"));
}
