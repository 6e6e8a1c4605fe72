"""Backups of a live store, and restoring one: Oxigraph's own `Store.backup` (a RocksDB
checkpoint: a consistent copy, hard-linked when on the same file system, so it takes
milliseconds and little space).

A backup must come from the read-write handle: a read-only instance's checkpoint leaves out
what is still only in the write-ahead log (measured: the last writes were missing). While a
server runs, it holds that handle (the single writer), so `kg backup` asks the server
(`POST /admin/backup`, behind the write token), which takes the checkpoint under its write lock;
with no server, `kg backup` opens the store itself. Either way the backup also holds the
store's `tregua-version` and `tregua-journal` (the journal position), read under the same lock,
so `kg restore` + the journal's replay give exactly the store as it is after those entries:

    kg backup /backups/2026-12-02 --store data/store
    kg restore /backups/2026-12-02 --store data/store   # then replays data/store.journal
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pyoxigraph as ox

from kg.errors import BadRequest, StoreUnavailable
from kg.journal.log import APPLIED_FILE
from kg.store import VERSION_FILE, discard, open_store, staging_dir, swap_in

#: Files of ours that travel with the RocksDB files (RocksDB's checkpoint copies only its own).
STAMPS = (VERSION_FILE, APPLIED_FILE)
#: Names the server accepts for a backup folder under its backup directory.
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def backup_dir(store_path: Path) -> Path:
    """Where the server writes backups it is asked for: `STORE.backups` beside the store (same
    file system, so the checkpoint is hard links)."""
    return store_path.parent / f"{store_path.name}.backups"


def take_backup(store: ox.Store, store_path: Path, target: Path) -> Path:
    """Checkpoint `store` (open read-write, held by the caller under its write lock) into
    `target`, with the version stamp and journal position. Raises BadRequest when `target`
    exists, StoreUnavailable when the checkpoint fails (a full disk)."""
    if target.exists():
        raise BadRequest(f"the backup folder {target} already exists", hint="give a new folder name")
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        store.backup(str(target))
        for name in STAMPS:
            if (store_path / name).is_file():
                shutil.copy2(store_path / name, target / name)
    except (OSError, RuntimeError) as exc:
        shutil.rmtree(target, ignore_errors=True)
        raise StoreUnavailable(f"the backup into {target} failed: {exc}",
                               hint="check the free space and permissions of that folder") from exc
    return target


def backup_offline(store_path: Path, target: Path) -> Path:
    """`kg backup` with no server running: open the store read-write here (one line if it is held)."""
    store = open_store(store_path, read_only=False) if store_path.is_dir() else None
    if store is None:
        raise StoreUnavailable(f"no store at {store_path}",
                               hint="give the store's --store path, or build it first with `kg build --store PATH`")
    try:
        return take_backup(store, store_path, target)
    finally:
        del store


#: The Makefile's stamp in a store folder (`make build` touches it; `make serve` rebuilds the store
#: from the sources when they are newer). A restored store carries a fresh one, so that
#: `make serve` after `kg restore` serves the backup rather than a rebuild without its writes.
BUILT_STAMP = ".built"


def restore(backup: Path, store_path: Path) -> None:
    """Put a copy of `backup` at `store_path` (the old store is replaced only once the copy is
    whole and opens). The caller replays the journal afterwards (`kg.journal.recover`)."""
    if not backup.is_dir():
        raise BadRequest(f"no backup at {backup}", hint="give the folder `kg backup` wrote")
    check = open_store(backup, read_only=True)  # one line if it is damaged
    del check
    if store_path.exists():
        # Nobody may hold the store being replaced (a running server): one line naming it if so.
        held = open_store(store_path, read_only=False)
        del held
    staging = staging_dir(store_path)
    try:
        shutil.copytree(backup, staging)
        (staging / BUILT_STAMP).touch()
        swap_in(staging, store_path)
    except BaseException:
        discard(staging)
        raise
