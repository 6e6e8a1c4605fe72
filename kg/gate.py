"""The SHACL gate: every write is computed, checked and only then committed, in one transaction.

Why not just run `Store.update`? Because then the write is visible (and durable) before anyone
has checked it. Instead a write goes through four steps, and the store is untouched until the last:

1. **Delta.** The update is split into its operations (a small tokenizer finds each operation's
   parts; pyoxigraph itself checks the syntax first, on an empty store). Each operation becomes a
   set of quads removed and added, against a *virtual* dataset: the store read-only plus the
   changes of the earlier operations of the same request. `INSERT DATA`/`DELETE DATA` and
   templates are parsed by pyoxigraph's TriG parser (variables stand in as placeholder IRIs);
   `WHERE` clauses run on the store as `SELECT *`; `CLEAR`/`DROP`/`COPY`/`MOVE`/`ADD`/`CREATE`
   read graph contents. `LOAD` is refused: the service has no network.
2. **Inference.** For the nodes the change touches, the RDFS/OWL RL entailments are recomputed
   (`kg.build.inference.infer`, the build's rule set) from their asserted neighbourhood after the
   change; inferred triples about those nodes that lost their support are removed, new ones added.
   Rules that need more than one hop of context are not re-derived here (documented).
3. **Validation.** What the shapes can read is derived from the shapes themselves
   (`ShapeReach`): each targeted shape's routes (its `sh:path` steps, inverse, alternative,
   sequence and `*`/`+`/`?` paths included, then the shapes nested by `sh:node`,
   `sh:qualifiedValueShape`, `sh:or`/`sh:and`/`sh:xone`/`sh:not`, `sh:property`), with the
   `rdf:type` of every node on the way (`sh:class`, targets). Focus nodes = subjects and objects of
   the changed quads (vocabulary excluded) plus every node some shape targets whose routes reach
   one of them (the routes walked backwards from the changed nodes). pyshacl (through
   `validate_focus`, which keeps the focus nodes' results; the store's shapes, its ontology as
   `ont_graph`) gets exactly the quads those focus nodes' routes reach
   in the store with the delta applied virtually: the same view a validation of the
   whole store has of them. Cost grows with the change and its shape-reachable neighbourhood,
   not the store.
4. **Journal, then commit.** The net change (data and inferred quads) becomes one
   `kg.journal.Entry`; when the writer has a journal, the entry is appended and fsync'ed first,
   then applied to the store with the quad API (`Entry.apply_to`: never the user's text, and
   blank nodes keep their labels, so the journal names the same nodes as the store), then the
   store's journal position is recorded. The store's workers are closed meanwhile
   (`exclusive()`), so no reader sees a half-applied write; a crash in the middle is completed
   from the journal at the next start (`kg.journal.recover`).

Plain `WHERE` clauses see the union of all graphs as their default graph, as queries do;
templates without `GRAPH` write to the store's default graph (or the `WITH` graph).
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urljoin

import pyoxigraph as ox

from kg import iris, service
from kg.errors import BadRequest, NotFound, QuerySyntaxError, StoreUnavailable, ValidationFailed, Violation
from kg.journal.entry import Entry
from kg.journal.log import Journal, fault_point
from kg.protected import WritePolicy
from kg.sparql_lexer import TOKEN_RE, Token, tokenize
from kg.store.engine import check_nesting, syntax_error

#: Graphs the gate maintains itself or reads its rules from: never validated as data.
NON_DATA_GRAPHS = frozenset({iris.GRAPH_INFERRED, iris.GRAPH_ONTOLOGY, iris.GRAPH_SHAPES})
RDF_TYPE = ox.NamedNode(iris.PREFIXES["rdf"] + "type")
#: IRIs under these namespaces are vocabulary (the ontology's terms, W3C vocabularies), not data.
VOCABULARY = (iris.TG, *(iris.PREFIXES[p] for p in ("rdf", "rdfs", "owl", "xsd", "skos", "sh")))
VAR_IRI = "urn:x-tregua-var:"
#: A multi-operation update whose later WHERE must see earlier changes copies the store into
#: memory; beyond this many quads it is refused (send the operations as separate requests).
MAX_COPY_QUADS = 2_000_000

Graph = ox.NamedNode | ox.BlankNode | ox.DefaultGraph


#: What user writes may do unless told otherwise: built graphs protected, no bulk CLEAR/DROP.
DEFAULT_POLICY = WritePolicy()

# ----------------------------------------------------------------------------- tokens and operations

@dataclass
class Operation:
    """One operation of an update, located in the update's text."""

    kind: str
    prologue: str = ""
    silent: bool = False
    target: Graph | str | None = None  # a graph, or "DEFAULT" / "NAMED" / "ALL"
    source: Graph | None = None
    with_graph: ox.NamedNode | None = None
    using: list[ox.NamedNode] = field(default_factory=list)
    using_named: list[ox.NamedNode] = field(default_factory=list)
    delete_template: str | None = None
    insert_template: str | None = None
    where: str | None = None
    data: str | None = None


class _Reader:
    """Walks one operation's tokens; resolves IRIs with the prologue seen so far."""

    def __init__(self, text: str, tokens: list[Token], prefixes: dict[str, str], base: str | None) -> None:
        self.text = text
        self.tokens = tokens
        self.i = 0
        self.prefixes = prefixes
        self.base = base

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise QuerySyntaxError("the update ends too early")
        self.i += 1
        return token

    def keyword(self, *words: str) -> str | None:
        token = self.peek()
        if token is not None and token.upper in words:
            self.i += 1
            return token.upper
        return None

    def iri(self) -> ox.NamedNode:
        token = self.take()
        if token.kind == "iri":
            value = token.text[1:-1]
            return ox.NamedNode(urljoin(self.base, value) if self.base else value)
        if token.kind == "word" and ":" in token.text:
            prefix, _, local = token.text.partition(":")
            if prefix in self.prefixes:
                return ox.NamedNode(self.prefixes[prefix] + re.sub(r"\\(.)", r"\1", local))
        raise QuerySyntaxError(f"expected an IRI, found {token.text!r}")

    def group(self) -> str:
        """The text of the `{ ... }` group that starts here, braces included."""
        open_token = self.take()
        if open_token.kind != "lbrace":
            raise QuerySyntaxError(f"expected '{{', found {open_token.text!r}")
        depth = 1
        while depth:
            token = self.take()
            depth += {"lbrace": 1, "rbrace": -1}.get(token.kind, 0)
        return self.text[open_token.start:self.tokens[self.i - 1].end]

    def graph_ref(self) -> Graph:
        """`DEFAULT` or `GRAPH? iri` (ADD/MOVE/COPY)."""
        if self.keyword("DEFAULT"):
            return ox.DefaultGraph()
        self.keyword("GRAPH")
        return self.iri()


