"""Editable copies of the build's inputs, so that bad-input tests never touch the repository."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg import iris, paths

PREFIXES = "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in iris.PREFIXES.items())
EXTRA = "tests-extra"


@dataclass
class Tree:
    """A copy of ontology/, shapes/ and sources/ in a temporary folder."""

    root: Path
    shared_dir: Path

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def shapes_dir(self) -> Path:
        return self.root / "shapes"

    @property
    def sources_dir(self) -> Path:
        return self.root / "sources"

    def dirs(self) -> dict[str, Path]:
        return {"shared_dir": self.shared_dir, "ontology_dir": self.ontology_dir,
                "shapes_dir": self.shapes_dir, "sources_dir": self.sources_dir}

    def cli_dirs(self) -> list[str]:
        return ["--shared-dir", str(self.shared_dir), "--ontology-dir", str(self.ontology_dir),
                "--shapes-dir", str(self.shapes_dir), "--sources-dir", str(self.sources_dir)]

    def add_source(self, body: str, *, stem: str = EXTRA) -> Path:
        """Write a source file holding `body` inside its named graph; line 1 of `body` is returned
        as line `self.first_body_line` of the file."""
        path = self.sources_dir / f"{stem}.trig"
        path.write_text(PREFIXES + f"<{iris.source_graph(stem)}> {{\n" + body + "\n}\n", encoding="utf-8")
        return path

    @property
    def first_body_line(self) -> int:
        return PREFIXES.count("\n") + 2

    def add_test_class(self) -> None:
        """Declare `tg:TestsThing` and `tg:testsPart` in an extra ontology file: terms no real
        shape targets, so a test shape over them sees only the test's own data."""
        (self.ontology_dir / "tests-extra.ttl").write_text(PREFIXES + """
tg:TestsThing a owl:Class ; rdfs:label "tests thing"@en .
tg:testsPart a owl:ObjectProperty ; rdfs:label "tests part"@en .
""", encoding="utf-8")

    def add_shapes(self, text: str, *, name: str = "tests-extra.ttl") -> Path:
        path = self.shapes_dir / name
        path.write_text(PREFIXES + text, encoding="utf-8")
        return path


def copy_tree(dest: Path, shared_dir: Path) -> Tree:
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(paths.ONTOLOGY_DIR, dest / "ontology")
    shutil.copytree(paths.SHAPES_DIR, dest / "shapes")
    shutil.copytree(paths.SOURCES_DIR, dest / "sources",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return Tree(dest, shared_dir)


def nquads(store_path: Path) -> bytes:
    """The store's content as sorted N-Quads lines, to compare two stores exactly."""
    store = ox.Store.read_only(str(store_path))
    data = store.dump(format=ox.RdfFormat.N_QUADS) or b""
    return b"\n".join(sorted(data.splitlines()))
