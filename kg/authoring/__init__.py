"""Adding a source by hand: `kg new-source` scaffolds its files, `kg locate` finds words in its text.

A source is two files side by side in sources/: `SLUG.trig` (its facts, in the named graph
`.../graph/source/SLUG`, with the `tg:Source` node carrying title, publisher, date, address
and licence note) and `SLUG.txt` (its text, when the licence lets us keep a copy). The offsets
`kg locate` prints are what the build checks (`kg.build.checks.text_offsets`): Python str
indices (code points) into the text read as UTF-8, end exclusive.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg import iris, paths
from kg.build.checks import KIND_CLASS, resolve_text_file
from kg.errors import BadRequest, NotFound
from kg.vocab import TG

_DATE_TYPES = ((re.compile(r"^\d{4}-\d{2}-\d{2}$"), "xsd:date"), (re.compile(r"^\d{4}-\d{2}$"), "xsd:gYearMonth"),
               (re.compile(r"^\d{4}$"), "xsd:gYear"))


def date_literal(value: str) -> str:
    """A date at the precision given, as a TriG literal.

    >>> date_literal("2017-01")
    '"2017-01"^^xsd:gYearMonth'
    >>> date_literal("2017-01-20")
    '"2017-01-20"^^xsd:date'
    """
    for pattern, datatype in _DATE_TYPES:
        if pattern.match(value):
            return f'"{value}"^^{datatype}'
    raise BadRequest(f"--date {value!r} is not a date", hint="give YYYY-MM-DD, YYYY-MM or YYYY, e.g. 2017-01-20")


def _string(value: str) -> str:
    """A Turtle string literal (quotes and backslashes escaped).

    >>> _string('say "no"')
    '"say \\\\"no\\\\""'
    """
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def check_slug(slug: str, sources_dir: Path) -> None:
    """Refuse a slug that is not lowercase-words-with-dashes, or one a source already uses."""
    if not iris.SLUG_RE.match(slug):
        raise BadRequest(f"{slug!r} is not a slug",
                         hint="use lowercase letters and digits joined by '-', e.g. elfaro-2017-01-letter "
                              "(publisher, date, a word or two)")
    for existing in (sources_dir / f"{slug}.trig", sources_dir / f"{slug}.ttl", sources_dir / f"{slug}.txt"):
        if existing.exists():
            raise BadRequest(f"a source named {slug!r} already exists: {existing}",
                             hint="choose another slug, or edit that source's files")


def describes(iri: str, folders: list[Path]) -> bool:
    """Whether a source in one of `folders` holds a triple about `iri` (a file that does not
    parse is skipped: the build will say what is wrong with it)."""
    node = ox.NamedNode(iri)
    for folder in folders:
        for trig in sorted(folder.glob("*.trig")):
            try:
                if any(q.subject == node for q in ox.parse(path=trig, format=ox.RdfFormat.TRIG,
                                                            base_iri=iris.BASE)):
                    return True
            except (SyntaxError, OSError):
                continue
    return False


def publisher_is_new(publisher: str, sources_dir: Path = paths.SOURCES_DIR) -> bool:
    """Whether no source (in `sources_dir` or sources/) describes organization:PUBLISHER."""
    return not describes(f"{iris.BASE}id/organization/{publisher}",
                         list(dict.fromkeys([sources_dir, paths.SOURCES_DIR])))


def publisher_stub(publisher: str) -> list[str]:
    """Commented lines describing a publisher no source describes yet: to fill in (its name is not
    invented here), or the slug was misspelt. Until then `kg validate` names the line."""
    return [
        f"# The publisher: no source describes organization:{publisher} yet. Describe it here (uncomment,",
        "# give its name in English and Spanish), or give the slug of an existing organization",
        "# (`kg query --canned entity-lookup --param name=...`).",
        f"# organization:{publisher} a tg:Organization ;",
        '#     rdfs:label "NAME"@en , "NOMBRE"@es .',
        "",
    ]


def scaffold_text(slug: str, *, title: str | None = None, publisher: str | None = None, date: str | None = None,
                  url: str | None = None, licence: str | None = None, text_file: str | None = None,
                  new_publisher: bool = False) -> str:
    """The TriG of a new source: prefixes (one per entity kind, stances and conditions included),
    its named graph and its `tg:Article` node; with `new_publisher`, a stub of the publisher to
    fill in."""
    graph = iris.source_graph(slug)
    lines = [
        f"# {slug}: what this source says, and nothing more (docs/adding-a-source.md).",
        f"# Text: {text_file or 'none yet'} beside this file. Offsets are Python str indices into it read as",
        f'# UTF-8, end exclusive: `kg locate {slug} "words"` prints them with a ready snippet.',
        "",
        "@base <https://w3id.org/tregua/id/> .",
        *(f"@prefix {p + ':':<14} <{iris.PREFIXES[p]}> ." for p in ("tg", "rdf", "rdfs", "xsd", "oa", "dct")),
        *(f"@prefix {k + ':':<14} <{iris.BASE}id/{k}/> ." for k in
          KIND_CLASS),
        "",
        f"<{graph}> {{",
        "",
        f"source:{slug} a tg:Article ;",
        f"    rdfs:label {_string(title)}@en ;" if title else "    # rdfs:label \"TITLE\"@en ;",
        f"    tg:publisher organization:{publisher} ;" if publisher else "    # tg:publisher organization:SLUG ;",
        f"    tg:url {_string(url)}^^xsd:anyURI ;" if url else '    # tg:url "https://..."^^xsd:anyURI ;',
        f"    tg:date {date_literal(date)} ;" if date else '    # tg:date "YYYY-MM-DD"^^xsd:date ;',
        f"    dct:license {_string(licence)}@en ;" if licence else '    # dct:license "what the licence allows"@en ;',
    ]
    lines.append(f"    tg:textFile {_string(text_file)} ." if text_file else "    .")
    lines.append("")
    if publisher and new_publisher:
        lines += publisher_stub(publisher)
    lines += ["# Statements, quotes, stances and claims go here (see docs/adding-a-source.md).", "", "}", ""]
    if not title:
        # a source must be labelled: without a title the scaffold would not validate
        lines[lines.index('    # rdfs:label "TITLE"@en ;')] = f'    rdfs:label "{slug}"@en ;'
    return "\n".join(lines)


def new_source(slug: str, text: Path | None, *, sources_dir: Path = paths.SOURCES_DIR, title: str | None = None,
               publisher: str | None = None, date: str | None = None, url: str | None = None,
               licence: str | None = None) -> list[Path]:
    """Write sources/SLUG.trig (and copy `text` to sources/SLUG.txt); return the files written."""
    check_slug(slug, sources_dir)
    if publisher is not None and not iris.SLUG_RE.match(publisher):
        raise BadRequest(f"--publisher {publisher!r} is not an organization slug",
                         hint="give the slug of a tg:Organization, e.g. insightcrime for organization:insightcrime")
    if url is not None and not re.match(r"^https?://\S+$", url):
        raise BadRequest(f"--url {url!r} is not an http(s) address", hint="give the article's address, https://...")
    if text is not None:
        if not text.is_file():
            raise BadRequest(f"no text file {text}", hint="give --text the path of the article's plain text (UTF-8)")
        try:
            text.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise BadRequest(f"{text} is not UTF-8 text", hint="save the text as UTF-8") from exc
    new_publisher = publisher is not None and publisher_is_new(publisher, sources_dir)
    trig = scaffold_text(slug, title=title, publisher=publisher, date=date, url=url, licence=licence,
                         text_file=f"{slug}.txt" if text is not None else None, new_publisher=new_publisher)
    written = []
    if text is not None:
        copy = sources_dir / f"{slug}.txt"
        shutil.copyfile(text, copy)
        written.append(copy)
    target = sources_dir / f"{slug}.trig"
    target.write_text(trig, encoding="utf-8")
    written.insert(0, target)
    return written


def source_text(slug: str, *, sources_dir: Path = paths.SOURCES_DIR,
                shared_dir: Path = paths.DEFAULT_SHARED_DIR) -> tuple[Path, str]:
    """The text file of source SLUG (its `tg:textFile`, found as the build finds it) and its text."""
    trig = sources_dir / f"{slug}.trig"
    if not trig.is_file():
        known = sorted(p.stem for p in sources_dir.glob("*.trig"))
        raise NotFound(f"no source {slug!r} in {sources_dir}", suggestions=[k for k in known if slug[:4] in k][:5])
    try:
        quads = list(ox.parse(path=trig, format=ox.RdfFormat.TRIG, base_iri=iris.BASE))
    except SyntaxError as exc:
        raise BadRequest(f"{trig}:{exc.lineno}: {exc.msg}", hint="fix the TriG syntax first") from exc
    node = iris.BASE + f"id/source/{slug}"
    rels = [q.object.value for q in quads if q.predicate.value == TG + "textFile" and q.subject.value == node]
    if not rels:
        raise BadRequest(f"source {slug!r} has no tg:textFile",
                         hint=f'add `tg:textFile "{slug}.txt"` to source:{slug} and put the text beside {trig.name}')
    path, tried = resolve_text_file(rels[0], sources_dir, shared_dir)
    if path is None:
        raise BadRequest(f"text file {rels[0]} of {slug!r} not found (looked at {', '.join(map(str, tried))})",
                         hint="put the text beside the TriG, or point --shared-dir at the shared folder")
    return path, path.read_text(encoding="utf-8")


@dataclass
class Located:
    """Where words are in a text: offsets and the line (1-based) they start on."""

    start: int
    end: int
    line: int


def find_all(text: str, words: str) -> list[Located]:
    """Every place `words` occurs in `text` (overlapping ones too).

    >>> [(x.start, x.end, x.line) for x in find_all("no\\nyes, no", "no")]
    [(0, 2, 1), (8, 10, 2)]
    """
    out = []
    at = text.find(words)
    while at >= 0:
        out.append(Located(at, at + len(words), text.count("\n", 0, at) + 1))
        at = text.find(words, at + 1)
    return out


def _near_misses(text: str, words: str) -> str:
    """Why exact words may not be found: typographic quotes and apostrophes, spacing, case."""
    folded = {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2026": "...", "\u2013": "-",
              "\u2014": "-"}

    def fold(s: str) -> str:
        s = "".join(folded.get(c, c) for c in s)
        return re.sub(r"\s+", " ", s).lower()

    if fold(words) in fold(text):
        return ("they occur with other quotes, apostrophes, dashes, spacing or case: copy them from the text "
                "exactly (e.g. \u2019 rather than ')")
    return "they do not occur in the text even ignoring quotes, spacing and case: check the words"


def locate(slug: str, words: str, *, sources_dir: Path = paths.SOURCES_DIR,
           shared_dir: Path = paths.DEFAULT_SHARED_DIR, kind: str = "quote", name: str = "NAME") -> str:
    """The offsets of `words` in source SLUG's text and a TriG snippet positioning them.

    Raises NotFound when the words are not there (saying why, if a near miss explains it) and
    BadRequest when they occur more than once (listing where: offsets need one place).
    """
    if not words:
        raise BadRequest("no words given", hint=f'kg locate {slug} "the exact words of the quote"')
    path, text = source_text(slug, sources_dir=sources_dir, shared_dir=shared_dir)
    found = find_all(text, words)
    if not found:
        raise NotFound(f"the words {words[:60]!r} are not in {path}: {_near_misses(text, words)}")
    if len(found) > 1:
        places = "; ".join(f"{x.start}..{x.end} (line {x.line})" for x in found)
        raise BadRequest(f"the words {words[:60]!r} occur {len(found)} times in {path}: at {places}",
                         hint="give more of the surrounding words so that they occur once")
    hit = found[0]
    prop = "tg:text" if kind == "quote" else "tg:paraphrase"
    return "\n".join([
        f"{path} line {hit.line}: oa:start {hit.start}, oa:end {hit.end}",
        "",
        f"{kind}:{name} a tg:{'Quote' if kind == 'quote' else 'AnalysisClaim'} ;",
        f"    {prop} {_string(words)}@en ;",
        f"    tg:inSource source:{slug} ;",
        f"    tg:position <{kind}/{name}#position> .",
        f"<{kind}/{name}#position> a tg:TextPosition ;",
        f'    oa:start "{hit.start}"^^xsd:nonNegativeInteger ; oa:end "{hit.end}"^^xsd:nonNegativeInteger .',
    ])