def split_update(text: str) -> list[Operation]:
    """The operations of an update, each with the prologue in force where it stands."""
    tokens = tokenize(text)
    prefixes: dict[str, str] = {}
    base: str | None = None
    prologue: list[str] = []
    ops: list[Operation] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.upper == "PREFIX" and i + 2 < len(tokens):
            name, iri = tokens[i + 1].text, tokens[i + 2].text[1:-1]
            prefixes[name.rstrip(":")] = urljoin(base, iri) if base else iri
            prologue.append(text[token.start:tokens[i + 2].end])
            i += 3
            continue
        if token.upper == "BASE" and i + 1 < len(tokens):
            iri = tokens[i + 1].text[1:-1]
            base = urljoin(base, iri) if base else iri
            prologue.append(text[token.start:tokens[i + 1].end])
            i += 2
            continue
        if token.kind == "semi":
            i += 1
            continue
        depth, j = 0, i
        while j < len(tokens) and not (depth == 0 and tokens[j].kind == "semi"):
            depth += {"lbrace": 1, "rbrace": -1}.get(tokens[j].kind, 0)
            j += 1
        ops.append(_operation(text, tokens[i:j], dict(prefixes), base, "\n".join(prologue)))
        i = j
    return ops


def _operation(text: str, tokens: list[Token], prefixes: dict[str, str], base: str | None,
               prologue: str) -> Operation:
    r = _Reader(text, tokens, prefixes, base)
    word = r.take().upper
    op = Operation(word.lower(), prologue=prologue)
    if word == "LOAD":  # refused in update_delta, after the policy has looked at its target
        op.silent = bool(r.keyword("SILENT"))
        op.source = r.iri()
        if r.keyword("INTO"):
            r.keyword("GRAPH")
            op.target = r.iri()
        return op
    if word in ("CLEAR", "DROP", "CREATE"):
        op.silent = bool(r.keyword("SILENT"))
        which = r.keyword("GRAPH", "DEFAULT", "NAMED", "ALL")
        op.target = r.iri() if which == "GRAPH" else which
        if word == "CREATE" and which != "GRAPH":
            raise QuerySyntaxError("CREATE needs GRAPH <iri>")
        return op
    if word in ("ADD", "MOVE", "COPY"):
        op.silent = bool(r.keyword("SILENT"))
        op.source = r.graph_ref()
        if not r.keyword("TO"):
            raise QuerySyntaxError(f"{word} needs TO")
        op.target = r.graph_ref()
        return op
    if word == "WITH":
        op.with_graph = r.iri()
        word = r.take().upper
    if word in ("INSERT", "DELETE") and r.keyword("DATA"):
        op.kind = f"{word.lower()}_data"
        op.data = r.group()
        return op
    if word == "DELETE" and r.keyword("WHERE"):
        op.kind = "delete_where"
        op.delete_template = op.where = r.group()
        return op
    op.kind = "modify"
    if word == "DELETE":
        op.delete_template = r.group()
        if r.keyword("INSERT"):
            op.insert_template = r.group()
    elif word == "INSERT":
        op.insert_template = r.group()
    else:
        raise QuerySyntaxError(f"unexpected {word!r} at the start of an update operation")
    while r.keyword("USING"):
        (op.using_named if r.keyword("NAMED") else op.using).append(r.iri())
    if not r.keyword("WHERE"):
        raise QuerySyntaxError("expected WHERE")
    op.where = r.group()
    return op


# ----------------------------------------------------------------------------- the virtual dataset


def _graph_key(graph: Graph) -> str:
    """The graph's IRI ("" for the default graph), as kept in `created`/`dropped`."""
    if isinstance(graph, ox.DefaultGraph):
        return ""
    return graph.value if isinstance(graph, ox.NamedNode) else str(graph)


class VirtualDataset:
    """The store as it would be after the changes so far, without writing anything.

    `removed` holds quads of the store that are gone, `added` quads that are new; graphs created
    or dropped are tracked apart, since Oxigraph keeps empty named graphs.
    """

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self.removed: set[ox.Quad] = set()
        self.added: set[ox.Quad] = set()
        self.created: set[str] = set()
        self.dropped: set[str] = set()
        self._memory: ox.Store | None = None

    @property
    def changed(self) -> bool:
        return bool(self.removed or self.added or self.created or self.dropped)

    def contains(self, quad: ox.Quad) -> bool:
        if quad in self.added:
            return True
        return quad not in self.removed and quad in self.store

    def pattern(self, s: Any = None, p: Any = None, o: Any = None, g: Any = None) -> Iterator[ox.Quad]:
        """Quads matching a pattern in the changed dataset."""
        for quad in self.store.quads_for_pattern(s, p, o, g):
            if quad not in self.removed:
                yield quad
        for quad in self.added:
            if ((s is None or quad.subject == s) and (p is None or quad.predicate == p)
                    and (o is None or quad.object == o) and (g is None or quad.graph_name == g)):
                yield quad

    def graph_exists(self, graph: Graph) -> bool:
        if isinstance(graph, ox.DefaultGraph):
            return True
        key = _graph_key(graph)
        if key in self.created:
            return True
        if key in self.dropped:
            return False
        return self.store.contains_named_graph(graph) or any(q.graph_name == graph for q in self.added)

    def named_graphs(self) -> list[Graph]:
        names = {_graph_key(g): g for g in self.store.named_graphs() if _graph_key(g) not in self.dropped}
        names.update({_graph_key(q.graph_name): q.graph_name for q in self.added
                      if not isinstance(q.graph_name, ox.DefaultGraph)})
        names.update({k: ox.NamedNode(k) for k in self.created})
        return list(names.values())

    def apply(self, removals: Iterable[ox.Quad], additions: Iterable[ox.Quad]) -> None:
        """Deletions first, then insertions, as SPARQL Update says."""
        removals, additions = list(removals), list(additions)
        for quad in removals:
            if quad in self.added:
                self.added.discard(quad)
            elif quad in self.store:
                self.removed.add(quad)
        for quad in additions:
            if quad in self.removed:
                self.removed.discard(quad)
            elif quad not in self.store:
                self.added.add(quad)
            if not isinstance(quad.graph_name, ox.DefaultGraph):
                # as in Oxigraph, inserting into a graph creates it, and it outlives its last triple
                key = _graph_key(quad.graph_name)
                self.dropped.discard(key)
                if not self.store.contains_named_graph(quad.graph_name):
                    self.created.add(key)
        if self._memory is not None:
            for quad in removals:
                self._memory.remove(quad)
            self._memory.extend(additions)

    def drop_graph(self, graph: Graph) -> None:
        self.apply(list(self.pattern(g=graph)), ())
        if not isinstance(graph, ox.DefaultGraph):
            key = _graph_key(graph)
            self.created.discard(key)
            if self.store.contains_named_graph(graph):
                self.dropped.add(key)
            if self._memory is not None:
                self._memory.remove_graph(graph)

    def create_graph(self, graph: ox.NamedNode) -> None:
        self.dropped.discard(_graph_key(graph))
        if not self.store.contains_named_graph(graph):
            self.created.add(_graph_key(graph))
        if self._memory is not None:
            self._memory.add_graph(graph)

    def query_store(self) -> ox.Store:
        """Where a WHERE clause runs: the store itself, or (once changed) an in-memory copy."""
        if not self.changed:
            return self.store
        if self._memory is None:
            size = len(self.store)
            if size > MAX_COPY_QUADS:
                raise BadRequest(
                    f"this update runs a WHERE clause after other operations changed the data, which "
                    f"needs a copy of the store; the store has {size} quads, more than {MAX_COPY_QUADS}",
                    hint="send the operations as separate requests")
            memory = ox.Store()
            memory.bulk_extend(q for q in self.store if q not in self.removed)
            memory.bulk_extend(self.added)
            for key in self.created:
                memory.add_graph(ox.NamedNode(key))
            for key in self.dropped:
                with contextlib.suppress(Exception):
                    memory.remove_graph(ox.NamedNode(key))
            self._memory = memory
        return self._memory


