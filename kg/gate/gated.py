"""The gate's entry points: compute, infer, validate, journal, then commit (step 4), under the write lock."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable

import pyoxigraph as ox

from kg.errors import NotFound, StoreUnavailable, WriteConflict
from kg.gate.dataset import VirtualDataset, changed_data
from kg.gate.inferred import inference_delta
from kg.gate.operations import fresh_blank_nodes, update_delta
from kg.gate.policy import DEFAULT_POLICY, WritePolicy
from kg.gate.rules import rules_for
from kg.gate.validate import GateReport, validate_delta
from kg.gate.writer import Writer
from kg.journal.entry import Entry
from kg.journal.log import Journal, fault_point
from kg.store.cache import Change, ChangeFeed


def gated_write(writer: Writer, compute: Callable[[ox.Store], VirtualDataset], *, who: str | None = None,
                request_id: str | None = None, extra: dict[str, list[str]] | None = None) -> GateReport:
    """Compute a change, infer, validate, journal and commit it; raise before writing anything.

    Raises ValidationFailed (422) with the SHACL report, BadRequest/QuerySyntaxError/NotFound for
    a bad request; in every failure the store and the journal are exactly as before. `who`,
    `request_id` and `extra` headers go into the journal entry.

    Over a shared remote store (`kg.store.remote`) another process may commit between this
    write's validation and its commit; the commit then applies nothing and raises WriteConflict.
    The write is then computed and validated once more against the store as it is now; a second
    conflict reaches the client (409).
    """
    try:
        return _gated_write_once(writer, compute, who=who, request_id=request_id, extra=extra)
    except WriteConflict:
        logging.getLogger("kg.gate").info("write conflict on a shared store: validating again")
        return _gated_write_once(writer, compute, who=who, request_id=request_id, extra=extra)


def _gated_write_once(writer: Writer, compute: Callable[[ox.Store], VirtualDataset], *, who: str | None,
                      request_id: str | None, extra: dict[str, list[str]] | None) -> GateReport:
    started = time.perf_counter()
    report = GateReport()
    with writer.write_lock:
        failure: BaseException | None = None
        entry: Entry | None = None
        with writer.reading() as store:
            vd: VirtualDataset | None = None  # dropped in `finally`: it holds the read-only handle
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
                vd = None
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
    feed: ChangeFeed | None = getattr(writer, "changes", None)
    if feed is not None:
        # Before the version moves, so that whoever sees the new version finds its delta
        # (the search index and reconciliation update by it instead of rebuilding).
        feed.record(Change(entry.version_before, entry.version_after, tuple(entry.removed), tuple(entry.added)))
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
        try:
            journal.record_applied(entry)
        except OSError as exc:
            # Committed and journaled: the write stands. Only the recorded position lags (a full
            # disk), so the next start applies this entry again, which changes nothing.
            logging.getLogger("kg.gate").warning(
                "write %s committed, but its journal position could not be recorded (%s); "
                "the next start re-applies it (harmless)", entry.id, exc)


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
    return _load_into(writer, graph, triples, replace=True, who=who, request_id=request_id)


def add_to_graph(writer: Writer, graph: str | None, triples: Iterable[ox.Triple | ox.Quad], *,
                 policy: WritePolicy = DEFAULT_POLICY, who: str | None = None,
                 request_id: str | None = None) -> GateReport:
    """Graph Store POST: merge `triples` into the graph."""
    policy.check_target(graph, "adding (POST) to")
    return _load_into(writer, graph, triples, replace=False, who=who, request_id=request_id)


def _load_into(writer: Writer, graph: str | None, triples: Iterable[ox.Triple | ox.Quad], *, replace: bool,
               who: str | None, request_id: str | None) -> GateReport:
    """PUT and POST alike: `triples` put in the graph (created if named), after its old content
    is removed when `replace`."""
    target = _graph_node(graph)
    content = fresh_blank_nodes(ox.Quad(t.subject, t.predicate, t.object, target) for t in triples)

    def compute(store: ox.Store) -> VirtualDataset:
        vd = VirtualDataset(store)
        vd.apply(list(vd.pattern(g=target)) if replace else (), content)
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
