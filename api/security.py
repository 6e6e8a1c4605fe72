"""Headers added to every answer as it leaves: security headers, a CSP on HTML pages, a write's id.

Every answer says `X-Content-Type-Options: nosniff` (a browser must not guess a script out of a
CSV) and `Referrer-Policy: strict-origin-when-cross-origin` (a page's query string never leaks
to another site). HTML pages get a Content-Security-Policy that lets scripts, styles, fonts and
everything else come from this origin only: the pages load `/static/` files and nothing inline,
and nothing from a CDN. `frame-ancestors 'self'` keeps the pages out of other sites' frames,
except the pages made to be framed elsewhere: the canned-query table (`?format=html`), the embeds
(`/embed/NAME?view=...`, api/routers/views.py) and the reconciliation preview OpenRefine shows.
Those mark themselves with `EMBEDDABLE` as their CSP.
`/docs` (Swagger UI, from `fastapi-offline`) starts the UI with an inline script it writes itself:
its page is read whole and that script's SHA-256 hash is added to `script-src`, so it alone runs.
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; font-src 'self'; img-src 'self' data:; "
           "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors ")
#: The CSP of HTML pages: everything from this origin only, framed only by this origin.
CSP = _POLICY + "'self'"
#: The CSP of pages meant to be framed on other sites (a route sets it; this middleware keeps it).
EMBEDDABLE = _POLICY + "*"
REFERRER_POLICY = "strict-origin-when-cross-origin"


def with_style_nonce(nonce: str, policy: str = CSP) -> str:
    """`policy` letting `<style>` elements carrying `nonce` apply: for the query page alone, whose
    editor (CodeMirror 6, through style-mod) writes its styles into such elements. The nonce is
    made per response, so no other `<style>`, and no `style=` attribute, is allowed.

    >>> with_style_nonce("abc").split(";")[2]
    " style-src 'self' 'nonce-abc'"
    """
    return policy.replace("style-src 'self'", f"style-src 'self' 'nonce-{nonce}'", 1)
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.S)
REQUEST_ID = b"x-request-id"
_CSP = CSP.encode()
_REFERRER_POLICY = REFERRER_POLICY.encode()


def with_inline_scripts(html: bytes, policy: str = CSP) -> str:
    """`policy` with the hashes of `html`'s inline scripts added to `script-src`.

    >>> with_inline_scripts(b"<script>go()</script>").split(";")[1]
    " script-src 'self' 'sha256-5KYv+PUboo5h+0+YAtGRPbwv5d/QxzHslP4YGnUaxRw='"
    """
    hashes = [f"'sha256-{base64.b64encode(hashlib.sha256(m).digest()).decode()}'"
              for m in _INLINE_SCRIPT.findall(html)]
    return policy.replace("script-src 'self'", " ".join(["script-src 'self'", *hashes]), 1)


class AnswerHeaders:
    """ASGI middleware adding the headers above, and a write's `X-Request-ID`, to every answer.

    The write dependency (`api.deps.write_access`) settles the request id (the client's, when
    well-formed, else a new UUID) and keeps it in the request's state; it is added here as the
    answer leaves, whatever route or error handler produced it, refusals included. The same id is
    in the server's log line of an update and in the journal entry of the write, so a client can
    quote it. A route's own CSP is kept.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})  # the routes' `request.state`, where the request id is kept

        if scope.get("path", "").startswith("/docs"):
            await self._swagger(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = _with_headers(scope, list(message.get("headers") or []), _CSP)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _swagger(self, scope: Scope, receive: Receive, send: Send) -> None:
        """/docs pages: read whole (a few KB), then sent with their inline script's hash."""
        start: Message | None = None
        body = bytearray()

        async def hold(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            body.extend(message.get("body", b""))
            if message.get("more_body") or start is None:
                return
            headers = [(n, v) for n, v in start.get("headers") or [] if n.lower() != b"content-security-policy"]
            headers = _with_headers(scope, headers, with_inline_scripts(bytes(body)).encode())
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": bytes(body)})

        await self.app(scope, receive, hold)


def _with_headers(scope: Scope, headers: list[tuple[bytes, bytes]], csp: bytes) -> list[tuple[bytes, bytes]]:
    """`headers` with the request's id (a write's), the two headers every answer gets, and `csp`
    when the answer is an HTML page without a CSP of its own."""
    request_id = scope["state"].get("request_id")
    if request_id:
        headers = [(n, v) for n, v in headers if n.lower() != REQUEST_ID]
        headers.append((REQUEST_ID, str(request_id).encode()))
    names = {name.lower() for name, _ in headers}
    headers += [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", _REFERRER_POLICY)]
    content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
    if content_type.startswith(b"text/html") and b"content-security-policy" not in names:
        headers.append((b"content-security-policy", csp))
    return headers
