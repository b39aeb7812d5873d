"""The pytest plugin: `pytest derivations/` checks every link of every derivation.

Registered under the name `docgen` through the `pytest11` entry point, so it is on wherever
docgen is installed (`-p no:docgen` turns it off). It takes pytest's collection and options and
gives one File node per derivation file, one item per link of its chain (`::step 3`,
`::identification`, `::claim`, prefixed by the part label in files with parts) and `::example`
for a worked example; a file that cannot be used is one item, `::load`, with docgen's message.

Which files are derivations: with the ini option `docgen_paths`, every `*.yaml`/`*.yml` file under
the folders (or files) it names, and nothing else; without it, a `*.yaml`/`*.yml` file whose top
level is a mapping with the schema's required keys (read with docgen's safe loader, or, for a
file the loader refuses, those keys written at the start of lines).

Checking happens once for the whole session, at the first docgen item that runs (so that
`--collect-only` checks nothing): the selected derivations, with what they cite, go to
`run.verify.verify` (worker processes, the verdict cache) exactly as `docgen verify` does, and
each item then reports its link's verdict under the same policy, with `docgen verify -v`'s words.

Like cli.py, an adapter on top of the pipeline: it may import every stage below integrations.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest

_STATE = pytest.StashKey["_Session"]()
_SUFFIXES = (".yaml", ".yml")
_VERDICT = "docgen verdict"  # the user property of a passed link item: its verdict's words


class DocgenFailure(Exception):
    """What a failing docgen item raises: the report's text, shown as it is (no traceback)."""


class _Crash:
    """The one line pytest's short summary (`-ra`) and JUnit XML show for a failure."""

    def __init__(self, message: str):
        self.message = message


class _Text:
    """A failure shown as docgen's own text: what `repr_failure` gives pytest."""

    def __init__(self, text: str):
        self.text = text
        self.reprcrash = _Crash(text.splitlines()[0] if text else "")

    def toterminal(self, tw: Any) -> None:
        for line in self.text.splitlines():
            tw.line(line)

    def __str__(self) -> str:
        return self.text


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("docgen", "docgen: derivation files checked link by link")
    group.addoption("--docgen-strict", action="store_true", default=None,
                    help="pass only links proven symbolically (numeric evidence alone fails); "
                         "ini: docgen_strict")
    group.addoption("--docgen-allow-undecided", action="store_true", default=None,
                    help="let links that could not be checked (budget spent, worker died) pass; "
                         "ini: docgen_allow_undecided")
    group.addoption("--docgen-budget", metavar="SECONDS", default=None,
                    help="time budget per link, 0.01-600 (default: each file's check.budget); "
                         "ini: docgen_budget")
    group.addoption("--docgen-jobs", metavar="N", default=None,
                    help="checking worker processes (default 0: automatic); ini: docgen_jobs")
    group.addoption("--docgen-cache", metavar="DIR", default=None,
                    help="verdict cache folder (default: .docgen-cache in the rootdir); "
                         "ini: docgen_cache")
    group.addoption("--docgen-no-cache", action="store_true", default=False,
                    help="check everything, read and write no verdict cache")
    parser.addini("docgen_paths", type="paths", default=[],
                  help="folders (or files) whose *.yaml/*.yml files are derivations; "
                       "when set, no other file is collected")
    parser.addini("docgen_strict", type="bool", default=False, help="as --docgen-strict")
    parser.addini("docgen_allow_undecided", type="bool", default=False,
                  help="as --docgen-allow-undecided")
    parser.addini("docgen_budget", default="", help="as --docgen-budget")
    parser.addini("docgen_jobs", default="0", help="as --docgen-jobs")
    parser.addini("docgen_cache", default=".docgen-cache", help="as --docgen-cache")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "docgen: a link (or the example) of a docgen derivation")
    config.stash[_STATE] = _Session(config)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix not in _SUFFIXES:
        return None
    if not parent.config.stash[_STATE].wants(file_path):
        return None
    return DerivationFile.from_parent(parent, path=file_path)


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> Any:
    """`-v` shows a passed link with its verdict: `PASSED (numeric evidence only)`."""
    if report.when == "call" and report.passed:
        verdict = dict(report.user_properties).get(_VERDICT)
        if verdict:
            return "passed", ".", f"PASSED ({verdict})"
    return None


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    line = config.stash[_STATE].summary
    if line:
        terminalreporter.write_line(line)


