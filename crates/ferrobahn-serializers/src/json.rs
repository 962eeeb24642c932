//! JSON with WAMP's binary convention: a byte string travels as a JSON string holding
//! `"\0"` followed by the standard base64 (with padding) of the bytes.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use bytes::Bytes;
use ferrobahn_wamp::{Dict, Value};
use serde::de::{self, DeserializeSeed, Visitor};
use serde::ser::{self, Serialize, SerializeMap, SerializeSeq};

use crate::error::{DecodeError, EncodeError};

const FORMAT: &str = "json";

/// Serializes a [`Value`] the JSON way (bytes as `"\0" + base64`, no NaN/infinity).
struct Json<'a>(&'a Value);

impl Serialize for Json<'_> {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => s.serialize_i64(*i),
            Value::UInt(u) => s.serialize_u64(*u),
            Value::Float(f) if f.is_finite() => s.serialize_f64(*f),
            Value::Float(_) => Err(ser::Error::custom("non-finite float")),
            Value::Str(v) => s.serialize_str(v),
            Value::Bytes(b) => {
                let mut text = String::with_capacity(1 + b.len().div_ceil(3) * 4);
                text.push('\0');
                STANDARD.encode_string(b, &mut text);
                s.serialize_str(&text)
            }
            Value::List(l) => {
                let mut seq = s.serialize_seq(Some(l.len()))?;
                for v in l {
                    seq.serialize_element(&Json(v))?;
                }
                seq.end()
            }
            Value::Dict(d) => {
                let mut map = s.serialize_map(Some(d.len()))?;
                for (k, v) in d {
                    map.serialize_entry(k, &Json(v))?;
                }
                map.end()
            }
        }
    }
}

/// Appends the JSON text of `v`.
pub(crate) fn encode(v: &Value, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    serde_json::to_writer(out, &Json(v)).map_err(|_| EncodeError::NonFiniteFloat { format: FORMAT })
}

/// Decodes one JSON document.
pub(crate) fn decode(data: &[u8], max_depth: usize) -> Result<Value, DecodeError> {
    let mut de = serde_json::Deserializer::from_slice(data);
    let v = Seed {
        depth: 0,
        max_depth,
    }
    .deserialize(&mut de)
    .map_err(map_err)?;
    de.end().map_err(map_err)?;
    Ok(v)
}

fn map_err(e: serde_json::Error) -> DecodeError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => DecodeError::Truncated { format: FORMAT },
        _ => {
            let msg = e.to_string();
            if msg.starts_with(BASE64_ERR) {
                DecodeError::InvalidBase64
            } else if let Some(rest) = msg.strip_prefix(DEPTH_ERR) {
                let limit = rest
                    .split(|c: char| !c.is_ascii_digit())
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                DecodeError::TooDeep {
                    format: FORMAT,
                    limit,
                }
            } else {
                DecodeError::syntax(FORMAT, msg)
            }
        }
    }
}

const BASE64_ERR: &str = "invalid base64 in binary string";
const DEPTH_ERR: &str = "nesting deeper than ";

/// Builds a [`Value`], turning `"\0..."` strings into bytes and bounding the depth.
#[derive(Clone, Copy)]
struct Seed {
    depth: usize,
    max_depth: usize,
}

impl Seed {
    fn inner<E: de::Error>(self) -> Result<Seed, E> {
        if self.depth >= self.max_depth {
            return Err(E::custom(format_args!("{DEPTH_ERR}{}", self.max_depth)));
        }
        Ok(Seed {
            depth: self.depth + 1,
            max_depth: self.max_depth,
        })
    }
}

fn string_value<E: de::Error>(s: &str) -> Result<Value, E> {
    match s.strip_prefix('\0') {
        Some(b64) => STANDARD
            .decode(b64)
            .map(|b| Value::Bytes(Bytes::from(b)))
            .map_err(|_| E::custom(BASE64_ERR)),
        None => Ok(Value::Str(s.to_owned())),
    }
}

impl<'de> DeserializeSeed<'de> for Seed {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from_u64(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        string_value(v)
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        if v.starts_with('\0') {
            string_value(&v)
        } else {
            Ok(Value::Str(v))
        }
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let inner = self.inner()?;
        let mut l = Vec::new();
        while let Some(v) = seq.next_element_seed(inner)? {
            l.push(v);
        }
        Ok(Value::List(l))
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let inner = self.inner()?;
        let mut d = Dict::new();
        while let Some(k) = map.next_key::<String>()? {
            let v = map.next_value_seed(inner)?;
            d.insert(k, v);
        }
        Ok(Value::Dict(d))
    }
}
