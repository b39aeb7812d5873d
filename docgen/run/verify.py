"""A corpus of derivation files -> results: load all, resolve citations, check every link."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import os
import sys

from .cache import Hit, Keys, VerdictCache, derivation_keys
from ..model.errors import DocgenError, ModelError
from ..read.load import load_file
from ..model.derivation import Derivation
from ..lang.rules import RULES
from ..check.verdict import DEFAULT_POLICY, ExampleResult, Link, Policy, chain_links
from .progress import SILENT, Progress


@dataclass
class Result:
    """Everything known about one derivation after checking."""

    derivation: Derivation
    links: list[Link] = field(default_factory=list)
    example: ExampleResult | None = None
    problems: list[DocgenError] = field(default_factory=list)
    policy: Policy = DEFAULT_POLICY  # which verdicts pass

    @property
    def passed(self) -> bool:
        return not self.problems and all(self.policy.accepts(link) for link in self.links)

    @property
    def unaccepted(self) -> list[Link]:
        """Links that keep this derivation from passing (refuted, or not enough evidence)."""
        return [link for link in self.links if not self.policy.accepts(link)]


@dataclass
class Corpus:
    derivations: list[Derivation]
    errors: list[DocgenError]  # files that could not be used at all


def find_files(paths: list[str]) -> list[Path]:
    """Derivation files named by `paths` (files, or folders searched for *.yaml, sorted)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(q for q in p.rglob("*.yaml") if q.is_file()))
            out.extend(sorted(q for q in p.rglob("*.yml") if q.is_file()))
        else:
            out.append(p)
    return out


def load_corpus(paths: list[str]) -> Corpus:
    """Load and build every file; a broken file is an error, the others go on.

    A citation of an id that none of the files has is looked up among the other files of the
    citing file's folder (see `add_cited`), so that one file can be verified on its own.
    """
    corpus = load_files(find_files(paths), {})
    add_cited(corpus)
    return corpus


def add_cited(corpus: Corpus) -> None:
    """Add to `corpus` the derivations it cites but lacks, found among the other files of the
    citing files' folders: only what is cited (directly or through another cited file) joins,
    sorted by path. Files of those folders that cannot be loaded are not errors of the corpus."""
    wanted = {by for d in corpus.derivations for by, _ in d.citations() if by not in RULES}
    have = {d.id for d in corpus.derivations}
    if not wanted - have:
        return
    loaded = {Path(d.path).resolve() for d in corpus.derivations}
    folders = sorted({Path(d.path).parent for d in corpus.derivations})
    extra = [p for f in folders for p in find_files([str(f)]) if p.resolve() not in loaded]
    more = load_files(extra, {d.id: d for d in corpus.derivations})
    by_id = {d.id: d for d in more.derivations}
    todo, added = sorted(wanted - have), []
    while todo:
        cid = todo.pop()
        if cid in by_id and cid not in have:
            have.add(cid)
            added.append(by_id[cid])
            todo.extend(by for by, _ in by_id[cid].citations() if by not in RULES)
    corpus.derivations.extend(sorted(added, key=lambda d: d.path))


def load_files(files: list[Path], seen: dict[str, Derivation]) -> Corpus:
    """Load and build each file, in order; a broken file, or one whose id is already taken (in
    `seen`, by id, or by an earlier file), is an error and the others go on. `seen` is not
    changed."""
    from ..read.spec import build_derivation

    ders: list[Derivation] = []
    errors: list[DocgenError] = []
    seen = dict(seen)
    for path in files:
        try:
            der = build_derivation(load_file(path))
        except DocgenError as exc:
            errors.append(exc)
            continue
        if der.id in seen:
            errors.append(ModelError(f"duplicate id {der.id!r}, also used by {seen[der.id].path}", der.loc))
            continue
        seen[der.id] = der
        ders.append(der)
    return Corpus(ders, errors)


