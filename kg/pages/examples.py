"""The SPARQL editor's example queries, read from `queries/examples/*.rq`.

Each file is a plain query with the same self-describing `#+ ` YAML header as a canned query
(`kg.canned.read_header`); `summary` is the title the editor lists. They are files, not Python
strings, so that they can be run and checked like every other query (`kg query @FILE`).
File names sort in the order the editor lists them (`01-…`, `02-…`); the first is pre-filled.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypedDict

from kg import paths
from kg.canned import CannedQueryError, read_header
from kg.errors import SourceLocation


class Example(TypedDict):
    title: str
    query: str


def load_examples(directory: Path = paths.EXAMPLES_DIR) -> list[Example]:
    """The examples in file-name order; raises CannedQueryError (file and line) for a bad header.

    >>> [e["title"] for e in load_examples()][:1]
    ['Who took which stance on negotiating with the gangs']
    """
    out: list[Example] = []
    for path in sorted(directory.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        header = read_header(text, str(path))
        title = header.data.get("summary")
        if not isinstance(title, str) or not title.strip():
            raise CannedQueryError("an example needs a '#+ summary:' line (its title in the editor)",
                                   where=SourceLocation(str(path), header.line() or 1),
                                   hint="start the file with e.g. '#+ summary: Events in order'")
        lines = text.splitlines(keepends=True)
        while lines and lines[0].startswith("#+"):
            lines.pop(0)
        out.append({"title": title.strip(), "query": "".join(lines)})
    return out


def describe_query(iri: str) -> str:
    """The query an entity page links to at /sparql (`iri` is one of ours, checked by the route).

    >>> describe_query("https://w3id.org/tregua/id/person/oscar-ortiz")
    'DESCRIBE <https://w3id.org/tregua/id/person/oscar-ortiz>'
    """
    return f"DESCRIBE <{iri}>"


def editor_query(iri: str) -> str:
    """The query an entity page opens in the editor: its properties, values and their labels."""
    return (
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        f"SELECT ?property ?value ?label WHERE {{\n  <{iri}> ?property ?value .\n"
        '  OPTIONAL { ?value rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "en")) }\n}\nLIMIT 200\n'
    )
