"""The journal file: append-only, fsync'ed before the store commits, found beside its store.

Where: `STORE.journal` beside the store directory (data/store → data/store.journal), so that a
store and its journal are copied and found together, unless `KG_JOURNAL` names another file.
It sits outside the store directory on purpose: `kg build` replaces that directory whole.

Which entry the store holds is recorded inside the store directory, in `tregua-journal` (the
id of the last entry applied), next to the `tregua-version` stamp, which moves to the entry's
version after. Both are small files replaced atomically (write, rename; the position fsync'ed).

Durability: an entry is written with one `write` at the end of the last complete entry, then
`fsync`; the journal's directory is fsync'ed too when the file is created. A lock (`flock`)
keeps two processes from appending at once. A crash mid-append leaves a block without its
closing `TC .`: readers ignore it and the next append truncates it.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import logging
import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from kg.errors import StoreUnavailable
from kg.journal.entry import Entry, iter_entries

if TYPE_CHECKING:
    from kg.config import Settings

log = logging.getLogger("kg.journal")

SUFFIX = ".journal"
APPLIED_FILE = "tregua-journal"
"""In the store directory: the id of the last journal entry the store holds."""
_END = b"TC .\n"
_ID = b"H id <uuid:"


def fault_point(name: str) -> None:
    """Crash-safety tests only: when `KG_TEST_FAULT` names this point, the process kills itself
    (SIGKILL: no clean-up, no flush, as a power cut or an OOM kill would)."""
    if os.environ.get("KG_TEST_FAULT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(path: Path, text: str, *, fsync: bool = True) -> None:
    """Replace `path` with `text`: written beside, fsync'ed, renamed over (never half a file)."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with partial.open("w", encoding="utf-8") as out:
            out.write(text)
            if fsync:
                out.flush()
                os.fsync(out.fileno())
        partial.replace(path)
    except OSError:
        partial.unlink(missing_ok=True)  # a full disk: leave no half-written file behind
        raise


@dataclass
class _Tail:
    size: int
    """The file's size when last seen (a different size means another process appended)."""
    end: int
    """Offset just after the last complete entry (anything beyond is a torn append)."""
    last_id: str | None
    count: int


def _scan(data: bytes) -> _Tail:
    """Where the complete entries end, the last one's id and how many there are."""
    end = data.rfind(b"\n" + _END)
    end = end + 1 + len(_END) if end >= 0 else (len(_END) if data.startswith(_END) else 0)
    count = data.count(b"\n" + _END, 0, end) + (1 if data.startswith(_END) else 0)
    last_id = None
    at = data.rfind(_ID, 0, end)
    if at >= 0:
        close = data.find(b">", at)
        last_id = data[at + len(_ID):close].decode("ascii")
    return _Tail(len(data), end, last_id, count)


