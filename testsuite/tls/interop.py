"""wss interop: the Python `websockets` client against `ferrobahn echo --tls-cert/--tls-key`.

Usage: interop.py FERROBAHN_BINARY

For each runtime (tokio, async-std): a CA and a certificate for localhost and
127.0.0.1 are made with trustme, the echo server is started with them, and a
websockets client checks that text and binary messages come back over wss://
(SNI localhost and by address), and that a client not trusting the CA is
refused. Every step has a timeout; the server is stopped at the end.
"""

import asyncio
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time

import trustme
from websockets.asyncio.client import connect

TIMEOUT = 10


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start listening")


async def round_trip(url, ctx):
    async with asyncio.timeout(TIMEOUT):
        async with connect(url, ssl=ctx, max_size=2**22) as ws:
            await ws.send("hello over TLS")
            assert await ws.recv() == "hello over TLS"
            blob = os.urandom(1 << 20)
            await ws.send(blob)
            assert await ws.recv() == blob


async def refused(url):
    ctx = ssl.create_default_context()  # system roots: our CA is unknown
    try:
        async with asyncio.timeout(TIMEOUT):
            async with connect(url, ssl=ctx):
                pass
    except ssl.SSLCertVerificationError:
        return
    raise AssertionError("an untrusted certificate was accepted")


def run(binary, runtime, ca, cert_path, key_path):
    port = free_port()
    proc = subprocess.Popen(
        [binary, "echo", "--listen", f"127.0.0.1:{port}", "--runtime", runtime,
         "--tls-cert", cert_path, "--tls-key", key_path],
    )
    try:
        wait_for_port(port, proc)
        ctx = ssl.create_default_context()
        ca.configure_trust(ctx)
        asyncio.run(round_trip(f"wss://localhost:{port}/", ctx))
        asyncio.run(round_trip(f"wss://127.0.0.1:{port}/", ctx))
        asyncio.run(refused(f"wss://localhost:{port}/"))
        print(f"wss interop ({runtime}): websockets client OK (echo, SNI, IP, untrusted refused)")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()


def main():
    binary = sys.argv[1]
    ca = trustme.CA()
    leaf = ca.issue_cert("localhost", "127.0.0.1")
    with tempfile.TemporaryDirectory() as tmp:
        cert_path = os.path.join(tmp, "cert.pem")
        key_path = os.path.join(tmp, "key.pem")
        with open(cert_path, "wb") as f:
            for pem in leaf.cert_chain_pems:
                f.write(pem.bytes())
        leaf.private_key_pem.write_to_path(key_path)
        for runtime in ("tokio", "async-std"):
            run(binary, runtime, ca, cert_path, key_path)


if __name__ == "__main__":
    main()
