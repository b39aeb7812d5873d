"""Runs the checks: link by link, in a pool of worker processes.

The unit of work is one chain link (or one worked example), so that one large derivation is
spread over all cores too. A claim is dispatched as soon as the links of its chain are known:
most follow from their chains by transitivity and need only their numeric check; the others
are checked like steps. There is no barrier between links and claims, and a worker lives for
the whole run. Only verdicts travel between processes (the workers have the derivations from
the fork, or, for a worker started before loading, from one pickled message), never trees.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import signal
import time
from collections import deque
from dataclasses import dataclass, field
from multiprocessing import connection as mp_connection
from typing import Any, Callable

from .cache import Hit
from ..model.derivation import Derivation
from ..check.verdict import UNDECIDED, ExampleResult, Link, chain_links
from .worker import _STATE, Task, Verdict, _early_main, _init, _worker_main, apply_verdict, verdict_of  # noqa: F401

HARD_MARGIN = 1.0  # seconds a worker may overrun a link's budget before it is killed
DEFAULT_MEMORY_MB = 4096  # address-space limit of a worker


@dataclass(frozen=True)
class Outcome:
    links: list[Link]
    example: ExampleResult | None
    problem: str  # the example could not be evaluated
    values: dict = field(default_factory=dict)  # the example's value of each expression


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


def _fallback(task: Task, why: str) -> Any:
    """What a task that was stopped yields: an undecided link, or an unevaluated example."""
    if task[1] == "example":
        return None, f"the example could not be evaluated: {why}", {}
    return UNDECIDED, [], [why], None, 0.0


def run(ders: list[Derivation], budget: float | None, examples: bool, jobs: int,
        memory_mb: int = DEFAULT_MEMORY_MB, known: list[Hit | None] | None = None,
        finished: Callable[[int, Outcome], None] | None = None,
        meanwhile: Callable[[], None] | None = None) -> list[Outcome]:
    """Check every derivation; outcomes in the order of `ders`.

    `known[i]` lists what is already known of `ders[i]` (cached verdicts): only the rest is
    checked. `finished(i, outcome)` is called as soon as everything of `ders[i]` is known, while
    other derivations are still being checked; `meanwhile()` once, after the first tasks are
    handed out, while the workers work. Every task runs in a worker process with a
    memory limit and a wall-clock limit (the link's budget plus a second), so that SymPy stuck
    in C code cannot stall the run: the worker is killed, the link is "undecided", and the rest
    goes on in a fresh worker.
    """
    if not _EARLY.get("workers"):
        from ..check import checker as check  # noqa: F401  (imported once here, inherited by forked workers)
        from ..check import example

    known = known or [None] * len(ders)
    links_of = [chain_links(der) for der in ders]
    examples_of: dict[int, tuple[ExampleResult | None, str, dict]] = {}
    tasks: list[Task] = []
    chains: dict[Task, list[int]] = {}  # claim -> its chain's link indices
    blocks: dict[tuple[int, int], list[Task]] = {}  # a link still to check -> claims waiting for it
    waiting: dict[Task, int] = {}  # claim -> how many of its chain's links are still to check
    for i, der in enumerate(ders):
        kn = known[i]
        links = links_of[i]
        if kn is not None:
            for k, link in kn.links.items():
                links[k] = link
            if kn.has_example:
                examples_of[i] = (kn.example, "", kn.values)
        for k, link in enumerate(links):
            if kn is not None and k in kn.links:
                continue
            if link.kind != "claim":
                tasks.append((i, "link", k))
                continue
            claim = (i, "claim", k)
            chains[claim] = [j for j, c in enumerate(links) if c.part == link.part and c.kind != "claim"]
            todo = [j for j in chains[claim] if kn is None or j not in kn.links]
            waiting[claim] = len(todo)
            for j in todo:
                blocks.setdefault((i, j), []).append(claim)
        if examples and der.example is not None and i not in examples_of:
            tasks.append((i, "example", 0))

    left = [0] * len(ders)  # tasks still to run, per derivation
    for task in [*tasks, *waiting]:
        left[task[0]] += 1

    def outcome(i: int) -> Outcome:
        return Outcome(links_of[i], *examples_of.get(i, (None, "", {})))

    def payload(claim: Task) -> dict[int, Verdict]:
        return {j: verdict_of(links_of[claim[0]][j]) for j in chains[claim]}

    def done(task: Task, result: Any) -> list[tuple[Task, Any]]:
        i, kind, k = task
        ready = []
        if kind == "example":
            examples_of[i] = result
        else:
            apply_verdict(links_of[i][k], result)
            for claim in blocks.pop((i, k), []) if kind == "link" else []:
                waiting[claim] -= 1
                if not waiting[claim]:
                    ready.append((claim, payload(claim)))
        left[i] -= 1
        if left[i] == 0 and finished is not None:
            finished(i, outcome(i))
        return ready

    # claims whose chains are all known (from the cache) can start at once
    start = [(c, payload(c)) for c, n in waiting.items() if n == 0]
    start += [(t, known[t[0]].values if t[1] == "example" and known[t[0]] else None) for t in tasks]
    if finished is not None:
        for i in range(len(ders)):
            if left[i] == 0:
                finished(i, outcome(i))  # nothing was left to check
    if start:
        _init(ders, budget)
        _supervise(ders, budget, start, jobs, memory_mb, done, meanwhile)
    return [outcome(i) for i in range(len(ders))]


class _Queue:
    """Tasks grouped by derivation. A worker keeps taking tasks of the derivation it works on
    (its Checker, evaluators and SymPy's caches are warm there), then starts the next
    derivation of its lane, and only then shares another derivation's remaining tasks, so that
    one large derivation is still spread over every worker.

    Lanes: the derivations, heaviest first, are cut into one contiguous stretch per worker, so
    that each worker goes through similar derivations one after another, as a single worker
    would (with every other derivation instead, the checking costs 5-8% more CPU: SymPy's and
    docgen's caches are warm for fewer of them). A worker whose lane is done takes from the far
    end of the lane with most left."""

    def __init__(self, ders: list[Derivation], start: list[tuple[Task, Any]], lanes: int = 1):
        self.groups: dict[int, deque[tuple[Task, Any]]] = {}
        for item in start:
            self.groups.setdefault(item[0][0], deque()).append(item)
        order = sorted(self.groups, key=lambda i: (-_weight(ders[i]), i))
        n, lanes = len(order), max(1, lanes)
        self.lanes = [deque(order[k * n // lanes:(k + 1) * n // lanes]) for k in range(lanes)]
        self.size = len(start)

    def __bool__(self) -> bool:
        return self.size > 0

    def add(self, items: list[tuple[Task, Any]]) -> None:
        """Tasks made ready by a result: first in line for their derivation."""
        for item in reversed(items):
            self.groups.setdefault(item[0][0], deque()).appendleft(item)
            self.size += 1

    def take(self, current: int | None, lane: int = 0) -> tuple[Task, Any]:
        i = current if current is not None and current in self.groups else None
        if i is None:
            i = self._fresh(lane % len(self.lanes))
            if i is None:  # every derivation is started: help with the one that has most left
                i = max(self.groups, key=lambda j: len(self.groups[j]))
                return self._pop(i, last=True)
        return self._pop(i, last=False)

    def _fresh(self, lane: int) -> int | None:
        """The next derivation no worker has started: of this lane, else from the far end of
        the lane with most left."""
        for q in self.lanes:
            while q and q[0] not in self.groups:
                q.popleft()
            while q and q[-1] not in self.groups:
                q.pop()
        if self.lanes[lane]:
            return self.lanes[lane].popleft()
        other = max(self.lanes, key=len)
        return other.pop() if other else None

    def _pop(self, i: int, last: bool) -> tuple[Task, Any]:
        group = self.groups[i]
        item = group.pop() if last else group.popleft()
        if not group:
            del self.groups[i]  # only derivations with tasks left stay
        self.size -= 1
        return item


EARLY_ALLOWANCE = 10.0  # seconds: a worker started early may still be importing the checker
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
    workers = [_Worker(pipes[0][0], first, early=True)]
    workers += [_Worker(conn, None, early=True, zygote=first) for conn, _ in pipes[1:]]
    _EARLY.update(workers=workers, budget=budget, memory_mb=memory_mb)
    if not _EARLY.get("atexit"):
        atexit.register(discard_early)
        _EARLY["atexit"] = True


def discard_early() -> None:
    """Stop the early workers nobody used (a warm run needs none)."""
    _EARLY.pop("offered", None)
    for w in _by_zygote_first(_EARLY.pop("workers", [])):
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


def _adopt(ders: list[Derivation], budget: float | None, memory_mb: int, jobs: int) -> list[_Worker]:
    """The early workers, given the derivations, if they were started with these settings."""
    early = _EARLY.pop("workers", [])
    offered = _EARLY.pop("offered", None)
    if not early or _EARLY.get("budget") != budget or _EARLY.get("memory_mb") != memory_mb:
        for w in _by_zygote_first(early):
            w.kill()
        return []
    use = early[:max(jobs, 1)]
    for w in _by_zygote_first(early[len(use):]):
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


def _by_zygote_first(workers: list[_Worker]) -> list[_Worker]:
    """Workers forked by the zygote before the others: stopped while it lives, it reaps them."""
    return sorted(workers, key=lambda w: w.proc is not None)


DEPTH = 2  # tasks sent ahead to a worker, so that it never waits for this process between tasks


def _supervise(ders: list[Derivation], budget: float | None, start: list[tuple[Task, Any]], jobs: int,
               memory_mb: int, done: Callable[[Task, Any], list[tuple[Task, Any]]],
               meanwhile: Callable[[], None] | None = None) -> None:
    """Run tasks on up to `jobs` worker processes, killing any that overruns its limit.

    `done(task, result)` is called with every result and returns the tasks it makes ready.
    Each worker has up to DEPTH tasks sent ahead; the limit of a task runs from the answer to
    the one before it."""
    ctx = multiprocessing.get_context("fork")
    pending = _Queue(ders, start, lanes=max(jobs, 1))
    workers: list[_Worker] = _adopt(ders, budget, memory_mb, jobs)
    try:
        while pending or any(w.inflight for w in workers):
            while pending:
                if len(workers) < max(jobs, 1) and all(w.inflight for w in workers):
                    workers.append(_Worker.fork(ctx, ders, budget, memory_mb))
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
                if w.conn in ready:
                    got = w.receive()
                    if got is None:  # only its pid: the answer is still to come
                        continue
                    task, answer = got
                    if answer[0] == "ok":
                        result = answer[1]
                    elif answer[0] == "bug":
                        raise RuntimeError(f"a docgen bug while checking {task}:\n{answer[1]}")
                    else:
                        result = _fallback(task, answer[1])
                elif time.monotonic() >= w.deadline:
                    task = w.inflight[0][0]
                    w.kill()
                    limit = _limit(ders, budget, task)
                    result = _fallback(task, f"stopped after {limit:g} s (budget plus 1 s): the worker was killed")
                else:
                    continue
                if w.dead:  # what it had not started goes to another worker
                    workers.remove(w)
                    pending.add([(t, data) for t, _, data in w.inflight if t != task])
                    w.inflight.clear()
                pending.add(done(task, result))
    finally:
        for w in _by_zygote_first(workers):
            w.close()


class _Worker:
    """A worker process that runs tasks sent over a pipe, in order, under a memory limit.

    Most are forked from this process (`proc`); a worker forked by the first early worker (the
    zygote) is not our child: it sends its pid first, and is stopped by that pid."""

    def __init__(self, conn, proc=None, early: bool = False, zygote=None):  # noqa: ANN001
        self.conn = conn
        self.proc = proc  # a multiprocessing.Process, or None when the zygote forked it
        self.pid: int | None = proc.pid if proc is not None else None
        self.zygote = zygote  # the process that will fork it (when proc is None)
        self.inflight: deque[tuple[Task, float, Any]] = deque()  # sent, not answered: the first runs
        self.current: int | None = None  # the derivation it last worked on
        self.lane = 0  # which stretch of the derivations it starts
        self.deadline = 0.0  # of the task it runs
        self.dead = False
        # a worker started before the derivations were loaded may still be importing the
        # checker when its first task arrives: that task's limit is longer by this much
        self.allowance = EARLY_ALLOWANCE if early else 0.0

    @classmethod
    def fork(cls, ctx, ders: list[Derivation], budget: float | None, memory_mb: int) -> _Worker:  # noqa: ANN001
        conn, child = ctx.Pipe()
        proc = ctx.Process(target=_worker_main, args=(child, ders, budget, memory_mb), daemon=True)
        proc.start()
        child.close()
        return cls(conn, proc)

    def start(self, task: Task, limit: float, payload: Any = None) -> None:
        if not self.inflight:
            self.deadline = time.monotonic() + limit + self.allowance
        self.inflight.append((task, limit, payload))
        self.conn.send((task, payload))

    def receive(self) -> tuple[Task, tuple[str, Any]] | None:
        """The answer to the task it runs; None if what arrived was its pid."""
        try:
            answer = self.conn.recv()
        except (EOFError, OSError):
            self.dead = True
            self.close()
            code = self.proc.exitcode if self.proc is not None else "unknown"
            return self.inflight[0][0], ("crashed", f"the worker died (exit code {code})")
        if self._pid_in(answer):
            return None
        task = self.inflight.popleft()[0]
        self.allowance = 0.0
        if self.inflight:
            self.deadline = time.monotonic() + self.inflight[0][1]
        return task, answer

    def _pid_in(self, message: Any) -> bool:
        """Whether `message` is the pid a worker the zygote forked sends first (it is kept)."""
        if self.pid is None and isinstance(message, tuple) and message[0] == "pid":
            self.pid = message[1]
            return True
        return False

    def alive(self) -> bool:
        if self.proc is not None:
            return self.proc.is_alive()
        if self.pid is None:
            return not self.dead
        return _running(self.pid)

    def kill(self) -> None:
        self.dead = True
        if self.proc is not None:
            self.proc.kill()
            self.proc.join()
        else:
            try:
                if self.pid is None and self.conn.poll(0):
                    self._pid_in(self.conn.recv())  # its pid, sent before anything else
            except (EOFError, OSError):
                pass
            if self.pid is not None:
                _signal(self.pid)
                _ends_within(self.conn, 1.0)  # gone once its end of the pipe is closed
            elif self.zygote is not None and self.zygote.is_alive():
                self.zygote.kill()  # not forked yet: it never will be
                self.zygote.join()
        self.conn.close()

    def close(self) -> None:
        if self.alive():
            try:
                self.conn.send(None)  # a polite stop
            except OSError:
                pass
            if self.proc is not None:
                self.proc.join(timeout=1)
                if self.proc.is_alive():
                    self.proc.kill()
                    self.proc.join()
            elif not _ends_within(self.conn, 1.0):
                self.kill()
                return
        self.conn.close()


def _running(pid: int) -> bool:
    """Whether process `pid` runs (an exited one may stay a zombie when its parent is gone and
    the system's init does not reap it)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:  # "Z": exited
            return fh.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def _signal(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _ends_within(conn, seconds: float) -> bool:  # noqa: ANN001
    """Whether the worker at the other end of `conn` closes it within `seconds`."""
    end = time.monotonic() + seconds
    try:
        while conn.poll(max(0.0, end - time.monotonic())):
            conn.recv()
    except (EOFError, OSError):
        return True
    return False
