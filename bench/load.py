"""Sustained mixed load on a real server, bounded in time and to loopback.

    .venv/bin/python bench/load.py --seconds 60 --datasets real 1000000

For each dataset (the real graph built by `kg build`; a synthetic one of `bench/synth.py`, built
as `bench/endpoint.py` builds it) a server is started on 127.0.0.1 and 16 concurrent clients
(asyncio + httpx) send, for `--seconds`, a mix of canned queries, `/sparql` (small and heavy),
entity pages, reconciliation and writes (one client in eight writes, through the SHACL gate).
Printed per kind: count, p50 and p99 in ms; errors other than deliberate refusals (must be 0;
a deliberate refusal is a 429/503 with Retry-After, or the pathological query stopped at its
time limit); the memory (RSS of the server and its query workers) and open file handles sampled
every second (first, max, last: flat means no leak); writes/s through the gate.

Before each run one reconciliation request builds the search index (once per server life; the
writes of the run then update it by their deltas), and one write makes the gate compile its
rules. Each dataset runs twice: without and then with a pathological query in the mix (a
cartesian product, stopped at KG_QUERY_TIMEOUT), and prints the cheap queries' p99 in both runs
and the ratio (the target: within 2x). `--rounds N`
alternates N such pairs and takes each side's p99 over all its rounds (a shared machine's load
drifts within minutes). The server takes `KG_*` settings from the environment (e.g.
`KG_QUERY_DEMOTE_AFTER=0` to compare against the pool without demotion).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.endpoint import (  # noqa: E402
    RDFS,
    TG,
    Running,
    free_port,
    prepare_store,
    sample,
    say,
    tree_rss_mb,
    wait_until_up,
)
from kg import iris  # noqa: E402

TOKEN = "load-token"
CLIENTS = 16
PATHOLOGICAL = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"
#: Kinds whose p99 must stay within 2x when the pathological query joins the mix.
CHEAP = ("canned", "sparql-small", "entity")
JSON = "application/sparql-results+json"


def start(store: Path, log: Path, timeout: float, workers: int) -> Running:
    import subprocess

    port = free_port()
    env = {**os.environ, "KG_UPDATE_TOKEN": TOKEN, "KG_QUERY_WORKERS": str(workers),
           "KG_QUERY_TIMEOUT": str(timeout), "KG_LOG_LEVEL": "warning"}
    process = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--host", "127.0.0.1", "--store", str(store),
                                "--port", str(port)], env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process, "/health")
    except BaseException:
        process.kill()  # never leave a server behind a failed start
        process.wait()
        raise
    return Running("tregua", url, process)


def open_files(pid: int) -> int:
    """Open file descriptors of a process and its descendants (the query workers)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            if int(entry) == pid or ppid == pid:
                total += len(os.listdir(f"/proc/{entry}/fd"))
        except (OSError, ValueError, IndexError):
            continue
    return total


def requests_for(ids: dict[str, list[str]]) -> dict[str, list[tuple[str, str, dict[str, str]]]]:
    """kind -> (method, path, params) choices; entity pages are paths under the base IRI."""
    return {
        "canned": [("GET", "/queries/stance-counts", {"format": "json"}),
                   ("GET", "/queries/positions", {"format": "json"})],
        "sparql-small": [("GET", "/sparql", {"query": f"SELECT ?p ?o WHERE {{ <{p}> ?p ?o }}"})
                         for p in ids["person"][:8]],
        "sparql-heavy": [("GET", "/sparql", {"query": "SELECT ?type (COUNT(?s) AS ?n) WHERE { ?s a ?type } "
                                                      "GROUP BY ?type ORDER BY DESC(?n)"}),
                         ("GET", "/sparql", {"query": f"SELECT ?s ?l WHERE {{ ?s a <{TG}Person> ; <{RDFS}label> ?l "
                                                      '. FILTER(CONTAINS(LCASE(STR(?l)), "or")) }'})],
        "entity": [("GET", "/" + p.removeprefix(iris.BASE), {}) for p in ids["person"][:8]],
        "reconcile": [("GET", "/reconcile", {"queries": json.dumps({"q0": {"query": name}})})
                      for name in ("Ortiz", "Bukele", "Mijango", "Funes")],
        "pathological": [("GET", "/sparql", {"query": PATHOLOGICAL})],
    }


