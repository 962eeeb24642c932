"""permessage-deflate interop between ferrobahn and the Python `websockets` library.

Runs both directions, each over a matrix of deflate parameters:
  - `websockets` client  -> `ferrobahn echo --deflate ...` (our server)
  - `ws-roundtrip` (our client) -> `websockets` echo server
Every run checks the negotiated Sec-WebSocket-Extensions and round-trips text
and binary messages of 1 KiB .. 4 MiB. Exits 1 if anything fails. (websockets
supports windows of 9..15 bits only, so window 8 is left to our own tests.)

    python ws_interop.py --ferrobahn target/release/ferrobahn --roundtrip target/release/ws-roundtrip
    python ws_interop.py serve --case NAME      # internal: one websockets echo server
"""

import argparse
import asyncio
import os
import random
import re
import subprocess
import sys
import threading
import time

from websockets.asyncio.client import connect
from websockets.asyncio.server import serve
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory,
    ServerPerMessageDeflateFactory,
)

SIZES = [1024, 64 * 1024, 1024 * 1024, 4 * 1024 * 1024]
RUN_TIMEOUT = 180  # seconds for one run (build machines are slow and shared)
WORDS = ("websocket deflate window context takeover frame message ferrobahn "
         "autobahn zlib inflate compress buffer python rust 0123456789").split()

# Python client -> our server: (name, ferrobahn echo flags, client factory kwargs,
# substrings the negotiated header must contain)
OUR_SERVER = [
    ("default", ["--deflate"], {}, ["permessage-deflate"]),
    ("no-context-takeover-both", ["--deflate"],
     dict(server_no_context_takeover=True, client_no_context_takeover=True),
     ["server_no_context_takeover", "client_no_context_takeover"]),
    ("client-asks-windows-10-9", ["--deflate"],
     dict(server_max_window_bits=10, client_max_window_bits=9),
     ["server_max_window_bits=10", "client_max_window_bits=9"]),
    ("server-limits-9-11-no-takeover",
     ["--deflate", "--deflate-window-bits", "9", "--deflate-client-window-bits", "11",
      "--no-context-takeover"], {},
     ["server_max_window_bits=9", "client_max_window_bits=11",
      "server_no_context_takeover", "client_no_context_takeover"]),
    ("client-asks-windows-12-15", ["--deflate"],
     dict(server_max_window_bits=12, client_max_window_bits=15),
     ["server_max_window_bits=12", "client_max_window_bits=15"]),
    ("async-std-default", ["--deflate", "--runtime", "async-std"], {}, ["permessage-deflate"]),
]

# Our client -> Python server: (name, server factory kwargs, ws-roundtrip flags,
# substrings the negotiated header must contain)
PY_SERVER = {
    "default": ({}, [], ["permessage-deflate"]),
    "server-no-context-takeover-both": (
        dict(server_no_context_takeover=True, client_no_context_takeover=True), [],
        ["server_no_context_takeover", "client_no_context_takeover"]),
    "server-windows-11-10": (
        dict(server_max_window_bits=11, client_max_window_bits=10), [],
        ["server_max_window_bits=11", "client_max_window_bits=10"]),
    "client-asks-9-no-takeover": (
        {}, ["--window-bits", "9", "--no-context-takeover", "--server-window-bits", "9",
             "--server-no-context-takeover"],
        ["server_max_window_bits=9", "server_no_context_takeover"]),
    "client-asks-12-window-12": (
        {}, ["--window-bits", "12", "--server-window-bits", "12"],
        ["server_max_window_bits=12", "client_max_window_bits=12"]),
    "async-std-default": ({}, ["--runtime", "async-std"], ["permessage-deflate"]),
}


def payload(seed, size, binary):
    rnd = random.Random(seed)
    if binary:
        out = bytearray()
        while len(out) < size:
            if rnd.random() < 0.5:
                out += bytes(rnd.getrandbits(8) for _ in range(64))
            else:
                out += bytes([rnd.getrandbits(8)]) * rnd.randint(1, 200)
        return bytes(out[:size])
    text = []
    length = 0
    while length < size:
        w = rnd.choice(WORDS) + " "
        text.append(w)
        length += len(w)
    return "".join(text)[:size]


def check_header(header, expected):
    missing = [e for e in expected if e not in (header or "")]
    if missing:
        raise AssertionError(f"negotiated {header!r}, missing {missing}")


