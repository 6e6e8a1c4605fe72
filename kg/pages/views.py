"""Canned answers shaped for pictures: timeline items, a network drawn in camps, a bar chart.

A table answers "which rows"; a reader who wants to *see* the debate needs the same rows put on a
time axis, in a network whose camps (rejects / does not rule out / conditional / favourable /
sceptical) show at a glance, or as bars. The shaping lives here, once, so that the `/timeline`
and `/network` pages, every embed (`/embed/NAME?view=...`) and any other front end draw the same
thing; the browser only draws (vis-timeline, Cytoscape.js, ECharts, bundled from web/src).

Everything takes the rows of a canned query (`kg.canned`), so the pictures grow with the graph:
a new source's events and statements appear without touching this module. Which views a query
supports is read from its columns and values (`views_of`), never from a list of query names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pyoxigraph as ox

from kg.canned import json_value, plain_value
from kg.errors import ParameterError

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Row = Mapping[str, Term]
Href = Callable[[str], str]

#: Every view of a canned answer, in the order a menu lists them; `table` fits every answer.
VIEWS: tuple[str, ...] = ("table", "timeline", "network", "chart")
#: The stance values as camps, left to right: from rejection to favour, doubt last.
CAMPS: tuple[str, ...] = ("reject", "notRuledOut", "conditional", "favourable", "sceptical")
#: Columns that date a row, first match wins.
DATE_COLUMNS: tuple[str, ...] = ("start", "date")
_LABEL_COLUMNS = ("label", "name", "actor_name", "requirement", "stance")
_DATE = re.compile(r"^(-?\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")


def _same(text: str) -> str:
    return text


def when(text: str) -> tuple[str, str | None] | None:
    """The first day of a date at its precision, and the day after its end when it is not a day.

    A year stays a year and a month a month (the graph never invents a day): on a time axis they
    are drawn as spans, a day as a point.

    >>> when("2016-05-03")
    ('2016-05-03', None)
    >>> when("2016-04")
    ('2016-04-01', '2016-05-01')
    >>> when("2016-12")
    ('2016-12-01', '2017-01-01')
    >>> when("2014")
    ('2014-01-01', '2015-01-01')
    >>> when("soon") is None
    True
    """
    m = _DATE.match(text.strip())
    if m is None:
        return None
    year, month, day = m.group(1), m.group(2), m.group(3)
    if day:
        return f"{year}-{month}-{day}", None
    if month:
        nxt = (int(year) + 1, 1) if month == "12" else (int(year), int(month) + 1)
        return f"{year}-{month}-01", f"{nxt[0]:04d}-{nxt[1]:02d}-01"
    return f"{year}-01-01", f"{int(year) + 1:04d}-01-01"


def _text(row: Row, column: str | None) -> str:
    return plain_value(row.get(column)) if column else ""


def _iri_columns(variables: Sequence[str], rows: Sequence[Row]) -> list[str]:
    """Columns that hold IRIs in some row, in column order."""
    return [v for v in variables if any(isinstance(r.get(v), ox.NamedNode) for r in rows)]


def _numeric_columns(variables: Sequence[str], rows: Sequence[Row]) -> list[str]:
    """Columns whose every bound value is a number (counts, weights)."""
    found = []
    for v in variables:
        values = [json_value(r[v]) for r in rows if v in r]
        if values and all(isinstance(x, int | float) and not isinstance(x, bool) for x in values):
            found.append(v)
    return found


def _label_column(variables: Sequence[str], rows: Sequence[Row]) -> str | None:
    """The column that names a row: a known name column, else the first plain-text one."""
    for name in _LABEL_COLUMNS:
        if name in variables:
            return name
    skip = set(_iri_columns(variables, rows)) | set(_numeric_columns(variables, rows)) | set(DATE_COLUMNS)
    return next((v for v in variables if v not in skip), None)


def is_stance_network(variables: Sequence[str]) -> bool:
    """The columns of a stance network (`stance-network`): drawn in camps rather than as edges.

    >>> is_stance_network(["actor", "actor_name", "value", "stance", "condition"])
    True
    >>> is_stance_network(["responder_name", "answered_name"])
    False
    """
    return {"actor", "actor_name", "value"} <= set(variables)


def views_of(variables: Sequence[str], rows: Sequence[Row]) -> tuple[str, ...]:
    """The views that can draw this answer: a timeline needs a date column, a network either a
    stance network's columns or two columns of IRIs (source, target), a chart a number and a name.

    >>> views_of(["stance", "actors"], [{"stance": ox.Literal("rejects"), "actors": ox.Literal("4",
    ...     datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))}])
    ('table', 'chart')
    >>> views_of(["event", "name", "start"], [])
    ('table', 'timeline')
    """
    found = ["table"]
    if any(c in variables for c in DATE_COLUMNS):
        found.append("timeline")
    if is_stance_network(variables) or len(_iri_columns(variables, rows)) >= 2:
        found.append("network")
    if _numeric_columns(variables, rows) and _label_column(variables, rows):
        found.append("chart")
    return tuple(found)


def _split(text: str, sep: str) -> list[str]:
    return [part.strip() for part in text.split(sep) if part.strip()]


def stances_on(text: str) -> list[dict[str, str]]:
    """The `stances_on` column of `timeline-items`: each stance with the issue it is on.

    >>> stances_on("favourable https://w3id.org/i/repression repressing the gangs; reject https://w3id.org/i/n ")
    [{'value': 'favourable', 'issue': 'https://w3id.org/i/repression', 'issue_name': 'repressing the gangs'}, \
{'value': 'reject', 'issue': 'https://w3id.org/i/n', 'issue_name': ''}]
    """
    found = []
    for entry in text.split("; "):
        value, _, rest = entry.strip().partition(" ")
        issue, _, name = rest.partition(" ")
        if value:
            found.append({"value": value, "issue": issue, "issue_name": name.strip()})
    return found


def timeline_items(variables: Sequence[str], rows: Sequence[Row], href: Href = _same,
                   issue: str | None = None, labels: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """One item per dated row, for vis-timeline: where it starts, its end when the row has one
    (`end`: drawn as a span), the end of its date's precision (`until`: a month's statement runs
    to the month's end), its label, its link, and what the filters need (`actors`, `stances`, `kind`).

    Rows with no date are left out (a time axis has no place for them; the table keeps them).
    The columns of `timeline-items` are used when present (`item`, `kind`, `label`, `actors`,
    `actor_names`, `stances`, `stances_on`); any other dated answer gets its first IRI as the link and its
    name column as the label. With `issue`, `stances` (what colours and filters an item) keeps
    the stances on that issue only, so that favouring repression never reads as favouring
    negotiation; `stance_notes` names every stance with its issue (`text`: "favourable — repressing the
    gangs", the stance in its `labels`, value -> label in the page's language) and says whether it
    is on `issue` (`on_issue`).

    >>> row = {"item": ox.NamedNode("https://w3id.org/tregua/id/event/gang-truce-2012"),
    ...        "kind": ox.Literal("event"), "label": ox.Literal("2012 gang truce"),
    ...        "start": ox.Literal("2012-03-09"), "end": ox.Literal("2014-05-26"),
    ...        "actors": ox.Literal("https://w3id.org/tregua/id/organization/ms13"),
    ...        "actor_names": ox.Literal("MS13")}
    >>> item = timeline_items(list(row), [row, {"label": ox.Literal("undated")}])[0]
    >>> item["start"], item["end"], item["date"], item["kind"], item["actors"]
    ('2012-03-09', '2014-05-26', '2012-03-09 – 2014-05-26', 'event', ['https://w3id.org/tregua/id/organization/ms13'])
    >>> month = {"kind": ox.Literal("statement"), "start": ox.Literal("2017-01"), "label": ox.Literal("said")}
    >>> [(i["start"], i["end"], i["until"]) for i in timeline_items(list(month), [month])]
    [('2017-01-01', None, '2017-02-01')]
    """
    date_col = next((c for c in DATE_COLUMNS if c in variables), None)
    if date_col is None:
        return []
    iris = _iri_columns(variables, rows)
    link_col = "item" if "item" in variables else (iris[0] if iris else None)
    label_col = _label_column(variables, rows)
    items = []
    for index, row in enumerate(rows):
        span = when(_text(row, date_col))
        if span is None:
            continue
        start, until = span
        end_text = _text(row, "end") if "end" in variables else ""
        end_span = when(end_text) if end_text else None
        end = (end_span[1] or end_span[0]) if end_span is not None else None
        date = _text(row, date_col) + (f" – {end_text}" if end_text else "")
        link = _text(row, link_col)
        kind = _text(row, "kind") or "row"
        actors = _split(_text(row, "actors"), " ") or ([_text(row, "actor")] if _text(row, "actor") else [])
        speaker = _text(row, "actor_names") if kind == "statement" else ""
        label = _text(row, label_col)
        on = stances_on(_text(row, "stances_on"))
        stances = _split(_text(row, "stances"), " ") or _split(_text(row, "value"), " ")
        if issue and on:
            stances = list(dict.fromkeys(s["value"] for s in on if s["issue"] == issue))
        words = labels or {}
        notes = [{"value": s["value"], "on_issue": bool(issue) and s["issue"] == issue,
                  "text": words.get(s["value"], s["value"]) + (f" — {s['issue_name']}" if s["issue_name"] else "")}
                 for s in on]
        items.append({
            "id": index,
            "kind": kind,
            "label": label,
            "speaker": speaker,
            "type": _text(row, "type"),
            "start": start,
            "end": end,
            "until": end or until,
            "date": date,
            "href": href(link) if link else "",
            "actors": actors,
            "actor_names": _split(_text(row, "actor_names"), ";"),
            "stances": stances,
            "stance_notes": notes,
        })
    return items


def timeline_filters(items: Sequence[Mapping[str, Any]], stance_labels: Mapping[str, str]) -> dict[str, Any]:
    """The choices of the timeline's filters: every actor who speaks (by name), every stance shown.

    >>> found = timeline_filters(
    ...     [{"kind": "statement", "actors": ["a"], "actor_names": ["Ann"], "stances": ["reject"]},
    ...      {"kind": "event", "actors": ["b"], "actor_names": ["Bo"], "stances": []}], {"reject": "rejects"})
    >>> found["actors"]
    [{'iri': 'a', 'name': 'Ann'}, {'iri': 'b', 'name': 'Bo'}]
    >>> found["stances"]
    [{'value': 'reject', 'label': 'rejects'}]
    """
    actors: dict[str, str] = {}
    stances: list[str] = []
    for item in items:
        for iri, name in zip(item["actors"], item["actor_names"], strict=False):
            actors.setdefault(iri, name)
        for s in item["stances"]:
            if s not in stances:
                stances.append(s)
    ordered = sorted(stances, key=lambda s: (CAMPS.index(s) if s in CAMPS else len(CAMPS), s))
    return {
        "actors": [{"iri": iri, "name": name} for iri, name in sorted(actors.items(), key=lambda a: a[1].lower())],
        "stances": [{"value": s, "label": stance_labels.get(s, s)} for s in ordered],
    }


#: The timeline's own filters (not the canned query's parameters): `/timeline`, its embed and its snippet.
TIMELINE_FILTERS: tuple[str, ...] = ("actor", "stance", "events")


def keep(item: Mapping[str, Any], actor: str = "", stance: str = "", events: bool = True) -> bool:
    """Whether a timeline filter keeps an item; the server's twin of `keep` in web/src/_timeline.js.

    Events show when events are shown and no stance is asked (events have none), and when the
    actor took part; statements when by the actor and with the stance.

    >>> event = {"kind": "event", "actors": ["a"], "stances": []}
    >>> said = {"kind": "statement", "actors": ["a"], "stances": ["reject"]}
    >>> [keep(event), keep(event, stance="reject"), keep(said, "a", "reject"), keep(said, "b")]
    [True, False, True, False]
    """
    if item["kind"] == "event":
        if not events or stance:
            return False
        return not actor or actor in item["actors"]
    if actor and actor not in item["actors"]:
        return False
    return not stance or stance in item["stances"]


def filter_timeline(items: Sequence[Mapping[str, Any]], filters: Mapping[str, Any],
                    params: Sequence[tuple[str, str]]) -> list[Mapping[str, Any]]:
    """The items a URL's filters keep (`actor=IRI`, `stance=VALUE`, `events=off`), after checking
    them against the choices `timeline_filters` offers: an unknown stance or actor is a 400 that
    names the known ones, never a silently empty timeline.

    >>> items = [{"kind": "statement", "actors": ["a"], "actor_names": ["Ann"], "stances": ["reject"]}]
    >>> len(filter_timeline(items, timeline_filters(items, {}), [("stance", "reject")]))
    1
    >>> filter_timeline(items, timeline_filters(items, {}), [("stance", "bogus")])
    Traceback (most recent call last):
    ...
    kg.errors.ParameterError: unknown stance 'bogus' (expected one of reject, e.g. stance=reject)
    """
    asked = dict(params)
    actor, stance = asked.get("actor", ""), asked.get("stance", "")
    stances = [s["value"] for s in filters["stances"]]
    if stance and stance not in stances:
        raise ParameterError("stance", f"unknown stance {stance!r}", expected="one of " + ", ".join(stances),
                             example=f"stance={stances[0] if stances else 'reject'}")
    actors = [a["iri"] for a in filters["actors"]]
    if actor and actor not in actors:
        raise ParameterError("actor", f"no item on the timeline by {actor!r}",
                             expected="the IRI of an actor on the timeline, e.g. " + ", ".join(actors[:3]),
                             example=f"actor={actors[0] if actors else ''}")
    if asked.get("events", "on") not in ("on", "off"):
        raise ParameterError("events", f"events must be on or off, not {asked['events']!r}", expected="on or off",
                             example="events=off")
    return [i for i in items if keep(i, actor, stance, asked.get("events", "on") != "off")]


def camps(rows: Sequence[Row], href: Href = _same, issue: str | None = None) -> list[dict[str, Any]]:
    """The stance network's rows as camps: for each stance value, in `CAMPS` order, its label and
    the actors in it, each with the conditions they set and who reported them.

    One actor may stand in several camps (Gallegos does not rule negotiation out, sets three
    conditions and doubts it will happen). `issue` keeps one issue's stances (its IRI).

    >>> rows = [{"actor": ox.NamedNode("https://w3id.org/tregua/id/person/guillermo-gallegos"),
    ...          "actor_name": ox.Literal("Guillermo Gallegos"), "value": ox.Literal("conditional"),
    ...          "stance": ox.Literal("conditional"), "requirement": ox.Literal(req),
    ...          "condition": ox.NamedNode("https://w3id.org/tregua/id/condition/" + str(n)),
    ...          "required_of_name": ox.Literal("MS13"), "reporter_names": ox.Literal("InSight Crime"),
    ...          "reporters": ox.Literal("https://w3id.org/tregua/id/organization/insightcrime")}
    ...         for n, req in enumerate(["hand over weapons", "leaders into the open", "abandon violence"])]
    >>> [(c["value"], [(a["name"], len(a["conditions"])) for a in c["actors"]]) for c in camps(rows)]
    [('conditional', [('Guillermo Gallegos', 3)])]
    """
    by_camp: dict[str, dict[str, Any]] = {}
    for row in rows:
        if issue and _text(row, "issue_iri") not in ("", issue):
            continue
        value = _text(row, "value")
        camp = by_camp.setdefault(value, {"value": value, "label": _text(row, "stance") or value, "actors": {}})
        actor_iri = _text(row, "actor")
        actor = camp["actors"].setdefault(actor_iri, {
            "iri": actor_iri, "name": _text(row, "actor_name"), "kind": _text(row, "actor_kind"),
            "href": href(actor_iri), "conditions": [], "reporters": {}})
        if _text(row, "condition"):
            actor["conditions"].append({
                "iri": _text(row, "condition"), "href": href(_text(row, "condition")),
                "requirement": _text(row, "requirement"), "required_of": _text(row, "required_of_name"),
                "required_of_href": href(_text(row, "required_of")) if _text(row, "required_of") else ""})
        for iri, name in zip(_split(_text(row, "reporters"), " "), _split(_text(row, "reporter_names"), ";"),
                             strict=False):
            actor["reporters"].setdefault(iri, {"iri": iri, "name": name, "href": href(iri)})
    ordered = sorted(by_camp.values(), key=lambda c: (CAMPS.index(c["value"]) if c["value"] in CAMPS
                                                      else len(CAMPS), c["value"]))
    for camp in ordered:
        camp["actors"] = sorted(({**a, "reporters": sorted(a["reporters"].values(), key=lambda r: r["name"])}
                                 for a in camp["actors"].values()), key=lambda a: a["name"].lower())
    return ordered


_CONTRACTIONS = re.compile(r"\b(a|de) el\b")


def contract(text: str) -> str:
    """Spanish's obligatory contractions where a phrase is composed: "a el" -> "al", "de el" ->
    "del" ("exigidas al público salvadoreño"). A capitalised "El" starts a proper name and does
    not contract ("a El Faro", "de El Salvador").

    >>> contract("exigidas a el público salvadoreño"), contract("de el gobierno"), contract("a El Faro")
    ('exigidas al público salvadoreño', 'del gobierno', 'a El Faro')
    """
    return _CONTRACTIONS.sub(lambda m: "al" if m.group(1) == "a" else "del", text)


def contract_lead(phrase: str, name: str) -> tuple[str, str]:
    """`contract` across a link: the phrase before a linked name, and the link's text.

    "exigida a" + [el público salvadoreño] reads "exigida al [público salvadoreño]": the article
    joins the preposition, outside the link, whose text keeps the rest of the name.

    >>> contract_lead("exigida a", "el público salvadoreño"), contract_lead("exigida a", "El Faro")
    (('exigida al', 'público salvadoreño'), ('exigida a', 'El Faro'))
    >>> contract_lead("required of", "the public"), contract_lead("planteada de", "el gobierno")
    (('required of', 'the public'), ('planteada del', 'gobierno'))
    """
    joined = contract(f"{phrase} {name}")
    if joined == f"{phrase} {name}" or not name.startswith("el "):
        return phrase, name
    return joined[: len(joined) - len(name) + len("el ")].rstrip(), name[len("el "):]


def stance_labels(rows: Sequence[Row]) -> dict[str, str]:
    """Stance value -> its label in the rows' language (`value`, `stance` columns).

    >>> stance_labels([{"value": ox.Literal("reject"), "stance": ox.Literal("rechaza")}])
    {'reject': 'rechaza'}
    """
    return {_text(r, "value"): _text(r, "stance") for r in rows if _text(r, "value")}


def issues_of(rows: Sequence[Row]) -> list[dict[str, str]]:
    """The issues a stance network covers, by name: the network page's choice of issue.

    >>> issues_of([{"issue_iri": ox.NamedNode("https://w3id.org/i/b"), "issue_name": ox.Literal("b")},
    ...            {"issue_iri": ox.NamedNode("https://w3id.org/i/a"), "issue_name": ox.Literal("a")}])
    [{'iri': 'https://w3id.org/i/a', 'name': 'a'}, {'iri': 'https://w3id.org/i/b', 'name': 'b'}]
    """
    found = {_text(r, "issue_iri"): _text(r, "issue_name") for r in rows if _text(r, "issue_iri")}
    return [{"iri": iri, "name": name} for iri, name in sorted(found.items(), key=lambda i: i[1].lower())]


def camp_elements(groups: Sequence[Mapping[str, Any]], reported_by: str = "reported by") -> list[dict[str, Any]]:
    """Cytoscape.js elements for `camps(...)`: one compound node per camp (a column), an actor
    node in each camp the actor stands in, a node per condition beside its actor, and the
    reporters in a column of their own, with edges actor -> condition and reporter -> actor.

    >>> camp = {"value": "conditional", "label": "conditional", "actors": [{"iri": "p", "name": "P", "kind": "person",
    ...     "href": "/p", "conditions": [{"iri": "c", "href": "/c", "requirement": "r", "required_of": "MS13"}],
    ...     "reporters": [{"iri": "o", "name": "O", "href": "/o"}]}]}
    >>> for e in camp_elements([camp]):
    ...     print(e["data"]["id"], e["data"].get("parent") or e["data"].get("source"))
    camp:conditional None
    conditional|p camp:conditional
    condition|c camp:conditional
    camp:reporters None
    reporter|o camp:reporters
    conditional|p->condition|c conditional|p
    reporter|o->conditional|p reporter|o
    """
    elements: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    reporters: dict[str, Mapping[str, Any]] = {}
    for column, camp in enumerate(groups):
        camp_id = f"camp:{camp['value']}"
        elements.append({"data": {"id": camp_id, "label": camp["label"], "camp": camp["value"],
                                  "role": "camp", "column": column}})
        for actor in camp["actors"]:
            node = f"{camp['value']}|{actor['iri']}"
            elements.append({"data": {"id": node, "parent": camp_id, "label": actor["name"], "role": "actor",
                                      "kind": actor["kind"], "href": actor["href"], "camp": camp["value"]}})
            for condition in actor["conditions"]:
                cid = f"condition|{condition['iri']}"
                of = condition["required_of"]
                label = condition["requirement"] + (f" ({of})" if of else "")
                elements.append({"data": {"id": cid, "parent": camp_id, "label": label, "role": "condition",
                                          "href": condition["href"], "camp": camp["value"], "owner": node}})
                edges.append({"data": {"id": f"{node}->{cid}", "source": node, "target": cid, "role": "sets"}})
            for reporter in actor["reporters"]:
                reporters.setdefault(reporter["iri"], reporter)
                source = f"reporter|{reporter['iri']}"
                edges.append({"data": {"id": f"{source}->{node}", "source": source, "target": node,
                                       "role": "reported"}})
    if reporters:
        elements.append({"data": {"id": "camp:reporters", "label": reported_by, "camp": "reporters",
                                  "role": "camp", "column": len(groups)}})
        for reporter in sorted(reporters.values(), key=lambda r: r["name"]):
            elements.append({"data": {"id": f"reporter|{reporter['iri']}", "parent": "camp:reporters",
                                      "label": reporter["name"], "role": "reporter", "href": reporter["href"],
                                      "camp": "reporters"}})
    return elements + edges


def _iri_label(iri_col: str, variables: Sequence[str]) -> str | None:
    """The column naming an IRI column's values: `responder_iri` -> `responder_name`, `actor` -> `actor_name`."""
    for candidate in (iri_col.removesuffix("_iri") + "_name", iri_col + "_name", "name"):
        if candidate in variables and candidate != iri_col:
            return candidate
    return None


def edge_elements(variables: Sequence[str], rows: Sequence[Row], href: Href = _same) -> list[dict[str, Any]]:
    """Cytoscape.js elements for any answer with two IRI columns: one node per IRI, one edge
    per row from the first column's IRI to the second's (weighted by a number column if any).

    >>> ns = "https://w3id.org/tregua/id/person/"
    >>> row = {"responder_name": ox.Literal("Howard Cotto"), "answered_name": ox.Literal("MS13"),
    ...        "responder_iri": ox.NamedNode(ns + "howard-cotto"), "answered_iri": ox.NamedNode(ns + "ms13")}
    >>> [e["data"].get("label") for e in edge_elements(list(row), [row])]
    ['Howard Cotto', 'MS13', '']
    """
    iris = _iri_columns(variables, rows)
    if len(iris) < 2:
        return []
    source_col, target_col = iris[0], iris[1]
    numbers = _numeric_columns(variables, rows)
    edge_label = "via" if "via" in variables else None
    nodes: dict[str, dict[str, Any]] = {}
    edges = []
    for index, row in enumerate(rows):
        ends = []
        for col in (source_col, target_col):
            iri = _text(row, col)
            if not iri:
                break
            label = _text(row, _iri_label(col, variables)) or iri.rstrip("/").rsplit("/", 1)[-1]
            nodes.setdefault(iri, {"data": {"id": iri, "label": label, "href": href(iri), "role": "node"}})
            ends.append(iri)
        if len(ends) == 2:
            weight = json_value(row.get(numbers[0])) if numbers else 1
            edges.append({"data": {"id": f"e{index}", "source": ends[0], "target": ends[1],
                                   "label": _text(row, edge_label), "weight": weight}})
    return list(nodes.values()) + edges


def chart_series(variables: Sequence[str], rows: Sequence[Row]) -> dict[str, Any]:
    """A bar chart's categories and values: the name column against the first number column.

    >>> xsd_int = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    >>> chart_series(["stance", "actors"],
    ...              [{"stance": ox.Literal("rejects"), "actors": ox.Literal("4", datatype=xsd_int)}])
    {'categories': ['rejects'], 'values': [4], 'measure': 'actors', 'category': 'stance'}
    """
    numbers = _numeric_columns(variables, rows)
    label = _label_column(variables, rows)
    if not numbers or label is None:
        return {"categories": [], "values": [], "measure": "", "category": ""}
    return {"categories": [_text(r, label) for r in rows],
            "values": [json_value(r.get(numbers[0])) for r in rows],
            "measure": numbers[0], "category": label}


def table(variables: Sequence[str], rows: Sequence[Row], href: Href = _same) -> list[list[dict[str, Any]]]:
    """The cells of an HTML table: text, a local link for IRIs, and whether it is a number.

    >>> two = ox.Literal("2", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    >>> for cell in table(["n", "who"], [{"n": two, "who": ox.NamedNode("https://x.org/a")}])[0]:
    ...     print(cell)
    {'text': '2', 'href': None, 'numeric': True}
    {'text': 'https://x.org/a', 'href': 'https://x.org/a', 'numeric': False}
    """
    return [[{"text": plain_value(row.get(v)),
              "href": href(plain_value(row.get(v))) if isinstance(row.get(v), ox.NamedNode) else None,
              "numeric": isinstance(json_value(row.get(v)), int | float)} for v in variables] for row in rows]