def write_body(n: int) -> str:
    return (f'INSERT DATA {{ GRAPH <{iris.BASE}graph/desk/load> {{ <{iris.entity_iri("person", "oscar-ortiz")}> '
            f'<{RDFS}seeAlso> [ <{RDFS}comment> "load write {n} {time.time_ns()}"@en ] }} }}')


class Tally:
    def __init__(self) -> None:
        self.ms: dict[str, list[float]] = defaultdict(list)
        self.refused: dict[str, int] = defaultdict(int)
        self.errors: list[str] = []


async def client_loop(index: int, url: str, kinds: dict[str, list[tuple[str, str, dict[str, str]]]],
                      order: list[str], until: float, tally: Tally) -> None:
    headers = {"Accept": JSON}
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        n = 0
        while time.monotonic() < until:
            kind = order[(index + n) % len(order)]
            n += 1
            started = time.perf_counter()
            try:
                if kind == "write":
                    r = await client.post("/sparql/update", content=write_body(index * 100_000 + n).encode(),
                                          headers={"Content-Type": "application/sparql-update",
                                                   "Authorization": f"Bearer {TOKEN}"})
                else:
                    method, path, params = kinds[kind][n % len(kinds[kind])]
                    accept = "text/html" if kind == "entity" else JSON if path == "/sparql" else "application/json"
                    r = await client.request(method, path, params=params, headers={**headers, "Accept": accept})
            except httpx.HTTPError as exc:
                tally.errors.append(f"{kind}: {type(exc).__name__}")
                continue
            took = (time.perf_counter() - started) * 1000
            if r.status_code < 300:
                tally.ms[kind].append(took)
            elif r.status_code in (429, 503) and "retry-after" in r.headers:
                tally.refused[kind] += 1  # deliberate: budget, full queue, or the time limit
            else:
                tally.errors.append(f"{kind}: {r.status_code} {r.text[:120]}")


async def run_load(server: Running, ids: dict[str, list[str]], seconds: float, pathological: bool) -> dict[str, Any]:
    kinds = requests_for(ids)
    # One client in eight writes; the rest read. One reader sends the pathological query.
    readers = ["canned", "sparql-small", "entity", "sparql-heavy", "canned", "sparql-small", "entity", "reconcile"]
    tally = Tally()
    samples: list[tuple[float, int]] = []
    until = time.monotonic() + seconds

    async def sampler() -> None:
        while time.monotonic() < until:
            samples.append((tree_rss_mb(server.process.pid), open_files(server.process.pid)))
            await asyncio.sleep(1.0)

    tasks = [sampler()]
    for i in range(CLIENTS):
        if i % 8 == 7:
            order = ["write"]
        elif pathological and i == 0:
            order = ["pathological"]
        else:
            order = readers
        tasks.append(client_loop(i, server.url, kinds, order, until, tally))
    started = time.monotonic()
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - started
    return {"tally": tally, "samples": samples, "elapsed": elapsed}


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def report(title: str, result: dict[str, Any]) -> float:
    tally: Tally = result["tally"]
    say(f"\n{title} ({result['elapsed']:.0f} s, {CLIENTS} clients)")
    say("| kind | ok | refused | p50 ms | p99 ms |")
    say("|---|---:|---:|---:|---:|")
    for kind in sorted(set(tally.ms) | set(tally.refused)):
        values = tally.ms[kind]
        say(f"| {kind} | {len(values)} | {tally.refused[kind]} | {pct(values, 50):.0f} | {pct(values, 99):.0f} |")
    cheap = [v for k in CHEAP for v in tally.ms[k]]
    writes = len(tally.ms["write"]) / result["elapsed"]
    rss = [s[0] for s in result["samples"]]
    fds = [s[1] for s in result["samples"]]
    say(f"cheap queries ({', '.join(CHEAP)}): p50 {pct(cheap, 50):.0f} ms, p99 {pct(cheap, 99):.0f} ms; "
        f"writes through the gate: {writes:.2f}/s")
    if rss:
        say(f"memory (server + workers, MB): first {rss[0]:.0f}, max {max(rss):.0f}, last {rss[-1]:.0f}; "
            f"open files: first {fds[0]}, max {max(fds)}, last {fds[-1]} ({len(rss)} samples)")
    say(f"errors other than deliberate refusals: {len(tally.errors)}")
    for line in sorted(set(tally.errors))[:10]:
        say(f"  {line}")
    return pct(cheap, 99)


