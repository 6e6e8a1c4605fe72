"""Build benchmark: loading, SHACL validation and inference per graph size, against `oxigraph load`.

For each size the synthetic graph of `bench/synth.py` (N-Quads) is:

- loaded the way `kg build` loads (pyoxigraph parse + `Store.bulk_extend` into a new on-disk
  store), and with `Store.bulk_load` straight from the file; and, in the same run, by the
  `oxigraph load` CLI (PyPI package `oxigraph`) on the same file: the ratio is printed;
- validated with pyshacl (the reference engine; only up to `--pyshacl-max` triples, since it
  is the slow one) and with the shapes compiled to SPARQL inside Oxigraph (`kg.validation.compiled`);
- materialised with owlrl (up to `--owlrl-max`) and with the RDFS rules run in Oxigraph;
- built end to end from synthetic source files (`kg build --engine oxigraph --semantics oxigraph`:
  parse, checks, links, validation, inference, load, swap).

Every measurement runs in its own child process, so each peak memory figure (max RSS, from
`wait4`) belongs to that step alone. Figures are printed, never asserted.

    python bench/build.py --sizes 10000,100000            # quick
    python bench/build.py                                 # 10k, 100k, 1M (about 10 minutes)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the child processes import pyoxigraph and kg lazily, each its own step's share
    import pyoxigraph as ox

    from kg.validation.shacl import ValidationReport

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OXIGRAPH_CLI = Path(sys.executable).parent / "oxigraph"


# -- the measured steps (run in child processes) ---------------------------------------------


def _ontology_and_shapes() -> tuple[list[ox.Quad], list[ox.Quad]]:
    from kg import iris, paths
    from kg.build.sources import Sources, load_graph_dir

    ontology = Sources.quads_of(load_graph_dir(paths.ONTOLOGY_DIR, graph=iris.GRAPH_ONTOLOGY))
    shapes = Sources.quads_of(load_graph_dir(paths.SHAPES_DIR, graph=iris.GRAPH_SHAPES))
    return ontology, shapes


def _read(path: Path) -> list[ox.Quad]:
    import pyoxigraph as ox

    return list(ox.parse(path=path, format=ox.RdfFormat.N_QUADS))


def _counts(report: ValidationReport) -> dict[str, object]:
    return {"violations": len(report.violations), "warnings": len(report.warnings)}


def step(task: str, data_file: Path, work: Path) -> dict[str, object]:
    """Run one measured task; returns the figures (seconds, and what the task produced)."""
    import pyoxigraph as ox

    if task == "load-kg":
        from kg.build.pipeline import load_into

        started = time.perf_counter()
        quads = _read(data_file)
        store = ox.Store(str(work))
        load_into(store, quads)
        return {"seconds": time.perf_counter() - started, "quads": len(store)}
    if task == "build-oxigraph":
        from bench.synth import write_sources
        from kg.build.pipeline import build

        sources, _ = write_sources(int(work.name.rsplit("-", 1)[-1]), work / "sources")
        started = time.perf_counter()
        report = build(work / "store", sources_dir=sources, engine="oxigraph", semantics="oxigraph",
                       progress=False)
        return {"seconds": time.perf_counter() - started, "quads": report.total,
                "warnings": len(report.warnings)}
    if task == "load-bulk":
        started = time.perf_counter()
        store = ox.Store(str(work))
        store.bulk_load(path=data_file, format=ox.RdfFormat.N_QUADS)
        store.flush()
        return {"seconds": time.perf_counter() - started, "quads": len(store)}
    ontology, shapes = _ontology_and_shapes()
    quads = _read(data_file)
    if task == "shacl-pyshacl":
        from kg.validation.shacl import validate_graph

        started = time.perf_counter()
        shacl = validate_graph(quads, shapes=shapes, ontology=ontology)
        return {"seconds": time.perf_counter() - started, **_counts(shacl)}
    if task == "shacl-oxigraph":
        from kg.validation.shacl import validate_store

        started = time.perf_counter()
        from kg.validation.compiled import datatype_markers

        store = ox.Store()
        store.bulk_extend(quads)
        store.bulk_extend(datatype_markers(quads))
        shacl = validate_store(store, shapes=shapes, ontology=ontology)
        return {"seconds": time.perf_counter() - started, **_counts(shacl)}
    if task == "infer-owlrl":
        from kg.build.inference import infer

        started = time.perf_counter()
        inferred = infer(ontology, quads)
        return {"seconds": time.perf_counter() - started, "inferred": len(inferred)}
    if task == "infer-oxigraph":
        from kg.build.inference import infer

        started = time.perf_counter()
        inferred = infer(ontology, quads, semantics="oxigraph")
        return {"seconds": time.perf_counter() - started, "inferred": len(inferred)}
    raise SystemExit(f"unknown task {task}")


# -- the parent: children, timing, memory, the table ------------------------------------------


def run_child(argv: list[str]) -> tuple[dict[str, object], float, float]:
    """Run a child process; returns its JSON figures, wall seconds and peak RSS in MiB."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    out = proc.stdout.read().decode() if proc.stdout else ""
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{err[-2000:]}")
    figures = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
    return figures, wall, usage.ru_maxrss / 1024


