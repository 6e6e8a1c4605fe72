"""The ceiling of a Python read path: how close any design that answers in Python can come to Oxigraph.

Issue 12 asks `/sparql` for ≥ 0.6x `oxigraph serve-read-only` on every query of a mix that starts with
one-entity lookups. This benchmark asks whether any Python design can, by serving the small queries
of `bench/endpoint.py`'s mix (label, lookup, construct, describe) from four servers on one store, in
interleaved rounds, with the same bare socket client (`bench/rawhttp.py`) at 1 and 4 clients:

- `oxigraph`: `oxigraph serve-read-only` (Rust), the reference;
- `constant`: `bench/minimal_asgi.py` under uvicorn answering a constant body (the HTTP stack alone);
- `minimal` and `minimal-2`: the same app running each query with pyoxigraph in its process, with
  no checks, no timeout and no headers, in one and in two uvicorn processes: the floor of any design
  that evaluates the query in Python, whatever it does around it;
- `tregua`: `kg serve`;
- `haproxy`: HAProxy (C) forwarding to a second `oxigraph serve-read-only`: the cost of a front that
  takes Python out of the read path entirely (skipped when `haproxy` is not installed).

Each row prints the throughput ratio against Oxigraph. Figures are printed, never asserted.

    .venv/bin/python bench/ceiling.py                         # synthetic 100k, ~2 min
    .venv/bin/python bench/ceiling.py --dataset 1000000 --seconds 2
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import rawhttp  # noqa: E402
from bench.endpoint import (  # noqa: E402
    Running,
    accept_for,
    free_port,
    get_line,
    prepare_store,
    query_mix,
    sample,
    say,
    start_ours,
    start_oxigraph,
    wait_until_idle,
    wait_until_up,
)

SMALL = ("label", "lookup", "construct", "describe")
HAPROXY = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)


def start_minimal(store: Path | None, processes: int, log: Path) -> Running:
    """`bench/minimal_asgi.py` under uvicorn (httptools, uvloop: uvicorn's fastest settings)."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key != "MINIMAL_STORE"}
    if store is not None:
        env["MINIMAL_STORE"] = str(store)
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bench.minimal_asgi:app", "--app-dir", str(ROOT), "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(processes), "--http", "httptools", "--loop", "uvloop",
         "--log-level", "warning", "--no-access-log"],
        env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url, process, "/")
    return Running("tregua", url, process)  # answers at /sparql, as Tregua does


def start_haproxy(haproxy: str, oxigraph: Running, log: Path) -> Running:
    """HAProxy on loopback passing every request to `oxigraph` unchanged (keep-alive both ways)."""
    port = free_port()
    config = log.with_suffix(".cfg")
    config.write_text(
        "global\n    maxconn 1000\n"
        "defaults\n    mode http\n    timeout connect 5s\n    timeout client 60s\n    timeout server 60s\n"
        "    option http-keep-alive\n    http-reuse always\n"
        f"frontend front\n    bind 127.0.0.1:{port}\n    default_backend engine\n"
        f"backend engine\n    server oxigraph {oxigraph.url.removeprefix('http://')}\n")
    process = subprocess.Popen([haproxy, "-f", str(config), "-db"], stdout=log.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url, process, "/query?query=ASK%7B%7D")
    return Running("oxigraph", url, process)  # answers at /query, as Oxigraph does


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="100000", help="'real' or a synthetic triple count")
    parser.add_argument("--seconds", type=float, default=1.0, help="seconds a query a server a round")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--concurrency", default="1,4", type=lambda s: [int(x) for x in s.split(",")])
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="tregua-bench-ceiling-"))
    say(f"work folder {work}; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}")
    servers: dict[str, Running] = {}
    try:
        ours_store = prepare_store(args.dataset, work)
        copies = {name: work / f"copy-{name}" for name in ("oxigraph", "minimal", "minimal-2", "behind")}
        for copy in copies.values():
            shutil.copytree(ours_store, copy)
        mix = dict(query_mix(sample(ours_store)))
        servers["oxigraph"] = start_oxigraph(copies["oxigraph"], work / "oxigraph.log")
        servers["constant"] = start_minimal(None, 1, work / "constant.log")
        servers["minimal"] = start_minimal(copies["minimal"], 1, work / "minimal.log")
        servers["minimal-2"] = start_minimal(copies["minimal-2"], 2, work / "minimal-2.log")
        servers["tregua"] = start_ours(ours_store, os.cpu_count() or 2, work / "tregua.log")
        if HAPROXY:
            servers["behind"] = start_oxigraph(copies["behind"], work / "behind.log")
            servers["haproxy"] = start_haproxy(HAPROXY, servers["behind"], work / "haproxy.log")
        wait_until_idle(servers["tregua"])
        others = [name for name in servers if name not in ("oxigraph", "behind")]
        for concurrency in args.concurrency:
            say(f"\n{concurrency} client(s) at once, {args.seconds:g} s a query a server, {args.rounds} rounds; "
                f"load average {os.getloadavg()[0]:.1f}; throughput ratio to oxigraph serve-read-only")
            say(f"  {'query':<10} {'oxigraph q/s':>12} " + " ".join(f"{name:>10}" for name in others))
            for name in SMALL:
                query = mix[name]
                rates: dict[str, list[float]] = {server: [] for server in servers if server != "behind"}
                for _ in range(args.rounds):
                    for server_name, server in servers.items():
                        if server_name == "behind":
                            continue
                        line = get_line(server, query)
                        rates[server_name].append(rawhttp.load(
                            server.url, line, headers={"Accept": accept_for(query)}, concurrency=concurrency,
                            seconds=args.seconds)[2])
                reference = statistics.mean(rates["oxigraph"])
                say(f"  {name:<10} {reference:>12.0f} "
                    + " ".join(f"{statistics.mean(rates[s]) / reference:>9.2f}x" for s in others))
        say(f"\nload average at the end {os.getloadavg()[0]:.1f}")
    finally:
        for server in servers.values():
            server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
