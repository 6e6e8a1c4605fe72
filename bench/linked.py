"""Reconciliation throughput: a batch of 1,000 names, in-process and over HTTP, on the real graph
and on a synthetic one (bench/synth.py). Prints figures; asserts nothing. Target: >= 1,000 names/s.

What is measured, per graph, in one run:
- building the search index (the cost paid after every write);
- in-process: `kg.linking.reconcile` on the 1,000 names in batches of 10 (the floor);
- HTTP: the same batches POSTed form-encoded (``queries=<JSON>``) one after the other, as
  OpenRefine sends them, to a real uvicorn in a separate process; also the whole 1,000 in one POST;
- a peer: brute-force rapidfuzz over every name of the graph (no blocking), on a sample, to show
  what the inverted index saves;
- quality: how often the entity a name was drawn from comes first, and how often it is a `match`.

The names are drawn (seeded) from the graph's own labels and aliases, then disguised the way a
researcher's table disguises them: accents dropped, case changed, hyphens, one letter missing;
one in twenty is a name the graph does not hold.

    python bench/linked.py                       # real graph and 1M-triple synthetic graph
    python bench/linked.py --sizes real,100000   # quicker
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kg import iris, paths  # noqa: E402
from kg.linking import reconcile as rc  # noqa: E402
from kg.linking.reconcile_service import Service  # noqa: E402
from kg.linking.text import fold, tokens  # noqa: E402
from kg.store.engine import InProcessEngine  # noqa: E402

BATCH = 10
UNKNOWN = ["Zacarías Quiñónez Ulloa", "Brigada Norte 44", "Hospital Rosales", "Radio Cadena YSKL",
           "Juana Pérez de Molina", "Frente Amplio Popular"]


# -- graphs --------------------------------------------------------------------------------

def real_store(path: Path) -> None:
    from kg.build.pipeline import build

    build(path, shared_dir=paths.DEFAULT_SHARED_DIR, progress=False)


def synthetic_store(size: int, path: Path) -> int:
    from bench.synth import generate

    nquads, count = generate(size)
    store = ox.Store(str(path))
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    for ttl in sorted(paths.ONTOLOGY_DIR.glob("*.ttl")):  # the class hierarchy, as a build has it
        store.bulk_load(path=str(ttl), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(iris.GRAPH_ONTOLOGY))
    store.flush()
    del store
    return count


# -- names ---------------------------------------------------------------------------------

def disguise(name: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.35:
        return fold(name)  # no accents, lower case
    if roll < 0.55:
        return name.upper()
    if roll < 0.70:
        return name.replace(" ", "-", 1) if " " in name else name
    if roll < 0.85 and len(name) > 6:
        i = rng.randrange(1, len(name) - 1)
        return name[:i] + name[i + 1:]  # one letter missing
    return name


def draw_names(service: Service, n: int, seed: int = 7) -> list[tuple[str, str | None]]:
    """(name as the table has it, IRI it was drawn from or None for an unknown name)."""
    rng = random.Random(seed)
    entities = sorted(service.index.entities.values(), key=lambda e: e.iri)
    out: list[tuple[str, str | None]] = []
    for i in range(n):
        if i % 20 == 19:
            out.append((UNKNOWN[i % len(UNKNOWN)], None))
            continue
        entity = rng.choice(entities)
        name = rng.choice(entity.names).text
        out.append((disguise(name, rng), entity.iri))
    return out


def batches(names: list[tuple[str, str | None]], size: int) -> Iterator[dict[str, dict[str, str]]]:
    for start in range(0, len(names), size):
        yield {f"q{start + i}": {"query": name} for i, (name, _iri) in enumerate(names[start:start + size])}


# -- measurements ----------------------------------------------------------------------------

def in_process(service: Service, engine: InProcessEngine, names: list[tuple[str, str | None]]
               ) -> tuple[float, dict[str, object]]:
    started = time.perf_counter()
    results: dict[str, object] = {}
    for batch in batches(names, BATCH):
        results.update(rc.reconcile(service, engine, rc.parse_batch(json.dumps(batch), service.catalogue)))
    return time.perf_counter() - started, results


def quality(names: list[tuple[str, str | None]], results: dict[str, object]) -> tuple[float, float, float]:
    """Share of known names found first, share matched (correctly), share of unknown names matched."""
    known = [(i, iri) for i, (_n, iri) in enumerate(names) if iri]
    first = matched = false_matches = 0
    for i, iri in known:
        cands = results[f"q{i}"]["result"]  # type: ignore[index]
        if cands and rc.ENTITY_BASE + cands[0]["id"] == iri:
            first += 1
            matched += bool(cands[0]["match"])
    unknown = [i for i, (_n, iri) in enumerate(names) if not iri]
    for i in unknown:
        cands = results[f"q{i}"]["result"]  # type: ignore[index]
        false_matches += any(c["match"] for c in cands)
    return first / len(known), matched / len(known), false_matches / max(len(unknown), 1)


def brute_force(service: Service, names: list[tuple[str, str | None]], sample: int = 50) -> float:
    """The peer: score every name of the graph with rapidfuzz for each query (no blocking)."""
    choices = [" ".join(n.words) for e in service.index.entities.values() for n in e.names]
    started = time.perf_counter()
    for name, _iri in names[:sample]:
        process.extract(" ".join(tokens(name)), choices, scorer=fuzz.token_sort_ratio, limit=5)
    return (time.perf_counter() - started) / sample


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


SERVER_CODE = """
import sys, uvicorn, pyoxigraph as ox
from fastapi import FastAPI
from api import errors
from api.routers import reconcile
from kg.store.engine import InProcessEngine
from kg.store import open_store
app = FastAPI()
errors.install(app)
app.include_router(reconcile.router)
app.state.engine = InProcessEngine(open_store(sys.argv[1], read_only=True), version="bench")
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


