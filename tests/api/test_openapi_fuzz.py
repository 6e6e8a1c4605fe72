"""schemathesis against the app's own OpenAPI document, over a real uvicorn server on loopback.

Every operation the document lists gets generated requests (schemathesis builds them from the
declared parameters and bodies: conforming ones and, in the negative mode, ones that break the
declared types), and every answer must be no 5xx, with a status the document declares for that
operation, a declared content type and a body matching the declared schema (schemathesis's
checks). Without credentials on the shared server (writes are refused there), and with the write
token, for the operations that take it, on a server of its own (writes that pass the SHACL gate are
committed to that server's copy of the store).

The document is the app's own (`create_app().openapi()`, the same one `/openapi.json` serves), read
at collection so that each operation is its own test (xdist spreads them). schemathesis's pytest
plugin (`schemathesis.pytest.from_fixture`) is not used: with pytest 9.2 it fails on a removed
private attribute (`Function._nodeid`); the operation strategies it is built on are public API.

The example count is bounded (`EXAMPLES` per operation and mode) so the whole file stays well
under a minute on two busy cores; `st run http://127.0.0.1:8000/openapi.json` against `make serve`
explores more (the issue's independent run sent 3,577 cases).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import CheckContext, check, not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.transport import Response
from schemathesis.generation import GenerationMode
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from api.main import create_app
from tests.conftest import UPDATE_TOKEN, Server

#: Generated requests per operation (conforming and type-breaking ones mixed).
EXAMPLES = 5
#: The operations that take the write token (an update may also be POSTed to /sparql), run again with it.
WRITE_OPERATIONS = {"POST /sparql", "POST /sparql/update", "PUT /rdf-graph-store", "POST /rdf-graph-store",
                    "DELETE /rdf-graph-store"}

SCHEMA = schemathesis.openapi.from_dict(create_app().openapi(),
                                        config=SchemathesisConfig.from_dict({"request-timeout": 30}))
OPERATIONS = {op.label: op for op in (result.ok() for result in SCHEMA.get_all_operations())}
#: What every answer is checked for. Left out on purpose: `content_type_conformance` (the document
#: declares one media type per answer, while most operations negotiate several: CSV, Turtle, HTML...)
#: and `positive_data_acceptance` (it expects any schema-valid value to be accepted, but the
#: document types `format=` and the canned queries' enums as plain strings, and an unknown value
#: is rightly a 400/406 with the list of those that exist).


@check
def no_server_error_but_oembeds_501(ctx: CheckContext, response: Response, case: schemathesis.Case) -> bool | None:
    """`not_a_server_error`, except the one 5xx we mean: oEmbed answers 501 Not Implemented for a
    format it does not serve, as its spec says (https://oembed.com, 2.3.4); the status is documented."""
    if case.operation.path == "/oembed" and response.status_code == 501:
        return None
    return not_a_server_error(ctx, response, case)


CHECKS = [no_server_error_but_oembeds_501, status_code_conformance, response_schema_conformance,
          negative_data_rejection]


def _has_inputs(op: APIOperation) -> bool:
    """Negative cases need something to break: a query parameter, a header or a body (a path
    parameter typed as any string cannot be broken)."""
    return any(p.location != "path" for p in op.iter_parameters()) or bool(op.body)


def _strategy(op: APIOperation) -> st.SearchStrategy[schemathesis.Case]:
    """Conforming requests, and requests that break the declared types when there is something to break."""
    positive = op.as_strategy(generation_mode=GenerationMode.POSITIVE)
    return positive | op.as_strategy(generation_mode=GenerationMode.NEGATIVE) if _has_inputs(op) else positive


STRATEGIES = {label: _strategy(op) for label, op in OPERATIONS.items()}
WRITE_LABELS = sorted(WRITE_OPERATIONS & set(OPERATIONS))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))
#: One HTTP session per worker: connections are reused across generated requests.
SESSION = requests.Session()


@pytest.fixture(scope="module")
def writer_server(make_server: Callable[..., Server]) -> Server:
    return make_server()


def _run(label: str, base_url: str, headers: dict[str, str], data: st.DataObject) -> None:
    case = data.draw(STRATEGIES[label], label="case")
    case.call_and_validate(base_url=base_url, session=SESSION, headers=headers, checks=CHECKS)


@pytest.mark.parametrize("label", sorted(OPERATIONS))
@FUZZ
@given(data=st.data())
def test_without_token(server: Server, label: str, data: st.DataObject) -> None:
    _run(label, server.url, {}, data)


@pytest.mark.parametrize("label", WRITE_LABELS)
@FUZZ
@given(data=st.data())
def test_with_write_token(writer_server: Server, label: str, data: st.DataObject) -> None:
    _run(label, writer_server.url, {"Authorization": f"Bearer {UPDATE_TOKEN}"}, data)


def test_every_operation_is_fuzzed() -> None:
    """The document lists the API (a change that hid the routes from it would empty the tests)."""
    assert {"GET /sparql", "GET /graph/{rest}", *WRITE_OPERATIONS} <= set(OPERATIONS)
