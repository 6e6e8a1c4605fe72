"""SHACL Core compiled to SPARQL and run inside Oxigraph: validation that scales.

pyshacl walks the graph node by node in Python; on a million triples that takes far longer
than the ten minutes a build may take. Here every (shape, constraint) pair becomes one
SPARQL SELECT that returns the offending focus nodes (and values), and Oxigraph runs it on
its indexes. Nested shapes (`sh:node`, `sh:or`, `sh:not`, `sh:and`, qualified value shapes)
become `EXISTS` conditions, so the whole of SHACL Core that our shapes use is covered:

targets ``targetClass`` (with ``rdfs:subClassOf*``), ``targetSubjectsOf``, ``targetObjectsOf``,
``targetNode``; paths: predicate, inverse, sequence, alternative, ``*``, ``+``, ``?``;
constraints ``class``, ``datatype`` (with lexical checks of the common XSD types),
``nodeKind``, ``minCount``, ``maxCount``, ``minLength``, ``maxLength``, ``pattern``,
``languageIn``, ``uniqueLang``, ``in``, ``hasValue``, ``node``, ``not``, ``and``, ``or``,
``qualifiedValueShape`` with ``qualifiedMinCount``/``qualifiedMaxCount``, ``lessThan``,
``lessThanOrEquals``, ``equals``, ``disjoint``, ``min/maxInclusive``, ``min/maxExclusive``.
Anything else raises `UnsupportedShape`, so a shape is never silently ignored.

The store must hold the data plus the ontology axioms pyshacl mixes in (`kg.validation.shacl.inoculation`);
no inference is run, as with pyshacl in `kg.validation.shacl`. tests/kg/validation/test_engines.py checks that this
engine and pyshacl report the same results on the shape fixtures, the real data and mutations of it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox

from kg.errors import KgError, Violation
from kg.vocab import RDF, RDFS, SH, XSD

MAX_DEPTH = 12

# Lexical forms (XML Schema 1.1 part 2), so that "2016-13-45"^^xsd:date is reported as pyshacl does.
LEXICAL = {
    "date": r"^-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(Z|[+-][0-9]{2}:[0-9]{2})?$",
    "gYearMonth": r"^-?[0-9]{4,}-(0[1-9]|1[0-2])(Z|[+-][0-9]{2}:[0-9]{2})?$",
    "gYear": r"^-?[0-9]{4,}(Z|[+-][0-9]{2}:[0-9]{2})?$",
    "dateTime": r"^-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})?$",
    "integer": r"^[+-]?[0-9]+$",
    "nonNegativeInteger": r"^(\+?[0-9]+|-0+)$",
    "positiveInteger": r"^\+?0*[1-9][0-9]*$",
    "decimal": r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$",
    "boolean": r"^(true|false|1|0)$",
    "anyURI": r"^[^\s]*$",
}
# Oxigraph stores every integer-derived literal as xsd:integer ("994"^^xsd:nonNegativeInteger
# comes back as "994"^^xsd:integer), so inside a store sh:datatype for those types can only be
# checked on the value: an xsd:integer within the type's range passes, as the typed literal would.
INTEGER_DERIVED = {
    "nonNegativeInteger": ">= 0",
    "positiveInteger": "> 0",
    "nonPositiveInteger": "<= 0",
    "negativeInteger": "< 0",
    "long": ">= -9223372036854775808 && {v} <= 9223372036854775807",
    "int": ">= -2147483648 && {v} <= 2147483647",
    "short": ">= -32768 && {v} <= 32767",
    "byte": ">= -128 && {v} <= 127",
    "unsignedLong": ">= 0 && {v} <= 18446744073709551615",
    "unsignedInt": ">= 0 && {v} <= 4294967295",
    "unsignedShort": ">= 0 && {v} <= 65535",
    "unsignedByte": ">= 0 && {v} <= 255",
}
MARKER_PREFIX = "urn:tregua:datatype:"
"""Graphs recording, per integer datatype, the triples whose literal was written with it."""
INTEGER_TYPES = {XSD + "integer", *(XSD + t for t in INTEGER_DERIVED)}


def datatype_markers(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """Copies of the triples with integer-typed literals, in one marker graph per datatype.

    Oxigraph stores every integer subtype as xsd:integer, so the store alone cannot tell
    "14"^^xsd:integer from "14"^^xsd:nonNegativeInteger; these graphs keep what was written,
    so ``sh:datatype xsd:nonNegativeInteger`` is checked exactly as pyshacl checks it.
    """
    out = []
    for q in quads:
        o = q.object
        if isinstance(o, ox.Literal) and o.datatype.value in INTEGER_TYPES:
            graph = ox.NamedNode(MARKER_PREFIX + o.datatype.value[len(XSD) :])
            out.append(ox.Quad(q.subject, q.predicate, o, graph))
    return out


NODE_KINDS = {
    "IRI": "!isIRI({v})",
    "Literal": "!isLiteral({v})",
    "BlankNode": "!isBlank({v})",
    "BlankNodeOrIRI": "isLiteral({v})",
    "IRIOrLiteral": "isBlank({v})",
    "BlankNodeOrLiteral": "isIRI({v})",
}
PATH_ONLY = {
    SH + k
    for k in (
        "minCount",
        "maxCount",
        "uniqueLang",
        "qualifiedValueShape",
        "lessThan",
        "lessThanOrEquals",
        "equals",
        "disjoint",
        "hasValue",
    )
}
# SHACL terms that are not constraints (targets, metadata, parameters read with their constraint)
IGNORED = {
    SH + k
    for k in (
        "message", "severity", "name", "description", "order", "group", "defaultValue", "targetClass",
        "targetNode", "targetSubjectsOf", "targetObjectsOf", "property", "path", "deactivated",
        "qualifiedMinCount", "qualifiedMaxCount", "qualifiedValueShapesDisjoint", "flags",
    )
}


class UnsupportedShape(KgError):
    """A shape uses a SHACL feature this engine does not compile; use the pyshacl engine."""


Term = ox.NamedNode | ox.BlankNode | ox.Literal


def sparql_term(t: Term | ox.Triple) -> str:
    """A constant in SPARQL syntax (N-Triples syntax is valid SPARQL for IRIs and literals)."""
    if isinstance(t, ox.BlankNode):
        raise UnsupportedShape("a blank node used as a constant value (sh:hasValue/sh:in)")
    return str(t)


def _node(t: Term | ox.Triple) -> Term:
    """`t` as a node of the shapes graph. A triple term is none: it has no `.value` and no quads
    about it, so using it as such fails either way; this fails with a clear error."""
    if isinstance(t, ox.Triple):
        raise UnsupportedShape(f"a triple term used as a constraint value: {t}")
    return t


class _Vars:
    """Fresh variable names, so that nested EXISTS blocks never capture each other's variables."""

    def __init__(self) -> None:
        self._n = itertools.count()

    def new(self, stem: str = "v") -> str:
        return f"?{stem}{next(self._n)}"