class _Settings:
    """The options, from the command line or else the ini file, checked as `docgen verify`
    checks its own (a wrong value is a usage error before anything is collected)."""

    def __init__(self, config: pytest.Config):
        from ..check.verdict import Policy
        from ..run.limits import budget_seconds

        def pick(option: str, ini: str) -> tuple[Any, str]:
            """The value, and where it was given: `--docgen-...` or `docgen_... (ini)`."""
            value = config.getoption(option)
            if value is None:
                return config.getini(ini), f"{ini} (ini)"
            return value, "--" + option.replace("_", "-")

        self.policy = Policy(strict=bool(pick("docgen_strict", "docgen_strict")[0]),
                             allow_undecided=bool(pick("docgen_allow_undecided",
                                                       "docgen_allow_undecided")[0]))
        budget, where = pick("docgen_budget", "docgen_budget")
        budget = str(budget).strip()
        try:
            self.budget = budget_seconds(budget) if budget else None
        except ValueError as exc:
            raise pytest.UsageError(f"{where} {budget}: {exc}") from None
        jobs, where = pick("docgen_jobs", "docgen_jobs")
        jobs = str(jobs).strip()
        if not jobs.isdigit():
            raise pytest.UsageError(f"{where} {jobs!r}: not a whole number of worker processes "
                                    "(0: automatic)")
        self.jobs = int(jobs)
        cache = pick("docgen_cache", "docgen_cache")[0]
        self.cache = None if config.getoption("docgen_no_cache") else config.rootpath / cache


class _Session:
    """One pytest session's derivations: loaded at collection, verified once, on demand."""

    def __init__(self, config: pytest.Config):
        self.config = config
        self.settings = _Settings(config)
        self.where = config.invocation_params.dir  # derivation paths are relative to it
        self.paths = [p.resolve() for p in config.getini("docgen_paths")]
        self.seen: dict[str, Any] = {}  # id -> Derivation, every collected file's
        self.results: dict[str, Any] | None = None  # id -> Result, once verified
        self.error: BaseException | None = None
        self.summary = ""

    def wants(self, path: Path) -> bool:
        if self.paths:
            path = path.resolve()
            return any(path == p or p in path.parents for p in self.paths)
        return looks_like_derivation(path)

    def load(self, path: Path) -> tuple[Any, str]:
        """(the Derivation, '') or (None, docgen's message) for one collected file."""
        from ..run.verify import load_files

        shown = Path(os.path.relpath(path, self.where)) if self.where in path.parents else path
        with contextlib.chdir(self.where):
            corpus = load_files([shown], self.seen)
        if corpus.errors:
            return None, "\n".join(str(e) for e in corpus.errors)
        der = corpus.derivations[0]
        self.seen[der.id] = der
        return der, ""

    def result(self, session: pytest.Session, der: Any) -> Any:
        """The Result of `der`, verifying every selected derivation on the first call."""
        if self.results is None and self.error is None:
            from ..model.errors import DocgenError

            try:
                self.results = self._verify(session)
            except (DocgenError, OSError) as exc:  # the cache folder, say: as the CLI says it
                self.error = DocgenFailure(f"docgen: {exc}")
            except Exception as exc:  # a bug: every item shows it, nothing is checked twice
                self.error = exc
        if self.error is not None:
            raise self.error
        assert self.results is not None
        return self.results[der.id]

    def _verify(self, session: pytest.Session) -> dict[str, Any]:
        from ..run.cache import VerdictCache
        from ..run.verify import Corpus, add_cited, verify

        chosen: dict[str, Any] = {}
        for item in session.items:
            der = getattr(item.parent, "derivation", None)
            if isinstance(item, _Item) and der is not None:
                chosen.setdefault(der.id, der)
        corpus = Corpus(list(chosen.values()), [])
        _add_collected(corpus, self.seen)
        with contextlib.chdir(self.where):
            add_cited(corpus)
        start = time.monotonic()
        cache = VerdictCache(self.settings.cache)
        try:
            results = verify(corpus.derivations, budget=self.settings.budget,
                             jobs=self.settings.jobs, cache=cache, policy=self.settings.policy)
        finally:
            cache.close()
        passed = sum(r.passed for r in results)
        extra = len(corpus.derivations) - len(chosen)
        cited = f", {extra} of them only cited" if extra else ""
        self.summary = (f"docgen: verified {len(results)} derivation{'s' * (len(results) != 1)}"
                        f"{cited} in {time.monotonic() - start:.1f} s: {passed} passed, "
                        f"{len(results) - passed} failed")
        return {r.derivation.id: r for r in results}


def _add_collected(corpus: Any, collected: dict[str, Any]) -> None:
    """Add the collected derivations that the corpus cites (directly or through another one)
    and lacks: a file deselected with -k still serves its citers."""
    from ..lang.rules import RULES

    have = {d.id for d in corpus.derivations}
    todo = sorted({by for d in corpus.derivations for by, _ in d.citations()} - have - set(RULES))
    while todo:
        cid = todo.pop()
        if cid in collected and cid not in have:
            have.add(cid)
            corpus.derivations.append(collected[cid])
            todo.extend(by for by, _ in collected[cid].citations() if by not in RULES)


