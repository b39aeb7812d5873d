"""Runs the checks: link by link, in this process or in a pool of worker processes.

The unit of work is one chain link (or one worked example), so that one large derivation is
spread over all cores too. Claims are settled afterwards in this process: most follow from
their chains by transitivity and need only their numeric check.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from .model import Derivation
from .verdict import ExampleResult, Link, chain_links


@dataclass(frozen=True)
class Outcome:
    links: list[Link]
    example: ExampleResult | None
    problem: str  # the example could not be evaluated


Task = tuple[int, str, int]  # (derivation index, "link" | "example", link index)

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


def _run(task: Task) -> Any:
    i, kind, k = task
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


def run(ders: list[Derivation], budget: float | None, examples: bool, jobs: int) -> list[Outcome]:
    """Check every derivation; outcomes in the order of `ders`."""
    tasks: list[Task] = []
    for i, der in enumerate(ders):
        tasks.extend((i, "link", k) for k, link in enumerate(chain_links(der)) if link.kind != "claim")
        if examples and der.example is not None:
            tasks.append((i, "example", 0))
    _init(ders, budget)
    if jobs > 1 and len(tasks) > 1:
        from . import check, example  # noqa: F401  (imported once here, inherited by forked workers)

        # the most expensive first, so that no worker is left with a long task at the end
        ordered = sorted(range(len(tasks)), key=lambda t: -_weight(ders[tasks[t][0]]))
        with ProcessPoolExecutor(max_workers=jobs, initializer=_init, initargs=(ders, budget)) as pool:
            outs = list(pool.map(_run, [tasks[t] for t in ordered], chunksize=1))
        results = dict(zip(ordered, outs))
        answers = [results[t] for t in range(len(tasks))]
    else:
        answers = [_run(t) for t in tasks]
    by_task = dict(zip(tasks, answers))

    outcomes = []
    for i, der in enumerate(ders):
        links = chain_links(der)
        for k, link in enumerate(links):
            if (i, "link", k) in by_task:
                links[k] = by_task[(i, "link", k)]
        links = _checker(i).finish_claims(links)
        example, problem = by_task.get((i, "example", 0), (None, ""))
        outcomes.append(Outcome(links, example, problem))
    return outcomes
