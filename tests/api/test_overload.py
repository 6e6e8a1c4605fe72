"""Polite overload against a real server with small settings: a client past its query-time budget
gets 429 with Retry-After (KG_CLIENT_BUDGET_SECONDS), a query that finds every worker busy and the
queue full gets 503 with Retry-After at once (KG_QUERY_QUEUE), and no error body, of any kind,
shows a stack trace or a file path."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx

from tests.api.routers.test_sparql_update import INVALID
from tests.conftest import UPDATE_TOKEN, Server

JSON = {"Accept": "application/sparql-results+json"}
#: A cartesian product of the whole store with itself, twice: runs until its time limit.
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"
SMALL = "SELECT ?s WHERE { ?s a ?t } LIMIT 3"


def test_a_client_past_its_query_time_budget_gets_429_with_retry_after(make_server: Callable[..., Server]) -> None:
    server = make_server({"KG_CLIENT_BUDGET_SECONDS": "0.02", "KG_CLIENT_BUDGET_WINDOW": "30"})
    with server.client() as client:
        statuses = []
        for _ in range(3000):  # a quiet machine answers each in well under 1 ms
            r = client.get("/sparql", params={"query": SMALL}, headers=JSON)
            statuses.append(r.status_code)
            if r.status_code != 200:
                break
        assert statuses[0] == 200 and r.status_code == 429, statuses
        wait = int(r.headers["Retry-After"])
        assert 1 <= wait <= 30
        body = r.json()
        assert body["status"] == 429 and "KG_CLIENT_BUDGET" not in body["message"] and body["retry_after"] == wait
        # Not counted, and not refused: health checks; and writes are refused only by their token.
        assert client.get("/health").status_code == 200
        # Other paths of reading count too (the budget is per client, not per route).
        assert client.get("/queries/stance-counts", headers={"Accept": "application/json"}).status_code == 429
        # A client presenting a write token is another client, with its own budget.
        authed = client.get("/sparql", params={"query": SMALL},
                            headers={**JSON, "Authorization": f"Bearer {UPDATE_TOKEN}"})
        assert authed.status_code == 200
        # A made-up token does not buy a fresh budget.
        guessed = client.get("/sparql", params={"query": SMALL}, headers={**JSON, "Authorization": "Bearer guess"})
        assert guessed.status_code == 429


def test_a_full_queue_answers_503_with_retry_after_at_once(make_server: Callable[..., Server]) -> None:
    # No demotion: a demoted query's worker would get a spare as soon as a query waits, and the
    # queue would empty (tests/kg/store/test_workers.py tests that).
    server = make_server({"KG_QUERY_WORKERS": "1", "KG_QUERY_QUEUE": "1", "KG_QUERY_TIMEOUT": "8",
                          "KG_QUERY_DEMOTE_AFTER": "0"})
    answers: dict[str, httpx.Response] = {}

    def get(name: str, query: str) -> None:
        with server.client() as c:
            answers[name] = c.get("/sparql", params={"query": query}, headers=JSON)

    busy = threading.Thread(target=get, args=("heavy", HEAVY))
    busy.start()
    time.sleep(1.0)  # the only worker is on the cartesian product
    waiting = threading.Thread(target=get, args=("queued", SMALL))
    waiting.start()
    time.sleep(0.5)  # the one place in the queue is taken
    with server.client() as client:
        started = time.monotonic()
        r = client.get("/sparql", params={"query": SMALL}, headers=JSON)
        took = time.monotonic() - started
        assert r.status_code == 503 and r.headers["Retry-After"] == "1", r.text
        assert r.json()["error"] == "Overloaded" and "KG_QUERY_QUEUE" in r.json()["hint"]
        assert took < 4, f"the refusal took {took:.1f} s: it must not wait for a worker"
        # Canned queries and pages share the queue.
        canned = client.get("/queries/stance-counts", headers={"Accept": "application/json"})
        assert canned.status_code == 503 and "Retry-After" in canned.headers
    busy.join(60)
    waiting.join(60)
    assert answers["heavy"].status_code == 503  # stopped at its time limit
    assert answers["queued"].status_code in (200, 503)  # served, or timed out waiting behind it
    with server.client() as client:  # the pool is back
        assert client.get("/sparql", params={"query": SMALL}, headers=JSON).status_code == 200


def test_no_error_body_shows_a_stack_trace_or_a_file_path(make_server: Callable[..., Server]) -> None:
    server = make_server({"KG_QUERY_TIMEOUT": "2", "KG_MAX_REQUEST_BYTES": "2048",
                          "KG_CLIENT_BUDGET_SECONDS": "1000"})
    auth = {"Authorization": f"Bearer {UPDATE_TOKEN}"}
    with server.client() as c:
        answers = {
            "syntax": c.get("/sparql", params={"query": "SELEC ?x"}),
            "parameter": c.get("/sparql", params={"query": SMALL, "timeout": "soon"}),
            "twice": c.get("/sparql", params=[("query", SMALL), ("query", SMALL)]),
            "not-found": c.get("/id/person/nobody-here"),
            "no-route": c.get("/no/such/thing.py"),
            "method": c.delete("/sparql"),
            "accept": c.get("/sparql", params={"query": SMALL}, headers={"Accept": "image/png"}),
            "too-large": c.post("/sparql", content=b"x" * 5000, headers={"Content-Type": "application/sparql-query"}),
            "media-type": c.post("/sparql", content=b"x", headers={"Content-Type": "image/png"}),
            "charset": c.post("/sparql", content=SMALL.encode(),
                              headers={"Content-Type": "application/sparql-query; charset=latin-1"}),
            "utf8": c.post("/sparql", content=b"SELECT \xff", headers={"Content-Type": "application/sparql-query"}),
            "no-token": c.post("/sparql/update", content=b"INSERT DATA {}",
                               headers={"Content-Type": "application/sparql-update"}),
            "bad-token": c.post("/sparql/update", content=b"INSERT DATA {}",
                                headers={"Content-Type": "application/sparql-update", "Authorization": "Bearer x"}),
            "update-syntax": c.post("/sparql/update", content=b"INSERT DATA { oops",
                                    headers={"Content-Type": "application/sparql-update", **auth}),
            "shacl": c.post("/sparql/update", content=INVALID.encode(),
                            headers={"Content-Type": "application/sparql-update", **auth}),
            "timeout": c.get("/sparql", params={"query": HEAVY}, headers=JSON),
            "graph": c.get("/rdf-graph-store", params={"graph": "not an iri"}),
            "reconcile": c.get("/reconcile", params={"queries": "{not json"}),
        }
    statuses = {name: r.status_code for name, r in answers.items()}
    odd = {name: s for name, s in statuses.items() if not 400 <= s < 600 or s == 500}
    assert not odd, {name: answers[name].text[:200] for name in odd}
    assert statuses["timeout"] == 503 and statuses["too-large"] == 413 and statuses["shacl"] == 422
    for name, r in answers.items():
        for leak in ("Traceback", "/work", "/tmp", ".py", 'File "'):
            assert leak not in r.text, f"{name} ({r.status_code}) shows {leak!r}: {r.text[:300]}"
