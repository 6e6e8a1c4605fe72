"""Headless Chromium for the page tests: Debian's browser through Playwright, never a download,
and never a request off the machine (any request to another origin fails the test).

One Chromium per xdist worker serves a run of consecutive browser tests (the `browser` fixture in
tests/conftest.py): starting Playwright's driver and Chromium costs seconds, a fresh context per
page costs milliseconds, and a context shares no cookies, storage or cache with another.
Playwright's sync API keeps its asyncio loop marked as running while it is open, so
`asyncio.run()` would fail in a test that follows; tests/conftest.py closes the shared browser
before any test that does not ask for it, in another module."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@contextlib.contextmanager
def launched_browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make system-packages)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


class SharedBrowser:
    """The worker's Chromium, launched on first use and closed on request (see the module doc)."""

    def __init__(self) -> None:
        self._stack: contextlib.ExitStack | None = None
        self._browser: Any = None
        self.launches = 0

    def get(self) -> Any:
        if self._browser is None or not self._browser.is_connected():
            self.close()
            stack = contextlib.ExitStack()
            self._browser = stack.enter_context(launched_browser())
            self._stack = stack
            self.launches += 1
        return self._browser

    def close(self) -> None:
        stack, self._stack, self._browser = self._stack, None, None
        if stack is not None:
            stack.close()


SHARED = SharedBrowser()


@contextlib.contextmanager
def loopback_page(browser: Any, *origins: str, **context_options: Any) -> Iterator[Any]:
    """A page whose requests may reach only `origins`; anything else is aborted and fails the test."""
    context = browser.new_context(**context_options)
    outside: list[str] = []

    def only_origins(route: Any) -> None:
        if route.request.url.startswith(origins):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_origins)
    try:
        yield context.new_page()
    finally:
        context.close()
    assert not outside, f"the page tried to reach {outside}"
