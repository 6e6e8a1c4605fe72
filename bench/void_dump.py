"""VoID statistics and whole-store dumps at size: figures, not assertions.

    python bench/void_dump.py [SIZE ...]     # default: 1000000 (a synthetic store, bench/synth.py)

For each size it prints, on one on-disk store, with a worker pool as the server runs it:
- `kg.void.statistics` (the one aggregate query behind /.well-known/void, plus the release-record
  lookup) against its peer, the service description's per-graph COUNT (`GRAPH_SIZES`), which
  reads the same quads; the ratio says what the per-predicate/class split costs. Once per store
  version: later requests take the cached statistics.
- `WorkerPoolEngine.dump` streamed to nowhere (N-Quads, TriG) against pyoxigraph's own
  `Store.dump` to a file in this process: the ratio is the cost of the worker pipe; the peak RSS
  growth of this process stays flat, as nothing holds the dump whole.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyoxigraph as ox  # noqa: E402

from bench.endpoint import prepare_store  # noqa: E402
from kg import void  # noqa: E402
from kg.store.engine import QueryRequest  # noqa: E402
from kg.store.workers import WorkerPoolEngine  # noqa: E402

GRAPH_SIZES = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"


def best_of(n: int, fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str]) -> int:
    sizes = [a for a in argv] or ["1000000"]
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            store_path = prepare_store(size, Path(tmp))
            with WorkerPoolEngine(store_path, workers=1, timeout=600) as engine:
                stats = void.statistics(engine)
                t_void = best_of(3, lambda: void.statistics(engine))
                t_peer = best_of(3, lambda: engine.select(QueryRequest(GRAPH_SIZES, timeout=600)))
                print(f"{size}: {stats.triples} quads, {len(stats.graphs)} graphs, "
                      f"{len(stats.vocabularies)} vocabularies")
                print(f"  void.statistics {t_void:.3f} s; per-graph COUNT {t_peer:.3f} s; "
                      f"ratio {t_void / t_peer:.2f}")
                for fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
                    before = rss_mb()

                    def streamed(fmt: ox.RdfFormat = fmt) -> int:
                        return sum(len(c) for c in engine.dump(fmt, timeout=600).chunks)

                    size_bytes = streamed()
                    t_stream = best_of(2, streamed)
                    grew = rss_mb() - before
                    with engine.reading() as store:
                        out = Path(tmp) / "dump"
                        t_local = best_of(2, lambda: store.dump(str(out), format=fmt))  # noqa: B023
                    print(f"  {fmt.name}: {size_bytes / 1e6:.0f} MB streamed in {t_stream:.2f} s; "
                          f"Store.dump to a file {t_local:.2f} s; ratio {t_stream / t_local:.2f}; "
                          f"peak RSS growth here {grew:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