@dataclass
class Pattern:
    """A graph pattern that matches iff the focus node breaks one constraint of `owner`."""

    component: str
    path: str | None
    value: str | None
    pattern: str
    owner: Term


@dataclass
class Check:
    """One compiled constraint: a SELECT returning ?this (and ?value) for every violation."""

    shape: Term
    component: str
    path: str | None
    severity: str
    message: str
    query: str
    has_value: bool
    target: Term | None = None
    """The targeted shape whose focus nodes the check reports (`shape` may be a nested one)."""


@dataclass
class Shapes:
    """The shapes graph, with helpers to read lists and single values."""

    graph: ox.Dataset

    def quads(self, s: Term) -> Iterator[ox.Quad]:
        """The quads about `s`; a literal is never a subject (pyoxigraph raises TypeError for one)."""
        if isinstance(s, ox.Literal):
            raise TypeError(f"a literal is never a subject: {s}")
        return self.graph.quads_for_subject(s)

    def values(self, s: Term, p: str) -> list[Term]:
        # (a shapes graph holds no triple terms)
        return [o for q in self.quads(s) if q.predicate.value == p and not isinstance(o := q.object, ox.Triple)]

    def value(self, s: Term, p: str) -> Term | None:
        got = self.values(s, p)
        return got[0] if got else None

    def items(self, head: Term) -> list[Term]:
        out: list[Term] = []
        node: Term | None = head
        while node is not None and node != ox.NamedNode(RDF + "nil"):
            first = self.value(node, RDF + "first")
            if first is None:
                break
            out.append(first)
            node = self.value(node, RDF + "rest")
        return out