# ----------------------------------------------------------------------------- operations → delta


def _fresh_blank_nodes(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """Blank nodes of inserted data are new nodes, whatever label the request gave them."""
    mapping: dict[str, ox.BlankNode] = {}

    def fresh(term: Any) -> Any:
        if isinstance(term, ox.BlankNode):
            return mapping.setdefault(term.value, ox.BlankNode())
        return term

    return [ox.Quad(fresh(q.subject), q.predicate, fresh(q.object), fresh(q.graph_name)) for q in quads]


DEFAULT_PLACEHOLDER = "urn:x-tregua-default-graph"


def _to_trig(body: str) -> str:
    """A SPARQL quad block as TriG: bare triples go into a placeholder graph block, because TriG
    needs a final '.' after top-level triples where SPARQL does not."""
    tokens = _spaced(body)
    out: list[str] = []
    segment: list[str] = []

    def flush() -> None:
        text = "".join(segment).strip().strip(".").strip()
        if text:
            out.append(f"GRAPH <{DEFAULT_PLACEHOLDER}> {{ {text} }}")
        segment.clear()

    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.kind == "word" and token.text.upper() == "GRAPH":
            flush()
            depth, j = 0, i
            while j < len(tokens):
                depth += {"lbrace": 1, "rbrace": -1}.get(tokens[j].kind, 0)
                j += 1
                if depth == 0 and tokens[j - 1].kind == "rbrace":
                    break
            out.append("".join(t.text for t in tokens[i:j]))
            i = j
            continue
        segment.append(token.text)
        i += 1
    flush()
    return "\n".join(out)


def _parse_quads(prologue: str, group: str, base_iri: str | None, *, variables: bool) -> list[ox.Quad]:
    """A `{ ... }` block of quads via pyoxigraph's TriG parser; variables become placeholder IRIs."""
    body = group[1:-1]
    if variables:
        body = "".join(f"<{VAR_IRI}{t.text[1:]}>" if t.kind == "var" else t.text for t in _spaced(body))
    document = f"{prologue}\n{_to_trig(body)}\n".encode()
    try:
        quads = list(ox.parse(document, format=ox.RdfFormat.TRIG, base_iri=base_iri))
    except SyntaxError as exc:
        raise QuerySyntaxError(f"in the data block of the update: {exc}") from exc
    placeholder = ox.NamedNode(DEFAULT_PLACEHOLDER)
    return [ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) if q.graph_name == placeholder else q
            for q in quads]


def _spaced(text: str) -> list[Token]:
    """Tokens with the whitespace between them kept as `ws` tokens (to rebuild the text)."""
    out: list[Token] = []
    for m in TOKEN_RE.finditer(text):
        out.append(Token(m.lastgroup or "other", m.group(), m.start(), m.end()))
    return out


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
    delete = _parse_quads(op.prologue, op.delete_template, base_iri, variables=True) \
        if op.delete_template else []
    insert = _parse_quads(op.prologue, op.insert_template, base_iri, variables=True) \
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
    removals: list[ox.Quad] = []
    additions: list[ox.Quad] = []
    for solution in solutions:  # type: ignore[union-attr]
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
        quads = _parse_quads(op.prologue, op.data or "{}", base_iri, variables=False)
        if op.kind == "insert_data":
            vd.apply((), _fresh_blank_nodes(quads))
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

    `policy` (kg.protected) refuses, before anything is computed, operations aimed at the built
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
        if policy.is_protected(op.target):
            policy.refuse_graph(op.target.value, "LOAD into")  # type: ignore[union-attr]
        raise BadRequest("LOAD is not available: this service does not fetch documents from the network",
                         hint="send the data itself with INSERT DATA or PUT/POST to /rdf-graph-store")


# ----------------------------------------------------------------------------- inference and validation


def _is_node(term: Any) -> bool:
    return isinstance(term, ox.NamedNode | ox.BlankNode)


