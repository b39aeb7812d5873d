"""A corpus of derivation files -> results: load all, resolve citations, check every link."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .check import FAILED, Checker, Link
from .errors import DocgenError, Location, ModelError
from .example import ExampleResult, evaluate_example
from .load import load_file
from .model import Derivation
from .rules import RULES


@dataclass
class Result:
    """Everything known about one derivation after checking."""

    derivation: Derivation
    links: list[Link] = field(default_factory=list)
    example: ExampleResult | None = None
    problems: list[DocgenError] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems and all(link.ok for link in self.links)


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
    citing file's folder, so that one file can be verified on its own.
    """
    corpus = _load(find_files(paths), {})
    wanted = {by for d in corpus.derivations for by, _ in d.citations() if by not in RULES}
    have = {d.id for d in corpus.derivations}
    if wanted - have:
        loaded = {Path(d.path).resolve() for d in corpus.derivations}
        folders = sorted({Path(d.path).parent for d in corpus.derivations})
        extra = [p for f in folders for p in find_files([str(f)]) if p.resolve() not in loaded]
        more = _load(extra, {d.id: d for d in corpus.derivations})
        # only what is cited (directly or through another cited file) joins the corpus
        by_id = {d.id: d for d in more.derivations}
        todo, added = sorted(wanted - have), []
        while todo:
            cid = todo.pop()
            if cid in by_id and cid not in have:
                have.add(cid)
                added.append(by_id[cid])
                todo.extend(by for by, _ in by_id[cid].citations() if by not in RULES)
        corpus.derivations.extend(sorted(added, key=lambda d: d.path))
    return corpus


def _load(files: list[Path], seen: dict[str, Derivation]) -> Corpus:
    from .spec import build_derivation

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
            cycle = " -> ".join(stack[stack.index(d.id):] + [d.id])
            problems[d.id].append(ModelError(f"citation cycle: {cycle}", d.loc))
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


def verify(ders: list[Derivation], budget: float | None = None, examples: bool = True) -> list[Result]:
    """Check every link of every derivation; results in the input order."""
    order, problems = citation_order(ders)
    results: dict[str, Result] = {}
    for der in order:
        res = Result(der, problems=list(problems[der.id]))
        checker = Checker(der, budget)
        res.links = [checker.check(link) for link in checker.links()]
        for by, loc in der.citations():
            cited = results.get(by)
            if cited is not None and not cited.passed:
                res.problems.append(ModelError(f"cites {by!r}, which does not verify", loc))
        if examples and der.example is not None:
            try:
                res.example = evaluate_example(der)
            except (ArithmeticError, ValueError) as exc:
                res.problems.append(ModelError(f"the example cannot be evaluated: {exc}", der.example.loc))
            if res.example is not None:
                res.problems.extend(ModelError(p, der.example.loc) for p in res.example.problems)
        results[der.id] = res
    return [results[d.id] for d in ders]


def failed_links(res: Result) -> list[Link]:
    return [link for link in res.links if link.status == FAILED]


def link_location(link: Link) -> Location | None:
    return link.loc
