"""Where the project's files are: resolved from the package, so commands work from any folder."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = REPO_ROOT / "ontology"
SHAPES_DIR = REPO_ROOT / "shapes"
SOURCES_DIR = REPO_ROOT / "sources"
QUERIES_DIR = REPO_ROOT / "queries"
#: The SPARQL editor's example queries (not canned queries: no route, no parameters).
EXAMPLES_DIR = QUERIES_DIR / "examples"
DEFAULT_SHARED_DIR = REPO_ROOT.parent / "shared"