def citation_order(ders: list[Derivation]) -> tuple[list[Derivation], dict[str, list[DocgenError]]]:
    """Derivations with cited ones first; problems (unknown reasons, cycles) per id."""
    by_id = {d.id: d for d in ders}
    problems: dict[str, list[DocgenError]] = {d.id: [] for d in ders}
    for d in ders:
        for by, loc in d.citations():
            if by not in RULES and by not in by_id:
                problems[d.id].append(ModelError(
                    f"by: {by!r} is neither a built-in rule nor the id of a derivation "
                    f"(rules: {', '.join(sorted(RULES))})", loc))
    order: list[Derivation] = []
    state: dict[str, int] = {}

    def visit(d: Derivation, stack: list[str]) -> None:
        if state.get(d.id) == 2:
            return
        if state.get(d.id) == 1:
            members = stack[stack.index(d.id):]
            cycle = " -> ".join(members + [d.id])
            for member in members:  # every member fails, not only the one seen first
                problems[member].append(ModelError(f"citation cycle: {cycle}", by_id[member].loc))
            return
        state[d.id] = 1
        for by, _ in d.citations():
            if by in by_id and by not in RULES:
                visit(by_id[by], stack + [d.id])
        state[d.id] = 2
        order.append(d)

    for d in ders:
        visit(d, [])
    return order, problems


# the runner, looked up among the loaded modules rather than imported: it is loaded when workers
# were started early (start_workers_early), and a warm run that started none need not load it
_RUNNER = f"{__package__}.runner"


def verify(ders: list[Derivation], budget: float | None = None, examples: bool = True,
           jobs: int = 1, cache: VerdictCache | None = None, memory_mb: int | None = None,
           meanwhile: Callable[[], None] | None = None,
           policy: Policy = DEFAULT_POLICY, progress: Progress = SILENT) -> list[Result]:
    """Check every link of every derivation; results in the input order.

    Args:
        ders: the derivations (citations among them are resolved here).
        budget: seconds of symbolic work per link (None: each derivation's own setting).
        examples: evaluate the worked examples too.
        jobs: worker processes for the checks (each link runs in a killable worker).
        cache: where verdicts are remembered between runs (None: always check).
        memory_mb: address-space limit of each worker (None: the runner's default).
        meanwhile: called once, in this process, while the workers check (if anything needs
            checking): e.g. imports that the caller needs next.
        policy: which verdicts pass (undecided links fail unless it allows them).
        progress: told of the links and examples to check ("checking"), one by one.
    """
    runner = sys.modules.get(_RUNNER)
    if runner is not None:  # workers started early: they unpickle while we look up
        runner.offer_early(ders)
    order, problems = citation_order(ders)
    settings = {"budget": budget, "examples": examples}
    cache = cache or VerdictCache(None)
    lookup = _look_up(ders, cache, settings)
    if jobs == 0:  # automatic: one worker per task to run, up to the cores (a fork is cheap)
        jobs = max(1, min(default_jobs(), _tasks_left(lookup, examples)))
    if lookup.todo:
        progress.phase("checking", _tasks_left(lookup, examples))
        _check(lookup, cache, settings, budget, examples, jobs, memory_mb, meanwhile,
               progress.advance)
    runner = sys.modules.get(_RUNNER)
    if runner is not None:  # workers started early that nothing needed
        runner.discard_early()
    return _results(ders, order, problems, lookup.checked, policy)


@dataclass
class _Lookup:
    """What the verdict cache knows: derivations fully known, and the others, to check."""

    checked: dict[str, tuple[list[Link], ExampleResult | None, str]] = field(default_factory=dict)
    todo: list[Derivation] = field(default_factory=list)
    known: list[Hit | None] = field(default_factory=list)  # what is known of each one to check
    keys: dict[str, Keys] = field(default_factory=dict)  # by id, when there is a cache


