"""Every test here records `kg link`'s accepted rows in a temporary copy of kg/sources/reviewed-links.csv:
the repository's file is never written by a test, even by one that forgets `--reviewed-links`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg import link_review, links


@pytest.fixture(autouse=True)
def reviewed_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary copy of the reviewed-links file, made the default of `kg link`."""
    copy = tmp_path / "reviewed-links.csv"
    shutil.copyfile(links.REVIEWED_LINKS_FILE, copy)
    monkeypatch.setattr(link_review, "REVIEWED_LINKS_FILE", copy)
    return copy
