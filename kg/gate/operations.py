"""Step 1, the delta: each operation of an update becomes quads removed and added on the virtual dataset."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pyoxigraph as ox

from kg import service
from kg.errors import BadRequest, NotFound, QuerySyntaxError
from kg.gate.dataset import VirtualDataset
from kg.gate.policy import DEFAULT_POLICY, WritePolicy
from kg.gate.update_text import VAR_IRI, Graph, Operation, parse_quads, split_update
from kg.sparql_lexer import tokenize
from kg.store.engine import check_nesting, syntax_error


def fresh_blank_nodes(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """Blank nodes of inserted data are new nodes, whatever label the request gave them."""
    mapping: dict[str, ox.BlankNode] = {}

    def fresh(term: Any) -> Any:
        if isinstance(term, ox.BlankNode):
            return mapping.setdefault(term.value, ox.BlankNode())
        return term

    return [ox.Quad(fresh(q.subject), q.predicate, fresh(q.object), fresh(q.graph_name)) for q in quads]


def _instantiate(template: list[ox.Quad], solution: ox.QuerySolution, *, fresh: bool,
                 default_graph: Graph) -> Iterator[ox.Quad]:
    blank: dict[str, ox.BlankNode] = {}

    def term(value: Any) -> Any:
        if isinstance(value, ox.NamedNode) and value.value.startswith(VAR_IRI):
            return solution[value.value[len(VAR_IRI):]]
        if fresh and isinstance(value, ox.BlankNode):
            return blank.setdefault(value.value, ox.BlankNode())
        return value

    for quad in template:
        s, p, o = term(quad.subject), term(quad.predicate), term(quad.object)
        g = default_graph if isinstance(quad.graph_name, ox.DefaultGraph) else term(quad.graph_name)
        if s is None or p is None or o is None or g is None:
            continue  # an unbound variable drops the triple (SPARQL 1.1 Update §3.1.3)
        try:
            yield ox.Quad(s, p, o, g)
        except (TypeError, ValueError):
            continue  # e.g. a literal bound in subject position


def _dataset_kwargs(op: Operation, using: list[ox.NamedNode], using_named: list[ox.NamedNode],
                    ) -> dict[str, Any]:
    if using or using_named:
        return {"default_graph": using or [ox.DefaultGraph()], "named_graphs": using_named}
    if op.with_graph is not None:
        return {"default_graph": [op.with_graph]}
    return {"use_default_graph_as_union": True}


def _run_modify(vd: VirtualDataset, op: Operation, base_iri: str | None,
                using: list[ox.NamedNode], using_named: list[ox.NamedNode]) -> None:
    default_graph: Graph = op.with_graph or ox.DefaultGraph()
    delete = parse_quads(op.prologue, op.delete_template, base_iri, variables=True) \
        if op.delete_template else []
    insert = parse_quads(op.prologue, op.insert_template, base_iri, variables=True) \
        if op.insert_template else []
    if op.kind == "delete_where" and any(isinstance(t, ox.BlankNode)
                                         for q in delete for t in (q.subject, q.object)):
        raise QuerySyntaxError("blank nodes are not allowed in DELETE WHERE")
    if (op.using or op.using_named or op.with_graph is not None) and (using or using_named):
        # SPARQL 1.1 Protocol 2.2.3: such a request must be refused.
        raise BadRequest("the dataset is given twice: by USING/USING NAMED/WITH in the update and by "
                         "using-graph-uri/using-named-graph-uri parameters", hint="give it in one place only")
    query = f"{op.prologue}\nSELECT * WHERE {op.where}"
    try:
        solutions = vd.query_store().query(
            query, base_iri=base_iri, **_dataset_kwargs(op, op.using or using, op.using_named or using_named))
    except SyntaxError as exc:
        raise syntax_error(exc) from exc
    if not isinstance(solutions, ox.QuerySolutions):
        raise TypeError(f"not a SELECT: {query}")  # (it is: written just above)
    removals: list[ox.Quad] = []
    additions: list[ox.Quad] = []
    for solution in solutions:
        removals.extend(_instantiate(delete, solution, fresh=False, default_graph=default_graph))
        additions.extend(_instantiate(insert, solution, fresh=True, default_graph=default_graph))
    vd.apply(removals, additions)


def _graphs_of(vd: VirtualDataset, which: Graph | str | None, policy: WritePolicy) -> list[Graph]:
    """The graphs a CLEAR/DROP empties; NAMED and ALL leave the policy's protected graphs alone."""
    if which == "DEFAULT":
        return [ox.DefaultGraph()]
    if which == "NAMED":
        return policy.sweep(vd.named_graphs())
    if which == "ALL":
        return [ox.DefaultGraph(), *policy.sweep(vd.named_graphs())]
    assert isinstance(which, ox.NamedNode | ox.BlankNode | ox.DefaultGraph)
    return [which]


