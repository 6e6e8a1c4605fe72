"""Published queries are a contract: no embedded URL may ever break.

`published.json` pins each published query's parameters. A new query is added to it on purpose;
a changed parameter gets the query a new name (e.g. quotes-by-speaker-v2) and the old one stays.
The one change an existing URL cannot notice is a new *optional* parameter *with a default*
(the `lang` of the labels): it may be added, recorded in `published.json` with `"added": true`.
So the contract fails on a removed or renamed parameter, a changed type, default or list of
values, a parameter not recorded, and an added one that is required or has no default. The
first-published parameters (every entry without `"added"`) are pinned by `BASELINE`, so that a
new required parameter cannot be slipped in by recording it as if it had always been there.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from kg import canned
from kg.canned import Parameter, ParamType

GOLDEN = Path(__file__).with_name("published.json")
#: sha256 of the first-published parameters (`baseline`); change it only when publishing a new query.
BASELINE = "d1cab7b6ac8b99cd3feef8248d7ddd75f1356555ad917dea665ceb62fe1b3bca"

Golden = dict[str, list[dict[str, Any]]]


def contract(q: canned.CannedQuery) -> list[dict[str, Any]]:
    return [{"name": p.name, "type": p.type.value, "required": p.required, "default": p.default,
             "values": list(p.values)} for p in q.params]


def baseline(golden: Golden) -> str:
    """The digest of the parameters each query was first published with (entries not `added`)."""
    first = {name: [e for e in entries if not e.get("added")] for name, entries in sorted(golden.items())}
    return hashlib.sha256(json.dumps(first, sort_keys=True).encode()).hexdigest()


def violations(queries: Mapping[str, canned.CannedQuery], golden: Golden) -> list[str]:
    """What breaks the contract, one sentence each (the fix included); [] when it holds."""
    out: list[str] = []
    for name, entries in golden.items():
        if name not in queries:
            out.append(f"published query {name!r} was removed or renamed: restore it")
            continue
        now = {p["name"]: p for p in contract(queries[name])}
        for entry in entries:
            pinned = {k: v for k, v in entry.items() if k != "added"}
            pname = pinned["name"]
            if pname not in now:
                out.append(f"parameter {pname!r} of published query {name!r} was removed or renamed: "
                           "restore it (publish the change under a new query name)")
            elif now[pname] != pinned:
                out.append(f"parameter {pname!r} of published query {name!r} changed from {pinned} to "
                           f"{now[pname]}: restore it (publish the change under a new query name)")
            if entry.get("added") and (pinned["required"] or pinned["default"] is None):
                out.append(f"parameter {pname!r} added to published query {name!r} must be optional with a "
                           "default, so that the URLs already embedded keep their answer")
        recorded = {e["name"] for e in entries}
        for pname in now.keys() - recorded:
            p = now[pname]
            fix = ('record it in published.json with "added": true' if not p["required"] and p["default"] is not None
                   else "only an optional parameter with a default may be added: make it one, or publish the "
                        "query under a new name")
            out.append(f"published query {name!r} has a new parameter {pname!r}: {fix}")
    new = sorted(set(queries) - set(golden))
    if new:
        out.append(f"new queries {new}: add them to {GOLDEN.name} to publish them")
    return out


def golden() -> Golden:
    data: Golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    return data


def test_published_names_and_parameters_never_change(catalog: canned.QueryCatalog) -> None:
    assert violations(catalog.queries, golden()) == []


def test_the_first_published_parameters_are_pinned() -> None:
    assert baseline(golden()) == BASELINE, (
        f"the first-published parameters in {GOLDEN.name} changed: restore them (a parameter added later "
        f'is recorded with "added": true). Publishing a new query changes them: then set BASELINE to '
        f"{baseline(golden())!r}")


def test_every_label_query_has_the_added_lang_parameter(catalog: canned.QueryCatalog) -> None:
    """Every published query gets `lang` (en|es, default en), first-published or added."""
    for name, entries in golden().items():
        lang = next((e for e in entries if e["name"] == "lang"), None)
        assert lang is not None, f"{name}: no lang parameter recorded"
        assert {k: v for k, v in lang.items() if k != "added"} == {
            "name": "lang", "type": "enum", "required": False, "default": "en", "values": ["en", "es"]}, name


def _with(q: canned.CannedQuery, params: list[Parameter]) -> dict[str, canned.CannedQuery]:
    return {q.name: dataclasses.replace(q, params=params)}


def _param(name: str, **changes: Any) -> Parameter:
    return dataclasses.replace(Parameter(name=name, variable=name, type=ParamType.STRING, example="x"), **changes)


def test_an_optional_parameter_with_a_default_may_be_added_when_recorded(catalog: canned.QueryCatalog) -> None:
    q = catalog.get("quotes-by-speaker")
    entries = golden()[q.name]
    extra = _param("tone", default="plain")
    record = {"name": "tone", "type": "string", "required": False, "default": "plain", "values": [], "added": True}
    assert violations(_with(q, [*q.params, extra]), {q.name: [*entries, record]}) == []
    # not recorded: named, with the fix
    assert violations(_with(q, [*q.params, extra]), {q.name: entries}) == [
        "published query 'quotes-by-speaker' has a new parameter 'tone': "
        'record it in published.json with "added": true']


@pytest.mark.parametrize(("case", "change", "message"), [
    ("removed", lambda ps: [p for p in ps if p.name != "speaker"], "'speaker' of published query "
     "'quotes-by-speaker' was removed or renamed"),
    ("renamed", lambda ps: [dataclasses.replace(p, name="who") if p.name == "speaker" else p for p in ps],
     "'speaker' of published query 'quotes-by-speaker' was removed or renamed"),
    ("type changed", lambda ps: [dataclasses.replace(p, type=ParamType.STRING) if p.name == "speaker" else p
                                 for p in ps], "'speaker' of published query 'quotes-by-speaker' changed"),
    ("default changed", lambda ps: [dataclasses.replace(p, default="es") if p.name == "lang" else p for p in ps],
     "'lang' of published query 'quotes-by-speaker' changed"),
    ("values changed", lambda ps: [dataclasses.replace(p, values=("en", "es", "fr")) if p.name == "lang" else p
                                   for p in ps], "'lang' of published query 'quotes-by-speaker' changed"),
    ("new required", lambda ps: [*ps, _param("tone", required=True)],
     "new parameter 'tone': only an optional parameter with a default may be added"),
    ("new without default", lambda ps: [*ps, _param("tone")],
     "new parameter 'tone': only an optional parameter with a default may be added"),
])
def test_the_contract_fails_on_every_breaking_change(catalog: canned.QueryCatalog, case: str, change: Any,
                                                     message: str) -> None:
    q = catalog.get("quotes-by-speaker")
    found = violations(_with(q, change(list(q.params))), {q.name: golden()[q.name]})
    assert any(message in v for v in found), (case, found)


def test_a_required_parameter_recorded_as_added_still_fails(catalog: canned.QueryCatalog) -> None:
    q = catalog.get("quotes-by-speaker")
    entries = golden()[q.name]
    record = {"name": "tone", "type": "string", "required": True, "default": None, "values": [], "added": True}
    assert violations(_with(q, [*q.params, _param("tone", required=True)]), {q.name: [*entries, record]}) == [
        "parameter 'tone' added to published query 'quotes-by-speaker' must be optional with a default, "
        "so that the URLs already embedded keep their answer"]


def test_recording_a_new_parameter_as_first_published_changes_the_baseline() -> None:
    data = golden()
    data["quotes-by-speaker"] = [*data["quotes-by-speaker"], {"name": "tone", "type": "string", "required": True,
                                                              "default": None, "values": []}]
    assert baseline(data) != BASELINE
    marked = golden()
    for entry in marked["quotes-by-speaker"]:
        entry.pop("added", None)  # passing lang off as first-published is caught too
    assert baseline(marked) != baseline(golden())


def test_a_removed_query_fails(catalog: canned.QueryCatalog) -> None:
    queries = dict(catalog.queries)
    del queries["positions"]
    assert violations(queries, golden()) == ["published query 'positions' was removed or renamed: restore it"]