def path_sparql(shapes: Shapes, path: Term) -> str:
    """A SHACL path as a SPARQL property path."""
    if isinstance(path, ox.NamedNode):
        return str(path)
    if isinstance(path, ox.Literal):
        raise UnsupportedShape(f"sh:path {path} is a literal")
    if shapes.value(path, RDF + "first") is not None:
        return "(" + "/".join(path_sparql(shapes, p) for p in shapes.items(path)) + ")"
    for key, fmt in (
        ("inversePath", "^({})"),
        ("zeroOrMorePath", "({})*"),
        ("oneOrMorePath", "({})+"),
        ("zeroOrOnePath", "({})?"),
    ):
        inner = shapes.value(path, SH + key)
        if inner is not None:
            return fmt.format(path_sparql(shapes, inner))
    alternatives = shapes.value(path, SH + "alternativePath")
    if alternatives is not None:
        return "(" + "|".join(path_sparql(shapes, p) for p in shapes.items(alternatives)) + ")"
    raise UnsupportedShape(f"unknown SHACL path {path}")


def _distinct(vs: list[str]) -> str:
    pairs = [f"!sameTerm({a}, {b})" for a, b in itertools.combinations(vs, 2)]
    return " && ".join(pairs) if pairs else "true"


class Compiler:
    """Turns shapes into violation patterns: graph patterns that match iff a node breaks a shape."""

    def __init__(self, shapes: Shapes) -> None:
        self.shapes = shapes
        self.vars = _Vars()

    def _values(self, this: str, path: str, n: int, prefix: str) -> tuple[list[str], str]:
        """`n` fresh variables and the pattern giving each a value of `path` (the counts' checks
        add `_distinct` of them)."""
        vs = [self.vars.new(prefix) for _ in range(n)]
        return vs, " . ".join(f"{this} {path} {x}" for x in vs)

    # -- conformance as a filter expression ------------------------------------------------

    def conforms(self, shape: Term, v: str, depth: int) -> str:
        """A SPARQL expression: true iff the node in `v` conforms to `shape`."""
        if depth > MAX_DEPTH:
            return "true"  # recursive shapes: stop unfolding (SHACL leaves recursion undefined)
        patterns = [p.pattern for p in self.node_patterns(shape, v, depth + 1)]
        if not patterns:
            return "true"
        return " && ".join(f"NOT EXISTS {{ {p} }}" for p in patterns)

    # -- violation patterns ------------------------------------------------------------------

    def node_patterns(self, shape: Term, v: str, depth: int) -> Iterator[Pattern]:
        """A violation pattern for each constraint of `shape` (and its property shapes) on node `v`."""
        sh = self.shapes
        if sh.value(shape, SH + "deactivated") == ox.Literal(True):
            return
        path_term = sh.value(shape, SH + "path")
        if path_term is not None:
            yield from self.property_patterns(shape, v, path_term, depth)
        else:
            for component, cond in self.value_conditions(shape, v, depth):
                yield Pattern(component, None, v, f"FILTER({cond})", shape)
        for prop in sh.values(shape, SH + "property"):
            if sh.value(prop, SH + "deactivated") == ox.Literal(True):
                continue
            path = sh.value(prop, SH + "path")
            if path is None:
                raise UnsupportedShape(f"property shape {prop} has no sh:path")
            yield from self.property_patterns(prop, v, path, depth)

    def value_conditions(
        self,
        shape: Term,
        v: str,
        depth: int,
        *,
        on_path: bool = False,
        this: str | None = None,
        predicate: str | None = None,
    ) -> Iterator[tuple[str, str]]:
        """(component, expression true iff value `v` violates it) for each per-value constraint.

        With `this` and `predicate` (a predicate path), integer-subtype datatypes are checked
        against the datatype markers (see `datatype_markers`), i.e. as the data was written.
        """
        sh = self.shapes
        for q in sorted(sh.quads(shape), key=str):
            key = q.predicate.value
            o = q.object
            if key in IGNORED or not key.startswith(SH) or (on_path and key in PATH_ONLY):
                continue
            name = key[len(SH) :]
            if key == SH + "hasValue":
                yield "HasValueConstraintComponent", f"!sameTerm({v}, {sparql_term(o)})"
            elif key == SH + "class":
                yield "ClassConstraintComponent", f"NOT EXISTS {{ {v} {RDF_TYPE_PATH} {sparql_term(o)} }}"
            elif key == SH + "datatype":
                dt = _node(o).value
                local = dt[len(XSD) :] if dt.startswith(XSD) else ""
                if local in INTEGER_DERIVED and this is not None and predicate is not None:
                    marker = f"<{MARKER_PREFIX}{local}>"
                    yield (
                        "DatatypeConstraintComponent",
                        f"!isLiteral({v}) || NOT EXISTS {{ GRAPH {marker} {{ {this} <{predicate}> {v} }} }}",
                    )
                else:
                    yield "DatatypeConstraintComponent", _datatype_violation(dt, v)
            elif key == SH + "nodeKind":
                kind = _node(o).value[len(SH) :]
                yield "NodeKindConstraintComponent", NODE_KINDS[kind].format(v=v)
            elif key == SH + "pattern":
                flags = sh.value(shape, SH + "flags")
                extra = f', "{_escape(flags.value)}"' if flags is not None else ""
                yield (
                    "PatternConstraintComponent",
                    f'isBlank({v}) || !REGEX(STR({v}), "{_escape(_node(o).value)}"{extra})',
                )
            elif key == SH + "minLength":
                yield "MinLengthConstraintComponent", f"isBlank({v}) || STRLEN(STR({v})) < {int(_node(o).value)}"
            elif key == SH + "maxLength":
                yield "MaxLengthConstraintComponent", f"isBlank({v}) || STRLEN(STR({v})) > {int(_node(o).value)}"
            elif key == SH + "languageIn":
                tags = [t.value for t in sh.items(_node(o))]
                any_match = " || ".join(f'langMatches(lang({v}), "{_escape(t)}")' for t in tags) or "false"
                yield "LanguageInConstraintComponent", f"!isLiteral({v}) || !({any_match})"
            elif key == SH + "in":
                members = " || ".join(f"sameTerm({v}, {sparql_term(t)})" for t in sh.items(_node(o))) or "false"
                yield "InConstraintComponent", f"!({members})"
            elif key in (SH + "minInclusive", SH + "maxInclusive", SH + "minExclusive", SH + "maxExclusive"):
                op = {"minInclusive": ">=", "maxInclusive": "<=", "minExclusive": ">", "maxExclusive": "<"}[
                    name
                ]
                comp = name[0].upper() + name[1:] + "ConstraintComponent"
                yield comp, f"COALESCE(!({v} {op} {sparql_term(o)}), true)"
            elif key == SH + "node":
                yield "NodeConstraintComponent", f"!({self.conforms(_node(o), v, depth)})"
            elif key == SH + "not":
                yield "NotConstraintComponent", f"({self.conforms(_node(o), v, depth)})"
            elif key == SH + "and":
                parts = " && ".join(f"({self.conforms(s, v, depth)})" for s in sh.items(_node(o)))
                yield "AndConstraintComponent", f"!({parts or 'true'})"
            elif key == SH + "or":
                parts = " || ".join(f"({self.conforms(s, v, depth)})" for s in sh.items(_node(o)))
                yield "OrConstraintComponent", f"!({parts or 'false'})"
            elif key == SH + "xone":
                counts = [f"IF({self.conforms(s, v, depth)}, 1, 0)" for s in sh.items(_node(o))]
                yield "XoneConstraintComponent", f"({' + '.join(counts) or '0'}) != 1"
            else:
                raise UnsupportedShape(
                    f"{shape} uses {key}, which the SPARQL engine does not compile",
                    hint="validate with the pyshacl engine (kg validate --engine pyshacl)",
                )

    def property_patterns(self, shape: Term, this: str, path_term: Term, depth: int) -> Iterator[Pattern]:
        """Violation patterns of one property shape, rooted at focus variable `this`."""
        for component, path_label, value, pattern in self._property_patterns(shape, this, path_term, depth):
            yield Pattern(component, path_label, value, pattern, shape)

    def _property_patterns(
        self, shape: Term, this: str, path_term: Term, depth: int
    ) -> Iterator[tuple[str, str | None, str | None, str]]:
        sh = self.shapes
        path = path_sparql(sh, path_term)
        path_label = _path_label(sh, path_term)
        val = self.vars.new("val")
        predicate = path_term.value if isinstance(path_term, ox.NamedNode) else None
        for component, cond in self.value_conditions(
            shape, val, depth, on_path=True, this=this, predicate=predicate
        ):
            yield component, path_label, val, f"{this} {path} {val} . FILTER({cond})"
        min_count = sh.value(shape, SH + "minCount")
        if min_count is not None and int(min_count.value) > 0:
            vs, triples = self._values(this, path, int(min_count.value), "c")
            yield (
                "MinCountConstraintComponent",
                path_label,
                None,
                f"FILTER NOT EXISTS {{ {triples} . FILTER({_distinct(vs)}) }}",
            )
        max_count = sh.value(shape, SH + "maxCount")
        if max_count is not None:
            vs, triples = self._values(this, path, int(max_count.value) + 1, "c")
            yield "MaxCountConstraintComponent", path_label, None, f"{triples} . FILTER({_distinct(vs)})"
        if sh.value(shape, SH + "uniqueLang") == ox.Literal(True):
            a, b = self.vars.new("l"), self.vars.new("l")
            yield (
                "UniqueLangConstraintComponent",
                path_label,
                None,
                f"{this} {path} {a} . {this} {path} {b} . "
                f'FILTER(!sameTerm({a}, {b}) && lang({a}) != "" && LCASE(lang({a})) = LCASE(lang({b})))',
            )
        for has in sh.values(shape, SH + "hasValue"):
            yield (
                "HasValueConstraintComponent",
                path_label,
                None,
                f"FILTER NOT EXISTS {{ {this} {path} {sparql_term(has)} }}",
            )
        for key, op in (("lessThan", "<"), ("lessThanOrEquals", "<=")):
            for other in sh.values(shape, SH + key):
                w = self.vars.new("w")
                comp = key[0].upper() + key[1:] + "ConstraintComponent"
                yield (
                    comp,
                    path_label,
                    val,
                    f"{this} {path} {val} . {this} {sparql_term(other)} {w} . "
                    f"FILTER(COALESCE(!({val} {op} {w}), true))",
                )
        for other in sh.values(shape, SH + "equals"):
            w = self.vars.new("w")
            yield (
                "EqualsConstraintComponent",
                path_label,
                val,
                f"{{ {this} {path} {val} FILTER NOT EXISTS {{ {this} {sparql_term(other)} {val} }} }} UNION "
                f"{{ {this} {sparql_term(other)} {val} FILTER NOT EXISTS {{ {this} {path} {val} }} }}",
            )
            del w
        for other in sh.values(shape, SH + "disjoint"):
            yield (
                "DisjointConstraintComponent",
                path_label,
                val,
                f"{this} {path} {val} . {this} {sparql_term(other)} {val}",
            )
        qualified = sh.value(shape, SH + "qualifiedValueShape")
        if qualified is not None:
            q_min = sh.value(shape, SH + "qualifiedMinCount")
            q_max = sh.value(shape, SH + "qualifiedMaxCount")
            if sh.value(shape, SH + "qualifiedValueShapesDisjoint") == ox.Literal(True):
                raise UnsupportedShape(f"{shape}: sh:qualifiedValueShapesDisjoint is not compiled")
            if q_min is not None and int(q_min.value) > 0:
                vs, body = self._values(this, path, int(q_min.value), "q")
                conds = " && ".join(f"({self.conforms(qualified, x, depth)})" for x in vs)
                yield (
                    "QualifiedMinCountConstraintComponent",
                    path_label,
                    None,
                    f"FILTER NOT EXISTS {{ {body} . FILTER({_distinct(vs)} && {conds}) }}",
                )
            if q_max is not None:
                vs, body = self._values(this, path, int(q_max.value) + 1, "q")
                conds = " && ".join(f"({self.conforms(qualified, x, depth)})" for x in vs)
                yield (
                    "QualifiedMaxCountConstraintComponent",
                    path_label,
                    None,
                    f"{body} . FILTER({_distinct(vs)} && {conds})",
                )


