"""`X-Request-ID` echoed on every answer to a write, the refusals included, as pure ASGI middleware.

The write dependency (`api.deps.write_access`) settles the id (the client's, when well-formed,
else a new UUID) and keeps it in the request's state; this middleware adds it to the response
headers as they leave, whatever route or error handler produced them. The same id is in the
server's log line of an update and in the journal entry of the write, so a client can quote it.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = b"x-request-id"


class RequestIdEcho:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})

        async def echoing_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                request_id = scope["state"].get("request_id")
                if request_id:
                    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != HEADER]
                    message = {**message, "headers": [*headers, (HEADER, str(request_id).encode())]}
            await send(message)

        await self.app(scope, receive, echoing_send)
