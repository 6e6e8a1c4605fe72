"""`kg serve`: the app under uvicorn. The only place kg reaches api (by name, when the server starts)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from kg.cli.options import EXIT_OK, add_store, settings


def configure_serve(p: argparse.ArgumentParser) -> None:
    add_store(p)
    p.add_argument("--host", default=None, help="interface (default: $KG_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default: $KG_PORT or 8000)")
    p.add_argument("--log-level", default=None, help="uvicorn log level (default: $KG_LOG_LEVEL or info)")


def run_serve(args: argparse.Namespace) -> int:
    """Run `api.main:app` under uvicorn; options reach the app as KG_* variables (kg.config)."""
    import uvicorn

    from kg.store import open_store

    if args.store:
        os.environ["KG_STORE"] = str(Path(args.store).resolve())
    for name in ("host", "port", "log_level"):
        if getattr(args, name) is not None:
            os.environ[f"KG_{name.upper()}"] = str(getattr(args, name))
    config = settings()  # validates every KG_* variable before anything starts
    if config.backend == "sparql":
        from kg.store.remote import SparqlEngine

        remote = SparqlEngine.from_settings(config)
        try:
            remote.version  # fails early, in one line, when the remote store does not answer  # noqa: B018
        finally:
            remote.close()
    else:
        open_store(config.store, read_only=True)  # fails early, with a hint: no store, a damaged one
    if config.backend == "embedded" and config.write_tokens():
        from kg.store import check_writable

        check_writable(config.store)  # the server will be the single writer: no other may hold it
    from kg.config import get_settings

    get_settings.cache_clear()
    from uvicorn.importer import import_from_string

    # Named by string, as the app is: the HTTP layer stays in api/ (its unreadable-request answer
    # is JSON like every other error, not uvicorn's plain text).
    uvicorn.run("api.main:app", host=config.host, port=config.port, log_level=config.log_level.lower(),
                http=import_from_string("api.protocol:JsonErrorProtocol"))
    return EXIT_OK
