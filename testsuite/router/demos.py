"""AutobahnPython (asyncio) components running the WAMP v2 example demos against a router.

Each demo starts its backend and frontend sessions over WebSocket, prints what the
frontend sees, and checks it. Usage:

    python demos.py --url ws://127.0.0.1:8080/ws --serializer json [demo ...]

The last line is "N passed, M failed"; the exit status is 1 when any demo failed.
"""

import argparse
import asyncio
import datetime
import sys
import traceback

import txaio

txaio.use_asyncio()

from autobahn import wamp  # noqa: E402
from autobahn.asyncio.wamp import ApplicationRunner, ApplicationSession  # noqa: E402
from autobahn.wamp.exception import ApplicationError  # noqa: E402
from autobahn.wamp.serializer import (  # noqa: E402
    CBORSerializer,
    JsonSerializer,
    MsgPackSerializer,
)
from autobahn.wamp.types import (  # noqa: E402
    CallOptions,
    CallResult,
    PublishOptions,
    RegisterOptions,
    SubscribeOptions,
)

SERIALIZERS = {
    "json": JsonSerializer,
    "msgpack": MsgPackSerializer,
    "cbor": CBORSerializer,
}
TIMEOUT = 10


class Ctx:
    """Where the demos connect to."""

    def __init__(self, url, realm, serializer):
        self.url = url
        self.realm = realm
        self.serializer = serializer
        self.sessions = []

    async def join(self, cls=ApplicationSession, realm=None):
        """A joined session of class `cls`."""
        loop = asyncio.get_running_loop()
        joined = loop.create_future()

        def make(cfg):
            s = cls(cfg)

            def on_join(session, details):
                if not joined.done():
                    joined.set_result(session)

            def on_leave(session, details):
                if not joined.done():
                    joined.set_exception(RuntimeError(f"left: {details.reason} {details.message}"))

            s.on("join", on_join)
            s.on("leave", on_leave)
            return s

        runner = ApplicationRunner(
            self.url, realm or self.realm, serializers=[SERIALIZERS[self.serializer]()]
        )
        await runner.run(make, start_loop=False)
        session = await asyncio.wait_for(joined, TIMEOUT)
        self.sessions.append(session)
        return session

    async def close(self):
        for s in self.sessions:
            if s.is_attached():
                await s.leave()
        self.sessions = []


def check(cond, what):
    if not cond:
        raise AssertionError(what)


# ---------------------------------------------------------------- RPC


async def rpc_timeservice(ctx):
    backend = await ctx.join()

    def now():
        return datetime.datetime.now(datetime.timezone.utc).isoformat()

    await backend.register(now, "com.timeservice.now")
    frontend = await ctx.join()
    res = await frontend.call("com.timeservice.now")
    print(f"Current time from time service: {res}")
    check(datetime.datetime.fromisoformat(res).year >= 2024, "an ISO timestamp")


async def rpc_slowsquare(ctx):
    backend = await ctx.join()

    def square(x):
        return x * x

    async def slowsquare(x, delay=0.5):
        await asyncio.sleep(delay)
        return x * x

    await backend.register(square, "com.math.square")
    await backend.register(slowsquare, "com.math.slowsquare")
    frontend = await ctx.join()
    order = []

    async def timed(name, *args):
        res = await frontend.call(name, *args)
        order.append(name)
        print(f"{name}{args} = {res}")
        return res

    slow, fast = await asyncio.gather(
        timed("com.math.slowsquare", 3), timed("com.math.square", 2)
    )
    check((slow, fast) == (9, 4), "results 9 and 4")
    check(order == ["com.math.square", "com.math.slowsquare"], f"fast call first: {order}")