async def python_client(url, kwargs, expected):
    factory = ClientPerMessageDeflateFactory(**kwargs)
    async with connect(url, extensions=[factory], compression=None, max_size=None,
                       open_timeout=30, close_timeout=10) as ws:
        header = ws.response.headers.get("Sec-WebSocket-Extensions")
        check_header(header, expected)
        n = 0
        for i, size in enumerate(SIZES):
            for binary in (False, True):
                msg = payload(i * 2 + binary, size, binary)
                await ws.send(msg)
                echo = await ws.recv()
                if echo != msg:
                    raise AssertionError(f"echo of {size} bytes (binary {binary}) differs")
                n += 1
        return header, n


def start_ours(ferrobahn, flags):
    proc = subprocess.Popen([ferrobahn, "echo", "--listen", "127.0.0.1:0", *flags],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "NO_COLOR": "1"})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        m = re.search(r"addr=(127\.0\.0\.1:\d+)", re.sub(r"\x1b\[[0-9;]*m", "", line))
        if m:
            # Keep draining the log so the server never blocks on a full pipe.
            threading.Thread(target=proc.stderr.read, daemon=True).start()
            return proc, m.group(1)
    proc.kill()
    raise RuntimeError("ferrobahn echo did not report its address")


def start_python_server(case):
    proc = subprocess.Popen([sys.executable, __file__, "serve", "--case", case],
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    m = re.match(r"listening on (\d+)", line)
    if not m:
        proc.kill()
        raise RuntimeError(f"websockets server did not start: {line!r}")
    return proc, int(m.group(1))


def run_matrix(args):
    failures = 0
    for name, flags, kwargs, expected in OUR_SERVER:
        started = time.monotonic()
        proc, addr = start_ours(args.ferrobahn, flags)
        try:
            header, n = asyncio.run(asyncio.wait_for(
                python_client(f"ws://{addr}/", kwargs, expected), RUN_TIMEOUT))
            print(f"PASS websockets client -> ferrobahn echo [{name}] "
                  f"{n} messages in {time.monotonic() - started:.1f}s; negotiated: {header}")
        except Exception as e:  # noqa: BLE001 - report every failure and go on
            failures += 1
            print(f"FAIL websockets client -> ferrobahn echo [{name}]: {type(e).__name__}: {e}")
        finally:
            proc.kill()
            proc.wait()
    for name, (_, flags, expected) in PY_SERVER.items():
        started = time.monotonic()
        proc, port = start_python_server(name)
        try:
            run = subprocess.run([args.roundtrip, "--url", f"ws://127.0.0.1:{port}/",
                                  "--sizes", ",".join(map(str, SIZES)), *flags],
                                 capture_output=True, text=True, timeout=RUN_TIMEOUT)
            header = next((l.split(":", 1)[1].strip() for l in run.stdout.splitlines()
                           if l.startswith("extensions:")), None)
            if run.returncode != 0:
                raise AssertionError(f"ws-roundtrip failed: {run.stderr.strip()[-500:]}")
            check_header(header, expected)
            print(f"PASS ws-roundtrip -> websockets server [{name}] "
                  f"{run.stdout.strip().splitlines()[-1]} in {time.monotonic() - started:.1f}s; "
                  f"negotiated: {header}")
        except Exception as e:  # noqa: BLE001
            failures += 1
            print(f"FAIL ws-roundtrip -> websockets server [{name}]: {type(e).__name__}: {e}")
        finally:
            proc.kill()
            proc.wait()
    total = len(OUR_SERVER) + len(PY_SERVER)
    print(f"websockets interop: {total - failures}/{total} runs passed")
    return 1 if failures else 0


async def echo(ws):
    async for msg in ws:
        await ws.send(msg)


async def python_server(case):
    kwargs = PY_SERVER[case][0]
    factory = ServerPerMessageDeflateFactory(**kwargs)
    async with serve(echo, "127.0.0.1", 0, extensions=[factory], compression=None,
                     max_size=None) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"listening on {port}", flush=True)
        await server.serve_forever()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", nargs="?", default="matrix", choices=["matrix", "serve"])
    parser.add_argument("--case", help="serve: which PY_SERVER case")
    parser.add_argument("--ferrobahn", help="path of the ferrobahn binary")
    parser.add_argument("--roundtrip", help="path of the ws-roundtrip binary")
    args = parser.parse_args()
    if args.mode == "serve":
        asyncio.run(python_server(args.case))
        return 0
    return run_matrix(args)


if __name__ == "__main__":
    sys.exit(main())
