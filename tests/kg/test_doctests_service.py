"""The examples in the docstrings of the SERVICE guard and the protocol helpers run, and hold."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize("module", ["kg.service", "kg.sparql_lexer", "api.negotiation", "api.protocol",
                                    "api.routers.sparql"])
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
