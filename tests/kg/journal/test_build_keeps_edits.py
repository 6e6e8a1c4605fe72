"""write → `kg build` → the write is still there: a SPARQL update and a Graph Store PUT sent to a
real server, and a `kg link`, all journaled; then a real build of the same store replays them.

And the other side: an edit that a stricter shape now refuses is quarantined and reported with its
journal position, not dropped; an edit the sources now hold is skipped.
(The builds use the Oxigraph validation and inference engines: same results, seconds faster.)
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from kg import gate, iris, paths
from kg.build.pipeline import BuildReport, build
from kg.cli import main
from kg.journal import Journal
from kg.store import open_store, store_version
from tests.conftest import UPDATE_TOKEN, Server, stop_server

RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SOURCE = iris.source_graph("insightcrime-2017-01-ms13-dialogue")
NEWCOMER = ox.NamedNode(iris.entity_iri("person", "test-newcomer"))
OSCAR_ORTIZ = ox.NamedNode(iris.entity_iri("person", "oscar-ortiz"))
BARRIO_18 = iris.entity_iri("organization", "barrio-18")
DESK_GRAPH = ox.NamedNode(iris.BASE + "graph/desk/notes")
AUTH = {"Authorization": f"Bearer {UPDATE_TOKEN}"}
WIKIDATA = ox.NamedNode(iris.GRAPH_WIKIDATA)


def newcomer_update(slug: str, label: str) -> str:
    entity = iris.entity_iri("person", slug)
    return f"""PREFIX tg: <{iris.TG}> PREFIX rdfs: <{RDFS}>
