"""How soon an edit is findable by reconciliation and search, on a real server (issue 13).

    .venv/bin/python bench/findable.py --dataset 1000000 --edits 20

A server is started on 127.0.0.1 over the dataset (the real graph, or a synthetic graph of
`bench/synth.py` prepared as `bench/endpoint.py` prepares it). One reconciliation request builds
the search index (the peer figure: a full rebuild, which every write used to cost). Then, `--edits`
times: a new alias (a made-up name no entity has) is written to a person through
`/sparql/update` (SHACL gate, journal), and the clock runs from the write's 2xx to the first
`/reconcile` answer whose best candidate is that person at score 100; `/search` is then asked
for the alias too. Printed: the write's time, the time to findable (p50, max), whether search
found every edit, and the rebuilds and delta updates the server counted (`/health`).
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import string
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.endpoint import TG, sample, say  # noqa: E402
from bench.load import TOKEN, prepared_copy, start  # noqa: E402
from kg import iris  # noqa: E402

DESK = iris.BASE + "graph/desk/findable"
GIVE_UP_S = 60.0


def made_up_name(rng: random.Random) -> str:
    """Two words no entity of the graph has (lower-case letters, so the words are tokens)."""
    return " ".join("".join(rng.choice(string.ascii_lowercase) for _ in range(9)).title() for _ in range(2))


def reconcile_best(client: httpx.Client, name: str) -> tuple[str, float]:
    body = {"queries": json.dumps({"q": {"query": name, "type": "Person", "limit": 1}})}
    r = client.post("/reconcile", data=body)
    r.raise_for_status()
    result = r.json()["q"]["result"]
    return (result[0]["id"], float(result[0]["score"])) if result else ("", 0.0)


def one_edit(client: httpx.Client, person: str, name: str) -> tuple[float, float, bool]:
    """(write ms, ms from the 2xx to findable by /reconcile, found by /search)."""
    update = f'INSERT DATA {{ GRAPH <{DESK}> {{ <{person}> <{TG}alias> "{name}"@es }} }}'
    started = time.perf_counter()
    r = client.post("/sparql/update", content=update.encode(),
                    headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})
    acknowledged = time.perf_counter()
    if r.status_code >= 300:
        raise RuntimeError(f"the write was refused: {r.status_code} {r.text[:300]}")
    wanted = person.removeprefix(iris.BASE + "id/")
    while time.perf_counter() - acknowledged < GIVE_UP_S:
        if reconcile_best(client, name) == (wanted, 100.0):
            break
    else:
        raise RuntimeError(f"{name!r} not findable after {GIVE_UP_S:g} s")
    findable = time.perf_counter()
    hits = client.get("/search", params={"q": name}).json()["results"]
    return (acknowledged - started) * 1000, (findable - acknowledged) * 1000, bool(hits) and hits[0]["id"] == wanted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="1000000", help="'real' or a synthetic size in triples")
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--prepared", type=Path, default=None,
                        help="a folder holding store-DATASET prepared earlier (copied, never changed)")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    say(f"bench/findable.py: dataset {args.dataset}, {args.edits} edits, on 127.0.0.1; python "
        f"{sys.version.split()[0]}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="tregua-findable-") as tmp:
        store = prepared_copy(args.dataset, Path(tmp), args.prepared)
        people = sample(store)["person"]
        server = start(store, Path(tmp) / "server.log", timeout=30.0, workers=2)
        try:
            with httpx.Client(base_url=server.url, timeout=300) as client:
                started = time.perf_counter()
                reconcile_best(client, "Oscar Ortiz")
                first = time.perf_counter() - started
                built = client.get("/health").json()["search_index"]
                say(f"first reconciliation (builds the index): {first:.2f} s; the build itself "
                    f"{built['last_rebuild_s']:.2f} s")
                writes, findable, searched = [], [], 0
                for i in range(args.edits):
                    w, f, s = one_edit(client, people[i % len(people)], made_up_name(rng))
                    writes.append(w)
                    findable.append(f)
                    searched += s
                stats = client.get("/health").json()["search_index"]
        finally:
            server.stop()
    say(f"write (2xx) p50 {statistics.median(writes):.0f} ms; from the 2xx to findable by /reconcile: "
        f"p50 {statistics.median(findable):.0f} ms, max {max(findable):.0f} ms (target < 1000)")
    say(f"found by /search right after: {searched}/{args.edits}; server: {stats['rebuilds']} rebuild(s), "
        f"{stats['updates']} delta update(s), last update {stats['last_update_s'] * 1000:.0f} ms")
    say(f"ratio full rebuild / slowest time to findable: {built['last_rebuild_s'] * 1000 / max(findable):.0f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