def warm_up(server: Running) -> None:
    """Build the search index before the clock starts: it is built once per server life, at
    the first search or reconciliation (12 s on a quiet machine at 1M triples, minutes under
    load), and updated by each write's delta afterwards; the run measures the steady state."""
    started = time.perf_counter()
    httpx.get(server.url + "/reconcile", params={"queries": json.dumps({"q0": {"query": "Ortiz"}})},
              timeout=900).raise_for_status()
    say(f"  warm-up: the search index built in {time.perf_counter() - started:.1f} s")
    # And one write: the SHACL gate compiles its rules once per server life (seconds of owlrl in
    # the server process, holding the GIL, so every request in flight waits meanwhile).
    started = time.perf_counter()
    httpx.post(server.url + "/sparql/update", content=write_body(0).encode(), timeout=900,
               headers={"Content-Type": "application/sparql-update",
                        "Authorization": f"Bearer {TOKEN}"}).raise_for_status()
    say(f"  warm-up: the first write (the gate's rules compiled) in {time.perf_counter() - started:.1f} s")


def prepared_copy(dataset: str, work: Path, prepared: Path | None) -> Path:
    """A store for `dataset`: a copy of `PREPARED/store-DATASET` when there is one (preparing the
    1M-triple store takes minutes), else prepared here as `bench/endpoint.py` prepares it."""
    source = prepared / f"store-{dataset}" if prepared else None
    if source is None or not source.is_dir():
        return prepare_store(dataset, work)
    import shutil

    target = work / f"store-{dataset}"
    shutil.copytree(source, target)
    say(f"  a copy of the prepared store {source}")
    return target


def bench_dataset(dataset: str, args: argparse.Namespace, work: Path) -> int:
    say(f"\n## dataset {dataset}")
    store = prepared_copy(dataset, work, args.prepared)
    ids = sample(store)
    errors = 0
    pooled: dict[bool, list[float]] = {False: [], True: []}
    for round_ in range(args.rounds):
        # Alternated (without, with, without, with...): a machine shared with other work drifts
        # within minutes, and alternating spreads the drift over both sides of the ratio.
        for pathological in (False, True):
            server = start(store, work / f"{dataset}-{round_}-{pathological}.log", args.timeout, args.workers)
            try:
                warm_up(server)
                result = asyncio.run(run_load(server, ids, args.seconds, pathological))
            finally:
                server.stop()
            report(f"{dataset}, round {round_ + 1}, {'with' if pathological else 'without'} the pathological "
                   f"query (stopped at {args.timeout:g} s), load {os.getloadavg()[0]:.1f}", result)
            pooled[pathological] += [v for k in CHEAP for v in result["tally"].ms[k]]
            errors += len(result["tally"].errors)
    p99s = [pct(pooled[False], 99), pct(pooled[True], 99)]
    ratio = p99s[1] / p99s[0] if p99s[0] else float("nan")
    say(f"\ncheap p99 without / with the pathological query ({args.rounds} round(s) pooled): "
        f"{p99s[0]:.0f} / {p99s[1]:.0f} ms, ratio {ratio:.2f} (target <= 2); load {os.getloadavg()[0]:.1f}")
    return errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each run (default 60)")
    parser.add_argument("--datasets", nargs="+", default=["real"],
                        help="'real' and/or synthetic sizes in triples, e.g. 1000000")
    parser.add_argument("--timeout", type=float, default=5.0, help="KG_QUERY_TIMEOUT of the server (default 5)")
    parser.add_argument("--workers", type=int, default=2, help="KG_QUERY_WORKERS (default 2)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="runs without and with the pathological query, alternated; the cheap queries' "
                             "p99 is taken over all rounds of each side (default 1)")
    parser.add_argument("--prepared", type=Path, default=None,
                        help="a folder holding store-DATASET folders prepared earlier (copied, never changed)")
    args = parser.parse_args(argv)
    say(f"bench/load.py: {CLIENTS} clients, {args.seconds:g} s per run, on 127.0.0.1; "
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    errors = 0
    with tempfile.TemporaryDirectory(prefix="tregua-load-") as tmp:
        for dataset in args.datasets:
            errors += bench_dataset(dataset, args, Path(tmp))
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
