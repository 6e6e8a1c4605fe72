"""The zygote the crash tests fork their servers from (tests/kg/journal/preforked.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.kg.journal.preforked import Zygote


@pytest.fixture(scope="session")
def zygote(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Zygote]:
    forks = Zygote(built_store, tmp_path_factory.mktemp("zygote"))
    yield forks
    forks.close()
