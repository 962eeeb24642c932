//! JSON on the command line: arguments in, events and results out.

use base64::Engine as _;
use ferrobahn::Bytes;
use ferrobahn_client::wamp::{Dict, Value};

use super::CliError;

/// A positional argument: JSON if it parses, else the word as a string (so
/// `call com.example.greet Homer` works without quoting).
pub(crate) fn arg(s: &str) -> Result<Value, CliError> {
    match serde_json::from_str::<serde_json::Value>(s) {
        Ok(j) => from_json(j),
        Err(_) => Ok(Value::Str(s.to_owned())),
    }
}

/// A keyword argument `key=JSON` (the value read like [`arg`]).
pub(crate) fn kwarg(s: &str) -> Result<(String, Value), CliError> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| CliError::Usage(format!("--kw {s:?}: expected key=JSON")))?;
    if k.is_empty() {
        return Err(CliError::Usage(format!("--kw {s:?}: empty key")));
    }
    Ok((k.to_owned(), arg(v)?))
}

/// A JSON value as a WAMP value. Strings starting with NUL are WAMP's JSON form of
/// binary (`"\0" + base64`) and become bytes.
fn from_json(j: serde_json::Value) -> Result<Value, CliError> {
    Ok(match j {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Int(i)
            } else if let Some(u) = n.as_u64() {
                Value::UInt(u)
            } else {
                Value::Float(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        serde_json::Value::String(s) => match s.strip_prefix('\0') {
            Some(b64) => Value::Bytes(Bytes::from(
                base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .map_err(|e| CliError::Usage(format!("binary argument: {e}")))?,
            )),
            None => Value::Str(s),
        },
        serde_json::Value::Array(a) => {
            Value::List(a.into_iter().map(from_json).collect::<Result<_, _>>()?)
        }
        serde_json::Value::Object(o) => Value::Dict(
            o.into_iter()
                .map(|(k, v)| Ok((k, from_json(v)?)))
                .collect::<Result<_, CliError>>()?,
        ),
    })
}

/// A WAMP value as JSON (bytes as `"\0" + base64`, as WAMP's JSON serializer does).
pub(crate) fn to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => (*b).into(),
        Value::Int(i) => (*i).into(),
        Value::UInt(u) => (*u).into(),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
        Value::Str(s) => s.clone().into(),
        Value::Bytes(b) => {
            format!("\0{}", base64::engine::general_purpose::STANDARD.encode(b)).into()
        }
        Value::List(l) => l.iter().map(to_json).collect(),
        Value::Dict(d) => dict_json(d),
    }
}

fn dict_json(d: &Dict) -> serde_json::Value {
    serde_json::Value::Object(d.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
}

/// One output line: `{"args": [...], "kwargs": {...}}` plus `extra` entries.
pub(crate) fn line(args: &[Value], kwargs: &Dict, extra: &[(&str, serde_json::Value)]) -> String {
    let mut o = serde_json::Map::new();
    o.insert("args".into(), args.iter().map(to_json).collect());
    o.insert("kwargs".into(), dict_json(kwargs));
    for (k, v) in extra {
        o.insert((*k).to_owned(), v.clone());
    }
    serde_json::Value::Object(o).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_json_or_words() {
        assert_eq!(arg("3").unwrap(), Value::Int(3));
        assert_eq!(arg("\"3\"").unwrap(), Value::Str("3".into()));
        assert_eq!(arg("Homer").unwrap(), Value::Str("Homer".into()));
        assert_eq!(
            arg(r#"{"a":[1,2.5,null]}"#).unwrap(),
            Value::Dict(Dict::from([(
                "a".to_owned(),
                Value::List(vec![Value::Int(1), Value::Float(2.5), Value::Null])
            )]))
        );
        assert_eq!(
            arg("\"\\u0000AQI=\"").unwrap(),
            Value::Bytes(Bytes::from_static(&[1, 2]))
        );
        assert!(arg("\"\\u0000!!\"").is_err());
    }

    #[test]
    fn keyword_arguments_need_a_key() {
        assert_eq!(kwarg("n=5").unwrap(), ("n".into(), Value::Int(5)));
        assert_eq!(
            kwarg("s=a=b").unwrap(),
            ("s".into(), Value::Str("a=b".into()))
        );
        assert!(kwarg("novalue").is_err());
        assert!(kwarg("=1").is_err());
    }

    #[test]
    fn output_round_trips_through_json() {
        let args = vec![
            Value::Bytes(Bytes::from_static(b"\x00\xff")),
            Value::UInt(u64::MAX),
            Value::Float(0.5),
        ];
        let kwargs = Dict::from([("k".to_owned(), Value::Bool(true))]);
        let out = line(&args, &kwargs, &[("topic", "com.x".into())]);
        let back: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back["kwargs"]["k"], true);
        assert_eq!(back["topic"], "com.x");
        let first = from_json(back["args"][0].clone()).unwrap();
        assert_eq!(first, args[0]);
        assert_eq!(from_json(back["args"][1].clone()).unwrap(), args[1]);
    }
}