RDF_TYPE_PATH = f"<{RDF}type>/<{RDFS}subClassOf>*"


def _datatype_violation(dt: str, v: str) -> str:
    """True iff `v` is not a well-formed literal of datatype `dt` (as stored by Oxigraph)."""
    local = dt[len(XSD) :] if dt.startswith(XSD) else None
    if dt == RDF + "langString":
        return f'!isLiteral({v}) || lang({v}) = ""'
    if local in INTEGER_DERIVED:
        in_range = f"{v} {INTEGER_DERIVED[local].format(v=v)}"
        return (
            f"!isLiteral({v}) || !((datatype({v}) = <{dt}> || datatype({v}) = <{XSD}integer>) "
            f"&& COALESCE({in_range}, false))"
        )
    cond = f"!isLiteral({v}) || datatype({v}) != <{dt}>"
    if local in LEXICAL:
        cond += f' || !REGEX(STR({v}), "{_escape(LEXICAL[local])}")'
    return cond


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _path_label(shapes: Shapes, path: Term) -> str | None:
    """How the report names a path: the IRI of a predicate path, else None (as our reports do)."""
    return path.value if isinstance(path, ox.NamedNode) else None


def target_patterns(shapes: Shapes, shape: Term) -> list[str]:
    """Graph patterns binding ?this to each focus node of `shape`."""
    out = []
    for c in shapes.values(shape, SH + "targetClass"):
        out.append(f"?this {RDF_TYPE_PATH} {sparql_term(c)} .")
    for p in shapes.values(shape, SH + "targetSubjectsOf"):
        out.append(f"?this {sparql_term(p)} ?targetObject .")
    for p in shapes.values(shape, SH + "targetObjectsOf"):
        out.append(f"?targetSubject {sparql_term(p)} ?this .")
    for n in shapes.values(shape, SH + "targetNode"):
        out.append(f"VALUES ?this {{ {sparql_term(n)} }}")
    return out


