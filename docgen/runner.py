"""Runs the checks: link by link, in this process or in a pool of worker processes.

The unit of work is one chain link (or one worked example), so that one large derivation is
spread over all cores too. Claims are settled afterwards: most follow from their chains by
transitivity and need only their numeric check; the others are checked like steps.
"""

from __future__ import annotations

import multiprocessing
import resource
import time
import traceback
from collections import deque
from dataclasses import dataclass
from multiprocessing import connection as mp_connection
from typing import Any

from .model import Derivation
from .verdict import UNDECIDED, ExampleResult, Link, chain_links

HARD_MARGIN = 1.0  # seconds a worker may overrun a link's budget before it is killed
DEFAULT_MEMORY_MB = 4096  # address-space limit of a worker


@dataclass(frozen=True)
class Outcome:
    links: list[Link]
    example: ExampleResult | None
    problem: str  # the example could not be evaluated


Task = tuple[int, str, int]  # (derivation index, "link" | "claim" | "example", link index)

_STATE: dict[str, Any] = {}  # per worker: the derivations and a Checker per derivation


def _init(ders: list[Derivation], budget: float | None) -> None:
    _STATE.clear()
    _STATE.update(ders=ders, budget=budget, checkers={})


def _checker(i: int):  # noqa: ANN202
    from .check import Checker

    checkers = _STATE["checkers"]
    if i not in checkers:
        checkers[i] = Checker(_STATE["ders"][i], _STATE["budget"])
    return checkers[i]


def _run(task: Task, payload: Any = None) -> Any:
    i, kind, k = task
    if kind == "claim":  # payload: the part's checked chain
        checker = _checker(i)
        claim = checker.links()[k]
        if not checker.by_transitivity(claim, payload):
            checker.check(claim)
        return claim
    if kind == "example":
        from .example import evaluate_example

        try:
            return evaluate_example(_STATE["ders"][i]), ""
        except (ArithmeticError, ValueError, TypeError) as exc:
            return None, f"the example cannot be evaluated: {exc}"
    checker = _checker(i)
    return checker.check(checker.links()[k])


def _weight(der: Derivation) -> int:
    """A rough cost: exact checks grow quickly with the sizes."""
    total = 0
    for sizes in der.size_assignments():
        p = 1
        for v in sizes.values():
            p *= v
        total += p * p
    return total


def _limit(ders: list[Derivation], budget: float | None, task: Task) -> float:
    """Wall-clock seconds a task may take before its worker is killed: its budget plus one."""
    return (budget if budget is not None else ders[task[0]].check.budget) + HARD_MARGIN


def _fallback(ders: list[Derivation], task: Task, why: str) -> Any:
    """What a task that was stopped yields: an undecided link, or an unevaluated example."""
    i, kind, k = task
    if kind == "example":
        return None, f"the example could not be evaluated: {why}"
    link = chain_links(ders[i])[k]
    link.status = UNDECIDED
    link.evidence.append(why)
    return link


def run(ders: list[Derivation], budget: float | None, examples: bool, jobs: int,
        memory_mb: int = DEFAULT_MEMORY_MB) -> list[Outcome]:
    """Check every derivation; outcomes in the order of `ders`.

    Every task runs in a worker process with a memory limit and a wall-clock limit (the
    link's budget plus a second), so that SymPy stuck in C code cannot stall the run: the
    worker is killed, the link is "undecided", and the rest goes on in a fresh worker.
    """
    from . import check, example  # noqa: F401  (imported once here, inherited by forked workers)

    tasks: list[Task] = []
    for i, der in enumerate(ders):
        tasks.extend((i, "link", k) for k, link in enumerate(chain_links(der)) if link.kind != "claim")
        if examples and der.example is not None:
            tasks.append((i, "example", 0))
    _init(ders, budget)
    by_task = _supervise(ders, budget, tasks, jobs, memory_mb)

    # claims: most follow from their chains (then only their numeric check runs); the others
    # are checked like steps. Both in the workers, so that this process stays free.
    outcomes_links = []
    claims: list[Task] = []
    chains: dict[Task, list[Link]] = {}
    for i, der in enumerate(ders):
        links = chain_links(der)
        for k, link in enumerate(links):
            if (i, "link", k) in by_task:
                links[k] = by_task[(i, "link", k)]
        for k, link in enumerate(links):
            if link.kind == "claim":
                claims.append((i, "claim", k))
                chains[(i, "claim", k)] = [c for c in links if c.part == link.part and c.kind != "claim"]
        outcomes_links.append(links)
    if claims:
        by_task.update(_supervise(ders, budget, claims, jobs, memory_mb, chains))
        for task in claims:
            outcomes_links[task[0]][task[2]] = by_task[task]
    outcomes = []
    for i, links in enumerate(outcomes_links):
        worked, problem = by_task.get((i, "example", 0), (None, ""))
        outcomes.append(Outcome(links, worked, problem))
    return outcomes


