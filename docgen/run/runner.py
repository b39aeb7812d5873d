"""Runs the checks: link by link, in a pool of worker processes.

The unit of work is one chain link (or one worked example), so that one large derivation is
spread over all cores too. A claim is dispatched as soon as the links of its chain are known:
most follow from their chains by transitivity and need only their numeric check; the others
are checked like steps. There is no barrier between links and claims, and a worker lives for
the whole run. Only verdicts travel between processes (the workers have the derivations from
the fork, or, for a worker started before loading, from one pickled message), never trees.

Here: what is still to check and what waits for what (_Progress), the workers started early,
and the loop that feeds the workers (_supervise). The order of the tasks is queue.py's, this
process's handle on a worker process is handle.py's, and what runs inside one is worker.py's.
Nothing here imports SymPy: `run` imports the checker only when no early worker has.
"""

from __future__ import annotations

import atexit
import multiprocessing
import time
from dataclasses import dataclass, field
from multiprocessing import connection as mp_connection
from typing import Any, Callable

from .cache import Hit
from .handle import WorkerHandle, by_zygote_first
from .queue import TaskQueue
from ..model.derivation import Derivation
from ..check.verdict import UNDECIDED, ExampleResult, Link, chain_links
from .worker import Task, Verdict, _early_main, _init, apply_verdict, verdict_of

# A link's budget counts CPU time (check/checker.py: budget); its worker is killed only if it has
# not answered after WALL_FACTOR times the budget plus HARD_MARGIN of wall time (SymPy or NumPy
# stuck in C code, where no signal reaches it): room for a machine that runs other work too
WALL_FACTOR = 3.0
HARD_MARGIN = 1.0
DEFAULT_MEMORY_MB = 4096  # address-space limit of a worker


@dataclass(frozen=True)
class Outcome:
    links: list[Link]
    example: ExampleResult | None
    problem: str  # the example could not be evaluated
    values: dict = field(default_factory=dict)  # the example's value of each expression


def _limit(ders: list[Derivation], budget: float | None, task: Task) -> float:
    """Wall-clock seconds a task may take before its worker is killed: three times its budget
    (of CPU time) plus one."""
    return WALL_FACTOR * (budget if budget is not None else ders[task[0]].check.budget) + HARD_MARGIN


def _fallback(task: Task, why: str) -> Any:
    """What a task that was stopped yields: an undecided link, or an unevaluated example."""
    if task[1] == "example":
        return None, f"the example could not be evaluated: {why}", {}
    return UNDECIDED, [], [why], None, 0.0


def run(ders: list[Derivation], budget: float | None, examples: bool, jobs: int,
        memory_mb: int = DEFAULT_MEMORY_MB, known: list[Hit | None] | None = None,
        finished: Callable[[int, Outcome], None] | None = None,
        meanwhile: Callable[[], None] | None = None,
        tick: Callable[[], None] | None = None) -> list[Outcome]:
    """Check every derivation; outcomes in the order of `ders`.

    `known[i]` lists what is already known of `ders[i]` (cached verdicts): only the rest is
    checked. `finished(i, outcome)` is called as soon as everything of `ders[i]` is known, while
    other derivations are still being checked; `meanwhile()` once, after the first tasks are
    handed out, while the workers work. Every task runs in a worker process with a
    memory limit and a wall-clock limit (three times the link's budget plus a second), so that SymPy stuck
    in C code cannot stall the run: the worker is killed, the link is "undecided", and the rest
    goes on in a fresh worker. `tick()` is called as each task (a link or an example) is done.
    """
    if not _EARLY.get("workers"):
        from ..check import checker as check  # noqa: F401  (imported once here, inherited by forked workers)
        from ..check import example

    known = known or [None] * len(ders)
    progress = _Progress(ders, known, examples, finished, tick)
    start = progress.startable(known)
    progress.finish_unchecked()
    if start:
        _init(ders, budget)
        _supervise(ders, budget, start, jobs, memory_mb, progress.done, meanwhile)
    return [progress.outcome(i) for i in range(len(ders))]


