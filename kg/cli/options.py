"""What every `kg` command shares: the `Command` record, exit codes, and the options spelled once.

`add_store` is the one definition of `--store`; `store_path` resolves it (option, else `KG_STORE`,
else ./data/store).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:
    from kg.config import Settings

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


@dataclass(frozen=True)
class Command:
    """One subcommand: `configure` adds its options, `run` does the work and returns the exit code."""

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def settings() -> Settings:
    from kg.config import Settings

    return Settings()


def add_store(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", type=Path, default=None,
                   help="Oxigraph store directory (default: $KG_STORE or ./data/store)")


def add_dirs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--shared-dir", type=Path, default=None,
                   help="folder holding seed/ and reference/ (default: $KG_SHARED_DIR or ../shared)")
    p.add_argument("--sources-dir", type=Path, default=None, help="source files (default: sources)")
    p.add_argument("--extra-sources", type=Path, action="append", default=None, metavar="DIR",
                   help="another folder of sources built together with --sources-dir, repeatable "
                        "(default: $KG_EXTRA_SOURCES, folders separated by ':'), e.g. tests/fixtures/sources")
    p.add_argument("--ontology-dir", type=Path, default=None, help="ontology files (default: ontology/)")
    p.add_argument("--shapes-dir", type=Path, default=None, help="SHACL shapes (default: shapes/)")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")


def store_path(args: argparse.Namespace) -> Path:
    return Path(args.store) if args.store else Path(settings().store)


def shared_dir(args: argparse.Namespace) -> Path:
    return Path(args.shared_dir) if getattr(args, "shared_dir", None) else Path(settings().shared_dir)


class Dirs(TypedDict):
    """The input folders of a build or a check, as `kg.build.pipeline`'s keyword arguments."""

    shared_dir: Path
    sources_dir: Path | None
    ontology_dir: Path | None
    shapes_dir: Path | None
    extra_sources_dirs: list[Path] | None


def dirs(args: argparse.Namespace) -> Dirs:
    return {"shared_dir": shared_dir(args), "sources_dir": args.sources_dir,
            "ontology_dir": args.ontology_dir, "shapes_dir": args.shapes_dir,
            "extra_sources_dirs": args.extra_sources}