def looks_like_derivation(path: Path) -> bool:
    """Whether a YAML file is a derivation: its top level is a mapping with every key the
    schema requires, read with docgen's safe loader; for a file the loader refuses (a YAML
    mistake, a tag), those keys each start a line of its text."""
    from ..read.load import MAX_BYTES, LoadError, load_file
    from ..read.schema import schema

    required = set(schema()["required"])
    try:
        data = load_file(path).data
    except LoadError:
        if not path.is_file():
            return False
        with open(path, "rb") as f:
            text = f.read(MAX_BYTES).decode("utf-8", errors="replace")
        return required <= set(re.findall(r"^([A-Za-z_][\w-]*)[ \t]*:", text, re.MULTILINE))
    return isinstance(data, dict) and required <= data.keys()


class DerivationFile(pytest.File):
    """A derivation file: its links (and example) as items, or one `load` item if unusable."""

    derivation: Any = None

    def collect(self) -> Any:
        from ..check.verdict import chain_links
        from ..publish.report import link_title

        der, error = self.config.stash[_STATE].load(self.path)
        if der is None:
            yield LoadItem.from_parent(self, name="load", text=error)
            return
        self.derivation = der
        for i, link in enumerate(chain_links(der)):
            yield LinkItem.from_parent(self, name=link_title(link), index=i, loc=link.loc)
        if der.example is not None:
            yield ExampleItem.from_parent(self, name="example", loc=der.example.loc)


class _Item(pytest.Item):
    """An item whose failure is docgen's text, located at its line of the file."""

    def __init__(self, *, loc: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.loc = loc
        self.add_marker("docgen")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, DocgenFailure):
            return _Text(str(excinfo.value))
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        line = self.loc.line - 1 if self.loc is not None and self.loc.line else None
        # the heading of a failure: "softmax-jacobian.yaml: step 3" (the node id itself, ending
        # as the node id does, would be read as a Python name, its dots shown as "::")
        return self.path, line, f"{self.path.name}: {self.name}"

    def result(self) -> Any:
        return self.config.stash[_STATE].result(self.session, self.parent.derivation)


class LoadItem(_Item):
    """A file docgen cannot use: YAML, schema, names, shapes, a duplicate id."""

    def __init__(self, *, text: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.text = text

    def runtest(self) -> None:
        raise DocgenFailure(self.text)


class LinkItem(_Item):
    """One link of the chain: passes when the policy accepts its verdict and no problem of
    the derivation (a failing citation, an unknown reason) is located at its step."""

    def __init__(self, *, index: int, **kwargs: Any):
        super().__init__(**kwargs)
        self.index = index

    def runtest(self) -> None:
        from ..publish.report import judged_link

        res = self.result()
        link = res.links[self.index]
        problems = [str(p) for p in _problems_of(res)[self.index]]
        if problems or not res.policy.accepts(link):
            raise DocgenFailure("\n".join(problems + judged_link(link, res.policy)))
        self.user_properties.append((_VERDICT, link.verdict()))


class ExampleItem(_Item):
    """The worked example: passes when its values agree along the chain."""

    def runtest(self) -> None:
        problems = _problems_of(self.result())[None]
        if problems:
            raise DocgenFailure("\n".join(str(p) for p in problems))


def _problems_of(res: Any) -> dict[int | None, list[Any]]:
    """The derivation's problems by item: a link's index, or None for the example. A problem
    located at a step goes to its link, at the example to the example, any other (a citation
    cycle) to every claim, so that every problem fails at least one item."""
    from ..check.verdict import chain_links

    der = res.derivation
    links = chain_links(der)
    at: dict[Any, int] = {}
    for part in der.parts:
        for k, step in enumerate(part.steps, 1):
            i = next(j for j, link in enumerate(links)
                     if (link.part, link.kind, link.index) == (part.label, "step", k))
            at.setdefault(step.loc, i)
            at.setdefault(step.expr.loc, i)
    claims = [i for i, link in enumerate(links) if link.kind == "claim"]
    out: dict[int | None, list[Any]] = {i: [] for i in range(len(links))}
    out[None] = []
    for p in res.problems:
        if der.example is not None and p.location == der.example.loc:
            out[None].append(p)
        elif p.location is not None and p.location in at:
            out[at[p.location]].append(p)
        else:
            for i in claims:
                out[i].append(p)
    return out