def _data_quads(quads: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
    for q in quads:
        if _graph_key(q.graph_name) not in NON_DATA_GRAPHS:
            yield q


@dataclass
class Rules:
    """The shapes and ontology the store was built with (read from its own graphs)."""

    shapes: list[ox.Quad]
    ontology: list[ox.Quad]
    shapes_graph: Any = None
    ontology_graph: Any = None
    entailment: Entailment | None = None
    vocabulary: frozenset[Any] = frozenset()
    reach: ShapeReach | None = None

    def is_vocabulary(self, term: Any) -> bool:
        """Classes, properties and concept-scheme values: shared by many nodes, never focus nodes."""
        return term in self.vocabulary or (isinstance(term, ox.NamedNode)
                                           and term.value.startswith(VOCABULARY))

    @classmethod
    def of(cls, store: ox.Store) -> Rules:
        from kg import paths
        from kg.validation.shacl import to_rdflib

        shapes = list(store.quads_for_pattern(None, None, None, ox.NamedNode(iris.GRAPH_SHAPES)))
        ontology = list(store.quads_for_pattern(None, None, None, ox.NamedNode(iris.GRAPH_ONTOLOGY)))
        if not shapes:  # a store not built by `kg build`: fall back to the files
            shapes = _read_dir(paths.SHAPES_DIR)
        if not ontology:
            ontology = _read_dir(paths.ONTOLOGY_DIR)
        vocabulary = frozenset(q.subject for q in ontology)
        entailment = Entailment.of(ontology)
        return cls(shapes, ontology, to_rdflib(shapes), to_rdflib(ontology), entailment, vocabulary,
                   ShapeReach(shapes, entailment.superclasses))


def _read_dir(folder: Any) -> list[ox.Quad]:
    out: list[ox.Quad] = []
    for path in sorted(folder.glob("*.ttl")) if folder.is_dir() else []:
        out.extend(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    return out


def changed_data(vd: VirtualDataset) -> list[ox.Quad]:
    return list(_data_quads([*vd.removed, *vd.added]))


class Entailment:
    """The ontology's schema closed once (owlrl, as the build does), then applied per write.

    Running owlrl over the whole ontology for every write costs seconds; the schema does not change
    between writes, so its closure is computed once and a write applies only the instance rules
    that the build's inferred graph holds: super-classes, super-properties, domains, ranges,
    inverse and symmetric properties.
    """

    def __init__(self, superclasses: dict[Any, set[Any]], superproperties: dict[Any, set[Any]],
                 domains: dict[Any, set[Any]], ranges: dict[Any, set[Any]],
                 inverses: dict[Any, set[Any]]) -> None:
        self.superclasses = superclasses
        self.superproperties = superproperties
        self.domains = domains
        self.ranges = ranges
        self.inverses = inverses

    @classmethod
    def of(cls, ontology: list[ox.Quad]) -> Entailment:
        import owlrl

        from kg.build.inference import _to_ox
        from kg.validation.shacl import to_rdflib

        graph = to_rdflib(ontology)
        closure = owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False,
                                         datatype_axioms=False)
        closure.expand(graph)
        rdfs, owl = iris.PREFIXES["rdfs"], iris.PREFIXES["owl"]

        def pairs(predicate: str) -> dict[Any, set[Any]]:
            out: dict[Any, set[Any]] = {}
            for s_, _, o_ in graph.triples((None, rdflib_uri(predicate), None)):
                if _named(s_) and _named(o_) and s_ != o_:
                    out.setdefault(_to_ox(s_), set()).add(_to_ox(o_))
            return out

        inverses = pairs(owl + "inverseOf")
        for a, bs in list(inverses.items()):
            for b in bs:
                inverses.setdefault(b, set()).add(a)
        symmetric = rdflib_uri(owl + "SymmetricProperty")
        for s_ in graph.subjects(rdflib_uri(iris.PREFIXES["rdf"] + "type"), symmetric):
            if _named(s_):
                inverses.setdefault(_to_ox(s_), set()).add(_to_ox(s_))
        return cls(pairs(rdfs + "subClassOf"), pairs(rdfs + "subPropertyOf"), pairs(rdfs + "domain"),
                   pairs(rdfs + "range"), inverses)

    def derive(self, triples: Iterable[tuple[Any, Any, Any]]) -> set[tuple[Any, Any, Any]]:
        """Everything the rules give from `triples` (the input included), to a fixpoint."""
        done: set[tuple[Any, Any, Any]] = set()
        todo = list(triples)
        while todo:
            triple = todo.pop()
            if triple in done:
                continue
            done.add(triple)
            s_, p_, o_ = triple
            if p_ == RDF_TYPE:
                todo += [(s_, RDF_TYPE, c) for c in self.superclasses.get(o_, ())]
                continue
            for q in self.superproperties.get(p_, set()) | {p_}:
                if q != p_:
                    todo.append((s_, q, o_))
                todo += [(s_, RDF_TYPE, c) for c in self.domains.get(q, ())]
                if _is_node(o_):
                    todo += [(o_, RDF_TYPE, c) for c in self.ranges.get(q, ())]
                    todo += [(o_, inv, s_) for inv in self.inverses.get(q, ())]
        return done


def rdflib_uri(value: str) -> Any:
    import rdflib

    return rdflib.URIRef(value)


def _named(term: Any) -> bool:
    import rdflib

    return isinstance(term, rdflib.URIRef)


def _worth_storing(triple: tuple[Any, Any, Any], touched: set[Any]) -> bool:
    """The build's filter (kg.build.inference): facts about data nodes, no RDF/RDFS/OWL vocabulary noise."""
    from kg.build.inference import NOISE_NAMESPACES

    s_, p_, o_ = triple
    if s_ not in touched or not isinstance(s_, ox.NamedNode):
        return False
    if p_ == RDF_TYPE:
        return isinstance(o_, ox.NamedNode) and not o_.value.startswith(NOISE_NAMESPACES)
    return not p_.value.startswith(NOISE_NAMESPACES)


def inference_delta(vd: VirtualDataset, rules: Rules) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """Inferred quads to remove (lost their support) and to add, for the nodes the change touched.

    Only what the rules derive is ever removed: an inferred triple the build made by a rule not
    applied here (e.g. an OWL RL rule needing more context) stays.
    """
    changed = changed_data(vd)
    if not changed or rules.entailment is None:
        return [], []
    touched = {q.subject for q in changed} | {q.object for q in changed if _is_node(q.object)}
    # Vocabulary (classes, concept values) is pointed at by whole populations: never a touched node.
    touched = {n for n in touched if not rules.is_vocabulary(n)}

    def context(quads: Callable[..., Iterable[ox.Quad]]) -> set[tuple[Any, Any, Any]]:
        out = set()
        for node in touched:
            for q in _data_quads([*quads(node, None, None, None), *quads(None, None, node, None)]):
                out.add((q.subject, q.predicate, q.object))
        return out

    before, after = context(vd.store.quads_for_pattern), context(vd.pattern)
    derived_before = {t for t in rules.entailment.derive(before) if _worth_storing(t, touched)} - before
    derived_after = {t for t in rules.entailment.derive(after) if _worth_storing(t, touched)} - after
    inferred = ox.NamedNode(iris.GRAPH_INFERRED)
    present = {(q.subject, q.predicate, q.object) for node in touched for q in vd.pattern(s=node, g=inferred)}
    lost = (derived_before - derived_after) & present
    # an inferred triple now asserted in a data graph is no longer "inferred"
    lost |= {t for t in present & after if t in derived_before or t in derived_after}
    new = derived_after - present
    to_quads = lambda ts: sorted((ox.Quad(t[0], t[1], t[2], inferred) for t in ts), key=str)  # noqa: E731
    return to_quads(lost), to_quads(new)


SH = iris.PREFIXES["sh"]
RDF = iris.PREFIXES["rdf"]
_SH = {name: ox.NamedNode(SH + name) for name in (
    "path", "property", "node", "qualifiedValueShape", "not", "or", "and", "xone", "inversePath",
    "alternativePath", "zeroOrMorePath", "oneOrMorePath", "zeroOrOnePath", "targetClass", "targetNode",
    "targetSubjectsOf", "targetObjectsOf", "lessThan", "lessThanOrEquals", "equals", "disjoint")}
_RDF_FIRST, _RDF_REST, _RDF_NIL = (ox.NamedNode(RDF + n) for n in ("first", "rest", "nil"))
#: Longest route (steps from a focus node) followed backwards to find affected nodes; `*`/`+`
#: paths are unrolled up to it (the project's shapes reach 2 steps and use neither).
MAX_SHAPE_DEPTH = 4

#: One step of a walk: (predicate, True) from subject to object, (predicate, False) backwards.
Step = tuple[Any, bool]
#: A compiled SHACL path: ("p", predicate) | ("inv", path) | ("seq"/"alt", [paths]) | ("star"/"plus"/"opt", path)
Path = tuple[str, Any]


class ShapeReach:
    """What the shapes can look at from a node, compiled once from the shapes graph.

    A focus node is validated by the shapes that target it; each follows its `sh:path`
    (predicates, inverse, alternative, sequence and `*`/`+`/`?` paths) and, at the value nodes,
    the shapes nested with `sh:node`, `sh:qualifiedValueShape`, `sh:not`/`sh:or`/`sh:and`/`sh:xone`
    and `sh:property`; `sh:class` (and targeting) read the `rdf:type` of every node reached;
    `sh:lessThan`/`sh:equals`/... read the focus node's other property. `closure()` collects
    exactly those quads, so pyshacl sees for each focus node what a validation of the whole store
    would see. `routes` holds, per targeting shape, the step sequences its validation walks
    (`depth` is the longest; routes are cut at MAX_SHAPE_DEPTH steps, `*`/`+` paths unrolled up to
    it and a shape nesting itself unfolded once; the project's shapes have neither, depth is 2):
    `affected()` walks them backwards from the changed nodes to find the nodes whose validation
    the change can alter. Vocabulary (classes, concept values) is never walked out of.
    """

    def __init__(self, shapes: Iterable[ox.Quad], superclasses: dict[Any, set[Any]] | None = None) -> None:
        self.index: dict[tuple[Any, Any], list[Any]] = {}
        for q in shapes:
            self.index.setdefault((q.subject, q.predicate), []).append(q.object)
        self.superclasses = superclasses or {}
        self._paths: dict[Any, Path] = {}
        shape_types = {ox.NamedNode(SH + "NodeShape"), ox.NamedNode(SH + "PropertyShape")}
        class_types = {ox.NamedNode(iris.PREFIXES["rdfs"] + "Class"), ox.NamedNode(iris.PREFIXES["owl"] + "Class")}
        #: shapes with targets: (shape, target classes, target nodes, subjects-of, objects-of)
        self.roots: list[tuple[Any, set[Any], set[Any], set[Any], set[Any]]] = []
        subjects = {s_ for (s_, _p) in self.index}
        for shape in sorted(subjects, key=str):
            types = set(self._all(shape, RDF_TYPE))
            classes = set(self._all(shape, _SH["targetClass"]))
            if types & class_types and types & shape_types:
                classes.add(shape)  # implicit class target
            target = (classes, set(self._all(shape, _SH["targetNode"])),
                      set(self._all(shape, _SH["targetSubjectsOf"])), set(self._all(shape, _SH["targetObjectsOf"])))
            if any(target):
                self.roots.append((shape, *target))
        self._root = {r[0]: r for r in self.roots}
        #: per root shape, the routes (step sequences, every prefix included) its validation walks
        self.routes: dict[Any, set[tuple[Step, ...]]] = {}
        for shape, _classes, _nodes, subjects_of, objects_of in self.roots:
            routes = self._routes(shape, frozenset())
            routes |= {((p, True),) for p in subjects_of} | {((p, False),) for p in objects_of}
            self.routes[shape] = {r[:i] for r in routes for i in range(1, len(r) + 1)}
        self.depth = max((len(r) for routes in self.routes.values() for r in routes), default=0)
        # backwards: a trie of the routes read from their end, to walk from a changed node
        self._back: dict[Any, Any] = {}
        for shape, routes in self.routes.items():
            for route in routes:
                trie = self._back
                for step in reversed(route):
                    trie = trie.setdefault(step, {})
                trie.setdefault(None, set()).add(shape)

    # -- reading the shapes graph

    def _all(self, node: Any, predicate: Any) -> list[Any]:
        return self.index.get((node, predicate), [])

    def _one(self, node: Any, predicate: Any) -> Any:
        values = self._all(node, predicate)
        return values[0] if values else None

    def _list(self, node: Any) -> list[Any]:
        out: list[Any] = []
        while node is not None and node != _RDF_NIL and len(out) < 10_000:
            first = self._one(node, _RDF_FIRST)
            if first is None:
                break
            out.append(first)
            node = self._one(node, _RDF_REST)
        return out

    def path(self, node: Any) -> Path:
        if node not in self._paths:
            self._paths[node] = self._compile(node)
        return self._paths[node]

    def _compile(self, node: Any) -> Path:
        if isinstance(node, ox.NamedNode):
            return ("p", node)
        if self._one(node, _RDF_FIRST) is not None:
            return ("seq", [self._compile(n) for n in self._list(node)])
        for key, kind in (("inversePath", "inv"), ("zeroOrMorePath", "star"), ("oneOrMorePath", "plus"),
                          ("zeroOrOnePath", "opt")):
            inner = self._one(node, _SH[key])
            if inner is not None:
                return (kind, self._compile(inner))
        alternatives = self._one(node, _SH["alternativePath"])
        if alternatives is not None:
            return ("alt", [self._compile(n) for n in self._list(alternatives)])
        raise ValueError(f"unsupported SHACL path {node}")

    def _nested(self, shape: Any) -> list[Any]:
        """The shapes that apply at the same nodes as `shape`'s constraints (its value nodes)."""
        out = [*self._all(shape, _SH["node"]), *self._all(shape, _SH["qualifiedValueShape"]),
               *self._all(shape, _SH["not"]), *self._all(shape, _SH["property"])]
        for key in ("or", "and", "xone"):
            for members in self._all(shape, _SH[key]):
                out += self._list(members)
        return out

    def _compared(self, shape: Any) -> list[Any]:
        return [p for key in ("lessThan", "lessThanOrEquals", "equals", "disjoint") for p in self._all(shape, _SH[key])]

    def _routes(self, shape: Any, seen: frozenset[Any]) -> set[tuple[Step, ...]]:
        """The step sequences validating `shape` at a node can walk (the empty one included)."""
        if shape in seen:
            return {()}
        seen = seen | {shape}
        nested: set[tuple[Step, ...]] = {()}
        for n in self._nested(shape):
            nested |= self._routes(n, seen)
        out: set[tuple[Step, ...]] = {((p, True),) for p in self._compared(shape)} | {()}
        path = self._one(shape, _SH["path"])
        heads: set[tuple[Step, ...]] = self._path_routes(self.path(path), False) if path is not None else {()}
        out |= {(h + n)[:MAX_SHAPE_DEPTH] for h in heads for n in nested}
        return out

    def _path_routes(self, path: Path, inverse: bool) -> set[tuple[Step, ...]]:
        kind, arg = path
        if kind == "p":
            return {((arg, not inverse),)}
        if kind == "inv":
            return self._path_routes(arg, not inverse)
        if kind == "seq":
            out: set[tuple[Step, ...]] = {()}
            for part in (reversed(arg) if inverse else arg):
                out = {(r + t)[:MAX_SHAPE_DEPTH] for r in out for t in self._path_routes(part, inverse)}
            return out
        if kind == "alt":
            return set().union(*(self._path_routes(p, inverse) for p in arg))
        inner = self._path_routes(arg, inverse)
        if kind == "opt":
            return inner | {()}
        out = set(inner) | ({()} if kind == "star" else set())
        for _ in range(MAX_SHAPE_DEPTH):  # `*`/`+`: repeated up to the cap
            out |= {(r + t)[:MAX_SHAPE_DEPTH] for r in out for t in inner}
        return out

    def targets(self, shape: Any, node: Any, classes: set[Any], quads: Callable[..., Iterable[ox.Quad]]) -> bool:
        """Whether `shape` (a root) targets `node`, whose classes (super-classes included) are given."""
        _shape, target_classes, target_nodes, subjects_of, objects_of = self._root[shape]
        return (bool(target_classes & classes) or node in target_nodes
                or any(any(True for _ in quads(node, p, None)) for p in subjects_of)
                or any(any(True for _ in quads(None, p, node)) for p in objects_of))

    # -- walking the data

    def closure(self, vd: VirtualDataset, focus: Iterable[Any], is_vocabulary: Callable[[Any], bool]) -> set[ox.Quad]:
        """The quads the shapes can read when validating `focus` (in the changed dataset)."""
        out: set[ox.Quad] = set()
        done: set[tuple[Any, Any]] = set()
        typed: dict[Any, set[Any]] = {}

        def quads(s: Any = None, p: Any = None, o: Any = None) -> list[ox.Quad]:
            found = list(_data_quads(vd.pattern(s, p, o)))
            out.update(found)
            return found

        def types(node: Any) -> set[Any]:
            if node not in typed:
                typed[node] = {q.object for q in quads(node, RDF_TYPE)} if _is_node(node) else set()
            return typed[node]

        def walk(path: Path, nodes: set[Any], inverse: bool) -> set[Any]:
            kind, arg = path
            if kind == "p":
                found: set[Any] = set()
                for n in nodes:
                    if not _is_node(n) or is_vocabulary(n):
                        continue
                    if inverse:
                        found |= {q.subject for q in quads(None, arg, n)}
                    else:
                        found |= {q.object for q in quads(n, arg)}
                return found
            if kind == "inv":
                return walk(arg, nodes, not inverse)
            if kind == "seq":
                for step in (reversed(arg) if inverse else arg):
                    nodes = walk(step, nodes, inverse)
                return nodes
            if kind == "alt":
                return set().union(*(walk(p, nodes, inverse) for p in arg))
            if kind == "opt":
                return nodes | walk(arg, nodes, inverse)
            reached: set[Any] = set(nodes) if kind == "star" else set()
            frontier = set(nodes)
            while frontier:
                frontier = walk(arg, frontier, inverse) - reached
                reached |= frontier
            return reached

        def apply(shape: Any, node: Any) -> None:
            if (shape, node) in done:
                return
            done.add((shape, node))
            path = self._one(shape, _SH["path"])
            if path is None:
                constraints(shape, node)
                return
            for p in self._compared(shape):
                quads(node, p)
            for value in walk(self.path(path), {node}, False):
                constraints(shape, value)

        def constraints(shape: Any, node: Any) -> None:
            types(node)  # sh:class, sh:not [sh:class ...] and the like read them
            for nested in self._nested(shape):
                apply(nested, node)

        for node in focus:
            node_types = types(node)
            classes = set(node_types)
            for c in node_types:
                classes |= self.superclasses.get(c, set())
            for root in self.roots:
                if self.targets(root[0], node, classes, quads):
                    apply(root[0], node)
        return out

    def affected(self, vd: VirtualDataset, changed: Iterable[Any], is_vocabulary: Callable[[Any], bool]) -> set[Any]:
        """The nodes whose validation reads one of the `changed` nodes (or its triples): each
        route of each shape is walked backwards from the changed node; a node reached is kept when
        that shape targets it. E.g. an event losing its type: the participations it points at
        (their shape reads `[sh:inversePath tg:hasParticipation]` and the event's `rdf:type`)."""
        found: set[Any] = set()
        candidates: dict[Any, set[Any]] = {}  # node -> root shapes that would reach a changed node

        def back(trie: dict[Any, Any], nodes: set[Any]) -> None:
            for step, sub in trie.items():
                if step is None:
                    for n in nodes:
                        candidates.setdefault(n, set()).update(sub)
                    continue
                predicate, forward = step
                reached: set[Any] = set()
                for n in nodes:
                    if forward:
                        reached |= {q.subject for q in _data_quads(vd.pattern(None, predicate, n))}
                    elif _is_node(n):
                        reached |= {q.object for q in _data_quads(vd.pattern(n, predicate, None))}
                reached = {n for n in reached if _is_node(n) and not is_vocabulary(n)}
                if reached:
                    back(sub, reached)

        back(self._back, {n for n in changed if _is_node(n) and not is_vocabulary(n)})
        quads = lambda s_, p_, o_: _data_quads(vd.pattern(s_, p_, o_))  # noqa: E731
        for node, shapes in candidates.items():
            classes = {q.object for q in quads(node, RDF_TYPE, None)}
            classes |= {c for t in list(classes) for c in self.superclasses.get(t, set())}
            if any(self.targets(shape, node, classes, quads) for shape in shapes):
                found.add(node)
        return found


def focus_nodes(vd: VirtualDataset, changed: list[ox.Quad], rules: Rules) -> set[Any]:
    """The nodes whose validation the change can affect: subjects and objects of the changed quads
    (not vocabulary), and every node a shape targets whose paths reach one of them
    (`ShapeReach.affected`: e.g. the participations pointing at a changed actor, or those of an
    event that lost its type)."""
    focus: set[Any] = set()
    for q in changed:
        focus.add(q.subject)
        if _is_node(q.object) and q.predicate != RDF_TYPE:
            focus.add(q.object)
    focus = {n for n in focus if _is_node(n) and not rules.is_vocabulary(n)}
    return focus | _reach(rules).affected(vd, focus, rules.is_vocabulary)


def _reach(rules: Rules) -> ShapeReach:
    if rules.reach is None:
        rules.reach = ShapeReach(rules.shapes, rules.entailment.superclasses if rules.entailment else None)
    return rules.reach


def neighbourhood(vd: VirtualDataset, nodes: set[Any], rules: Rules) -> list[ox.Quad]:
    """What validating `nodes` can look at, after the change: the quads the shapes reach from
    each of them (`ShapeReach.closure`), closed under their paths and nested shapes."""
    return list(_reach(rules).closure(vd, nodes, rules.is_vocabulary))


@dataclass
class GateReport:
    """What a write did (or would have done), for the HTTP answer and the log."""

    removed: int = 0
    added: int = 0
    inferred_removed: int = 0
    inferred_added: int = 0
    focus_nodes: int = 0
    validated_quads: int = 0
    seconds: float = 0.0
    version: str = ""
    entry: str | None = None
    """The journal entry id of the commit (None: the write changed nothing)."""
    warnings: list[Violation] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "warnings"}
        out["warnings"] = [w.as_dict() for w in self.warnings]
        return out


