#!/usr/bin/env python3
"""Cross-implementation WAMP serialization vectors with AutobahnPython.

    vectors.py gen DIR     AutobahnPython serializes a broad set of messages with every
                           serializer both sides support; writes DIR/ab/manifest.json and
                           one file per serialized message (or batch).
    vectors.py check DIR   reads DIR/rs/manifest.json (written by ferrobahn's test
                           `cargo test -p ferrobahn-serializers --all-features --test vectors`
                           with FERROBAHN_WAMP_VECTORS=DIR) and checks that AutobahnPython
                           decodes every file to exactly the expected values and accepts
                           every message.

Manifest: {"entries": [{"file": "json/000.bin", "subprotocol": "wamp.2.json",
"expected": [TAGGED, ...]}]} where TAGGED is a typed JSON form of a message list:
null, true/false, {"i": "<decimal>"}, {"f": <float>}, {"s": "<str>"}, {"b": "<hex>"},
{"l": [TAGGED...]}, {"d": {"key": TAGGED}}. Types are compared strictly (1 != 1.0 != True).

"ubjson" is AutobahnPython's BJData-backed serializer (the `bjdata` package): ferrobahn's
`Format::Ubjson` speaks that dialect.
"""

import json
import os
import sys

import txaio

txaio.use_asyncio()

from autobahn.wamp import message as m  # noqa: E402
from autobahn.wamp import role as r
from autobahn.wamp.serializer import (
    CBORSerializer,
    JsonSerializer,
    MsgPackSerializer,
    Serializer,
    UBJSONSerializer,
)

SERIALIZERS = {
    "json": JsonSerializer,
    "msgpack": MsgPackSerializer,
    "cbor": CBORSerializer,
    "ubjson": UBJSONSerializer,
}

B = b"\x00\x01\xfe\xffbinary\x00"
ARGS = [
    0, 1, -1, 255, 256, -129, 65536, 2**31, 2**53, -(2**63), 2**63 - 1, 2**64 - 1,
    1.5, -0.25, 1e300, 5e-324, 0.1,
    "", "a", "unicode \u2603 \u00e9 \U0001F600", "quote\" back\\slash \n\t\x01",
    True, False, None, B, b"",
    [1, [2, [3, []]]], {"nested": {"k": [None, {"x": B}]}},
]
KWARGS = {"a": 1, "b": "two", "c": B, "d": [1.0, 2.5], "e": {"x": None}, "\u00fcn\u00ef": True, "": 0}


def messages():
    caller = r.RoleCallerFeatures(call_timeout=True, call_canceling=True, progressive_call_results=True)
    callee = r.RoleCalleeFeatures(shared_registration=True, pattern_based_registration=True)
    pub = r.RolePublisherFeatures(publisher_exclusion=True, subscriber_blackwhite_listing=True)
    sub = r.RoleSubscriberFeatures(pattern_based_subscription=True)
    broker = r.RoleBrokerFeatures(pattern_based_subscription=True, event_retention=True)
    dealer = r.RoleDealerFeatures(call_canceling=True, caller_identification=True)
    return [
        m.Hello("realm1", {"caller": caller, "callee": callee, "publisher": pub, "subscriber": sub},
                authmethods=["wampcra", "ticket"], authid="joe", authrole="user",
                authextra={"pubkey": "abcd", "n": 1}, resumable=True),
        m.Hello("com.example.realm", {"subscriber": r.RoleSubscriberFeatures()}),
        m.Welcome(123456, {"broker": broker, "dealer": dealer}, realm="realm1", authid="joe",
                  authrole="user", authmethod="ticket", authprovider="static",
                  authextra={"x": 1}, resumed=False, resumable=True, resume_token="tok"),
        m.Abort("wamp.error.no_such_realm", message="no such realm"),
        m.Abort("wamp.error.protocol_violation"),
        m.Challenge("wampcra", {"challenge": "{\"nonce\": 1}", "salt": "s", "iterations": 1000, "keylen": 32}),
        m.Challenge("cryptosign", {"challenge": "ab" * 32, "channel_binding": "tls-unique"}),
        m.Authenticate("c2lnbmF0dXJl", {"nonce": "n"}),
        m.Authenticate("ticket-secret", {}),
        m.Goodbye(),
        m.Goodbye("wamp.close.goodbye_and_out", message="bye", resumable=False),
        m.Error(m.Call.MESSAGE_TYPE, 77, "com.myapp.error.overflow", args=ARGS, kwargs=KWARGS),
        m.Error(m.Subscribe.MESSAGE_TYPE, 78, "wamp.error.not_authorized"),
        m.Error(m.Invocation.MESSAGE_TYPE, 79, "wamp.error.runtime_error", args=["boom"]),
        m.Publish(1, "com.myapp.topic1"),
        m.Publish(2, "com.myapp.topic1", args=ARGS, kwargs=KWARGS, acknowledge=True, exclude_me=False,
                  exclude=[1, 2], exclude_authid=["a"], exclude_authrole=["r"], eligible=[3],
                  eligible_authid=["b"], eligible_authrole=["q"], retain=True),
        m.Publish(3, "com.myapp.topic1", payload=B, enc_algo="cryptobox", enc_key="key", enc_serializer="json"),
        m.Published(2, 9007199254740992),
        m.Subscribe(4, "com.myapp.topic1"),
        m.Subscribe(5, "com.myapp..update", match="wildcard", get_retained=True),
        m.Subscribe(6, "com.myapp.", match="prefix"),
        m.Subscribed(4, 1000),
        m.Unsubscribe(7, 1000),
        m.Unsubscribed(7),
        m.Unsubscribed(0, subscription=1000, reason="wamp.subscription.revoked"),
        m.Event(1000, 55, args=ARGS, kwargs=KWARGS, publisher=99, publisher_authid="a",
                publisher_authrole="r", topic="com.myapp.topic1", retained=True),
        m.Event(1000, 56),
        m.Event(1000, 57, payload=B, enc_algo="cryptobox", enc_key="k", enc_serializer="cbor"),
        m.Call(8, "com.myapp.add2", args=[2, 3]),
        m.Call(9, "com.myapp.echo", args=ARGS, kwargs=KWARGS, timeout=1000, receive_progress=True),
        m.Call(10, "com.myapp.kw", kwargs={"only": "kwargs"}),
        m.Cancel(8),
        m.Cancel(9, mode="killnowait"),
        m.Result(8, args=[5]),
        m.Result(9, args=ARGS, kwargs=KWARGS, progress=True),
        m.Result(10),
        m.Register(11, "com.myapp.add2"),
        m.Register(12, "com.myapp.", match="prefix", invoke="roundrobin", concurrency=4, force_reregister=True),
        m.Register(13, "com..get", match="wildcard", invoke="random"),
        m.Registered(11, 2000),
        m.Unregister(13, 2000),
        m.Unregistered(13),
        m.Unregistered(0, registration=2000, reason="wamp.registration.revoked"),
        m.Invocation(14, 2000, args=ARGS, kwargs=KWARGS, timeout=500, receive_progress=True, caller=99,
                     caller_authid="a", caller_authrole="r", procedure="com.myapp.x"),
        m.Invocation(15, 2000),
        m.Interrupt(14),
        m.Interrupt(14, mode="kill", reason="wamp.error.canceled"),
        m.Yield(14, args=[1]),
        m.Yield(14, args=ARGS, kwargs=KWARGS, progress=True),
        m.Yield(14, kwargs={"only": "kwargs"}),
    ]


