"""`kg link --check-wikidata`: QIDs looked up on a local stand-in of Wikidata's action API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.cli import main
from kg.linking.wikidata import fetch_items
from tests.kg.linking.review.conftest import EXACT_MATCH, Q792, WIKIDATA_GRAPH
from tests.kg.linking.review.wikidata_standin import StandIn, reference_items, serve

ID = "https://w3id.org/tregua/id/"


@pytest.fixture
def standin(shared_dir: Path) -> Iterator[StandIn]:
    with serve(StandIn(reference_items(shared_dir))) as s:
        yield s


def candidates(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "candidates.csv"
    path.write_text("iri,qid,reviewer,note\n" + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def links_of(path: Path) -> set[str]:
    store = ox.Store.read_only(str(path))
    return {str(q) for q in store.quads_for_pattern(None, EXACT_MATCH, None, WIKIDATA_GRAPH)}


def test_fetch_reads_the_wbgetentities_shape(standin: StandIn) -> None:
    standin.hidden.add("Q1123900")
    standin.redirects["Q1783607"] = "Q792"
    items = fetch_items(["Q3110", "Q1123900", "Q1783607"], standin.url)
    assert items["Q3110"].exists and items["Q3110"].labels == {"en": "San Salvador"}
    assert not items["Q1123900"].exists
    assert items["Q1783607"].redirect_to == "Q792"
    assert standin.requests[0]["action"] == ["wbgetentities"]
    assert standin.requests[0]["ids"] == ["Q1123900|Q1783607|Q3110"]


def test_a_checked_qid_is_linked(standin: StandIn, store_copy: Path, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    file = candidates(tmp_path, f"{ID}place/el-salvador,Q792,Ana Pérez,")
    assert f"<{ID}place/el-salvador> {EXACT_MATCH} {Q792} {WIKIDATA_GRAPH}" not in links_of(store_copy)
    assert main(["link", str(file), "--store", str(store_copy), "--check-wikidata", standin.url]) == 0
    assert f"<{ID}place/el-salvador> {EXACT_MATCH} {Q792} {WIKIDATA_GRAPH}" in links_of(store_copy)
    assert "warning" not in capsys.readouterr().err


def test_missing_and_redirected_items_write_nothing(standin: StandIn, store_copy: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    standin.hidden.add("Q792")
    before = links_of(store_copy)
    file = candidates(tmp_path, f"{ID}place/el-salvador,Q792,Ana Pérez,")
    assert main(["link", str(file), "--store", str(store_copy), "--check-wikidata", standin.url]) == 2
    assert f"{file}:2: Q792 does not exist on Wikidata" in capsys.readouterr().err
    standin.hidden.clear()
    standin.redirects["Q792"] = "Q3110"
    assert main(["link", str(file), "--store", str(store_copy), "--check-wikidata", standin.url]) == 2
    assert f"{file}:2: Q792 redirects to Q3110 on Wikidata (link Q3110" in capsys.readouterr().err
    assert links_of(store_copy) == before


def test_a_label_unlike_ours_is_a_warning(standin: StandIn, store_copy: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    standin.items["Q792"] = "National Coalition Party (PCN)"  # as if the reviewer mistyped the QID
    file = candidates(tmp_path, f"{ID}place/el-salvador,Q792,Ana Pérez,")
    assert main(["link", str(file), "--store", str(store_copy), "--check-wikidata", standin.url]) == 0
    err = capsys.readouterr().err
    assert "warning: " in err and "our label 'El Salvador' and Wikidata's 'National Coalition Party" in err


def test_unreachable_service_is_a_clear_error(store_copy: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from tests.conftest import free_port

    file = candidates(tmp_path, f"{ID}place/el-salvador,Q792,Ana Pérez,")
    url = f"http://127.0.0.1:{free_port()}/w/api.php"
    assert main(["link", str(file), "--store", str(store_copy), "--check-wikidata", url]) == 1
    assert "cannot look the QIDs up" in capsys.readouterr().err
    not_http = ["link", str(file), "--store", str(store_copy), "--check-wikidata", "file:///etc/passwd"]
    assert main(not_http) == 2
