"""Endpoint benchmark: this server's /sparql against `oxigraph serve-read-only`, same data, same run.

For each dataset (the real graph built by `kg build`, and synthetic graphs of `bench/synth.py`):

1. the store is prepared on disk (the synthetic ones: data + ontology + shapes graphs, bulk-loaded),
   and copied for Oxigraph's own server, so that the two never share files;
2. the query mix (one entity's label, its triples, a CONSTRUCT and a DESCRIBE of one entity, a join,
   an aggregate, a three-step path, a text filter) runs in-process with pyoxigraph (the floor);
   with `--phases ipc`, also through the worker pool without HTTP (the hop alone);
3. `load` (the default phase): each query alone, as GET, against both HTTP servers, interleaved in
   rounds (ours, theirs, ours, theirs) so that machine noise hits both, at each concurrency, with
   each client (`raw`: a bare socket client; `httpx`), every client a process of its own:
   throughput, p50, CPU a query of each server's process tree, the ratios, and their geomean;
4. `memory`: the resident size of our server and its workers, sampled every second under load;
5. `update`/`validation`: a valid 100-triple update through the SHACL gate (POST /sparql/update),
   timed, against a full validation of the same store (pyshacl up to `--pyshacl-max` quads; the
   shapes compiled to SPARQL in Oxigraph, `kg.validation.shacl.validate_store`, at every size).

Figures are printed, never asserted.

    python bench/endpoint.py --quick                                   # 100k and 1M, a few minutes
    python bench/endpoint.py --datasets real,100000,1000000 --phases load,memory,validation
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx
import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import rawhttp  # noqa: E402
from kg import iris, paths  # noqa: E402

OXIGRAPH_CLI = Path(sys.executable).parent / "oxigraph"
TOKEN = "bench-token"
ROUNDS = 6
TG = iris.TG
RDFS = iris.PREFIXES["rdfs"]


def say(text: str) -> None:
    print(text, flush=True)


# ----------------------------------------------------------------------------- stores


def prepare_store(dataset: str, work: Path) -> Path:
    """A store on disk for `dataset` ("real" or a synthetic size)."""
    store_path = work / f"store-{dataset}"
    if dataset == "real":
        from kg.build.pipeline import build

        build(store_path, progress=False)
        return store_path
    sys.path.insert(0, str(ROOT / "bench"))
    from bench.synth import generate

    data_file, count = generate(int(dataset))
    store = ox.Store(str(store_path))
    store.bulk_load(path=str(data_file), format=ox.RdfFormat.N_QUADS)
    for folder, graph in ((paths.ONTOLOGY_DIR, iris.GRAPH_ONTOLOGY), (paths.SHAPES_DIR, iris.GRAPH_SHAPES)):
        for ttl in sorted(folder.glob("*.ttl")):
            store.bulk_load(path=str(ttl), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(graph))
    store.flush()
    store.optimize()
    del store
    say(f"  synthetic store: {count} data quads from {data_file.name}")
    return store_path


def _iris(store: ox.Store, query: str) -> list[str]:
    return [s[0].value for s in store.query(query, use_default_graph_as_union=True)]  # type: ignore[index,union-attr]


def sample(store_path: Path) -> dict[str, list[str]]:
    """Entity IRIs the mix asks about (the synthetic graphs rename them per replica)."""
    store = ox.Store.read_only(str(store_path))
    return {
        "person": _iris(store, f"SELECT DISTINCT ?p WHERE {{ ?p a <{TG}Person> }} ORDER BY ?p LIMIT 20"),
        "statement": _iris(store, f"SELECT DISTINCT ?s WHERE {{ ?s a <{TG}Statement> }} ORDER BY ?s "
                                  "LIMIT 20"),
    }


def query_mix(ids: dict[str, list[str]]) -> list[tuple[str, str]]:
    """(name, query) pairs: what linked-data clients ask most, from the tiniest lookup to a scan.

    The first four name one entity (an entity page, a widget, a reconciliation preview): with
    `KG_QUERY_LOCAL_CAP` they are answered in the server process (`kg.store.bounded`); the others
    go to a query worker, under the timeout."""
    person = ids["person"][len(ids["person"]) // 2]
    other = ids["person"][-1]
    statement = ids["statement"][0] if ids["statement"] else person
    return [
        ("label", f"SELECT ?l WHERE {{ <{other}> <{RDFS}label> ?l }}"),
        ("lookup", f"SELECT ?p ?o WHERE {{ <{person}> ?p ?o }}"),
        ("construct", f"CONSTRUCT {{ <{person}> ?p ?o }} WHERE {{ <{person}> ?p ?o }}"),
        ("describe", f"DESCRIBE <{statement}>"),
        (
            "join",
            f"SELECT ?s ?who ?label WHERE {{ ?s a <{TG}Statement> ; ?rel ?who . "
            f"?who a <{TG}Person> ; <{RDFS}label> ?label }} LIMIT 100",
        ),
        (
            "aggregate",
            "SELECT ?type (COUNT(?s) AS ?n) WHERE { ?s a ?type } GROUP BY ?type ORDER BY DESC(?n) LIMIT 20",
        ),
        ("path-3hop", f"SELECT ?s ?post WHERE {{ ?s <{TG}speaker>/^<{TG}holder>/<{TG}post> ?post }} LIMIT 100"),
        (
            "text-filter",
            f"SELECT ?s ?l WHERE {{ ?s a <{TG}Person> ; <{RDFS}label> ?l . "
            'FILTER(CONTAINS(LCASE(STR(?l)), "ortiz")) } LIMIT 50',
        ),
    ]


# ----------------------------------------------------------------------------- servers


@dataclass
class Running:
    name: str
    url: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], probe: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}")
        try:
            if httpx.get(url + probe, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def start_ours(store: Path, workers: int, log: Path, local_cap: int | None = None) -> Running:
    port = free_port()
    env = {
        **({"KG_QUERY_LOCAL_CAP": str(local_cap)} if local_cap is not None else {}),
        **os.environ,
        "KG_UPDATE_TOKEN": TOKEN,
        "KG_QUERY_WORKERS": str(workers),
        "KG_QUERY_TIMEOUT": "120",
        "KG_LOG_LEVEL": "warning",
        "KG_MAX_RESULT_ROWS": "1000000",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "kg", "serve", "--store", str(store), "--port", str(port)],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url, process, "/health")
    return Running("tregua", url, process)


def start_oxigraph(store: Path, log: Path) -> Running:
    port = free_port()
    process = subprocess.Popen(
        [
            str(OXIGRAPH_CLI),
            "serve-read-only",
            "--location",
            str(store),
            "--bind",
            f"127.0.0.1:{port}",
            "--union-default-graph",
        ],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url, process, "/query?query=ASK%7B%7D")
    return Running("oxigraph", url, process)


# ----------------------------------------------------------------------------- measuring


@dataclass
class Latencies:
    seconds: list[float] = field(default_factory=list)
    wall: float = 0.0
    errors: int = 0

    def merge(self, other: Latencies) -> None:
        self.seconds += other.seconds
        self.wall += other.wall
        self.errors += other.errors

    @property
    def throughput(self) -> float:
        return len(self.seconds) / self.wall if self.wall else 0.0

    def pct(self, p: float) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else float("nan")


def accept_for(query: str) -> str:
    return (
        "application/n-triples"
        if query.lstrip().upper().startswith(("DESCRIBE", "CONSTRUCT"))
        else "application/sparql-results+json"
    )


def load(server: Running, mix: list[tuple[str, str]], concurrency: int, seconds: float) -> Latencies:
    """`concurrency` clients loop over the mix for `seconds`; each request is timed end to end."""
    path = "/sparql" if server.name == "tregua" else "/query"
    per_thread = [Latencies() for _ in range(concurrency)]
    stop = time.monotonic() + seconds

    def client(out: Latencies, offset: int) -> None:
        with httpx.Client(base_url=server.url, timeout=120) as http:
            i = offset
            while time.monotonic() < stop:
                _, query = mix[i % len(mix)]
                i += 1
                started = time.perf_counter()
                response = http.post(
                    path,
                    content=query.encode(),
                    headers={"Content-Type": "application/sparql-query", "Accept": accept_for(query)},
                )
                _ = response.content
                out.seconds.append(time.perf_counter() - started)
                if response.status_code != 200:
                    out.errors += 1

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(per_thread[k], k)) for k in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = Latencies(wall=time.monotonic() - started)
    for part in per_thread:
        total.seconds += part.seconds
        total.errors += part.errors
    return total


def in_process(store_path: Path, mix: list[tuple[str, str]], rounds: int) -> Latencies:
    """The floor: the same queries with pyoxigraph in this process, results serialised like the server's."""
    store = ox.Store.read_only(str(store_path))
    out = Latencies()
    started = time.monotonic()
    for _ in range(rounds):
        for _, query in mix:
            t = time.perf_counter()
            result = store.query(query, use_default_graph_as_union=True)
            if isinstance(result, ox.QueryTriples):
                ox.serialize(result, format=ox.RdfFormat.N_TRIPLES)
            else:
                result.serialize(format=ox.QueryResultsFormat.JSON)
            out.seconds.append(time.perf_counter() - t)
    out.wall = time.monotonic() - started
    del store
    return out


