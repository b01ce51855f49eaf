#!/usr/bin/env python3
"""One Varlink call over a Unix socket: varlink_call.py SOCKET [FILE|-].

Sends the request bytes (a NUL is appended unless present) and prints the reply object.
Unlike socat it still reads the reply when the server closes early (refused peer,
oversized message): a write that fails with EPIPE is not the end of the exchange."""
import socket
import sys


def main() -> int:
    path = sys.argv[1]
    src = sys.argv[2] if len(sys.argv) > 2 else "-"
    data = sys.stdin.buffer.read() if src == "-" else open(src, "rb").read()
    if not data.endswith(b"\0"):
        data += b"\0"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass
    reply = b""
    while b"\0" not in reply:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        reply += chunk
    sys.stdout.write(reply.split(b"\0")[0].decode())
    return 0 if reply else 1


if __name__ == "__main__":
    sys.exit(main())
