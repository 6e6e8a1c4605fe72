"""`kg build` into a remote store: load beside, then swap in one update, so no reader sees a gap.

Each built graph is first loaded under a staging name (`<graph>#staging-ID`): by the Graph
Store Protocol (one PUT per graph, N-Triples) when `KG_SPARQL_STORE_URL` is set, else by SPARQL
`INSERT DATA` in batches. Readers meanwhile see the old graphs, untouched. Then ONE update moves
every staging graph onto its real name (`MOVE`, which replaces the target) and replaces the
store's version triple: the store goes from the old build to the new one in one transaction.
A failure before that update leaves the old graphs as they were (the staging graphs are dropped).

Graphs the build does not produce (written through Tregua, e.g. `graph/source/my-notes`) are
left alone; edits made through Tregua to built graphs are replaced by the build (over a remote
store there is no journal to replay: docs/deployment.md).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable

import httpx
import pyoxigraph as ox

from kg import errors
from kg.store.remote import FOLLOWS, META_GRAPH, STORE_NODE, VERSION, SparqlEngine, _urn, version_literal

BATCH = 20_000


def _graphs(quads: Iterable[ox.Quad]) -> dict[str, list[ox.Triple]]:
    out: dict[str, list[ox.Triple]] = {}
    for q in quads:
        if isinstance(q.graph_name, ox.DefaultGraph):
            raise errors.BuildError("the build put triples in the default graph, which a remote store "
                                    "shows as the union of its graphs", hint="put them in a named graph")
        out.setdefault(q.graph_name.value, []).append(q.triple)
    return out


def _put(engine: SparqlEngine, graph: str, triples: list[ox.Triple]) -> None:
    url = engine.config.store_url
    assert url is not None
    body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    try:
        response = engine.client.put(url, params={"graph": graph}, content=body,
                                     headers={"Content-Type": "application/n-triples"}, timeout=600)
    except httpx.HTTPError as exc:
        raise errors.StoreUnavailable(f"the remote store did not take graph {graph} ({type(exc).__name__})") from exc
    if response.status_code >= 400:
        raise errors.StoreUnavailable(f"the remote store refused graph {graph}: {response.status_code} "
                                      f"{response.text[:300]}", hint="check KG_SPARQL_STORE_URL and its rights")


def _insert(engine: SparqlEngine, graph: str, triples: list[ox.Triple]) -> None:
    """`INSERT {…} WHERE {}` rather than INSERT DATA, which Virtuoso refuses with blank nodes; a
    template's blank nodes are fresh per request, so every triple naming one goes in the first
    batch (an RDF list of the shapes stays one list)."""
    with_bnodes = [t for t in triples if isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)]
    plain = [t for t in triples if not (isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode))]
    batches = [with_bnodes + plain[:max(BATCH - len(with_bnodes), 0)]]
    rest = plain[max(BATCH - len(with_bnodes), 0):]
    batches += [rest[i:i + BATCH] for i in range(0, len(rest), BATCH)]
    for batch in batches:
        if batch:
            body = "\n".join(f"{t.subject} {t.predicate} {t.object} ." for t in batch)
            engine.update(f"INSERT {{ GRAPH <{graph}> {{ {body} }} }} WHERE {{}}", timeout=600)


def load_remote(engine: SparqlEngine, quads: Iterable[ox.Quad], version: str) -> dict[str, int]:
    """Load the built quads into the remote store and swap them in at once; (graph, triples) loaded."""
    graphs = _graphs(quads)
    tag = uuid.uuid4().hex[:12]
    staging = {g: f"{g}#staging-{tag}" for g in graphs}
    try:
        for graph, triples in graphs.items():
            (_put if engine.config.store_url else _insert)(engine, staging[graph], triples)
        engine.update(swap_update(staging, version), timeout=600)
    except BaseException:
        for name in staging.values():
            with contextlib.suppress(errors.KgError):
                engine.update(f"DROP SILENT GRAPH <{name}>")
        raise
    return {g: len(t) for g, t in graphs.items()}


def swap_update(staging: dict[str, str], version: str) -> str:
    """One request: each staging graph replaces its graph, and the version triple is replaced.

    >>> print(swap_update({"http://g": "http://g#staging-1"}, "v2").replace("https://w3id.org/tregua/", "T/"))
    ... # doctest: +NORMALIZE_WHITESPACE
    MOVE SILENT GRAPH <http://g#staging-1> TO GRAPH <http://g> ;
    DELETE WHERE { GRAPH <T/graph/meta> { <T/store> <T/meta#version> ?v } } ;
    INSERT DATA { GRAPH <T/graph/meta> { <T/store> <T/meta#version> "v2" .
    <urn:tregua:version:v2> <T/meta#follows> "build" } }
    """
    moves = [f"MOVE SILENT GRAPH <{tmp}> TO GRAPH <{graph}>" for graph, tmp in staging.items()]
    meta = f"<{STORE_NODE}> <{VERSION}>"
    return " ;\n".join([
        *moves,
        f"DELETE WHERE {{ GRAPH <{META_GRAPH}> {{ {meta} ?v }} }}",
        f"INSERT DATA {{ GRAPH <{META_GRAPH}> {{ {meta} {version_literal(version)} .\n"
        f"<urn:tregua:version:{_urn(version)}> <{FOLLOWS}> \"build\" }} }}",
    ])
