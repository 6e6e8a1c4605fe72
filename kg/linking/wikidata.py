"""Looking QIDs up on Wikidata's action API (optional, `kg link --check-wikidata`).

The only outbound HTTP client of the core, used only when the operator names the API; tests run
it against a local stand-in.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from kg import iris
from kg.errors import BadRequest
from kg.linking.candidates import Candidate
from kg.vocab import RDFS_LABEL

WIKIDATA_API = "https://www.wikidata.org/w/api.php"
USER_AGENT = "Tregua-kg-link/0.1 (https://w3id.org/tregua/; reviewed Wikidata links)"
LABEL_WARNING_BELOW = 60.0


@dataclass(frozen=True)
class WikidataItem:
    """What `wbgetentities` says of one requested QID."""

    qid: str
    exists: bool
    redirect_to: str | None
    labels: dict[str, str]


def fetch_items(qids: Sequence[str], api_url: str, *, timeout: float = 20.0) -> dict[str, WikidataItem]:
    """Look QIDs up with the action API's `wbgetentities` (labels in English and Spanish), 50 a call.

    Raises KgError when the service cannot be reached or answers with an error.
    """
    from urllib.error import URLError
    from urllib.parse import urlencode
    from urllib.request import Request, urlopen

    from kg.errors import KgError

    if not api_url.startswith(("http://", "https://")):
        raise BadRequest(f"{api_url!r} is not an http(s) address", hint=f"e.g. {WIKIDATA_API}")
    found: dict[str, WikidataItem] = {}
    unique = sorted(set(qids))
    for start in range(0, len(unique), 50):
        chunk = unique[start:start + 50]
        query = urlencode({"action": "wbgetentities", "ids": "|".join(chunk), "props": "labels",
                           "languages": "en|es", "format": "json"})
        request = Request(f"{api_url}?{query}", headers={"User-Agent": USER_AGENT})
        try:
            with urlopen(request, timeout=timeout) as response:
                data = json.load(response)
        except (URLError, OSError, ValueError) as exc:
            raise KgError(f"cannot look the QIDs up at {api_url}: {exc}",
                          hint="check the network, or run `kg link` without --check-wikidata") from exc
        if "error" in data:
            error = data["error"]
            raise KgError(f"{api_url} refused the lookup: {error.get('info', error)}")
        entities = data.get("entities", {})
        for qid in chunk:
            entity: dict[str, Any] = entities.get(qid) or next(
                (e for e in entities.values() if e.get("redirects", {}).get("from") == qid), {})
            redirect = entity.get("redirects", {}).get("to") or (
                entity.get("id") if entity.get("id") not in (None, qid) else None)
            labels = {lang: v.get("value", "") for lang, v in entity.get("labels", {}).items()}
            found[qid] = WikidataItem(qid, bool(entity) and "missing" not in entity, redirect, labels)
    return found


def check_on_wikidata(rows: Sequence[Candidate], store: ox.Store, api_url: str, *,
                      name: str = "<candidates>") -> tuple[list[str], list[str]]:
    """Faults (missing or redirected items) and warnings (labels unlike ours) for the rows' QIDs."""
    from kg.linking.text import name_score, tokens

    items = fetch_items([r.qid for r in rows if iris.QID_RE.match(r.qid)], api_url)
    problems: list[str] = []
    warnings: list[str] = []
    for row in rows:
        item = items.get(row.qid)
        where = f"{name}:{row.line}"
        if item is None:
            continue
        if item.redirect_to:
            problems.append(f"{where}: {row.qid} redirects to {item.redirect_to} on Wikidata "
                            f"(link {item.redirect_to}, the item it was merged into)")
        elif not item.exists:
            problems.append(f"{where}: {row.qid} does not exist on Wikidata (deleted or mistyped: "
                            "open its page to check)")
        else:
            labels = store.quads_for_pattern(ox.NamedNode(row.iri), RDFS_LABEL, None, None)
            ours = [q.object.value for q in labels if isinstance(q.object, ox.Literal)]
            theirs = list(item.labels.values())
            best = max((name_score(tokens(a), tokens(b)) for a in ours for b in theirs), default=0.0)
            if ours and theirs and best < LABEL_WARNING_BELOW:
                warnings.append(f"{where}: our label {ours[0]!r} and Wikidata's {theirs[0]!r} for {row.qid} "
                                "look different: make sure they are the same thing")
    return problems, warnings
