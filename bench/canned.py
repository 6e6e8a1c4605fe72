"""Canned queries: what HTTP costs over running in-process, and throughput against grlc.

Prints figures, asserts nothing. In one run, on the same built store:
- in-process: `kg.canned.run` + CSV serialisation on an `InProcessEngine` (the floor), timed in
  blocks that alternate with the HTTP calls, so both see the same state of the machine;
- ours over HTTP: `kg serve` on loopback (worker-pool engine), once with the answer cache off
  (KG_CANNED_CACHE_ENTRIES=0: every request runs the query) and once with it on (the default);
- grlc (PyPI `grlc`, in its own venv under bench/out/, since its pins clash with ours) under
  gunicorn with 2 workers, serving the same .rq files from `queries/` over `oxigraph serve`
  (.venv/bin/oxigraph, same data, union default graph).

Only calls that mean the same thing to both servers are compared: queries called without
parameters (grlc does not read our typed `params` header, so it leaves those variables unbound,
which is what our optional parameters do when left out), and positions-of-actor, which uses
grlc's own `?_actor_iri` convention. Both are asked for CSV.

Run: .venv/bin/python bench/canned.py [--requests N] [--grlc-requests M] [--cpu N]
(the first run makes grlc's venv: python -m venv bench/out/grlc-venv && pip install grlc)
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from urllib.parse import urlencode

import httpx
from starlette.requests import Request

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.routers import queries as queries_router  # noqa: E402
from bench import rawhttp  # noqa: E402
from bench.linked import stop  # noqa: E402
from kg import canned, paths  # noqa: E402
from kg.build.pipeline import build  # noqa: E402
from kg.config import Settings  # noqa: E402
from kg.store import open_store  # noqa: E402
from kg.store.engine import InProcessEngine  # noqa: E402

SETTINGS = Settings(canned_cache_entries=0)  # the route measured without its answer cache
NO_CACHE = canned.ResultCache(size=0)

OUT = ROOT / "bench" / "out" / "canned"
GRLC_VENV = ROOT / "bench" / "out" / "grlc-venv"
ACTOR = "https://w3id.org/tregua/id/person/eugenio-chicas"
#: (query, parameters): calls both servers answer the same way.
CALLS: list[tuple[str, dict[str, str]]] = [
    ("analysis-claims", {}), ("event-participants", {}), ("linked-entities", {}), ("outlet-reports", {}),
    ("people-by-organization", {}), ("responses-network", {}), ("sources", {}), ("timeline", {}),
    ("unlinked-entities", {}), ("positions-of-actor", {"actor": ACTOR}),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, proc: subprocess.Popen[bytes], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer {url} within {timeout} s")


@contextmanager
def process(cmd: list[str], *, url: str, what: str, cwd: Path | None = None,
            env: dict[str, str] | None = None) -> Iterator[None]:
    log = (OUT / f"{what.replace(' ', '-')}.log").open("wb")
    proc = subprocess.Popen(cmd, cwd=cwd, env={**os.environ, **(env or {})}, stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        wait_for(url, proc, what)
        yield
    finally:
        stop(proc)
        log.close()


def ours(store: Path, port: int, cache_entries: int) -> AbstractContextManager[None]:
    env = {"KG_CANNED_CACHE_ENTRIES": str(cache_entries), "KG_QUERY_WORKERS": "2", "KG_LOG_LEVEL": "warning"}
    return process([sys.executable, "-m", "kg", "serve", "--host", "127.0.0.1", "--port", str(port),
                    "--store", str(store)], url=f"http://127.0.0.1:{port}/health",
                   what=f"kg serve cache {cache_entries}", env=env)


def timings(fn: Callable[[], object], n: int) -> list[float]:
    fn()  # warm up
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def interleaved(fns: dict[str, Callable[[], object]], n: int, *, block: int = 20) -> dict[str, list[float]]:
    """Seconds per call of each function, `n` calls each, in alternating blocks of `block` calls.

    Blocks, not single turns: each way of asking is timed in its own steady state (taking turns
    call by call, each process finds its caches evicted by the others, which measures the
    machine's cache, not the server), while slow drifts of the machine fall on all of them alike.
    """
    for fn in fns.values():
        fn()
    out: dict[str, list[float]] = {key: [] for key in fns}
    while len(next(iter(out.values()))) < n:
        for key, fn in fns.items():
            for _ in range(block):
                t = time.perf_counter()
                fn()
                out[key].append(time.perf_counter() - t)
    return out


def p50_ms(xs: list[float]) -> float:
    return statistics.median(xs) * 1000


def concurrent_rate(urls: list[str], *, threads: int, per_thread: int, headers: dict[str, str]) -> float:
    """Requests per second with `threads` clients each making `per_thread` requests over `urls`."""
    done = [0] * threads

    def client(i: int) -> None:
        with httpx.Client(timeout=60, headers=headers) as c:
            for k in range(per_thread):
                c.get(urls[(i + k) % len(urls)]).raise_for_status()
                done[i] += 1

    start = time.perf_counter()
    workers = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(done) / (time.perf_counter() - start)


def route_answer(engine: InProcessEngine, query: canned.CannedQuery, params: dict[str, str]) -> object:
    """The route's own work (negotiation, binding, ETag, paging, CSV) without an HTTP server."""
    scope = {"type": "http", "method": "GET", "path": f"/queries/{query.name}", "headers": [],
             "query_string": urlencode({**params, "format": "csv"}).encode()}
    return queries_router.answer(Request(scope), engine, SETTINGS, query, NO_CACHE)


def grlc_available() -> str | None:
    """Why grlc cannot run here, or None when it can. Makes grlc's own venv on first use."""
    if not (GRLC_VENV / "bin" / "gunicorn").exists():
        print(f"installing grlc into {GRLC_VENV} (once) ...", flush=True)
        made = subprocess.run([sys.executable, "-m", "venv", str(GRLC_VENV)], check=False).returncode == 0
        if not made or subprocess.run([str(GRLC_VENV / "bin" / "pip"), "install", "--quiet", "grlc"],
                                      check=False).returncode != 0:
            return f"grlc could not be installed into {GRLC_VENV} (pip install grlc failed; see above)"
    if not (ROOT / ".venv" / "bin" / "oxigraph").exists():
        return ".venv/bin/oxigraph is missing (pip install oxigraph)"
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=200, help="timed requests per call, ours (default 200)")
    ap.add_argument("--grlc-requests", type=int, default=20, metavar="N",
                    help="timed requests per call, grlc (default 20)")
    ap.add_argument("--cpu", type=int, default=None, metavar="N",
                    help="run everything (this script, the servers, their workers) on CPU N only, so that no "
                         "process gets a faster or slower core than the others")
    args = ap.parse_args()
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})  # inherited by every process started below
        print(f"pinned to CPU {args.cpu}", flush=True)
    OUT.mkdir(parents=True, exist_ok=True)

    print("building the store ...", flush=True)
    store = OUT / "store"
    if store.exists():
        shutil.rmtree(store)
    build(store, shared_dir=paths.DEFAULT_SHARED_DIR, progress=False)
    catalog = canned.load_queries(paths.QUERIES_DIR)

    engine = InProcessEngine(open_store(store, read_only=True))
    rows = {name: len(canned.run(engine, catalog.get(name), params).rows) for name, params in CALLS}
    samples: dict[str, dict[str, list[float]]] = {}
    warm: dict[str, dict[str, list[float]]] = {}
    rates: dict[str, float] = {}
    for label, entries in (("cold", 0), ("warm", 256)):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        print(f"in-process and ours over HTTP, answer cache {label} ...", flush=True)
        with ours(store, port, entries), httpx.Client(base_url=base, timeout=60) as c, \
                rawhttp.KeepAlive(base) as bare:
            for name, params in CALLS:
                q = catalog.get(name)
                path = f"/queries/{name}?{urlencode({**params, 'format': 'csv'})}"
                if label == "warm":  # repeated calls: answered from the cache, no query runs
                    warm[name] = interleaved({"bare": lambda path=path: bare.time(f"GET {path}"),
                                              "httpx": lambda path=path: c.get(path).raise_for_status()},
                                             args.requests)
                    continue

                def in_process(q: canned.CannedQuery = q, params: dict[str, str] = params) -> bytes:
                    return canned.serialize(canned.run(engine, q, params), "csv")

                # Interleaved in blocks, so that every way of asking sees the same state of the machine.
                samples[name] = interleaved({
                    "in-process": in_process,
                    "route": lambda q=q, params=params: route_answer(engine, q, params),
                    "bare": lambda path=path: bare.time(f"GET {path}"),
                    "httpx": lambda path=path: c.get(path).raise_for_status(),
                }, args.requests)
            urls = [f"{base}/queries/{n}?{urlencode({**p, 'format': 'csv'})}" for n, p in CALLS]
            rates[f"ours-{label}"] = concurrent_rate(urls, threads=4, per_thread=args.requests // 2,
                                                     headers={})

    grlc: dict[str, list[float]] = {}
    grlc_rows: dict[str, int] = {}
    why_not = grlc_available()
    if why_not is None:
        print("grlc over oxigraph serve ...", flush=True)
        ox_store = OUT / "oxigraph-store"
        if ox_store.exists():
            shutil.rmtree(ox_store)
        shutil.copytree(store, ox_store)
        ox_port, grlc_port = free_port(), free_port()
        grlc_dir = OUT / "grlc"
        grlc_dir.mkdir(exist_ok=True)
        (grlc_dir / "config.ini").write_text(
            f"[defaults]\nsparql_endpoint = http://127.0.0.1:{ox_port}/query\ndebug = False\n"
            f"[local]\nlocal_sparql_dir = {paths.QUERIES_DIR}\n", encoding="utf-8")
        oxigraph = [str(ROOT / ".venv" / "bin" / "oxigraph"), "serve", "--location", str(ox_store),
                    "--bind", f"127.0.0.1:{ox_port}", "--union-default-graph"]
        gunicorn = [str(GRLC_VENV / "bin" / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{grlc_port}",
                    "--log-level", "warning", "grlc.server:app"]
        ox_url = f"http://127.0.0.1:{ox_port}/query?query=ASK%7B%7D"
        grlc_url = f"http://127.0.0.1:{grlc_port}/api-local/"
        with process(oxigraph, url=ox_url, what="oxigraph serve"), \
                process(gunicorn, url=grlc_url, what="grlc", cwd=grlc_dir), \
                httpx.Client(base_url=f"http://127.0.0.1:{grlc_port}", timeout=120,
                             headers={"accept": "text/csv"}) as c:
            for name, params in CALLS:
                r = c.get(f"/api-local/{name}", params=params)
                r.raise_for_status()
                grlc_rows[name] = max(0, len(r.text.strip().splitlines()) - 1)
                grlc[name] = timings(lambda name=name, params=params: c.get(
                    f"/api-local/{name}", params=params).raise_for_status(), args.grlc_requests)
            urls = [str(c.build_request("GET", f"/api-local/{n}", params=p).url) for n, p in CALLS]
            rates["grlc"] = concurrent_rate(urls, threads=4, per_thread=max(2, args.grlc_requests // 2),
                                            headers={"accept": "text/csv"})

    print()
    print(f"{'query':24} {'rows':>5} {'in-proc':>8} {'bare':>7} {'bare':>8} {'httpx':>7} {'httpx':>8}"
          f" {'warm':>7} {'grlc':>8} {'grlc/':>7} {'grlc/':>7}")
    print(f"{'':24} {'':>5} {'p50 ms':>8} {'p50 ms':>7} {'overhd':>8} {'p50 ms':>7} {'overhd':>8}"
          f" {'p50 ms':>7} {'p50 ms':>8} {'cold x':>7} {'warm x':>7}")
    over: dict[str, list[float]] = {"bare": [], "httpx": [], "route": [], "warm-bare": [], "warm-httpx": []}
    for name, _ in CALLS:
        p = {key: p50_ms(xs) for key, xs in samples[name].items()}
        p.update({f"warm-{key}": p50_ms(xs) for key, xs in warm[name].items()})
        for key in over:
            over[key].append(p[key] - p["in-process"])
        w = p["warm-httpx"]
        g = p50_ms(grlc[name]) if name in grlc else float("nan")
        same = name not in grlc_rows or grlc_rows[name] == rows[name]
        note = "" if same else f"  (grlc gave {grlc_rows[name]} rows)"
        print(f"{name:24} {rows[name]:>5} {p['in-process']:>8.2f} {p['bare']:>7.2f}"
              f" {p['bare'] - p['in-process']:>8.2f} {p['httpx']:>7.2f} {p['httpx'] - p['in-process']:>8.2f}"
              f" {w:>7.2f} {g:>8.2f} {g / p['httpx']:>7.1f} {g / w:>7.1f}{note}")
    print()
    print("p50 overhead over in-process, median and worst over the calls:")
    for key, what in (("route", "the route's own work, no server"),
                      ("bare", "cache off, bare keep-alive socket client (the server's own time)"),
                      ("httpx", "cache off, httpx client (adds the client's own ~0.4 ms)"),
                      ("warm-bare", "cache on (the default; repeats run no query), bare client"),
                      ("warm-httpx", "cache on, httpx client")):
        print(f"  {what:66} {statistics.median(over[key]):+.2f} ms, worst {max(over[key]):+.2f} ms")
    print("throughput, 4 concurrent clients over the mix of calls:")
    for key, rate in rates.items():
        print(f"  {key:10} {rate:8.1f} requests/s")
    if "grlc" in rates:
        print(f"  ours/grlc: {rates['ours-cold'] / rates['grlc']:.1f}x with the answer cache off, "
              f"{rates['ours-warm'] / rates['grlc']:.1f}x with it on")
    else:
        print(f"grlc not measured: {why_not}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
