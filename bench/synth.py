"""Synthetic graphs shaped like Tregua's, at any size, that conform to the shapes.

The curated sources (persons, organizations, posts and tenures, statements with quotes and
text positions, stances, conditions, events with participations, claims) plus their
Wikidata-links graph form one *replica*. A graph of N triples is as many replicas as it takes,
each with its own entity IRIs (``id/person/oscar-ortiz`` → ``id/person/oscar-ortiz-r17``),
its own source graphs and its own labels, so the result has the real graph's shape, degree
distribution and constraint mix, and conforms to the shapes exactly as the real data does.
Quote offsets stay valid (the quotes are unchanged), so every build check applies too.

Used by the other benchmarks:

    from bench.synth import generate
    path, triples = generate(100_000, Path("bench/out"))      # N-Quads, cached by size

or from the shell: ``python bench/synth.py --sizes 10000,100000 [--format trig] [--out DIR]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kg import iris, paths  # noqa: E402
from kg.build.pipeline import entity_iris, links_graph  # noqa: E402
from kg.build.sources import load_source_dir  # noqa: E402
from kg.store import quads_digest  # noqa: E402

OUT_DIR = ROOT / "bench" / "out"
ID_PREFIX = iris.BASE + "id/"
RENAMED_LITERALS = {iris.PREFIXES["rdfs"] + "label", iris.TG + "alias", iris.PREFIXES["skos"] + "prefLabel"}
FORMATS = {"nq": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}


def template(shared_dir: Path = paths.DEFAULT_SHARED_DIR) -> list[ox.Quad]:
    """One replica: the curated source graphs and their links graph, as the build makes them."""
    files = load_source_dir(paths.SOURCES_DIR)
    quads = [q for f in files for q in f.quads]
    links = links_graph(shared_dir, entity_iris(files), paths.SOURCES_DIR)
    return quads + links


def _rename_iri(value: str, suffix: str) -> str:
    if value.startswith(ID_PREFIX):
        base, hash_, fragment = value.partition("#")
        return base + suffix + hash_ + fragment
    if value.startswith(iris.GRAPH_SOURCE_PREFIX):
        return value + suffix
    return value


def replica(quads: list[ox.Quad], k: int, *, keep_first: bool = False) -> list[ox.Quad]:
    """Copy `quads` with every entity IRI, source graph and label made unique to replica `k`.

    With `keep_first`, replica 0 is the curated graph itself (so the reviewed Wikidata links,
    which name our real IRIs, still apply when the synthetic sources are built).
    """
    if keep_first and k == 0:
        return list(quads)
    suffix = f"-r{k}"
    cache: dict[str, ox.NamedNode] = {}

    def node(term: ox.NamedNode) -> ox.NamedNode:
        got = cache.get(term.value)
        if got is None:
            renamed = _rename_iri(term.value, suffix)
            got = cache[term.value] = term if renamed == term.value else ox.NamedNode(renamed)
        return got

    out = []
    for q in quads:
        s = node(q.subject) if isinstance(q.subject, ox.NamedNode) else q.subject
        o = q.object
        if isinstance(o, ox.NamedNode):
            o = node(o)
        elif isinstance(o, ox.Literal) and q.predicate.value in RENAMED_LITERALS:
            o = (
                ox.Literal(f"{o.value} {k}", language=o.language)
                if o.language
                else ox.Literal(f"{o.value} {k}", datatype=o.datatype)
            )
        g = node(q.graph_name) if isinstance(q.graph_name, ox.NamedNode) else q.graph_name
        out.append(ox.Quad(s, q.predicate, o, g))  # type: ignore[arg-type]
    return out


def generate(
    size: int,
    out_dir: Path = OUT_DIR,
    *,
    fmt: str = "nq",
    force: bool = False,
    shared_dir: Path = paths.DEFAULT_SHARED_DIR,
) -> tuple[Path, int]:
    """Write at least `size` triples (whole replicas) to ``out_dir/synth-SIZE.FMT``; returns path and count.

    The file is reused while the sources are unchanged (the content depends only on them and `size`).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"synth-{size}.{fmt}"
    count_file = path.with_suffix(path.suffix + ".count")
    one = template(shared_dir)
    key = quads_digest(one)[:16]
    if path.is_file() and count_file.is_file() and not force:
        count, _, cached_key = count_file.read_text().partition(" ")
        if cached_key.strip() == key:
            return path, int(count)
    replicas = -(-size // len(one))
    written = 0
    partial = path.with_suffix(path.suffix + ".part")
    with partial.open("wb") as out:
        for k in range(replicas):
            quads = replica(one, k)
            ox.serialize(quads, out, format=FORMATS[fmt])
            written += len(quads)
    partial.replace(path)
    count_file.write_text(f"{written} {key}")
    return path, written


def write_sources(size: int, out_dir: Path, *,
                  shared_dir: Path = paths.DEFAULT_SHARED_DIR) -> tuple[Path, int]:
    """Synthetic *source files* (one TriG per source graph, as in sources/) for a full `kg build`.

    The links graph is left out: the build makes it. Returns the folder and the source triples written.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    files = load_source_dir(paths.SOURCES_DIR)
    one = [q for f in files for q in f.quads]
    per_replica = len(one) + len(links_graph(shared_dir, entity_iris(files), paths.SOURCES_DIR))
    written = 0
    for k in range(-(-size // per_replica)):
        by_graph: dict[str, list[ox.Quad]] = {}
        for q in replica(one, k, keep_first=True):
            by_graph.setdefault(q.graph_name.value, []).append(q)  # type: ignore[union-attr]
        for graph, quads in by_graph.items():
            stem = graph[len(iris.GRAPH_SOURCE_PREFIX) :]
            ox.serialize(quads, out_dir / f"{stem}.trig", format=ox.RdfFormat.TRIG)
            written += len(quads)
    mapping = paths.SOURCES_DIR / "wikidata-links.csv"
    if mapping.is_file():
        (out_dir / mapping.name).write_bytes(mapping.read_bytes())
    return out_dir, written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated triple counts")
    parser.add_argument("--format", default="nq", choices=sorted(FORMATS))
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--force", action="store_true", help="regenerate even when the file exists")
    args = parser.parse_args(argv)
    for size in (int(s) for s in args.sizes.split(",")):
        started = time.perf_counter()
        path, n = generate(size, args.out, fmt=args.format, force=args.force)
        print(f"{path}: {n} quads ({time.perf_counter() - started:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
