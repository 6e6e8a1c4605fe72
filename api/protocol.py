"""The HTTP/1.1 protocol under uvicorn, with its one plain-text answer turned into our JSON error.

A request the HTTP parser cannot read never reaches the app: uvicorn answers it itself with a
plain-text "Invalid HTTP request received.". The usual cause is a URL holding raw bytes that
HTTP does not allow (UTF-8 typed into a URL bar by a tool that does not percent-encode, a space).
Every other error of the service is JSON with a message and a hint, so this one is too: the
protocol class is uvicorn's own (httptools when installed, else h11) with only that answer changed.
Used by `kg serve` (`uvicorn.run(..., http=JsonErrorProtocol)`).
"""

from __future__ import annotations

import json

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


# mypy cannot check a base class chosen at import time (either of uvicorn's two protocols)
class JsonErrorProtocol(_Base):  # type: ignore[misc,valid-type]
    def send_400_response(self, msg: str) -> None:
        body = error_body()
        head = [b"HTTP/1.1 400 Bad Request\r\n"]
        for name, value in self.server_state.default_headers:
            head.append(name + b": " + value + b"\r\n")
        head += [b"content-type: application/json\r\n", b"content-length: " + str(len(body)).encode() + b"\r\n",
                 b"connection: close\r\n", b"\r\n"]
        self.transport.write(b"".join(head) + body)
        self.transport.close()
