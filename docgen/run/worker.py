"""What runs inside a worker process: the derivations it was given, a Checker per derivation,
and the loop that runs the tasks sent over its pipe (runner.py and handle.py start, feed and
stop these processes). The first worker started early is a zygote: it imports the checker,
receives the derivations and forks the other early workers, which share both.
"""

from __future__ import annotations

import gc
import os
import resource
import signal
import sys
import time
import traceback
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..model.derivation import Derivation
    from ..check.verdict import Link

Task = tuple[int, str, int]  # (derivation index, "link" | "claim" | "example", link index)
Verdict = tuple[str, list, list, Any, float]  # status, sizes, evidence, witness, seconds

_STATE: dict[str, Any] = {}  # per worker: the derivations and a Checker per derivation


def _init(ders: list[Derivation], budget: float | None) -> None:
    _STATE.clear()
    _STATE.update(ders=ders, budget=budget, checkers={})


def _checker(i: int):  # noqa: ANN202
    from ..check.checker import Checker

    checkers = _STATE["checkers"]
    if i not in checkers:
        checkers[i] = Checker(_STATE["ders"][i], _STATE["budget"])
    return checkers[i]


def verdict_of(link: Link) -> Verdict:
    return link.status, link.sizes, link.evidence, link.witness, link.seconds


def apply_verdict(link: Link, v: Verdict) -> Link:
    link.status, link.sizes, link.evidence, link.witness, link.seconds = v
    return link


def _run(task: Task, payload: Any = None) -> Any:
    i, kind, k = task
    if kind == "claim":  # payload: the verdicts of the part's chain, by link index
        checker = _checker(i)
        links = checker.links()
        for j, v in payload.items():
            apply_verdict(links[j], v)
        claim = links[k]
        if not checker.by_transitivity(claim, [links[j] for j in sorted(payload)]):
            checker.check(claim)
        return verdict_of(claim)
    if kind == "example":
        from ..check.example import evaluate_example

        computed: dict = {}  # payload: values of expressions known from an earlier evaluation
        try:
            return evaluate_example(_STATE["ders"][i], payload, computed), "", computed
        except (ArithmeticError, ValueError, TypeError) as exc:
            return None, f"the example cannot be evaluated: {exc}", {}
    checker = _checker(i)
    return verdict_of(checker.check(checker.links()[k]))


_soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
_MAX_FD = _soft if 0 < _soft < 1 << 20 else 1 << 20  # file descriptors a worker may hold


def _limit_memory(memory_mb: int) -> None:
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        # under a hard limit already (`ulimit -v`), the worker may lower its soft limit but not
        # raise the hard one: stay within it instead of dying at start
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _bound_to_parent() -> None:
    """Die with the process that started this one. A worker busy in a long SymPy computation
    reads no pipe, so it would not see its parent's end for up to a budget (minutes), holding
    the terminal's pipes: on Linux the kernel sends it SIGKILL when the parent ends
    (PR_SET_PDEATHSIG); a parent that ended before that was set is noticed here. Ctrl-C reaches
    the whole process group: only the parent answers it (and stops the workers)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):
            pass  # no prctl: the worker still ends at EOF on its pipe
    if os.getppid() != parent:
        os._exit(0)


def _worker_main(conn, ders: list[Derivation] | None, budget: float | None, memory_mb: int) -> None:  # noqa: ANN001
    _bound_to_parent()
    _limit_memory(memory_mb)
    if ders is None:  # started early: import the checker while the parent loads the files
        from ..check import checker as check  # noqa: F401
        from ..check import example
    _serve(conn, ders, budget, memory_mb)


def _early_main(conns: list, budget: float | None, memory_mb: int) -> None:
    """The first early worker: imports the checker, receives the derivations, forks the other
    early workers (they share the import and the derivations, unpickled once), then works like
    any other."""
    _bound_to_parent()
    _limit_memory(memory_mb)
    from ..check import checker as check  # noqa: F401
    from ..check import example

    ders = None
    if len(conns) > 1:
        ders = _receive_ders(conns[0])
        if ders is None:
            return
    # what it imported and was given lives as long as the run, and is shared with the workers
    # forked next: frozen, no collection writes to those objects, so their pages stay shared
    # instead of being copied by each worker's first full collection (about 3,000 page copies
    # and 0.15 s of CPU per worker for 500 derivations)
    gc.freeze()
    children = []
    for conn in conns[1:]:
        pid = os.fork()
        if pid == 0:
            try:
                _bound_to_parent()  # the zygote: it dies with docgen, these die with it
                # only its own pipe: no copy of another worker's, or of the zygote's sentinel,
                # may keep them open after their ends are closed
                keep = conn.fileno()
                os.closerange(3, keep)
                os.closerange(keep + 1, _MAX_FD)
                conn.send(("pid", os.getpid()))
                _serve(conn, ders, budget, memory_mb)
            finally:
                os._exit(0)
        children.append(pid)
        conn.close()
    _serve(conns[0], ders, budget, memory_mb)
    _reap(children)


def _reap(pids: list[int], seconds: float = 1.0) -> None:
    """Wait (a little) for the workers the zygote forked, which are stopped before it: reaped
    here, their CPU time counts in this process's children, and so in the run's."""
    end = time.monotonic() + seconds
    pending = set(pids)
    while pending:
        for pid in list(pending):
            try:
                if os.waitpid(pid, os.WNOHANG)[0]:
                    pending.discard(pid)
            except ChildProcessError:
                pending.discard(pid)
        if pending:
            if time.monotonic() >= end:
                return
            time.sleep(0.005)


def _receive_ders(conn) -> list[Derivation] | None:  # noqa: ANN001
    """The derivations a worker started early is given first; None if it is to stop instead."""
    try:
        message = conn.recv()
    except (EOFError, OSError):
        return None
    return message[1] if isinstance(message, tuple) and message[0] == "ders" else None


def _serve(conn, ders: list[Derivation] | None, budget: float | None, memory_mb: int) -> None:  # noqa: ANN001
    """Run tasks from `conn` until told to stop. A worker started early first receives the
    derivations: those to check ("ders"), or all that were loaded followed by which of them to
    check ("pick")."""
    if ders is None:
        ders = _receive_ders(conn)
        if ders is None:
            return
    _init(ders, budget)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        if message[0] in ("ders", "pick"):  # all were offered: now the ones to check
            _init(message[1] if message[0] == "ders" else [ders[k] for k in message[1]], budget)
            continue
        task, payload = message
        try:
            answer: tuple[str, Any] = ("ok", _run(task, payload))
        except MemoryError:
            answer = ("memory", f"memory budget of {memory_mb} MB exceeded")
        except Exception:  # a bug in docgen: shown with its traceback by the parent
            answer = ("bug", traceback.format_exc())
        try:
            conn.send(answer)
        except (OSError, ValueError):
            return
