"""Tregua's HTTP layer: a thin FastAPI app over the `kg` core."""
