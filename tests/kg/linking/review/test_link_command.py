"""`kg link` and `kg export-links` on a copy of the real built store, through the real SHACL gate.

The QIDs here are only those of ../shared/reference/wikidata.tsv. To have an entity to link,
the setup turns one checked link (El Salvador, Q792) back into a "not linked" mark, as if the
reference row had not been mapped yet; the test then links it the way a reviewer would. Accepted rows
are recorded in a temporary copy of sources/reviewed-links.csv (fixture `reviewed_links`).
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.cli import main
from kg.store import store_version
from tests.kg.linking.review.conftest import EXACT_MATCH, ID, LINK_STATUS, NOT_LINKED, Q792, WIKIDATA_GRAPH


def wikidata_graph(path: Path) -> set[str]:
    store = ox.Store.read_only(str(path))
    return {str(q) for q in store.quads_for_pattern(None, None, None, WIKIDATA_GRAPH)}


def write(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "candidates.csv"
    path.write_text("iri,qid,reviewer,note\n" + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


NOTE = "country; see reference/wikidata.tsv"


def test_kg_link_adds_the_link_and_its_review(store_copy: Path, tmp_path: Path, reviewed_links: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    before = wikidata_graph(store_copy)
    version = store_version(store_copy)
    row = f'{ID}place/el-salvador,Q792,Ana Pérez,"{NOTE}"'
    candidates = write(tmp_path, [row])
    assert main(["link", str(candidates), "--store", str(store_copy), "--date", "2026-11-28"]) == 0
    assert f"linked {ID}place/el-salvador -> Q792 (reviewed by Ana Pérez)" in capsys.readouterr().err
    after = wikidata_graph(store_copy)
    g = "<https://w3id.org/tregua/graph/wikidata>"
    assert before - after == {f"<{ID}place/el-salvador> {LINK_STATUS} {NOT_LINKED} {g}"}
    review = f"<{ID}place/el-salvador#wikidata-review>"
    assert after - before == {
        f"<{ID}place/el-salvador> {EXACT_MATCH} {Q792} {g}",
        f"{review} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/prov#Activity> "
        f"{g}",
        f'{review} <http://www.w3.org/2000/01/rdf-schema#label> "Review of the Wikidata link Q792"@en {g}',
        f"{review} <http://www.w3.org/ns/prov#used> <{ID}place/el-salvador> {g}",
        f"{review} <http://www.w3.org/ns/prov#used> {Q792} {g}",
        f'{review} <http://purl.org/dc/terms/creator> "Ana Pérez" {g}',
        f'{review} <http://purl.org/dc/terms/date> "2026-11-28"^^<http://www.w3.org/2001/XMLSchema#date> {g}',
        f'{review} <http://www.w3.org/2000/01/rdf-schema#comment> "{NOTE}" {g}',
    }
    assert store_version(store_copy) != version  # ETags and the search index must see the change
    recorded = reviewed_links.read_text(encoding="utf-8")
    assert recorded == f'iri,qid,reviewer,date,note\n{ID}place/el-salvador,Q792,Ana Pérez,2026-11-28,{NOTE}\n'

    # Applying the same file again changes nothing, in the store or in the record.
    assert main(["link", str(candidates), "--store", str(store_copy)]) == 0
    assert "0 link(s) added, 1 already in place" in capsys.readouterr().err
    assert wikidata_graph(store_copy) == after
    assert reviewed_links.read_text(encoding="utf-8") == recorded

    out = tmp_path / "links.tsv"
    assert main(["export-links", "--store", str(store_copy), "--format", "quickstatements",
                 "--output", str(out)]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert f'Q792\tP973\t"{ID}place/el-salvador"' in lines
    assert f'Q1146480\tP973\t"{ID}organization/arena"' in lines
    csv_out = tmp_path / "links.csv"
    main(["export-links", "--store", str(store_copy), "--format", "csv", "--output", str(csv_out),
          "--url-base", "https://tregua.example.org"])
    assert (f"Q792,{ID}place/el-salvador,https://tregua.example.org/id/place/el-salvador,El Salvador,"
            f'Ana Pérez,2026-11-28,{NOTE}') in csv_out.read_text().splitlines()


def test_one_bad_row_writes_nothing(store_copy: Path, tmp_path: Path, reviewed_links: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    before = wikidata_graph(store_copy)
    version = store_version(store_copy)
    recorded = reviewed_links.read_text(encoding="utf-8")
    candidates = write(tmp_path, [f"{ID}place/el-salvador,Q792,Ana Pérez,",
                                  f"{ID}person/oscar-ortiz,Q-1,Ana Pérez,"])
    assert main(["link", str(candidates), "--store", str(store_copy)]) == 2
    err = capsys.readouterr().err
    assert f"error: {candidates}:3: 'Q-1' is not a Wikidata QID (write Q followed by digits, e.g. Q792)" \
        in err
    assert "nothing was written" in err
    assert wikidata_graph(store_copy) == before
    assert store_version(store_copy) == version
    assert reviewed_links.read_text(encoding="utf-8") == recorded


def test_missing_file_and_bad_header(store_copy: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["link", str(tmp_path / "nope.csv"), "--store", str(store_copy)]) == 2
    assert "does not exist" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("label,qid\nEl Salvador,Q792\n", encoding="utf-8")
    assert main(["link", str(bad), "--store", str(store_copy)]) == 2
    assert "the header should be 'iri,qid,reviewer,note'" in capsys.readouterr().err
