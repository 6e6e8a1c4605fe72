"""`POST /admin/backup?name=NAME`: a consistent backup of the live store, behind the write token.

The server is the store's single writer, so only it can checkpoint the store while serving
(`kg.store.backup`). The backup goes to `STORE.backups/NAME` beside the store (a client never
names a path on the server); `kg backup PATH` calls this and moves the folder to PATH.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.deps import WriteDep
from kg.errors import ParameterError, StoreUnavailable
from kg.store.backup import NAME_RE, backup_dir

router = APIRouter(tags=["admin"])


@router.post("/admin/backup", summary="Back up the live store (write token)")
async def backup(access: WriteDep, name: Annotated[str, Query(description="folder name for the backup")]
                 ) -> JSONResponse:
    if not NAME_RE.match(name):
        raise ParameterError("name", "name must be 1-100 of A-Z a-z 0-9 . _ - (not starting with . _ -)",
                             expected="a folder name", example="2026-12-02T08-00")
    writer = access.store
    if not hasattr(writer, "backup"):
        raise StoreUnavailable("this server's store cannot be backed up (it is in memory)")
    target = backup_dir(writer.store_path) / name
    path = await run_in_threadpool(writer.backup, target)
    position = (path / "tregua-journal").read_text().strip() if (path / "tregua-journal").is_file() else None
    return JSONResponse({"backup": str(path), "journalPosition": position, "version": writer.version},
                        status_code=201)
