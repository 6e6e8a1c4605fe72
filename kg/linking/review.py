"""Reviewed Wikidata links: `kg link` adds them, `kg export-links` hands them back to Wikidata.

The workflow: a researcher reconciles our entities against Wikidata (OpenRefine, with our
`/reconcile` service on one side and Wikidata's on the other), a person checks each candidate
and writes a CSV of what they accept (``iri,qid,reviewer,note``). `kg link` checks every row
first (QID syntax, our IRI is an entity of the store and of a kind Wikidata can hold, a reviewer
is named, no IRI or QID twice, nothing contradicting an existing link) and reports every faulty
line with its fix; only a file without faults is written, in one SHACL-gated transaction, so a
file is applied whole or not at all.

What one accepted row writes, all in the graph ``…/graph/wikidata``:
- ``<entity> skos:exactMatch wd:Q…`` (skos:exactMatch, not owl:sameAs: sameAs would merge the
  two identities under OWL reasoning and make every Wikidata claim one of ours; exactMatch says
  the two describe the same thing and stops there);
- the ``tg:linkStatus tg:notLinked`` mark is removed;
- a review record ``<entity#wikidata-review>`` (a hash IRI, so no blank nodes): a
  ``prov:Activity`` that ``prov:used`` the entity and the item, with ``dct:creator`` (reviewer),
  ``dct:date`` (day of the review) and ``rdfs:comment`` (the note).

Once the store holds them, the accepted rows are also recorded (``iri,qid,reviewer,date,note``) in
``sources/reviewed-links.csv`` (or ``--reviewed-links``), which ``kg build`` reads (kg/build/links.py)
to write the same quads again: a reviewed link survives every rebuild.
"""

from __future__ import annotations

import gc
import traceback
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import pyoxigraph as ox

from kg.build import links
from kg.journal import Journal
from kg.linking.candidates import LinkFileError, LinkPlan, check_candidates, read_candidates
from kg.linking.wikidata import check_on_wikidata
from kg.vocab import LINK_STATUS, NOT_LINKED

REVIEW_FRAGMENT = links.REVIEW_FRAGMENT
REVIEWED_LINKS_FILE = links.REVIEWED_LINKS_FILE
"""Where `kg link` records accepted rows unless told otherwise (read at call time, so tests can move it)."""


def review_iri(entity: str) -> str:
    return links.review_iri(entity)


def plan_quads(plan: LinkPlan, store: ox.Store, *, reviewed_on: date) -> LinkPlan:
    """Fill `plan.add` and `plan.remove` for its accepted rows."""
    for row in plan.linked:
        entity = ox.NamedNode(row.iri)
        # wherever the mark is: an entity added through the API carries it in its own graph
        plan.remove.extend(store.quads_for_pattern(entity, LINK_STATUS, NOT_LINKED, None))
        plan.add.extend(links.review_quads(row.iri, row.qid, reviewer=row.reviewer,
                                           reviewed_on=reviewed_on.isoformat(), note=row.note))
    return plan


def recorded_rows(plan: LinkPlan, existing: Sequence[links.ReviewedLink], *,
                  reviewed_on: date) -> list[links.ReviewedLink]:
    """The reviewed-links file after `plan`: its accepted rows replace any row of the same IRI or QID
    (the store has just accepted them, so such a row no longer holds)."""
    new = [links.ReviewedLink(r.iri, r.qid, r.reviewer, reviewed_on.isoformat(), r.note) for r in plan.linked]
    iris_, qids = {r.iri for r in new}, {r.qid for r in new}
    kept = [r for r in existing if r.iri not in iris_ and r.qid not in qids]
    return [*kept, *new]


def link(candidates: Path, store_path: Path, *, reviewed_on: date | None = None,
         wikidata_api: str | None = None, reviewed_links: Path | None = None,
         journal: Journal | None = None, who: str | None = None, request_id: str | None = None) -> LinkPlan:
    """Check a candidates file against the store and apply it whole through the SHACL gate.

    With `wikidata_api` (Wikidata's action API, or a stand-in), every QID is also looked up
    there first: a missing or redirected item is a fault, a label unlike ours a warning.

    The write goes into the store's journal (`journal`, default the store's own: STORE.journal
    or KG_JOURNAL) like every other write, so `kg build` replays it; the store is first brought
    up to that journal. Once the store write has succeeded, every accepted row is also recorded
    in `reviewed_links` (``iri,qid,reviewer,date,note``; default ``sources/reviewed-links.csv``),
    which `kg build` reads, so that the link and its review record are part of the sources (and
    the journal's entry is then skipped as already there). The file is read (and must be well
    formed) before anything is written. `who` defaults to the reviewers named in the file.

    Raises LinkFileError (nothing written) for any faulty row, ValidationFailed (nothing written)
    when the shapes refuse the result, StoreUnavailable when a server holds the store (stop it,
    or link while it is down: the store has one writer), BuildError (nothing written) when the
    reviewed-links file is malformed.
    """
    from kg import gate
    from kg.journal import recover
    from kg.store import open_store, store_version

    record = Path(reviewed_links) if reviewed_links is not None else REVIEWED_LINKS_FILE
    rows = read_candidates(candidates)
    existing = links.read_reviewed_links(record) if record.exists() else []
    day = reviewed_on or datetime.now(UTC).date()
    journal = journal or Journal.for_store(store_path)
    recover(Path(store_path), journal)
    # Optional, so that `finally` can drop them: no reference may keep the read-write handle alive.
    store: ox.Store | None
    store = open_store(store_path)
    writer: gate.MemoryWriter | None = None
    try:
        warnings: list[str] = []
        if wikidata_api:
            problems, warnings = check_on_wikidata(rows, store, wikidata_api, name=str(candidates))
            if problems:
                raise LinkFileError(problems)
        writer = gate.MemoryWriter(store, journal=journal, version=store_version(store_path))
        plans: list[LinkPlan] = []

        def compute(store: ox.Store) -> gate.VirtualDataset:
            # Checked under the gate's write lock: what was checked is what gets written.
            plan = plan_quads(check_candidates(rows, store, name=str(candidates)), store, reviewed_on=day)
            plans.append(plan)
            delta = gate.VirtualDataset(store)
            delta.apply(plan.remove, plan.add)
            return delta

        reviewers = ", ".join(sorted({row.reviewer for row in rows if row.reviewer}))
        # The gate journals the write, commits it and moves the store's version stamp with it
        # (ETags and the search index must see the change).
        gate.gated_write(writer, compute, who=who or reviewers or None, request_id=request_id)
        plan = plans[-1]
        plan.warnings = warnings
        if plan.linked:
            # Only now that the store holds the links: a refused file records nothing.
            links.write_reviewed_links(recorded_rows(plan, existing, reviewed_on=day), record)
            plan.recorded_in = record
        return plan
    except BaseException as exc:
        # The frames of a refused write hold the read-write store; a RocksDB handle kept alive
        # by a traceback would sit beside the next reader's read-only one.
        traceback.clear_frames(exc.__traceback__)
        raise
    finally:
        store = writer = None
        gc.collect()
