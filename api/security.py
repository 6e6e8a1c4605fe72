"""Security headers on every answer, and a Content-Security-Policy on HTML pages.

Every answer says `X-Content-Type-Options: nosniff` (a browser must not guess a script out of a
CSV) and `Referrer-Policy: strict-origin-when-cross-origin` (a page's query string never leaks
to another site). HTML pages get a Content-Security-Policy that lets scripts, styles, fonts and
everything else come from this origin only: the pages load `/static/` files and nothing inline,
and nothing from a CDN. `frame-ancestors 'self'` keeps the pages out of other sites' frames,
except the two pages made to be framed elsewhere: the canned-query table (`?format=html`) and the
reconciliation preview OpenRefine shows. Those mark themselves with `EMBEDDABLE` as their CSP.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; font-src 'self'; img-src 'self' data:; "
           "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors ")
#: The CSP of HTML pages: everything from this origin only, framed only by this origin.
CSP = _POLICY + "'self'"
#: The CSP of pages meant to be framed on other sites (a route sets it; this middleware keeps it).
EMBEDDABLE = _POLICY + "*"
REFERRER_POLICY = "strict-origin-when-cross-origin"


class SecurityHeaders:
    """ASGI middleware adding the headers above (a route's own CSP is kept)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                names = {name.lower() for name, _ in headers}
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", REFERRER_POLICY.encode()))
                content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
                if content_type.startswith(b"text/html") and b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", CSP.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