def _run(vd: VirtualDataset, op: Operation, base_iri: str | None,
         using: list[ox.NamedNode], using_named: list[ox.NamedNode], policy: WritePolicy) -> None:
    if op.kind in ("insert_data", "delete_data"):
        quads = parse_quads(op.prologue, op.data or "{}", base_iri, variables=False)
        if op.kind == "insert_data":
            vd.apply((), fresh_blank_nodes(quads))
        else:
            vd.apply(quads, ())
    elif op.kind in ("modify", "delete_where"):
        _run_modify(vd, op, base_iri, using, using_named)
    elif op.kind in ("clear", "drop"):
        for graph in _graphs_of(vd, op.target, policy):
            if not vd.graph_exists(graph):
                # DROP of a missing graph fails unless SILENT; CLEAR of one is a no-op (as Oxigraph,
                # and as the W3C protocol tests expect of `CLEAR GRAPH` before a first insert).
                if op.silent or op.kind == "clear":
                    continue
                raise NotFound(f"there is no graph {graph} to {op.kind.upper()}",
                               suggestions=[str(g) for g in vd.named_graphs()][:10])
            if op.kind == "drop":
                vd.drop_graph(graph)
            else:
                vd.apply(list(vd.pattern(g=graph)), ())
    elif op.kind == "create":
        assert isinstance(op.target, ox.NamedNode)
        if vd.graph_exists(op.target) and not op.silent:
            raise BadRequest(f"the graph {op.target} already exists", hint="use CREATE SILENT")
        vd.create_graph(op.target)
    elif op.kind in ("add", "copy", "move"):
        source, target = op.source, op.target
        assert isinstance(source, ox.NamedNode | ox.DefaultGraph)
        assert isinstance(target, ox.NamedNode | ox.DefaultGraph)
        if not vd.graph_exists(source):
            if not op.silent:
                raise NotFound(f"there is no graph {source} to {op.kind.upper()} from")
            if op.kind != "add" and source != target and vd.graph_exists(target):
                vd.drop_graph(target)  # as Oxigraph: the target takes the missing source's (empty) content
            return
        if source == target:
            return
        content = [ox.Quad(q.subject, q.predicate, q.object, target) for q in vd.pattern(g=source)]
        if op.kind in ("copy", "move"):
            vd.apply(list(vd.pattern(g=target)), ())
        vd.apply((), content)
        if isinstance(target, ox.NamedNode):
            vd.create_graph(target)
        if op.kind == "move":
            vd.drop_graph(source)
    else:  # pragma: no cover - split_update only makes the kinds above
        raise QuerySyntaxError(f"unsupported operation {op.kind}")


def check_syntax(update: str, base_iri: str | None) -> None:
    """pyoxigraph's own parser, on an empty store: exact messages and positions, nothing touched."""
    service.check(update, base_iri=base_iri, never="updates never call other endpoints, not even allowed "
                  "ones: an update's WHERE runs in the writer, outside the query timeout")
    check_nesting(update)
    try:
        ox.Store().update(update, base_iri=base_iri)
    except SyntaxError as exc:
        raise syntax_error(exc) from exc
    except Exception:  # semantic errors (a missing graph...) are judged on the real data below
        pass


def update_delta(store: ox.Store, update: str, *, base_iri: str | None = None,
                 using: Iterable[str] = (), using_named: Iterable[str] = (),
                 policy: WritePolicy = DEFAULT_POLICY) -> VirtualDataset:
    """What `update` would change in `store`, computed without writing. See the module docstring.

    `policy` (kg.gate.policy) refuses, before anything is computed, operations aimed at the built
    graphs and bulk CLEAR/DROP unless allowed, and afterwards any change that reached a built
    graph through a variable (`GRAPH ?g`).
    """
    if any(t.upper == "LOAD" for t in tokenize(update)):
        ops = split_update(update)  # a LOAD operation is refused here, naming a built target first
        policy.check_operations([op for op in ops if op.kind != "load"], base_iri)
        _refuse_load(ops, policy)
    check_syntax(update, base_iri)
    vd = VirtualDataset(store)
    using_nodes = [ox.NamedNode(u) for u in using]
    using_named_nodes = [ox.NamedNode(u) for u in using_named]
    ops = split_update(update)
    policy.check_operations(ops, base_iri)
    for op in ops:
        _run(vd, op, base_iri, using_nodes, using_named_nodes, policy)
    policy.check_delta(vd.removed, vd.added, vd.created, vd.dropped)
    return vd


def _refuse_load(ops: list[Operation], policy: WritePolicy) -> None:
    for op in ops:
        if op.kind != "load":
            continue
        if isinstance(op.target, ox.NamedNode) and policy.is_protected(op.target):  # LOAD ... INTO GRAPH <g>
            policy.refuse_graph(op.target.value, "LOAD into")
        raise BadRequest("LOAD is not available: this service does not fetch documents from the network",
                         hint="send the data itself with INSERT DATA or PUT/POST to /rdf-graph-store")
