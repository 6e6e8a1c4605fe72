"""HEAD wherever GET is answered: pure ASGI, in front of every route and short path.

Monitors and link checkers send HEAD; answering it route by route left most routes with a 405
and gave the OpenAPI document a second operation (same id) for each route that did. Here a
HEAD request runs as the GET it mirrors, so its status and headers (Content-Type, ETag,
Content-Length where the GET knows it, Link, Vary) are the GET's own, and its body is dropped.
A handler that can answer HEAD without computing the body may ask `is_head(request)`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Set in the scope of a HEAD request that runs as a GET.
HEAD_KEY = "tregua.head"


def is_head(request: Request) -> bool:
    """Whether this GET is really a HEAD (its body will be dropped)."""
    return bool(request.scope.get(HEAD_KEY))


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "HEAD":
            await self.app(scope, receive, send)
            return
        finished = False

        async def without_body(message: Message) -> None:
            nonlocal finished
            if message["type"] == "http.response.start":
                await send(message)
            elif message["type"] == "http.response.body" and not finished:
                # A streamed GET is read to its end (its query worker returns to the pool),
                # but nothing of it is sent.
                if not message.get("more_body", False):
                    finished = True
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
            else:
                await send(message)

        await self.app({**scope, "method": "GET", HEAD_KEY: True}, receive, without_body)
