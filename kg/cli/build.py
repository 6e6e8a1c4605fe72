"""`kg build` and `kg validate`: the sources to a checked store, or only the report."""

from __future__ import annotations

import argparse
import sys

from kg.cli.options import EXIT_FAILED, EXIT_OK, add_dirs, add_store, dirs, settings, store_path


def configure_build(p: argparse.ArgumentParser) -> None:
    add_store(p)
    add_dirs(p)
    add_engines(p)


def run_build(args: argparse.Namespace) -> int:
    from kg.build.pipeline import build
    from kg.store.serving import not_served

    inputs = dirs(args)
    config = settings()
    if config.backend == "sparql":
        from kg.build.pipeline import build_remote
        from kg.store.remote import SparqlEngine

        remote = SparqlEngine.from_settings(config)
        try:
            build_remote(remote, progress=not args.quiet, semantics=args.semantics, engine_name=args.engine,
                         shared_dir=inputs["shared_dir"], sources_dir=inputs["sources_dir"],
                         ontology_dir=inputs["ontology_dir"], shapes_dir=inputs["shapes_dir"],
                         extra_sources_dirs=inputs["extra_sources_dirs"])
        finally:
            remote.close()
        return EXIT_OK
    # Refused while a server serves the store: the swap would leave it serving the old directory
    # (its workers never reopen), and its next write would go to a store the journal's position
    # no longer describes. Held for the whole build, so no server starts half-way through it.
    with not_served(store_path(args), "build"):
        report = build(store_path(args), progress=not args.quiet, semantics=args.semantics,
                       engine=args.engine, shared_dir=inputs["shared_dir"], sources_dir=inputs["sources_dir"],
                       ontology_dir=inputs["ontology_dir"], shapes_dir=inputs["shapes_dir"],
                       extra_sources_dirs=inputs["extra_sources_dirs"])
    replayed = report.journal
    if args.quiet and replayed is not None and replayed.quarantine:
        # refused edits are news even to a quiet build: they wait in the quarantine file
        print(f"journal: {replayed.summary()}", file=sys.stderr)
        for item in replayed.quarantine:
            print(f"  quarantined {item}", file=sys.stderr)
    return EXIT_OK


def add_engines(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", choices=["pyshacl", "oxigraph"], default="pyshacl",
                   help="SHACL engine: pyshacl (reference) or the shapes compiled to SPARQL in Oxigraph "
                        "(same results, scales to millions of triples)")
    p.add_argument("--semantics", choices=["owlrl", "rdfs", "oxigraph"], default="owlrl",
                   help="inference filling graph/inferred: owlrl (OWL RL), rdfs (owlrl RDFS) or oxigraph "
                        "(RDFS rules on Oxigraph's indexes; same triples as owlrl here, far faster)")


def configure_validate(p: argparse.ArgumentParser) -> None:
    add_store(p)
    add_dirs(p)
    add_engines(p)
    p.add_argument("--source", metavar="SLUG", default=None,
                   help="report only the problems found in sources/SLUG.trig (the whole graph is still validated)")


def run_validate(args: argparse.Namespace) -> int:
    """Report every problem (checks and SHACL) once, with file and line, without touching any store.

    Exit 1 when any problem (of SLUG's file, with --source) is reported.
    """
    from kg.build.pipeline import check

    compiled = check(progress=not args.quiet, engine=args.engine, semantics=args.semantics, **dirs(args))
    problems = compiled.problems_of(args.source)
    for problem in problems:
        print(f"error: {problem.message}", file=sys.stderr)
        if problem.hint:
            print(f"  how to fix: {problem.hint}", file=sys.stderr)
    results = compiled.results_of(args.source)
    for line in compiled.result_lines(args.source):
        print(line)
    n_viol = sum(v.severity == "Violation" for v in results)
    n_warn = len(results) - n_viol
    scope = f" in source {args.source}" if args.source else ""
    print(f"{len(problems)} check problem(s), {n_viol} SHACL violation(s), {n_warn} warning(s){scope}",
          file=sys.stderr)
    return EXIT_FAILED if problems or n_viol else EXIT_OK
