"""Tregua over a remote Oxigraph (KG_BACKEND=sparql) against that Oxigraph queried directly, same run.

One store (the real build, or a synthetic size of `bench/synth.py`) is served by `oxigraph serve`;
a `kg serve` with KG_BACKEND=sparql forwards to it, and a `kg serve` over a copy of the store on
its own embedded backend answers beside them. For each query of `bench/endpoint.py`'s mix, the
clients loop for `--duration` seconds on each server in turn (Tregua-remote, Oxigraph, repeated
`--rounds` times, interleaved so machine noise hits both), then the ratio of throughputs is
printed, and the geomean. Canned queries (`GET /queries/NAME`) are compared between the two
Tregua backends. Figures are printed, never asserted.

    python bench/remote.py --datasets real --clients 1,4 --duration 2 --rounds 2 [--replicas]

With `--replicas`, the whole mix also runs through haproxy over one Tregua replica, then over two
(both over the same Oxigraph), at the highest concurrency.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.endpoint import (  # noqa: E402
    OXIGRAPH_CLI,
    Latencies,
    Running,
    free_port,
    load,
    prepare_store,
    query_mix,
    sample,
    say,
    start_ours,
    wait_until_up,
)

CANNED = [("entity-lookup", {"name": "ortiz"}), ("people-by-organization", {})]


def start_oxigraph_rw(store: Path, log: Path) -> Running:
    """No --timeout-s: with it, oxigraph 0.5.13 starts a thread per query, and at this benchmark's
    rate on a shared machine it ran out of threads ("Resource temporarily unavailable", a panic)."""
    port = free_port()
    process = subprocess.Popen([str(OXIGRAPH_CLI), "serve", "--location", str(store), "--bind", f"127.0.0.1:{port}",
                                "--union-default-graph"],
                               stdout=log.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url, process, "/query?query=ASK%7B%7D")
    return Running("oxigraph", url, process)


def start_remote(oxigraph: Running, log: Path, store: Path) -> Running:
    port = free_port()
    env = {**os.environ, "KG_BACKEND": "sparql", "KG_SPARQL_QUERY_URL": oxigraph.url + "/query",
           "KG_QUERY_TIMEOUT": "120", "KG_LOG_LEVEL": "warning", "KG_MAX_RESULT_ROWS": "1000000"}
    process = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--store", str(store), "--port", str(port)],
                               env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url, process, "/health")
    return Running("tregua", url, process)


def canned_rate(url: str, name: str, params: dict[str, str], seconds: float) -> float:
    stop = time.monotonic() + seconds
    n = 0
    with httpx.Client(base_url=url, timeout=60) as c:
        while time.monotonic() < stop:
            r = c.get(f"/queries/{name}", params=params, headers={"Accept": "application/json"})
            n += r.status_code == 200
    return n / seconds


def start_balancer(replicas: list[Running], work: Path) -> Running:
    """haproxy on loopback, round robin over `replicas` (the config tests/remote/test_replicas.py uses)."""
    port = free_port()
    servers = "\n".join(f"    server r{i} {r.url.removeprefix('http://')}" for i, r in enumerate(replicas))
    cfg = work / "haproxy.cfg"
    cfg.write_text("global\n    maxconn 256\ndefaults\n    mode http\n    timeout connect 5s\n"
                   "    timeout client 60s\n    timeout server 60s\n"
                   f"frontend f\n    bind 127.0.0.1:{port}\n    default_backend b\nbackend b\n"
                   f"    balance roundrobin\n{servers}\n")
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    process = subprocess.Popen([haproxy, "-db", "-f", str(cfg)], stdout=(work / "haproxy.log").open("wb"),
                               stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url, process, "/health")
    return Running("tregua", url, process)


def replicas_figures(oxigraph: Running, mix: list[tuple[str, str]], args: argparse.Namespace, work: Path) -> None:
    """The same mix through haproxy over one replica, then over two, interleaved: req/s and the ratio."""
    second = start_remote(oxigraph, work / "remote-2.log", work / "unused")
    first = start_remote(oxigraph, work / "remote-1.log", work / "unused")
    (work / "one").mkdir(exist_ok=True)
    (work / "two").mkdir(exist_ok=True)
    one = start_balancer([first], work / "one")
    two = start_balancer([first, second], work / "two")
    try:
        clients = max(args.clients)
        rates = {"one": Latencies(), "two": Latencies()}
        for _ in range(args.rounds):
            rates["one"].merge(load(one, mix, clients, args.duration))
            rates["two"].merge(load(two, mix, clients, args.duration))
        say(f"\n  replicas behind haproxy, whole mix, {clients} clients: one replica "
            f"{rates['one'].throughput:.0f} req/s, two replicas {rates['two'].throughput:.0f} req/s "
            f"({rates['two'].throughput / rates['one'].throughput:.2f}x)")
    finally:
        for server in (one, two, first, second):
            server.stop()


def bench_dataset(dataset: str, args: argparse.Namespace, work: Path) -> None:
    say(f"\n== dataset {dataset}")
    store = prepare_store(dataset, work)
    mix = query_mix(sample(store))
    served = work / f"oxigraph-{dataset}"
    shutil.copytree(store, served)
    embedded_copy = work / f"embedded-{dataset}"
    shutil.copytree(store, embedded_copy)
    oxigraph = start_oxigraph_rw(served, work / "oxigraph.log")
    remote = start_remote(oxigraph, work / "remote.log", work / "unused")
    embedded = start_ours(embedded_copy, 2, work / "embedded.log")
    try:
        for clients in args.clients:
            say(f"\n  {clients} client(s), {args.rounds} x {args.duration:g} s per server per query "
                "(Tregua over remote Oxigraph / Oxigraph directly)")
            say(f"  {'query':<14}{'tregua req/s':>14}{'oxigraph req/s':>16}{'ratio':>8}{'p50 ms':>16}")
            ratios = []
            for name, query in mix:
                ours, theirs = Latencies(), Latencies()
                for _ in range(args.rounds):
                    ours.merge(load(remote, [(name, query)], clients, args.duration))
                    theirs.merge(load(oxigraph, [(name, query)], clients, args.duration))
                ratio = ours.throughput / theirs.throughput if theirs.throughput else float("nan")
                ratios.append(ratio)
                errors = f"  errors {ours.errors}/{theirs.errors}" if ours.errors or theirs.errors else ""
                say(f"  {name:<14}{ours.throughput:>14.0f}{theirs.throughput:>16.0f}{ratio:>8.2f}"
                    f"{ours.pct(0.5):>8.2f}/{theirs.pct(0.5):<7.2f}{errors}")
            geomean = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
            say(f"  geomean ratio {geomean:.2f}x")
        say("\n  canned queries, 1 client (Tregua embedded / Tregua over remote Oxigraph), req/s")
        for name, params in CANNED:
            rates = {"embedded": 0.0, "remote": 0.0}
            for _ in range(args.rounds):
                rates["embedded"] += canned_rate(embedded.url, name, params, args.duration)
                rates["remote"] += canned_rate(remote.url, name, params, args.duration)
            say(f"  {name:<24}{rates['embedded'] / args.rounds:>8.0f}{rates['remote'] / args.rounds:>8.0f}"
                f"  remote/embedded {rates['remote'] / rates['embedded']:.2f}x")
        if args.replicas:
            replicas_figures(oxigraph, mix, args, work)
    finally:
        for server in (remote, embedded, oxigraph):
            server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", default="real", help="comma-separated: real and/or synthetic sizes")
    parser.add_argument("--clients", default="1,4", help="comma-separated concurrencies")
    parser.add_argument("--duration", type=float, default=2.0, help="seconds per server per query per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--replicas", action="store_true", help="also: one vs two replicas behind haproxy")
    parser.add_argument("--keep", default=None, help="work in this folder and keep it (stores and logs)")
    args = parser.parse_args(argv)
    args.clients = [int(c) for c in args.clients.split(",")]
    if args.keep:  # the servers' logs stay there, to read after a failed run
        Path(args.keep).mkdir(parents=True, exist_ok=True)
        for dataset in args.datasets.split(","):
            bench_dataset(dataset, args, Path(args.keep))
        return 0
    with tempfile.TemporaryDirectory(prefix="tregua-bench-remote-") as tmp:
        for dataset in args.datasets.split(","):
            bench_dataset(dataset, args, Path(tmp))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
