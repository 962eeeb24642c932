"""AutobahnPython (asyncio) sessions authenticating to a router: ticket, WAMP-CRA (plain
and salted) and cryptosign, right and wrong credentials, and a role calling what it may
not. Needs the realm "auth" of router.toml. Usage:

    python auth.py --url ws://127.0.0.1:8080/ws

The last line is "N passed, M failed"; the exit status is 1 when any case failed.
"""

import argparse
import asyncio
import sys
import traceback

import txaio

txaio.use_asyncio()

from autobahn.asyncio.wamp import ApplicationRunner, ApplicationSession  # noqa: E402
from autobahn.wamp import auth  # noqa: E402
from autobahn.wamp.cryptosign import CryptosignKey  # noqa: E402
from autobahn.wamp.exception import ApplicationError  # noqa: E402

REALM = "auth"
TIMEOUT = 10
ALICE_KEY = bytes([7] * 32)


def session_class(method, authid, secret):
    """A session that joins with `method` as `authid` and answers with `secret`."""

    class S(ApplicationSession):
        def onConnect(self):
            extra = None
            if method == "cryptosign":
                self._key = CryptosignKey.from_bytes(secret)
                extra = {"pubkey": self._key.public_key()}
            self.join(self.config.realm, authmethods=[method], authid=authid, authextra=extra)

        def onChallenge(self, challenge):
            if challenge.method == "ticket":
                return secret
            if challenge.method == "wampcra":
                key = secret.encode()
                if "salt" in challenge.extra:
                    key = auth.derive_key(
                        secret,
                        challenge.extra["salt"],
                        challenge.extra["iterations"],
                        challenge.extra["keylen"],
                    )
                return auth.compute_wcs(key, challenge.extra["challenge"]).decode()
            if challenge.method == "cryptosign":
                return self._key.sign_challenge(challenge)
            raise Exception(f"unexpected challenge {challenge.method}")

    return S


async def join(url, method, authid, secret):
    """The joined session, or raises with the reason it was refused."""
    loop = asyncio.get_running_loop()
    result = loop.create_future()

    def make(cfg):
        s = session_class(method, authid, secret)(cfg)
        s.on("join", lambda session, details: result.done() or result.set_result(session))
        s.on("leave", lambda session, details: result.done() or result.set_exception(Refused(details.reason)))
        return s

    runner = ApplicationRunner(url, REALM)
    await runner.run(make, start_loop=False)
    return await asyncio.wait_for(result, TIMEOUT)


class Refused(Exception):
    """The router refused the session; args[0] is the ABORT reason."""


async def expect_refused(url, method, authid, secret, reason):
    try:
        s = await join(url, method, authid, secret)
        await s.leave()
    except Refused as e:
        print(f"{method} as {authid} with a wrong secret: refused with {e.args[0]}")
        if e.args[0] != reason:
            raise AssertionError(f"expected {reason}, got {e.args[0]}")
        return
    raise AssertionError(f"{method} as {authid} was accepted")


async def case_good_credentials(url):
    cases = [
        ("ticket", "joe", "joe-secret", "frontend"),
        ("wampcra", "paul", "paul-secret", "frontend"),
        ("wampcra", "peter", "peter-secret", "backend"),
        ("cryptosign", "alice", ALICE_KEY, "backend"),
    ]
    for method, authid, secret, role in cases:
        s = await join(url, method, authid, secret)
        d = s._session_details
        print(f"{method} as {authid}: joined with authrole {d.authrole}, authmethod {d.authmethod}")
        if (d.authid, d.authrole, d.authmethod) != (authid, role, method):
            raise AssertionError(f"wrong identity {d}")
        await s.leave()


async def case_wrong_ticket(url):
    await expect_refused(url, "ticket", "joe", "not-the-ticket", "wamp.error.authentication_failed")
    await expect_refused(url, "ticket", "nobody", "joe-secret", "wamp.error.authentication_failed")


async def case_wrong_cra_secret(url):
    await expect_refused(url, "wampcra", "paul", "wrong", "wamp.error.authentication_failed")
    await expect_refused(url, "wampcra", "peter", "wrong", "wamp.error.authentication_failed")


async def case_wrong_cryptosign_key(url):
    await expect_refused(url, "cryptosign", "alice", bytes([8] * 32), "wamp.error.authentication_failed")


async def case_no_anonymous(url):
    try:
        runner = ApplicationRunner(url, REALM)
        loop = asyncio.get_running_loop()
        result = loop.create_future()

        def make(cfg):
            s = ApplicationSession(cfg)
            s.on("join", lambda session, details: result.done() or result.set_result(session))
            s.on("leave", lambda session, details: result.done() or result.set_exception(Refused(details.reason)))
            return s

        await runner.run(make, start_loop=False)
        await asyncio.wait_for(result, TIMEOUT)
    except Refused as e:
        print(f"anonymous: refused with {e.args[0]}")
        if e.args[0] != "wamp.error.no_auth_method":
            raise AssertionError(e.args[0])
        return
    raise AssertionError("anonymous was accepted")


async def case_role_may_not(url):
    backend = await join(url, "cryptosign", "alice", ALICE_KEY)
    await backend.register(lambda: "allowed", "com.auth.allowed")
    await backend.register(lambda: "secret", "com.auth.forbidden")
    frontend = await join(url, "ticket", "joe", "joe-secret")
    res = await frontend.call("com.auth.allowed")
    print(f"frontend calls com.auth.allowed: {res}")
    if res != "allowed":
        raise AssertionError(res)
    for what, fn in [
        ("call com.auth.forbidden", lambda: frontend.call("com.auth.forbidden")),
        ("register com.auth.mine", lambda: frontend.register(lambda: 1, "com.auth.mine")),
        ("subscribe com.auth.topic", lambda: frontend.subscribe(lambda: 1, "com.auth.topic")),
        ("call wamp.session.count", lambda: frontend.call("wamp.session.count")),
    ]:
        try:
            await fn()
            raise AssertionError(f"frontend may {what}")
        except ApplicationError as e:
            print(f"frontend may not {what}: {e.error}")
            if e.error != "wamp.error.not_authorized":
                raise AssertionError(e.error)
    await frontend.leave()
    await backend.leave()


CASES = {
    "good_credentials": case_good_credentials,
    "wrong_ticket": case_wrong_ticket,
    "wrong_cra_secret": case_wrong_cra_secret,
    "wrong_cryptosign_key": case_wrong_cryptosign_key,
    "no_anonymous": case_no_anonymous,
    "role_may_not": case_role_may_not,
}


async def main(url):
    passed = failed = 0
    for name, case in CASES.items():
        print(f"== {name}", flush=True)
        try:
            await asyncio.wait_for(case(url), 30)
            print(f"PASS {name}", flush=True)
            passed += 1
        except Exception:
            print(f"FAIL {name}:\n{traceback.format_exc()}", flush=True)
            failed += 1
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", default="ws://127.0.0.1:8080/ws")
    sys.exit(asyncio.run(main(p.parse_args().url)))
