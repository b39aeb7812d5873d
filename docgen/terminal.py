"""A progress bar on the terminal for runs longer than a second (used by the command line).

Shown only when the stream is a terminal (not a pipe, a file or CI's log) and TERM is not
"dumb", and only once a run has lasted `delay` seconds: short runs print exactly what they
printed before. Drawn with rich, imported only then. The bar is redrawn from the thread that
reports progress, never from a thread of its own: the checker forks worker processes during
the run, and a fork must not catch another thread holding the terminal's lock. The bar is
erased when the run ends, so that the summary lines stand alone.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from typing import IO, Any, Callable, Iterator

from .run.progress import SILENT, Progress

DELAY = 1.0  # seconds a run lasts before its bar appears


def wants_progress(stream: IO[str]) -> bool:
    """Whether a bar belongs on `stream`: an interactive terminal that can redraw a line."""
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):  # closed or not a real stream
        return False
    return tty and os.environ.get("TERM", "") != "dumb"


class TerminalProgress:
    """Progress as a rich bar on `stream`, appearing after `delay` seconds."""

    def __init__(self, stream: IO[str], delay: float = DELAY,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream, self.delay, self.clock = stream, delay, clock
        self.began = clock()
        self.label, self.total, self.done = "", 0, 0
        self.bar: Any = None  # rich.progress.Progress, once shown
        self.task: Any = None

    def phase(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, total, 0
        self._draw()

    def advance(self, n: int = 1) -> None:
        self.done += n
        self._draw()

    def _draw(self) -> None:
        if self.bar is None:
            if self.clock() - self.began < self.delay or not self.total:
                return
            self._show()
        self.bar.update(self.task, description=self.label, total=self.total,
                        completed=min(self.done, self.total))
        self.bar.refresh()

    def _show(self) -> None:
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn,
                                   TimeElapsedColumn)

        console = Console(file=self.stream, highlight=False, force_terminal=True)
        self.bar = Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                       TimeElapsedColumn(), console=console, transient=True, auto_refresh=False,
                       redirect_stdout=False, redirect_stderr=False)
        self.bar.start()
        self.task = self.bar.add_task(self.label, total=self.total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


@contextmanager
def terminal_progress(stream: IO[str], enabled: bool = True) -> Iterator[Progress]:
    """A bar on `stream` if it is a terminal (and `enabled`), else SILENT; erased at the end."""
    if not (enabled and wants_progress(stream)):
        yield SILENT
        return
    progress = TerminalProgress(stream)
    try:
        yield progress
    finally:
        progress.close()