class _Progress:
    """What is known of each derivation and what is still to check: the tasks to run, the
    claims waiting for the links of their chains, and how many tasks each derivation has left.
    `done` records a result and returns the claims it makes ready; `finished(i, outcome)` is
    called once everything of derivation i is known, `tick()` after each task."""

    def __init__(self, ders: list[Derivation], known: list[Hit | None], examples: bool,
                 finished: Callable[[int, Outcome], None] | None,
                 tick: Callable[[], None] | None = None):
        self.finished = finished
        self.tick = tick
        self.links_of = [chain_links(der) for der in ders]
        self.examples_of: dict[int, tuple[ExampleResult | None, str, dict]] = {}
        self.tasks: list[Task] = []
        self.chains: dict[Task, list[int]] = {}  # claim -> its chain's link indices
        # a link still to check -> the claims waiting for it
        self.blocks: dict[tuple[int, int], list[Task]] = {}
        # claim -> how many of its chain's links are still to check
        self.waiting: dict[Task, int] = {}
        for i, der in enumerate(ders):
            self._plan(i, der, known[i], examples)
        self.left = [0] * len(ders)  # tasks still to run, per derivation
        for task in [*self.tasks, *self.waiting]:
            self.left[task[0]] += 1

    def _plan(self, i: int, der: Derivation, kn: Hit | None, examples: bool) -> None:
        """Derivation i's tasks: every link not known yet (a claim waits for its chain), then
        its example."""
        links = self.links_of[i]
        if kn is not None:
            for k, link in kn.links.items():
                links[k] = link
            if kn.has_example:
                self.examples_of[i] = (kn.example, "", kn.values)
        for k, link in enumerate(links):
            if kn is not None and k in kn.links:
                continue
            if link.kind != "claim":
                self.tasks.append((i, "link", k))
            else:
                self._wait_for_chain((i, "claim", k), kn)
        if examples and der.example is not None and i not in self.examples_of:
            self.tasks.append((i, "example", 0))

    def _wait_for_chain(self, claim: Task, kn: Hit | None) -> None:
        """The claim waits for the links of its part's chain that are not known yet."""
        i, _, k = claim
        links = self.links_of[i]
        part = links[k].part
        self.chains[claim] = [j for j, c in enumerate(links) if c.part == part and c.kind != "claim"]
        todo = [j for j in self.chains[claim] if kn is None or j not in kn.links]
        self.waiting[claim] = len(todo)
        for j in todo:
            self.blocks.setdefault((i, j), []).append(claim)

    def startable(self, known: list[Hit | None]) -> list[tuple[Task, Any]]:
        """The tasks that can start at once, with their payloads: the claims whose chains are
        all known (from the cache), then every link and example."""
        start = [(c, self.payload(c)) for c, n in self.waiting.items() if n == 0]
        start += [(t, known[t[0]].values if t[1] == "example" and known[t[0]] else None)
                  for t in self.tasks]
        return start

    def finish_unchecked(self) -> None:
        """Report the derivations of which nothing was left to check."""
        if self.finished is not None:
            for i, left in enumerate(self.left):
                if left == 0:
                    self.finished(i, self.outcome(i))

    def outcome(self, i: int) -> Outcome:
        return Outcome(self.links_of[i], *self.examples_of.get(i, (None, "", {})))

    def payload(self, claim: Task) -> dict[int, Verdict]:
        """What a claim's task is sent: the verdicts of its chain's links."""
        return {j: verdict_of(self.links_of[claim[0]][j]) for j in self.chains[claim]}

    def done(self, task: Task, result: Any) -> list[tuple[Task, Any]]:
        """Record a task's result; the claims it makes ready, with their payloads."""
        i, kind, k = task
        ready = []
        if kind == "example":
            self.examples_of[i] = result
        else:
            apply_verdict(self.links_of[i][k], result)
            for claim in self.blocks.pop((i, k), []) if kind == "link" else []:
                self.waiting[claim] -= 1
                if not self.waiting[claim]:
                    ready.append((claim, self.payload(claim)))
        self.left[i] -= 1
        if self.left[i] == 0 and self.finished is not None:
            self.finished(i, self.outcome(i))
        if self.tick is not None:
            self.tick()
        return ready


_EARLY: dict[str, Any] = {}  # workers forked before the derivations were loaded


def start_early(n: int, budget: float | None, memory_mb: int | None = None) -> None:
    """Start `n` workers now, before the files are loaded: they import the checker (SymPy,
    NumPy: about 0.4 s of CPU) while this process loads and validates the files. One worker is
    forked from this process and imports the checker once; the others are forked from it once
    it has (a zygote), so the import is paid once however many there are. `run` hands them the
    derivations (pickled, a few ms per file); workers it does not need are stopped."""
    discard_early()
    memory_mb = DEFAULT_MEMORY_MB if memory_mb is None else memory_mb
    ctx = multiprocessing.get_context("fork")
    pipes = [ctx.Pipe() for _ in range(max(n, 1))]
    first = ctx.Process(target=_early_main, args=([child for _, child in pipes], budget, memory_mb), daemon=True)
    first.start()
    for _, child in pipes:
        child.close()
    workers = [WorkerHandle(pipes[0][0], first, early=True)]
    workers += [WorkerHandle(conn, None, early=True, zygote=first) for conn, _ in pipes[1:]]
    _EARLY.update(workers=workers, budget=budget, memory_mb=memory_mb)
    if not _EARLY.get("atexit"):
        atexit.register(discard_early)
        _EARLY["atexit"] = True


