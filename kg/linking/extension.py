"""Data extension of the Reconciliation API: our property values as columns of a researcher's table.

OpenRefine's "add columns from reconciled values" asks which properties entities of a type have
(`propose_properties`), then the values of the chosen ones for a list of reconciled ids
(`extend`), each value written as the API wants it (`cell`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyoxigraph as ox

from kg import iris
from kg.errors import BadRequest
from kg.linking.catalogue import OFFICE_PROPERTY, QID_PROPERTY, qid_of, term_id
from kg.linking.reconcile import MAX_BATCH, MAX_LIMIT, Value, entity_values, json_object
from kg.linking.reconcile_service import Service
from kg.store.engine import Engine


def propose_properties(service: Service, type_id: str, *, limit: int | None = None) -> dict[str, Any]:
    """`qid`, `office` for persons, then our own properties entities of the type have, most used first.

    Aligned properties that inference added (schema:, prov:...) are left out of the proposal
    (they repeat ours), but `extend` accepts them like any property.
    """
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"`limit` must be between 1 and {MAX_LIMIT}")
    type_iri = service.catalogue.resolve_type(type_id)
    pids = service.catalogue.properties_by_type.get(type_iri, [QID_PROPERTY])
    terms = [service.catalogue.properties[p] for p in pids if p in service.catalogue.properties]
    out: dict[str, Any] = {"type": type_id, "properties": [t.ref() for t in terms[:limit]]}
    if limit is not None:
        out["limit"] = limit
    return out


_NUMERIC = {iris.PREFIXES["xsd"] + t for t in ("decimal", "double", "float")}
_INTEGER = {iris.PREFIXES["xsd"] + t for t in ("integer", "int", "long", "short", "nonNegativeInteger",
                                              "positiveInteger")}


def cell(service: Service, value: Value) -> dict[str, Any]:
    """One value as the extension API writes it: an entity reference, a string, a number, a date.

    A year or a month stays a string ("2016", "2016-04"): the API's dates are full timestamps,
    and writing 2016-01-01 for "2016" would invent a day the source never gave.
    """
    term = value.term
    if isinstance(term, ox.NamedNode):
        entity = service.index.entity(term.value)
        if entity is not None:
            return {"id": entity.short_id, "name": entity.label}
        if qid := qid_of(term.value):
            return {"str": qid}
        return {"str": value.labels[0] if value.labels else term_id(term.value)}
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        if datatype in _INTEGER:
            return {"int": int(term.value)}
        if datatype in _NUMERIC:
            return {"float": float(term.value)}
        if datatype == iris.PREFIXES["xsd"] + "date" and len(term.value) == 10:
            return {"date": term.value + "T00:00:00Z"}
        if datatype == iris.PREFIXES["xsd"] + "dateTime":
            zoned = term.value.endswith("Z") or "+" in term.value[10:] or "-" in term.value[19:]
            return {"date": term.value if zoned else term.value + "Z"}
        return {"str": term.value}
    return {}


def parse_extend(raw: str | bytes, service: Service) -> tuple[list[str], list[tuple[str, str, int]]]:
    """An `extend=` request checked whole: the ids, and (given id, resolved property, limit) triples."""
    example = '{"ids": ["person/oscar-ortiz"], "properties": [{"id": "memberOf"}]}'
    data = json_object(raw, "extend", example)
    ids, props = data.get("ids"), data.get("properties")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise BadRequest("`extend.ids` must be a list of entity ids", hint=f"e.g. {example}")
    if not isinstance(props, list) or not props:
        raise BadRequest("`extend.properties` must be a non-empty list of {\"id\": ...}",
                         hint=f"e.g. {example}")
    if len(ids) > MAX_BATCH:
        raise BadRequest(f"`extend.ids` holds {len(ids)} ids; at most {MAX_BATCH} per request")
    resolved = []
    for p in props:
        if not isinstance(p, dict) or not isinstance(p.get("id"), str):
            raise BadRequest("each of `extend.properties` needs a string `id`", hint=f"e.g. {example}")
        settings = p.get("settings") or {}
        limit = settings.get("limit", 0) if isinstance(settings, dict) else 0
        try:
            limit = int(limit)
        except (TypeError, ValueError):
            raise BadRequest(f"the `limit` setting of {p['id']!r} must be a number") from None
        resolved.append((p["id"], service.catalogue.resolve_property(p["id"]), max(limit, 0)))
    return ids, resolved


def extend(service: Service, engine: Engine, ids: Sequence[str],
           properties: Sequence[tuple[str, str, int]]) -> dict[str, Any]:
    """Rows of property values for entities, as OpenRefine's "add columns from reconciled values" wants.

    An id we do not know (an entity removed since it was reconciled) gets an empty row.
    """
    meta = []
    for given, pid, _limit in properties:
        term = service.catalogue.properties[pid]
        meta.append({"id": given, "name": term.name})
    rows: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for identifier in ids:
        entity = service.index.entity(identifier)
        wants_offices = any(pid == OFFICE_PROPERTY for _given, pid, _limit in properties)
        values = entity_values(engine, entity.iri, offices=wants_offices) if entity else {}
        row = {}
        for given, pid, limit in properties:
            cells = [c for v in values.get(pid, []) if (c := cell(service, v))]
            row[given] = cells[:limit] if limit else cells
        rows[identifier] = row
    return {"meta": meta, "rows": rows}
