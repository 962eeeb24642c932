#!/usr/bin/env python3
"""Times AutobahnPython's serialize/unserialize of the messages of ferrobahn's criterion
bench `wamp_serializers` (crates/ferrobahn-serializers/benches), on the same machine.

    python bench_autobahn.py [seconds-per-case]

Prints one line per case: name, serializer, op, microseconds per message, MiB/s.
"""

import sys
import time

import txaio

txaio.use_asyncio()

from autobahn.wamp.message import Call, Event  # noqa: E402
from autobahn.wamp.serializer import CBORSerializer, JsonSerializer, MsgPackSerializer  # noqa: E402

BIG = b"\x5a" * (64 * 1024)


def messages():
    return {
        "call_small": lambda: Call(1, "com.example.add2", args=[1, 2], kwargs={"foo": 23, "bar": "baz"},
                                   receive_progress=True),
        "call_64k": lambda: Call(1, "com.example.add2", args=[BIG], receive_progress=True),
        "event_small": lambda: Event(5512315355, 4429313566, args=["hello world", 42, 2.5]),
        "event_64k": lambda: Event(5512315355, 4429313566, args=[BIG]),
    }


def timeit(fn, seconds):
    n, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(50):
            fn()
        n += 50
        now = time.perf_counter()
        if now >= deadline:
            return (now - start) / n


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    for name, make in messages().items():
        for ser in (JsonSerializer(), MsgPackSerializer(), CBORSerializer()):
            data, binary = ser.serialize(make())
            # a fresh message each time: AutobahnPython caches a message's serialization
            enc = timeit(lambda: ser.serialize(make()), seconds)
            dec = timeit(lambda: ser.unserialize(data, binary), seconds)
            for op, t in (("encode", enc), ("decode", dec)):
                mib = len(data) / t / (1 << 20)
                print(f"{name:12} {ser.SERIALIZER_ID:8} {op:6} {t * 1e6:10.2f} us  {mib:9.1f} MiB/s  ({len(data)} B)")


if __name__ == "__main__":
    main()
