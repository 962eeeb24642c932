"""Headless Chromium against `ferrobahn echo --deflate`.

Starts our echo server with permessage-deflate, a small report server (the
`websockets` library, no compression), and headless Chromium on
browser.html, which connects to the echo server (Chromium offers
permessage-deflate by default), round-trips text and binary messages of
16 B .. 4 MiB and sends its results to the report server. Passes when the
page saw permessage-deflate negotiated and every echo equal.

    python browser_check.py --ferrobahn target/release/ferrobahn [--chromium chromium] [--runtime tokio]
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from websockets.asyncio.server import serve

HERE = Path(__file__).resolve().parent
TIMEOUT = 120  # seconds from Chromium's start to the report


def start_echo(ferrobahn, runtime):
    proc = subprocess.Popen([ferrobahn, "echo", "--listen", "127.0.0.1:0", "--deflate",
                             "--runtime", runtime],
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


async def check(args):
    echo, addr = start_echo(args.ferrobahn, args.runtime)
    reports = asyncio.Queue()

    async def on_report(ws):
        async for msg in ws:
            await reports.put(msg)

    profile = tempfile.mkdtemp(prefix="ferrobahn-chromium-")
    browser = None
    try:
        async with serve(on_report, "127.0.0.1", 0, compression=None) as server:
            port = server.sockets[0].getsockname()[1]
            url = (HERE / "browser.html").as_uri() + \
                f"?echo=ws://{addr}/&report=ws://127.0.0.1:{port}/"
            browser = subprocess.Popen(
                [args.chromium, "--headless", "--no-sandbox", "--disable-gpu",
                 "--no-first-run", "--disable-extensions", f"--user-data-dir={profile}", url],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            started = time.monotonic()
            text = await asyncio.wait_for(reports.get(), TIMEOUT)
            elapsed = time.monotonic() - started
    finally:
        if browser:
            browser.kill()
            browser.wait()
        echo.kill()
        echo.wait()
        shutil.rmtree(profile, ignore_errors=True)
    result = json.loads(text)
    print(f"chromium report after {elapsed:.1f}s: extensions {result.get('extensions')!r}, "
          f"{result.get('userAgent', '')}")
    for r in result.get("results", []):
        print(f"  {'ok  ' if r['ok'] else 'FAIL'} {r['kind']:6} {r['size']:>8} bytes")
    if result.get("error"):
        print(f"  page error: {result['error']}")
    ok = result.get("ok") and "permessage-deflate" in (result.get("extensions") or "")
    print(f"browser check ({args.runtime}): {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ferrobahn", required=True, help="path of the ferrobahn binary")
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", "chromium"))
    parser.add_argument("--runtime", default="tokio", choices=["tokio", "async-std"])
    args = parser.parse_args()
    try:
        return asyncio.run(check(args))
    except (asyncio.TimeoutError, RuntimeError, OSError) as e:
        print(f"browser check ({args.runtime}): FAIL: {type(e).__name__}: {e}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
