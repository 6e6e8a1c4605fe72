"""A bare keep-alive HTTP/1.1 client for latency figures: the server's own time per request,
without the ~0.4 ms a request that httpx itself spends (the same for every server measured)."""

from __future__ import annotations

import socket
import statistics
import time
from types import TracebackType
from typing import Any
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


def _httpx_client(base_url: str, request_line: str, headers: dict[str, str], body: bytes, seconds: float,
                  out: Any) -> None:
    """One client process using httpx (what a Python application would use), keep-alive."""
    import httpx

    method, target = request_line.split(" ", 1)
    times: list[float] = []
    errors = 0
    began = time.monotonic()
    try:
        with httpx.Client(base_url=base_url, timeout=120) as http:
            http.request(method, target, headers=headers, content=body or None)  # connected, untimed
            began = time.monotonic()
            stop_at = began + seconds
            while time.monotonic() < stop_at:
                t = time.perf_counter()
                response = http.request(method, target, headers=headers, content=body or None)
                _ = response.content
                if response.status_code != 200:
                    errors += 1
                    continue
                times.append(time.perf_counter() - t)
    finally:
        out.send((times, errors, time.monotonic() - began))
        out.close()


def _client(base_url: str, raw: bytes, seconds: float, out: Any) -> None:
    """One client process: the same request on one keep-alive connection for `seconds`."""
    url = urlsplit(base_url)
    sock = socket.create_connection((url.hostname, url.port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    times: list[float] = []
    errors = 0
    began = time.monotonic()
    stop_at = began + seconds
    try:
        while time.monotonic() < stop_at:
            t = time.perf_counter()
            sock.sendall(raw)
            try:
                _read_response(sock)
            except RuntimeError:
                errors += 1
                sock.close()
                sock = socket.create_connection((url.hostname, url.port))
                continue
            times.append(time.perf_counter() - t)
    finally:
        sock.close()
        out.send((times, errors, time.monotonic() - began))
        out.close()


def load(base_url: str, request_line: str, *, headers: dict[str, str] | None = None, body: bytes = b"",
         concurrency: int = 1, seconds: float = 1.0, client: str = "raw") -> tuple[list[float], int, float]:
    """`concurrency` client processes (not threads: a Python client must not be the bottleneck, and
    one process's GIL would be) send `request_line` back to back for `seconds`, each on its own
    keep-alive connection, with the bare socket client (`client="raw"`: the servers' own cost) or
    with httpx (`client="httpx"`: what a Python application pays on top, ~0.3 ms a request).

    Each client counts its `seconds` from its first answer (untimed), so process start-up and
    connecting are not counted; they start within milliseconds of each other. Returns (latencies
    in seconds, errors, requests per second: the sum of the clients' rates)."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    url = urlsplit(base_url)
    head = {"Host": f"{url.hostname}", **(headers or {})}
    if body:
        head["Content-Length"] = str(len(body))
    raw = (f"{request_line} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in head.items())
           + "\r\n").encode() + body
    pipes, procs = [], []
    for _ in range(concurrency):
        parent, child = ctx.Pipe(duplex=False)
        if client == "httpx":
            proc = ctx.Process(target=_httpx_client, args=(base_url, request_line, headers or {}, body, seconds,
                                                           child), daemon=True)
        else:
            proc = ctx.Process(target=_client, args=(base_url, raw, seconds, child), daemon=True)
        proc.start()
        child.close()
        pipes.append(parent)
        procs.append(proc)
    latencies: list[float] = []
    errors = 0
    rate = 0.0
    for parent, proc in zip(pipes, procs, strict=True):
        times, errs, active = parent.recv()
        latencies += times
        errors += errs
        rate += len(times) / active if active > 0 else 0.0
        proc.join()
    return latencies, errors, rate
