"""Opening Oxigraph stores, stamping them with a version, and swapping a new build in.

A build never writes into the store that is being served: it fills a fresh directory
beside it and renames it into place only when everything passed, so a failed build
leaves the old store exactly as it was. The version stamp is a digest of the quads,
so two builds of the same sources carry the same stamp and the server's ETags stay valid.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from kg.errors import StoreLocked, StoreUnavailable

VERSION_FILE = "tregua-version"
"""Kept inside the RocksDB directory (RocksDB leaves files it does not own alone), so the
stamp travels with the store when it is copied or renamed."""


def open_store(path: str | os.PathLike[str], *, read_only: bool = False) -> ox.Store:
    """Open an on-disk store; read-only opens let several processes read while one writes.

    Raises StoreUnavailable (with a hint) when the directory is missing or cannot be opened.
    """
    store_path = Path(path)
    if read_only and not store_path.is_dir():
        raise StoreUnavailable(f"no store at {store_path}",
                               hint="build it first with `kg build --store PATH` (or `make build`)")
    try:
        return ox.Store.read_only(str(store_path)) if read_only else ox.Store(str(store_path))
    except (OSError, RuntimeError) as exc:
        raise store_error(store_path, exc) from exc


def store_error(store_path: Path, exc: BaseException) -> StoreUnavailable:
    """One line naming the path and the fix, for the three ways RocksDB refuses a directory.

    >>> store_error(Path("data/store"), OSError("IO error: While lock file: data/store/LOCK: "
    ...             "Resource temporarily unavailable")).message.startswith("the store at data/store is held")
    True
    """
    text = " ".join(str(exc).split())
    if "lock" in text.lower():
        return StoreLocked(
            f"the store at {store_path} is held by another writer ({text})",
            hint="stop the other process (a running `kg serve`, `kg link` or `kg build`); while a server "
                 "runs, write through it (/sparql/update) and take backups with `kg backup`")
    if "corrupt" in text.lower() or "CURRENT" in text or "MANIFEST" in text:
        return StoreUnavailable(
            f"the store at {store_path} is damaged or not an Oxigraph store ({text})",
            hint=f"restore a backup (`kg restore BACKUP --store {store_path}`) or rebuild it "
                 f"(`kg build --store {store_path}`); the journal replays the writes made since")
    if "No space left" in text:
        return StoreUnavailable(f"the disk holding the store at {store_path} is full ({text})",
                                hint="free space on that disk, then retry")
    return StoreUnavailable(f"cannot open the store at {store_path}: {text}",
                            hint="check the path and its permissions; only one process may write at a time")


def check_writable(path: str | os.PathLike[str]) -> None:
    """Open the store read-write and close it at once: fails (one line) when another writer holds it."""
    import gc

    store = open_store(path)
    del store
    gc.collect()


def quads_digest(quads: Iterable[ox.Quad]) -> str:
    """A digest of a set of quads that does not depend on their order: sha256 of sorted N-Quads lines.

    >>> q = ox.Quad(ox.NamedNode("http://a"), ox.NamedNode("http://b"), ox.Literal("c"))
    >>> quads_digest([q]) == quads_digest([q, q])
    True
    """
    lines = sorted({f"{q}" for q in quads})
    h = hashlib.sha256()
    for line in lines:
        h.update(line.encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def write_version(path: str | os.PathLike[str], version: str) -> None:
    (Path(path) / VERSION_FILE).write_text(version + "\n", encoding="utf-8")


def store_version(path: str | os.PathLike[str]) -> str:
    """The build stamp of the store at `path` (a short digest of its quads), for ETags.

    A store written by something else than `kg build` has no stamp; its version is then
    derived from the directory's modification time, so it still changes when the data does.
    """
    stamp = Path(path) / VERSION_FILE
    if stamp.is_file():
        return stamp.read_text(encoding="utf-8").strip()
    if not Path(path).is_dir():
        raise StoreUnavailable(f"no store at {path}", hint="build it first with `kg build --store PATH`")
    return f"mtime-{int(Path(path).stat().st_mtime_ns)}"


def staging_dir(target: Path) -> Path:
    """A fresh, empty directory beside `target` (same file system, so the final rename is atomic)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.building-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    return staging


def swap_in(staging: Path, target: Path) -> None:
    """Put the finished build at `target`; the previous store is removed only after the rename.

    Two renames (old aside, new in): a reader that already opened the old store keeps its
    files; a crash between the renames leaves the old store beside, under `.NAME.old-PID`.
    """
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    if target.exists():
        if old.exists():
            shutil.rmtree(old)
        target.rename(old)
    staging.rename(target)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


def discard(staging: Path) -> None:
    """Remove a half-built directory after a failure."""
    shutil.rmtree(staging, ignore_errors=True)
