"""`kg backup` and `kg restore`: a consistent checkpoint of the store, taken while it is served or not.

A backup must come from the writer's own handle (a read-only handle misses what is still only in
the write-ahead log), so while a server holds the store the backup is asked of that server.
See docs/operations.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kg.cli.options import EXIT_OK, add_store, settings, store_path
from kg.errors import BadRequest, KgError

BACKUP_HELP = "back up the store (a consistent checkpoint) while it is served or not"
RESTORE_HELP = "put a backup in place of the store, then replay the journal's later writes"


def configure_backup(p: argparse.ArgumentParser) -> None:
    add_store(p)
    p.add_argument("path", type=Path, help="new folder for the backup (same disk as the store: hard links)")
    p.add_argument("--server", default=None,
                   help="the server holding the store (default: http://$KG_HOST:$KG_PORT); asked only "
                        "when the store is held by a running server; uses KG_UPDATE_TOKEN")


def run_backup(args: argparse.Namespace) -> int:
    """Back up with the store's own handle, or, while a server holds it, through that server."""
    import shutil
    import uuid

    from kg.errors import StoreLocked
    from kg.store.backup import backup_offline

    path = store_path(args)
    if args.path.exists():
        raise BadRequest(f"the backup folder {args.path} already exists", hint="give a new folder")
    try:
        backup_offline(path, args.path)
        print(f"backed up {path} to {args.path}", file=sys.stderr)
        return EXIT_OK
    except StoreLocked:
        pass
    import httpx

    config = settings()
    tokens = config.write_tokens()
    if not tokens:
        raise BadRequest(f"the store at {path} is held by a running server, and no write token is set",
                         hint="set KG_UPDATE_TOKEN to the server's token, so the server takes the backup")
    url = args.server or f"http://{config.host}:{config.port}"
    token = tokens[0][1].get_secret_value()
    name = f"kg-backup-{uuid.uuid4().hex[:12]}"
    try:
        response = httpx.post(f"{url}/admin/backup", params={"name": name}, timeout=600,
                              headers={"Authorization": f"Bearer {token}"})
    except httpx.HTTPError as exc:
        raise KgError(f"the store at {path} is held by another process, and the server at {url} did not "
                      f"answer ({exc})", hint="pass --server URL of the server that holds the store") from exc
    if response.status_code != 201:
        raise KgError(f"the server at {url} refused the backup ({response.status_code}): {response.text[:300]}",
                      hint="check KG_UPDATE_TOKEN and --server")
    taken = Path(response.json()["backup"])
    try:
        taken.rename(args.path)
    except OSError:  # another file system: copy (hard links cannot cross it)
        shutil.copytree(taken, args.path)
        shutil.rmtree(taken, ignore_errors=True)
    print(f"backed up {path} (through {url}) to {args.path}; journal position "
          f"{response.json().get('journalPosition')}", file=sys.stderr)
    return EXIT_OK


def configure_restore(p: argparse.ArgumentParser) -> None:
    add_store(p)
    p.add_argument("backup", type=Path, help="a folder written by `kg backup`")


def run_restore(args: argparse.Namespace) -> int:
    from kg.journal import Journal, recover
    from kg.journal.log import APPLIED_FILE
    from kg.store.backup import restore
    from kg.store.serving import not_served

    path = store_path(args)
    with not_served(path, "restore"):  # a served store is never swapped under its server
        restore(args.backup, path)
        journal = Journal.for_store(path)
        if not journal.path.exists():
            # A store restored where there is no journal starts a new one: its recorded position
            # names an entry of a journal that is not here.
            (path / APPLIED_FILE).unlink(missing_ok=True)
            print(f"restored {args.backup} to {path}; no journal at {journal.path}, so nothing replayed "
                  "(a new journal starts with the next write)", file=sys.stderr)
            return EXIT_OK
        replayed = recover(path, journal)
    print(f"restored {args.backup} to {path}; {replayed} later journal entr{'y' if replayed == 1 else 'ies'} "
          f"from {journal.path} replayed", file=sys.stderr)
    return EXIT_OK