async def rpc_arguments(ctx):
    backend = await ctx.join()

    def ping():
        return None

    def add2(a, b):
        return a + b

    def stars(nick="somebody", stars=0):
        return f"{nick} starred {stars}x"

    def orders(product, limit=5):
        return [f"Product {i}" for i in range(50)][:limit]

    def arglen(*args, **kwargs):
        return [len(args), len(kwargs)]

    for fn, uri in [
        (ping, "com.arguments.ping"),
        (add2, "com.arguments.add2"),
        (stars, "com.arguments.stars"),
        (orders, "com.arguments.orders"),
        (arglen, "com.arguments.arglen"),
    ]:
        await backend.register(fn, uri)
    f = await ctx.join()
    check(await f.call("com.arguments.ping") is None, "ping returns nothing")
    print("Pinged!")
    res = await f.call("com.arguments.add2", 2, 3)
    print(f"Add2: {res}")
    check(res == 5, "add2")
    got = [
        await f.call("com.arguments.stars"),
        await f.call("com.arguments.stars", nick="Homer"),
        await f.call("com.arguments.stars", stars=5),
        await f.call("com.arguments.stars", nick="Homer", stars=5),
    ]
    for i, s in enumerate(got):
        print(f"Starred {i + 1}: {s}")
    check(
        got
        == [
            "somebody starred 0x",
            "Homer starred 0x",
            "somebody starred 5x",
            "Homer starred 5x",
        ],
        "stars with keyword arguments",
    )
    o1 = await f.call("com.arguments.orders", "coffee")
    o2 = await f.call("com.arguments.orders", "coffee", limit=10)
    print(f"Orders 1: {o1}\nOrders 2: {o2}")
    check((len(o1), len(o2)) == (5, 10), "orders with a default and a keyword")
    lens = [
        await f.call("com.arguments.arglen"),
        await f.call("com.arguments.arglen", 1, 2, 3),
        await f.call("com.arguments.arglen", a=1, b=2, c=3),
        await f.call("com.arguments.arglen", 1, 2, 3, a=1, b=2, c=3),
    ]
    for i, n in enumerate(lens):
        print(f"Arglen {i + 1}: {n}")
    check(lens == [[0, 0], [3, 0], [0, 3], [3, 3]], "argument counts")


async def rpc_complex(ctx):
    backend = await ctx.join()

    def add_complex(a, ai, b, bi):
        return CallResult(c=a + b, ci=ai + bi)

    def split_name(fullname):
        forename, surname = fullname.split()
        return CallResult(forename, surname)

    await backend.register(add_complex, "com.myapp.add_complex")
    await backend.register(split_name, "com.myapp.split_name")
    f = await ctx.join()
    res = await f.call("com.myapp.add_complex", 2, 3, 4, 5)
    print(f"Result: {res.kwresults['c']} + {res.kwresults['ci']}i")
    check(res.kwresults == {"c": 6, "ci": 8}, "complex addition in kwargs")
    res = await f.call("com.myapp.split_name", "Homer Simpson")
    print(f"Forename: {res.results[0]}, Surname: {res.results[1]}")
    check(list(res.results) == ["Homer", "Simpson"], f"split name in args: {res.results}")


@wamp.error("com.myapp.error1")
class AppError1(Exception):
    """An application error mapped to a URI on both sides."""


async def rpc_errors(ctx):
    backend = await ctx.join()
    backend.define(AppError1)

    def sqrt(x):
        if x == 0:
            raise Exception("don't ask foolish questions ;)")
        if x < 0:
            raise ValueError("negative")
        return x**0.5

    def checkname(name):
        if name in ["foo", "bar"]:
            raise ApplicationError("com.myapp.error.reserved")
        if len(name) < 3 or len(name) > 10:
            raise ApplicationError("com.myapp.error.invalid_length", min=3, max=10)

    def compare(a, b):
        if a < b:
            raise AppError1(b - a)

    await backend.register(sqrt, "com.myapp.sqrt")
    await backend.register(checkname, "com.myapp.checkname")
    await backend.register(compare, "com.myapp.compare")
    f = await ctx.join()
    f.define(AppError1)
    check(await f.call("com.myapp.sqrt", 4) == 2.0, "sqrt(4)")
    for x in [0, -1]:
        try:
            await f.call("com.myapp.sqrt", x)
            raise AssertionError("sqrt must fail")
        except ApplicationError as e:
            print(f"Error: {e.error} {e.args}")
            check(e.error == "wamp.error.runtime_error", f"runtime error, got {e.error}")
    seen = []
    for name in ["foo", "a", "Bob", "aaaaaaaaaaaaaaa"]:
        try:
            await f.call("com.myapp.checkname", name)
            seen.append((name, "ok"))
        except ApplicationError as e:
            seen.append((name, e.error, e.kwargs))
        print(f"checkname({name!r}): {seen[-1][1:]}")
    check(seen[0] == ("foo", "com.myapp.error.reserved", {}), f"reserved: {seen[0]}")
    check(
        seen[1] == ("a", "com.myapp.error.invalid_length", {"min": 3, "max": 10}),
        f"kwargs of the error intact: {seen[1]}",
    )
    check(seen[2] == ("Bob", "ok"), "valid name")
    try:
        await f.call("com.myapp.compare", 3, 17)
        raise AssertionError("compare must fail")
    except AppError1 as e:
        print(f"Compare Error: {e}")
        check(e.args[0] == 14, "mapped exception with its argument")
    try:
        await f.call("com.myapp.nonexistent")
        raise AssertionError("must fail")
    except ApplicationError as e:
        print(f"Error: {e.error}")
        check(e.error == "wamp.error.no_such_procedure", "no such procedure")


