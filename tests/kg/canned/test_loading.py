"""Loading query files: every published file loads; every kind of broken file stops start-up
with the file and line named."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg import canned, paths
from kg.canned import CannedQueryError, ParamType
from kg.errors import ParameterError

GOOD = """#+ summary: Labels of one thing
#+ params:
#+   - name: thing
#+     type: iri
#+     required: true
#+     example: https://w3id.org/tregua/id/person/oscar-ortiz
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?label WHERE { ?thing rdfs:label ?label }
"""


def write(tmp_path: Path, text: str, name: str = "sample.rq") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_published_file_loads() -> None:
    catalog = canned.load_queries(paths.QUERIES_DIR)
    files = sorted(p.stem for p in paths.QUERIES_DIR.glob("*.rq"))
    assert sorted(catalog.queries) == files
    assert len(files) >= 15


def test_every_published_query_documents_itself(catalog: canned.QueryCatalog) -> None:
    for q in catalog:
        assert q.summary and q.description, q.name
        assert q.example.startswith(f"/queries/{q.name}"), q.name
        for p in q.params:
            assert p.description and p.example, (q.name, p.name)


def test_a_good_file_gives_typed_parameters_and_visible_columns(tmp_path: Path) -> None:
    q = canned.load_query(write(tmp_path, GOOD))
    assert q.name == "sample"
    assert [(p.name, p.type, p.required) for p in q.params] == [("thing", ParamType.IRI, True)]
    assert q.variables == ["label"]  # the parameter variable added to the projection stays hidden
    assert q.example == "/queries/sample?thing=https%3A%2F%2Fw3id.org%2Ftregua%2Fid%2Fperson%2Foscar-ortiz"


@pytest.mark.parametrize(("text", "line", "words"), [
    (GOOD.replace("#+ summary: Labels of one thing", "#+ summary: Labels: of one"), 1, "not valid YAML"),
    (GOOD.replace("#+ summary: Labels of one thing", "#+ sumary: Labels"), 1, "unknown decorator 'sumary'"),
    (GOOD.replace("#+ summary: Labels of one thing\n", ""), 1, "summary"),
    (GOOD.replace("type: iri", "type: colour"), 2, "unknown type 'colour'"),
    (GOOD.replace("example: https://w3id.org/tregua/id/person/oscar-ortiz", "example: not an iri"), 2,
     "its example or default is invalid"),
    (GOOD.replace("SELECT ?label WHERE", "SELECT ?label WHER"), 8, "does not parse"),
    (GOOD.replace("SELECT ?label WHERE", "ASK WHERE"), 7, "only SELECT"),
    (GOOD + "#+ method: POST\n", 9, "method POST"),
    (GOOD.replace("- name: thing", "- name: format"), 2, "reserved"),
    (GOOD.replace("{ ?thing rdfs:label ?label }", "{ ?x rdfs:label ?label FILTER(!BOUND(?thing)) }"), 8,
     "BOUND(?thing)"),
    (GOOD.replace("SELECT ?label WHERE { ?thing rdfs:label ?label }",
                  "SELECT (COUNT(*) AS ?n) WHERE { ?thing rdfs:label ?label }"), 2, "cannot be bound"),
])
def test_a_broken_file_names_itself_and_the_line(tmp_path: Path, text: str, line: int | None,
                                                  words: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(CannedQueryError) as caught:
        canned.load_queries(tmp_path)
    assert caught.value.where.file == str(path)
    assert caught.value.where.line == line
    assert words in str(caught.value)
    assert str(caught.value).startswith(f"{path}:")


def test_a_file_name_that_is_not_a_slug_is_refused(tmp_path: Path) -> None:
    write(tmp_path, GOOD, name="Bad_Name.rq")
    with pytest.raises(CannedQueryError, match="not a lower-case slug"):
        canned.load_queries(tmp_path)


GRLC = """#+ summary: A query written for grlc
#+ tags:
#+   - grlc
#+ method: GET
#+ pagination: 2
#+ endpoint_in_url: False
#+ defaults:
#+   - lang: en
#+ enumerate:
#+   - kind:
#+     - person
#+     - organization
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?label WHERE {
  ?__who_iri rdfs:label ?label .
  FILTER(LANG(?label) = ?_lang)
  FILTER(COALESCE(STRSTARTS(STR(?__who_iri), CONCAT("https://w3id.org/tregua/id/", ?__kind, "/")), true))
  FILTER(COALESCE(STRLEN(?label) >= ?__min_integer, true))
  FILTER(COALESCE(?label != ?__not_es, true))
}
ORDER BY ?label
"""


def test_grlc_variable_names_and_decorators_become_typed_parameters(tmp_path: Path) -> None:
    q = canned.load_query(write(tmp_path, GRLC, "grlc-style.rq"))
    params = {p.name: p for p in q.params}
    assert set(params) == {"who", "lang", "kind", "min", "not"}
    who, lang = params["who"], params["lang"]
    assert (who.type, who.required, who.variable) == (ParamType.IRI, False, "__who_iri")
    assert (lang.type, lang.required, lang.default) == (ParamType.STRING, False, "en")
    assert (params["kind"].type, params["kind"].values) == (ParamType.ENUM, ("person", "organization"))
    assert params["min"].type is ParamType.INTEGER
    assert (params["not"].type, params["not"].lang) == (ParamType.LANGSTRING, "es")
    assert q.page_size == 2 and q.tags == ["grlc"] and q.variables == ["label"]


def test_a_grlc_query_runs_unchanged(tmp_path: Path, engine) -> None:  # type: ignore[no-untyped-def]
    q = canned.load_query(write(tmp_path, GRLC, "grlc-style.rq"))
    result = canned.run(engine, q, {"who": "https://w3id.org/tregua/id/person/howard-cotto"})
    assert [canned.plain_value(r["label"]) for r in result.rows] == ["Howard Cotto"]
    with pytest.raises(ParameterError, match="kind"):
        canned.run(engine, q, {"kind": "place"})
    first_page = canned.run(engine, q, {"kind": "person", "min": "12"})
    assert first_page.page.limit == 2 and first_page.total > 2 and len(first_page.rows) == 2


def test_masking_ignores_keywords_and_variables_inside_strings_comments_and_iris() -> None:
    text = '# SELECT ?a\nSELECT ?b WHERE { ?b <http://x/?c> "?d SELECT" }'
    masked = canned.mask_sparql(text)
    assert len(masked) == len(text)
    assert "?a" not in masked and "?c" not in masked and "?d" not in masked
    assert masked.count("SELECT") == 1 and "?b" in masked


def test_a_broken_query_file_stops_the_server_naming_file_and_line(tmp_path: Path, built_store: Path) -> None:
    """`kg serve` exits 1 with the file and line before it listens; nothing half-starts."""
    import subprocess
    import sys

    write(tmp_path, "#+ summary: broken\nSELECT ?x WHERE { ?x ?y }\n", name="broken.rq")
    script = ("import sys; from pathlib import Path; import kg.paths; "
              f"kg.paths.QUERIES_DIR = Path({str(tmp_path)!r}); from kg.cli import main; "
              f"sys.exit(main(['serve', '--port', '1', '--store', {str(built_store)!r}]))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 1
    assert f"{tmp_path / 'broken.rq'}:3: the query does not parse" in done.stderr
    assert "Traceback" not in done.stderr