def validate_delta(vd: VirtualDataset, rules: Rules, report: GateReport) -> None:
    """Raise ValidationFailed (nothing written) when the change breaks a shape."""
    from kg.validation.shacl import validate_focus

    changed = changed_data(vd)
    if not changed or not rules.shapes:
        return
    nodes = focus_nodes(vd, changed, rules)
    data = neighbourhood(vd, nodes, rules)
    report.focus_nodes, report.validated_quads = len(nodes), len(data)
    # blank nodes too ("_:label"): a new blank-node statement must meet its shape as an IRI one does
    named = sorted(n.value if isinstance(n, ox.NamedNode) else str(n) for n in nodes)
    result = validate_focus(data, named, shapes=rules.shapes_graph, ontology=rules.ontology_graph)
    report.warnings = result.warnings
    if not result.conforms:
        raise ValidationFailed(result.violations, report_turtle=result.report_turtle)


# ----------------------------------------------------------------------------- the gate


class Writer(Protocol):
    """The store's single writer: `kg.store.workers.WorkerPoolEngine`, or `MemoryWriter` (tests, the CLI).

    `journal` is where commits are appended first (None: not journaled, e.g. an in-memory store
    or a build replaying the journal itself)."""

    write_lock: threading.Lock
    journal: Journal | None

    def reading(self) -> contextlib.AbstractContextManager[ox.Store]: ...

    def exclusive(self, *, version: str | None = None) -> contextlib.AbstractContextManager[ox.Store]: ...

    @property
    def version(self) -> str: ...


