"""Tregua's core: sources → validated graph → Oxigraph store, and everything that reads it.

The HTTP layer (`api/`) calls into this package, never the reverse.
"""

__version__ = "0.1.0"
