"""Where the project's files are: resolved from the package, so commands work from any folder."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = REPO_ROOT / "ontology"
SHAPES_DIR = REPO_ROOT / "shapes"
SOURCES_DIR = REPO_ROOT / "sources"
QUERIES_DIR = REPO_ROOT / "queries"
#: The SPARQL editor's example queries (not canned queries: no route, no parameters).
EXAMPLES_DIR = QUERIES_DIR / "examples"
DEFAULT_SHARED_DIR = REPO_ROOT.parent / "shared"

EXTRA_SOURCES_ENV = "KG_EXTRA_SOURCES"
"""Extra source folders built together with sources/ (`os.pathsep`-separated), e.g. a test fixture."""


def extra_sources_from_env() -> list[Path]:
    """The folders named by KG_EXTRA_SOURCES (none when unset).

    >>> import os; os.environ[EXTRA_SOURCES_ENV] = "a" + os.pathsep + "b"; extra_sources_from_env()
    [PosixPath('a'), PosixPath('b')]
    >>> del os.environ[EXTRA_SOURCES_ENV]; extra_sources_from_env()
    []
    """
    return [Path(p) for p in os.environ.get(EXTRA_SOURCES_ENV, "").split(os.pathsep) if p]


def text_roots(shared_dir: Path) -> list[Path]:
    """Where a source's `tg:textFile` may be, in the order looked at: beside the sources, then shared.

    (The build resolves it against the folder of the TriG that declares it; pages, which only
    have the value, look in every source folder and then in the shared folder.)
    """
    return [SOURCES_DIR, *extra_sources_from_env(), Path(shared_dir)]
