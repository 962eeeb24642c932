"""AutobahnPython (asyncio) sessions exercising the router's advanced profile: shared
registrations, pattern registrations, call canceling and timeouts, event retention,
black/white listing, the subscription/registration meta API and testaments. Usage:

    python advanced.py --url ws://127.0.0.1:8080/ws --serializer msgpack

Reuses the session helper of demos.py. The last line is "N passed, M failed".
"""

import argparse
import asyncio
import sys
import traceback

from demos import SERIALIZERS, TIMEOUT, Ctx, check  # also selects asyncio for txaio

from autobahn.wamp.exception import ApplicationError  # noqa: E402
from autobahn.wamp.types import (  # noqa: E402
    CallOptions,
    PublishOptions,
    RegisterOptions,
    SubscribeOptions,
)


async def shared_registration(ctx):
    callees = [await ctx.join() for _ in range(3)]
    for i, c in enumerate(callees):
        await c.register(lambda i=i: i, "com.shared.who", RegisterOptions(invoke="roundrobin"))
    caller = await ctx.join()
    got = [await caller.call("com.shared.who") for _ in range(6)]
    print(f"roundrobin callees: {got}")
    check(got == [0, 1, 2, 0, 1, 2], "round robin over three callees")
    try:
        await callees[0].register(lambda: 0, "com.shared.who", RegisterOptions(invoke="first"))
        raise AssertionError("a second policy must be refused")
    except ApplicationError as e:
        print(f"conflicting policy: {e.error}")
        check(e.error == "wamp.error.procedure_already_exists", e.error)


async def pattern_registration(ctx):
    callee = await ctx.join()

    def handler(*args, details=None):
        return details.procedure

    await callee.register(handler, "com.pattern.", RegisterOptions(match="prefix", details_arg="details"))
    await callee.register(handler, "com..exact", RegisterOptions(match="wildcard", details_arg="details"))
    caller = await ctx.join()
    a = await caller.call("com.pattern.deep.name")
    b = await caller.call("com.any.exact")
    print(f"prefix registration called as {a}, wildcard as {b}")
    check((a, b) == ("com.pattern.deep.name", "com.any.exact"), "concrete procedures")


async def cancel_and_timeout(ctx):
    callee = await ctx.join()
    interrupted = asyncio.Queue()

    async def slow():
        try:
            await asyncio.sleep(5)
            return "done"
        except asyncio.CancelledError:
            interrupted.put_nowait(True)
            raise

    await callee.register(slow, "com.slow")
    caller = await ctx.join()
    call = asyncio.ensure_future(caller.call("com.slow"))
    await asyncio.sleep(0.2)
    call.cancel()
    try:
        await call
    except (asyncio.CancelledError, ApplicationError) as e:
        print(f"canceled call: {type(e).__name__}")
    check(await asyncio.wait_for(interrupted.get(), TIMEOUT), "the callee was interrupted")
    try:
        await caller.call("com.slow", options=CallOptions(timeout=300))
        raise AssertionError("must time out")
    except ApplicationError as e:
        print(f"timed out call: {e.error}")
        check(e.error == "wamp.error.canceled", e.error)
    check(await asyncio.wait_for(interrupted.get(), TIMEOUT), "the callee was interrupted on timeout")


async def retention_and_listing(ctx):
    pub = await ctx.join()
    await pub.publish("com.retained", "kept", options=PublishOptions(retain=True, acknowledge=True))
    a = await ctx.join()
    b = await ctx.join()
    got_a, got_b = asyncio.Queue(), asyncio.Queue()

    def on_a(v, details=None):
        got_a.put_nowait((v, details.retained))

    await a.subscribe(on_a, "com.retained", SubscribeOptions(get_retained=True, details_arg="details"))
    first = await asyncio.wait_for(got_a.get(), TIMEOUT)
    print(f"retained event on subscribe: {first}")
    check(first == ("kept", True), "retained event delivered")
    await b.subscribe(lambda v: got_b.put_nowait(v), "com.retained")
    await pub.publish("com.retained", "to-a", options=PublishOptions(eligible=[a._session_id], acknowledge=True))
    await pub.publish("com.retained", "not-a", options=PublishOptions(exclude=[a._session_id], acknowledge=True))
    ev_a = await asyncio.wait_for(got_a.get(), TIMEOUT)
    ev_b = await asyncio.wait_for(got_b.get(), TIMEOUT)
    await asyncio.sleep(0.1)
    print(f"white-listed event to a: {ev_a[0]}, black-listed a, b got: {ev_b}")
    check(ev_a[0] == "to-a" and ev_b == "not-a", "listing")
    check(got_a.empty() and got_b.empty(), "nothing else delivered")


async def meta_and_testament(ctx):
    watcher = await ctx.join()
    created = asyncio.Queue()
    await watcher.subscribe(lambda session, details: created.put_nowait(details["uri"]), "wamp.subscription.on_create")
    gone = asyncio.Queue()
    await watcher.subscribe(lambda v: gone.put_nowait(v), "com.testament.gone")
    s = await ctx.join()
    await s.subscribe(lambda: None, "com.meta.topic")
    # The watcher's own subscriptions are announced first.
    uri = None
    while uri != "com.meta.topic":
        uri = await asyncio.wait_for(created.get(), TIMEOUT)
    sub_id = await watcher.call("wamp.subscription.lookup", "com.meta.topic")
    subscribers = await watcher.call("wamp.subscription.list_subscribers", sub_id)
    print(f"on_create {uri}; lookup {sub_id is not None}; subscribers {subscribers == [s._session_id]}")
    check(uri == "com.meta.topic" and subscribers == [s._session_id], "subscription meta API")
    await s.call("wamp.session.add_testament", "com.testament.gone", ["bye"], {})
    s._transport.close()  # lose the transport without GOODBYE
    v = await asyncio.wait_for(gone.get(), TIMEOUT)
    print(f"testament: {v}")
    check(v == "bye", "testament published")
    ctx.sessions = [watcher]


CASES = {
    "shared_registration": shared_registration,
    "pattern_registration": pattern_registration,
    "cancel_and_timeout": cancel_and_timeout,
    "retention_and_listing": retention_and_listing,
    "meta_and_testament": meta_and_testament,
}


async def main(args):
    passed = failed = 0
    for name, case in CASES.items():
        ctx = Ctx(args.url, "realm1", args.serializer)
        print(f"== {name} ({args.serializer})", flush=True)
        try:
            await asyncio.wait_for(case(ctx), 30)
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
    p.add_argument("--serializer", default="json", choices=sorted(SERIALIZERS))
    sys.exit(asyncio.run(main(p.parse_args())))
