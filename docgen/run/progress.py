"""How far a long run has got, told to whoever shows it (the command line draws a bar).

A run is a series of phases ("checking" 40 links, "rendering" 12 documents, "compiling PDFs"
12), each with a known total; `advance` is called as each unit is done, from the thread that
does it. The default, SILENT, shows nothing: library callers and tests pay nothing.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def phase(self, label: str, total: int) -> None:
        """A new phase of `total` units begins (the previous one is over)."""

    def advance(self, n: int = 1) -> None:
        """`n` more units of the current phase are done."""


class _Silent:
    def phase(self, label: str, total: int) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass


SILENT: Progress = _Silent()
