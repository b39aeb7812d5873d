"""Errors that carry a location: every user mistake names its file and line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """A place in a source file (1-based line and column; 0 means unknown)."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line and self.column:
            return f"{self.path}:{self.line}:{self.column}"
        if self.line:
            return f"{self.path}:{self.line}"
        return self.path

    def shifted(self, offset: int) -> Location:
        """The location `offset` characters further along the same line."""
        if not self.column:
            return self
        return Location(self.path, self.line, self.column + offset)


class DocgenError(Exception):
    """A problem with the user's input; printed with its location, never a traceback."""

    exit_code = 2

    def __init__(self, message: str, location: Location | None = None):
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        if self.location is None:
            return self.message
        return f"{self.location}: {self.message}"


class LoadError(DocgenError):
    """The file cannot be read or is not valid YAML for a derivation."""


class ParseError(DocgenError):
    """An expression is not in docgen's math language."""


class ShapeError(DocgenError):
    """An expression combines operands of incompatible shapes."""


class ModelError(DocgenError):
    """The derivation is well-formed YAML but inconsistent (unknown names, bad references)."""


class ErrorGroup(DocgenError):
    """Several problems found in one pass, reported together."""

    def __init__(self, errors: list[DocgenError]):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


def raise_all(errors: list[DocgenError]) -> None:
    """Raise the collected problems, if any: one error alone, several as a group."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ErrorGroup(errors)
