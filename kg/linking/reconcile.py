"""The W3C Reconciliation Service API (v0.2), as plain functions over the search index.

OpenRefine (and any other client of the API) matches a researcher's column of names against our
entities, pulls our properties into the table (data extension) and lets people pick types and
properties by autocomplete. Everything here is HTTP-free: `api/routers/reconcile.py` parses the
request, calls these functions and returns their dictionaries as JSON.

Entities are identified by ``kind/slug`` (``person/oscar-ortiz``) under
``https://w3id.org/tregua/id/``; types and properties by the identifiers of
`kg.linking.catalogue`. Data extension (pulling our values into a table) is `kg.linking.extension`;
the data all of them answer from, kept in step with the store, is `kg.linking.reconcile_service`.

Scores run from 0 to 100. A candidate is a ``match`` (safe to accept without a look) when it is
the best candidate, scores at least 90, and leads the next one by at least 10 points: a name
that equals one of ours once folded ("Oscar Ortiz" for "Óscar Ortiz") scores 100, and two
entities sharing the name both score 100, so neither is matched blindly.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

import kg
from kg import iris, vocab
from kg.errors import BadRequest, NotFound
from kg.linking.catalogue import OFFICE_PROPERTY, QID_PROPERTY, Catalogue, Term, qid_of
from kg.linking.index_reads import ENTITY_BASE, Entity
from kg.linking.reconcile_service import Service
from kg.linking.search import SearchIndex
from kg.linking.text import fold, lexical, name_score, tokens
from kg.store.engine import Engine, QueryRequest

SERVICE_NAME = "Tregua: the debate over negotiating with El Salvador's gangs"
MAX_BATCH = 1000
"""Largest number of queries in one batch (announced as `batchSize`); OpenRefine sends 10."""
MAX_LIMIT = 100
DEFAULT_LIMIT = 5
MATCH_SCORE = 90.0
MATCH_MARGIN = 10.0
NAME_WEIGHT = 0.7
"""With property constraints: how much of the score the name carries (the rest: the properties)."""
SKOS_EXACT_MATCH = vocab.SKOS_EXACT_MATCH.value
QUERY_KEYS = frozenset({"query", "type", "limit", "properties", "type_strict"})
EXAMPLE_BATCH = '{"q0": {"query": "Óscar Ortiz", "type": "Person", "limit": 3}}'


_OFFICES_QUERY = iris.sparql_prologue() + """
SELECT ?o ?label ?s WHERE {
  ?tenure tg:holder ?s ; tg:post ?o .
  OPTIONAL { ?o rdfs:label ?label }
}"""

_ENTITY_VALUES_QUERY = """
SELECT ?p ?o ?label ?s WHERE {
  ?s ?p ?o .
  OPTIONAL { ?o <http://www.w3.org/2000/01/rdf-schema#label> ?label }
}"""


# -- manifest -------------------------------------------------------------------------------

DEFAULT_TYPE_NAMES = ("Person", "Organization", "Gang", "PoliticalParty", "NewsOutlet", "Place", "Event")


def manifest(service: Service, root: str) -> dict[str, Any]:
    """The service manifest; `root` is the server's own address (e.g. http://127.0.0.1:8000)."""
    root = root.rstrip("/")
    reconcile_url = root + "/reconcile"
    default_types = [service.catalogue.types[iris.TG + n].ref() for n in DEFAULT_TYPE_NAMES
                     if iris.TG + n in service.catalogue.types]
    return {
        "versions": ["0.2"],
        "name": SERVICE_NAME,
        "identifierSpace": ENTITY_BASE,
        "schemaSpace": iris.TG,
        "serviceVersion": kg.__version__,
        "documentation": root + "/docs",
        "batchSize": MAX_BATCH,
        "defaultTypes": default_types,
        "view": {"url": root + "/id/{{id}}"},
        "preview": {"url": reconcile_url + "/preview?id={{id}}", "width": 430, "height": 180},
        "suggest": {kind: {"service_url": reconcile_url, "service_path": f"/suggest/{kind}"}
                    for kind in ("entity", "type", "property")},
        "extend": {
            "propose_properties": {"service_url": reconcile_url, "service_path": "/propose_properties"},
            "property_settings": [{
                "name": "limit", "label": "Limit", "type": "number", "default": 0,
                "help_text": "Largest number of values per cell (0: all of them)",
            }],
        },
    }


# -- parsing requests -----------------------------------------------------------------------

@dataclass(frozen=True)
class PropertyConstraint:
    pid: str  # resolved: an IRI or QID_PROPERTY
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Query:
    """One reconciliation query, checked and resolved against the catalogue."""

    text: str
    types: tuple[str, ...]
    all_types: bool
    limit: int
    properties: tuple[PropertyConstraint, ...]


def json_object(raw: str | bytes, what: str, example: str) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest(f"`{what}` is not valid JSON: {exc}",
                         hint=f"send a JSON object such as {example}") from exc
    if not isinstance(data, dict):
        raise BadRequest(f"`{what}` must be a JSON object, not {type(data).__name__}",
                         hint=f"send a JSON object such as {example}")
    return data


def _check_property_value(v: Any, where: str) -> None:
    if isinstance(v, dict):
        if not isinstance(v.get("id"), str):
            raise BadRequest(f"{where}: an entity value needs a string `id`",
                             hint='e.g. {"id": "organization/fmln"}')
    elif not isinstance(v, str | int | float | bool):
        raise BadRequest(f"{where}: a value must be a string, a number, a boolean or {{\"id\": ...}}")


def parse_query(key: str, raw: Any, catalogue: Catalogue) -> Query:
    where = f"query {key!r}"
    if not isinstance(raw, dict):
        raise BadRequest(f"{where} must be an object", hint=f"e.g. {EXAMPLE_BATCH}")
    unknown = sorted(set(raw) - QUERY_KEYS)
    if unknown:
        raise BadRequest(f"{where} has unknown field(s): {', '.join(unknown)}",
                         hint="a query may hold query, type, limit, properties, type_strict")
    text = raw.get("query", "")
    if not isinstance(text, str):
        raise BadRequest(f"{where}: `query` must be a string", hint=f"e.g. {EXAMPLE_BATCH}")
    raw_types = raw.get("type")
    if raw_types is None or raw_types == "":
        type_ids: list[str] = []
    elif isinstance(raw_types, str):
        type_ids = [raw_types]
    elif isinstance(raw_types, list) and all(isinstance(t, str) for t in raw_types):
        type_ids = list(raw_types)
    else:
        raise BadRequest(f"{where}: `type` must be a type id or a list of them", hint='e.g. "Person"')
    strict = raw.get("type_strict", "any")
    if strict not in ("any", "should", "all"):
        raise BadRequest(f"{where}: `type_strict` must be one of any, should, all, not {strict!r}")
    limit = raw.get("limit", DEFAULT_LIMIT)
    if isinstance(limit, bool) or not isinstance(limit, int | float) or limit != int(limit) or limit < 1:
        raise BadRequest(f"{where}: `limit` must be a positive integer, not {limit!r}", hint="e.g. 3")
    raw_props = raw.get("properties", [])
    if not isinstance(raw_props, list):
        raise BadRequest(f"{where}: `properties` must be a list",
                         hint='e.g. [{"pid": "memberOf", "v": "FMLN"}]')
    constraints = []
    for i, p in enumerate(raw_props):
        pw = f"{where}, property {i}"
        if not isinstance(p, dict) or not isinstance(p.get("pid"), str) or "v" not in p:
            raise BadRequest(f"{pw} needs `pid` (a property id) and `v` (a value or a list of values)",
                             hint='e.g. {"pid": "memberOf", "v": "FMLN"}')
        values = p["v"] if isinstance(p["v"], list) else [p["v"]]
        for v in values:
            _check_property_value(v, pw)
        constraints.append(PropertyConstraint(catalogue.resolve_property(p["pid"]), tuple(values)))
    if not text.strip() and not constraints:
        raise BadRequest(f"{where} has neither a `query` string nor `properties`",
                         hint=f"give at least one, e.g. {EXAMPLE_BATCH}")
    types = tuple(catalogue.resolve_type(t) for t in type_ids)
    return Query(text.strip(), types, strict == "all", min(int(limit), MAX_LIMIT), tuple(constraints))


def parse_batch(raw: str | bytes, catalogue: Catalogue) -> dict[str, Query]:
    """A `queries=` batch, checked whole before anything runs; raises BadRequest naming the fault."""
    batch = json_object(raw, "queries", EXAMPLE_BATCH)
    if not batch:
        raise BadRequest("`queries` holds no query", hint=f"send at least one, e.g. {EXAMPLE_BATCH}")
    if len(batch) > MAX_BATCH:
        raise BadRequest(f"`queries` holds {len(batch)} queries; at most {MAX_BATCH} per batch",
                         hint="split the batch (OpenRefine sends 10 at a time)")
    return {key: parse_query(key, q, catalogue) for key, q in batch.items()}


# -- property values ------------------------------------------------------------------------

@dataclass(frozen=True)
class Value:
    """One value of a property on an entity, with what it can be compared as."""

    term: ox.NamedNode | ox.Literal | ox.BlankNode
    labels: tuple[str, ...]


def entity_values(engine: Engine, iri: str, *, offices: bool = False) -> dict[str, list[Value]]:
    """All values of every property of one entity, with labels of the things they point at."""
    values: dict[str, dict[Any, list[str]]] = defaultdict(dict)
    subject = {"s": ox.NamedNode(iri)}
    rows = [(lexical(row["p"]), row) for row in engine.select(QueryRequest(_ENTITY_VALUES_QUERY,
                                                                        substitutions=subject)).rows]
    if offices:
        rows += [(OFFICE_PROPERTY, row) for row in engine.select(QueryRequest(_OFFICES_QUERY,
                                                                               substitutions=subject)).rows]
    for p, row in rows:
        o = row["o"]
        labels = values[p].setdefault(o, [])
        if "label" in row and lexical(row["label"]) not in labels:
            labels.append(lexical(row["label"]))
    out = {p: [Value(o, tuple(ls)) for o, ls in objs.items()] for p, objs in values.items()}
    qids = [Value(ox.Literal(q), ()) for v in out.get(SKOS_EXACT_MATCH, [])
            if isinstance(v.term, ox.NamedNode) and (q := qid_of(v.term.value))]
    if qids:
        out[QID_PROPERTY] = qids
    return out


def _value_strings(value: Value, index: SearchIndex) -> list[str]:
    term = value.term
    out = [term.value, *value.labels]
    if isinstance(term, ox.NamedNode):
        if entity := index.entity(term.value):
            # An entity is matched by any of its names ("FMLN" for the party) and by its id.
            out.extend([entity.short_id, *(n.text for n in entity.names)])
        if qid := qid_of(term.value):
            out.append(qid)
    return out


def value_score(wanted: Any, value: Value, index: SearchIndex) -> float:
    """How well one supplied value fits one of ours, 0–100."""
    if isinstance(wanted, dict):
        wanted = wanted["id"]
    if isinstance(wanted, bool):
        wanted = "true" if wanted else "false"
    if isinstance(wanted, int | float):
        if isinstance(value.term, ox.Literal):
            try:
                return 100.0 if math.isclose(float(value.term.value), float(wanted)) else 0.0
            except ValueError:
                return 0.0
        return 0.0
    wanted_words = tokens(str(wanted))
    best = 0.0
    for s in _value_strings(value, index):
        if s == wanted or fold(s) == fold(str(wanted)):
            return 100.0
        best = max(best, name_score(wanted_words, tokens(s)))
    return best


def properties_score(constraints: Sequence[PropertyConstraint], values: Mapping[str, list[Value]],
                     index: SearchIndex) -> float:
    """The mean, over the constraints, of the best fit of any supplied value with any of ours."""
    scores = []
    for c in constraints:
        ours = values.get(c.pid, [])
        scores.append(max((value_score(w, v, index) for w in c.values for v in ours), default=0.0))
    return sum(scores) / len(scores) if scores else 0.0


# -- candidates from property values alone ------------------------------------------------------

_SUBJECTS_QUERY = """SELECT ?s ?p ?o WHERE { ?s ?p ?o }"""
_LITERAL_VALUES_QUERY = """SELECT ?s ?o ?p WHERE { ?s ?p ?o . FILTER(isLITERAL(?o)) }"""
_HOLDERS_QUERY = iris.sparql_prologue() + """SELECT ?s ?o WHERE { ?tenure tg:holder ?s ; tg:post ?o }"""
MAX_LITERAL_SCAN = 200_000


def _value_nodes(service: Service, wanted: Any) -> list[ox.NamedNode]:
    """Our entities a supplied value may stand for: by id or IRI, else by a name equal to it."""
    key = str(wanted["id"] if isinstance(wanted, dict) else wanted)
    entity = service.index.entity(key)
    if entity is not None:
        return [ox.NamedNode(entity.iri)]
    return [ox.NamedNode(m.entity.iri) for m in service.index.match_names(key, limit=5) if m.score >= 100]


def property_candidates(service: Service, engine: Engine,
                        constraints: Sequence[PropertyConstraint]) -> set[str]:
    """Entities holding at least one of the supplied values, found through the values themselves.

    Used when a query has properties but no name: each value is looked up (an entity by id or
    name, a QID, a literal compared folded), never every entity of the graph one by one.
    """
    subjects: set[str] = set()
    for c in constraints:
        for wanted in c.values:
            if c.pid == QID_PROPERTY:
                qid = str(wanted["id"] if isinstance(wanted, dict) else wanted)
                if iris.QID_RE.match(qid):
                    item = ox.NamedNode(iris.wikidata_iri(qid))
                    subjects |= _subjects(engine, ox.NamedNode(SKOS_EXACT_MATCH), item)
                continue
            nodes = _value_nodes(service, wanted)
            if c.pid == OFFICE_PROPERTY:
                for node in nodes:
                    rows = engine.select(QueryRequest(_HOLDERS_QUERY, substitutions={"o": node})).rows
                    subjects |= {lexical(r["s"]) for r in rows}
                continue
            predicate = ox.NamedNode(c.pid)
            for node in nodes:
                subjects |= _subjects(engine, predicate, node)
            if not isinstance(wanted, dict):
                folded = fold(str(wanted).strip())
                rows = engine.select(QueryRequest(_LITERAL_VALUES_QUERY, substitutions={"p": predicate}),
                                     max_rows=MAX_LITERAL_SCAN).rows
                subjects |= {lexical(r["s"]) for r in rows if fold(lexical(r["o"])) == folded}
    return subjects


def _subjects(engine: Engine, predicate: ox.NamedNode, obj: ox.NamedNode) -> set[str]:
    rows = engine.select(QueryRequest(_SUBJECTS_QUERY, substitutions={"p": predicate, "o": obj})).rows
    return {lexical(r["s"]) for r in rows}


# -- reconciliation -------------------------------------------------------------------------

def _type_ok(entity: Entity, query: Query) -> bool:
    if not query.types:
        return True
    check = all if query.all_types else any
    return check(t in entity.types for t in query.types)


def reconcile_query(service: Service, engine: Engine, query: Query) -> list[dict[str, Any]]:
    """Candidates for one query, best first, each with score, features and the match flag."""
    index = service.index
    scored: list[tuple[Entity, float, dict[str, float | bool]]] = []
    if query.text:
        direct = index.entity(query.text)
        matches = [(direct, 100.0)] if direct else []
        accept = (lambda e: _type_ok(e, query)) if query.types else None
        matches += [(m.entity, m.score) for m in index.match_names(query.text, accept=accept)
                    if direct is None or m.entity is not direct]
    else:
        found = (index.entities.get(iri) for iri in property_candidates(service, engine, query.properties))
        matches = [(e, 0.0) for e in found if e is not None]
    candidates = [(e, s) for e, s in matches if _type_ok(e, query)]
    if query.properties:
        wants_offices = any(c.pid == OFFICE_PROPERTY for c in query.properties)
        pool = candidates if not query.text else candidates[:max(query.limit * 4, 20)]
        for entity, name in pool:
            values = entity_values(engine, entity.iri, offices=wants_offices)
            props = properties_score(query.properties, values, index)
            score = NAME_WEIGHT * name + (1 - NAME_WEIGHT) * props if query.text else props
            scored.append((entity, score, {"name": round(name, 1), "properties": round(props, 1)}))
    else:
        scored = [(e, s, {"name": round(s, 1)}) for e, s in candidates[:query.limit + 1]]
    scored.sort(key=lambda c: (-c[1], c[0].label))
    scored = [c for c in scored if c[1] > 0][:query.limit + 1]
    results = []
    for i, (entity, score, features) in enumerate(scored[:query.limit]):
        runner_up = scored[i + 1][1] if i + 1 < len(scored) else 0.0
        results.append({
            "id": entity.short_id,
            "name": entity.label,
            "description": service.description(entity),
            "type": service.type_refs(entity),
            "score": round(score, 1),
            "match": i == 0 and score >= MATCH_SCORE and score - runner_up >= MATCH_MARGIN,
            "features": [{"id": k, "value": v} for k, v in features.items()],
        })
    return results


def reconcile(service: Service, engine: Engine, batch: Mapping[str, Query]) -> dict[str, Any]:
    """A result batch for a parsed query batch: ``{key: {"result": [candidates]}}``."""
    return {key: {"result": reconcile_query(service, engine, q)} for key, q in batch.items()}


# -- suggest and preview -----------------------------------------------------------------------

def _page(cursor: int | None, limit: int) -> tuple[int, int]:
    if cursor is not None and cursor < 0:
        raise BadRequest("`cursor` must be 0 or more", hint="cursor is the number of suggestions to skip")
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"`limit` must be between 1 and {MAX_LIMIT}")
    return cursor or 0, limit


