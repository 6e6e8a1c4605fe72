"""Write throughput through the SHACL gate, with the change journal and without, in one run.

The real store is built once (Oxigraph engines, as `kg build --engine oxigraph --semantics
oxigraph`), then the same kind of write (an `INSERT DATA` of a new person with its labels and
its link mark, a fresh IRI each time: validated, inferred, committed) goes through `kg.gate`:

- with the writer the server uses (`kg.store.workers.WorkerPoolEngine`: two query workers are paused
  and reopened around each commit) and with the CLI's (`kg.gate.MemoryWriter` over the on-disk
  store, opened read-write);
- each with no journal and with one (`kg.journal.Journal`: entry appended and fsync'ed before
  the commit, position recorded after), in alternating blocks, so that both modes see the same
  machine load; the median block is reported.

The journal's own time per write (append with fsync, plus the position record) is timed apart.
Figures are printed, never asserted.

    python bench/writes.py                       # 3 rounds of 20 writes per mode and writer
    python bench/writes.py --writes 50 --rounds 5 --writer pool
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kg import gate, iris  # noqa: E402
from kg.journal import Entry, Journal  # noqa: E402

SOURCE = iris.source_graph("insightcrime-2017-01-ms13-dialogue")


class TimedJournal(Journal):
    """A journal that adds up the time its appends and position records take."""

    seconds = 0.0

    def append(self, entry: Entry) -> str:
        started = time.perf_counter()
        try:
            return super().append(entry)
        finally:
            self.seconds += time.perf_counter() - started

    def record_applied(self, entry: Entry, store_path: Path | None = None) -> None:
        started = time.perf_counter()
        try:
            super().record_applied(entry, store_path)
        finally:
            self.seconds += time.perf_counter() - started


def update(n: int, mode: str) -> str:
    entity = iris.entity_iri("person", f"bench-{mode}-{n}")
    return f"""PREFIX tg: <{iris.TG}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
INSERT DATA {{
  GRAPH <{SOURCE}> {{ <{entity}> a tg:Person ; rdfs:label "Bench Person {n}"@en, "Persona {n}"@es ;
                      tg:linkStatus tg:notLinked . }}
}}"""


@contextlib.contextmanager
def writer_of(kind: str, store_path: Path) -> Iterator[Any]:
    if kind == "pool":
        from kg.store.workers import WorkerPoolEngine

        pool = WorkerPoolEngine(store_path, workers=2).start()
        try:
            yield pool
        finally:
            pool.close()
    else:
        import pyoxigraph as ox

        store = ox.Store(str(store_path))
        try:
            yield gate.MemoryWriter(store)
        finally:
            del store
            gc.collect()


def measure(kind: str, store_path: Path, journal_path: Path, writes: int, rounds: int) -> dict[str, Any]:
    journal = TimedJournal(journal_path, store_path)
    seconds: dict[str, list[float]] = {"off": [], "on": []}
    journal_seconds: list[float] = []
    counter = 0
    with writer_of(kind, store_path) as writer:
        gate.warm(writer)
        gate.apply_update(writer, update(0, f"{kind}-warm"))  # first write outside the timing
        for _ in range(rounds):
            for mode in ("off", "on"):
                writer.journal = journal if mode == "on" else None
                before = journal.seconds
                started = time.perf_counter()
                for _ in range(writes):
                    counter += 1
                    report = gate.apply_update(writer, update(counter, kind))
                    assert report.entry is not None
                seconds[mode].append(time.perf_counter() - started)
                if mode == "on":
                    journal_seconds.append(journal.seconds - before)
    off, on = statistics.median(seconds["off"]), statistics.median(seconds["on"])
    return {"writer": kind, "off_per_s": writes / off, "on_per_s": writes / on, "ratio": off / on,  # = on/off w/s
            "journal_ms": 1000 * statistics.median(journal_seconds) / writes}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=20, help="writes per block (default 20)")
    parser.add_argument("--rounds", type=int, default=3, help="blocks per mode (default 3)")
    parser.add_argument("--writer", choices=["pool", "memory", "both"], default="both")
    args = parser.parse_args(argv)
    from kg.build.pipeline import build

    kinds = ["pool", "memory"] if args.writer == "both" else [args.writer]
    rows = []
    with tempfile.TemporaryDirectory(prefix="tregua-bench-writes-") as tmp:
        for kind in kinds:
            store_path = Path(tmp) / kind / "store"
            build(store_path, progress=False, engine="oxigraph", semantics="oxigraph")
            rows.append(measure(kind, store_path, Path(tmp) / kind / "store.journal", args.writes, args.rounds))
    print(f"gated writes (INSERT DATA of one person, 4 quads + inferred), {args.rounds} blocks of "
          f"{args.writes} per mode, median block")
    print(f"{'writer':<8} {'no journal':>12} {'journal':>12} {'ratio':>7} {'journal ms/write':>17} {'share':>6}")
    for row in rows:
        share = row["journal_ms"] * row["on_per_s"] / 1000
        print(f"{row['writer']:<8} {row['off_per_s']:>8.1f} w/s {row['on_per_s']:>8.1f} w/s "
              f"{row['ratio']:>7.2f} {row['journal_ms']:>17.2f} {share:>6.1%}")
    print("ratio = writes/s with the journal / without; share = the journal's part of a journaled write's time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