def _look_up(ders: list[Derivation], cache: VerdictCache, settings: dict) -> _Lookup:
    """Each derivation's cached verdicts: all of them known, or some (or none) and the rest to
    check."""
    lookup = _Lookup()
    for der in ders:
        if cache.root is None:
            lookup.todo.append(der)
            lookup.known.append(None)
            continue
        # each link is keyed by what its verdict depends on, not by the file's bytes or by
        # what it cites: a changed note re-checks nothing, a changed step only its links
        keys = lookup.keys[der.id] = derivation_keys(der, settings)
        hit = cache.get(keys, der, settings)
        if hit is not None and len(hit.links) == len(keys.links) and hit.has_example:
            links = [hit.links[k] for k in range(len(hit.links))]
            lookup.checked[der.id] = (links, hit.example, "")
        else:
            lookup.todo.append(der)
            lookup.known.append(hit)
    return lookup


def _tasks_left(lookup: _Lookup, examples: bool) -> int:
    """How many links and examples are still to check."""
    return sum(len(chain_links(d)) - (len(k.links) if k else 0)
               + (examples and d.example is not None and not (k and k.has_example))
               for d, k in zip(lookup.todo, lookup.known))


def _check(lookup: _Lookup, cache: VerdictCache, settings: dict, budget: float | None,
           examples: bool, jobs: int, memory_mb: int | None,
           meanwhile: Callable[[], None] | None, tick: Callable[[], None]) -> None:
    """Check what the cache did not know, in worker processes; each derivation's verdicts go
    into `lookup.checked` (and the cache) as soon as they are all known."""
    from .runner import run  # imports SymPy: only when something needs checking

    todo, keys = lookup.todo, lookup.keys

    def finished(i: int, out) -> None:  # noqa: ANN001  (written while the rest is checked)
        der = todo[i]
        lookup.checked[der.id] = (out.links, out.example, out.problem)
        if not out.problem and der.id in keys:
            cache.put(keys[der.id], der, settings, out.links, out.example, out.values)

    limits = {} if memory_mb is None else {"memory_mb": memory_mb}
    run(todo, budget, examples, jobs, known=lookup.known, finished=finished, meanwhile=meanwhile,
        tick=tick, **limits)


def _results(ders: list[Derivation], order: list[Derivation],
             problems: dict[str, list[DocgenError]],
             checked: dict[str, tuple[list[Link], ExampleResult | None, str]],
             policy: Policy = DEFAULT_POLICY) -> list[Result]:
    """Each derivation's Result, cited ones first (a citation of one that does not verify is a
    problem of the citing one); in the order of `ders`."""
    results: dict[str, Result] = {}
    for der in order:
        links, example, problem = checked[der.id]
        res = Result(der, links=links, example=example, problems=list(problems[der.id]),
                     policy=policy)
        if problem:
            res.problems.append(ModelError(problem, der.example.loc if der.example else der.loc))
        for by, loc in der.citations():
            cited = results.get(by)
            if cited is not None and not cited.passed:
                res.problems.append(ModelError(f"cites {by!r}, which does not verify", loc))
        if example is not None:
            where = der.example.loc if der.example else der.loc
            res.problems.extend(ModelError(p, where) for p in example.problems)
        results[der.id] = res
    return [results[d.id] for d in ders]


def start_workers_early(paths: list[str], cache: VerdictCache | None, budget: float | None = None,
                        examples: bool = True, memory_mb: int | None = None, jobs: int = 0) -> None:
    """Before loading: if some file looks unchecked (no cached verdicts, or older ones), fork a
    worker now, so that it imports the checker while this process loads the files."""
    cache = cache or VerdictCache(None)
    settings = {"budget": budget, "examples": examples}
    stale = sum(1 for f in find_files(paths) if cache.likely_stale(f, settings))
    if stale:
        from .runner import start_early

        # one worker: on the other core it costs this process nothing, even when no link turns
        # out to need checking (a prose edit); more are forked when the tasks are known. With
        # many files to check, all N (`-j N`, or one per core) start now: the first forks the
        # others once it has imported the checker, so they cost no second import.
        n = min(jobs if jobs > 0 else default_jobs(), default_jobs())
        start_early(n if n > 1 and stale >= 4 * n else 1, budget, memory_mb)


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))

