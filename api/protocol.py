"""The HTTP/1.1 protocol under uvicorn, with its one plain-text answer turned into our JSON error.

A request the HTTP parser cannot read never reaches the app: uvicorn answers it itself with a
plain-text "Invalid HTTP request received.". The usual cause is a URL holding raw bytes that
HTTP does not allow (UTF-8 typed into a URL bar by a tool that does not percent-encode, a space).
Every other error of the service is JSON with a message and a hint, so this one is too: the
protocol class is uvicorn's own (httptools when installed, else h11) with only that answer changed.
Used by `kg serve` (`uvicorn.run(..., http=JsonErrorProtocol)`).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, cast

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _Base
except ImportError:  # pragma: no cover - httptools is a dependency; h11 is uvicorn's fallback
    # mypy takes `_Base` to be the first class; the fallback is another (same interface)
    from uvicorn.protocols.http.h11_impl import H11Protocol as _Base  # type: ignore[assignment]

MESSAGE = ("the request is not valid HTTP/1.1 and could not be read: most often the URL holds raw non-ASCII "
           "bytes or spaces")
HINT = "percent-encode the URL: each UTF-8 byte as %XX (é is %C3%A9, a space %20), as curl -G --data-urlencode does"


def error_body() -> bytes:
    """The JSON body of the answer (the shape of every error of the service, see api/errors.py).

    >>> json.loads(error_body())["status"]
    400
    """
    return json.dumps({"error": "BadRequest", "status": 400, "message": MESSAGE, "hint": HINT}).encode()


class CorkedTransport:
    """A transport whose writes made in one turn of the event loop leave in one `send`.

    uvicorn writes a response's status line and headers, then its body, as two writes: two
    system calls, two TCP segments, and a client woken twice for one small answer. Here the
    writes of one turn are joined and written at the end of the turn (`call_soon`), so a small
    response leaves whole. A stream still flows: each chunk is written in the turn it was made.
    `close` writes what is pending first; everything else is the real transport's.
    """

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._pending: list[bytes] = []
        self._loop = asyncio.get_running_loop()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(bytes(data))

    def flush(self) -> None:
        if not self._pending:
            return
        data = self._pending[0] if len(self._pending) == 1 else b"".join(self._pending)
        self._pending = []
        if not self._transport.is_closing():
            self._transport.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._pending = []
        self._transport.abort()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(len(p) for p in self._pending)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


# mypy cannot check a base class chosen at import time (either of uvicorn's two protocols)
class JsonErrorProtocol(_Base):  # type: ignore[misc,valid-type]
    # uvicorn's own override narrows asyncio's BaseTransport to Transport (and ignores it the same way)
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        # CorkedTransport is a Transport by delegation (every other method is the real one's)
        super().connection_made(cast(asyncio.Transport, CorkedTransport(transport)))

    def send_400_response(self, msg: str) -> None:
        body = error_body()
        head = [b"HTTP/1.1 400 Bad Request\r\n"]
        for name, value in self.server_state.default_headers:
            head.append(name + b": " + value + b"\r\n")
        head += [b"content-type: application/json\r\n", b"content-length: " + str(len(body)).encode() + b"\r\n",
                 b"connection: close\r\n", b"\r\n"]
        self.transport.write(b"".join(head) + body)
        self.transport.close()
