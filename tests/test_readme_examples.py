"""Every shell example in README.md and docs/*.md runs as written, against a real server.

The convention (also in docs/testing.md, "Shell examples in the documentation"):

- Examples are the fenced blocks tagged ```sh, ```bash or ```console, and untagged blocks that
  contain `$ ` prompts. ```text blocks are never run (use them for transcripts that show a failure).
- In a block with `$ ` prompts, only the prompted lines are commands (a command goes on over the
  next lines while a quote is open or a line ends with `\\`); the other lines are the output
  shown, and are not compared. In a block without prompts, every line is a command (`#` comments
  and blank lines skipped, `\\` continues a line).
- A block is skipped when the line before its fence is `<!-- not run by tests: why -->`.
  Commands that run `make` (`KG_…=… make serve` too), `pytest` or `bench/` are never run: they are the
  suite and the benchmarks themselves, or `make serve`, whose server this test provides.
- Each command runs with `bash -e -o pipefail` in the repository's root, as a reader's shell would
  (the venv is not on PATH: write `.venv/bin/kg`), with `http://127.0.0.1:8000` replaced by the
  test server's URL, `KG_UPDATE_TOKEN` set to the server's write token (an assignment
  `KG_UPDATE_TOKEN=…` in the example gets that token too) and `KG_STORE` a built store. It must
  exit 0 within 120 s, and curl must not have sent an empty body for a missing `@file`.
- Every curl example says `--fail` (`-f`), so that an HTTP error is a non-zero exit for the
  reader as for the test, or prints the status itself (`-w '%{http_code}'`, for an example that
  shows a refusal).
- Heredocs are not supported: keep each example one command (or a few).

The server is one of its own, since the examples write (an update, a graph-store PUT).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import SHARED_DIR, UPDATE_TOKEN, Server

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
DOC_URL = "http://127.0.0.1:8000"
SHELL_TAGS = {"sh", "bash", "console", "shell"}
_FENCE = re.compile(r"^\s*```\s*([\w+-]*)\s*$")
_SKIP = re.compile(r"<!--\s*not run by tests\b")
_CURL = re.compile(r"(^|[\s;&|(])curl\s")
_CHECKED = re.compile(r"\s(--fail|--fail-with-body|-[a-zA-Z]*f[a-zA-Z]*)(?=\s)|%\{http_code\}")
_TOKEN_SET = re.compile(r"\bKG_UPDATE_TOKEN=[^\s;&|]*")
_NEVER = re.compile(r"(^|[\s;&|(])make(\s|$)|\bpytest\b|\bbench/")


@dataclass(frozen=True)
class Example:
    """One command, and where it is written."""

    source: str
    line: int
    command: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}"


def _complete(command: str) -> bool:
    if command.rstrip().endswith("\\"):
        return False
    try:
        shlex.split(command, comments=True)
    except ValueError:  # a quote is still open
        return False
    return True


def _commands(lines: list[str], first_line: int) -> list[tuple[int, str]]:
    """The commands of one block's lines (`first_line` is the line number of lines[0])."""
    indent = min((len(x) - len(x.lstrip()) for x in lines if x.strip()), default=0)
    lines = [x[indent:] for x in lines]
    prompted = any(x.startswith("$ ") for x in lines)
    out: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        start = i
        if prompted:
            if not line.startswith("$ "):
                i += 1
                continue
            command = line[2:]
        else:
            if not line.strip() or line.lstrip().startswith("#"):
                i += 1
                continue
            command = line
        while not _complete(command) and i + 1 < len(lines):
            i += 1
            command += "\n" + lines[i]
        out.append((first_line + start, command))
        i += 1
    return out


