"""Published queries are a contract: their names and parameters never change.

`published.json` pins them. A new query is added to it on purpose; a changed query gets a new
name (e.g. quotes-by-speaker-v2) and the old one stays, so that no embedded URL ever breaks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kg import canned

GOLDEN = Path(__file__).with_name("published.json")


def contract(q: canned.CannedQuery) -> list[dict[str, Any]]:
    return [{"name": p.name, "type": p.type.value, "required": p.required, "default": p.default,
             "values": list(p.values)} for p in q.params]


def test_published_names_and_parameters_never_change(catalog: canned.QueryCatalog) -> None:
    golden: dict[str, list[dict[str, Any]]] = json.loads(GOLDEN.read_text(encoding="utf-8"))
    for name, params in golden.items():
        assert name in catalog.queries, f"published query {name!r} was removed or renamed: restore it"
        assert contract(catalog.get(name)) == params, (
            f"the parameters of published query {name!r} changed: publish the change under a new name")
    new = sorted(set(catalog.queries) - set(golden))
    assert not new, f"new queries {new}: add them to {GOLDEN.name} to publish them"
