"""A real reasoner and a real profile checker over our graphs, through the Java that owlready2 drives.

HermiT (shipped inside owlready2) decides consistency; the OWL API bundled in the same jar
checks the OWL 2 DL profile (ProfileCheck.java, run in Java's single-file source mode).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import owlready2
import pyoxigraph as ox

HERMIT_JAR = Path(owlready2.__file__).parent / "hermit" / "HermiT.jar"
PROFILE_CHECK = Path(__file__).parent / "ProfileCheck.java"


class Inconsistent(Exception):
    """HermiT found no model: some node is asserted into disjoint classes or the like."""


def write_ntriples(quads: list[ox.Quad], path: Path) -> Path:
    """The triples of `quads` (graph names dropped) as an N-Triples file owlready2 and the OWL API read."""
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    path.write_bytes(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"")
    return path


def hermit(path: Path, *, ignore_unsupported_datatypes: bool = True) -> list[str]:
    """Run HermiT on the file: the unsatisfiable classes, or Inconsistent if there is no model at all.

    Dates in the data are xsd:gYear/xsd:gYearMonth/xsd:date, outside the OWL 2 datatype map that
    HermiT implements; with ``ignore_unsupported_datatypes`` HermiT treats those literals as opaque
    values, which is what the ontology intends (their ranges are left open; SHACL checks them).
    Raises owlready2.OwlReadyJavaError when HermiT itself fails (e.g. on such a datatype without
    the flag).
    """
    world = owlready2.World()
    try:
        world.get_ontology(path.as_uri()).load()
        try:
            owlready2.sync_reasoner_hermit(
                world, debug=0, ignore_unsupported_datatypes=ignore_unsupported_datatypes)
        except owlready2.OwlReadyInconsistentOntologyError as e:
            raise Inconsistent(str(e)) from e
        return sorted(c.iri for c in world.inconsistent_classes())
    finally:
        world.close()


def java_can_run_source_files() -> bool:
    """Single-file source mode needs the JDK's compiler module, absent from a bare JRE."""
    java = shutil.which("java")
    if java is None:
        return False
    modules = subprocess.run([java, "--list-modules"], capture_output=True, text=True, check=False).stdout
    return "jdk.compiler" in modules


def owl2_dl_violations(path: Path) -> tuple[int, list[str]]:
    """Exit code and violation lines of the OWL API's OWL 2 DL profile check on an RDF file."""
    done = subprocess.run(
        ["java", "-cp", str(HERMIT_JAR), str(PROFILE_CHECK), str(path)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    if done.returncode not in (0, 1):
        raise RuntimeError(f"profile check failed to run:\n{done.stdout}\n{done.stderr}")
    return done.returncode, [line for line in done.stdout.splitlines() if line.startswith("VIOLATION")]