def _message(shapes: Shapes, *nodes: Term) -> str:
    for node in nodes:
        messages = shapes.values(node, SH + "message")
        english = [m for m in messages if isinstance(m, ox.Literal) and m.language in ("en", None)]
        if english or messages:
            return (english or messages)[0].value
    return ""


def compile_shapes(shapes_quads: Iterable[ox.Quad]) -> list[Check]:
    """One Check per (targeted shape, constraint): the queries the engine runs."""
    dataset = ox.Dataset(ox.Quad(q.subject, q.predicate, q.object) for q in shapes_quads)
    shapes = Shapes(dataset)
    compiler = Compiler(shapes)
    targeted = sorted(
        {
            q.subject
            for q in dataset
            if q.predicate.value
            in (SH + "targetClass", SH + "targetSubjectsOf", SH + "targetObjectsOf", SH + "targetNode")
        },
        key=str,
    )
    checks = []
    for shape in targeted:
        if shapes.value(shape, SH + "deactivated") == ox.Literal(True):
            continue
        targets = target_patterns(shapes, shape)
        union = " UNION ".join(f"{{ {t} }}" for t in targets)
        focus = f"{{ SELECT DISTINCT ?this WHERE {{ {union} }} }}"
        for p in compiler.node_patterns(shape, "?this", 0):
            # SHACL: a shape's severity is its own sh:severity (default sh:Violation), never inherited
            severity = shapes.value(p.owner, SH + "severity")
            sev = severity.value[len(SH) :] if isinstance(severity, ox.NamedNode) else "Violation"
            projection = f"({p.value} AS ?value)" if p.value else ""
            query = f"SELECT DISTINCT ?this {projection} WHERE {{ {focus} {p.pattern} }}"
            checks.append(
                Check(
                    p.owner,
                    "sh:" + p.component,
                    p.path,
                    sev,
                    _message(shapes, p.owner, shape),
                    query,
                    bool(p.value),
                    shape,
                )
            )
    return checks


def run_checks(store: ox.Store, checks: list[Check], *, union: bool = True) -> list[Violation]:
    """Run compiled checks on a store (default graph = union of its graphs); sorted results."""
    out = []
    for check in checks:
        solutions = store.query(check.query, use_default_graph_as_union=union)
        if not isinstance(solutions, ox.QuerySolutions):
            raise TypeError(f"a compiled check is a SELECT: {check.query}")
        for row in solutions:
            value = row["value"] if check.has_value else None
            out.append(
                Violation(
                    focus_node=row["this"].value,
                    path=check.path,
                    constraint=check.component,
                    message=check.message,
                    severity=check.severity,
                    # blank nodes have no name worth reporting (as in kg.validation.shacl's pyshacl reports)
                    value=None if value is None or isinstance(value, ox.BlankNode) else str(value.value),
                    shape=check.shape.value if isinstance(check.shape, ox.NamedNode) else None,
                )
            )
    return sorted(out, key=lambda v: (v.severity, v.focus_node, v.path or "", v.constraint, v.message))
