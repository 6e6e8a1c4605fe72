"""`kg query --canned` is checked against the canned-query fixtures of tests/kg/canned."""

from tests.kg.canned.conftest import catalog, engine

__all__ = ["catalog", "engine"]