def start(command: list[str], port: int, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            if httpx.get(f"http://127.0.0.1:{port}/reconcile", timeout=60).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not answer /reconcile")


def http_floor(url: str, n: int = 100) -> float:
    """Seconds per trivial request to the same server (suggest types): the HTTP stack's own cost."""
    with httpx.Client(base_url=url, timeout=120) as client:
        client.get("/reconcile/suggest/type", params={"prefix": "pe"})
        started = time.perf_counter()
        for _ in range(n):
            client.get("/reconcile/suggest/type", params={"prefix": "pe"}).raise_for_status()
        return (time.perf_counter() - started) / n


def over_http(url: str, names: list[tuple[str, str | None]]) -> tuple[float, float]:
    with httpx.Client(base_url=url, timeout=120) as client:
        client.post("/reconcile", data={"queries": json.dumps(next(batches(names, BATCH)))})  # warm
        started = time.perf_counter()
        for batch in batches(names, BATCH):
            r = client.post("/reconcile", data={"queries": json.dumps(batch)})
            r.raise_for_status()
        sequential = time.perf_counter() - started
        started = time.perf_counter()
        whole_batch = json.dumps(next(batches(names, len(names))))
        client.post("/reconcile", data={"queries": whole_batch}).raise_for_status()
        whole = time.perf_counter() - started
    return sequential, whole


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def measure(label: str, store_path: Path, n_names: int, full_app: bool) -> None:
    from kg.store import open_store

    engine = InProcessEngine(open_store(store_path, read_only=True), version="bench")
    started = time.perf_counter()
    service = Service.build(engine)
    build_s = time.perf_counter() - started
    n_entities = len(service.index.entities)
    n_names_indexed = sum(len(e.names) for e in service.index.entities.values())
    print(f"\n== {label}: {n_entities} entities, {n_names_indexed} names, "
          f"{len(service.index.quotes)} quotes; index built in {build_s:.2f} s", flush=True)
    names = draw_names(service, n_names)
    in_process(service, engine, names[:50])  # warm
    seconds, results = in_process(service, engine, names)
    first, matched, false_matches = quality(names, results)
    print(f"in-process   : {n_names} names in {seconds:.3f} s = {n_names / seconds:8.0f} names/s "
          f"(batches of {BATCH})", flush=True)
    per_name_brute = brute_force(service, names)
    print(f"peer (brute-force rapidfuzz over all names, no index): {1 / per_name_brute:8.0f} names/s "
          f"-> index speed-up x{per_name_brute / (seconds / n_names):.1f}", flush=True)
    print(f"quality      : drawn entity first {first:.1%}, matched {matched:.1%}; "
          f"unknown names matched {false_matches:.1%}", flush=True)
    del engine, service

    port = free_port()
    proc = start([sys.executable, "-c", SERVER_CODE, str(store_path), str(port)], port)
    try:
        seq, whole = over_http(f"http://127.0.0.1:{port}", names)
        floor = http_floor(f"http://127.0.0.1:{port}")
    finally:
        stop(proc)
    print(f"HTTP (router): {n_names} names in {seq:.3f} s = {n_names / seq:8.0f} names/s, POSTs of {BATCH} "
          f"one after the other (x{seq / seconds:.2f} of in-process); one POST of {n_names}: "
          f"{n_names / whole:.0f} names/s; a trivial request costs {floor * 1000:.1f} ms", flush=True)
    if full_app:
        port = free_port()
        try:
            proc = start([sys.executable, "-m", "kg", "serve", "--host", "127.0.0.1", "--port", str(port),
                          "--store", str(store_path)], port, env={"KG_QUERY_WORKERS": "1"})
        except RuntimeError as exc:
            print(f"HTTP (kg serve): not measured ({str(exc)[:200]})")
            return
        try:
            seq, whole = over_http(f"http://127.0.0.1:{port}", names)
        finally:
            stop(proc)
        print(f"HTTP (kg serve, whole app): {n_names / seq:8.0f} names/s in POSTs of {BATCH} "
              f"(x{seq / seconds:.2f} of in-process); one POST of {n_names}: {n_names / whole:.0f} names/s",
              flush=True)


def stores(sizes: str, *, prefix: str) -> Iterator[tuple[str, Path]]:
    """For each of `sizes` ('real' or a triple count), a fresh store in a temporary folder and
    its label; each is removed once the caller moves on."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        for size in sizes.split(","):
            store_path = work / f"store-{size}"
            started = time.perf_counter()
            if size == "real":
                real_store(store_path)
                label = "real graph"
            else:
                label = f"synthetic graph ({synthetic_store(int(size), store_path):,} triples)"
            print(f"(store for the {label} ready in {time.perf_counter() - started:.1f} s)", flush=True)
            yield label, store_path
            shutil.rmtree(store_path, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="real,1000000", help="'real' and/or synthetic triple counts")
    parser.add_argument("--names", type=int, default=1000)
    parser.add_argument("--no-full-app", action="store_true", help="skip measuring `kg serve`")
    args = parser.parse_args(argv)
    print(f"reconciliation benchmark: {args.names} names, batches of {BATCH}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f} at start (the machine is shared)")
    for label, store_path in stores(args.sizes, prefix="tregua-linked-"):
        measure(label, store_path, args.names, full_app=not args.no_full_app)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