class MemoryWriter:
    """A writer over one store opened in this process (tests, the CLI): same gate, no processes."""

    def __init__(self, store: ox.Store, *, journal: Journal | None = None, version: str = "0") -> None:
        self.store = store
        self.write_lock = threading.Lock()
        self.journal = journal
        self._version = version
        self._commits = 0

    @property
    def version(self) -> str:
        return self._version

    @contextlib.contextmanager
    def reading(self) -> Iterator[ox.Store]:
        yield self.store

    @contextlib.contextmanager
    def exclusive(self, *, version: str | None = None) -> Iterator[ox.Store]:
        yield self.store
        self._commits += 1
        self._version = version or f"{self._version.split('+')[0]}+{self._commits}"


def gated_write(writer: Writer, compute: Callable[[ox.Store], VirtualDataset], *, who: str | None = None,
                request_id: str | None = None, extra: dict[str, list[str]] | None = None) -> GateReport:
    """Compute a change, infer, validate, journal and commit it; raise before writing anything.

    Raises ValidationFailed (422) with the SHACL report, BadRequest/QuerySyntaxError/NotFound for
    a bad request; in every failure the store and the journal are exactly as before. `who`,
    `request_id` and `extra` headers go into the journal entry.
    """
    started = time.perf_counter()
    report = GateReport()
    with writer.write_lock:
        failure: BaseException | None = None
        entry: Entry | None = None
        with writer.reading() as store:
            try:
                vd = compute(store)
                rules = rules_for(writer, store)
                inferred_removed, inferred_added = inference_delta(vd, rules)
                validate_delta(vd, rules, report)
                vd.apply(inferred_removed, inferred_added)
                if vd.changed:
                    entry = Entry.new(removed=vd.removed, added=vd.added, who=who, request_id=request_id,
                                      version_before=writer.version,
                                      created_graphs=_named_keys(vd.created), dropped_graphs=_named_keys(vd.dropped))
                    entry.extra = dict(extra or {})  # more headers, e.g. `reverts` (kg revert)
                data = changed_data(vd)
                report.removed = sum(1 for q in data if q in vd.removed)
                report.added = sum(1 for q in data if q in vd.added)
                report.inferred_removed, report.inferred_added = len(inferred_removed), len(inferred_added)
            except Exception as exc:
                # Keep no frame alive that still holds the read-only handle: the commit below
                # (next write) must be the only open handle in this process.
                failure = _detached(exc)
            finally:
                vd = None  # type: ignore[assignment]
                del store
        if failure is not None:
            raise failure
        if entry is not None:
            commit(writer, entry)
            report.entry = entry.id
    report.version = writer.version
    report.seconds = round(time.perf_counter() - started, 4)
    return report


