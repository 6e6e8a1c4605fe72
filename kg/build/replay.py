"""Replaying the journal into a fresh build, each entry through the SHACL gate (`kg build`).

The sources have changed under the edits, so every entry's data delta (its graph/inferred quads
left out: the gate derives them again) goes through the same gate as a write
(`kg.gate.apply_delta`), against the new store. An entry that no longer validates is
quarantined (`STORE.journal.quarantine`, RDF Patch, with the violations as `reason` headers
and comments) and reported with its journal position; an entry that changes nothing (the
sources already hold its additions and lack its removals) is counted as skipped.

This sits in `kg.build`, above the gate, and not in `kg.journal`, which the gate itself uses
(every commit appends an entry): the journal's file and entries are the layer below both.
Bringing a store up to its journal at start-up, without the gate, is `kg.journal.recover`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from kg import gate
from kg.errors import KgError, ValidationFailed
from kg.journal.entry import Entry
from kg.journal.log import Journal, write_atomically

log = logging.getLogger("kg.journal")


@dataclass
class Quarantined:
    """An entry the gate refused on replay: where it is in the journal and why."""

    entry: Entry
    reasons: list[str]

    def __str__(self) -> str:
        head = f"journal entry {self.entry.position} ({self.entry.id}, {self.entry.time:%Y-%m-%d %H:%M} UTC"
        head += f", by {self.entry.who})" if self.entry.who else ")"
        return head + ": " + "; ".join(self.reasons)


@dataclass
class ReplayReport:
    """What a replay did: counts, and each quarantined entry with its reasons."""

    replayed: int = 0
    skipped: int = 0
    quarantine: list[Quarantined] = field(default_factory=list)
    last_id: str | None = None
    last_version: str | None = None

    @property
    def quarantined(self) -> int:
        return len(self.quarantine)

    def summary(self) -> str:
        return f"{self.replayed} replayed, {self.quarantined} quarantined, {self.skipped} skipped"


def replay(store: ox.Store, journal: Journal, *, version: str = "") -> ReplayReport:
    """Replay every entry of `journal` into `store` through the gate (the build's case).

    `version` is the store's version before the replay; the report's `last_version` is the one
    after (the build stamp followed by the last replayed entry), None when nothing changed.
    """
    from kg.validation.shacl import describe  # rdflib and pyshacl: only when an entry is refused

    report = ReplayReport()
    writer = gate.MemoryWriter(store, version=version)
    for entry in journal.entries():
        report.last_id = entry.id
        removed, added = entry.data_delta()
        try:
            result = gate.apply_delta(writer, removed, added, created_graphs=entry.created_graphs,
                                      dropped_graphs=entry.dropped_graphs, who=entry.who,
                                      request_id=entry.request_id)
        except ValidationFailed as exc:
            report.quarantine.append(Quarantined(entry, [describe(v) for v in exc.violations] or [exc.message]))
            continue
        except KgError as exc:
            report.quarantine.append(Quarantined(entry, [exc.message]))
            continue
        if result.entry is None:
            report.skipped += 1
        else:
            report.replayed += 1
            # named after the journal's entry, not the gate's fresh one: the same sources and the
            # same journal give the same version
            report.last_version = f"{version.split('+')[0]}+{entry.id[:13]}"
    if report.quarantine:
        keep_aside(journal, report.quarantine)
    return report


def keep_aside(journal: Journal, refused: list[Quarantined]) -> Path:
    """Write the refused entries to the quarantine file (RDF Patch): each once, with the time it
    was refused, its journal position and the reasons as headers (and as comments for people).
    An entry already there is not written twice."""
    path = journal.quarantine_path
    known = {e.id for e in Journal(path).entries()} if path.is_file() else set()
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    when = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for item in refused:
        if item.entry.id in known:
            continue
        kept = Entry(**{**item.entry.__dict__, "extra": {
            "quarantined": [when], "journalPosition": [str(item.entry.position)], "reason": item.reasons}})
        comments = [f"quarantined {when}: {journal.path} entry {item.entry.position} no longer passes the gate"]
        comments += [f"  {reason}" for reason in item.reasons]
        text += kept.patch(comments)
    write_atomically(path, text)
    return path
