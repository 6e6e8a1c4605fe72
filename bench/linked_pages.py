"""Entity pages: over HTTP (the whole app under `kg serve`) vs the same description in process.

Target (issue 5): an entity page within 2x of the in-process time of the same description, on the
1M-triple synthetic graph (bench/synth.py), same run. Prints figures; asserts nothing.

Per graph, for a fixed sample of entities (persons, organizations, statements, quotes, events),
interleaved round by round so that both sides see the same machine load:
- in process: `kg.pages.describe.describe()` on an `InProcessEngine` over the same on-disk store (the floor);
- in process, page: the description plus the page model and the HTML rendering (what the route adds);
- HTTP Turtle and HTTP HTML: `GET /id/{kind}/{slug}` from a real `kg serve` (worker-pool engine) on loopback.

    python bench/linked_pages.py                        # real graph and 1M-triple synthetic graph
    python bench/linked_pages.py --sizes real --rounds 20
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.linked import free_port, stop, stores  # noqa: E402
from kg import iris  # noqa: E402
from kg.pages.describe import describe  # noqa: E402
from kg.pages.entity_view import build_view  # noqa: E402
from kg.pages.ontology_docs import ontology_doc  # noqa: E402
from kg.store import open_store  # noqa: E402
from kg.store.engine import InProcessEngine, QueryRequest  # noqa: E402

KINDS = ("person", "organization", "statement", "quote", "event")
SAMPLE_QUERY = """SELECT DISTINCT ?s ?prefix WHERE {
  ?s ?p ?o . FILTER(isIRI(?s) && STRSTARTS(STR(?s), STR(?prefix)) && !CONTAINS(STR(?s), "#"))
} LIMIT 400"""


def sample(engine: InProcessEngine, per_kind: int, seed: int = 5) -> list[str]:
    """A seeded sample of entity IRIs of each kind (from anywhere in the graph, replicas included)."""
    import pyoxigraph as ox

    rng = random.Random(seed)
    chosen: list[str] = []
    for kind in KINDS:
        prefix = ox.Literal(f"{iris.BASE}id/{kind}/")
        found = [
            r["s"].value
            for r in engine.select(QueryRequest(SAMPLE_QUERY, substitutions={"prefix": prefix})).rows
        ]
        chosen += rng.sample(found, min(per_kind, len(found)))
    return chosen


def render_page(engine: InProcessEngine, iri: str) -> str:
    """What the HTML route does after the engine answers: page model, then the template."""
    from jinja2 import Environment, FileSystemLoader

    from api.templating import TEMPLATES_DIR, local_href

    env = _env(Environment, FileSystemLoader, str(TEMPLATES_DIR))
    view = build_view(describe(engine, iri), ontology_doc().vocabulary())
    return env.get_template("entity.html").render(
        gettext=lambda text: text,  # English: the message ids themselves (api/i18n.py)
        ngettext=lambda one, many, n: one if n == 1 else many,
        lang="en",
        lang_url=lambda path: path,
        lang_links=[],
        lang_in_url=False,
        view=view,
        passage=None,
        formats=[],
        sparql_href="",
        editor_href="",
        base_iri=iris.BASE,
        href=lambda i: local_href(i, iris.BASE),
        request=None,
    )


_ENV: dict[str, object] = {}


def _env(environment: type, loader: type, folder: str) -> object:
    if "env" not in _ENV:
        _ENV["env"] = environment(loader=loader(folder), autoescape=True, extensions=["jinja2.ext.i18n"])
    return _ENV["env"]


def start_server(store: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kg",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--store",
            str(store),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, "KG_QUERY_WORKERS": "2"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not answer /health")


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def summary(name: str, ms: list[float], floor: float | None = None) -> str:
    ms = sorted(ms)
    p50 = statistics.median(ms)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    ratio = f"  {p50 / floor:5.2f}x in-process" if floor else ""
    return f"  {name:<28} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  (n={len(ms)}){ratio}"


def measure(label: str, store_path: Path, rounds: int, per_kind: int) -> None:
    engine = InProcessEngine(open_store(store_path, read_only=True), version="bench")
    entities = sample(engine, per_kind)
    triples = [len(describe(engine, e).triples) for e in entities]
    print(
        f"{label}: {len(entities)} entities, description sizes {min(triples)}-{max(triples)} triples "
        f"(median {statistics.median(triples):.0f})",
        flush=True,
    )
    proc, url = start_server(store_path)
    results: dict[str, list[float]] = {"describe": [], "page": [], "ttl": [], "html": [], "floor": []}
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            paths = [e[len(iris.BASE) - 1 :] for e in entities]
            for path, iri in zip(paths, entities, strict=True):  # warm both sides
                describe(engine, iri)
                render_page(engine, iri)
                client.get(path, headers={"Accept": "text/turtle"}).raise_for_status()
                client.get(path, headers={"Accept": "text/html"}).raise_for_status()
            for _ in range(rounds):
                for path, iri in zip(paths, entities, strict=True):
                    results["describe"].append(timed(lambda iri=iri: describe(engine, iri)))
                    results["ttl"].append(
                        timed(lambda path=path: client.get(path, headers={"Accept": "text/turtle"}))
                    )
                    results["page"].append(timed(lambda iri=iri: render_page(engine, iri)))
                    results["floor"].append(timed(lambda: client.get("/static/tregua.css")))
                    results["html"].append(
                        timed(lambda path=path: client.get(path, headers={"Accept": "text/html"}))
                    )
    finally:
        stop(proc)
    floor = statistics.median(results["describe"])
    print(summary("in process: describe()", results["describe"]))
    print(summary("in process: describe + page", results["page"], floor))
    print(summary("HTTP GET Turtle", results["ttl"], floor))
    print(summary("HTTP GET HTML page", results["html"], floor))
    print(summary("HTTP GET a static file", results["floor"]))
    page_floor = statistics.median(results["page"])
    print(
        f"  HTTP HTML vs in-process page: {statistics.median(results['html']) / page_floor:.2f}x; "
        f"HTTP Turtle vs in-process describe: {statistics.median(results['ttl']) / floor:.2f}x "
        f"(target <= 2x)",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="real,1000000", help="'real' and/or synthetic triple counts")
    parser.add_argument("--rounds", type=int, default=10, help="passes over the sample")
    parser.add_argument("--per-kind", type=int, default=6, help="entities sampled per kind")
    args = parser.parse_args(argv)
    for label, store_path in stores(args.sizes, prefix="tregua-pages-"):
        measure(label, store_path, args.rounds, args.per_kind)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
