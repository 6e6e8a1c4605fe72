"""Tregua's core: sources → validated graph → Oxigraph store, and everything that reads it.

The HTTP layer (`api/`) calls into this package, never the reverse.
"""

from importlib.metadata import version

__version__ = version("tregua")
"""The distribution's version, written once in pyproject.toml."""
