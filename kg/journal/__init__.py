"""The change journal: every committed write, appended durably before the store commits.

Why: the store is rebuilt from the sources (`kg build`), and writes made through the API would
be lost with the old store. Each commit is appended to the store's journal (RDF Patch,
`STORE.journal` beside the store or `KG_JOURNAL`) and fsync'ed before the store is written and
before the client hears 2xx; start-up brings the store up to the journal's last entry, and a
build replays the journal through the SHACL gate. See docs/journal.md.

- `entry`: `Entry` (one commit's net delta and its headers) and the RDF Patch text;
- `log`: `Journal` (the file: append, read, the store's recorded position) and `recover`
  (start-up: the store brought up to its journal);
- `history`: reading the journal, `kg revert`, a graph's net edits (imported by name: it drives
  the gate, which itself uses this package).

Replaying the journal into a new build, through the gate, is `kg.build.replay`.
"""

from kg.journal.entry import Entry
from kg.journal.log import Journal, fault_point, recover

__all__ = ["Entry", "Journal", "fault_point", "recover"]
