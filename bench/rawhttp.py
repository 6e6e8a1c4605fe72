"""A bare keep-alive HTTP/1.1 client for latency figures: the server's own time per request,
without the ~0.4 ms a request that httpx itself spends (the same for every server measured)."""

from __future__ import annotations

import socket
import statistics
import time
from urllib.parse import urlsplit


def p50_ms(base_url: str, request_line: str, *, headers: dict[str, str] | None = None, body: bytes = b"",
           requests: int = 200) -> float:
    """Median milliseconds of `request_line` (e.g. "GET /queries/x?format=csv") sent `requests`
    times on one connection; the first tenth is a warm-up and is not counted."""
    url = urlsplit(base_url)
    head = {"Host": f"{url.hostname}", **(headers or {})}
    if body:
        head["Content-Length"] = str(len(body))
    raw = (f"{request_line} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in head.items())
           + "\r\n").encode() + body
    times = []
    with socket.create_connection((url.hostname, url.port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for _ in range(requests):
            t = time.perf_counter()
            sock.sendall(raw)
            _read_response(sock)
            times.append(time.perf_counter() - t)
    return statistics.median(times[requests // 10:]) * 1000


def _read_response(sock: socket.socket) -> bytes:
    data = b""
    while True:
        chunk = sock.recv(1 << 16)
        if not chunk:
            raise RuntimeError("the server closed the connection")
        data += chunk
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            continue
        status = head.split(b"\r\n", 1)[0]
        if b" 200 " not in status + b" ":
            raise RuntimeError(f"unexpected answer: {status.decode(errors='replace')}")
        fields = dict(line.split(b":", 1) for line in head.split(b"\r\n")[1:])
        lengths = {k.strip().lower(): v.strip() for k, v in fields.items()}
        if b"content-length" in lengths:
            if len(rest) >= int(lengths[b"content-length"]):
                return rest
        elif rest.endswith(b"0\r\n\r\n"):
            return rest
