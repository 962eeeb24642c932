//! The few WAMP messages the raw fan-out server reads and writes while sessions set
//! up (HELLO -> WELCOME, SUBSCRIBE -> SUBSCRIBED, GOODBYE), the EVENT it fans out, and
//! the unmasked server frames around them. Built as [`Value`] lists, not typed
//! messages: the server needs their wire form only.

use ferrobahn_frame::{FrameHeader, OpCode, MAX_HEADER_LEN};
use ferrobahn_serializers::Serializer;
use ferrobahn_wamp::{Dict, Value};

/// The subscription ID every subscriber gets (a router gives one per topic). A random
/// scope ID as large as a router's, so the EVENT has a router's size.
pub const SUBSCRIPTION: i64 = 4_503_599_627_370_497;
/// The publication ID of every EVENT (a router draws one per publication, in the same
/// range, so the size matches).
pub const PUBLICATION: i64 = 7_205_759_403_792_793;

/// WAMP message type codes read or written here.
pub mod code {
    /// HELLO.
    pub const HELLO: u64 = 1;
    /// WELCOME.
    pub const WELCOME: u64 = 2;
    /// GOODBYE.
    pub const GOODBYE: u64 = 6;
    /// PUBLISH.
    pub const PUBLISH: u64 = 16;
    /// SUBSCRIBE.
    pub const SUBSCRIBE: u64 = 32;
    /// SUBSCRIBED.
    pub const SUBSCRIBED: u64 = 33;
    /// EVENT.
    pub const EVENT: u64 = 36;
}

fn dict<const N: usize>(entries: [(&str, Value); N]) -> Value {
    Value::Dict(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect::<Dict>(),
    )
}

fn int(v: u64) -> Value {
    Value::from_u64(v)
}

/// The message's type code and its list, if it is a list starting with one.
pub fn split(v: &Value) -> Option<(u64, &[Value])> {
    let Value::List(l) = v else { return None };
    Some((l.first()?.as_u64()?, l))
}

/// `[WELCOME, session, {roles: {broker: {}}}]`.
pub fn welcome(session: u64) -> Value {
    Value::List(vec![
        int(code::WELCOME),
        int(session),
        dict([("roles", dict([("broker", dict([]))]))]),
    ])
}

/// `[SUBSCRIBED, request, SUBSCRIPTION]` for `[SUBSCRIBE, request, options, topic]`.
pub fn subscribed(subscribe: &[Value]) -> Option<Value> {
    Some(Value::List(vec![
        int(code::SUBSCRIBED),
        subscribe.get(1)?.clone(),
        Value::Int(SUBSCRIPTION),
    ]))
}

/// `[GOODBYE, {}, "wamp.close.goodbye_and_out"]`.
pub fn goodbye() -> Value {
    Value::List(vec![
        int(code::GOODBYE),
        dict([]),
        Value::Str("wamp.close.goodbye_and_out".into()),
    ])
}

/// The EVENT a router sends for `[PUBLISH, request, options, topic, args?, kwargs?]`:
/// `[EVENT, SUBSCRIPTION, PUBLICATION, {}, args?, kwargs?]` (no publisher disclosed).
pub fn event(publish: &[Value]) -> Value {
    let mut out = vec![
        int(code::EVENT),
        Value::Int(SUBSCRIPTION),
        Value::Int(PUBLICATION),
        dict([]),
    ];
    out.extend(publish.iter().skip(4).cloned());
    Value::List(out)
}

/// `v` encoded with `ser` in one unmasked server frame (text or binary as the
/// serializer says).
///
/// # Errors
/// When `ser` cannot encode `v`.
pub fn frame(ser: &Serializer, v: &Value) -> Result<Vec<u8>, ferrobahn_serializers::EncodeError> {
    let mut payload = Vec::new();
    ser.encode_value(v, &mut payload)?;
    let h = FrameHeader {
        fin: true,
        rsv: 0,
        opcode: if ser.is_binary() {
            OpCode::Binary
        } else {
            OpCode::Text
        },
        mask: None,
        payload_len: payload.len() as u64,
    };
    let mut hdr = [0; MAX_HEADER_LEN];
    let n = h.encode(&mut hdr);
    let mut out = Vec::with_capacity(n + payload.len());
    out.extend_from_slice(&hdr[..n]);
    out.extend_from_slice(&payload);
    Ok(out)
}

/// An unmasked pong frame echoing `payload` (at most 125 bytes: a ping's).
pub fn pong(payload: &[u8]) -> Vec<u8> {
    let h = FrameHeader {
        fin: true,
        rsv: 0,
        opcode: OpCode::Pong,
        mask: None,
        payload_len: payload.len() as u64,
    };
    let mut hdr = [0; MAX_HEADER_LEN];
    let n = h.encode(&mut hdr);
    let mut out = hdr[..n].to_vec();
    out.extend_from_slice(payload);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrobahn_wamp::Message;

    #[test]
    fn messages_are_valid_wamp() {
        let publish = Value::List(vec![
            int(code::PUBLISH),
            int(7),
            dict([]),
            Value::Str("bench.fanout".into()),
            Value::List(vec![Value::Str("x".repeat(64))]),
        ]);
        let (c, list) = split(&publish).unwrap();
        assert_eq!(c, code::PUBLISH);
        for v in [
            welcome(3),
            subscribed(&[int(code::SUBSCRIBE), int(9)]).unwrap(),
            goodbye(),
            event(list),
        ] {
            Message::from_value(v.clone()).unwrap_or_else(|e| panic!("{v:?}: {e}"));
        }
        let Message::Event(e) = Message::from_value(event(list)).unwrap() else {
            panic!("not an EVENT")
        };
        assert_eq!(e.subscription.get(), SUBSCRIPTION as u64);
        assert!(subscribed(&[int(code::SUBSCRIBE)]).is_none());
    }

    #[test]
    fn frames_carry_the_encoding() {
        for sub in ["wamp.2.json", "wamp.2.msgpack"] {
            let ser = Serializer::from_subprotocol(sub).unwrap();
            let f = frame(&ser, &goodbye()).unwrap();
            let (h, n) = FrameHeader::decode(&f).unwrap().unwrap();
            assert!(h.fin && h.mask.is_none());
            assert_eq!(h.opcode == OpCode::Binary, ser.is_binary());
            assert_eq!(ser.decode_values(&f[n..]).unwrap(), vec![goodbye()]);
        }
        assert_eq!(pong(b"ab"), vec![0x8A, 2, b'a', b'b']);
    }
}