def measure(task: str, data_file: Path, tmp: Path, size: int = 0) -> tuple[dict[str, object], float]:
    work = tmp / f"{task}-{size}"
    shutil.rmtree(work, ignore_errors=True)
    figures, _, rss = run_child([sys.executable, __file__, "--child", task, str(data_file), str(work)])
    shutil.rmtree(work, ignore_errors=True)
    return figures, rss


def oxigraph_load(data_file: Path, tmp: Path) -> tuple[float, float]:
    work = tmp / "oxigraph-cli"
    shutil.rmtree(work, ignore_errors=True)
    _, wall, rss = run_child([str(OXIGRAPH_CLI), "load", "--location", str(work), "--file", str(data_file)])
    shutil.rmtree(work, ignore_errors=True)
    return wall, rss


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build benchmark (figures printed, not asserted).")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument(
        "--pyshacl-max", type=int, default=100_000, help="largest size validated with pyshacl"
    )
    parser.add_argument("--owlrl-max", type=int, default=10_000, help="largest size inferred with owlrl")
    parser.add_argument("--only", default=None,
                        help="comma-separated steps to run (load-kg,load-bulk,oxigraph-cli,shacl-pyshacl,"
                             "shacl-oxigraph,infer-owlrl,infer-oxigraph,build-oxigraph); default all")
    parser.add_argument("--repeat", type=int, default=3,
                        help="loads are timed this many times each (the CLI too); the best is kept, "
                             "since other work on the machine only ever slows a run down")
    parser.add_argument("--child", nargs=3, metavar=("TASK", "FILE", "WORK"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        task, data_file, work = args.child
        print(json.dumps(step(task, Path(data_file), Path(work))))
        return 0

    from bench.synth import generate

    if not OXIGRAPH_CLI.exists():
        print(f"the oxigraph CLI is missing at {OXIGRAPH_CLI}: pip install oxigraph", file=sys.stderr)
        return 1
    wanted = set(args.only.split(",")) if args.only else None
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="tregua-bench-"))
    rows = []
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            data_file, n = generate(size)
            print(f"\n== {n} triples ({data_file.name}) ==", flush=True)
            loads = [t for t in ("load-kg", "load-bulk") if wanted is None or t in wanted]
            cli_s = cli_rss = 0.0
            if loads or wanted is None or "oxigraph-cli" in wanted:
                cli_s, cli_rss = min(oxigraph_load(data_file, tmp) for _ in range(args.repeat))
                print(
                    f"  {'oxigraph load (CLI)':25} {cli_s:8.2f} s  {n / cli_s:>10,.0f} triples/s  "
                    f"{cli_rss:7.0f} MiB",
                    flush=True,
                )
                rows.append((n, "oxigraph load (CLI)", cli_s, cli_rss, ""))
            for task in loads:
                figures, rss = min((measure(task, data_file, tmp) for _ in range(args.repeat)),
                                   key=lambda r: float(r[0]["seconds"]))  # type: ignore[arg-type]
                sec = float(figures["seconds"])  # type: ignore[arg-type]
                print(
                    f"  {task:25} {sec:8.2f} s  {n / sec:>10,.0f} triples/s  {rss:7.0f} MiB  "
                    f"{sec / cli_s:.2f}x oxigraph load",
                    flush=True,
                )
                rows.append((n, task, sec, rss, f"{sec / cli_s:.2f}x oxigraph load"))
            for task, limit in (
                ("shacl-pyshacl", args.pyshacl_max),
                ("shacl-oxigraph", None),
                ("infer-owlrl", args.owlrl_max),
                ("infer-oxigraph", None),
                ("build-oxigraph", None),
            ):
                if wanted is not None and task not in wanted:
                    continue
                if limit is not None and n > limit * 1.2:
                    print(f"  {task:25} skipped (over --{task.split('-')[1]}-max)", flush=True)
                    continue
                figures, rss = measure(task, data_file, tmp, size)
                sec = float(figures["seconds"])  # type: ignore[arg-type]
                extra = ", ".join(f"{k} {v}" for k, v in figures.items() if k != "seconds")
                print(
                    f"  {task:25} {sec:8.2f} s  {n / sec:>10,.0f} triples/s  {rss:7.0f} MiB  {extra}",
                    flush=True,
                )
                rows.append((n, task, sec, rss, extra))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("\n| triples | step | seconds | triples/s | peak MiB | note |")
    print("| ---: | --- | ---: | ---: | ---: | --- |")
    for n, task, sec, rss, note in rows:
        print(f"| {n:,} | {task} | {sec:.2f} | {n / sec:,.0f} | {rss:.0f} | {note} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