async def rpc_progress(ctx):
    backend = await ctx.join()

    async def longop(n, details=None):
        if details and details.progress:
            for i in range(n):
                details.progress(i)
                await asyncio.sleep(0.05)
        else:
            await asyncio.sleep(0.05 * n)
        return n

    await backend.register(longop, "com.myapp.longop", RegisterOptions(details_arg="details"))
    f = await ctx.join()
    progress = []

    def on_progress(i):
        print(f"Progress: {i}")
        progress.append(i)

    res = await f.call("com.myapp.longop", 3, options=CallOptions(on_progress=on_progress))
    print(f"Final: {res}")
    check(progress == [0, 1, 2] and res == 3, f"progress {progress}, final {res}")


async def rpc_options(ctx):
    backend = await ctx.join()
    callers = []

    def square(val, details=None):
        callers.append(details.caller)
        print(f"square called from: {details.caller}")
        if val < 0:
            backend.publish("com.myapp.square_on_nonpositive", val)
        elif val == 0:
            opts = PublishOptions(exclude=[details.caller]) if details.caller else None
            backend.publish("com.myapp.square_on_nonpositive", val, options=opts)
        return val * val

    await backend.register(square, "com.myapp.square", RegisterOptions(details_arg="details"))
    f = await ctx.join()
    events = []
    await f.subscribe(lambda v: events.append(v), "com.myapp.square_on_nonpositive")
    results = []
    for val in [23, 0, -5]:
        results.append(await f.call("com.myapp.square", val))
    await asyncio.sleep(0.2)
    print(f"results {results}, events {events}")
    check(results == [529, 0, 25], "squares")
    check(events == [-5], f"0 excluded (the caller is excluded), -5 delivered: {events}")
    check(callers == [f._session_id] * 3, "the caller disclosed")


# ---------------------------------------------------------------- PubSub


async def pubsub_basic(ctx):
    backend = await ctx.join()
    f = await ctx.join()
    got = asyncio.Queue()
    await f.subscribe(lambda i: got.put_nowait(i), "com.myapp.topic1")
    for counter in range(5):
        backend.publish("com.myapp.topic1", counter)
        await asyncio.sleep(0.02)
    seen = [await asyncio.wait_for(got.get(), TIMEOUT) for _ in range(5)]
    for i in seen:
        print(f"Got event: {i}")
    check(seen == [0, 1, 2, 3, 4], "events in order")


async def pubsub_complex(ctx):
    backend = await ctx.join()
    f = await ctx.join()
    beats, got = asyncio.Queue(), asyncio.Queue()
    await f.subscribe(lambda: beats.put_nowait(True), "com.myapp.heartbeat")
    await f.subscribe(lambda a, b, c=None, d=None: got.put_nowait((a, b, c, d)), "com.myapp.topic2")
    for counter in range(3):
        backend.publish("com.myapp.heartbeat")
        backend.publish("com.myapp.topic2", counter, counter * 7, c="Hello", d={"counter": counter, "foo": [1, 2, 3]})
    for counter in range(3):
        await asyncio.wait_for(beats.get(), TIMEOUT)
        ev = await asyncio.wait_for(got.get(), TIMEOUT)
        print(f"Got heartbeat; Got event: {ev}")
        check(ev == (counter, counter * 7, "Hello", {"counter": counter, "foo": [1, 2, 3]}), f"event {ev}")