def suggest_entities(service: Service, prefix: str, *, cursor: int | None = None, limit: int = 10,
                     type_id: str | None = None) -> dict[str, Any]:
    offset, limit = _page(cursor, limit)
    type_iri = service.catalogue.resolve_type(type_id) if type_id else None
    matches = service.index.prefix_names(prefix, limit=MAX_LIMIT * 2 if type_iri else offset + limit)
    direct = service.index.entity(prefix.strip())
    entities = ([direct] if direct else []) + [m.entity for m in matches if m.entity is not direct]
    if type_iri:
        entities = [e for e in entities if type_iri in e.types]
    return {"result": [{"id": e.short_id, "name": e.label, "description": service.description(e),
                        "notable": service.type_refs(e)}
                       for e in entities[offset:offset + limit]]}


def _suggest_terms(terms: Iterable[Term], prefix: str, offset: int, limit: int) -> dict[str, Any]:
    wanted = " ".join(tokens(prefix))
    ranked = []
    for t in terms:
        name, ident = " ".join(tokens(t.name)), " ".join(tokens(t.id))
        if name.startswith(wanted) or ident.startswith(wanted):
            ranked.append((0, t))
        elif wanted in name or wanted in ident:
            ranked.append((1, t))
    ranked.sort(key=lambda r: (r[0], r[1].name))
    page = [t for _rank, t in ranked[offset:offset + limit]]
    return {"result": [{"id": t.id, "name": t.name}
                       | ({"description": t.description} if t.description else {}) for t in page]}


