"""The budget of a link's symbolic work: CPU time of this process, enforced by SIGPROF.

Takes a number of seconds; gives a context manager that raises `Timeout` when they are spent.
"""

from __future__ import annotations

import signal
from contextlib import contextmanager
from typing import Iterator


class Timeout(Exception):
    """The per-link budget for symbolic work is spent."""


@contextmanager
def budget(seconds: float) -> Iterator[None]:
    """Raise Timeout after `seconds` of CPU time of this process (main thread only; elsewhere
    unbounded). CPU time, not wall time: a verdict must not depend on what else the machine
    runs; two busy processes beside the check slow it down but leave its budget as it was."""
    try:
        old = signal.signal(signal.SIGPROF, _alarm)
    except ValueError:  # not in the main thread
        yield
        return
    signal.setitimer(signal.ITIMER_PROF, max(seconds, 0.001))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, old)


def _alarm(signum, frame):  # noqa: ANN001
    raise Timeout()
