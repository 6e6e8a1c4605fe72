"""The gate's delta, checked against Oxigraph itself: for each update, committing the computed
delta must leave exactly the dataset that `Store.update` leaves (blank nodes compared up to
renaming). In-process (kg.gate.MemoryWriter), no server: the gate is pure core.

Where the gate deliberately differs (a WHERE without GRAPH/USING/WITH sees the union of the
graphs, as queries do), the updates below name their graphs, so both semantics agree.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
import pytest

from kg.errors import BadRequest, NotFound, QuerySyntaxError
from kg.gate import MemoryWriter, apply_update, split_update
from kg.gate.policy import WritePolicy

#: Bulk CLEAR/DROP allowed (the seed holds no built graph, so Oxigraph's semantics apply unchanged).
OPEN = WritePolicy(allow_clear_all=True)

EX = "http://example.org/"
SEED = f"""
<{EX}a> <{EX}p> "1" . <{EX}a> <{EX}q> <{EX}b> .
GRAPH <{EX}g1> {{ <{EX}a> <{EX}p> "2" . <{EX}b> <{EX}p> "3" . <{EX}b> <{EX}r> _:x . _:x <{EX}p> "4" . }}
GRAPH <{EX}g2> {{ <{EX}c> <{EX}p> "5" . <{EX}a> <{EX}p> "2" . }}
"""

UPDATES = {
    "insert-data": f'INSERT DATA {{ <{EX}n> <{EX}p> "x" . GRAPH <{EX}g3> {{ <{EX}n> <{EX}p> "y" }} }}',
    "insert-data-blank": f'INSERT DATA {{ GRAPH <{EX}g1> {{ <{EX}n> <{EX}r> [ <{EX}p> "z" ] }} }}',
    "delete-data": f'DELETE DATA {{ GRAPH <{EX}g1> {{ <{EX}a> <{EX}p> "2" }} <{EX}a> <{EX}p> "1" }}',
    "delete-data-absent": f'DELETE DATA {{ <{EX}zz> <{EX}p> "no" }}',
    "modify-graph-var": f"DELETE {{ GRAPH ?g {{ ?s <{EX}p> ?o }} }} "
    f"INSERT {{ GRAPH ?g {{ ?s <{EX}p2> ?o }} }} "
    f'WHERE {{ GRAPH ?g {{ ?s <{EX}p> ?o FILTER(?o != "4") }} }}',
    "with": f"WITH <{EX}g2> DELETE {{ ?s <{EX}p> ?o }} INSERT {{ ?s <{EX}seen> true }} "
    f"WHERE {{ ?s <{EX}p> ?o }}",
    "using": f"INSERT {{ GRAPH <{EX}t> {{ ?s ?p ?o }} }} USING <{EX}g1> WHERE {{ ?s ?p ?o }}",
    "delete-where": f"DELETE WHERE {{ GRAPH <{EX}g1> {{ <{EX}b> ?p ?o }} }}",
    "insert-blank-template": f"INSERT {{ GRAPH <{EX}t> {{ ?s <{EX}has> [ <{EX}v> ?o ] }} }} "
    f"WHERE {{ GRAPH <{EX}g2> {{ ?s <{EX}p> ?o }} }}",
    "clear-graph": f"CLEAR GRAPH <{EX}g1>",
    "clear-default": "CLEAR DEFAULT",
    "clear-named": "CLEAR NAMED",
    "clear-all": "CLEAR ALL",
    "drop-graph": f"DROP GRAPH <{EX}g2>",
    "drop-all": "DROP ALL",
    "drop-silent-missing": f"DROP SILENT GRAPH <{EX}none>",
    "create": f"CREATE GRAPH <{EX}new>",
    "copy": f"COPY <{EX}g1> TO <{EX}g2>",
    "copy-default": f"COPY DEFAULT TO <{EX}g3>",
    "move": f"MOVE <{EX}g2> TO <{EX}g4>",
    "add": f"ADD <{EX}g2> TO <{EX}g1>",
    "copy-silent-missing": f"COPY SILENT <{EX}none> TO <{EX}g1>",
    "move-silent-missing": f"MOVE SILENT <{EX}none> TO <{EX}g2>",
    "add-silent-missing": f"ADD SILENT <{EX}none> TO <{EX}g2>",
    "sequence": f'INSERT DATA {{ GRAPH <{EX}g5> {{ <{EX}m> <{EX}p> "9" }} }} ; '
    f"INSERT {{ GRAPH <{EX}g6> {{ ?s <{EX}copied> ?o }} }} WHERE {{ GRAPH <{EX}g5> {{ ?s ?p ?o }} }} ; "
    f'DELETE DATA {{ GRAPH <{EX}g5> {{ <{EX}m> <{EX}p> "9" }} }}',
    "prefixes-and-base": f"PREFIX ex: <{EX}> BASE <{EX}base/> "
    'INSERT DATA { GRAPH ex:g1 { <rel> ex:p "b" } } ; INSERT DATA { ex:x ex:p "c" }',
    "drop-then-reinsert": f'DROP GRAPH <{EX}g1> ; INSERT DATA {{ GRAPH <{EX}g1> {{ <{EX}a> <{EX}p> "2" }} }}',
}


def seeded() -> ox.Store:
    store = ox.Store()
    store.load(SEED.encode(), format=ox.RdfFormat.TRIG)
    return store


def canonical(store: ox.Store) -> tuple[list[str], list[str]]:
    """Each graph canonicalised on its own: a blank node a write copies into another graph becomes
    a new blank node there (a transaction of serialised terms cannot name a stored one), where
    Oxigraph would share it; within each graph the two must be isomorphic."""
    out: list[str] = []
    for graph in [ox.DefaultGraph(), *store.named_graphs()]:
        dataset = ox.Dataset(list(store.quads_for_pattern(None, None, None, graph)))
        dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
        out += [str(q) for q in dataset]
    return sorted(out), sorted(str(g) for g in store.named_graphs())


@pytest.mark.parametrize("name", list(UPDATES))
def test_the_gate_commits_what_oxigraph_would(name: str) -> None:
    update = UPDATES[name]
    expected = seeded()
    expected.update(update)
    store = seeded()
    report = apply_update(MemoryWriter(store), update, policy=OPEN)
    assert canonical(store) == canonical(expected)
    assert report.removed + report.added >= 0


@pytest.mark.parametrize(
    ("update", "error", "text"),
    [
        (f"LOAD <{EX}data.ttl>", BadRequest, "LOAD is not available"),
        (f"LOAD SILENT <{EX}data.ttl> INTO GRAPH <{EX}g>", BadRequest, "LOAD is not available"),
        (f"DROP GRAPH <{EX}none>", NotFound, "no graph"),
        (f"CREATE GRAPH <{EX}g1>", BadRequest, "already exists"),
        ("INSERT DATA { <http://a> <http://b> }", QuerySyntaxError, "error at 1:"),
        (f"INSERT {{ GRAPH <{EX}t> {{ ?s ?p ?o }} }} WHERE {{ SERVICE <{EX}sparql> {{ ?s ?p ?o }} }}",
         BadRequest, "SERVICE"),
    ],
)
def test_refusals_leave_the_store_unchanged(update: str, error: type[Exception], text: str) -> None:
    store = seeded()
    before = canonical(store)
    with pytest.raises(error, match=text):
        apply_update(MemoryWriter(store), update)
    assert canonical(store) == before


def test_a_later_failure_undoes_the_earlier_operations() -> None:
    store = seeded()
    before = canonical(store)
    with pytest.raises(NotFound):
        apply_update(MemoryWriter(store), f"CLEAR ALL ; DROP GRAPH <{EX}none>", policy=OPEN)
    assert canonical(store) == before


def test_split_update_finds_each_part() -> None:
    ops = split_update(
        f"PREFIX ex: <{EX}>\nWITH ex:g DELETE {{ ?s ex:p ?o }} INSERT {{ ?s ex:q ?o }} USING NAMED ex:n "
        "WHERE { ?s ex:p ?o FILTER(?o < 3 && STR(?o) != '}') } ; # a comment with { and ;\n"
        "COPY SILENT DEFAULT TO GRAPH ex:h"
    )
    assert [op.kind for op in ops] == ["modify", "copy"]
    modify, copy = ops
    assert modify.with_graph == ox.NamedNode(EX + "g")
    assert modify.using_named == [ox.NamedNode(EX + "n")]
    assert modify.where is not None and modify.where.endswith("'}') }")
    assert copy.silent and copy.source == ox.DefaultGraph() and copy.target == ox.NamedNode(EX + "h")


# ----------------------------------------------------------------------------- the real store
# Valid writes to well-connected nodes of the real built store must pass the gate: the
# neighbourhood it validates has to hold everything the shapes reach from each focus node
# (e.g. the event whose tg:hasParticipation points at a participation of the changed node).

TG_NS = "https://w3id.org/tregua/ontology#"
ID = "https://w3id.org/tregua/id/"
SEED_GRAPH = "https://w3id.org/tregua/graph/source/insightcrime-2017-01-ms13-dialogue"
REAL_VALID = {
    "organization-in-participations": (f"{ID}organization/ms13", f'<{TG_NS}alias> "Mara"@es'),
    "person-in-participations": (f"{ID}person/raul-mijango", f'<{TG_NS}alias> "Mijango"@es'),
    "person-with-tenures-and-statements": (f"{ID}person/guillermo-gallegos", f'<{TG_NS}alias> "Gallegos"@es'),
    "person-with-statements-and-quotes": (f"{ID}person/oscar-ortiz", f'<{TG_NS}alias> "Ortiz"@es'),
    "person-with-tenures": (f"{ID}person/salvador-sanchez-ceren", f'<{TG_NS}alias> "Profesor"@es'),
    "event": (f"{ID}event/gang-truce-2012", '<http://www.w3.org/2000/01/rdf-schema#comment> "t"@en'),
    "quote-position": (f"{ID}quote/oscar-ortiz-stop-murdering#position",
                       '<http://www.w3.org/2000/01/rdf-schema#comment> "t"@en'),
}


@pytest.fixture
def real_writer(built_store: object, tmp_path: object) -> Iterator[MemoryWriter]:
    import shutil
    from pathlib import Path

    copy = Path(str(tmp_path)) / "store"
    shutil.copytree(str(built_store), copy)
    store = ox.Store(str(copy))
    yield MemoryWriter(store)
    del store


@pytest.mark.parametrize("name", list(REAL_VALID))
def test_valid_writes_to_connected_nodes_of_the_real_store_pass(real_writer: MemoryWriter, name: str) -> None:
    node, predicate_object = REAL_VALID[name]
    assert any(real_writer.store.quads_for_pattern(ox.NamedNode(node), None, None, None)), node
    update = f"INSERT DATA {{ GRAPH <{SEED_GRAPH}> {{ <{node}> {predicate_object} }} }}"
    report = apply_update(real_writer, update)
    assert report.added == 1
    # the focus nodes' shapes reached further than the changed node itself
    assert report.focus_nodes > 1 and report.validated_quads > 1


@pytest.mark.parametrize(
    ("update", "message"),
    [
        # the event's type is what a participation's shape checks, two hops from the changed triple
        (f"DELETE DATA {{ GRAPH <{SEED_GRAPH}> {{ <{ID}event/arrests-of-truce-participants> a <{TG_NS}Arrest> }} }}",
         "exactly one tg:Event"),
        (f"INSERT DATA {{ GRAPH <{SEED_GRAPH}> {{ <{ID}organization/ms13> <{TG_NS}alias> \"Mara\" }} }}",
         "language-tagged"),
    ],
)
def test_invalid_writes_to_the_real_store_are_refused(real_writer: MemoryWriter, update: str,
                                                      message: str) -> None:
    from kg.errors import ValidationFailed

    before = canonical(real_writer.store)
    with pytest.raises(ValidationFailed) as failure:
        apply_update(real_writer, update)
    assert any(message in v.message for v in failure.value.violations), failure.value.violations
    assert canonical(real_writer.store) == before
