"""The documented federated query is valid SPARQL and reads the links graph; it is never run
here (it calls the Wikidata Query Service), only parsed and its local part run."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
from rdflib.plugins.sparql import prepareQuery

EXAMPLE = Path(__file__).resolve().parents[4] / "docs" / "examples" / "wikidata-federated.rq"


def test_the_federated_example_parses() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    prepareQuery(text)  # raises on a syntax error; parsing does not touch the network
    assert "SERVICE <https://query.wikidata.org/sparql>" in text


def test_its_local_part_finds_the_links(memory_store: ox.Store) -> None:
    """The query without its SERVICE block, on the built graph: one row per linked entity."""
    text = EXAMPLE.read_text(encoding="utf-8")
    local = re.sub(r"SERVICE <[^>]+> \{.*?\n  \}\n", "", text, flags=re.S)
    assert "SERVICE" not in local.split("SELECT", 1)[1]
    rows = list(memory_store.query(local, use_default_graph_as_union=True))  # type: ignore[union-attr]
    found = {(r["label"].value, r["item"].value.rsplit("/", 1)[1]) for r in rows}
    assert ("El Salvador", "Q792") in found and ("Legislative Assembly", "Q1812873") in found
    assert "Q3110" not in {qid for _label, qid in found}  # the city: no entity of ours is it
    assert all(qid.startswith("Q") for _label, qid in found)
