"""The routers' tests reuse the fixtures of the kg packages they serve: the canned-query catalog
(tests/kg/canned) and the small reconciliation graph served by uvicorn (tests/kg/linking)."""

from tests.kg.canned.conftest import catalog, engine
from tests.kg.linking.conftest import mini_server, real_graph_server

__all__ = ["catalog", "engine", "mini_server", "real_graph_server"]