def examples_in(text: str, source: str) -> list[Example]:
    """The shell examples of a Markdown text, by the convention in this module's docstring.

    >>> doc = '''Run:
    ... ```sh
    ... curl -s http://127.0.0.1:8000/health   # liveness
    ... make serve
    ... ```
    ... <!-- not run by tests: needs a browser -->
    ... ```sh
    ... xdg-open http://127.0.0.1:8000/
    ... ```
    ... ```
    ... $ kg query 'SELECT *
    ... WHERE { ?s ?p ?o }'
    ... s,p,o
    ... ```
    ... '''
    >>> [(e.line, e.command) for e in examples_in(doc, "doc.md")]
    [(3, 'curl -s http://127.0.0.1:8000/health   # liveness'), (11, "kg query 'SELECT *\\nWHERE { ?s ?p ?o }'")]
    """
    lines = text.splitlines()
    found: list[Example] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        end = i + 1
        while end < len(lines) and not re.match(r"^\s*```\s*$", lines[end]):
            end += 1
        body = lines[i + 1:end]
        before = next((x for x in reversed(lines[:i]) if x.strip()), "")
        tag = m.group(1).lower()
        is_shell = tag in SHELL_TAGS or (tag == "" and any(x.lstrip().startswith("$ ") for x in body))
        if is_shell and not _SKIP.search(before):
            found += [Example(source, n, c) for n, c in _commands(body, i + 2) if not _NEVER.search(c)]
        i = end + 1
    return found


EXAMPLES = [e for path in DOCUMENTS for e in examples_in(path.read_text(encoding="utf-8"), path.name)]


@pytest.fixture(scope="module")
def examples_server(make_server: Callable[..., Server]) -> Server:
    return make_server()


def _environment(store: Path, home: Path) -> dict[str, str]:
    venv_bin = str(Path(sys.executable).parent)
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p != venv_bin)
    return {**os.environ, "PATH": path, "VIRTUAL_ENV": "",
            "KG_UPDATE_TOKEN": UPDATE_TOKEN, "KG_STORE": str(store), "KG_SHARED_DIR": str(SHARED_DIR),
            "CURL_HOME": str(home)}  # no ~/.curlrc of the machine's


def test_the_documents_have_examples() -> None:
    """The README shows the endpoint with curl: if none were found, the extraction is broken."""
    readme = [e for e in EXAMPLES if e.source == "README.md"]
    assert sum(DOC_URL in e.command for e in readme) >= 3, readme


def test_curl_examples_fail_on_http_errors() -> None:
    unchecked = [f"{e}: {e.command}" for e in EXAMPLES if _CURL.search(e.command) and not _CHECKED.search(e.command)]
    assert not unchecked, "curl examples without --fail (add it, or print the status with -w):\n" + "\n".join(unchecked)


def test_documented_shell_examples_run(examples_server: Server, built_store: Path,
                                       tmp_path: Path) -> None:
    env = _environment(built_store, tmp_path)
    failures = []
    for example in EXAMPLES:
        command = example.command.replace(DOC_URL, examples_server.url)
        command = _TOKEN_SET.sub(f"KG_UPDATE_TOKEN={UPDATE_TOKEN}", command)
        proc = subprocess.Popen(["bash", "-e", "-o", "pipefail", "-c", command], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            _, stderr = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)  # the command and everything it started (a server left running...)
            proc.communicate()
            failures.append(f"{example}: timed out after 120 s\n  $ {example.command}")
            continue
        done = subprocess.CompletedProcess(proc.args, proc.returncode, b"", stderr)
        if b"Couldn't read data from file" in done.stderr:
            failures.append(f"{example}: curl sent an empty body for a file that does not exist\n"
                            f"  $ {example.command}")
        elif done.returncode != 0:
            failures.append(f"{example}: exit {done.returncode}\n  $ {example.command}\n"
                            f"  {done.stderr.decode(errors='replace')[-600:]}")
    assert not failures, "documented commands that fail as written:\n" + "\n".join(failures)


def test_the_convention_as_documented() -> None:
    """The docstring of `examples_in` is the convention's worked example: it must hold."""
    import doctest

    result = doctest.testmod(sys.modules[__name__], verbose=False)
    assert result.attempted >= 2 and result.failed == 0


def test_make_serve_listens_where_the_settings_say() -> None:
    """The README's settings table says KG_HOST/KG_PORT/KG_STORE decide where `make serve` listens."""
    env = {**os.environ, "KG_HOST": "127.0.0.2", "KG_PORT": "8123", "KG_STORE": "/tmp/somewhere"}
    for name in ("HOST", "PORT", "STORE"):
        env.pop(name, None)
    plan = subprocess.run(["make", "-n", "serve"], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert "serve --host 127.0.0.2 --port 8123 --store /tmp/somewhere" in plan.stdout, plan.stdout