def discard_early() -> None:
    """Stop the early workers nobody used (a warm run needs none)."""
    _EARLY.pop("offered", None)
    for w in by_zygote_first(_EARLY.pop("workers", [])):
        w.kill()


def offer_early(ders: list[Derivation]) -> None:
    """Hand every loaded derivation to the early workers now, before the cache is consulted:
    they unpickle them while this process works out which links need checking; `run` then only
    names the ones to check."""
    if _EARLY.get("offered") is not None:
        return
    for w in _EARLY.get("workers", []):
        if w.proc is None:
            continue  # forked by the zygote once it has them: it inherits them
        try:
            w.conn.send(("ders", ders))
        except OSError:
            w.dead = True
    _EARLY["offered"] = ders


def _adopt(ders: list[Derivation], budget: float | None, memory_mb: int,
           jobs: int) -> list[WorkerHandle]:
    """The early workers, given the derivations, if they were started with these settings."""
    early = _EARLY.pop("workers", [])
    offered = _EARLY.pop("offered", None)
    if not early or _EARLY.get("budget") != budget or _EARLY.get("memory_mb") != memory_mb:
        for w in by_zygote_first(early):
            w.kill()
        return []
    use = early[:max(jobs, 1)]
    for w in by_zygote_first(early[len(use):]):
        w.kill()
    where = {id(d): k for k, d in enumerate(offered or [])}
    message: tuple[str, Any] = ("ders", ders)
    if offered is not None and all(id(d) in where for d in ders):  # they have them all: which ones
        message = ("pick", [where[id(d)] for d in ders])
    for lane, w in enumerate(use):
        w.lane = lane
        if w.dead or (w.proc is None and offered is None):
            continue  # forked by the zygote after it got `ders`: it has them
        try:
            w.conn.send(message)
        except OSError:
            w.dead = True
    return [w for w in use if not w.dead]


DEPTH = 2  # tasks sent ahead to a worker, so that it never waits for this process between tasks


def _supervise(ders: list[Derivation], budget: float | None, start: list[tuple[Task, Any]], jobs: int,
               memory_mb: int, done: Callable[[Task, Any], list[tuple[Task, Any]]],
               meanwhile: Callable[[], None] | None = None) -> None:
    """Run tasks on up to `jobs` worker processes, killing any that overruns its limit.

    `done(task, result)` is called with every result and returns the tasks it makes ready.
    Each worker has up to DEPTH tasks sent ahead; the limit of a task runs from the answer to
    the one before it."""
    ctx = multiprocessing.get_context("fork")
    pending = TaskQueue(ders, start, lanes=max(jobs, 1))
    workers: list[WorkerHandle] = _adopt(ders, budget, memory_mb, jobs)
    try:
        while pending or any(w.inflight for w in workers):
            while pending:
                if len(workers) < max(jobs, 1) and all(w.inflight for w in workers):
                    workers.append(WorkerHandle.fork(ctx, ders, budget, memory_mb))
                    workers[-1].lane = min(set(range(max(jobs, 1))) - {w.lane for w in workers[:-1]})
                w = min(workers, key=lambda w: len(w.inflight))
                if len(w.inflight) >= DEPTH:
                    break
                task, data = pending.take(w.current, w.lane)
                w.current = task[0]
                w.start(task, _limit(ders, budget, task), data)
            if meanwhile is not None:
                meanwhile, later = None, meanwhile
                later()
            busy = [w for w in workers if w.inflight]
            timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            ready = mp_connection.wait([w.conn for w in busy], timeout=timeout)
            for w in busy:
                got = _result(w, w.conn in ready, ders, budget)
                if got is None:
                    continue
                task, result = got
                if w.dead:  # what it had not started goes to another worker
                    workers.remove(w)
                    pending.add([(t, data) for t, _, data in w.inflight if t != task])
                    w.inflight.clear()
                pending.add(done(task, result))
    finally:
        for w in by_zygote_first(workers):
            w.close()


def _result(w: WorkerHandle, answered: bool, ders: list[Derivation],
            budget: float | None) -> tuple[Task, Any] | None:
    """(task, result) for the task `w` runs: its answer, or, once it has overrun its limit, the
    result of a stopped task (`w` is killed). None while it works, or when it only sent its pid.
    A docgen bug in the worker is raised here, with its traceback."""
    if answered:
        got = w.receive()
        if got is None:  # only its pid: the answer is still to come
            return None
        task, answer = got
        if answer[0] == "ok":
            return task, answer[1]
        if answer[0] == "bug":
            raise RuntimeError(f"a docgen bug while checking {task}:\n{answer[1]}")
        return task, _fallback(task, answer[1])
    if time.monotonic() >= w.deadline:
        task = w.inflight[0][0]
        w.kill()
        limit = _limit(ders, budget, task)
        why = f"stopped after {limit:g} s (3 × the budget plus 1 s): the worker was killed"
        return task, _fallback(task, why)
    return None
