//! Cross-implementation vectors with AutobahnPython, both directions.
//!
//! Skipped unless `FERROBAHN_WAMP_VECTORS=DIR` is set. The whole run:
//!
//! ```text
//! python testsuite/wamp/vectors.py gen DIR          # AutobahnPython writes DIR/ab
//! FERROBAHN_WAMP_VECTORS=DIR cargo test -p ferrobahn-serializers --all-features --test vectors
//!                                                   # we decode DIR/ab, write DIR/rs
//! python testsuite/wamp/vectors.py check DIR        # AutobahnPython decodes DIR/rs
//! ```

use std::path::PathBuf;

use bytes::Bytes;
use ferrobahn_serializers::{Format, Serializer};
use ferrobahn_wamp::message::{Call, Event, Hello, Publish};
use ferrobahn_wamp::options::{EventDetails, HelloDetails, PublishOptions};
use ferrobahn_wamp::roles::{feature, Role, RoleFeatures, Roles};
use ferrobahn_wamp::{Dict, Id, Message, Payload, Value};
use serde_json::{json, Value as Json};

fn root() -> Option<PathBuf> {
    let dir = std::env::var_os("FERROBAHN_WAMP_VECTORS").map(PathBuf::from);
    if dir.is_none() {
        eprintln!("FERROBAHN_WAMP_VECTORS not set: cross-implementation vectors skipped");
    }
    dir
}

/// The typed JSON form of vectors.py back to a value.
fn untag(j: &Json) -> Value {
    match j {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Object(o) if o.len() == 1 => {
            let (k, v) = o.iter().next().unwrap();
            match (k.as_str(), v) {
                ("i", Json::String(s)) => match s.parse::<i64>() {
                    Ok(i) => Value::Int(i),
                    Err(_) => Value::UInt(s.parse().unwrap()),
                },
                ("f", n) => Value::Float(n.as_f64().unwrap()),
                ("s", Json::String(s)) => Value::Str(s.clone()),
                ("b", Json::String(h)) => Value::Bytes(Bytes::from(
                    (0..h.len())
                        .step_by(2)
                        .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
                        .collect::<Vec<u8>>(),
                )),
                ("l", Json::Array(a)) => Value::List(a.iter().map(untag).collect()),
                ("d", Json::Object(d)) => {
                    Value::Dict(d.iter().map(|(k, v)| (k.clone(), untag(v))).collect())
                }
                _ => panic!("bad tag {j}"),
            }
        }
        _ => panic!("bad tag {j}"),
    }
}

fn tag(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => json!(b),
        Value::Int(i) => json!({ "i": i.to_string() }),
        Value::UInt(u) => json!({ "i": u.to_string() }),
        Value::Float(f) => json!({ "f": f }),
        Value::Str(s) => json!({ "s": s }),
        Value::Bytes(b) => {
            let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
            json!({ "b": hex })
        }
        Value::List(l) => json!({ "l": l.iter().map(tag).collect::<Vec<_>>() }),
        Value::Dict(d) => {
            let o: serde_json::Map<String, Json> =
                d.iter().map(|(k, v)| (k.clone(), tag(v))).collect();
            json!({ "d": o })
        }
    }
}

fn read_manifest(path: PathBuf) -> Vec<Json> {
    let text = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let m: Json = serde_json::from_slice(&text).unwrap();
    m["entries"].as_array().unwrap().clone()
}