async def pubsub_options(ctx):
    backend = await ctx.join()
    f = await ctx.join()
    got = asyncio.Queue()

    def on_event(i, details=None):
        got.put_nowait((i, details.publisher, details.topic))

    await f.subscribe(on_event, "com.myapp.topic1", SubscribeOptions(details_arg="details"))
    own = asyncio.Queue()
    await backend.subscribe(lambda i: own.put_nowait(i), "com.myapp.topic1")
    opts = PublishOptions(acknowledge=True, exclude_me=False)
    pub = await backend.publish("com.myapp.topic1", 1, options=opts)
    print(f"Event published with publication ID {pub.id}")
    check(isinstance(pub.id, int), "an acknowledged publication")
    ev = await asyncio.wait_for(got.get(), TIMEOUT)
    print(f"Got event, publication ID {pub.id}, publisher {ev[1]}: {ev[0]}")
    check(ev[:2] == (1, backend._session_id), f"the publisher disclosed: {ev}")
    check(await asyncio.wait_for(own.get(), TIMEOUT) == 1, "exclude_me=False delivers to the publisher")
    # Prefix and wildcard subscriptions get the concrete topic.
    pre, wild = asyncio.Queue(), asyncio.Queue()

    def on_prefix(*args, details=None):
        pre.put_nowait(details.topic)

    def on_wild(*args, details=None):
        wild.put_nowait(details.topic)

    await f.subscribe(on_prefix, "com.myapp.", SubscribeOptions(match="prefix", details_arg="details"))
    await f.subscribe(on_wild, "com..topic9", SubscribeOptions(match="wildcard", details_arg="details"))
    backend.publish("com.myapp.topic9", 2)
    t1 = await asyncio.wait_for(pre.get(), TIMEOUT)
    t2 = await asyncio.wait_for(wild.get(), TIMEOUT)
    print(f"Prefix subscription got {t1}, wildcard subscription got {t2}")
    check(t1 == t2 == "com.myapp.topic9", "concrete topics")


async def pubsub_unsubscribe(ctx):
    backend = await ctx.join()
    f = await ctx.join()
    got = asyncio.Queue()
    sub = await f.subscribe(lambda i: got.put_nowait(i), "com.myapp.topic1")
    for run in range(2):
        for i in range(3):
            backend.publish("com.myapp.topic1", i)
        seen = [await asyncio.wait_for(got.get(), TIMEOUT) for _ in range(3)]
        print(f"Run {run}: got {seen}, unsubscribing")
        check(seen == [0, 1, 2], "events before unsubscribe")
        await sub.unsubscribe()
        backend.publish("com.myapp.topic1", 99)
        await asyncio.sleep(0.2)
        check(got.empty(), "no event after unsubscribe")
        sub = await f.subscribe(lambda i: got.put_nowait(i), "com.myapp.topic1")


# ---------------------------------------------------------------- Session


async def session_series(ctx):
    watcher = await ctx.join()
    joins, leaves = asyncio.Queue(), asyncio.Queue()
    await watcher.subscribe(lambda details: joins.put_nowait(details["session"]), "wamp.session.on_join")
    await watcher.subscribe(lambda sid, authid, authrole: leaves.put_nowait(sid), "wamp.session.on_leave")
    ids = []
    for i in range(5):
        s = await ctx.join()
        sid = s._session_id
        ids.append(sid)
        count = await watcher.call("wamp.session.count")
        print(f"Session {i}: {sid} joined, {count} sessions in the realm")
        check(count == 2, f"watcher + this session: {count}")
        await s.leave()
        j = await asyncio.wait_for(joins.get(), TIMEOUT)
        check(j == sid, f"on_join {j!r} of {sid}")
        left = await asyncio.wait_for(leaves.get(), TIMEOUT)
        check(left == sid, f"on_leave {left!r} of {sid}")
    ctx.sessions = [watcher]
    check(len(set(ids)) == 5, "distinct session IDs")


DEMOS = {
    "rpc.timeservice": rpc_timeservice,
    "rpc.slowsquare": rpc_slowsquare,
    "rpc.arguments": rpc_arguments,
    "rpc.complex": rpc_complex,
    "rpc.errors": rpc_errors,
    "rpc.progress": rpc_progress,
    "rpc.options": rpc_options,
    "pubsub.basic": pubsub_basic,
    "pubsub.complex": pubsub_complex,
    "pubsub.options": pubsub_options,
    "pubsub.unsubscribe": pubsub_unsubscribe,
    "session.series": session_series,
}


async def main(args):
    passed = failed = 0
    for name in args.demos or list(DEMOS):
        ctx = Ctx(args.url, args.realm, args.serializer)
        print(f"== {name} ({args.serializer})", flush=True)
        try:
            await asyncio.wait_for(DEMOS[name](ctx), 30)
            print(f"PASS {name}", flush=True)
            passed += 1
        except Exception:
            print(f"FAIL {name}:\n{traceback.format_exc()}", flush=True)
            failed += 1
        finally:
            try:
                await asyncio.wait_for(ctx.close(), 5)
            except Exception as e:
                print(f"(closing sessions: {e!r})")
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", default="ws://127.0.0.1:8080/ws")
    p.add_argument("--realm", default="realm1")
    p.add_argument("--serializer", default="json", choices=sorted(SERIALIZERS))
    p.add_argument("demos", nargs="*", choices=[[]] + list(DEMOS), metavar="demo")
    a = p.parse_args()
    sys.exit(asyncio.run(main(a)))
