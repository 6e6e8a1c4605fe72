"""The single read-write handle (`kg.store.writer_handle`) on a real on-disk store."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import errors
from kg.store.writer_handle import SingleWriter

QUAD = ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"), ox.Literal("o"),
               ox.DefaultGraph())


@pytest.fixture()
def writer(tmp_path: Path) -> SingleWriter:
    path = tmp_path / "store"
    store = ox.Store(str(path))
    store.flush()
    del store
    return SingleWriter(path)


def test_the_handle_is_opened_once_and_refused_after_its_block(writer: SingleWriter) -> None:
    assert writer.store is None
    with writer.writing() as handle:
        handle.add(QUAD)
    opened = writer.store
    assert opened is not None
    with pytest.raises(errors.StoreUnavailable):
        handle.add(QUAD)
    with writer.writing() as again:
        assert list(again.quads_for_pattern(None, None, None)) == [QUAD]
    assert writer.store is opened


def test_before_the_first_write_reading_is_read_only(writer: SingleWriter) -> None:
    with writer.reading() as store, pytest.raises(RuntimeError, match="read-write"):
        store.add(QUAD)
    writer.open()
    with writer.reading() as store:
        assert store is writer.store


def test_a_failed_write_closes_the_handle(writer: SingleWriter) -> None:
    with pytest.raises(RuntimeError), writer.writing() as handle:
        handle.add(QUAD)
        raise RuntimeError("the disk is full")
    assert writer.store is None
    writer.close()
