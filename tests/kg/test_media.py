"""The one format table (kg.media): every format the code accepts or writes is in it, once.

These tests read the interfaces themselves (argparse choices, the canned formats, the service
description, the HTTP menus), so a format added in one place but not in the table fails here.
"""

from __future__ import annotations

import argparse

import pytest

from kg import canned, media
from kg.media import CANNED, DOCUMENTS, FORMATS, GRAPHS, RESULTS, Carries
from kg.store import description


def _choices(command: str) -> list[str]:
    """The `--format` choices of `kg COMMAND`, read from the parser the CLI builds."""
    from kg.cli import COMMANDS

    parser = argparse.ArgumentParser()
    for c in COMMANDS:
        if c.name == command:
            c.configure(parser)
    for action in parser._actions:
        if "--format" in action.option_strings:
            return [str(choice) for choice in action.choices or []]
    raise AssertionError(f"kg {command} has no --format")


def test_keys_media_types_and_specs_are_unique_and_real() -> None:
    assert len({f.key for f in FORMATS}) == len(FORMATS)
    # plain TSV and SPARQL TSV share a media type; the profile parameter tells them apart
    assert len({(f.media_type, f.profile) for f in FORMATS}) == len(FORMATS)
    for f in FORMATS:
        assert f.spec.startswith("https://"), f.key
        assert f.carries, f.key
        assert (f.rdf is not None) == bool(f.carries & {Carries.GRAPH}), f.key


def test_every_pyoxigraph_format_in_the_table_round_trips_by_key() -> None:
    """The workers send formats by key: each pyoxigraph format must come back as itself."""
    for f in FORMATS:
        if f.rdf is not None:
            assert media.of_ox(f.rdf) is f and media.rdf_of(f.key) == f.rdf
        if f.results is not None:
            assert media.of_ox(f.results) is f and media.results_of(f.key) == f.results
    with pytest.raises(ValueError):
        media.rdf_of("csv")


@pytest.mark.parametrize("menu", [RESULTS, GRAPHS, DOCUMENTS, CANNED], ids=lambda m: m.what)
def test_every_offer_is_a_table_format_and_no_name_means_two_formats(menu: media.Menu) -> None:
    seen: dict[str, media.Format] = {}
    for offer in menu:
        assert offer.format in FORMATS
        if offer.alias_of is None:
            for name in offer.names:
                assert seen.setdefault(name, offer.format) is offer.format, f"{name!r} names two formats"
        else:
            assert menu.by_media_type(offer.alias_of) is not None


def test_the_names_each_interface_accepts_are_pinned() -> None:
    """The published `format=` names (changing one breaks clients)."""
    assert RESULTS.short_names() == ["json", "xml", "csv", "tsv"]
    assert GRAPHS.short_names() == ["ttl", "nt", "jsonld", "rdf", "nq", "trig"]
    assert DOCUMENTS.short_names() == ["ttl", "nt", "jsonld", "rdf"]
    assert CANNED.short_names() == ["csv", "tsv", "sparql-tsv", "sparql-json", "json", "xml", "html"]
    assert RESULTS.by_name("json").format is media.SPARQL_JSON
    assert CANNED.by_name("json").format is media.JSON_ROWS
    assert CANNED.by_name("tsv").format is media.PLAIN_TSV and CANNED.by_name("sparql-tsv").format is media.TSV
    assert GRAPHS.by_name("xml").format is media.RDF_XML


def test_cli_format_choices_all_resolve_in_the_table() -> None:
    for name in _choices("export"):
        assert GRAPHS.by_name(name).format.rdf is not None, name
    assert "nquads" in _choices("export")
    for name in _choices("query"):
        assert any(menu.get(name) is not None for menu in (RESULTS, CANNED, GRAPHS)), name


def test_canned_formats_come_from_the_table() -> None:
    assert list(canned.FORMATS) == CANNED.short_names()
    assert set(canned.SERIALIZERS) <= set(CANNED.short_names())
    for name, content_type in canned.FORMATS.items():
        assert content_type.split(";")[0] == CANNED.by_name(name).format.media_type


def test_service_description_lists_the_table_formats() -> None:
    for name in description.RESULT_FORMATS + description.INPUT_FORMATS:
        assert any(f.w3c == name for f in FORMATS), name
    assert len(description.RESULT_FORMATS) == len(RESULTS.short_names()) + len(GRAPHS.short_names())


def test_formats_cross_the_worker_pipe_only_by_table_key() -> None:
    """A worker that looked a format up by pyoxigraph attribute name (`getattr(ox.RdfFormat, …)`)
    would break on a table key: every lookup goes through kg.media."""
    from pathlib import Path

    import kg

    offenders = [str(p) for p in Path(kg.__file__).parent.rglob("*.py")
                 if "getattr(ox.RdfFormat" in p.read_text(encoding="utf-8")
                 or "getattr(ox.QueryResultsFormat" in p.read_text(encoding="utf-8")]
    assert not offenders
