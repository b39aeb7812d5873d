"""This process's handle on one worker process: it sends tasks over the worker's pipe, receives
the answers, keeps the deadline of the task that runs, and stops the worker (politely, or by
killing it). What runs inside the worker is in worker.py; runner.py decides what to send.

A worker forked by the first early worker (the zygote) is not this process's child: it sends
its pid first, and is stopped by that pid.
"""

from __future__ import annotations

import os
import signal
import time
from collections import deque
from typing import TYPE_CHECKING, Any

from .worker import _worker_main

if TYPE_CHECKING:
    from ..model.derivation import Derivation
    from .worker import Task

EARLY_ALLOWANCE = 10.0  # seconds: a worker started early may still be importing the checker


class WorkerHandle:
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
    def fork(cls, ctx, ders: list[Derivation], budget: float | None, memory_mb: int) -> WorkerHandle:  # noqa: ANN001
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


def by_zygote_first(workers: list[WorkerHandle]) -> list[WorkerHandle]:
    """Workers forked by the zygote before the others: stopped while it lives, it reaps them."""
    return sorted(workers, key=lambda w: w.proc is not None)


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
