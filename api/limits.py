"""The request-size limit (413), as pure ASGI middleware so that it holds for every route.

It refuses early on a too-large Content-Length, and also counts the bytes of bodies sent without
one (chunked uploads), so no route ever reads more than the limit into memory.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class _TooLarge(Exception):
    pass


class RequestSizeLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self._refuse(send, int(length))
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(send, seen)

    async def _refuse(self, send: Send, size: int) -> None:
        body: dict[str, Any] = {
            "error": "HTTPError", "status": 413,
            "message": f"the request body ({size} bytes or more) is larger than the limit "
                       f"of {self.max_bytes} bytes",
            "hint": "send less at once (split the update or the upload), or raise KG_MAX_REQUEST_BYTES",
        }
        data = json.dumps(body).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(data)).encode()), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": data})
