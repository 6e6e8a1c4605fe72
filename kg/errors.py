"""The core's own errors. Each says what is wrong and how to fix it; `api/errors.py` maps each
to its own HTTP status, so a broken store never looks like the client's fault."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class KgError(Exception):
    """Base class of every error the core raises on purpose."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class BadRequest(KgError):
    """The caller sent something malformed (a parameter, a document, a format)."""


class QuerySyntaxError(BadRequest):
    """A SPARQL query or update did not parse; carries the parser's message and position."""

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message, hint="check the SPARQL syntax at the position given")
        self.line = line
        self.column = column


class ServiceRefused(BadRequest):
    """A query or update names a SERVICE endpoint the operator did not allow (`kg.service`)."""

    def __init__(self, message: str, *, hint: str | None = None, line: int | None = None,
                 column: int | None = None) -> None:
        super().__init__(message, hint=hint)
        self.line = line
        self.column = column


class ParameterError(BadRequest):
    """A canned-query or API parameter is missing or of the wrong type."""

    def __init__(self, name: str, message: str, *, expected: str = "", example: str = "") -> None:
        super().__init__(message, hint=f"expected {expected}, e.g. {example}" if expected else None)
        self.name = name
        self.expected = expected
        self.example = example


class UnsupportedFormat(BadRequest):
    """No serialisation fits what was asked for; `offered` lists what would."""

    def __init__(self, message: str, *, offered: list[str]) -> None:
        super().__init__(message, hint="ask for one of: " + ", ".join(offered))
        self.offered = offered


class NotFound(KgError):
    """Nothing by that name; `suggestions` holds the closest names, when there are any."""

    def __init__(self, message: str, *, suggestions: list[str] | None = None) -> None:
        super().__init__(message)
        self.suggestions = suggestions or []


class Unauthorized(KgError):
    """A write came without credentials."""


class Forbidden(KgError):
    """A write came with wrong credentials, or writes are switched off."""


@dataclass
class Violation:
    """One SHACL result, flattened for people and JSON."""

    focus_node: str
    path: str | None
    constraint: str
    message: str
    severity: str = "Violation"
    value: str | None = None
    shape: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


class ValidationFailed(KgError):
    """Data broke the shapes; nothing was written. `report_turtle` is the full SHACL report."""

    def __init__(self, violations: list[Violation], *, report_turtle: str = "") -> None:
        first = violations[0] if violations else None
        msg = f"{len(violations)} SHACL violation(s)"
        if first is not None:
            msg += f"; first: {first.focus_node} {first.path or ''}: {first.message}"
        super().__init__(msg, hint="fix the data so that it conforms to the shapes in shapes/")
        self.violations = violations
        self.report_turtle = report_turtle


class WriteConflict(KgError):
    """Another process committed to a shared (remote) store between this write's validation and
    its commit, so nothing was written (409)."""


class QueryTimeout(KgError):
    """A query ran past its time limit and was stopped."""


class ResultTooLarge(KgError):
    """A non-streamed result would exceed the configured maximum."""


class Overloaded(KgError):
    """Every query worker is busy and the queue of waiting queries is full (503, Retry-After):
    shed at once rather than wait without bound."""


class StoreUnavailable(KgError):
    """The store could not be opened or read: the server's fault, not the client's."""


class StoreLocked(StoreUnavailable):
    """Another process holds the store read-write (RocksDB allows one writer)."""


@dataclass
class SourceLocation:
    """Where in a file a build problem sits."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        out = self.file
        if self.line is not None:
            out += f":{self.line}"
            if self.column is not None:
                out += f":{self.column}"
        return out


class BuildError(KgError):
    """The build stopped: names the file and line (or the node and rule) and how to fix it."""

    def __init__(self, message: str, *, where: SourceLocation | None = None, hint: str | None = None,
                 details: list[str] | None = None) -> None:
        super().__init__(f"{where}: {message}" if where else message, hint=hint)
        self.where = where
        self.details = details or []
