"""`kg query --canned NAME --param k=v --format F` answers as GET /queries/NAME does."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from kg import canned
from kg.store.engine import InProcessEngine
from tests.kg.canned.conftest import plain_rows


def kg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kg", "query", *args], capture_output=True, text=True,
                          timeout=120, check=False)


def test_canned_query_from_the_shell(built_store: Path, engine: InProcessEngine,
                                     catalog: canned.QueryCatalog) -> None:
    done = kg("--store", str(built_store), "--canned", "quotes-by-speaker",
              "--param", "speaker=id:person/eugenio-chicas", "--format", "csv")
    assert done.returncode == 0, done.stderr
    want = canned.run(engine, catalog.get("quotes-by-speaker"), {"speaker": "id:person/eugenio-chicas"})
    table = list(csv.reader(io.StringIO(done.stdout)))
    assert table[0] == want.variables and [tuple(r) for r in table[1:]] == plain_rows(want)
    as_json = kg("--store", str(built_store), "--canned", "stance-counts", "--format", "json")
    assert json.loads(as_json.stdout)[0] == {
        "stance": "rejects", "actors": 4, "actors_on_issue": 9,
        "who": "Government of El Salvador; Howard Cotto; Mauricio Ramírez Landaverde; Oscar Ortiz"}


def test_bad_input_from_the_shell_is_exit_2_with_the_reason(built_store: Path) -> None:
    bad_value = kg("--store", str(built_store), "--canned", "timeline", "--param", "from_year=soon")
    assert bad_value.returncode == 2
    assert "from_year" in bad_value.stderr and "integer" in bad_value.stderr
    assert "Traceback" not in bad_value.stderr
    no_equals = kg("--store", str(built_store), "--canned", "timeline", "--param", "from_year")
    assert no_equals.returncode == 2 and "name=value" in no_equals.stderr
    unknown = kg("--store", str(built_store), "--canned", "timelines")
    assert unknown.returncode == 2 and "no canned query named 'timelines'" in unknown.stderr