def ipc_overhead(store_path: Path, mix: list[tuple[str, str]], rounds: int) -> tuple[float, float]:
    """p50 of small queries through WorkerPoolEngine (pipes, no HTTP) and through InProcessEngine."""
    from kg.store.engine import InProcessEngine, QueryRequest
    from kg.store.workers import WorkerPoolEngine

    small = [q for name, q in mix if name in ("label", "lookup", "describe")]
    fmt = {"solutions_format": ox.QueryResultsFormat.JSON, "graph_format": ox.RdfFormat.N_TRIPLES}

    def p50(run: Callable[[QueryRequest], object]) -> float:
        times = []
        for _ in range(rounds):
            for q in small:
                t = time.perf_counter()
                run(QueryRequest(q))
                times.append(time.perf_counter() - t)
        return statistics.median(times) * 1000

    with WorkerPoolEngine(store_path, workers=1, local_cap=0) as pool:  # every query through the pipe
        pooled = p50(lambda r: b"".join(pool.serialize(r, **fmt).chunks))  # type: ignore[arg-type]
    local = InProcessEngine(ox.Store.read_only(str(store_path)))
    direct = p50(lambda r: b"".join(local.serialize(r, **fmt).chunks))  # type: ignore[arg-type]
    return pooled, direct


def _tree(pid: int) -> list[int]:
    """A process and all its descendants (the server and its query workers)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def tree_cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by these processes (their threads included)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
        except (OSError, ValueError, IndexError):
            continue
    return total / ticks


def wait_until_idle(server: Running, limit: float = 120.0) -> None:
    """Until the server's process tree uses under 5 % of a CPU over half a second (or `limit` s)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        pids = _tree(server.process.pid)
        used = tree_cpu_seconds(pids)
        time.sleep(0.5)
        if tree_cpu_seconds(pids) - used < 0.025:
            return


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (the server and its query workers)."""
    total = 0
    for p in _tree(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def memory_under_load(server: Running, mix: list[tuple[str, str]], seconds: float) -> list[float]:
    samples: list[float] = []
    done = threading.Event()

    def sampler() -> None:
        while not done.is_set():
            samples.append(tree_rss_mb(server.process.pid))
            done.wait(1.0)

    thread = threading.Thread(target=sampler)
    thread.start()
    load(server, mix, 8, seconds)
    done.set()
    thread.join()
    return samples


def hundred_triples(tag: str) -> str:
    """25 new persons x 4 triples, valid under the shapes (label, Spanish label, link status)."""
    rows, links = [], []
    for k in range(25):
        node = f"<{iris.entity_iri('person', f'bench-{tag}-{k}')}>"
        rows.append(f'{node} a <{TG}Person> ; <{RDFS}label> "Bench {k}"@en, "Banco {k}"@es .')
        links.append(f"{node} <{TG}linkStatus> <{TG}notLinked> .")
    source = iris.source_graph("insightcrime-2017-01-ms13-dialogue")
    # the link status sits in the source graph: the Wikidata-links graph is built, not writable
    return f"INSERT DATA {{ GRAPH <{source}> {{ {' '.join(rows)} {' '.join(links)} }} }}"


def full_validation(store_path: Path, pyshacl_max: int) -> dict[str, float | None]:
    """Seconds for a full validation of the store: pyshacl (small stores) and the SPARQL-compiled shapes."""
    from kg.validation.shacl import validate_graph, validate_store

    store = ox.Store(str(store_path))
    shapes = list(store.quads_for_pattern(None, None, None, ox.NamedNode(iris.GRAPH_SHAPES)))
    ontology = list(store.quads_for_pattern(None, None, None, ox.NamedNode(iris.GRAPH_ONTOLOGY)))
    skip = {iris.GRAPH_SHAPES, iris.GRAPH_ONTOLOGY, iris.GRAPH_INFERRED}
    data = [q for q in store if not (isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in skip)]
    out: dict[str, float | None] = {"pyshacl": None, "oxigraph": None}
    if len(data) <= pyshacl_max:
        t = time.perf_counter()
        validate_graph(data, shapes=shapes, ontology=ontology)
        out["pyshacl"] = time.perf_counter() - t
    try:
        t = time.perf_counter()
        validate_store(store, shapes=shapes, ontology=ontology)
        out["oxigraph"] = time.perf_counter() - t
    except Exception as exc:  # the compiled engine is another module's; report, do not stop the bench
        say(f"  (SPARQL-compiled validation failed: {exc})")
    del store
    return out


# ----------------------------------------------------------------------------- the run


def bench_dataset(dataset: str, args: argparse.Namespace, work: Path) -> dict[tuple[str, int], float]:
    say(f"\n== dataset {dataset} ==")
    t = time.perf_counter()
    ours_store = prepare_store(dataset, work)
    theirs_store = work / f"oxigraph-{dataset}"
    shutil.copytree(ours_store, theirs_store)
    quads = len(ox.Store.read_only(str(ours_store)))
    say(f"  store ready: {quads} quads ({time.perf_counter() - t:.1f} s)")
    mix = query_mix(sample(ours_store))

    floor = in_process(ours_store, mix, args.rounds)
    floor_of = {name: in_process(ours_store, [(name, q)], args.rounds).pct(0.5) for name, q in mix}
    say(f"  in-process floor (pyoxigraph here, results serialised): p50 {floor.pct(0.5):.2f} ms over the mix")
    if "ipc" in args.phases:
        pooled, direct = ipc_overhead(ours_store, mix, args.rounds * 4)
        say(
            f"  engine p50 on small queries: worker pool {pooled:.3f} ms vs in-process {direct:.3f} ms "
            f"-> IPC overhead {pooled - direct:.3f} ms"
        )

    ours = start_ours(ours_store, args.workers, work / f"ours-{dataset}.log", args.local_cap)
    theirs = start_oxigraph(theirs_store, work / f"oxigraph-{dataset}.log")
    geomeans: dict[tuple[str, int], float] = {}
    update_s = None
    try:
        # Our server warms up in background threads (the VoID graph counts, the gate's shapes and
        # ontology): measured meanwhile, its first queries would compete with that for the GIL.
        wait_until_idle(ours)
        if "load" in args.phases:
            geomeans = compare(ours, theirs, mix, floor, floor_of, args)
        if "memory" in args.phases and args.memory_seconds:
            samples = memory_under_load(ours, mix, args.memory_seconds)
            say(
                f"  memory over {args.memory_seconds:.0f} s at concurrency 8 (server + workers RSS, MB): "
                f"first {samples[0]:.0f}, last {samples[-1]:.0f}, max {max(samples):.0f}, "
                f"min {min(samples):.0f}"
            )
        theirs.stop()
        if "update" in args.phases or "validation" in args.phases:
            update_s = timed_update(ours)
    finally:
        ours.stop()
        if theirs.process.poll() is None:
            theirs.stop()
    if "validation" not in args.phases or update_s is None:
        return geomeans
    full = full_validation(ours_store, args.pyshacl_max)
    for engine, seconds in full.items():
        if seconds is None:
            say(f"  full validation ({engine}): skipped (store above --pyshacl-max)")
        else:
            say(
                f"  full validation ({engine}): {seconds:.2f} s -> the update took "
                f"{100 * update_s / seconds:.2f}% of it"
            )
    return geomeans


def geomean(values: list[float]) -> float:
    """>>> round(geomean([0.5, 2.0]), 3)
    1.0
    """
    if not values or any(not v > 0 for v in values):
        return float("nan")
    return math.exp(sum(math.log(v) for v in values) / len(values))


def compare(ours: Running, theirs: Running, mix: list[tuple[str, str]], floor: Latencies,
            floor_of: dict[str, float], args: argparse.Namespace) -> dict[tuple[str, int], float]:
    """Each query alone, GET, both servers interleaved in rounds (ours, theirs, ours, theirs...) so
    that machine noise hits both; per query the throughput ratio, then the geomean of the ratios.

    Also the CPU each server used a query (its process tree, from /proc): on a machine shared with
    other work, throughput follows the share of the CPU each server gets (a server with many
    threads gets more of it), while CPU a query is what the server itself costs. Returns the
    throughput geomeans by (client, concurrency)."""
    for _name, query in mix:  # warm both (caches, start-up work of our server), untimed
        for server in (ours, theirs):
            rawhttp.load(server.url, get_line(server, query), headers={"Accept": accept_for(query)},
                         concurrency=1, seconds=0.2)
    out: dict[tuple[str, int], float] = {}
    for client in args.clients:
        for concurrency in args.concurrency:
            say(f"  client {client}, {concurrency} at once, {args.duration:g} s a query a server in "
                f"{args.load_rounds} interleaved rounds; load average {os.getloadavg()[0]:.1f}")
            say(f"    {'query':<12} {'tregua q/s':>10} {'oxigraph q/s':>12} {'ratio':>6} "
                f"{'p50 ms (tregua / oxigraph / in-process)':>42} {'CPU µs a query (tregua / oxigraph)':>36}"
                f" {'ratio':>6} {'errors':>6}")
            ratios, cpu_ratios = [], []
            for name, query in mix:
                rates: dict[str, list[float]] = {"tregua": [], "oxigraph": []}
                lat: dict[str, list[float]] = {"tregua": [], "oxigraph": []}
                cpu: dict[str, float] = {"tregua": 0.0, "oxigraph": 0.0}
                errors = 0
                for _ in range(args.load_rounds):
                    for server in (ours, theirs):
                        pids = _tree(server.process.pid)
                        used = tree_cpu_seconds(pids)
                        seconds, errs, rate = rawhttp.load(
                            server.url, get_line(server, query), headers={"Accept": accept_for(query)},
                            concurrency=concurrency, seconds=args.duration / args.load_rounds, client=client)
                        cpu[server.name] += tree_cpu_seconds(pids) - used
                        rates[server.name].append(rate)
                        lat[server.name] += seconds
                        errors += errs
                a, b = statistics.mean(rates["tregua"]), statistics.mean(rates["oxigraph"])
                ratio = a / b if b else float("nan")
                ratios.append(ratio)
                p50 = {k: statistics.median(v) * 1000 if v else float("nan") for k, v in lat.items()}
                # CPU a query, from /proc (clock ticks: 10 ms, so only the sum over a run means much)
                per = {k: 1e6 * cpu[k] / len(lat[k]) if lat[k] else float("nan") for k in cpu}
                cpu_ratio = per["oxigraph"] / per["tregua"] if per["tregua"] > 0 else float("nan")
                cpu_ratios.append(cpu_ratio)
                say(f"    {name:<12} {a:>10.0f} {b:>12.0f} {ratio:>5.2f}x "
                    f"{p50['tregua']:>20.2f} / {p50['oxigraph']:.2f} / {floor_of[name]:.2f}"
                    f"{per['tregua']:>20.0f} / {per['oxigraph']:.0f}{'':>9} {cpu_ratio:>5.2f}x {errors:>6}")
            out[(client, concurrency)] = geomean(ratios)
            say(f"    geomean {out[(client, concurrency)]:.2f}x, lowest {min(ratios):.2f}x "
                f"({mix[ratios.index(min(ratios))][0]}); CPU a query, oxigraph ÷ tregua: geomean "
                f"{geomean(cpu_ratios):.2f}x, lowest {min(cpu_ratios):.2f}x")
    return out


def get_line(server: Running, query: str) -> str:
    """The request line of a GET query, as a browser or a widget sends it."""
    path = "/sparql" if server.name == "tregua" else "/query"
    return f"GET {path}?query={quote(query, safe='')}"


def timed_update(ours: Running) -> float:
    """A warm-up write (the gate compiles the ontology once), then the timed 100-triple update."""
    headers = {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=ours.url, timeout=600) as http:
        warm = http.post("/sparql/update", content=hundred_triples("warm").encode(), headers=headers)
        t = time.perf_counter()
        response = http.post("/sparql/update", content=hundred_triples("timed").encode(), headers=headers)
        update_s = time.perf_counter() - t
    report = response.json()
    say(
        f"  100-triple update: HTTP {response.status_code} (warm-up {warm.status_code}), "
        f"{update_s * 1000:.0f} ms end to end; gate {report.get('seconds')} s, "
        f"{report.get('focus_nodes')} focus nodes, {report.get('validated_quads')} quads validated"
    )
    return update_s


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default="100000,1000000",
                        help="comma-separated: 'real' and/or synthetic triple counts")
    parser.add_argument("--concurrency", default="1,4", type=lambda s: [int(x) for x in s.split(",")],
                        help="clients at once, each its own process on one keep-alive connection")
    parser.add_argument("--clients", default="raw,httpx", type=lambda s: s.split(","),
                        help="raw: a bare socket client (the servers' own cost); httpx: a Python application's")
    parser.add_argument("--duration", type=float, default=3.0,
                        help="seconds a query runs against each server, at each concurrency, per client")
    parser.add_argument("--load-rounds", type=int, default=3, help="interleaved rounds the duration is cut into")
    parser.add_argument("--quick", action="store_true",
                        help="--duration 1 --load-rounds 2 --rounds 3: a few minutes for both sizes")
    parser.add_argument("--rounds", type=int, default=10, help="in-process rounds of each query (the floor)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="our query workers")
    parser.add_argument("--local-cap", type=int, default=None,
                        help="our KG_QUERY_LOCAL_CAP (default: the server's; 0: every query to a worker)")
    parser.add_argument("--memory-seconds", type=float, default=60.0)
    parser.add_argument("--pyshacl-max", type=int, default=120_000, help="largest store validated by pyshacl")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--phases", default="load",
                        help="any of load,ipc,memory,update,validation (validation times the update too)")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.load_rounds, args.rounds = 1.0, 2, 3
    work = Path(tempfile.mkdtemp(prefix="tregua-bench-endpoint-"))
    say(f"work folder {work}; {os.cpu_count()} CPUs; our workers {args.workers}; "
        f"load average {os.getloadavg()[0]:.1f}")
    summary: dict[str, dict[tuple[str, int], float]] = {}
    try:
        for dataset in args.datasets.split(","):
            summary[dataset.strip()] = bench_dataset(dataset.strip(), args, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if any(summary.values()):
        say("\n== geomean of the per-query throughput ratios, Tregua ÷ oxigraph serve-read-only ==")
        for dataset, geomeans in summary.items():
            cells = ", ".join(f"{client} client x{conc}: {g:.2f}x" for (client, conc), g in geomeans.items())
            say(f"  {dataset}: {cells}")
    say(f"load average at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
