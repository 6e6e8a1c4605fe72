"""A streamed response that always ends its source, however the response ends.

A streamed query result holds a query worker until it is read to its end or closed
(`kg.store.workers._Stream`). Starlette's `StreamingResponse` does neither when the client goes
away partway (a dropped download, `curl … | head -c 10`): it cancels the copy and forgets the
iterator, so the worker stayed taken until a restart, and a few such clients made every query
wait for a worker that never came. `ClosingStreamingResponse` calls the source's `close()` once
the response is over, whether it was sent whole, cut short, or failed; closing a stream that
was read to its end does nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send


class ClosingStreamingResponse(StreamingResponse):
    """`StreamingResponse` that calls `close` (the worker-holding source's) when it ends.

    >>> closed = []
    >>> r = ClosingStreamingResponse(iter([b"x"]), close=lambda: closed.append(True))
    >>> r.close_source is not None
    True
    """

    def __init__(self, content: Iterable[bytes], *, close: Callable[[], None] | None, status_code: int = 200,
                 headers: Mapping[str, str] | None = None, media_type: str | None = None) -> None:
        super().__init__(content, status_code=status_code, headers=headers, media_type=media_type)
        self.close_source = close

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            if self.close_source is not None:
                # Ends the worker if the stream stopped short (kill + join: off the event loop).
                await run_in_threadpool(self.close_source)
