"""The order in which a run's tasks go to the workers: grouped by derivation, in lanes.

A worker keeps taking tasks of the derivation it works on (its Checker, evaluators and SymPy's
caches are warm there), then starts the next derivation of its lane, and only then shares
another derivation's remaining tasks, so that one large derivation is still spread over every
worker. No processes here: runner.py asks this queue which task a worker gets next.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..model.derivation import Derivation
    from .worker import Task


def _weight(der: Derivation) -> int:
    """A rough cost: exact checks grow quickly with the sizes."""
    total = 0
    for sizes in der.size_assignments():
        p = 1
        for v in sizes.values():
            p *= v
        total += p * p
    return total


class TaskQueue:
    """Tasks grouped by derivation, taken one derivation at a time (see the module docstring).

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