def _named_keys(keys: Iterable[str]) -> list[str]:
    return [k for k in keys if k and not k.startswith("_:")]


def commit(writer: Writer, entry: Entry) -> None:
    """Journal (fsync) → store → recorded position, in that order, under the caller's write lock.

    A crash after the append leaves an entry the store may lack: start-up applies it. When the
    store refuses the write after the append (e.g. another process holds it read-write), the
    write is cancelled: whatever was applied is undone and the journal gets the entry's inverse
    (header `aborts`), so the journal and the store still agree; StoreUnavailable (503) says so.
    """
    journal = writer.journal
    if journal is not None:
        journal.append(entry)
        fault_point("after-journal-append")
    try:
        with writer.exclusive(version=entry.version_after) as rw:
            entry.apply_to(rw)
    except Exception as exc:
        if journal is None:
            raise
        _cancel(writer, journal, entry)
        raise StoreUnavailable(f"the store could not take the write, which was cancelled: {exc}",
                               hint="retry; if it goes on, check that no other process (kg link, kg build) "
                                    "has the store open for writing, and the disk") from exc
    if journal is not None and journal.store_path is not None:
        fault_point("after-store-commit")
        journal.record_applied(entry)


def _cancel(writer: Writer, journal: Journal, entry: Entry) -> None:
    """Undo a journaled entry the store did not take (whole or in part): the entry's inverse,
    applied (a no-op on quads the store never got) and journaled after it."""
    undo = entry.inverse(who=entry.who, request_id=entry.request_id)
    undo.extra = {"aborts": [entry.id]}
    undo.version_before = undo.version_after = entry.version_before
    journal.append(undo)
    try:
        with writer.exclusive(version=entry.version_before) as rw:
            undo.apply_to(rw)
    except Exception:
        # Still refused: the store holds the entry in part at most, and its position is before
        # it, so the next start applies the entry and its undoing, which leaves neither.
        return
    if journal.store_path is not None:
        journal.record_applied(undo)