def _supervise(ders: list[Derivation], budget: float | None, tasks: list[Task], jobs: int,
               memory_mb: int, payloads: dict[Task, Any] | None = None) -> dict[Task, Any]:
    """Run tasks on up to `jobs` worker processes, killing any that overruns its limit."""
    ctx = multiprocessing.get_context("fork")
    # the most expensive first, so that no worker is left with a long task at the end
    pending = deque(sorted(tasks, key=lambda t: -_weight(ders[t[0]])))
    results: dict[Task, Any] = {}
    workers: list[_Worker] = []
    try:
        while pending or any(w.task for w in workers):
            while pending and (len(workers) < max(jobs, 1) or any(w.task is None for w in workers)):
                idle = next((w for w in workers if w.task is None), None)
                if idle is None:
                    idle = _Worker(ctx, ders, budget, memory_mb)
                    workers.append(idle)
                task = pending.popleft()
                idle.start(task, _limit(ders, budget, task), (payloads or {}).get(task))
            busy = [w for w in workers if w.task is not None]
            timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            ready = mp_connection.wait([w.conn for w in busy], timeout=timeout)
            for w in busy:
                if w.conn in ready:
                    task, answer = w.receive()
                    if answer[0] == "ok":
                        results[task] = answer[1]
                    elif answer[0] == "bug":
                        raise RuntimeError(f"a docgen bug while checking {task}:\n{answer[1]}")
                    else:
                        results[task] = _fallback(ders, task, answer[1])
                    if w.dead:
                        workers.remove(w)
                elif time.monotonic() >= w.deadline:
                    task = w.task
                    w.kill()
                    workers.remove(w)
                    assert task is not None
                    limit = _limit(ders, budget, task)
                    results[task] = _fallback(ders, task, f"stopped after {limit:g} s (budget plus 1 s): "
                                                          "the worker was killed")
    finally:
        for w in workers:
            w.close()
    return results


class _Worker:
    """A forked process that runs tasks sent over a pipe, under a memory limit."""

    def __init__(self, ctx, ders: list[Derivation], budget: float | None, memory_mb: int):  # noqa: ANN001
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, ders, budget, memory_mb), daemon=True)
        self.proc.start()
        child.close()
        self.task: Task | None = None
        self.deadline = 0.0
        self.dead = False

    def start(self, task: Task, limit: float, payload: Any = None) -> None:
        self.task = task
        self.deadline = time.monotonic() + limit
        self.conn.send((task, payload))

    def receive(self) -> tuple[Task, tuple[str, Any]]:
        task, self.task = self.task, None
        assert task is not None
        try:
            return task, self.conn.recv()
        except (EOFError, OSError):
            self.dead = True
            self.close()
            return task, ("crashed", f"the worker died (exit code {self.proc.exitcode})")

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join()
        self.conn.close()

    def close(self) -> None:
        if self.proc.is_alive():
            try:
                self.conn.send(None)  # a polite stop
            except OSError:
                pass
            self.proc.join(timeout=1)
            if self.proc.is_alive():
                self.proc.kill()
                self.proc.join()
        self.conn.close()


def _worker_main(conn, ders: list[Derivation], budget: float | None, memory_mb: int) -> None:  # noqa: ANN001
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    _init(ders, budget)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
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
