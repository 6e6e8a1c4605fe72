"""The editor's examples come from queries/examples/*.rq (kg.pages.examples), not from Python strings."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg import paths
from kg.canned import CannedQueryError
from kg.pages.examples import load_examples


def test_examples_are_the_files_in_order_with_their_headers_stripped() -> None:
    examples = load_examples()
    files = sorted(paths.EXAMPLES_DIR.glob("*.rq"))
    assert examples[0]["title"] == "Who took which stance on negotiating with the gangs"
    assert len(examples) == len(files) == 6
    for example, path in zip(examples, files, strict=True):
        assert path.read_text(encoding="utf-8").endswith(example["query"])
        assert not example["query"].startswith("#+")


def test_an_example_without_a_summary_is_refused_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "01-ok.rq").write_text("#+ summary: fine\nASK {}\n", encoding="utf-8")
    (tmp_path / "02-bad.rq").write_text("#+ tags: [x]\nASK {}\n", encoding="utf-8")
    with pytest.raises(CannedQueryError) as info:
        load_examples(tmp_path)
    assert "02-bad.rq:1" in str(info.value) and "summary" in str(info.value)
    assert info.value.hint and "#+ summary:" in info.value.hint