class Journal:
    """The change journal of one store (see the module docstring).

        journal = Journal.for_store(Path("data/store"))      # data/store.journal
        entry_id = journal.append(entry)                     # fsync'ed before this returns
        for entry in journal.entries(who="desk"): ...
    """

    def __init__(self, path: Path, store_path: Path | None = None) -> None:
        self.path = Path(path)
        self.store_path = Path(store_path) if store_path is not None else None
        self._tail: _Tail | None = None

    def __repr__(self) -> str:
        return f"Journal({str(self.path)!r})"

    @classmethod
    def for_store(cls, store_path: str | os.PathLike[str], settings: Settings | None = None) -> Journal:
        """The journal of the store at `store_path`: `KG_JOURNAL` when set, else STORE.journal."""
        if settings is None:
            from kg.config import Settings

            settings = Settings()
        store = Path(store_path)
        path = Path(settings.journal) if settings.journal else default_path(store)
        return cls(path, store)

    @property
    def quarantine_path(self) -> Path:
        return self.path.with_name(self.path.name + ".quarantine")

    def exists(self) -> bool:
        return self.path.is_file() and self.path.stat().st_size > 0

    # -- writing

    def append(self, entry: Entry) -> str:
        """Append `entry` (its `prev` and `position` are set here) and fsync; returns its id.

        A torn block left by a crash mid-append is cut off first. Raises StoreUnavailable when
        the file cannot be written: the caller must then not commit."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        created = not self.path.exists()
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreUnavailable(f"cannot open the journal {self.path}: {exc}",
                                   hint="check the folder's permissions and free space (KG_JOURNAL moves it)") from exc
        tail: _Tail | None = None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            size = os.fstat(fd).st_size
            tail = self._tail
            if tail is None or tail.size != size or size < tail.end:
                tail = _scan(_read_fd(fd, size))
            if tail.end < size:
                log.warning("journal %s: cut off an incomplete entry at byte %d (a crash mid-append)",
                            self.path, tail.end)
                os.ftruncate(fd, tail.end)
            entry.prev = tail.last_id
            entry.position = tail.count + 1
            data = entry.patch().encode("utf-8")
            os.lseek(fd, tail.end, os.SEEK_SET)
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
            if created:
                _fsync_dir(self.path.parent)
            end = tail.end + len(data)
            self._tail = _Tail(end, end, entry.id, entry.position)
        except OSError as exc:
            self._tail = None
            if tail is not None:
                # A full disk stops the write mid-entry: cut the torn block off now (shrinking a
                # file needs no space), so the journal ends on a whole entry again.
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, tail.end)
            raise StoreUnavailable(f"cannot write the journal {self.path}: {exc}",
                                   hint="nothing was committed; free some space and retry") from exc
        finally:
            os.close(fd)  # closing releases the lock
        return entry.id

    # -- reading

    def entries(self, since: datetime | date | str | None = None, graph: str | None = None,
                who: str | None = None) -> Iterator[Entry]:
        """The complete entries, oldest first, optionally only those at or after `since` (a
        date, a datetime, an ISO date text, or an entry id: the entries after that one), touching
        `graph` (an IRI; "" for the default graph) or written by `who`. LookupError when `since`
        is an id the journal does not hold."""
        after_id, not_before = _since(since)
        for entry in self._all(after=after_id):
            if not_before is not None and entry.time < not_before:
                continue
            if graph is not None and graph not in entry.graphs():
                continue
            if who is not None and entry.who != who:
                continue
            yield entry

    def _all(self, after: str | None = None) -> Iterator[Entry]:
        if not self.path.is_file():
            if after is not None:
                raise LookupError(f"{self.path} holds no entry {after}")
            return
        with self.path.open(encoding="utf-8") as lines:
            yield from iter_entries(lines, name=str(self.path), after=after)

    def get(self, entry_id: str) -> Entry:
        """One entry by id (its first characters are enough when they name only one)."""
        key = entry_id.removeprefix("uuid:")
        matches = [e for e in self._all() if e.id.startswith(key)]
        if len(matches) != 1:
            from kg.errors import NotFound

            raise NotFound(f"{self.path} holds {'no' if not matches else 'more than one'} entry {entry_id} "
                           "(list the entries and their ids with `kg history`)",
                           suggestions=[e.id for e in matches[:5]])
        return matches[0]

    def last_id(self) -> str | None:
        if not self.path.is_file():
            return None
        return _scan(self.path.read_bytes()).last_id

    # -- the store's position

    def applied(self, store_path: Path | None = None) -> str | None:
        """The id of the last entry the store holds (None: it holds none of this journal's)."""
        stamp = Path(store_path or self._store()) / APPLIED_FILE
        if not stamp.is_file():
            return None
        return stamp.read_text(encoding="utf-8").strip() or None

    def record_applied(self, entry: Entry, store_path: Path | None = None) -> None:
        """The store now holds `entry`: record its id and make its version the store's stamp."""
        record_position(Path(store_path or self._store()), entry.id, entry.version_after)

    def pending(self, store_path: Path | None = None) -> list[Entry]:
        """The entries after the store's recorded position (all, when it records none).

        Raises StoreUnavailable when the store records an entry this journal does not hold
        (the journal belongs to another store, or was replaced)."""
        applied = self.applied(store_path)
        if applied is None:
            return list(self._all())
        try:
            return list(self.entries(since=applied))
        except LookupError:
            raise StoreUnavailable(
                f"the store {store_path or self._store()} holds journal entry {applied}, which {self.path} "
                "does not hold", hint="point KG_JOURNAL at this store's journal, or rebuild the store with "
                "`kg build` (which replays the journal it finds)") from None

    def _store(self) -> Path:
        if self.store_path is None:
            raise ValueError("this journal was opened without a store path")
        return self.store_path


def record_position(store_path: Path, entry_id: str, version: str) -> None:
    """Write the store's journal position and version stamp (each file replaced atomically).

    The position is fsync'ed: after a build it is what keeps start-up from applying, unchecked,
    entries the build quarantined. The stamp is not (a stale stamp only costs an ETag)."""
    from kg.store import VERSION_FILE

    write_atomically(store_path / VERSION_FILE, version + "\n", fsync=False)
    write_atomically(store_path / APPLIED_FILE, entry_id + "\n")


def default_path(store_path: Path) -> Path:
    """STORE.journal, beside the store directory.

    >>> default_path(Path("data/store"))
    PosixPath('data/store.journal')
    """
    return store_path.with_name(store_path.name + SUFFIX)


def _read_fd(fd: int, size: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    left = size
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _since(since: datetime | date | str | None) -> tuple[str | None, datetime | None]:
    """(entry id to start after, earliest time) from the forms `entries(since=...)` takes."""
    if since is None:
        return None, None
    if isinstance(since, datetime):
        return None, since if since.tzinfo else since.replace(tzinfo=UTC)
    if isinstance(since, date):
        return None, datetime(since.year, since.month, since.day, tzinfo=UTC)
    try:
        return _since(datetime.fromisoformat(since.replace("Z", "+00:00")))
    except ValueError:
        return since.removeprefix("uuid:"), None


def recover(store_path: Path, journal: Journal) -> int:
    """Apply the journal's entries after the store's recorded position; returns how many.

    As written, without validating them again (the gate validated them before they were
    journaled): server start-up, `kg link`, any command opening the store read-write. Applying
    an entry is idempotent (`Entry.apply_to`), so an entry the store already holds (a crash after
    the commit, before the position was recorded) changes nothing. Opens the store read-write
    for the time it takes, so call it before anything else opens it (the server's workers, a
    writer)."""
    from kg.store import open_store

    pending = journal.pending(store_path)
    if not pending:
        return 0
    store = open_store(store_path)
    try:
        for entry in pending:
            entry.apply_to(store)
        store.flush()
    finally:
        del store
        gc.collect()
    journal.record_applied(pending[-1], store_path)
    log.info("store %s: %d journal entr%s from %s applied at start-up", store_path, len(pending),
             "y" if len(pending) == 1 else "ies", journal.path)
    return len(pending)