def suggest_types(service: Service, prefix: str, *, cursor: int | None = None,
                  limit: int = 10) -> dict[str, Any]:
    offset, limit = _page(cursor, limit)
    return _suggest_terms(service.catalogue.types.values(), prefix, offset, limit)


def suggest_properties(service: Service, prefix: str, *, cursor: int | None = None,
                       limit: int = 10) -> dict[str, Any]:
    offset, limit = _page(cursor, limit)
    return _suggest_terms(service.catalogue.properties.values(), prefix, offset, limit)


@dataclass(frozen=True)
class Preview:
    """What the preview snippet shows of an entity."""

    id: str
    iri: str
    name: str
    description: str
    types: list[str]
    aliases: list[str]
    wikidata: list[str]
    linked: bool


def preview(service: Service, engine: Engine, identifier: str) -> Preview:
    """Data for the preview snippet; raises NotFound (with close names) for an unknown id."""
    entity = find_entity(service, identifier)
    values = entity_values(engine, entity.iri)
    qids = [v.term.value for v in values.get(QID_PROPERTY, [])]
    aliases = sorted({n.text for n in entity.names if n.text != entity.label})
    return Preview(entity.short_id, entity.iri, entity.label, service.description(entity),
                   [t.name for t in service.entity_types(entity)], aliases, qids, bool(qids))


def find_entity(service: Service, identifier: str) -> Entity:
    """An entity by id or IRI; raises NotFound naming the closest ids."""
    entity = service.index.entity(identifier.strip())
    if entity is None:
        close = [m.entity.short_id for m in service.index.match_names(identifier.replace("/", " "), limit=3)]
        raise NotFound(f"no entity {identifier!r} in this graph", suggestions=close)
    return entity


