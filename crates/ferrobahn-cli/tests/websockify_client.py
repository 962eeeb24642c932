"""websockify's own WebSocket client against `ferrobahn forward --listen ws://...`.

Usage: websockify_client.py ws://HOST:PORT/ PROTOCOL
Sends 64 KiB in binary messages, reads the echo back through the forwarder,
prints OK and the negotiated subprotocol. Exits non-zero on a mismatch.
"""
import random
import select
import socket
import sys

from websockify.websocket import WebSocket, WebSocketWantReadError


class Client(WebSocket):
    """websockify 0.10's own client, with one fix: its _sendmsg builds the
    mask as `b'' + int` (a TypeError in Python 3). Same frame, bytes mask."""

    def _sendmsg(self, opcode, msg):
        mask = bytes(random.randrange(256) for _ in range(4))
        return self._send(self._encode_hybi(opcode, msg, mask))


uri, protocol = sys.argv[1], sys.argv[2]
socket.setdefaulttimeout(10)
ws = Client()
ws.connect(uri, protocols=[protocol])
payload = bytes(i % 251 for i in range(64 * 1024))
for i in range(0, len(payload), 4096):
    ws.sendmsg(payload[i:i + 4096])
got = b""
while len(got) < len(payload):
    try:
        msg = ws.recvmsg()
    except WebSocketWantReadError:
        # A partial frame: wait for more bytes (the client is non-blocking style).
        if not select.select([ws.socket], [], [], 10)[0]:
            sys.exit("timed out after %d bytes" % len(got))
        continue
    if msg is None:
        sys.exit("connection closed after %d bytes" % len(got))
    got += msg
if got != payload:
    sys.exit("echo differs")
ws.close()
print("OK", ws.protocol)
