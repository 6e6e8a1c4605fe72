"""A bare keep-alive HTTP/1.1 client for latency figures: the server's own time per request,
without the ~0.4 ms a request that httpx itself spends (the same for every server measured)."""

from __future__ import annotations

import socket
import statistics
import time
from types import TracebackType
from urllib.parse import urlsplit


class KeepAlive:
    """One keep-alive connection; `time(request_line)` sends a request and returns its seconds.

        with KeepAlive("http://127.0.0.1:8000") as conn:
            seconds = conn.time("GET /queries/timeline?format=csv")
    """

    def __init__(self, base_url: str, *, headers: dict[str, str] | None = None) -> None:
        self.url = urlsplit(base_url)
        self.headers = {"Host": f"{self.url.hostname}", **(headers or {})}
        self.sock: socket.socket | None = None
        self._raw: dict[tuple[str, bytes], bytes] = {}

    def __enter__(self) -> KeepAlive:
        self.sock = socket.create_connection((self.url.hostname, self.url.port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        if self.sock is not None:
            self.sock.close()

    def time(self, request_line: str, body: bytes = b"") -> float:
        raw = self._raw.get((request_line, body))
        if raw is None:
            head = dict(self.headers)
            if body:
                head["Content-Length"] = str(len(body))
            raw = self._raw[(request_line, body)] = (
                f"{request_line} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in head.items())
                + "\r\n").encode() + body
        assert self.sock is not None, "use KeepAlive as a context manager"
        t = time.perf_counter()
        self.sock.sendall(raw)
        _read_response(self.sock)
        return time.perf_counter() - t


def p50_ms(base_url: str, request_line: str, *, headers: dict[str, str] | None = None, body: bytes = b"",
           requests: int = 200) -> float:
    """Median milliseconds of `request_line` (e.g. "GET /queries/x?format=csv") sent `requests`
    times on one connection; the first tenth is a warm-up and is not counted."""
    with KeepAlive(base_url, headers=headers) as conn:
        times = [conn.time(request_line, body) for _ in range(requests)]
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
