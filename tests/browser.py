"""Headless Chromium for the page tests: Debian's browser through Playwright, never a download,
and never a request off the machine (any request to another origin fails the test)."""

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