#[test]
fn decodes_autobahn_vectors() {
    let Some(root) = root() else { return };
    let (mut passed, mut skipped, mut failures) = (0, 0, Vec::new());
    for e in read_manifest(root.join("ab/manifest.json")) {
        let proto = e["subprotocol"].as_str().unwrap();
        let Some(ser) = Serializer::from_subprotocol(proto) else {
            skipped += 1;
            continue;
        };
        let file = e["file"].as_str().unwrap();
        let data = std::fs::read(root.join("ab").join(file)).unwrap();
        let expected: Vec<Value> = e["expected"]
            .as_array()
            .unwrap()
            .iter()
            .map(untag)
            .collect();
        let check = || -> Result<(), String> {
            let values = ser.decode_values(&data).map_err(|e| e.to_string())?;
            if values != expected {
                return Err(format!("values {values:?}\n  expected {expected:?}"));
            }
            let msgs = ser.decode(&data).map_err(|e| e.to_string())?;
            for (m, want) in msgs.iter().zip(&expected) {
                let direct = Message::from_value(want.clone()).map_err(|e| e.to_string())?;
                if m != &direct {
                    return Err(format!("message {m:?}\n  expected {direct:?}"));
                }
            }
            Ok(())
        };
        match check() {
            Ok(()) => passed += 1,
            Err(why) => failures.push(format!("{file} ({proto}): {why}")),
        }
    }
    eprintln!(
        "autobahn vectors: {passed} passed, {} failed, {skipped} skipped",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(passed > 0, "no vectors found");
}

/// Messages built here, beyond the ones AutobahnPython produced.
fn own_messages() -> Vec<Message> {
    let id = |n| Id::new(n).unwrap();
    let blob = Value::Bytes(Bytes::from_static(b"\x00\xffbin"));
    let mut roles = Roles::default();
    roles.set(
        Role::Caller,
        RoleFeatures::with_features([feature::CALL_CANCELING, feature::PROGRESSIVE_CALL_RESULTS]),
    );
    roles.set(
        Role::Subscriber,
        RoleFeatures::with_features([feature::PATTERN_BASED_SUBSCRIPTION]),
    );
    let mut kwargs = Dict::new();
    kwargs.insert("blob".into(), blob.clone());
    kwargs.insert("big".into(), Value::UInt(u64::MAX));
    kwargs.insert("neg".into(), Value::Int(i64::MIN));
    kwargs.insert(
        "deep".into(),
        Value::List(vec![Value::List(vec![Value::Dict(Dict::new())])]),
    );
    vec![
        Message::from(Hello {
            realm: "realm1".into(),
            details: HelloDetails {
                roles: Some(roles),
                authmethods: Some(vec!["anonymous".into()]),
                ..Default::default()
            }
            .into(),
        }),
        Message::from(Call {
            request: id(ferrobahn_wamp::MAX_ID),
            procedure: "com.example.\u{e9}cho".into(),
            payload: Payload::ArgsKwargs(
                vec![
                    Value::Float(-1.5e-300),
                    Value::from("\u{1F600}"),
                    blob.clone(),
                ],
                kwargs.clone(),
            ),
            ..Default::default()
        }),
        Message::from(Publish {
            request: id(1),
            options: PublishOptions {
                acknowledge: Some(true),
                exclude: Some(vec![id(5), id(6)]),
                ..Default::default()
            }
            .into(),
            topic: "com.example.topic".into(),
            payload: Payload::ArgsKwargs(vec![], kwargs),
        }),
        Message::from(Event {
            subscription: id(3),
            publication: id(4),
            details: EventDetails {
                publisher: Some(id(7)),
                topic: Some("com.example.topic".into()),
                ..Default::default()
            }
            .into(),
            payload: Payload::Args(vec![Value::Bytes(Bytes::from(vec![0xab; 70_000]))]),
        }),
    ]
}

#[test]
fn writes_vectors_for_autobahn() {
    let Some(root) = root() else { return };
    let mut msgs: Vec<Message> = read_manifest(root.join("ab/manifest.json"))
        .iter()
        .filter(|e| e["subprotocol"] == "wamp.2.json")
        .flat_map(|e| e["expected"].as_array().unwrap().clone())
        .map(|t| Message::from_value(untag(&t)).unwrap())
        .collect();
    msgs.extend(own_messages());
    let out = root.join("rs");
    let mut entries = Vec::new();
    for &f in Format::ALL {
        for ser in [Serializer::new(f), Serializer::batched(f)] {
            let name = ser.subprotocol().trim_start_matches("wamp.2.");
            std::fs::create_dir_all(out.join(name)).unwrap();
            let mut groups: Vec<&[Message]> = msgs.chunks(1).collect();
            if ser.is_batched() {
                groups.push(&msgs[..6]);
            }
            for (i, group) in groups.iter().enumerate() {
                let mut data = Vec::new();
                for m in *group {
                    ser.encode(m, &mut data).unwrap();
                }
                let file = format!("{name}/{i:03}.bin");
                std::fs::write(out.join(&file), &data).unwrap();
                let expected: Vec<Json> = group.iter().map(|m| tag(&m.to_value())).collect();
                entries.push(json!({
                    "file": file, "subprotocol": ser.subprotocol(), "expected": expected
                }));
            }
        }
    }
    let manifest = json!({ "generator": "ferrobahn", "entries": entries });
    std::fs::write(
        out.join("manifest.json"),
        serde_json::to_vec_pretty(&manifest).unwrap(),
    )
    .unwrap();
    eprintln!("wrote {} vectors to {}", entries.len(), out.display());
}