def tag(v):
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, int):
        return {"i": str(v)}
    if isinstance(v, float):
        return {"f": v}
    if isinstance(v, str):
        return {"s": v}
    if isinstance(v, (bytes, bytearray)):
        return {"b": bytes(v).hex()}
    if isinstance(v, (list, tuple)):
        return {"l": [tag(x) for x in v]}
    if isinstance(v, dict):
        return {"d": {k: tag(x) for k, x in v.items()}}
    raise TypeError(f"cannot tag {type(v)}")


def untag(t):
    if t is None or isinstance(t, bool):
        return t
    (k, v), = t.items()
    return {
        "i": lambda: int(v),
        "f": lambda: float(v),
        "s": lambda: v,
        "b": lambda: bytes.fromhex(v),
        "l": lambda: [untag(x) for x in v],
        "d": lambda: {key: untag(x) for key, x in v.items()},
    }[k]()


def strict_eq(a, b):
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(strict_eq(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(strict_eq(a[k], b[k]) for k in a)
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and a != a:
        return b != b
    return a == b


def serializers():
    for name, cls in SERIALIZERS.items():
        yield name, "wamp.2." + name, cls()
        yield name + ".batched", "wamp.2." + name + ".batched", cls(batched=True)


def gen(root):
    out = os.path.join(root, "ab")
    entries = []
    msgs = messages()
    for name, proto, ser in serializers():
        os.makedirs(os.path.join(out, name), exist_ok=True)
        groups = [[x] for x in msgs]
        if name.endswith(".batched"):
            groups.append(msgs[:5])
        for i, group in enumerate(groups):
            data = b"".join(ser.serialize(x)[0] for x in group)
            rel = f"{name}/{i:03}.bin"
            with open(os.path.join(out, rel), "wb") as f:
                f.write(data)
            entries.append({"file": rel, "subprotocol": proto, "expected": [tag(x.marshal()) for x in group]})
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump({"generator": "autobahn", "entries": entries}, f, indent=1)
    print(f"wrote {len(entries)} vectors to {out}")


def check(root):
    src = os.path.join(root, "rs")
    with open(os.path.join(src, "manifest.json")) as f:
        manifest = json.load(f)
    by_proto = {proto: ser for _, proto, ser in serializers()}
    passed = failed = skipped = 0
    for e in manifest["entries"]:
        ser = by_proto.get(e["subprotocol"])
        if ser is None:
            skipped += 1
            continue
        with open(os.path.join(src, e["file"]), "rb") as f:
            data = f.read()
        expected = [untag(t) for t in e["expected"]]
        try:
            raw = ser._serializer.unserialize(data)
            if not strict_eq(raw, expected):
                raise AssertionError(f"decoded {raw!r}\n   expected {expected!r}")
            msgs = ser.unserialize(data, ser._serializer.BINARY)
            for got, want in zip(msgs, expected):
                ref = Serializer.MESSAGE_TYPE_MAP[want[0]].parse(want)
                if not strict_eq(got.marshal(), ref.marshal()):
                    raise AssertionError(f"message {got} != {ref}")
            passed += 1
        except Exception as ex:  # report every failure, keep going
            failed += 1
            print(f"FAIL {e['file']} ({e['subprotocol']}): {type(ex).__name__}: {ex}")
    print(f"autobahn check: {passed} passed, {failed} failed, {skipped} skipped")
    return failed == 0 and passed > 0


def main(argv):
    if len(argv) != 3 or argv[1] not in ("gen", "check"):
        print(__doc__)
        return 2
    if argv[1] == "gen":
        gen(argv[2])
        return 0
    return 0 if check(argv[2]) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
