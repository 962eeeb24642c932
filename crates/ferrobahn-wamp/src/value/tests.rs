use std::collections::BTreeMap;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::*;

#[derive(Debug, PartialEq, Serialize, Deserialize)]
enum Shape {
    Dot,
    Circle(f64),
    Rect { w: u32, h: u32 },
    Pair(i8, i8),
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Order {
    id: u64,
    name: String,
    tags: Vec<String>,
    note: Option<String>,
    shapes: Vec<Shape>,
    scores: BTreeMap<String, i64>,
    #[serde(with = "serde_bytes_like")]
    blob: Vec<u8>,
}

mod serde_bytes_like {
    use serde::{Deserialize, Deserializer, Serializer};
    pub(super) fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(v)
    }
    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let v = crate::Value::deserialize(d)?;
        match v {
            crate::Value::Bytes(b) => Ok(b.to_vec()),
            _ => Err(serde::de::Error::custom("expected bytes")),
        }
    }
}

#[test]
fn struct_round_trips_through_value() {
    let order = Order {
        id: u64::MAX,
        name: "x".into(),
        tags: vec!["a".into(), "b".into()],
        note: None,
        shapes: vec![
            Shape::Dot,
            Shape::Circle(1.5),
            Shape::Rect { w: 2, h: 3 },
            Shape::Pair(-1, 1),
        ],
        scores: [("k".to_owned(), -5)].into_iter().collect(),
        blob: vec![0, 1, 255],
    };
    let v = to_value(&order).unwrap();
    let d = v.as_dict().unwrap();
    assert_eq!(d["id"], Value::UInt(u64::MAX));
    assert_eq!(d["note"], Value::Null);
    assert_eq!(d["blob"], Value::Bytes(Bytes::from_static(&[0, 1, 255])));
    assert_eq!(d["shapes"].as_list().unwrap()[0], Value::from("Dot"));
    let back: Order = from_value(v).unwrap();
    assert_eq!(back, order);
}

#[test]
fn int_and_uint_compare_numerically() {
    assert_eq!(Value::Int(7), Value::UInt(7));
    assert_ne!(Value::Int(-1), Value::UInt(u64::MAX));
    assert_eq!(Value::from(5u64), Value::Int(5));
    assert_eq!(Value::from(u64::MAX), Value::UInt(u64::MAX));
}

#[test]
fn wrong_type_is_an_error_not_a_panic() {
    let err = from_value::<Order>(Value::List(vec![Value::Null])).unwrap_err();
    assert!(!err.0.is_empty());
    let err = from_value::<u8>(Value::Int(300)).unwrap_err();
    assert!(err.0.contains("300"), "{err}");
    assert!(to_value(&BTreeMap::from([(vec![1u8], 1)])).is_err());
}