INSERT DATA {{
  GRAPH <{SOURCE}> {{ <{entity}> a tg:Person ; rdfs:label "{label}"@en, "{label}"@es ;
                      tg:linkStatus tg:notLinked . }}
}}"""


def quads_of(path: Path) -> set[ox.Quad]:
    store = ox.Store.read_only(str(path))
    try:
        return set(store)
    finally:
        del store


def fast_build(path: Path, **dirs: Path) -> BuildReport:
    return build(path, progress=False, semantics="oxigraph", engine="oxigraph", **dirs)  # type: ignore[arg-type]


@dataclass
class Edited:
    store: Path
    before_build: set[ox.Quad]
    report: BuildReport


@pytest.fixture(scope="module")
def edited(make_server: Callable[..., Server], tmp_path_factory: pytest.TempPathFactory) -> Edited:
    """A server takes an update and a PUT; once it is stopped, `kg link` adds a link (recorded in a
    file the build does not read, so only the journal can keep it); then the store is rebuilt."""
    server = make_server()
    with httpx.Client(base_url=server.url, timeout=120, headers=AUTH) as client:
        response = client.post("/sparql/update", content=newcomer_update("test-newcomer", "Test Newcomer").encode(),
                               headers={"Content-Type": "application/sparql-update"})
        assert response.status_code == 200, response.text
        assert response.json()["entry"]
        turtle = f'<{OSCAR_ORTIZ.value}> <{RDFS}comment> "Minister of Justice (desk note)"@en .'
        response = client.put("/rdf-graph-store", params={"graph": DESK_GRAPH.value}, content=turtle.encode(),
                              headers={"Content-Type": "text/turtle"})
        assert response.status_code == 201, response.text
    stop_server(server)
    tmp = tmp_path_factory.mktemp("link")
    candidates = tmp / "candidates.csv"
    candidates.write_text(f"iri,qid,reviewer,note\n{BARRIO_18},Q1140373,Ana Pérez,gang\n", encoding="utf-8")
    assert main(["link", str(candidates), "--store", str(server.store), "--date", "2026-12-01",
                 "--reviewed-links", str(tmp / "reviewed-links.csv")]) == 0
    before = quads_of(server.store)
    return Edited(server.store, before, fast_build(server.store))


def test_the_build_reports_every_edit_replayed(edited: Edited) -> None:
    assert edited.report.journal is not None
    assert (edited.report.journal.replayed, edited.report.journal.quarantined,
            edited.report.journal.skipped) == (3, 0, 0)
    entries = list(Journal.for_store(edited.store).entries())
    assert len(entries) == 3 and entries[2].who == "Ana Pérez"
    # the new store records that it holds the whole journal, and its version names the last entry
    assert Journal.for_store(edited.store).applied(edited.store) == entries[-1].id
    assert store_version(edited.store).endswith("+" + entries[-1].id[:13])


def test_an_update_survives_the_build(edited: Edited) -> None:
    after = quads_of(edited.store)
    label = ox.Quad(NEWCOMER, ox.NamedNode(RDFS + "label"), ox.Literal("Test Newcomer", language="en"),
                    ox.NamedNode(SOURCE))
    assert label in edited.before_build and label in after
    inferred = {q for q in after if q.subject == NEWCOMER and q.graph_name == ox.NamedNode(iris.GRAPH_INFERRED)}
    assert inferred, "the gate derives the inferred graph again for a replayed edit"


def test_a_graph_store_put_survives_the_build(edited: Edited) -> None:
    desk = {q for q in quads_of(edited.store) if q.graph_name == DESK_GRAPH}
    assert desk == {ox.Quad(OSCAR_ORTIZ, ox.NamedNode(RDFS + "comment"),
                            ox.Literal("Minister of Justice (desk note)", language="en"), DESK_GRAPH)}


def test_a_kg_link_survives_the_build(edited: Edited) -> None:
    after = quads_of(edited.store)
    link = ox.Quad(ox.NamedNode(BARRIO_18), ox.NamedNode(iris.PREFIXES["skos"] + "exactMatch"),
                   ox.NamedNode("http://www.wikidata.org/entity/Q1140373"), WIKIDATA)
    not_linked = ox.Quad(ox.NamedNode(BARRIO_18), ox.NamedNode(iris.TG + "linkStatus"),
                         ox.NamedNode(iris.TG + "notLinked"), WIKIDATA)
    assert link in after and not_linked not in after


def test_an_edit_the_new_shapes_refuse_is_quarantined_and_one_already_in_the_sources_skipped(
        built_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Through `kg build` itself: what it prints is the report."""
    store_path = tmp_path / "store"
    shutil.copytree(built_store, store_path)
    journal = Journal.for_store(store_path)
    store = open_store(store_path)
    writer = gate.MemoryWriter(store, journal=journal, version=store_version(store_path))
    for slug, label in (("test-kept", "Kept Newcomer"), ("test-agent", "Agent 007"), ("test-sourced", "Sourced")):
        gate.apply_update(writer, newcomer_update(slug, label), who="desk")
    del store, writer
    # A new rule: people's names have no digits (the sources pass it, "Agent 007" does not) ...
    shapes = tmp_path / "shapes"
    shutil.copytree(paths.SHAPES_DIR, shapes)
    (shapes / "stricter.ttl").write_text(f"""@prefix sh: <http://www.w3.org/ns/shacl#> .
<urn:test:NoDigitsInNames> a sh:NodeShape ; sh:targetClass <{iris.TG}Person> ;
  sh:property [ sh:path <{RDFS}label> ; sh:pattern "^[^0-9]*$" ; sh:message "A name has no digits." ] .
""", encoding="utf-8")
    # ... and the third newcomer has made it into the sources meanwhile.
    sources = tmp_path / "sources"
    shutil.copytree(paths.SOURCES_DIR, sources)
    sourced = iris.entity_iri("person", "test-sourced")
    with (sources / "insightcrime-2017-01-ms13-dialogue.trig").open("a", encoding="utf-8") as out:
        out.write(f"""\n<{SOURCE}> {{ <{sourced}> a <{iris.TG}Person> ;
            <{RDFS}label> "Sourced"@en, "Sourced"@es ; <{iris.TG}linkStatus> <{iris.TG}notLinked> . }}\n""")
    args = ["build", "--store", str(store_path), "--shapes-dir", str(shapes), "--sources-dir", str(sources),
            "--engine", "oxigraph", "--semantics", "oxigraph"]
    capsys.readouterr()
    assert main(args) == 0
    printed = capsys.readouterr().err
    assert "journal: 1 replayed, 1 quarantined, 1 skipped" in printed
    [line] = [line for line in printed.splitlines() if "quarantined journal entry" in line]
    refused_id = list(journal.entries())[1].id
    assert f"journal entry 2 ({refused_id}" in line and "by desk" in line and "A name has no digits." in line
    assert str(journal.quarantine_path) in printed
    after = quads_of(store_path)
    assert not any(q.subject == ox.NamedNode(iris.entity_iri("person", "test-agent")) for q in after)
    assert any(q.subject == ox.NamedNode(iris.entity_iri("person", "test-kept")) for q in after)
    # kept aside, in RDF Patch, with its reasons: not lost
    [kept] = list(Journal(journal.quarantine_path).entries())
    assert kept.id == refused_id and set(kept.added) == set(journal.get(refused_id).added)
    assert kept.extra["journalPosition"] == ["2"] and "A name has no digits." in " ".join(kept.extra["reason"])
    # a second build quarantines it again without writing it twice, and says so even when quiet
    assert main([*args, "--quiet"]) == 0
    assert "1 quarantined" in capsys.readouterr().err
    assert len(list(Journal(journal.quarantine_path).entries())) == 1
