"""Polite overload: a per-client budget of query time, as the Wikidata Query Service keeps one.

WDQS gives each client (its IP address and User-Agent) 60 seconds of query time per minute and
answers 429 with `Retry-After` (an estimate, in seconds) once a client has used it. Here a client
is the write token it presents (when that token is one of the server's, so a made-up token
cannot buy a fresh budget) or else its IP address; each has `KG_CLIENT_BUDGET_SECONDS` of
query time per `KG_CLIENT_BUDGET_WINDOW` seconds. Off (0) by default.

Query time is the wall time of a read request, from its arrival to its last byte: `/sparql`
queries, canned queries, entity pages, search and reconciliation. Writes (checked by the
token and serialised by the gate), `/health` and static files are not counted. A request that
starts within the budget runs to its end (its own time limit, KG_QUERY_TIMEOUT, bounds it); the
next one is refused until enough of the window has passed.

The other half of shedding load, the bounded queue of waiting queries (`KG_QUERY_QUEUE`, 503), is
in `kg.store.workers.WorkerPoolEngine`.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import deque
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kg.config import Settings

#: Paths never counted: writes are not queries, and these are cheap and needed to recover.
_EXEMPT_PREFIXES = ("/health", "/static/", "/static-offline-docs/", "/sparql/update", "/rdf-graph-store",
                    "/openapi.json", "/docs")
_WRITE_METHODS = {"PUT", "DELETE", "PATCH"}


def client_key(scope: Scope, settings: Settings) -> str:
    """`token:NAME` for a request that presents one of the server's write tokens, else `ip:ADDRESS`.

    >>> s = Settings(update_tokens="alice:t1-secret")
    >>> client_key({"headers": [(b"authorization", b"Bearer t1-secret")], "client": ("10.0.0.7", 5)}, s)
    'token:alice'
    >>> client_key({"headers": [(b"authorization", b"Bearer guessed")], "client": ("10.0.0.7", 5)}, s)
    'ip:10.0.0.7'
    """
    from api.deps import token_owner

    for name, value in scope.get("headers") or []:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                matched, who = token_owner(settings, token.strip())
                if matched:
                    return f"token:{who or 'KG_UPDATE_TOKEN'}"
            break
    client = scope.get("client")
    return f"ip:{client[0] if client else 'unknown'}"


class Budgets:
    """Query time used per client over a sliding window.

    >>> b = Budgets(seconds=2.0, window=60.0)
    >>> b.charge("ip:a", 1.5, now=100.0); b.retry_after("ip:a", now=101.0) is None
    True
    >>> b.charge("ip:a", 1.0, now=102.0); b.retry_after("ip:a", now=103.0)
    57
    >>> b.retry_after("ip:a", now=161.0) is None  # the first charge left the window at 160
    True
    """

    #: Clients remembered at most; past it, those idle longest are forgotten (memory stays bounded).
    MAX_CLIENTS = 10_000

    def __init__(self, seconds: float, window: float) -> None:
        self.seconds = seconds
        self.window = window
        self._used: dict[str, deque[tuple[float, float]]] = {}
        self._lock = threading.Lock()

    def _trim(self, spent: deque[tuple[float, float]], now: float) -> None:
        while spent and spent[0][0] <= now - self.window:
            spent.popleft()

    def retry_after(self, key: str, *, now: float | None = None) -> int | None:
        """None while `key` has budget left; else whole seconds until enough of it is freed."""
        now = time.monotonic() if now is None else now
        with self._lock:
            spent = self._used.get(key)
            if not spent:
                return None
            self._trim(spent, now)
            total = sum(d for _, d in spent)
            if total < self.seconds:
                return None
            # The oldest charges leave the window first: wait until the total drops below budget.
            for ended, duration in spent:
                total -= duration
                if total < self.seconds:
                    return max(1, math.ceil(ended + self.window - now))
            return max(1, math.ceil(self.window))  # pragma: no cover - the loop always returns

    def charge(self, key: str, duration: float, *, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            spent = self._used.get(key)
            if spent is None:
                if len(self._used) >= self.MAX_CLIENTS:
                    for old in [k for k, v in self._used.items() if not v or v[-1][0] <= now - self.window]:
                        del self._used[old]
                    while len(self._used) >= self.MAX_CLIENTS:
                        del self._used[next(iter(self._used))]
                spent = self._used[key] = deque()
            spent.append((now, duration))
            self._trim(spent, now)


def counted(scope: Scope) -> bool:
    """Whether a request spends query time: reads, not writes, health checks or static files."""
    path: str = scope.get("path", "")
    if scope.get("method") in _WRITE_METHODS or path.startswith(_EXEMPT_PREFIXES):
        return False
    if path == "/sparql" and scope.get("method") == "POST":
        # An update sent to /sparql (form `update=` or application/sparql-update) is a write.
        headers = dict(scope.get("headers") or [])
        if headers.get(b"content-type", b"").split(b";")[0].strip().lower() == b"application/sparql-update":
            return False
    return True


class ClientBudget:
    """ASGI middleware: 429 with Retry-After for a client past its query-time budget."""

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.budgets = Budgets(settings.client_budget_seconds, settings.client_budget_window)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.budgets.seconds <= 0 or not counted(scope):
            await self.app(scope, receive, send)
            return
        key = client_key(scope, self.settings)
        wait = self.budgets.retry_after(key)
        if wait is not None:
            await self._refuse(send, wait)
            return
        started = time.monotonic()
        try:
            await self.app(scope, receive, send)
        finally:
            self.budgets.charge(key, time.monotonic() - started)

    async def _refuse(self, send: Send, wait: int) -> None:
        body: dict[str, Any] = {
            "error": "TooManyRequests", "status": 429,
            "message": f"this client used its {self.budgets.seconds:g} s of query time per "
                       f"{self.budgets.window:g} s",
            "hint": f"wait {wait} s (Retry-After) before the next query, send fewer or cheaper queries, "
                    "and do not run them in parallel",
            "retry_after": wait,
        }
        data = json.dumps(body).encode()
        start: Message = {"type": "http.response.start", "status": 429,
                          "headers": [(b"content-type", b"application/json"),
                                      (b"content-length", str(len(data)).encode()),
                                      (b"retry-after", str(wait).encode())]}
        await send(start)
        await send({"type": "http.response.body", "body": data})
