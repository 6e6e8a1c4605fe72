"""Every test here records `kg link`'s accepted rows in a temporary copy of sources/reviewed-links.csv:
the repository's file is never written by a test, even by one that forgets `--reviewed-links`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.build import links
from kg.linking import review as link_review


@pytest.fixture(autouse=True)
def reviewed_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary copy of the reviewed-links file, made the default of `kg link`."""
    copy = tmp_path / "reviewed-links.csv"
    shutil.copyfile(links.REVIEWED_LINKS_FILE, copy)
    monkeypatch.setattr(link_review, "REVIEWED_LINKS_FILE", copy)
    return copy


ID = "https://w3id.org/tregua/id/"
WIKIDATA_GRAPH = ox.NamedNode("https://w3id.org/tregua/graph/wikidata")
EXACT_MATCH = ox.NamedNode("http://www.w3.org/2004/02/skos/core#exactMatch")
LINK_STATUS = ox.NamedNode("https://w3id.org/tregua/ontology#linkStatus")
NOT_LINKED = ox.NamedNode("https://w3id.org/tregua/ontology#notLinked")
EL_SALVADOR = ox.NamedNode(ID + "place/el-salvador")
Q792 = ox.NamedNode("http://www.wikidata.org/entity/Q792")


def unlink(store: ox.Store) -> None:
    """Undo the checked link of El Salvador, as if its reference row had not been mapped yet."""
    assert ox.Quad(EL_SALVADOR, EXACT_MATCH, Q792, WIKIDATA_GRAPH) in store
    store.remove(ox.Quad(EL_SALVADOR, EXACT_MATCH, Q792, WIKIDATA_GRAPH))
    store.add(ox.Quad(EL_SALVADOR, LINK_STATUS, NOT_LINKED, WIKIDATA_GRAPH))


@pytest.fixture
def store_copy(built_store: Path, tmp_path: Path) -> Path:
    path = tmp_path / "store"
    shutil.copytree(built_store, path)
    store = ox.Store(str(path))
    unlink(store)
    store.flush()
    del store
    return path