def _detached(exc: BaseException) -> BaseException:
    exc.__traceback__ = None
    exc.__cause__ = None
    exc.__context__ = None
    return exc


_RULES: dict[int, Rules] = {}


def rules_for(writer: Writer, store: ox.Store) -> Rules:
    """The shapes and ontology of `store`, compiled once per distinct content (owlrl's closure of
    the ontology takes seconds; reading the two graphs to key the cache takes milliseconds)."""
    graphs = (ox.NamedNode(iris.GRAPH_SHAPES), ox.NamedNode(iris.GRAPH_ONTOLOGY))
    key = hash(frozenset(q for g in graphs for q in store.quads_for_pattern(None, None, None, g)))
    rules = _RULES.get(key)
    if rules is None:
        if len(_RULES) > 4:
            _RULES.clear()
        rules = _RULES[key] = Rules.of(store)
    return rules


def warm(writer: Writer) -> None:
    """Compile the shapes and the ontology's closure ahead of the first write (seconds of owlrl),
    under the write lock, so that no write runs meanwhile."""
    with writer.write_lock, writer.reading() as store:
        rules_for(writer, store)
        del store


def apply_update(writer: Writer, update: str, *, base_iri: str | None = None,
                 using: Iterable[str] = (), using_named: Iterable[str] = (),
                 policy: WritePolicy = DEFAULT_POLICY, who: str | None = None,
                 request_id: str | None = None) -> GateReport:
    """Run a SPARQL 1.1 Update through the gate (see the module docstring)."""
    using, using_named = list(using), list(using_named)
    return gated_write(writer, lambda store: update_delta(store, update, base_iri=base_iri, using=using,
                                                          using_named=using_named, policy=policy),
                       who=who, request_id=request_id)


def apply_delta(writer: Writer, removed: Iterable[ox.Quad], added: Iterable[ox.Quad], *,
                created_graphs: Iterable[str] = (), dropped_graphs: Iterable[str] = (),
                who: str | None = None, request_id: str | None = None,
                policy: WritePolicy | None = None) -> GateReport:
    """Remove and add given quads through the gate: a journal entry replayed by `kg build`, or
    one undone (`Entry.inverse`). Quads already absent (removals) or present (additions) are
    left alone; the report's `entry` is None when nothing was left to change. With a `policy`
    (`kg revert`), a delta reaching a built graph is refused; replay passes none (it re-applies
    what was once allowed, `kg link` entries included)."""
    removed, added = list(removed), list(added)

    def compute(store: ox.Store) -> VirtualDataset:
        vd = VirtualDataset(store)
        vd.apply(removed, added)
        for graph in dropped_graphs:
            if vd.graph_exists(ox.NamedNode(graph)):
                vd.drop_graph(ox.NamedNode(graph))
        for graph in created_graphs:
            vd.create_graph(ox.NamedNode(graph))
        if policy is not None:
            policy.check_delta(vd.removed, vd.added, vd.created, vd.dropped)
        return vd

    return gated_write(writer, compute, who=who, request_id=request_id)


def _graph_node(graph: str | None) -> ox.NamedNode | ox.DefaultGraph:
    return ox.DefaultGraph() if graph is None else ox.NamedNode(graph)


def replace_graph(writer: Writer, graph: str | None, triples: Iterable[ox.Triple | ox.Quad], *,
                  policy: WritePolicy = DEFAULT_POLICY, who: str | None = None,
                  request_id: str | None = None) -> GateReport:
    """Graph Store PUT: the graph's content becomes `triples` (graph names in the data ignored)."""
    policy.check_target(graph, "replacing (PUT)")
    target = _graph_node(graph)
    content = _fresh_blank_nodes(ox.Quad(t.subject, t.predicate, t.object, target) for t in triples)

    def compute(store: ox.Store) -> VirtualDataset:
        vd = VirtualDataset(store)
        vd.apply(list(vd.pattern(g=target)), content)
        if isinstance(target, ox.NamedNode):
            vd.create_graph(target)
        return vd

    return gated_write(writer, compute, who=who, request_id=request_id)


def add_to_graph(writer: Writer, graph: str | None, triples: Iterable[ox.Triple | ox.Quad], *,
                 policy: WritePolicy = DEFAULT_POLICY, who: str | None = None,
                 request_id: str | None = None) -> GateReport:
    """Graph Store POST: merge `triples` into the graph."""
    policy.check_target(graph, "adding (POST) to")
    target = _graph_node(graph)
    content = _fresh_blank_nodes(ox.Quad(t.subject, t.predicate, t.object, target) for t in triples)

    def compute(store: ox.Store) -> VirtualDataset:
        vd = VirtualDataset(store)
        vd.apply((), content)
        if isinstance(target, ox.NamedNode):
            vd.create_graph(target)
        return vd

    return gated_write(writer, compute, who=who, request_id=request_id)


def delete_graph(writer: Writer, graph: str | None, *, policy: WritePolicy = DEFAULT_POLICY,
                 who: str | None = None, request_id: str | None = None) -> GateReport:
    """Graph Store DELETE: remove the graph (the default graph is emptied). NotFound if absent."""
    policy.check_target(graph, "deleting (DELETE)")
    target = _graph_node(graph)

    def compute(store: ox.Store) -> VirtualDataset:
        vd = VirtualDataset(store)
        if isinstance(target, ox.NamedNode) and not vd.graph_exists(target):
            raise NotFound(f"there is no graph {graph}")
        vd.drop_graph(target)
        return vd

    return gated_write(writer, compute, who=who, request_id=request_id)
