"""A local stand-in for Wikidata's action API (`/w/api.php?action=wbgetentities`), so that the
`kg link --check-wikidata` path is tested without the network.

It answers in the documented wbgetentities JSON shape (``{"entities": {QID: {"type": "item",
"id": ..., "labels": {lang: {"language", "value"}}}}, "success": 1}``; ``{"id", "missing": ""}``
for an unknown id; ``redirects: {"from", "to"}`` for a merged item; ``{"error": {...}}`` for a bad
request). Its items come only from ../shared/reference/wikidata.tsv (no QID written from memory);
a test may hide items ("as if deleted") or redirect one reference QID to another.
"""

from __future__ import annotations

import csv
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse


@dataclass
class StandIn:
    items: dict[str, str]  # QID -> English label
    hidden: set[str] = field(default_factory=set)
    redirects: dict[str, str] = field(default_factory=dict)
    requests: list[dict[str, list[str]]] = field(default_factory=list)
    url: str = ""

    def entities(self, ids: list[str]) -> dict[str, object]:
        out: dict[str, object] = {}
        for qid in ids:
            target = self.redirects.get(qid, qid)
            if target in self.items and target not in self.hidden:
                entity: dict[str, object] = {"type": "item", "id": target, "labels": {
                    "en": {"language": "en", "value": self.items[target]}}}
                if target != qid:
                    entity["redirects"] = {"from": qid, "to": target}
                out[target] = entity
            else:
                out[qid] = {"id": qid, "missing": ""}
        return out


def reference_items(shared_dir: Path) -> dict[str, str]:
    with (shared_dir / "reference" / "wikidata.tsv").open(encoding="utf-8") as f:
        return {row["qid"]: row["label"] for row in csv.DictReader(f, delimiter="\t")}


@contextmanager
def serve(standin: StandIn) -> Iterator[StandIn]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlparse(self.path)
            params = parse_qs(url.query)
            standin.requests.append(params)
            if url.path != "/w/api.php" or params.get("action") != ["wbgetentities"]:
                body: dict[str, object] = {"error": {"code": "badvalue", "info": "unsupported request"}}
            elif "ids" not in params:
                body = {"error": {"code": "param-missing", "info": "Either provide the item ids or titles"}}
            else:
                body = {"entities": standin.entities(params["ids"][0].split("|")), "success": 1}
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    standin.url = f"http://127.0.0.1:{server.server_address[1]}/w/api.php"
    try:
        yield standin
    finally:
        server.shutdown()
        server.server_close()
