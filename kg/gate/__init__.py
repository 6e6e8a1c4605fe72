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
   one of them (the routes walked backwards from the changed nodes). The validators get exactly
   the quads those focus nodes' routes reach in the store with the delta applied virtually: the
   same view a validation of the whole store has of them. The shapes compiled to SPARQL decide
   (`kg.validation.focused`: only the shapes that target a focus node); a change they refuse goes
   to pyshacl (`validate_focus`, which keeps the focus nodes' results; the store's shapes, its
   ontology as `ont_graph`) for the report the client gets. Cost grows with the change and its
   shape-reachable neighbourhood, not the store.
4. **Journal, then commit.** The net change (data and inferred quads) becomes one
   `kg.journal.Entry`; when the writer has a journal, the entry is appended and fsync'ed first,
   then applied to the store with the quad API (`Entry.apply_to`: never the user's text, and
   blank nodes keep their labels, so the journal names the same nodes as the store), then the
   store's journal position is recorded. The store's workers are closed meanwhile
   (`exclusive()`), so no reader sees a half-applied write; a crash in the middle is completed
   from the journal at the next start (`kg.journal.recover`).

Plain `WHERE` clauses see the union of all graphs as their default graph, as queries do;
templates without `GRAPH` write to the store's default graph (or the `WITH` graph).

The package, in the order of those steps: `update_text` (tokens and operations), `dataset` (the
virtual dataset), `operations` (operations → delta), `entailment` and `inferred` (step 2),
`reach` (`ShapeReach`) and `validate` (step 3), `policy` (what user writes may touch: built graphs
protected), `rules` (the shapes and ontology, compiled once
per store content), `writer` (the store's single writer) and `gated` (step 4, the journal and
the gate's entry points). The names below are re-exported: callers write `from kg.gate import apply_update`.
"""

from __future__ import annotations

from kg.gate.dataset import VirtualDataset
from kg.gate.entailment import Entailment
from kg.gate.gated import (
    add_to_graph,
    apply_delta,
    apply_update,
    delete_graph,
    gated_write,
    replace_graph,
    warm,
)
from kg.gate.inferred import inference_delta
from kg.gate.operations import check_syntax, update_delta
from kg.gate.policy import BUILT_GRAPHS, DEFAULT_POLICY, WritePolicy
from kg.gate.reach import ShapeReach
from kg.gate.rules import Rules, rules_for
from kg.gate.update_text import Operation, parse_quads, split_update
from kg.gate.validate import GateReport, focus_nodes, neighbourhood, validate_delta
from kg.gate.writer import MemoryWriter, Writer

__all__ = [
    "BUILT_GRAPHS",
    "DEFAULT_POLICY",
    "Entailment",
    "GateReport",
    "MemoryWriter",
    "Operation",
    "Rules",
    "ShapeReach",
    "VirtualDataset",
    "WritePolicy",
    "Writer",
    "add_to_graph",
    "apply_delta",
    "apply_update",
    "check_syntax",
    "delete_graph",
    "focus_nodes",
    "gated_write",
    "inference_delta",
    "neighbourhood",
    "parse_quads",
    "replace_graph",
    "rules_for",
    "split_update",
    "update_delta",
    "validate_delta",
    "warm",
]
